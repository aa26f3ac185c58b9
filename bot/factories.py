"""The composition root: small factories that build the bot, the dispatcher and their parts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.fsm import SqlStorage
from bot.middlewares import (
    ConversationLock,
    CurrentUserMiddleware,
    DatabaseMiddleware,
    LocaleMiddleware,
    PrivateChatsOnly,
)
from bot.settings import Settings
from domain.clock import Clock, SystemClock
from domain.detection import shared_detector
from domain.langid import SUPPORTED_LANGUAGES
from domain.languages import registry
from domain.waiting import UNFINISHED_ERASE_DAYS
from handlers import admin, build_router
from handlers.i18n import create_i18n
from storage.db import SessionFactory, create_engine, create_session_factory

log = logging.getLogger(__name__)


@dataclass
class Database:
    url: str
    session_factory: SessionFactory

    async def dispose(self) -> None:
        await self.session_factory.kw["bind"].dispose()


def create_database(settings: Settings) -> Database:
    engine = create_engine(settings.database_url)
    return Database(url=settings.database_url, session_factory=create_session_factory(engine))


def create_fsm_storage(settings: Settings, session_factory: SessionFactory) -> BaseStorage:
    """Redis when configured (several instances), the database otherwise (survives restarts)."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        # A conversation nobody touched for as long as an unfinished profile is kept
        # (domain.waiting) expires in Redis itself: a stranger's chosen language and
        # half-typed answers are not kept forever (on the database, the planner erases them).
        kept = timedelta(days=UNFINISHED_ERASE_DAYS)
        return RedisStorage.from_url(settings.redis_url, state_ttl=kept, data_ttl=kept)
    return SqlStorage(session_factory)


def create_event_isolation(settings: Settings) -> BaseEventIsolation:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisEventIsolation

        return RedisEventIsolation.from_url(settings.redis_url)
    return SimpleEventIsolation()


def create_translations(settings: Settings) -> I18n:
    return create_i18n(settings.data_dir / "locales", settings.default_locale)


def create_dispatcher(
    settings: Settings,
    session_factory: SessionFactory,
    i18n: I18n,
    *,
    storage: BaseStorage | None = None,
    clock: Clock | None = None,
    scheduler: AsyncIOScheduler | None = None,
    on_commit: Callable[[], None] | None = None,
) -> Dispatcher:
    """Routers, middlewares and long-lived dependencies (as Dispatcher keyword arguments)."""
    clock = clock or SystemClock()
    detector = shared_detector(settings.detector_idle_seconds)
    dispatcher = Dispatcher(
        storage=storage or create_fsm_storage(settings, session_factory),
        events_isolation=create_event_isolation(settings),
        # aiogram's own FSM middleware reads the state before our transaction begins:
        # ConversationLock below takes its place, and the state is read inside it.
        disable_fsm=True,
        settings=settings,
        bootstrap_coordinators=frozenset(settings.coordinator_ids),
        session_factory=session_factory,
        clock=clock,
        tz=ZoneInfo(settings.timezone),
        scheduler=scheduler,
        detector=detector,
    )
    private_only = PrivateChatsOnly(i18n, settings.default_locale, settings.coordinator_chat_id)
    database = DatabaseMiddleware(session_factory, on_commit=on_commit)
    current_user = CurrentUserMiddleware(settings, clock)
    locale = LocaleMiddleware(i18n, detector)
    # Updates of one chat are handled one after another (the lock is held until the
    # update's transaction committed), so a fast second tap never sees stale state.
    conversation_lock = ConversationLock(
        storage=dispatcher.fsm.storage,
        events_isolation=dispatcher.fsm.events_isolation,
        strategy=dispatcher.fsm.strategy,
    )
    dispatcher.update.outer_middleware(private_only)
    dispatcher.update.outer_middleware(conversation_lock)
    dispatcher.update.outer_middleware(database)
    dispatcher.update.outer_middleware(current_user)
    dispatcher.update.outer_middleware(locale)
    # Errors are handled outside the update's transaction (it was rolled back): give the
    # error handlers a fresh one, the person and their language.
    dispatcher.errors.outer_middleware(DatabaseMiddleware(session_factory, deduplicate=False))
    dispatcher.errors.outer_middleware(current_user)
    dispatcher.errors.outer_middleware(locale)
    # The admin area first: its error handler answers (and audits) programme-scoping
    # refusals before the general error router.
    dispatcher.include_router(build_router(admin.create_router()))
    return dispatcher


def allowed_updates(dispatcher: Dispatcher) -> list[str]:
    """The update kinds our handlers use, plus being added to a group or channel (the
    private-chats-only gate answers that by leaving)."""
    return sorted({*dispatcher.resolve_used_update_types(), "my_chat_member"})


def command_menu() -> list[tuple[str, str]]:
    """(command, description) pairs shown in Telegram's menu, in the current language."""
    from aiogram.utils.i18n import gettext as _

    return [
        ("start", _("Start or see where you are")),
        ("profile", _("Your profile")),
        ("meetup", _("Plan a meetup")),
        ("meetups", _("Your meetups")),
        ("log", _("Note time spent together")),
        ("progress", _("Your hours")),
        ("language", _("Change the language")),
        ("help", _("Help")),
        ("privacy", _("Your data and privacy")),
        ("mydata", _("Download your data")),
        ("forget", _("Erase your data")),
    ]


async def set_command_menus(bot: Bot, i18n: I18n) -> None:
    """A command menu per language, so each person sees it in their own."""
    # Telegram takes a two-letter code per menu (the registry's `telegram`): a language
    # without one (Dari, fa_AF) reads the menu of its client's language.
    menus = [(None, i18n.default_locale)] + [
        (lang.telegram, lang.code)
        for lang in registry()
        if lang.code in SUPPORTED_LANGUAGES and lang.telegram
    ]
    for language_code, locale in menus:
        with i18n.context(), i18n.use_locale(locale):
            commands = [BotCommand(command=c, description=d) for c, d in command_menu()]
        try:
            await bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(), language_code=language_code
            )
        except TelegramBadRequest as error:
            # The menu is a convenience (every command is a button too): a language the
            # Bot API server refuses reads the default menu, and the bot still starts.
            log.warning("setMyCommands refused for language %s: %s", language_code, error.message)
