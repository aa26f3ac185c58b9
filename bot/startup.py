"""Safe start-up: plain configuration errors, and patience with what is briefly down.

A configuration error is one or two lines on stderr naming the variable, what is wrong
with its value (never a secret) and what to do; the process exits with code 2 and no
traceback. What can come back by itself (the database starting, Redis restarting,
Telegram answering 429 or 5xx) is retried with exponential backoff, one log line per
wait, until STARTUP_TIMEOUT seconds have passed since start-up began; what cannot (a
wrong password, an unknown host, a token Telegram refuses) stops start-up at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url

from bot.settings import LOG_LEVELS, Settings
from domain.langid import SUPPORTED_LANGUAGES
from storage.db import is_sqlite
from storage.migrate import DatabaseProblem, check_connection, upgrade_async

log = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_CONFIG_ERROR = 2
# Backoff between attempts: 1 s, 2 s, 4 s ... at most 30 s, never past the deadline.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0
# One attempt may take this long even when the start-up time is nearly spent: with
# STARTUP_TIMEOUT=0 each service still gets one honest try.
ATTEMPT_SECONDS = 10.0

DATABASE_HINT = (
    "use postgresql+asyncpg://user:password@host:5432/dbname or "
    "sqlite+aiosqlite:///path/to/file.sqlite3 (unset: data/buddybot.sqlite3)"
)
BOT_TOKEN_HINT = (
    "copy the token again from @BotFather (/mybots, API Token); "
    "leave BOT_TOKEN unset to try the bot against the local emulator"
)
HINTS: dict[str, str] = {
    "BOT_TOKEN": BOT_TOKEN_HINT,
    "TELEGRAM_API_URL": "leave it unset for https://api.telegram.org, or give your Bot API "
    "server's address",
    "DATABASE_URL": DATABASE_HINT,
    "REDIS_URL": "use redis://host:6379/0, or leave it unset to keep conversation state "
    "in the database",
    "WEBHOOK_URL": "give the public https:// address Telegram should post updates to, or "
    "leave it unset for long polling",
    "WEBHOOK_SECRET": "use 1-256 characters of A-Z a-z 0-9 _ -, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
    "WEBHOOK_ALLOW_NO_SECRET": "use true or false",
    "WEBHOOK_PORT": "use a port number between 1 and 65535",
    "TIMEZONE": "use an IANA time zone name such as "
    + str(Settings.model_fields["timezone"].default),
    "DEFAULT_LOCALE": "use one of " + ", ".join(SUPPORTED_LANGUAGES),
    "COORDINATOR_IDS": "give Telegram user ids, comma-separated, e.g. 11111111,22222222",
    "DATA_DIR": "point DATA_DIR at a folder this user can write to, or fix its permissions",
    "SEND_RATE": "give messages a second as a number above 0, e.g. 30",
    "LOG_LEVEL": "use one of " + ", ".join(LOG_LEVELS),
    "STARTUP_TIMEOUT": "give seconds as a number, 0 or more (default 120)",
}


class ConfigError(Exception):
    """A setting the bot cannot start with: which one, what is wrong, what to do."""

    def __init__(self, setting: str, problem: str, hint: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem
        self.hint = hint

    def render(self, secrets: list[str] | None = None) -> str:
        """The two lines printed for it, with any secret value masked."""
        text = f"Configuration error in {self.setting}: {self.problem}.\n  To fix: {self.hint}."
        for secret in secrets or ():
            text = text.replace(secret, "***")
        return text


class InvalidSettings(Exception):
    """Several settings failed validation at once; each is a ConfigError."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def load_settings() -> Settings:
    """Settings from the environment and `.env`; raises InvalidSettings naming each bad
    variable (the value itself is never repeated: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as error:
        raise InvalidSettings([_from_pydantic(item) for item in error.errors()]) from None
    except SettingsError as error:
        # pydantic-settings failed to parse a source before validation (its message names
        # the field, not the value).
        raise InvalidSettings(
            [ConfigError("settings", str(error), "correct it in the environment or .env")]
        ) from None


def _from_pydantic(item: ErrorDetails) -> ConfigError:
    # Only the location and the message: `input` holds the value, which may be a secret.
    location = item.get("loc") or ("settings",)
    setting = str(location[0]).upper()
    problem = item.get("msg", "is not valid").removeprefix("Value error, ")
    hint = HINTS.get(setting, f"correct {setting} in the environment or the .env file")
    return ConfigError(setting, problem, hint)


# --- checks before anything is started ---


def webhook_secret(settings: Settings) -> str | None:
    """The secret Telegram must send with each webhook request; raises ConfigError in
    webhook mode without one, unless WEBHOOK_ALLOW_NO_SECRET=true says that is meant."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.webhook_url and not settings.webhook_allow_no_secret:
        raise ConfigError(
            "WEBHOOK_SECRET",
            "is not set, so anyone who finds WEBHOOK_URL could send the bot forged updates",
            HINTS["WEBHOOK_SECRET"] + " (or set WEBHOOK_ALLOW_NO_SECRET=true to accept the risk)",
        )
    return None


def check_webhook(settings: Settings) -> None:
    """Refuse webhook mode without a secret; warn loudly when that was explicitly allowed."""
    if settings.webhook_url and webhook_secret(settings) is None:
        log.warning(
            "WEBHOOK_SECRET is not set and WEBHOOK_ALLOW_NO_SECRET=true: the webhook accepts "
            "updates from ANYONE who finds WEBHOOK_URL; set WEBHOOK_SECRET to close this"
        )


def check_database_folder(settings: Settings) -> None:
    """A SQLite database needs a writable folder (the file, its journal and WAL files)."""
    url = settings.database_url
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    problem = _folder_problem(path.parent)
    if problem is not None:
        raise ConfigError(
            "DATABASE_URL",
            f"the SQLite file's folder {path.parent} {problem}",
            "point DATABASE_URL at a file in a folder this user can write to, "
            "or fix the folder's permissions",
        )
    if path.exists() and (not path.is_file() or not _writable_file(path)):
        raise ConfigError(
            "DATABASE_URL",
            f"the SQLite file {path} is not a writable file",
            "fix the file's permissions or point DATABASE_URL at another file",
        )


def check_data_dir(settings: Settings) -> None:
    """DATA_DIR receives the compiled message catalogs at every start."""
    problem = _folder_problem(settings.data_dir)
    if problem is not None:
        raise ConfigError("DATA_DIR", f"{settings.data_dir} {problem}", HINTS["DATA_DIR"])


def _folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot be written (None: it can; it is created when missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "is a file, not a folder"
    except NotADirectoryError:
        return "cannot be created: part of the path is a file"
    except OSError as error:
        return f"cannot be created ({error.strerror or type(error).__name__})"
    # Permission bits do not tell the whole story (read-only mounts, ACLs, root): try.
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"is not writable ({error.strerror or type(error).__name__})"
    return None


def _writable_file(path: Path) -> bool:
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


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
