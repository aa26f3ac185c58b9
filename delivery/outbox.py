"""The delivery worker: sends due outbox rows within Telegram's limits.

Rows are claimed in small batches, rendered in the recipient's *current* language, sent
one by one at most `global_rate` a second overall and one a second per chat, and each
result is committed right after its send, so a crash repeats at most the message in
flight. A 429 pauses the whole sender for `retry_after` (the request middleware waits and
retries), and people who blocked the bot are marked unreachable. A row whose kind this
version does not know (written by a newer one) is an error: logged, counted and marked
failed, never dropped in silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from delivery.ratelimit import (
    BACKGROUND,
    STILL_WANTED,
    BackgroundSender,
    RateLimiter,
    Withdrawn,
)
from domain.clock import Clock
from domain.notices import Notice
from storage.db import SessionFactory
from storage.models import Outbox, OutboxStatus
from storage.outbox import OutboxRepository
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
STOP_GRACE = 5.0  # seconds a stopping worker may take to finish the message in flight
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Topic:
    """A person's forum topic in the coordinators' group: its title, and the header that
    opens it (sent once, when the topic is made)."""

    person_id: int
    title: str
    header: str
    header_markup: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Rendered:
    """What one outbox row looks like in one language.

    A relayed message is `copy_of` (chat id, message id): Telegram copies the person's own
    message (text, voice note, photo, location...), so its content is never stored here.
    `text`, when not empty, goes first (who it is from); the buttons go on the copy.
    With `topic`, both go into that person's topic of the coordinators' forum group.
    """

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: tuple[str, bytes] | None = None  # (filename, content); text is the caption
    copy_of: tuple[int, int] | None = None
    topic: Topic | None = None


class Topics(Protocol):
    """Finds or opens a person's forum topic (delivery.inbox.ForumTopics)."""

    async def thread_of(self, topic: Topic) -> int: ...

    async def forget(self, person_id: int) -> None: ...


# (row, locale, the programme's time zone) -> the message, or None when there is nothing
# to send (e.g. a broadcast with no text at all).
Renderer = Callable[[Outbox, str, ZoneInfo], Rendered | None]

# Workers running in this process, so a restarted one can tell its predecessors' claims.
_LIVE_WORKERS: set[str] = set()


