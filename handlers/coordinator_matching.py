"""Matching by a coordinator: suggestions with reasons, the whole list proposed at once,
confirming one match or all of them."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain import matchmaking, preferences
from domain.clock import Clock
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    coordinator_router,
    newcomer_nav_row,
    no_fit_keyboard,
    override_keyboard,
    proposals_keyboard,
    suggestions_keyboard,
)
from handlers.i18n import fmt_number, isolate
from handlers.texts import block_count_text, block_label, reason_text
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
        await show_no_fit(message, newcomer.id, uow, user, clock, locale)
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


async def show_no_fit(
    message: Message, newcomer_id: int, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """No buddy passes the hard constraints: what keeps them out, counted over the
    available buddies, and the nearest ones to match anyway. Kept short (under 60 words)
    for a coordinator reading on a phone."""
    found = await matchmaking.why_no_fit(uow, user, newcomer_id, clock.now())
    newcomer, blocked = found.newcomer, found.blocked
    name = q(newcomer.first_name or "?", locale)
    lines = ["<b>" + _("No buddy fits {name} right now.").format(name=name) + "</b>"]
    if not blocked.buddies:
        lines.append(_("No buddy can take a newcomer at the moment."))
    else:
        lines.append(
            ngettext(
                "{count} buddy is available, but:",
                "{count} buddies are available, but:",
                blocked.buddies,
            ).format(count=isolate(blocked.buddies, locale))
        )
        lines.extend(
            "• " + block_count_text(key, count, name, locale)
            for key, count in blocked.counts.items()
        )
    nearest = [found.buddies[profile.id] for profile, _score, _broken in blocked.nearest]
    if blocked.nearest:
        lines.append("")
        lines.append(_("Nearest buddies:"))
        for number, (profile, _score, broken) in enumerate(blocked.nearest, start=1):
            lines.append(
                _("{number}. {name}: {what}").format(
                    number=number,
                    name=q(found.buddies[profile.id].first_name or "?", locale),
                    what=", ".join(block_label(key) for key in broken),
                )
            )
    ask = preferences.has_preference(newcomer) and "gender_preference" in blocked.counts
    await message.answer("\n".join(lines), reply_markup=no_fit_keyboard(newcomer, nearest, ask=ask))


async def show_override(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, locale: str
) -> None:
    """Before matching anyway: what it breaks, and a button to confirm."""
    newcomer, buddy, broken = await matchmaking.override_check(
        uow, user, callback_data.id, callback_data.arg
    )
    text = "⚠️ " + _("Match {newcomer} with {buddy} even though: {what}?").format(
        newcomer=q(newcomer.first_name or "?", locale),
        buddy=q(buddy.first_name or "?", locale),
        what=", ".join(block_label(key) for key in broken),
    )
    await message.answer(text, reply_markup=override_keyboard(newcomer, buddy))


async def override_match(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """Match anyway (audited); both get an introduction."""
    newcomer_id, buddy_id = callback_data.id, callback_data.arg
    await matchmaking.override_match(uow, user, newcomer_id, buddy_id, clock.now())
    await _matched(message, uow, newcomer_id, buddy_id, locale)


async def ask_relax(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """Ask the newcomer, in their language, whether any buddy is fine."""
    newcomer = await preferences.ask_to_relax(uow, user, callback_data.id, clock.now())
    await message.answer(
        "💬 "
        + _("I asked {name} whether any buddy is fine. You will get their answer here.").format(
            name=q(newcomer.first_name or "?", locale)
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[newcomer_nav_row(newcomer)]),
    )


async def confirm_match(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    """Make one pair (from the suggestions or the proposals); both get an introduction."""
    newcomer_id, buddy_id = callback_data.id, callback_data.arg
    await matchmaking.confirm_match(uow, user, newcomer_id, buddy_id, clock.now())
    await _matched(message, uow, newcomer_id, buddy_id, locale)


async def _matched(
    message: Message, uow: UnitOfWork, newcomer_id: int, buddy_id: int, locale: str
) -> None:
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
            CoordAction.OVERRIDE: show_override,
            CoordAction.OVERRIDE_CONFIRMED: override_match,
            CoordAction.ASK_RELAX: ask_relax,
        },
    )
