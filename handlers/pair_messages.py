"""The pair writing to each other through the bot (see domain.pair_messages)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import pair_messages
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.inbox import Copy
from handlers.common import q
from handlers.filters import Registered, WithMessage
from handlers.inbox import CAN_RELAY, NOT_COMMAND, sent_keyboard
from handlers.inbox_buttons import (
    Inbox,
    RelayCb,
    cancel_keyboard,
    menu_button,
    write_to_partner,
)
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork


async def ask_to_write(
    callback: CallbackQuery,
    message: Message,
    callback_data: RelayCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """ "✉️ Write to {name}": the person's next message goes to their partner."""
    pair = await pair_messages.pair_for_writing(uow, user, callback_data.pair)
    if pair is None:  # another pair's button, or made-up data
        privacy_service.audit_refusal(
            uow, "refused.pair_message", user, callback.from_user.id, attempt=RelayCb.__prefix__
        )
        await callback.answer(error_text("not_your_pair", {}, locale), show_alert=True)
        return
    partner = await pair_messages.partner_to_write(uow, user, pair)
    await callback.answer()
    await state.set_state(Inbox.to_partner)
    await state.update_data(pair=pair.id)
    await message.answer(
        "✍️ "
        + _(
            "Write your message to {name}. A voice message, a photo or your location works too."
        ).format(name=q(partner.first_name or "?", locale)),
        reply_markup=cancel_keyboard(),
    )


async def written(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    pair_id = int((await state.get_data()).get("pair") or 0)
    pair = await pair_messages.pair_for_writing(uow, user, pair_id)
    await state.clear()
    try:
        if pair is None:
            raise DomainError("relay_closed")
        partner = await pair_messages.write(
            uow, user, pair, Copy(message.chat.id, message.message_id), clock.now()
        )
    except DomainError as error:
        # Said here rather than by the error router: leaving the writing step must stick,
        # or every later message would meet the same refusal.
        await message.answer(
            error_text(error.key, error.params, locale), reply_markup=sent_keyboard()
        )
        return
    await message.answer(
        "✅ " + _("Sent to {name}.").format(name=q(partner.first_name or "?", locale)),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [write_to_partner(pair.id, partner.first_name or "?", locale)],
                [menu_button()],
            ]
        ),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    member = Registered(profile_done=True)
    router.callback_query.register(ask_to_write, RelayCb.filter(), member, WithMessage())
    router.message.register(written, StateFilter(Inbox.to_partner), CAN_RELAY, NOT_COMMAND, member)
    return router
