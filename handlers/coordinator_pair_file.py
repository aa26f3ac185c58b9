"""The pair file: one screen per pair for coordinators, its details and its actions.

The file opens on a short summary (every message here stays under 60 words); the ledger
and the meetups are behind buttons, and every screen ends with "back" and "home". From
the file a coordinator settles a dispute (either side's figure, or hours set with the
duration picker) and enters hours for a pair whose member cannot use the bot (the day,
time and duration pickers, then the activity kind). The rules and the audit live in
`domain.pair_file`; this module only translates between Telegram and it.

The pickers of these forms carry coordinator contexts (`RESOLVE_PICKER`, `LOG_PICKER`):
the refusal router answers and audits anyone else who presses one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain import certificates
from domain import hours as hours_service
from domain import pair_file as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.meetups import MAX_MINUTES, MIN_MINUTES
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards
from handlers.actor import Actor
from handlers.common import answer_step, q
from handlers.coordinator_buttons import (
    LOG_PICKER,
    RESOLVE_PICKER,
    CoordAction,
    CoordCb,
    coordinator_router,
    file_nav_row,
    form_cancel_row,
    home_button,
    ledger_keyboard,
    markup,
    pair_file_keyboard,
    resolve_keyboard,
)
from handlers.i18n import endonym, fmt_date, fmt_time, isolate
from handlers.pickers import PickCb, PickKind, adjust_keyboard, format_minutes, parse_minutes
from handlers.texts import activity_label, error_text
from handlers.when_form import Picked, WhenForm, planned_start
from storage.models import HourEntry, HourStatus, Meetup, PairStatus, User
from storage.uow import UnitOfWork

# Which side's figure a RESOLVE_TAKE button takes, by its `arg`.
TAKES = {1: service.Side.NEWCOMER, 2: service.Side.BUDDY}
STATUS_MARKS = {
    HourStatus.CONFIRMED.value: "✅",
    HourStatus.PENDING.value: "⏳",
    HourStatus.DISPUTED.value: "⚠️",
    HourStatus.CORRECTED.value: "✏️",
}
COORDINATOR_MARK = "🗂"


class PairFileForm(StatesGroup):
    resolve = State()  # data: pf_resolve={"entry_id", "pair_id", "minutes"}
    day = State()  # the form entering hours for a pair; data: pf_log={"pair_id", ...}
    time = State()
    duration = State()
    kind = State()


# --- words ---------------------------------------------------------------------------------


def _name(person: User | None, locale: str) -> str:
    return q(person.first_name or "?", locale) if person is not None else "–"


def _member(icon: str, person: User | None, locale: str) -> str:
    if person is None:
        return f"{icon} –"
    return f"{icon} {_name(person, locale)} ({isolate(endonym(person.contact_language), locale)})"


def _day(moment: datetime | None, locale: str, tz: tzinfo) -> str:
    return isolate(fmt_date(moment, locale, tz, "short"), locale) if moment else _("none")


def _clock_time(minutes: int, locale: str) -> str:
    """A compact duration ("1:30"), one word in any language."""
    return isolate(f"{minutes // 60}:{minutes % 60:02d}", locale)


def _duration(minutes: int, locale: str) -> str:
    return isolate(format_minutes(minutes, locale), locale)


def _count(value: int, locale: str) -> str:
    return isolate(value, locale)


def _heading(icon: str, title: str, pair_id: int) -> str:
    return f"<b>{icon} {title} #{pair_id}</b>"


def _status_words() -> dict[str, str]:
    return {
        HourStatus.CONFIRMED.value: _("confirmed"),
        HourStatus.PENDING.value: _("awaiting confirmation"),
        HourStatus.DISPUTED.value: _("disputed"),
        HourStatus.CORRECTED.value: _("corrected"),
    }


def _entry_label(entry: HourEntry, locale: str, tz: tzinfo) -> str:
    """A disputed entry on a button: its day and duration."""
    return _("Settle {date}, {duration}").format(
        date=fmt_date(entry.started_at, locale, tz, "short"),
        duration=_clock_time(entry.minutes, locale),
    )


def file_text(file: service.PairFile, locale: str, tz: tzinfo) -> str:
    """The summary: who, since when, hours, meetups, last contact, notes and requests."""
    pair = file.pair
    lines = [
        f"<b>#{pair.id}</b> {_member('🌱', file.newcomer, locale)} ↔ "
        f"{_member('🤝', file.buddy, locale)}",
        "📆 "
        + ngettext(
            "Since {date} · goal: {count} hour",
            "Since {date} · goal: {count} hours",
            pair.target_hours,
        ).format(date=_day(pair.started_at, locale, tz), count=_count(pair.target_hours, locale)),
    ]
    if pair.status == PairStatus.PAUSED.value and pair.paused_until:
        lines.append(
            "⏸ " + _("Paused until {date}").format(date=_day(pair.paused_until, locale, tz))
        )
    if pair.status == PairStatus.ENDED.value:
        lines.append("⏹ " + _("Ended on {date}").format(date=_day(pair.ended_at, locale, tz)))
    lines.append(
        "⏱ "
        + _("{confirmed} confirmed · {waiting} awaiting confirmation · {disputed} disputed").format(
            confirmed=_clock_time(file.hours.confirmed, locale),
            waiting=_clock_time(file.hours.pending, locale),
            disputed=_clock_time(file.hours.disputed, locale),
        )
    )
    lines.append(
        "📅 "
        + _("Meetups held: {done} · next: {next} · no-shows: {missed}").format(
            done=_count(file.meetups_done, locale),
            next=_day(file.next_meetup.starts_at if file.next_meetup else None, locale, tz),
            missed=_count(file.no_shows, locale),
        )
    )
    lines.append("💬 " + _("Last contact: {date}").format(date=_day(file.last_contact, locale, tz)))
    lines.append(
        "📝 "
        + _("Notes: {notes} · open concerns: {concerns} · change requests: {requests}").format(
            notes=_count(file.notes, locale),
            concerns=_count(file.open_concerns, locale),
            requests=_count(file.change_requests, locale),
        )
    )
    return "\n".join(lines)


def ledger_text(page: service.LedgerPage, locale: str, tz: tzinfo) -> str:
    """One page of the ledger: a line per entry (day, duration, kind, a status mark, and
    a mark for entries the coordinator entered), then what the marks on it mean."""
    head = _heading("📒", _("Hours"), page.pair.id) + f" ({page.page + 1}/{page.pages})"
    if not page.entries:
        return head + "\n" + _("No hours yet.")
    lines = [head]
    used: list[str] = []
    by_coordinator = False
    for entry in page.entries:
        mark = STATUS_MARKS.get(entry.status, "?")
        if entry.status not in used:
            used.append(entry.status)
        if entry.source == hours_service.COORDINATOR_SOURCE:
            by_coordinator = True
            mark += COORDINATOR_MARK
        lines.append(
            f"{_day(entry.started_at, locale, tz)}, {_clock_time(entry.minutes, locale)}, "
            f"{activity_label(entry.activity_kind)} {mark}"
        )
    words = _status_words()
    legend = [f"{STATUS_MARKS[status]} {words[status]}" for status in used if status in words]
    if by_coordinator:
        legend.append(f"{COORDINATOR_MARK} " + _("entered by the coordinator"))
    return "\n".join([*lines, "", ", ".join(legend)])


def _meetup_days(meetups: list[Meetup], locale: str, tz: tzinfo) -> str:
    return ", ".join(_day(meetup.starts_at, locale, tz) for meetup in meetups) or "–"


def meetups_text(view: service.PairMeetups, locale: str, tz: tzinfo) -> str:
    """The pair's meetups: the next one, the last that took place, the no-shows."""
    if view.next is not None:
        upcoming = (
            f"{_day(view.next.starts_at, locale, tz)}, "
            f"{isolate(fmt_time(view.next.starts_at, locale, tz), locale)}, "
            f"{activity_label(view.next.activity_kind)}"
        )
    else:
        upcoming = _("none")
    return "\n".join(
        [
            _heading("📅", _("Meetups"), view.pair.id),
            _("Next: {meetup}").format(meetup=upcoming),
            _("Took place ({count}): {dates}").format(
                count=_count(view.done, locale), dates=_meetup_days(view.past, locale, tz)
            ),
            _("No-shows ({count}): {dates}").format(
                count=_count(view.no_shows, locale), dates=_meetup_days(view.missed, locale, tz)
            ),
        ]
    )


