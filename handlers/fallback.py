"""Last in line: anything no other handler took gets a helpful answer, never silence.

That includes buttons from old messages: a callback data format from an earlier version,
an action that no longer exists, a screen that is gone. They get "this button is no longer
active" in the person's language and, for members, a fresh menu to go on from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import pair_messages
from domain import pairs as pair_service
from domain.clock import Clock
from domain.staff import is_coordinator
from handlers import inbox, keyboards, onboarding
from handlers.coordinator_buttons import home_keyboard
from handlers.filters import Registered
from handlers.flow_answers import stale_button_menu
from handlers.inbox import RELAYABLE, SPOKEN
from handlers.inbox_buttons import send_offer, send_offer_in_pair
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


async def old_button_member(
    callback: CallbackQuery, bot: Bot, uow: UnitOfWork, user: User, locale: str
) -> None:
    """A member pressed an out-of-date button: said, and the menu again."""
    await stale_button_menu(callback, bot, uow, user, locale)


async def old_button_in_profile(
    callback: CallbackQuery, bot: Bot, state: FSMContext, user: User, locale: str
) -> None:
    """An old button from someone half-way through their profile: said, and the question
    where they stopped comes again (or, when the bot cannot use the old message, the way
    on to it)."""
    text = error_text("stale_button", {}, locale)
    await callback.answer(text, show_alert=True)
    if isinstance(callback.message, Message):
        await onboarding.start_resume(callback.message, state, user, locale)
        return
    await bot.send_message(callback.from_user.id, text, reply_markup=keyboards.help_newcomer())


async def old_button(callback: CallbackQuery, bot: Bot, locale: str) -> None:
    """An old button from someone the bot does not know (or no longer: erased)."""
    text = error_text("stale_button", {}, locale) + " " + error_text("not_registered", {}, locale)
    await callback.answer(text, show_alert=True)
    await bot.send_message(callback.from_user.id, text, reply_markup=keyboards.welcome_back())


async def anything_else_member(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, settings: Any, locale: str
) -> None:
    """A message no flow expects. A voice message goes straight to the coordinator; for
    anything else the person can send it on with one tap, or go to the menu. A coordinator
    gets their own menu."""
    if is_coordinator(user):
        await message.answer(
            _("I did not understand that. Here is your menu."),
            reply_markup=home_keyboard(),
        )
        return
    if message.content_type in SPOKEN:
        menu = keyboards.main_menu(has_pair=await pair_service.pair_of(uow, user) is not None)
        await inbox.spoken_outside_a_flow(message, uow, user, clock, settings, locale, menu)
        return
    if message.content_type not in RELAYABLE:
        await message.answer(
            _("I did not understand that. What would you like to do?"),
            reply_markup=keyboards.main_menu(
                has_pair=await pair_service.pair_of(uow, user) is not None
            ),
        )
        return
    pair = await pair_service.pair_of(uow, user)
    partner = await pair_messages.partner_or_none(uow, user, pair) if pair else None
    if pair is not None and partner is not None:
        # In a pair, what they wrote may well be for their partner.
        await message.answer(
            _("I did not understand that. What would you like to do?"),
            reply_markup=send_offer_in_pair(
                message.message_id, pair.id, partner.first_name or "?", locale
            ),
        )
        return
    await message.answer(
        _("I did not understand that. Shall I send it to the coordinator?"),
        reply_markup=send_offer(message.message_id),
    )


async def anything_else_in_profile(
    message: Message, state: FSMContext, user: User, locale: str
) -> None:
    """Someone who stopped half-way through their profile wrote again (a word, a voice
    note, a sticker): the question where they stopped comes back, with its buttons."""
    await onboarding.start_resume(message, state, user, locale)


async def anything_else(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    """Someone the bot does not know yet wrote something other than /start: greet them
    as /start would, so nobody has to type a command."""
    await onboarding.begin(message, state, uow=uow)


def create_router() -> Router:
    """A fresh catch-all router; it must be included last."""
    router = Router(name=__name__)
    router.callback_query.register(old_button_member, Registered(profile_done=True))
    router.callback_query.register(old_button_in_profile, Registered())
    router.callback_query.register(old_button)
    router.message.register(anything_else_member, Registered(profile_done=True))
    router.message.register(anything_else_in_profile, Registered())
    router.message.register(anything_else)
    return router
