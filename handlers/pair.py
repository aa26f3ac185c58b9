"""A person's own pair: who their buddy is, and asking the coordinator to end or change it."""

from __future__ import annotations

from enum import StrEnum

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain import change_requests
from domain.clock import Clock
from domain.dutch_practice import Screen as DutchScreen
from domain.errors import DomainError
from domain.pairs import pair_of
from handlers import keyboards
from handlers.callbacks import MenuAction, MenuCb
from handlers.common import on_button, q
from handlers.dutch_practice import with_dutch
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import write_buttons
from handlers.placements_buttons import volunteer_button
from storage.models import PairStatus, User
from storage.uow import UnitOfWork


class PairRequestKind(StrEnum):
    CHANGE = "change"
    END = "end"


class PairRequestCb(CallbackData, prefix="preq"):
    kind: PairRequestKind


def request_keyboard(write: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for row in write or []:
        builder.row(*row)
    builder.button(
        text="🔁 " + _("Ask for a change"),
        callback_data=PairRequestCb(kind=PairRequestKind.CHANGE),
    )
    builder.button(
        text="⏹ " + _("Ask to end the pair"), callback_data=PairRequestCb(kind=PairRequestKind.END)
    )
    builder.adjust(1)
    return builder.as_markup()


async def my_pair(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    """Who the person's buddy (or newcomer) is, with the ways to ask for a change."""
    pair = await pair_of(uow, user)
    if pair is None:
        raise DomainError("no_pair")
    other_id = pair.buddy_id if pair.newcomer_id == user.id else pair.newcomer_id
    other = await uow.users.get(other_id) if other_id else None
    text = _("Your buddy pair: you and {name}.").format(
        name=q(other.first_name if other else "?", locale)
    )
    text += "\n\n" + _(
        "Is something not working? The coordinator can help, or find you another buddy."
    )
    write = (
        write_buttons(pair.id, other.first_name or "?", other.username, locale)
        if other is not None and pair.status == PairStatus.ACTIVE.value
        else []
    )
    if pair.status == PairStatus.ACTIVE.value:
        write = [*write, [volunteer_button()]]  # duo volunteering (handlers/placements.py)
    text = with_dutch(text, user, DutchScreen.PAIR, locale)
    await message.answer(text, reply_markup=request_keyboard(write))


async def request_change(
    message: Message, callback_data: PairRequestCb, uow: UnitOfWork, user: User, clock: Clock
) -> None:
    """Pass the request on to the coordinators; the pair itself does not change."""
    await change_requests.request_change(uow, user, callback_data.kind.value, clock.now())
    await message.edit_text(
        "📨 " + _("Thank you. A coordinator will contact you about this soon."),
        reply_markup=keyboards.home_only(),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.filter(Registered(), WithMessage())
    router.callback_query.register(on_button(my_pair), MenuCb.filter(F.action == MenuAction.PAIR))
    router.callback_query.register(on_button(request_change), PairRequestCb.filter())
    return router
