"""The delivery worker: sends due outbox rows within Telegram's limits.

Rows are claimed in small batches, rendered in the recipient's *current* language, sent
one by one at most `global_rate` a second overall and one a second per chat, and each
result is committed right after its send, so a crash repeats at most the message in
flight. A 429 pauses the whole sender for `retry_after` (the request middleware waits and
retries), and people who blocked the bot are marked unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from sqlalchemy import select

from bot.clock import Clock
from storage.db import SessionFactory
from storage.models import Outbox, OutboxStatus, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Rendered:
    """What one outbox row looks like in one language."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: tuple[str, bytes] | None = None  # (filename, content); text is the caption


Renderer = Callable[[Outbox, str], Rendered | None]


class RateLimiter:
    """A token bucket for the whole bot plus a minimum gap per chat."""

    def __init__(self, per_second: float, per_chat_interval: float = 1.0) -> None:
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self._tokens = per_second
        self._updated = 0.0
        self._last_in_chat: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self._updated == 0.0:
                self._updated = now
            self._tokens = min(
                self.per_second, self._tokens + (now - self._updated) * self.per_second
            )
            self._updated = now
            chat_ready = self._last_in_chat.get(chat_id, -1e9) + self.per_chat_interval
            if self._tokens >= 1 and now >= chat_ready:
                self._tokens -= 1
                self._last_in_chat[chat_id] = now
                if len(self._last_in_chat) > 50_000:
                    self._forget_old(now)
                return
            delay = max((1 - self._tokens) / self.per_second, chat_ready - now, 0.001)
            await asyncio.sleep(delay)

    def _forget_old(self, now: float) -> None:
        horizon = now - self.per_chat_interval
        self._last_in_chat = {c: t for c, t in self._last_in_chat.items() if t > horizon}


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
        self.limiter = RateLimiter(rate)
        self.name = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox delivery round failed; retrying soon")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except TimeoutError:
                pass
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
                await uow.commit()
            if not rows:
                return handled
            for row in rows:
                await self._deliver(row, languages.get(row.recipient_id or -1))
                handled += 1

    async def _languages(self, uow: UnitOfWork, rows: list[Outbox]) -> dict[int, str]:
        ids = {row.recipient_id for row in rows if row.recipient_id is not None}
        if not ids:
            return {}
        result = await uow.session.execute(
            select(User.id, User.contact_language).where(User.id.in_(ids))
        )
        return {person_id: language for person_id, language in result.all()}

    async def _deliver(self, row: Outbox, language: str | None) -> None:
        locale = language or str(row.params.get("locale") or self.i18n.default_locale)
        expires_at = row.params.get("expires_at")
        expired = expires_at is not None and datetime.fromisoformat(expires_at) <= self.clock.now()
        rendered = None
        if not expired:
            with self.i18n.context(), self.i18n.use_locale(locale):
                rendered = self.render(row, locale)
        status, error, retry_at = OutboxStatus.SENT, None, None
        if expired:
            # e.g. a reminder whose moment passed while the bot was down, for a meetup
            # that has started since: too late to be useful.
            status, error = OutboxStatus.CANCELLED, "expired"
        elif rendered is None:
            status, error = OutboxStatus.CANCELLED, "nothing to send"
        else:
            await self.limiter.wait(row.chat_id)
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
