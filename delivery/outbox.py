"""The delivery worker: sends due outbox rows within Telegram's limits.

Rows are claimed in small batches, rendered in the recipient's *current* language, sent
one by one at most `global_rate` a second overall and one a second per chat, and each
result is committed right after its send, so a crash repeats at most the message in
flight. A 429 pauses the whole sender for `retry_after` (the request middleware waits and
retries), and people who blocked the bot are marked unreachable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import uuid
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain import broadcasts as broadcast_service
from domain.broadcasts import Delivery
from domain.clock import Clock
from storage.db import SessionFactory
from storage.models import Broadcast, Outbox, OutboxStatus, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
_OUTBOX = cast(Table, Outbox.__table__)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("now"),
        last_error=None,
        attempts=_OUTBOX.c.attempts + 1,
    )
)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Rendered:
    """What one outbox row looks like in one language."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: tuple[str, bytes] | None = None  # (filename, content); text is the caption


Renderer = Callable[[Outbox, str], Rendered | None]


# Set inside the delivery worker's and the progress reporter's tasks: their messages are
# paced per chat and leave room for replies to people talking to the bot right now.
_BACKGROUND: ContextVar[bool] = ContextVar("outbox_background", default=False)
# Workers running in this process, so a restarted one can tell its predecessors' claims.
_LIVE_WORKERS: set[str] = set()


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
    After a 429 everyone waits until `pause()` ends.
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

    def pause(self, seconds: float) -> None:
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

    def release(self, slot: Slot) -> None:
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
        background = _BACKGROUND.get()
        slot = await self.limiter.acquire(
            chat_id if isinstance(chat_id, int | str) else None, background=background
        )
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            # The pushed messages pause together and resume in order. A reply that met
            # a 429 (most likely the chat's own limit) only waits itself: should the
            # whole bot be over the limit, the next pushed message hears it too.
            if background:
                self.limiter.pause(error.retry_after)
            raise
        finally:
            self.limiter.release(slot)


