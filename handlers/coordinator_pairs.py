"""Pairs as a coordinator sees them: the list, one pair, pause, resume, end, rematch, and
deactivating a person (their pairs end)."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import pairs, staff
from domain.clock import Clock
from domain.errors import DomainError
from handlers.common import q
from handlers.coordinator_buttons import (
    END_REASONS,
    CoordAction,
    CoordCb,
    IsCoordinator,
    deactivate_keyboard,
    end_reasons_keyboard,
    pair_keyboard,
    pairs_keyboard,
)
from handlers.filters import WithMessage
from handlers.i18n import fmt_date
from storage.models import PairStatus, User
from storage.uow import UnitOfWork

SHOWN_PAIRS = 40


async def show_pairs(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    """Active and paused pairs, oldest first, each a button."""
    open_pairs = await pairs.open_pairs(uow, user)
    if not open_pairs:
        await target.answer(_("There are no active pairs yet."))
        return
    lines = ["<b>" + _("Pairs") + "</b>", ""]
    labelled = []
    for pair, newcomer, buddy in open_pairs[:SHOWN_PAIRS]:
        paused = " ⏸" if pair.status == PairStatus.PAUSED.value else ""
        label = f"{newcomer.first_name if newcomer else '–'} ↔ {buddy.first_name if buddy else '–'}"
        lines.append(f"#{pair.id} {q(label, locale)}{paused}")
        labelled.append((pair.id, label))
    await target.answer("\n".join(lines), reply_markup=pairs_keyboard(labelled))


async def pairs_command(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    await show_pairs(message, uow, user, locale)


async def pairs_pressed(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    await show_pairs(message, uow, user, locale)
    await callback.answer()


async def pair_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    tz: tzinfo,
    locale: str,
) -> None:
    """One pair: since when, paused until when, and what can be done with it."""
    pair = await pairs.pair_in_programme(uow, user, callback_data.id)
    newcomer, buddy = await pairs.people_of(uow, pair)
    lines = [
        f"<b>#{pair.id}</b> {q(newcomer.first_name if newcomer else '–', locale)} ↔ "
        f"{q(buddy.first_name if buddy else '–', locale)}",
        _("Started on {date}").format(date=fmt_date(pair.started_at, locale, tz)),
    ]
    if pair.status == PairStatus.PAUSED.value and pair.paused_until:
        lines.append(
            "⏸ " + _("Paused until {date}").format(date=fmt_date(pair.paused_until, locale, tz))
        )
    await message.answer("\n".join(lines), reply_markup=pair_keyboard(pair, newcomer, buddy))
    await callback.answer()


async def pause_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    await pairs.pause_pair(uow, user, callback_data.id, callback_data.arg, clock.now())
    await callback.answer()
    await message.answer("⏸ " + _("The pair is paused. Both were told."))


async def resume_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    await pairs.resume_pair(uow, user, callback_data.id, clock.now())
    await callback.answer()
    await message.answer("▶️ " + _("The pair is active again. Both were told."))


async def end_pressed(
    callback: CallbackQuery, callback_data: CoordCb, message: Message, uow: UnitOfWork, user: User
) -> None:
    """Ask why the pair ends before ending it."""
    pair = await pairs.pair_in_programme(uow, user, callback_data.id)
    await callback.answer()
    await message.answer(_("Why does this pair end?"), reply_markup=end_reasons_keyboard(pair.id))


async def end_with_reason_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    if not 0 <= callback_data.arg < len(END_REASONS):
        raise DomainError("invalid_choice")
    reason = END_REASONS[callback_data.arg]
    await pairs.end_pair(uow, user, callback_data.id, reason, clock.now())
    await callback.answer()
    await message.answer("⏹ " + _("The pair has ended. Both were told."))


async def rematch_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    await pairs.rematch(uow, user, callback_data.id, clock.now())
    await callback.answer()
    await message.answer(
        "🔁 " + _("The pair has ended; the newcomer is back at the front of the waiting list.")
    )


async def deactivate_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """Ask to confirm: deactivating ends every pair of the person."""
    person = await staff.person_in_programme(uow, user, callback_data.id)
    await callback.answer()
    await message.answer(
        _("Deactivate {name}? Their pairs end and they leave every list.").format(
            name=q(person.first_name or "?", locale)
        ),
        reply_markup=deactivate_keyboard(person),
    )


async def deactivate_confirmed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    await pairs.deactivate(uow, user, callback_data.id, clock.now())
    await callback.answer()
    await message.answer("🚫 " + _("Deactivated."))


def create_router() -> Router:
    """The pairs screens and every change to a pair, for coordinators only."""
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator(), WithMessage())
    router.message.register(pairs_command, Command("pairs"))
    callbacks = router.callback_query
    callbacks.register(pairs_pressed, CoordCb.filter(F.action == CoordAction.PAIRS))
    callbacks.register(pair_pressed, CoordCb.filter(F.action == CoordAction.PAIR))
    callbacks.register(pause_pressed, CoordCb.filter(F.action == CoordAction.PAUSE))
    callbacks.register(resume_pressed, CoordCb.filter(F.action == CoordAction.RESUME))
    callbacks.register(end_pressed, CoordCb.filter(F.action == CoordAction.END))
    callbacks.register(
        end_with_reason_pressed, CoordCb.filter(F.action == CoordAction.END_WITH_REASON)
    )
    callbacks.register(rematch_pressed, CoordCb.filter(F.action == CoordAction.REMATCH))
    callbacks.register(deactivate_pressed, CoordCb.filter(F.action == CoordAction.DEACTIVATE))
    callbacks.register(
        deactivate_confirmed, CoordCb.filter(F.action == CoordAction.DEACTIVATE_CONFIRMED)
    )
    return router
