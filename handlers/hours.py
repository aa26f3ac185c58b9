"""Hours together: "did it take place?", logging hours without a meetup (/log),
confirming or disputing the other's entry, and /progress toward the target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import certificates, placements
from domain import hours as service
from domain import meetups as meetup_service
from domain.dutch_practice import Screen as DutchScreen
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards, proof
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.dutch_practice import with_dutch
from handlers.filters import WithMessage
from handlers.flow_answers import answered, form_closer, item_action, register_fallbacks, replied
from handlers.hours_form import (
    ADJUST,
    WHEN,
    HoursForm,
    adjust_markup,
    adjust_stale,
    adjusted,
    duration_confirmed,
    saved_text,
)
from handlers.i18n import fmt_number
from handlers.meetup_buttons import MISSED_REASONS, HourAction, HourCb, why_missed
from handlers.meetup_notices import confirm_request
from handlers.pickers import PickCb, PickKind, format_minutes
from handlers.texts import activity_label
from handlers.when_form import planned_start
from storage.models import HourEntry, HourStatus

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    pass

BAR = 10


def progress_bar(done: int, target: int) -> str:
    filled = min(BAR, done * BAR // target) if target else 0
    return "▓" * filled + "░" * (BAR - filled)


# --- after a meetup ---------------------------------------------------------------------

BUTTONS = ButtonTable(HourCb, Acting(), WithMessage(), answering=answered)


@BUTTONS.on(HourAction.HAPPENED)
async def meetup_happened(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    actor: Actor,
) -> None:
    meetup, _pair = await meetup_service.meetup_of(actor.uow, actor.user, callback_data.id)
    noted = await service.noted_for_meetup(actor.uow, actor.user, meetup.id)
    if noted is not None:
        await message.edit_reply_markup(reply_markup=None)
        await already_noted(message, actor, *noted)
        return
    await actor.state.set_state(HoursForm.adjust)
    await actor.state.update_data(
        hours={"meetup_id": meetup.id, "minutes": meetup.duration_minutes}
    )
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "⏱ " + _("How long did it last? Tap − or + to change, then the green button."),
        reply_markup=adjust_markup(meetup.duration_minutes, actor.locale),
    )


async def already_noted(
    message: Message, actor: Actor, entry: HourEntry, params: dict[str, object]
) -> None:
    """The hours of this meetup are noted already: the other's entry to confirm (the same
    question as their request), or what was noted; never a second entry or a warning."""
    pending = entry.logged_by != actor.user.id and entry.status == HourStatus.PENDING.value
    request = confirm_request(dict(params), actor.locale) if pending else None
    if request is not None:
        await message.answer(request.text, reply_markup=request.reply_markup)
        return
    await message.answer(
        "✅ "
        + _("The time of this meetup is noted already: {duration}.").format(
            duration=format_minutes(entry.minutes, actor.locale)
        ),
        reply_markup=keyboards.home_only(),
    )


@BUTTONS.on(HourAction.MISSED)
async def meetup_missed(
    callback: CallbackQuery, callback_data: HourCb, message: Message, actor: Actor
) -> None:
    await meetup_service.meetup_of(actor.uow, actor.user, callback_data.id)
    await message.edit_reply_markup(reply_markup=why_missed(callback_data.id))


@BUTTONS.on(HourAction.WHY)
async def why_missed_chosen(
    callback: CallbackQuery, callback_data: HourCb, message: Message, actor: Actor
) -> None:
    if not 0 <= callback_data.arg < len(MISSED_REASONS):
        raise DomainError("invalid_choice")
    reason = MISSED_REASONS[callback_data.arg]
    await service.meetup_did_not_happen(
        actor.uow, actor.user, callback_data.id, reason, actor.now()
    )
    await message.edit_text(
        _("Thank you for letting us know."), reply_markup=keyboards.plan_meetup()
    )


BUTTONS.on(HourAction.CONFIRM)(
    item_action(
        service.confirm,
        lambda entry, locale, _tz: (
            "✅ "
            + _("Confirmed: {duration}. Thank you!").format(
                duration=format_minutes(entry.minutes, locale)
            )
        ),
    )
)
BUTTONS.on(HourAction.DISPUTE)(
    item_action(
        service.dispute,
        lambda _entry, _locale, _tz: _("Okay. A coordinator will look at it with you both."),
    )
)


@BUTTONS.on(HourAction.FIX)
async def fix(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    actor: Actor,
) -> None:
    entry, _pair = await service.entry_of(actor.uow, actor.user, callback_data.id)
    if entry.logged_by != actor.user.id:
        raise DomainError("not_your_entry")
    await actor.state.set_state(HoursForm.adjust)
    await actor.state.update_data(hours={"entry_id": entry.id, "minutes": entry.minutes})
    await message.answer(
        "⏱ " + _("How long was it really?"),
        reply_markup=adjust_markup(entry.minutes, actor.locale),
    )


BUTTONS.on(HourAction.STOP)(form_closer(lambda: _("Okay, nothing was saved."), "hours", "log"))


# --- /log ---------------------------------------------------------------------------------


@replied
async def log_command(message: Message, actor: Actor) -> None:
    await meetup_service.active_pair(actor.uow, actor.user)
    # Where the pair volunteers (confirmed placements): offered with the activity kinds.
    hosts = await placements.hosts_of(actor.uow, actor.user)
    await WHEN.start(message, actor, hosts=[[host.id, host.name] for host in hosts])


@BUTTONS.on(HourAction.KIND)
async def log_kind(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    actor: Actor,
) -> None:
    index = callback_data.id
    data = (await actor.state.get_data()).get("log")
    if (
        await actor.state.get_state() != HoursForm.kind.state
        or not isinstance(data, dict)
        or not 0 <= index < len(ACTIVITY_KINDS)
    ):
        raise DomainError("stale_button")
    entry = await service.log(
        actor.uow,
        actor.user,
        started_at=planned_start(data, actor.tz),
        minutes=int(data["minutes"]),
        kind=ACTIVITY_KINDS[index],
        now=actor.now(),
    )
    await actor.state.set_state(None)
    await actor.state.update_data(log=None)
    await message.edit_text(
        saved_text(entry.minutes, actor.locale), reply_markup=keyboards.home_only()
    )


# --- /progress ---------------------------------------------------------------------------


@replied
async def progress_command(message: Message, actor: Actor) -> None:
    """Progress toward the target; a newcomer who may have their proof of participation
    gets its button, also once their pair is over."""
    try:
        pair, progress = await service.progress(actor.uow, actor.user, actor.now())
    except DomainError as error:
        ended_pair = await certificates.proof_pair(actor.uow, actor.user)
        if error.key != "no_pair" or ended_pair is None:
            raise
        await message.answer(
            _("Your buddy pair has ended. Thank you for the time you spent together!"),
            reply_markup=proof.proof_markup(ended_pair.id, home=True),
        )
        return
    proof_pair = await certificates.proof_pair(
        actor.uow, actor.user, current=(pair, progress.confirmed_minutes)
    )
    proof_row = [[proof.proof_button(proof_pair.id)]] if proof_pair else []
    text = progress_text(progress, actor.locale)
    text = with_dutch(text, actor.user, DutchScreen.PROGRESS, actor.locale, actor.now().date())
    await message.answer(text, reply_markup=keyboards.after_progress(proof_row))


def progress_text(progress: service.Progress, locale: str) -> str:
    hours = progress.confirmed_minutes / 60
    share = (
        min(100, round(100 * progress.confirmed_minutes / (progress.target_hours * 60)))
        if progress.target_hours
        else 0
    )
    lines = [
        "<b>" + _("Your hours together") + "</b>",
        _("{done} of {target} hours").format(
            done=fmt_number(hours, locale), target=fmt_number(progress.target_hours, locale)
        ),
        progress_bar(progress.confirmed_minutes, progress.target_hours * 60)
        + f" {fmt_number(share, locale)}%",
    ]
    if progress.coordinator_minutes:
        # Confirmed hours a coordinator typed in: the person sees where they come from.
        lines.append(
            "🗂 "
            + _("Entered by the coordinator: {duration}").format(
                duration=format_minutes(progress.coordinator_minutes, locale)
            )
        )
    if progress.pending_minutes:
        lines.append(
            _("Waiting for confirmation: {duration}").format(
                duration=format_minutes(progress.pending_minutes, locale)
            )
        )
    if progress.by_kind:
        lines.append("")
        for kind, minutes in sorted(progress.by_kind.items(), key=lambda item: -item[1]):
            lines.append(f"{activity_label(kind)}: {format_minutes(minutes, locale)}")
    lines.append("")
    lines.append(
        _("Meetups this month: {count}").format(
            count=fmt_number(progress.meetups_this_month, locale)
        )
    )
    return "\n".join(lines)


def create_router() -> Router:
    """The hours router: /log, /progress, the buttons after a meetup and on an entry, and
    the proof of participation's button (its own router, included here)."""
    router = Router(name=__name__)
    router.include_router(proof.create_router())
    router.message.register(log_command, Command("log"), Acting())
    router.message.register(progress_command, Command("progress"), Acting())
    BUTTONS.register(router)

    def pick(kind: PickKind) -> CallbackQueryFilter:
        return PickCb.filter((F.ctx == ADJUST) & (F.kind == kind))

    on = router.callback_query.register
    on(adjusted, pick(PickKind.ADJUST), HoursForm.adjust, Acting(), WithMessage())
    on(duration_confirmed, pick(PickKind.DURATION), HoursForm.adjust, Acting(), WithMessage())
    on(adjust_stale, PickCb.filter(F.ctx == ADJUST))

    WHEN.register(router)
    register_fallbacks(router, commands=("log", "progress"), form=HoursForm, callback_data=HourCb)
    return router
