"""Safe start-up: patience with what is briefly down, plain errors for what is wrong.

What can come back by itself (the database starting, Redis restarting,
Telegram answering 429 or 5xx) is retried with exponential backoff, one log line per
wait, until STARTUP_TIMEOUT seconds have passed since start-up began; what cannot (a
wrong password, an unknown host, a token Telegram refuses) stops start-up at once with
a configuration error (see `bot.config`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import make_url

from bot.config import BOT_TOKEN_HINT, DATABASE_HINT, HINTS, ConfigError
from storage.migrate import DatabaseProblem, check_connection, upgrade_async

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

T = TypeVar("T")

# Backoff between attempts: 1 s, 2 s, 4 s ... at most 30 s, never past the deadline.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
# One attempt may take this long even when the start-up time is nearly spent: with
# STARTUP_TIMEOUT=0 each service still gets one honest try.
ATTEMPT_SECONDS = 10.0

# --- retrying what can come back ---


@dataclass
class Deadline:
    """The end of start-up's patience: STARTUP_TIMEOUT seconds after it was made."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left, 0 when spent."""
        return max(0.0, self.started + self.seconds - time.monotonic())

    def elapsed(self) -> float:
        """Seconds since start-up began."""
        return time.monotonic() - self.started


@dataclass(frozen=True)
class Transient:
    """A failure worth waiting out; `retry_after` is the least wait the server asked for."""

    problem: str
    retry_after: float = 0.0


async def retry(
    attempt: Callable[[float], Awaitable[T]],
    *,
    what: str,
    setting: str,
    shown: str,
    hint: str,
    deadline: Deadline,
    classify: Callable[[BaseException], Transient | ConfigError | None],
) -> T:
    """Run `attempt(seconds_it_may_take)` until it succeeds. A Transient failure waits
    (1, 2, 4 ... s, or what the server asked) and tries again while the deadline allows;
    a ConfigError is raised at once; anything `classify` does not know propagates."""
    number = 0
    while True:
        number += 1
        try:
            return await attempt(max(deadline.remaining(), ATTEMPT_SECONDS))
        except ConfigError:
            raise
        except Exception as error:
            verdict = classify(error)
            if verdict is None:
                raise
            if isinstance(verdict, ConfigError):
                raise verdict from None
            failure = verdict
        remaining = deadline.remaining()
        if remaining <= 0:
            raise ConfigError(
                setting,
                f"{what} ({shown}) failed {number} time(s) in {deadline.elapsed():.1f}s: "
                f"{failure.problem}",
                f"{hint}; STARTUP_TIMEOUT (now {deadline.seconds:g}s) sets how long start-up waits",
            )
        delay = max(RETRY_BASE_SECONDS * 2 ** (number - 1), failure.retry_after)
        delay = min(delay, RETRY_MAX_SECONDS, remaining)
        log.warning(
            "%s failed: %s (%s=%s); retrying in %.1fs, giving up in %.1fs (STARTUP_TIMEOUT)",
            what,
            failure.problem,
            setting,
            shown,
            delay,
            remaining,
        )
        await asyncio.sleep(delay)


