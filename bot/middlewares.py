"""Outer middlewares: per-update unit of work, the current person, the locale."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.clock import Clock
from bot.i18n import supported_locale
from bot.langid import detector_ready, get_detector
from bot.services import coordination
from bot.settings import Settings
from storage.db import SessionFactory
from storage.fsm import bind_session
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseMiddleware(BaseMiddleware):
    """One transaction per update: commit on success, roll back on error.

    It also drops an update whose id was handled before (Telegram may redeliver).
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        deduplicate: bool = True,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.deduplicate = deduplicate
        self.on_commit = on_commit

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with UnitOfWork(self.session_factory) as uow:
            with bind_session(uow.session):
                if self.deduplicate and isinstance(event, Update):
                    if not await uow.updates.claim(event.update_id):
                        log.info("update %s was handled before; ignored", event.update_id)
                        return None
                data["uow"] = uow
                result = await handler(event, data)
                await uow.commit()
                if self.on_commit is not None:
                    self.on_commit()  # wake the delivery worker for what was just queued
                return result


class CurrentUserMiddleware(BaseMiddleware):
    """Puts the person behind the update (or None before consent) into `data["user"]`.

    Coordinators named in the settings exist from their first update on.
    """

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.bootstrap_ids = frozenset(settings.coordinator_ids)
        self.default_locale = settings.default_locale
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        uow: UnitOfWork = data["uow"]
        sender: TelegramUser | None = data.get("event_from_user")
        user = await uow.users.by_telegram_id(sender.id) if sender else None
        if (
            sender is not None
            and sender.id in self.bootstrap_ids
            and not coordination.is_coordinator(user)
        ):
            language = supported_locale(sender.language_code) or self.default_locale
            user = await coordination.ensure_bootstrap_coordinator(
                uow, sender.id, language, self.clock.now()
            )
        data["user"] = user
        return await handler(event, data)


def _text_of(event: TelegramObject) -> str | None:
    if isinstance(event, Update):
        if event.message is not None:
            return event.message.text or event.message.caption
        return None
    if isinstance(event, Message):
        return event.text or event.caption
    return None


class LocaleMiddleware(I18nMiddleware):
    """The person's stored contact language, then the one chosen during onboarding, then
    Telegram's `language_code` when supported, then what they typed, then the default."""

    def __init__(self, i18n: I18n) -> None:
        super().__init__(i18n=i18n)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = await self.resolve(event, data)
        data["locale"] = locale
        return locale

    async def resolve(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None and user.contact_language:
            return str(user.contact_language)
        state: FSMContext | None = data.get("state")
        if state is not None:
            chosen = (await state.get_data()).get("language")
            if chosen:
                return str(chosen)
        sender: TelegramUser | None = data.get("event_from_user")
        from_client = supported_locale(sender.language_code if sender else None)
        if from_client:
            return from_client
        text = _text_of(event)
        # Until the detector is built (in the background at start) we do not block on it.
        if text and not text.startswith("/") and detector_ready():
            detection = get_detector().detect(text)
            if detection.sure and detection.language:
                return detection.language
        return self.i18n.default_locale


def callback_or_message(event: TelegramObject) -> Message | CallbackQuery | None:
    if isinstance(event, Update):
        return event.message or event.callback_query
    if isinstance(event, Message | CallbackQuery):
        return event
    return None