class OutboxWorker:
    """Claims and delivers due outbox rows; `poke()` wakes it early."""

    def __init__(
        self,
        session_factory: SessionFactory,
        bot: Bot,
        i18n: I18n,
        render: Renderer,
        clock: Clock,
        *,
        rate: float = 30.0,
        batch: int = 50,
    ) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.i18n = i18n
        self.render = render
        self.clock = clock
        self.batch = batch
        # Shared with every other sender through `FloodControl` (see bot.app.build_app).
        self.limiter = RateLimiter(rate)
        self.name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._texts: dict[int, dict[str, Any]] = {}  # broadcast id -> its texts (immutable)
        self._engine: AsyncEngine = session_factory.kw["bind"]

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            _LIVE_WORKERS.add(self.name)
            self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        _LIVE_WORKERS.discard(self.name)

    async def _loop(self) -> None:
        _BACKGROUND.set(True)  # this task's sends are paced and yield to replies
        try:
            await self.release_dead_claims()
        except Exception:
            log.exception("could not release the claims of a previous run")
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed; retrying soon")
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the cancel of
            # stop() when the wake-up comes at the same moment, and the worker never ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._wake.wait()
            self._wake.clear()

    async def run_once(self) -> int:
        """Deliver everything due now; returns how many rows were handled."""
        handled = 0
        async with UnitOfWork(self.session_factory) as uow:
            await uow.outbox.release_stale(self.clock.now() - STALE_CLAIM)
            await uow.commit()
        while True:
            async with UnitOfWork(self.session_factory) as uow:
                rows = await uow.outbox.claim(self.name, self.clock.now(), self.batch)
                languages = await self._languages(uow, rows)
                await self._broadcast_texts(uow, rows)
                await uow.commit()
            if not rows:
                return handled
            # One connection records this batch's results, each committed right after its
            # send (opening one per message would cost more than the UPDATE itself).
            async with self._engine.connect() as results:
                for index, row in enumerate(rows):
                    if self._wake.is_set() and await self._preempted(rows[index:]):
                        break
                    await self._deliver(row, languages.get(row.recipient_id or -1), results)
                    handled += 1

    async def release_dead_claims(self) -> int:
        """Rows claimed by an earlier run on this machine that died (kill -9, a crash) go
        back to the queue now rather than after STALE_CLAIM: only the one it was sending
        can repeat. Claims of live workers (other processes, other machines) stay."""
        host = socket.gethostname()
        async with UnitOfWork(self.session_factory) as uow:
            names = await uow.session.scalars(
                select(Outbox.claimed_by)
                .where(Outbox.status == OutboxStatus.SENDING.value)
                .distinct()
            )
            dead = [name for name in names.all() if name and _is_dead_local_worker(name, host)]
            if not dead:
                return 0
            result = await uow.session.execute(
                update(Outbox)
                .where(Outbox.status == OutboxStatus.SENDING.value, Outbox.claimed_by.in_(dead))
                .values(status=OutboxStatus.PENDING.value, claimed_by=None, claimed_at=None)
            )
            await uow.commit()
        released = int(getattr(result, "rowcount", 0) or 0)
        log.info("released %s outbox rows claimed by stopped workers %s", released, dead)
        return released

    async def _preempted(self, remaining: list[Outbox]) -> bool:
        """Something was queued meanwhile: when it is more urgent than the rest of this
        batch (a notice during a broadcast), hand the rest back and claim again."""
        self._wake.clear()
        async with UnitOfWork(self.session_factory) as uow:
            most_urgent = await uow.session.scalar(
                select(func.min(Outbox.priority)).where(
                    Outbox.status == OutboxStatus.PENDING.value,
                    Outbox.due_at <= self.clock.now(),
                )
            )
            if most_urgent is None or most_urgent >= remaining[0].priority:
                return False
            await uow.session.execute(
                update(Outbox)
                .where(
                    Outbox.id.in_([row.id for row in remaining]),
                    Outbox.status == OutboxStatus.SENDING.value,
                    Outbox.claimed_by == self.name,
                )
                .values(status=OutboxStatus.PENDING.value, claimed_by=None, claimed_at=None)
            )
            await uow.commit()
        return True

    async def _broadcast_texts(self, uow: UnitOfWork, rows: list[Outbox]) -> None:
        """A broadcast's texts are stored once, with the broadcast, not in each of its
        thousands of rows; they are handed to the renderer as the row's `texts`."""
        wanted = {r.broadcast_id for r in rows if r.broadcast_id is not None} - self._texts.keys()
        if wanted:
            if len(self._texts) > 256:
                self._texts.clear()
            result = await uow.session.execute(
                select(Broadcast.id, Broadcast.texts).where(Broadcast.id.in_(wanted))
            )
            self._texts.update({broadcast_id: texts for broadcast_id, texts in result.all()})
        for row in rows:
            if row.broadcast_id is not None:
                # The row is detached from its session: this changes what is rendered only.
                row.params = {**row.params, "texts": self._texts.get(row.broadcast_id, {})}

    async def _languages(self, uow: UnitOfWork, rows: list[Outbox]) -> dict[int, str]:
        ids = {row.recipient_id for row in rows if row.recipient_id is not None}
        if not ids:
            return {}
        result = await uow.session.execute(
            select(User.id, User.contact_language).where(User.id.in_(ids))
        )
        return {person_id: language for person_id, language in result.all()}

    async def _deliver(
        self, row: Outbox, language: str | None, results: AsyncConnection | None = None
    ) -> None:
        locale = language or str(row.params.get("locale") or self.i18n.default_locale)
        rendered, expired, broken = None, False, None
        try:
            expires_at = row.params.get("expires_at")
            expired = (
                expires_at is not None and datetime.fromisoformat(expires_at) <= self.clock.now()
            )
            if not expired:
                with self.i18n.context(), self.i18n.use_locale(locale):
                    rendered = self.render(row, locale)
        except Exception as exc:  # one bad row must not hold up the rows claimed after it
            log.exception("outbox row %s (%s) could not be rendered", row.id, row.key)
            broken = f"render failed: {exc!r}"
        status, error, retry_at = OutboxStatus.SENT, None, None
        if broken is not None:
            status, error = OutboxStatus.FAILED, broken
        elif expired:
            # e.g. a reminder whose moment passed while the bot was down, for a meetup
            # that has started since: too late to be useful.
            status, error = OutboxStatus.CANCELLED, "expired"
        elif rendered is None:
            status, error = OutboxStatus.CANCELLED, "nothing to send"
        else:
            try:
                await self._send(row.chat_id, rendered)
            except TelegramForbiddenError as exc:
                status, error = OutboxStatus.BLOCKED, exc.message
            except TelegramBadRequest as exc:
                status, error = OutboxStatus.FAILED, exc.message
            except (TelegramServerError, TelegramNetworkError, TelegramRetryAfter) as exc:
                if row.attempts + 1 >= MAX_ATTEMPTS:
                    status, error = OutboxStatus.FAILED, str(exc)
                else:
                    retry_at = self.clock.now() + timedelta(seconds=30 * 2**row.attempts)
                    error = str(exc)
        if retry_at is None and status is OutboxStatus.SENT and results is not None:
            # The hot path of a broadcast: the same change as OutboxRepository.finish, as
            # one prepared UPDATE committed at once, without an ORM session around it.
            await results.execute(_MARK_SENT, {"row_id": row.id, "now": self.clock.now()})
            await results.commit()
            return
        async with UnitOfWork(self.session_factory) as uow:
            if retry_at is not None:
                await uow.outbox.retry_later(row.id, retry_at, error or "")
            else:
                await uow.outbox.finish(row.id, status, self.clock.now(), error)
                if status is OutboxStatus.BLOCKED:
                    await uow.users.set_reachable(row.chat_id, False)
            await uow.commit()

    async def _send(self, chat_id: int, rendered: Rendered) -> None:
        if rendered.document is not None:
            filename, content = rendered.document
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(content, filename=filename),
                caption=rendered.text or None,
                reply_markup=rendered.reply_markup,
            )
        else:
            await self.bot.send_message(chat_id, rendered.text, reply_markup=rendered.reply_markup)


