"""A voice message at a step that expects a button or typed text is never dropped in
silence: the person hears (in their language) that it cannot be listened to here, with
the way on: tap a button, or send it to the coordinator."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain.staff import is_coordinator
from handlers import onboarding
from handlers.filters import Registered
from handlers.inbox import SPOKEN
from handlers.inbox_buttons import HelpAction, HelpCb, menu_button
from storage.models import User

SPOKEN_MESSAGE = F.content_type.in_(SPOKEN)


async def spoken_during_profile(
    message: Message, state: FSMContext, user: User, locale: str
) -> None:
    """Still filling in the profile: say so, and ask the question again."""
    await message.answer(
        "🎙 " + _("I cannot listen to voice messages here. Please tap a button or type.")
    )
    await onboarding.start_resume(message, state, user, locale)


async def spoken_during_a_step(message: Message, user: User) -> None:
    """In the middle of a step (a meetup, a note of hours...): tap a button, or send the
    voice message on to the coordinator."""
    if is_coordinator(user):
        await message.answer(
            "🎙 " + _("I cannot listen to voice messages here. Please tap a button or type.")
        )
        return
    send = InlineKeyboardButton(
        text="📨 " + _("Send it to the coordinator"),
        callback_data=HelpCb(action=HelpAction.SEND, id=message.message_id).pack(),
    )
    await message.answer(
        "🎙 "
        + _("I cannot listen to voice messages here. Tap a button, or send it to the coordinator."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[send], [menu_button()]]),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        spoken_during_profile,
        SPOKEN_MESSAGE,
        Registered(),
        ~Registered(profile_done=True),
    )
    router.message.register(spoken_during_a_step, SPOKEN_MESSAGE, Registered(), ~StateFilter(None))
    return router
