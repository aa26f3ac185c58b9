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
    PassOnCb,
    RelayCb,
    cancel_keyboard,
    menu_button,
    write_to_partner,
)
from handlers.texts import error_text
from storage.models import Pair, User
from storage.uow import UnitOfWork


async def _own_pair(
    callback: CallbackQuery, uow: UnitOfWork, user: User, pair_id: int, attempt: str, locale: str
) -> Pair | None:
    """The person's own pair named by a button, or None: another pair's button, or made-up
    data, refused in an alert and audited."""
    pair = await pair_messages.pair_for_writing(uow, user, pair_id)
    if pair is None:
        privacy_service.audit_refusal(
            uow, "refused.pair_message", user, callback.from_user.id, attempt=attempt
        )
        await callback.answer(error_text("not_your_pair", {}, locale), show_alert=True)
    return pair


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
    pair = await _own_pair(callback, uow, user, callback_data.pair, RelayCb.__prefix__, locale)
    if pair is None:
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
        _sent_to(partner, locale), reply_markup=_after_sent(pair.id, partner, locale)
    )


async def pass_on_pressed(
    callback: CallbackQuery,
    message: Message,
    callback_data: PassOnCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """ "✉️ Send it to {name}" under a message the bot could not place: that message goes
    to the partner. The id is of a message in the person's own chat (the press comes from
    it), so nobody can send on another's."""
    pair = await _own_pair(callback, uow, user, callback_data.pair, PassOnCb.__prefix__, locale)
    if pair is None:
        return
    copy = Copy(callback.from_user.id, callback_data.message)
    if await pair_messages.relayed(uow, pair, copy):
        await callback.answer()  # a second tap: it went already, and the screen says so
        return
    try:
        partner = await pair_messages.write(uow, user, pair, copy, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_text(
        _sent_to(partner, locale), reply_markup=_after_sent(pair.id, partner, locale)
    )


def _sent_to(partner: User, locale: str) -> str:
    return "✅ " + _("Sent to {name}.").format(name=q(partner.first_name or "?", locale))


def _after_sent(pair_id: int, partner: User, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [write_to_partner(pair_id, partner.first_name or "?", locale)],
            [menu_button()],
        ]
    )


def create_router() -> Router:
    router = Router(name=__name__)
    member = Registered(profile_done=True)
    router.callback_query.register(ask_to_write, RelayCb.filter(), member, WithMessage())
    router.callback_query.register(pass_on_pressed, PassOnCb.filter(), member, WithMessage())
    router.message.register(written, StateFilter(Inbox.to_partner), CAN_RELAY, NOT_COMMAND, member)
    return router
