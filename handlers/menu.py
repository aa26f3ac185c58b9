"""The main menu of registered people, /help, /profile and changing the language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from domain import pairs as pair_service
from domain.clock import Clock
from domain.staff import is_admin, is_coordinator
from handlers import keyboards
from handlers.actor import Acting
from handlers.admin_buttons import admin_button
from handlers.callbacks import LanguageCb, LanguageContext, MenuAction, MenuCb
from handlers.common import on_button
from handlers.coordinator_buttons import home_keyboard, with_rows
from handlers.filters import Registered, WithMessage
from handlers.hours import log_command, progress_command
from handlers.meetups import meetup_command, meetups_command
from handlers.onboarding import (
    begin_pressed,
    consent_more,
    language_command,
    language_command_member,
    language_saved,
    start_member,
    start_resume,
)
from handlers.onboarding_screens import (
    Onboarding,
    show_summary,
)
from handlers.privacy import privacy_command
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


async def help_command(message: Message, uow: UnitOfWork, user: User | None = None) -> None:
    """What the person can do now, as buttons (nobody has to type a command): a member's
    tools and a way to a coordinator; someone still in their profile goes on with it; a
    coordinator gets their own tools."""
    title = "<b>" + _("How can I help?") + "</b>\n\n"
    if is_coordinator(user):
        tools = home_keyboard()
        if is_admin(user):  # the admin's way to every programme
            tools = with_rows(tools, [admin_button()])
        await message.answer(title + _("Your coordinator tools are below."), reply_markup=tools)
        return
    if user is None or user.profile_done_at is None:
        await message.answer(
            title + _("Tap the button to go on. I will ask a few short questions."),
            reply_markup=keyboards.help_newcomer(),
        )
        return
    has_pair = await pair_service.pair_of(uow, user) is not None
    await message.answer(
        title + _("Tap what you want to do. For anything else, write to a coordinator."),
        reply_markup=keyboards.help_member(has_pair=has_pair),
    )


async def home(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str, clock: Clock
) -> None:
    """ "🏠 Menu": whatever step was open is left, and the person's home screen shows."""
    await start_member(message, state, uow, user, locale, clock)


async def profile_command(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await state.set_state(Onboarding.summary)
    await show_summary(message, user, locale, edit=False)


async def not_registered(message: Message, locale: str) -> None:
    """/profile before the profile is done: the way to begin, or to go on."""
    await message.answer(
        error_text("not_registered", {}, locale), reply_markup=keyboards.help_newcomer()
    )


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
    (MenuAction.MEETUPS, meetups_command),
    (MenuAction.LOG, log_command),
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
    # /help of someone whose profile is not done: go on, or change the language.
    resume, language = (
        MenuCb.filter(F.action == MenuAction.RESUME),
        MenuCb.filter(F.action == MenuAction.LANGUAGE),
    )
    for screen, filters in (
        (start_resume, (resume, Registered())),
        (language_command_member, (language, Registered())),
        (language_command, (language,)),
        # "🔒 More about your data" under the consent, before anything is kept.
        (consent_more, (MenuCb.filter(F.action == MenuAction.PRIVACY),)),
    ):
        router.callback_query.register(on_button(screen), *filters, WithMessage())
    router.callback_query.register(begin_pressed, resume, WithMessage())
    router.callback_query.register(
        language_saved,
        LanguageCb.filter(F.ctx == LanguageContext.MENU),
        Registered(),
        WithMessage(),
    )
    return router
