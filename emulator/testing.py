"""The test-facing emulator: start it in-process, create simulated users, inject faults."""

from __future__ import annotations

import random
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from emulator.api import DEFAULT_TOKEN, BotApi, RequestRecord
from emulator.faults import Fault
from emulator.groups import SimulatedGroup
from emulator.limits import RateLimit, RateStats
from emulator.server import create_app
from emulator.state import BotCommandEntry, StoredFile, WebhookConfig
from emulator.users import SimulatedUser

# aiohttp waits this long for requests still running when the emulator stops.
_SHUTDOWN_SECONDS = 1.0


class Emulator:
    """A local Telegram Bot API server for tests, run in the test's event loop.

    Example::

        emu = Emulator(rate_limit=RateLimit(global_per_second=30, per_chat_per_second=1))
        base_url = await emu.start()  # http://127.0.0.1:<port>, for TelegramAPIServer.from_base
        user = emu.user(1001, "Amal", "ar")
        await user.command("start")
        assert "Welcome" in (await user.next_message()).text
        emu.assert_no_rejections()
        await emu.stop()
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        rate_limit: RateLimit | None = None,
        *,
        bot_username: str = "buddy_test_bot",
        bot_first_name: str = "Buddy Test Bot",
        callback_query_ttl: float = 15.0,
    ) -> None:
        self.api = BotApi(
            token,
            rate_limit=rate_limit,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            callback_query_ttl=callback_query_ttl,
        )
        self._initial = (rate_limit, callback_query_ttl)
        self.base_url: str | None = None
        self._app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._users: dict[int, SimulatedUser] = {}
        self._groups: dict[int, SimulatedGroup] = {}

    # --- lifecycle ---------------------------------------------------------------

    def app(self) -> web.Application:
        """This emulator's aiohttp application, e.g. to run it inside another event loop."""
        if self._app is None:
            self._app = create_app(self.api)
        return self._app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0: any free port) and return the base URL."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        # handler_cancellation: a long poll whose client went away must not linger.
        runner = web.AppRunner(
            self.app(), handler_cancellation=True, shutdown_timeout=_SHUTDOWN_SECONDS
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.base_url = f"http://{host}:{runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; waiting long polls return at once."""
        if self._runner is not None:
            self.api.shutdown()
            await self._runner.cleanup()
            self._runner = None

    def reset(self) -> None:
        """Back to the state of a new emulator, still serving at the same address: no
        users, chats, requests, faults or webhook, and the rate limit it was created with."""
        self.api.reset(*self._initial)
        self._users.clear()
        self._groups.clear()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- the bot and its users -------------------------------------------------------

    @property
    def token(self) -> str:
        """The only token the emulator accepts."""
        return self.api.token

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object (what getMe returns)."""
        return self.api.bot_user

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimulatedUser:
        """The simulated user with this id, in a private chat with the bot (made on first call)."""
        chat = self.api.register_user(
            user_id, first_name, language_code, last_name=last_name, username=username
        )
        if user_id not in self._users:
            self._users[user_id] = SimulatedUser(self.api, chat)
        return self._users[user_id]

    @property
    def users(self) -> list[SimulatedUser]:
        """Every simulated user, in creation order."""
        return list(self._users.values())

    def forum_group(
        self,
        chat_id: int = -1001234567890,
        title: str | None = None,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        bot_rights: dict[str, bool] | None = None,
        bot_is_member: bool | None = None,
        bot_is_admin: bool | None = None,
    ) -> SimulatedGroup:
        """The forum supergroup (``is_forum``) with this id, made on first call.

        ``title`` is "Coordinators" unless given. ``members`` are user ids; those made with
        ``user()`` (before or after this call) appear with their profile, others as
        "User <id>" without a private chat. ``admins`` are members who are administrators
        too. The bot is an administrator with ``can_manage_topics`` and the other usual
        rights; ``bot_rights`` changes some of them (``{"can_manage_topics": False}``;
        ``{}``: the usual ones), ``bot_is_admin=False`` makes it a plain member (in privacy
        mode) and ``bot_is_member=False`` leaves it out of the group.

        A later call returns the same group with its topics and messages: it adds
        ``members`` and ``admins``, and changes the title and the bot's rights and status
        only when they are given (``forum_group(chat_id)`` just looks the group up).
        """
        status: str | None = None
        if bot_is_member is False:
            status = "left"
        elif bot_is_admin is not None:
            status = "administrator" if bot_is_admin else "member"
        elif bot_is_member:
            existing = self.api.groups.get(chat_id)
            if existing is None or existing.bot_status == "left":
                status = "administrator"
        if chat_id not in self.api.groups and title is None:
            title = "Coordinators"
        chat = self.api.register_group(
            chat_id,
            title,
            members=set(members),
            admins=set(admins),
            bot_status=status,
            bot_rights=bot_rights,
        )
        if chat_id not in self._groups:
            self._groups[chat_id] = SimulatedGroup(self.api, chat)
        return self._groups[chat_id]
        chat = self.api.register_group(
            chat_id, title, members=set(members), admins=set(admins),
            bot_status=status, bot_rights=bot_rights,
        )  # fmt: skip
        self._groups[chat_id] = SimulatedGroup(self.api, chat)
        return self._groups[chat_id]

    @property
    def groups(self) -> list[SimulatedGroup]:
        """Every simulated group, in creation order."""
        return list(self._groups.values())

    def push_update(self, payload: dict[str, Any]) -> int | None:
        """Queue any update (no update_id); its id, or None when allowed_updates drops it."""
        return self.api.updates.push(payload)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        return len(self.api.updates)

    # --- what the bot did ----------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered, in the order the answers were sent."""
        return self.api.requests

    @property
    def rejected(self) -> list[RequestRecord]:
        """Requests answered with a 4xx the bot caused (not injected faults, not 429s)."""
        return self.api.rejected

    def requests_for(self, method: str) -> list[RequestRecord]:
        """The logged requests of one method (any case)."""
        wanted = method.lower()
        return [record for record in self.api.requests if record.method.lower() == wanted]

    def assert_no_rejections(self) -> None:
        """Fail with a readable list if the bot sent any request Telegram would reject."""
        if self.api.rejected:
            lines = [
                f"  {r.method} -> {r.status} {r.description}; params={r.params!r}"
                for r in self.api.rejected
            ]
            raise AssertionError(
                f"the emulator rejected {len(lines)} request(s):\n" + "\n".join(lines)
            )

    @property
    def commands(self) -> dict[tuple[str, str], list[BotCommandEntry]]:
        """setMyCommands lists by (scope, language_code): ("default", ""), ("chat:1001", "nl")..."""
        return self.api.commands

    @property
    def menu_buttons(self) -> dict[int | None, dict[str, Any]]:
        """setChatMenuButton values by chat id (None: the default button)."""
        return self.api.menu_buttons

    @property
    def files(self) -> list[StoredFile]:
        """Every file the bot uploaded."""
        return list(self.api.files.values())

    @property
    def webhook(self) -> WebhookConfig | None:
        """The webhook the bot set, if any."""
        return self.api.webhook

    @property
    def stats(self) -> RateStats:
        """Messages sent, throttled, and the busiest 1-second windows overall and per chat."""
        return self.api.limiter.stats

    @property
    def rate_limit(self) -> RateLimit | None:
        """The flood limit enforced now (None: none)."""
        return self.api.limiter.limit

    @rate_limit.setter
    def rate_limit(self, limit: RateLimit | None) -> None:
        self.api.limiter.limit = limit

    # --- faults -----------------------------------------------------------------------

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to them answer 403 (with a my_chat_member update)."""
        self.api.set_blocked(user_id, True, notify=notify)

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot."""
        self.api.set_blocked(user_id, False, notify=notify)

    def fail_next(self, method: str | None = None, status: int = 502, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` (None: any but getUpdates) answer ``status``."""
        if not 500 <= status <= 599:
            raise ValueError("fail_next injects server errors: status must be 5xx")
        self.api.faults.add(Fault("fail", _method_key(method), count, status=status))

    def refuse_next(
        self, method: str, description: str = "Bad Request: invalid request", count: int = 1
    ) -> None:
        """The next ``count`` calls of ``method`` answer 400 with ``description``, as a
        Bot API server does for what it does not accept."""
        self.api.faults.add(
            Fault("refuse", _method_key(method), count, status=400, description=description)
        )

    def slow_next(self, seconds: float, count: int = 1, method: str | None = None) -> None:
        """The next ``count`` calls (None: any but getUpdates) wait ``seconds`` before running."""
        self.api.faults.add(Fault("slow", _method_key(method), count, seconds=seconds))

    def too_many_next(
        self, retry_after: int = 1, count: int = 1, method: str | None = None
    ) -> None:
        """The next ``count`` calls (None: any but getUpdates) answer 429 with ``retry_after``."""
        self.api.faults.add(Fault("too_many", _method_key(method), count, retry_after=retry_after))

    def fail_randomly(self, rate: float, *, retry_after: int = 1, seed: int = 0) -> None:
        """From now on a share ``rate`` of calls (but getUpdates) fail: half with 429 and
        ``retry_after``, half with 502; seeded, so a test sees the same faults each run."""
        if not 0.0 <= rate < 1.0:
            raise ValueError("rate is a share from 0 up to (not including) 1")
        self.api.faults.random_rate = rate
        self.api.faults.random_retry_after = retry_after
        self.api.faults.rng = random.Random(seed)

    def duplicate_next_update(self, count: int = 1) -> None:
        """Deliver each of the next ``count`` updates twice, with the same update_id."""
        self.api.updates.duplicate_next(count)

    def clear_faults(self) -> None:
        """Cancel the scheduled faults that have not happened yet."""
        self.api.faults.clear()


def _method_key(method: str | None) -> str | None:
    return method.lower() if method is not None else None
