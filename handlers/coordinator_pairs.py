"""Pairs as a coordinator sees them: the list, pause, resume, end, rematch, and
deactivating a person (their pairs end). One pair's own screen is its file
(handlers/coordinator_pair_file.py), included here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiogram import Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from domain import coordination, pairs, staff, trajectories
from domain.clock import Clock
from domain.errors import DomainError
from handlers import coordinator_pair_file
from handlers.common import Handler, q
from handlers.coordinator_buttons import (
    END_REASONS,
    CoordAction,
    CoordCb,
    complete_keyboard,
    coordinator_router,
    deactivate_keyboard,
    end_reasons_keyboard,
    file_nav_row,
    home_button,
    markup,
    pairs_keyboard,
    with_rows,
)
from handlers.i18n import isolate
from storage.models import PairStatus, User
from storage.uow import UnitOfWork

PAIRS_PAGE = 10  # a page stays under 60 words


async def show_pairs(
    target: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
    callback_data: CoordCb | None = None,
) -> None:
    """One page of the active and paused pairs, oldest first, each a button."""
    page = callback_data.id if callback_data else 0
    view = await coordination.open_pairs(uow, user, page, PAIRS_PAGE)
    if not view.rows:
        await target.answer(
            _("There are no active pairs yet."), reply_markup=markup([home_button()])
        )
        return
    lines = ["<b>" + _("Pairs") + "</b> (" + f"{view.page + 1}/{view.pages}" + ")", ""]
    labelled = []
    for row in view.rows:
        paused = " ⏸" if row.status == PairStatus.PAUSED.value else ""
        names = [name or "–" for name in (row.newcomer_name, row.buddy_name)]
        # Each name isolated on its own: one Arabic and one Latin name keep their order.
        lines.append(f"#{row.pair_id} {q(names[0], locale)} ↔ {q(names[1], locale)}{paused}")
        labelled.append((row.pair_id, " ↔ ".join(isolate(name, locale) for name in names)))
    await target.answer(
        "\n".join(lines),
        reply_markup=with_rows(pairs_keyboard(labelled, view.page, view.pages), [home_button()]),
    )


async def ask_end_reason(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User
) -> None:
    """Ask why the pair ends before ending it."""
    pair = await pairs.pair_in_programme(uow, user, callback_data.id)
    await message.answer(
        _("Why does this pair end?"),
        reply_markup=with_rows(end_reasons_keyboard(pair.id), file_nav_row(pair.id)),
    )


async def _end_with_reason(uow: UnitOfWork, user: User, button: CoordCb, now: datetime) -> None:
    if not 0 <= button.arg < len(END_REASONS):
        raise DomainError("invalid_choice")
    await pairs.end_pair(uow, user, button.id, END_REASONS[button.arg], now)


async def ask_complete(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User
) -> None:
    """Ask to confirm before closing a pair as completed."""
    pair = await pairs.pair_in_programme(uow, user, callback_data.id)
    await message.answer(
        _("Close pair #{number} as completed? Both are thanked and get the end questions.").format(
            number=pair.id
        ),
        reply_markup=complete_keyboard(pair.id),
    )


async def ask_deactivate(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, locale: str
) -> None:
    """Ask to confirm: deactivating ends every pair of the person."""
    person = await staff.person_in_programme(uow, user, callback_data.id)
    await message.answer(
        _("Deactivate {name}? Their pairs end and they leave every list.").format(
            name=q(person.first_name or "?", locale)
        ),
        reply_markup=deactivate_keyboard(person),
    )


# A change to a pair or a person: the step in the domain, then the line the coordinator sees.
Change = Callable[[UnitOfWork, User, CoordCb, datetime], Awaitable[object]]
CHANGES: dict[CoordAction, tuple[Change, Callable[[], str]]] = {
    CoordAction.PAUSE: (
        lambda uow, user, button, now: pairs.pause_pair(uow, user, button.id, button.arg, now),
        lambda: "⏸ " + _("The pair is paused. Both were told."),
    ),
    CoordAction.RESUME: (
        lambda uow, user, button, now: pairs.resume_pair(uow, user, button.id, now),
        lambda: "▶️ " + _("The pair is active again. Both were told."),
    ),
    CoordAction.END_WITH_REASON: (
        _end_with_reason,
        lambda: "⏹ " + _("The pair has ended. Both were told."),
    ),
    CoordAction.COMPLETE_CONFIRMED: (
        lambda uow, user, button, now: trajectories.complete_pair(uow, user, button.id, now),
        lambda: "🎓 " + _("The pair is completed. Both were thanked and get the end questions."),
    ),
    CoordAction.REMATCH: (
        lambda uow, user, button, now: pairs.rematch(uow, user, button.id, now),
        lambda: (
            "🔁 " + _("The pair has ended; the newcomer is back at the front of the waiting list.")
        ),
    ),
    CoordAction.DEACTIVATE_CONFIRMED: (
        lambda uow, user, button, now: pairs.deactivate(uow, user, button.id, now),
        lambda: "🚫 " + _("Deactivated."),
    ),
}


# Changes whose button names a person; the others name a pair, whose file is offered after.
PERSON_CHANGES = frozenset({CoordAction.DEACTIVATE_CONFIRMED})


def change_made(change: Change, done: Callable[[], str], *, of_pair: bool = True) -> Handler:
    """What a change button does: make the change, then say it is done (with the way back
    to the pair's file, for a change to a pair)."""

    async def made(
        message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock
    ) -> None:
        await change(uow, user, callback_data, clock.now())
        row = file_nav_row(callback_data.id) if of_pair else [home_button()]
        await message.answer(done(), reply_markup=markup(row))

    return made


def create_router() -> Router:
    """The pairs screens and every change to a pair, for coordinators only."""
    changes = {
        action: change_made(*change, of_pair=action not in PERSON_CHANGES)
        for action, change in CHANGES.items()
    }
    router = coordinator_router(
        __name__,
        commands={"pairs": show_pairs},
        buttons={
            CoordAction.PAIRS: show_pairs,
            CoordAction.END: ask_end_reason,
            CoordAction.COMPLETE: ask_complete,
            CoordAction.DEACTIVATE: ask_deactivate,
            **changes,
        },
    )
    router.include_router(coordinator_pair_file.create_router())
    return router