class OutboxWorker(BackgroundSender):
    """Claims and delivers due outbox rows; `poke()` wakes it early."""

    def __init__(
        self,
        session_factory: SessionFactory,
        bot: Bot,
        i18n: I18n,
        render: Renderer,
        clock: Clock,
        *,
        tz: ZoneInfo | None = None,
        rate: float = 30.0,
        batch: int = 50,
        topics: Topics | None = None,
    ) -> None:
        super().__init__(session_factory, bot, i18n, clock)
        # The coordinators' forum group (COORDINATOR_CHAT_ID), when there is one.
        self.topics = topics
        self.render = render
        # The programme's time zone (settings' TIMEZONE, from bot.app.build_app), for
        # rows that carry no time zone of the recipient's own.
        self.tz = tz or ZoneInfo("UTC")
        self.batch = batch
        # What became of the rows handled so far: sent, blocked, failed, retried,
        # cancelled, expired; unknown_kind counts rows of a kind this version does not
        # know, which are among the failed ones too.
        self.counters: Counter[str] = Counter()
        # Shared with every other sender through `FloodControl` (see bot.app.build_app).
        self.limiter = RateLimiter(rate)
        self.name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._texts: dict[int, dict[str, Any]] = {}  # broadcast id -> its texts (immutable)
        self._engine: AsyncEngine = session_factory.kw["bind"]

    def poke(self) -> None:
        self._wake.set()

    async def tick(self) -> None:
        """The scheduler's periodic wake-up (for rows that have just become due). A
        coroutine, so APScheduler runs it on the event loop: a plain function would run in
        its thread pool, where setting an asyncio event is not thread-safe."""
        self.poke()

    def start(self) -> None:
        if self._task is None:
            _LIVE_WORKERS.add(self.name)
            self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop after the message in flight (its result committed), or cancel after
        `grace` seconds: a send cancelled half-way could leave its result's transaction
        open, and SQLite locked, until the connection is collected."""
        if self._task is not None:
            self._stopping = True
            self.poke()
            try:
                async with asyncio.timeout(grace):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
            self._stopping = False
        _LIVE_WORKERS.discard(self.name)

    async def _loop(self) -> None:
        BACKGROUND.set(True)  # this task's sends are paced and yield to replies
        try:
            await self.release_dead_claims()
        except Exception:
            log.exception("could not release the claims of a previous run")
        while not self._stopping:
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
        while not self._stopping:
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
                    if self._stopping:
                        # Stopping: the rest of the batch goes back to the queue now.
                        await self._hand_back(rows[index:])
                        return handled
                    if self._wake.is_set() and await self._preempted(rows[index:]):
                        break
                    await self._deliver(row, languages.get(row.recipient_id or -1), results)
                    handled += 1
        return handled

    async def _hand_back(self, remaining: list[Outbox]) -> None:
        async with UnitOfWork(self.session_factory) as uow:
            await uow.outbox.hand_back([row.id for row in remaining], self.name)
            await uow.commit()

    async def release_dead_claims(self) -> int:
        """Rows claimed by an earlier run on this machine that died (kill -9, a crash) go
        back to the queue now rather than after STALE_CLAIM: only the one it was sending
        can repeat. Claims of live workers (other processes, other machines) stay."""
        host = socket.gethostname()
        async with UnitOfWork(self.session_factory) as uow:
            claimants = await uow.outbox.claimants()
            dead = [name for name in claimants if _is_dead_local_worker(name, host)]
            if not dead:
                return 0
            released = await uow.outbox.release_claims_of(dead)
            await uow.commit()
        log.info("released %s outbox rows claimed by stopped workers %s", released, dead)
        return released

    async def _preempted(self, remaining: list[Outbox]) -> bool:
        """Something was queued meanwhile: when it is more urgent than the rest of this
        batch (a notice during a broadcast), hand the rest back and claim again."""
        self._wake.clear()
        async with UnitOfWork(self.session_factory) as uow:
            most_urgent = await uow.outbox.most_urgent_due(self.clock.now())
            if most_urgent is None or most_urgent >= remaining[0].priority:
                return False
        await self._hand_back(remaining)
        return True

    async def _broadcast_texts(self, uow: UnitOfWork, rows: list[Outbox]) -> None:
        """A broadcast's texts are stored once, with the broadcast, not in each of its
        thousands of rows; they are handed to the renderer as the row's `texts`."""
        wanted = {r.broadcast_id for r in rows if r.broadcast_id is not None} - self._texts.keys()
        if wanted:
            if len(self._texts) > 256:
                self._texts.clear()
            self._texts |= await uow.outbox.broadcast_texts(wanted)
        for row in rows:
            if row.broadcast_id is not None:
                # The row is detached from its session: this changes what is rendered only.
                row.params = {**row.params, "texts": self._texts.get(row.broadcast_id, {})}

    async def _languages(self, uow: UnitOfWork, rows: list[Outbox]) -> dict[int, str]:
        ids = {row.recipient_id for row in rows if row.recipient_id is not None}
        if not ids:
            return {}
        return await uow.outbox.contact_languages(ids)

    async def _deliver(
        self, row: Outbox, language: str | None, results: AsyncConnection | None = None
    ) -> None:
        locale = language or str(row.params.get("locale") or self.i18n.default_locale)
        rendered, expired, broken = None, False, None
        if Notice.of(row.key) is None:
            # Written by a newer version, or by a bug: say so loudly, never drop it quietly.
            # The params may hold names and typed places: they stay out of the log.
            log.error("outbox row %s has an unknown kind %r: marked failed", row.id, row.key)
            self.counters["unknown_kind"] += 1
            broken = f"unknown kind: {row.key[:60]}"
        try:
            expires_at = row.params.get("expires_at")
            expired = (
                expires_at is not None and datetime.fromisoformat(expires_at) <= self.clock.now()
            )
            if not expired and broken is None and await self._follows_one_sent(row, results):
                with self.i18n.context(), self.i18n.use_locale(locale):
                    rendered = self.render(row, locale, self.tz)
        except Exception as exc:  # one bad row must not hold up the rows claimed after it
            log.exception("outbox row %s (%s) could not be rendered", row.id, row.key)
            broken = f"render failed: {exc!r}"
        if rendered is not None and rendered.topic is not None and self.topics is None:
            # Queued for the coordinators' group, which is no longer configured.
            log.error(
                "outbox row %s is for a forum topic, but COORDINATOR_CHAT_ID is unset", row.id
            )
            broken = "no coordinators' group (COORDINATOR_CHAT_ID)"
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
            still_wanted = STILL_WANTED.set(
                None if results is None else partial(self._still_claimed, results, row.id)
            )
            try:
                await self._send(row.chat_id, rendered)
            except Withdrawn:
                # Cancelled while it waited its turn: the row says so already.
                self.counters["withdrawn"] += 1
                return
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
            finally:
                STILL_WANTED.reset(still_wanted)
        outcome = "retried" if retry_at is not None else "expired" if expired else status.value
        self.counters[outcome] += 1
        if retry_at is None and status is OutboxStatus.SENT and results is not None:
            # The hot path of a broadcast: one prepared UPDATE committed at once.
            await OutboxRepository.mark_sent(results, row.id, self.clock.now())
            await results.commit()
            return
        async with UnitOfWork(self.session_factory) as uow:
            if retry_at is not None:
                await uow.outbox.retry_later(row.id, retry_at, error or "", worker=self.name)
            else:
                recorded = await uow.outbox.finish(
                    row.id, status, self.clock.now(), error, worker=self.name
                )
                if status is OutboxStatus.BLOCKED:
                    await uow.users.set_reachable(row.chat_id, False)
                    if recorded:  # else the row's new claimant tells the sender
                        _tell_sender_undelivered(uow, row, self.clock.now())
            await uow.commit()

    async def _follows_one_sent(self, row: Outbox, results: AsyncConnection | None) -> bool:
        """A follow-up (`follows`: the dedup key of the message it follows up, e.g. a
        calendar's cancellation) goes out only if that message did: one withdrawn before
        its turn left nothing to follow up. Any other row: True."""
        follows = row.params.get("follows")
        if not follows or results is None:
            return True
        return await OutboxRepository.was_sent(results, str(follows))

    def _still_claimed(self, results: AsyncConnection, row_id: int) -> Awaitable[bool]:
        return OutboxRepository.still_claimed(results, row_id, self.name)

    async def _send(self, chat_id: int, rendered: Rendered) -> None:
        if rendered.copy_of is not None or rendered.topic is not None:
            await self._relay(chat_id, rendered)
        elif rendered.document is not None:
            filename, content = rendered.document
            await self.bot.send_document(
                chat_id,
                BufferedInputFile(content, filename=filename),
                caption=rendered.text or None,
                reply_markup=rendered.reply_markup,
            )
        else:
            await self.bot.send_message(chat_id, rendered.text, reply_markup=rendered.reply_markup)

    async def _relay(self, chat_id: int, rendered: Rendered) -> None:
        """Who it is from (the text), then the copy of the message itself, with the buttons;
        into the person's forum topic when the row names one."""
        thread: int | None = None
        if rendered.topic is not None:
            assert self.topics is not None  # checked in _deliver
            thread = await self.topics.thread_of(rendered.topic)
        try:
            await self._relay_into(chat_id, rendered, thread)
        except TelegramBadRequest as error:
            if thread is None or "thread not found" not in error.message.lower():
                raise
            # Someone deleted the topic: open a new one and send there.
            assert self.topics is not None and rendered.topic is not None
            await self.topics.forget(rendered.topic.person_id)
            await self._relay_into(chat_id, rendered, await self.topics.thread_of(rendered.topic))

    async def _relay_into(self, chat_id: int, rendered: Rendered, thread: int | None) -> None:
        markup = rendered.reply_markup
        if rendered.text:
            await self.bot.send_message(
                chat_id,
                rendered.text,
                message_thread_id=thread,
                reply_markup=None if rendered.copy_of else markup,
            )
        if rendered.copy_of is not None:
            from_chat, message_id = rendered.copy_of
            await self.bot.copy_message(
                chat_id, from_chat, message_id, message_thread_id=thread, reply_markup=markup
            )


def _tell_sender_undelivered(uow: UnitOfWork, row: Outbox, now: datetime) -> None:
    """A relayed message whose recipient blocked the bot: the row may name a notice for
    the one who sent it (`undelivered`: the outbox row to write), so nobody waits for an
    answer that cannot come."""
    notice = row.params.get("undelivered")
    if not isinstance(notice, dict):
        return
    uow.outbox.enqueue(
        chat_id=int(notice["chat_id"]),
        recipient_id=notice.get("recipient_id"),
        programme_id=row.programme_id,
        key=str(notice["key"]),
        params=dict(notice.get("params") or {}),
        due_at=now,
        priority=0,
    )


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
