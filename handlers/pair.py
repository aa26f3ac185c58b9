"""A person's own pair: who their buddy is, and asking the coordinator to end or change it."""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain import coordination
from domain.clock import Clock
from domain.errors import DomainError
from handlers.callbacks import MenuCb, PairRequestCb
from handlers.common import message_of, q
from handlers.routing import HandlerSet
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork

router = HandlerSet(__name__)


def _request_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🔁 " + _("Ask for a change"), callback_data=PairRequestCb(kind="change"))
    builder.button(text="⏹ " + _("Ask to end the pair"), callback_data=PairRequestCb(kind="end"))
    builder.adjust(1)
    return builder.as_markup()


@router.callback_query(MenuCb.filter(F.action == "pair"))
async def my_pair(callback: CallbackQuery, uow: UnitOfWork, user: User | None, locale: str) -> None:
    message = message_of(callback)
    pair = await coordination.pair_of(uow, user) if user else None
    if user is None or message is None or pair is None:
        await callback.answer(error_text("no_pair", {}, locale), show_alert=True)
        return
    await callback.answer()
    other_id = pair.buddy_id if pair.newcomer_id == user.id else pair.newcomer_id
    other = await uow.users.get(other_id) if other_id else None
    text = _("Your buddy pair: you and {name}.").format(
        name=q(other.first_name if other else "?", locale)
    )
    text += "\n\n" + _(
        "Is something not working? The coordinator can help, or find you another buddy."
    )
    await message.answer(text, reply_markup=_request_keyboard())


@router.callback_query(PairRequestCb.filter())
async def request_change(
    callback: CallbackQuery,
    callback_data: PairRequestCb,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    message = message_of(callback)
    if user is None or message is None:
        await callback.answer(error_text("not_registered", {}, locale), show_alert=True)
        return
    try:
        await coordination.request_change(uow, user, callback_data.kind, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_text("📨 " + _("Thank you. A coordinator will contact you about this soon."))