def dispute_text(case: service.DisputeCase, locale: str, tz: tzinfo) -> str:
    """A disputed entry and each side's figure."""
    entry = case.disputed
    figures = []
    for icon, person, side in (
        ("🌱", case.newcomer, service.Side.NEWCOMER),
        ("🤝", case.buddy, service.Side.BUDDY),
    ):
        theirs = case.entry_of(side)
        minutes = _clock_time(theirs.minutes, locale) if theirs is not None else "–"
        figures.append(f"{icon} {_name(person, locale)}: {minutes}")
    return "\n".join(
        [
            _heading("⚖️", _("Disputed hours"), case.pair.id),
            f"{_day(entry.started_at, locale, tz)}, {activity_label(entry.activity_kind)}",
            *figures,
        ]
    )


def settled_text(entry: HourEntry, locale: str) -> str:
    return "⚖️ " + _("Settled: {duration}, now confirmed. Both were told.").format(
        duration=_duration(entry.minutes, locale)
    )


def logged_text(entry: HourEntry, locale: str) -> str:
    return f"{COORDINATOR_MARK} " + _(
        "Saved: {duration}, confirmed and marked “entered by the coordinator”. Both were told."
    ).format(duration=_duration(entry.minutes, locale))


def _nav(pair_id: int) -> InlineKeyboardMarkup:
    return markup(file_nav_row(pair_id))