def _is_dead_local_worker(name: str, host: str) -> bool:
    """Whether `name` (host-pid-random) was a worker on this machine that is gone."""
    parts = name.rsplit("-", 2)
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return name not in _LIVE_WORKERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


ProgressText = Callable[[Delivery, float | None, str], str]


class BroadcastReporter:
    """Keeps the coordinator's confirmation message of each sending broadcast up to date
    (edited in place, at most once per `tick`), and turns it into the delivery report when
    the last row is handled. Counts come from the outbox rows, so a restart loses nothing.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        bot: Bot,
        i18n: I18n,
        text: ProgressText,
        clock: Clock,
        *,
        rate: float,
    ) -> None:
        self.session_factory = session_factory
        self.bot = bot
        self.i18n = i18n
        self.text = text
        self.clock = clock
        self.rate = rate
        self._first_seen: dict[int, tuple[float, int]] = {}  # id -> (time, rows handled)
        self._shown: dict[int, str] = {}

    async def tick(self) -> None:
        token = _BACKGROUND.set(True)
        try:
            async with UnitOfWork(self.session_factory) as uow:
                deliveries = await broadcast_service.in_progress(uow, self.clock.now())
                authors = {d.broadcast.author_id for d in deliveries if d.broadcast.author_id}
                rows = await uow.session.execute(
                    select(User.telegram_id, User.contact_language).where(
                        User.telegram_id.in_(authors)
                    )
                )
                languages = {telegram_id: language for telegram_id, language in rows.all()}
                await uow.commit()  # finished broadcasts are marked done before the report
            for delivery in deliveries:
                author = delivery.broadcast.author_id or 0
                await self._show(delivery, languages.get(author) or self.i18n.default_locale)
        finally:
            _BACKGROUND.reset(token)

    def _seconds_left(self, delivery: Delivery) -> float | None:
        now = asyncio.get_running_loop().time()
        broadcast_id, done = delivery.broadcast.id, delivery.counts.done
        started, done_then = self._first_seen.setdefault(broadcast_id, (now, done))
        rate = self.rate
        if now - started >= 1.5 and done > done_then:
            rate = min(rate, (done - done_then) / (now - started))
        return delivery.counts.queued / rate if rate > 0 else None

    async def _show(self, delivery: Delivery, locale: str) -> None:
        broadcast = delivery.broadcast
        seconds_left = None if delivery.finished else self._seconds_left(delivery)
        with self.i18n.context(), self.i18n.use_locale(locale):
            text = self.text(delivery, seconds_left, locale)
        if delivery.finished:
            self._first_seen.pop(broadcast.id, None)
            self._shown.pop(broadcast.id, None)
        elif self._shown.get(broadcast.id) == text:
            return
        else:
            self._shown[broadcast.id] = text
        chat_id, message_id = broadcast.report_chat_id, broadcast.report_message_id
        if chat_id is None:
            return
        try:
            if message_id is not None:
                await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
                return
        except TelegramBadRequest as error:
            log.info("progress of broadcast %s not shown: %s", broadcast.id, error.message)
        except TelegramAPIError as error:
            log.info("progress of broadcast %s not shown: %s", broadcast.id, error)
            return
        if delivery.finished:  # the message to edit is gone: the report comes as a new one
            with contextlib.suppress(TelegramAPIError):
                await self.bot.send_message(chat_id, text)
