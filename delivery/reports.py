"""Broadcast progress: the coordinator's confirmation message, edited in place while a
broadcast is sent, becomes its delivery report (sent, blocked the bot, failed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.utils.i18n import I18n

from delivery.ratelimit import BACKGROUND, BackgroundSender
from domain import broadcasts as broadcast_service
from domain.broadcasts import Delivery
from domain.clock import Clock
from storage.db import SessionFactory
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ProgressText = Callable[[Delivery, float | None, str], str]


class BroadcastReporter(BackgroundSender):
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
        super().__init__(session_factory, bot, i18n, clock)
        self.text = text
        self.rate = rate
        self._first_seen: dict[int, tuple[float, int]] = {}  # id -> (time, rows handled)
        self._shown: dict[int, str] = {}

    async def tick(self) -> None:
        token = BACKGROUND.set(True)
        try:
            async with UnitOfWork(self.session_factory) as uow:
                deliveries = await broadcast_service.in_progress(uow, self.clock.now())
                authors = {d.broadcast.author_id for d in deliveries if d.broadcast.author_id}
                languages = await uow.outbox.contact_languages_by_telegram_id(authors)
                await uow.commit()  # finished broadcasts are marked done before the report
            for delivery in deliveries:
                author = delivery.broadcast.author_id or 0
                await self._show(delivery, languages.get(author) or self.i18n.default_locale)
        finally:
            BACKGROUND.reset(token)

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