# --- screens -------------------------------------------------------------------------------


async def show_file(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """The pair file's first screen."""
    text, markup = await file_screen(uow, user, callback_data.id, clock, tz, locale)
    await message.answer(text, reply_markup=markup)


async def file_screen(
    uow: UnitOfWork, user: User, pair_id: int, clock: Clock, tz: tzinfo, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The pair file's first screen: its text and buttons (also sent to a coordinator's
    private chat from the coordinators' forum group)."""
    file = await service.open_file(uow, user, pair_id, clock.now())
    disputes = [(entry.id, _entry_label(entry, locale, tz)) for entry in file.disputes]
    return file_text(file, locale, tz), pair_file_keyboard(
        file.pair,
        file.newcomer,
        file.buddy,
        disputes,
        proof=certificates.eligible(file.pair, file.hours.confirmed),
    )


async def show_ledger(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, tz: tzinfo, locale: str
) -> None:
    """A page of the pair's ledger; disputed entries on it can be settled from here."""
    page = await service.ledger(uow, user, callback_data.id, callback_data.arg)
    disputes = [
        (entry.id, _entry_label(entry, locale, tz))
        for entry in page.entries
        if entry.status == HourStatus.DISPUTED.value
    ]
    await message.answer(
        ledger_text(page, locale, tz),
        reply_markup=ledger_keyboard(page.pair.id, page.page, page.pages, disputes),
    )


async def show_meetups(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    view = await service.meetups(uow, user, callback_data.id, clock.now())
    await message.answer(meetups_text(view, locale, tz), reply_markup=_nav(view.pair.id))


async def show_dispute(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, tz: tzinfo, locale: str
) -> None:
    """How to settle one dispute: either side's figure (where they gave one), or set it."""
    case = await service.dispute_case(uow, user, callback_data.id)
    takes = []
    for arg, side in TAKES.items():
        theirs = case.entry_of(side)
        person = case.newcomer if side == service.Side.NEWCOMER else case.buddy
        if theirs is not None and person is not None:
            icon = "🌱" if side == service.Side.NEWCOMER else "🤝"
            label = _("Take the hours of {name}: {duration}").format(
                name=isolate(person.first_name or "?", locale),
                duration=_clock_time(theirs.minutes, locale),
            )
            takes.append((arg, f"{icon} {label}"))
    await message.answer(
        dispute_text(case, locale, tz),
        reply_markup=resolve_keyboard(case.disputed.id, case.pair.id, takes),
    )


# --- settling a dispute --------------------------------------------------------------------


async def take_side(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    side = TAKES.get(callback_data.arg)
    if side is None:
        raise DomainError("invalid_choice")
    entry = await service.resolve(uow, user, callback_data.id, side, clock.now())
    await message.answer(settled_text(entry, locale), reply_markup=_nav(entry.pair_id))


def _adjust_markup(minutes: int, pair_id: int, locale: str) -> InlineKeyboardMarkup:
    return adjust_keyboard(
        minutes,
        ctx=RESOLVE_PICKER,
        locale=locale,
        minimum=MIN_MINUTES,
        maximum=MAX_MINUTES,
        confirm_label="✅ " + format_minutes(minutes, locale),
        extra_rows=[form_cancel_row(pair_id)],
    )


async def ask_hours(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    """The − / + duration control, starting from the disputed figure."""
    case = await service.dispute_case(uow, user, callback_data.id)
    minutes = case.disputed.minutes
    await state.set_state(PairFileForm.resolve)
    await state.update_data(
        pf_resolve={"entry_id": case.disputed.id, "pair_id": case.pair.id, "minutes": minutes}
    )
    await message.answer(
        "⏱ " + _("How long did it last? Tap − or + to change, then the green button."),
        reply_markup=_adjust_markup(minutes, case.pair.id, locale),
    )


async def _resolve_form(
    callback: CallbackQuery, callback_data: PickCb, state: FSMContext, locale: str
) -> tuple[dict[str, int], int] | None:
    """The form's data and the pressed duration; None once the press is answered (the
    form is gone, or the value is out of range)."""
    data = (await state.get_data()).get("pf_resolve")
    if not isinstance(data, dict):
        await callback.answer(error_text("stale_button", {}, locale))
        return None
    minutes = parse_minutes(callback_data.value)
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        await callback.answer(error_text("duration_out_of_range", {}, locale), show_alert=True)
        return None
    return {key: int(value) for key, value in data.items()}, minutes


async def resolve_adjusted(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    state: FSMContext,
    locale: str,
) -> None:
    """− or +: show the new value; nothing is saved yet."""
    form = await _resolve_form(callback, callback_data, state, locale)
    if form is None:
        return
    data, minutes = form
    await state.update_data(pf_resolve={**data, "minutes": minutes})
    await callback.answer()
    await message.edit_reply_markup(reply_markup=_adjust_markup(minutes, data["pair_id"], locale))


async def resolve_confirmed(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    clock: Clock,
    locale: str,
) -> None:
    """The green button: the hours the coordinator set settle the dispute."""
    form = await _resolve_form(callback, callback_data, state, locale)
    if form is None:
        return
    data, minutes = form
    settled: list[HourEntry] = []

    async def settle() -> None:
        settled.append(
            await service.resolve(
                uow, user, data["entry_id"], service.Side.SET, clock.now(), minutes=minutes
            )
        )

    if not await answer_step(callback, locale, settle):
        return
    await state.set_state(None)
    await state.update_data(pf_resolve=None)
    await message.edit_text(settled_text(settled[0], locale), reply_markup=_nav(data["pair_id"]))


async def resolve_stale(callback: CallbackQuery, callback_data: PickCb, locale: str) -> None:
    if callback_data.kind == PickKind.NOOP:
        await callback.answer()
        return
    await callback.answer(error_text("stale_button", {}, locale))


# --- entering hours for a pair -------------------------------------------------------------


async def _ask_kind(picked: Picked) -> None:
    pair_id = int(str(picked.data["pair_id"]))
    await picked.state.set_state(PairFileForm.kind)
    await picked.callback.answer()
    await picked.message.edit_text(
        "🎯 " + _("What did they do together?"),
        reply_markup=keyboards.activity_kinds(
            lambda index: CoordCb(action=CoordAction.LOG_KIND, id=pair_id, arg=index),
            form_cancel_row(pair_id),
        ),
    )


LOG_FORM = WhenForm(
    ctx=LOG_PICKER,
    data_key="pf_log",
    day=PairFileForm.day,
    time=PairFileForm.time,
    duration=PairFileForm.duration,
    days_back=hours_service.MAX_AGE,
    days_ahead=timedelta(0),
    first_hour=7,
    questions=lambda: {
        "day": _("On which day did they spend time together?"),
        "time": _("At what time did they start?"),
        "duration": _("How long?"),
    },
    extra_rows=lambda: [form_cancel_row(0)],
    done=_ask_kind,
)


async def start_log(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """Enter hours for a pair: day, time, duration (the shared pickers), then the kind."""
    pair = await service.loggable_pair(uow, user, callback_data.id)
    actor = Actor(uow=uow, user=user, clock=clock, tz=tz, locale=locale, state=state)
    await LOG_FORM.start(message, actor, pair_id=pair.id)


async def log_kind(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """The kind is picked: the hours are saved, confirmed, and both are told."""
    data = (await state.get_data()).get("pf_log")
    if (
        await state.get_state() != PairFileForm.kind.state
        or not isinstance(data, dict)
        or int(data.get("pair_id", 0)) != callback_data.id
        or not 0 <= callback_data.arg < len(ACTIVITY_KINDS)
    ):
        raise DomainError("stale_button")
    entry = await service.log_for_pair(
        uow,
        user,
        callback_data.id,
        started_at=planned_start(data, tz),
        minutes=int(data["minutes"]),
        kind=ACTIVITY_KINDS[callback_data.arg],
        now=clock.now(),
    )
    await state.set_state(None)
    await state.update_data(pf_log=None)
    await message.edit_text(logged_text(entry, locale), reply_markup=_nav(entry.pair_id))


async def cancel_form(message: Message, callback_data: CoordCb, state: FSMContext) -> None:
    """Leave the pair file's form (settling or entering hours); nothing is saved."""
    data = await state.get_data()
    pair_id = callback_data.id
    for key in ("pf_log", "pf_resolve"):
        form = data.get(key)
        if not pair_id and isinstance(form, dict):
            pair_id = int(form.get("pair_id", 0))
    if await state.get_state() in {step.state for step in PairFileForm.__states__}:
        await state.set_state(None)
    await state.update_data(pf_log=None, pf_resolve=None)
    keyboard = _nav(pair_id) if pair_id else markup([home_button()])
    await message.answer(_("Okay, nothing was saved."), reply_markup=keyboard)


def create_router() -> Router:
    """The pair file's screens, its forms and their pickers, for coordinators only."""
    router = coordinator_router(
        __name__,
        buttons={
            CoordAction.PAIR: show_file,
            CoordAction.PAIR_HOURS: show_ledger,
            CoordAction.PAIR_MEETUPS: show_meetups,
            CoordAction.RESOLVE: show_dispute,
            CoordAction.RESOLVE_TAKE: take_side,
            CoordAction.RESOLVE_SET: ask_hours,
            CoordAction.LOG_HOURS: start_log,
            CoordAction.LOG_KIND: log_kind,
            CoordAction.FORM_CANCEL: cancel_form,
        },
    )
    on = router.callback_query.register

    def pick(kind: PickKind) -> CallbackQueryFilter:
        return PickCb.filter((F.ctx == RESOLVE_PICKER) & (F.kind == kind))

    on(resolve_adjusted, pick(PickKind.ADJUST), PairFileForm.resolve)
    on(resolve_confirmed, pick(PickKind.DURATION), PairFileForm.resolve)
    on(resolve_stale, PickCb.filter(F.ctx == RESOLVE_PICKER))
    LOG_FORM.register(router)
    return router
