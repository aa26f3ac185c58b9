"""Asking a newcomer to widen their wish for their buddy's gender (domain/preferences.py):
the question in their own language with two one-tap answers, their answer confirmed to
them, and the answer as it reaches the coordinator who asked."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain import preferences
from domain.clock import Clock
from domain.notices import Notice
from handlers.common import answer_step, q
from handlers.coordinator_buttons import CoordAction, button, home_button
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import menu_button
from handlers.notice_registry import notice
from handlers.texts import gender_preference_label
from storage.models import User
from storage.uow import UnitOfWork


class RelaxAction(StrEnum):
    ANY = "any"  # any buddy is fine
    KEEP = "keep"  # keep my wish


class RelaxCb(CallbackData, prefix="relax"):
    """The newcomer's answer; `by` is the coordinator who asked, to be told."""

    action: RelaxAction
    by: int = 0


@notice(Notice.PREFERENCE_RELAX_ASK)
def ask(params: dict[str, Any], locale: str) -> Rendered:
    text = "\n\n".join(
        [
            _("Hello {name}! We are looking for a buddy for you.").format(
                name=q(params.get("name") or "?", locale)
            ),
            _("You asked for a buddy: {wish}. No such buddy is free now.").format(
                wish=gender_preference_label(str(params.get("preference") or ""))
            ),
            _("Is any buddy fine for you? If you keep your wish, you may wait longer."),
        ]
    )
    by = int(params.get("coordinator_id") or 0)
    rows = [
        [
            InlineKeyboardButton(
                text="👍 " + _("Any buddy is fine"),
                callback_data=RelaxCb(action=RelaxAction.ANY, by=by).pack(),
            )
        ],
        [
            InlineKeyboardButton(
                text="✋ " + _("Keep my wish"),
                callback_data=RelaxCb(action=RelaxAction.KEEP, by=by).pack(),
            )
        ],
    ]
    return Rendered(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@notice(Notice.COORDINATOR_PREFERENCE_ANSWER)
def answer_to_coordinator(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("name") or "?", locale)
    if params.get("relaxed"):
        text = "👍 " + _("{name} answered: any buddy is fine.").format(name=name)
    else:
        text = "✋ " + _("{name} answered: they keep their wish for the buddy's gender.").format(
            name=name
        )
    newcomer_id = int(params.get("newcomer_id") or 0)
    rows = []
    if params.get("waiting"):
        rows.append([button("🔎 " + _("Suggestions"), CoordAction.SUGGESTIONS, newcomer_id)])
    rows.append(
        [
            button("👤 " + (params.get("name") or "?"), CoordAction.PERSON, newcomer_id),
            button("📋 " + _("Waiting list"), CoordAction.WAITING),
            home_button(),
        ]
    )
    return Rendered(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def answered(
    callback: CallbackQuery,
    message: Message,
    callback_data: RelaxCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """Save the answer, tell the coordinator, and confirm it in the same message."""
    relax = callback_data.action == RelaxAction.ANY
    done = await answer_step(
        callback,
        locale,
        lambda: preferences.answer_relax(uow, user, relax, callback_data.by, clock.now()),
    )
    if not done:
        return
    if relax:
        text = "👍 " + _("Thank you! Any buddy is fine now. We will tell you when we find one.")
    else:
        text = "✋ " + _("Thank you! We keep your wish. We will tell you when we find a buddy.")
    await message.edit_text(
        text, reply_markup=InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        answered, RelaxCb.filter(F.action.in_(set(RelaxAction))), Registered(), WithMessage()
    )
    return router
