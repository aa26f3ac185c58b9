"""The main menu of registered people, /help, /profile and changing the language."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import hours as hours_service
from domain import onboarding as onboarding_service
from domain.clock import Clock
from domain.errors import DomainError
from handlers.callbacks import LanguageCb, LanguageContext, MenuAction, MenuCb
from handlers.filters import Registered, WithMessage
from handlers.hours import progress_text
from handlers.i18n import endonym
from handlers.meetups import start_form
from handlers.onboarding_screens import (
    Onboarding,
    show_home,
    show_language_picker,
    show_summary,
)
from handlers.privacy import privacy_text
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


def help_text() -> str:
    return "\n".join(
        [
            "<b>" + _("How can I help?") + "</b>",
            "",
            "/start – " + _("your place in the programme and the menu"),
            "/profile – " + _("see or change your answers"),
            "/meetup – " + _("plan a meetup together"),
            "/meetups – " + _("your planned meetups"),
            "/log – " + _("note time you spent together"),
            "/progress – " + _("your hours toward the goal"),
            "/language – " + _("change the language"),
            "/privacy – " + _("what we keep and why"),
            "/mydata – " + _("download everything we keep about you"),
            "/forget – " + _("erase your data"),
            "",
            _("If something goes wrong, a coordinator of the programme will help you."),
        ]
    )


async def help_command(message: Message) -> None:
    await message.answer(help_text())


async def profile_command(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await state.set_state(Onboarding.summary)
    await show_summary(message, user, locale, edit=False)


async def not_registered(message: Message, locale: str) -> None:
    await message.answer(error_text("not_registered", {}, locale))


# --- the menu buttons (the pair's is in handlers.pair) --------------------------------------


async def profile_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, user: User, locale: str
) -> None:
    await callback.answer()
    await state.set_state(Onboarding.summary)
    await show_summary(message, user, locale, edit=False)


async def language_pressed(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await show_language_picker(message, ctx=LanguageContext.MENU, edit=False)


async def privacy_pressed(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await message.answer(privacy_text())


async def help_pressed(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await message.answer(help_text())


async def meetup_pressed(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    await callback.answer()
    try:
        await start_form(message, state, uow, user, clock, tz, locale)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))


async def progress_pressed(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    await callback.answer()
    try:
        _pair, progress = await hours_service.progress(uow, user, clock.now())
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
    else:
        await message.answer(progress_text(progress, locale))


async def language_changed(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    message: Message,
    i18n: I18n,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    try:
        code = await onboarding_service.set_contact_language(uow, user, callback_data.code)
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    i18n.current_locale = code
    await callback.answer()
    await message.edit_text(
        "✅ "
        + _("From now on I will write to you in this language: {language}").format(
            language=endonym(code)
        )
    )
    if user.profile_done_at is not None:
        await show_home(message, uow, user, code)


def create_router() -> Router:
    """A fresh router for the menu, /help and /profile (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.message.register(profile_command, Command("profile"), Registered(profile_done=True))
    router.message.register(not_registered, Command("profile"))
    member = (Registered(profile_done=True), WithMessage())
    for handler, action in (
        (profile_pressed, MenuAction.PROFILE),
        (language_pressed, MenuAction.LANGUAGE),
        (privacy_pressed, MenuAction.PRIVACY),
        (help_pressed, MenuAction.HELP),
        (meetup_pressed, MenuAction.MEETUP),
        (progress_pressed, MenuAction.PROGRESS),
    ):
        router.callback_query.register(handler, MenuCb.filter(F.action == action), *member)
    router.callback_query.register(
        language_changed,
        LanguageCb.filter(F.ctx == LanguageContext.MENU),
        Registered(),
        WithMessage(),
    )
    return router
