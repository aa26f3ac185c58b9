"""Matching by a coordinator: suggestions with reasons, the whole list proposed at once,
confirming one match or all of them."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain import matchmaking
from domain.clock import Clock
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    coordinator_router,
    proposals_keyboard,
    suggestions_keyboard,
)
from handlers.i18n import fmt_number, isolate
from handlers.texts import reason_text
from storage.models import User
from storage.uow import UnitOfWork

SHOWN_PROPOSALS = 30  # a longer list is still confirmed whole with "Confirm all"


async def show_suggestions(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """The best buddies for one newcomer, each score with its reasons."""
    newcomer, ranked = await matchmaking.suggestions(uow, user, callback_data.id, clock.now())
    name = q(newcomer.first_name or "?", locale)
    if not ranked:
        await message.answer(_("No buddy fits {name} right now.").format(name=name))
        return
    lines = ["<b>" + _("Best buddies for {name}").format(name=name) + "</b>", ""]
    for number, suggestion in enumerate(ranked, start=1):
        lines.append(
            _("{number}. {name}: score {score}").format(
                number=number,
                name=q(suggestion.buddy.first_name or "?", locale),
                score=fmt_number(suggestion.score.total, locale),
            )
        )
        for reason in suggestion.score.reasons:
            sign = "+" if reason.points > 0 else "−" if reason.points < 0 else "·"
            lines.append(f"   {sign} {reason_text(reason.key, reason.params, locale)}")
    keyboard = suggestions_keyboard(newcomer, [s.buddy for s in ranked])
    await message.answer("\n".join(lines), reply_markup=keyboard)


async def confirm_match(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """Make one pair (from the suggestions or the proposals); both get an introduction."""
    newcomer_id, buddy_id = callback_data.id, callback_data.arg
    await matchmaking.confirm_match(uow, user, newcomer_id, buddy_id, clock.now())
    newcomer = await uow.users.get(newcomer_id)
    buddy = await uow.users.get(buddy_id)
    await message.answer(
        "✅ "
        + _("{newcomer} and {buddy} are now a pair. Both will get an introduction.").format(
            newcomer=q(newcomer.first_name if newcomer else "?", locale),
            buddy=q(buddy.first_name if buddy else "?", locale),
        )
    )


async def show_proposals(
    target: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock, locale: str
) -> None:
    """The optimal assignment of the whole waiting list; kept in the conversation state
    for "Confirm all"."""
    proposals = await matchmaking.propose_all(uow, user, clock.now())
    if not proposals:
        await target.answer(
            _("There is nothing to propose: no waiting newcomer fits a free buddy.")
        )
        return
    await state.update_data(proposals=[[p.newcomer.id, p.buddy.id] for p in proposals])
    total = sum(p.score.total for p in proposals)
    lines = [
        "<b>" + _("Proposed matches") + "</b>",
        ngettext(
            "{count} pair, total score {score}.",
            "{count} pairs, total score {score}.",
            len(proposals),
        ).format(count=isolate(len(proposals), locale), score=fmt_number(total, locale)),
        "",
    ]
    shown = list(enumerate(proposals[:SHOWN_PROPOSALS], start=1))
    for number, proposal in shown:
        lines.append(
            f"{number}. {q(proposal.newcomer.first_name or '?', locale)} ↔ "
            f"{q(proposal.buddy.first_name or '?', locale)} "
            f"({fmt_number(proposal.score.total, locale)})"
        )
    if len(proposals) > SHOWN_PROPOSALS:
        more = len(proposals) - SHOWN_PROPOSALS
        lines.append(_("… and {count} more.").format(count=isolate(more, locale)))
    keyboard = proposals_keyboard([(n, p.newcomer.id, p.buddy.id) for n, p in shown])
    await target.answer("\n".join(lines), reply_markup=keyboard)


async def confirm_all(
    message: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock, locale: str
) -> None:
    """Confirm every proposal shown last; those no longer possible are skipped and counted."""
    stored = (await state.get_data()).get("proposals") or []
    made, skipped = await matchmaking.confirm_matches(uow, user, stored, clock.now())
    await state.update_data(proposals=[])
    text = ngettext(
        "✅ {count} pair was made. Everyone gets an introduction.",
        "✅ {count} pairs were made. Everyone gets an introduction.",
        made,
    ).format(count=isolate(made, locale))
    if skipped:
        text += "\n" + ngettext(
            "{count} proposal was no longer possible and was skipped.",
            "{count} proposals were no longer possible and were skipped.",
            skipped,
        ).format(count=isolate(skipped, locale))
    await message.answer(text)


def create_router() -> Router:
    """Suggestions, proposals and confirmations, for coordinators only."""
    return coordinator_router(
        __name__,
        commands={"matchall": show_proposals},
        buttons={
            CoordAction.SUGGESTIONS: show_suggestions,
            CoordAction.CONFIRM: confirm_match,
            CoordAction.PROPOSE_ALL: show_proposals,
            CoordAction.CONFIRM_ALL: confirm_all,
        },
    )
