"""Telegram's flood limits, shared by everything the bot sends: replies to people first,
then the outbox worker's and the broadcast reporter's background sends."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.utils.i18n import I18n

from domain.clock import Clock
from storage.db import SessionFactory

# Set inside the delivery worker's and the progress reporter's tasks: their messages are
# paced per chat and leave room for replies to people talking to the bot right now.
BACKGROUND: ContextVar[bool] = ContextVar("outbox_background", default=False)
# Set by the delivery worker around a pushed message's send: asked once the send has its
# place in the limits (it may have waited a second for its chat), just before it goes
# out. False: the message was withdrawn meanwhile (a meetup cancelled, a person erased).
STILL_WANTED: ContextVar[Callable[[], Awaitable[bool]] | None] = ContextVar(
    "outbox_still_wanted", default=None
)


class Withdrawn(Exception):
    """A pushed message was withdrawn while it waited for its place (STILL_WANTED)."""


class BackgroundSender:
    """What the outbox worker and the broadcast reporter share: they write to people
    outside any update, each step in a unit of work of their own (`session_factory`), in
    the recipient's language (`i18n`), on the `clock`, and their sends run as BACKGROUND."""

    def __init__(self, session_factory: SessionFactory, bot: Bot, i18n: I18n, clock: Clock) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.i18n = i18n
        self.clock = clock


def counts_as_message(api_method: str) -> bool:
    """Whether Telegram's flood limits count a call: sending or editing a message."""
    name = api_method.lower()
    if name.startswith("send"):
        return name != "sendchataction"
    return name.startswith(("editmessage", "copymessage", "forwardmessage"))


@dataclass
class Slot:
    chat_id: int | str | None


class RateLimiter:
    """Telegram's flood limits, shared by everything the bot sends.

    At most `per_second` messages in any window of one second overall. Each send holds
    its place in the window from the moment it starts until one second after its answer
    arrived: the server saw it in between, so however the network jitters, Telegram never
    counts more than the limit. Replies to people (the default) may use every place;
    background sends (the outbox worker, progress edits) leave `reserve` places free, wait
    while a reply waits, and keep `per_chat_interval` between two messages to one chat.
    After a 429 everyone waits until `pause()` ends. `release()` and `pause()` are
    coroutines so that `delivery.shared_limit.SharedRateLimiter` (the same rules for
    several instances, in Redis) can take its place.
    """

    def __init__(
        self, per_second: float, per_chat_interval: float = 1.0, reserve: int | None = None
    ) -> None:
        self.per_second = per_second
        self.capacity = max(1, int(per_second))
        self.window = self.capacity / per_second
        if reserve is None:
            reserve = max(1, self.capacity // 100) if self.capacity > 2 else 0
        self.reserve = reserve
        self.per_chat_interval = per_chat_interval
        self._done: deque[float] = deque()  # answer times of recent sends
        self._in_flight = 0
        self._urgent_waiting = 0
        self._paused_until = 0.0
        self._last_in_chat: dict[int | str, float] = {}
        self._changed = asyncio.Event()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing is sent until `seconds` from now."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    async def acquire(self, chat_id: int | str | None, *, background: bool) -> Slot:
        if not background:
            self._urgent_waiting += 1
        try:
            while True:
                now = self._now()
                delay = self._delay(now, chat_id, background)
                if delay <= 0:
                    self._in_flight += 1
                    if chat_id is not None:
                        self._last_in_chat[chat_id] = math.inf  # until its answer arrives
                    return Slot(chat_id)
                changed = self._changed
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await changed.wait()
        finally:
            if not background:
                self._urgent_waiting -= 1

    def _delay(self, now: float, chat_id: int | str | None, background: bool) -> float:
        """0 when a send may start now, else how long to wait at most before looking again."""
        if now < self._paused_until:
            return self._paused_until - now
        while self._done and now - self._done[0] >= self.window:
            self._done.popleft()
        places = self.capacity - (self.reserve if background else 0)
        if background and self._urgent_waiting:
            return 0.05  # woken earlier when the reply got its place
        waits = []
        if len(self._done) + self._in_flight >= places:
            waits.append(self._done[0] + self.window - now if self._done else 0.05)
        if background and chat_id is not None:
            ready = self._last_in_chat.get(chat_id, -math.inf) + self.per_chat_interval
            if ready > now:
                waits.append(min(ready - now, 1.0))
        return max(waits) if waits else 0.0

    async def release(self, slot: Slot) -> None:
        now = self._now()
        self._in_flight -= 1
        self._done.append(now)
        if slot.chat_id is not None:
            self._last_in_chat[slot.chat_id] = now
            if len(self._last_in_chat) > 50_000:
                horizon = now - self.per_chat_interval
                self._last_in_chat = {c: t for c, t in self._last_in_chat.items() if t > horizon}
        # Wake every waiter once; each looks again and the next wait gets a fresh event.
        self._changed.set()
        self._changed = asyncio.Event()


class FloodControl(BaseRequestMiddleware):
    """Every message the bot sends or edits takes its place in the shared `RateLimiter`;
    a 429 on a pushed message pauses every background sender (the outer retry middleware
    then waits and tries again)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not counts_as_message(method.__api_method__):
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        background = BACKGROUND.get()
        slot = await self.limiter.acquire(
            chat_id if isinstance(chat_id, int | str) else None, background=background
        )
        try:
            still_wanted = STILL_WANTED.get() if background else None
            if still_wanted is not None and not await still_wanted():
                raise Withdrawn
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            # The pushed messages pause together and resume in order. A reply that met
            # a 429 (most likely the chat's own limit) only waits itself: should the
            # whole bot be over the limit, the next pushed message hears it too.
            if background:
                await self.limiter.pause(error.retry_after)
            raise
        finally:
            await self.limiter.release(slot)
