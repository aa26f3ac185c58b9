"""The main menu of registered people, /help, /profile and changing the language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain.staff import is_coordinator
from handlers.actor import Acting
from handlers.callbacks import LanguageCb, LanguageContext, MenuAction, MenuCb
from handlers.common import on_button
from handlers.coordinator_buttons import home_keyboard
from handlers.filters import Registered, WithMessage
from handlers.hours import progress_command
from handlers.inbox_buttons import reach_buttons
from handlers.meetups import meetup_command
from handlers.onboarding import language_command_member, language_saved, start_member
from handlers.onboarding_screens import (
    Onboarding,
    show_summary,
)
from handlers.privacy import privacy_command
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
            _("If something goes wrong, write to a coordinator: tap a button below."),
        ]
    )


async def help_command(message: Message, user: User | None = None) -> None:
    """What the person can do and how to reach a coordinator; a coordinator gets their own
    tools instead of the newcomer's list."""
    if is_coordinator(user):
        await message.answer(
            "<b>" + _("How can I help?") + "</b>\n\n" + _("Your coordinator tools are below."),
            reply_markup=home_keyboard(),
        )
        return
    await message.answer(
        help_text(), reply_markup=InlineKeyboardMarkup(inline_keyboard=reach_buttons())
    )


async def home(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    """ "🏠 Menu": whatever step was open is left, and the person's home screen shows."""
    await start_member(message, state, uow, user, locale)


async def profile_command(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await state.set_state(Onboarding.summary)
    await show_summary(message, user, locale, edit=False)


async def not_registered(message: Message, locale: str) -> None:
    await message.answer(error_text("not_registered", {}, locale))


# --- the menu buttons (the pair's is in handlers.pair) --------------------------------------
# Each button opens what its command shows, under the menu.
MENU_SCREENS = (
    (MenuAction.PROFILE, profile_command),
    (MenuAction.LANGUAGE, language_command_member),
    (MenuAction.PRIVACY, privacy_command),
    (MenuAction.HELP, help_command),
    (MenuAction.MEETUP, meetup_command),
    (MenuAction.PROGRESS, progress_command),
    (MenuAction.HOME, home),
)


def create_router() -> Router:
    """A fresh router for the menu, /help and /profile (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.message.register(profile_command, Command("profile"), Registered(profile_done=True))
    router.message.register(not_registered, Command("profile"))
    # Acting(): the meetup and progress screens take the person as `actor`.
    member = (Registered(profile_done=True), WithMessage(), Acting())
    for action, screen in MENU_SCREENS:
        router.callback_query.register(
            on_button(screen), MenuCb.filter(F.action == action), *member
        )
    router.callback_query.register(
        language_saved,
        LanguageCb.filter(F.ctx == LanguageContext.MENU),
        Registered(),
        WithMessage(),
    )
    return router