def masked_url(url: str) -> str:
    """A URL fit for a log line: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a database URL (Redis): fall back to cutting the user part
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rsplit('@', 1)[-1]}" if "@" in rest else url


async def _wait_for_server(
    server: str,
    setting: str,
    url: str,
    attempt: Callable[[float], Awaitable[None]],
    deadline: Deadline,
    verdict: Callable[[BaseException, str], Transient | ConfigError | None],
) -> None:
    """`retry` for a server reached at the URL in `setting` (the database, Redis): the log
    lines and the final error show the URL with its password masked."""
    await retry(
        attempt,
        what=f"connecting to {server}",
        setting=setting,
        shown=masked_url(url),
        hint=f"start {server} or correct {setting}",
        deadline=deadline,
        classify=lambda error: verdict(error, url),
    )


# --- the database ---


async def prepare_database(database_url: str, deadline: Deadline) -> None:
    """Wait until the database answers, then migrate it to head (under the migration
    lock, so instances starting together migrate once)."""

    async def attempt(seconds: float) -> None:
        await check_connection(database_url, seconds)
        # Not bounded by a timeout: a migration cancelled half-way in its thread would
        # keep holding the migration lock. The connection was just checked.
        await upgrade_async(database_url)

    await _wait_for_server(
        "the database server", "DATABASE_URL", database_url, attempt, deadline, _database_verdict
    )


_DATABASE_HINTS = {
    "the host name does not resolve": "correct the host name in DATABASE_URL",
    "the server refused the user name or password": (
        "correct the user name or password in DATABASE_URL"
    ),
    "the database does not exist on that server": (
        "create the database (e.g. createdb) or correct its name in DATABASE_URL"
    ),
}


def _database_verdict(error: BaseException, database_url: str) -> Transient | ConfigError | None:
    if isinstance(error, TimeoutError):
        return Transient("the database did not answer in time")
    if not isinstance(error, DatabaseProblem):
        return None
    if error.transient:
        return Transient(error.problem)
    return ConfigError(
        "DATABASE_URL",
        f"{error.problem} ({masked_url(database_url)})",
        _DATABASE_HINTS.get(error.problem, DATABASE_HINT),
    )


# --- Redis ---


async def check_redis(redis_url: str, deadline: Deadline) -> None:
    """Ping Redis (conversation state lives there: without it every update would fail)."""
    from redis.asyncio import Redis

    async def attempt(seconds: float) -> None:
        client = Redis.from_url(redis_url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            async with asyncio.timeout(seconds):
                await client.ping()
        finally:
            await client.aclose()

    await _wait_for_server("Redis", "REDIS_URL", redis_url, attempt, deadline, _redis_verdict)


def _redis_verdict(error: BaseException, redis_url: str) -> Transient | ConfigError | None:
    from redis.exceptions import AuthenticationError, RedisError, ResponseError

    shown = masked_url(redis_url)
    for cause in _causes(error):
        if isinstance(cause, AuthenticationError) or (
            isinstance(cause, ResponseError) and "NOAUTH" in str(cause).upper()
        ):
            return ConfigError(
                "REDIS_URL",
                f"Redis refused the user name or password ({shown})",
                "correct the password in REDIS_URL (redis://:password@host:6379/0)",
            )
        if isinstance(cause, socket.gaierror):
            return ConfigError(
                "REDIS_URL",
                f"the host name does not resolve ({shown})",
                "correct the host name in REDIS_URL",
            )
    if any(isinstance(cause, ConnectionRefusedError) for cause in _causes(error)):
        return Transient("the connection was refused")
    if isinstance(error, TimeoutError | RedisError | OSError):
        return Transient(_short(error))
    return None


# --- Telegram ---


async def call_telegram(
    method: str,
    call: Callable[[], Awaitable[T]],
    api_url: str,
    deadline: Deadline,
    *,
    bad_request_setting: str | None = None,
) -> T:
    """One start-up call to the Bot API (getMe, deleteWebhook, setMyCommands, setWebhook),
    retried while Telegram is busy or unreachable. A refused token is a ConfigError naming
    BOT_TOKEN; with `bad_request_setting`, so is a 400 (e.g. setWebhook's URL)."""

    async def attempt(seconds: float) -> T:
        async with asyncio.timeout(seconds):
            return await call()

    return await retry(
        attempt,
        what=f"Telegram's {method}",
        setting="TELEGRAM_API_URL",
        shown=api_url,
        hint="check the network and TELEGRAM_API_URL",
        deadline=deadline,
        classify=lambda error: _telegram_verdict(error, method, bad_request_setting),
    )


def _telegram_verdict(
    error: BaseException, method: str, bad_request_setting: str | None
) -> Transient | ConfigError | None:
    # Imported here: `python -m bot migrate` and a configuration error need no aiogram.
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramBadRequest,
        TelegramNetworkError,
        TelegramNotFound,
        TelegramRetryAfter,
        TelegramServerError,
        TelegramUnauthorizedError,
    )

    if isinstance(error, TelegramUnauthorizedError | TelegramNotFound):
        return ConfigError(
            "BOT_TOKEN",
            f"Telegram refused the token ({method} answered {error.message!r})",
            BOT_TOKEN_HINT + "; if TELEGRAM_API_URL is set, check that it is a Bot API server",
        )
    if isinstance(error, TelegramRetryAfter):
        return Transient(f"Telegram asked to wait {error.retry_after}s", error.retry_after)
    if isinstance(error, TelegramServerError):
        return Transient(f"Telegram answered {error.message!r}")
    if isinstance(error, TelegramNetworkError):
        return Transient(f"no connection ({_short(error)})")
    if isinstance(error, ClientDecodeError):
        return Transient("the answer was not the Bot API's JSON")
    if isinstance(error, TimeoutError):
        return Transient("no answer in time")
    if isinstance(error, TelegramBadRequest) and bad_request_setting is not None:
        return ConfigError(
            bad_request_setting,
            f"Telegram refused it ({method} answered {error.message!r})",
            HINTS.get(bad_request_setting, f"correct {bad_request_setting}"),
        )
    return None


# --- helpers ---


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _short(error: BaseException, limit: int = 160) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


GROUP_HINT = "unset COORDINATOR_CHAT_ID to use the coordinators' private chats instead"


async def check_coordinator_group(bot: Bot, chat_id: int, api_url: str, deadline: Deadline) -> None:
    """COORDINATOR_CHAT_ID must name a private forum supergroup in which the bot is an
    administrator allowed to manage topics: people's messages go there, and nowhere public."""
    from aiogram.enums import ChatMemberStatus, ChatType

    setting = "COORDINATOR_CHAT_ID"
    chat = await call_telegram(
        "getChat", lambda: bot.get_chat(chat_id), api_url, deadline, bad_request_setting=setting
    )
    if chat.type != ChatType.SUPERGROUP or not chat.is_forum:
        raise ConfigError(
            setting,
            f"chat {chat_id} is not a supergroup with topics",
            "turn on Topics in the group's settings, or " + GROUP_HINT,
        )
    if chat.username:
        raise ConfigError(
            setting,
            f"chat {chat_id} is public (@{chat.username}); people's messages must stay private",
            "make the group private, or " + GROUP_HINT,
        )
    me = await call_telegram("getMe", bot.me, api_url, deadline)
    member = await call_telegram(
        "getChatMember",
        lambda: bot.get_chat_member(chat_id, me.id),
        api_url,
        deadline,
        bad_request_setting=setting,
    )
    may_manage = member.status == ChatMemberStatus.CREATOR or (
        member.status == ChatMemberStatus.ADMINISTRATOR
        and bool(getattr(member, "can_manage_topics", False))
    )
    if not may_manage:
        raise ConfigError(
            setting,
            f"the bot is not an administrator allowed to manage topics in chat {chat_id}",
            "make the bot an administrator with 'Manage topics', or " + GROUP_HINT,
        )
