"""The main menu of registered people, /help, /profile and changing the language."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import hours as hours_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers.callbacks import LanguageCb, MenuCb
from handlers.common import message_of
from handlers.hours import progress_text
from handlers.i18n import endonym
from handlers.meetups import start_form
from handlers.onboarding import Onboarding, show_home, show_language_picker, show_summary
from handlers.privacy import privacy_text
from handlers.routing import HandlerSet
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork

router = HandlerSet(__name__)
# The menu buttons handled here; "pair" belongs to handlers.pair.
MENU_ACTIONS = frozenset({"profile", "language", "privacy", "help", "meetup", "progress"})


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


@router.message(Command("help"))
async def help_command(message: Message) -> None:
    await message.answer(help_text())


@router.message(Command("profile"))
async def profile_command(
    message: Message, state: FSMContext, user: User | None, locale: str
) -> None:
    if user is None or user.profile_done_at is None:
        await message.answer(error_text("not_registered", {}, locale))
        return
    await state.set_state(Onboarding.summary)
    await show_summary(message, user, locale, edit=False)


@router.callback_query(MenuCb.filter(F.action.in_(MENU_ACTIONS)))
async def menu_pressed(
    callback: CallbackQuery,
    callback_data: MenuCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    if user is None or user.profile_done_at is None or message is None:
        await callback.answer(error_text("not_registered", {}, locale), show_alert=True)
        return
    await callback.answer()
    match callback_data.action:
        case "profile":
            await state.set_state(Onboarding.summary)
            await show_summary(message, user, locale, edit=False)
        case "language":
            await show_language_picker(message, ctx="menu", edit=False)
        case "privacy":
            await message.answer(privacy_text())
        case "help":
            await message.answer(help_text())
        case "meetup":
            try:
                await start_form(message, state, uow, user, clock, tz, locale)
            except DomainError as error:
                await message.answer(error_text(error.key, error.params, locale))
        case "progress":
            try:
                _pair, progress = await hours_service.progress(uow, user, clock.now())
            except DomainError as error:
                await message.answer(error_text(error.key, error.params, locale))
            else:
                await message.answer(progress_text(progress, locale))
        case _:
            await message.answer(error_text("invalid_choice", {}, locale))


@router.callback_query(LanguageCb.filter(F.ctx == "menu"))
async def language_changed(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    i18n: I18n,
    uow: UnitOfWork,
    user: User | None,
    locale: str,
) -> None:
    message = message_of(callback)
    if user is None or message is None:
        await callback.answer(error_text("not_registered", {}, locale), show_alert=True)
        return
    if callback_data.code not in SUPPORTED_LANGUAGES:
        await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
        return
    user.contact_language = callback_data.code
    i18n.current_locale = callback_data.code
    await callback.answer()
    await message.edit_text(
        "✅ "
        + _("From now on I will write to you in this language: {language}").format(
            language=endonym(callback_data.code)
        )
    )
    if user.profile_done_at is not None:
        await show_home(message, uow, user, callback_data.code)
