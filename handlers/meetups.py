"""Meetups: propose a date, time, duration, place and activity; the other accepts,
proposes another time or declines; /meetups lists what is coming."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import meetups as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards
from handlers.callbacks import MeetCb
from handlers.common import message_of, q
from handlers.i18n import fmt_date, fmt_time
from handlers.pickers import PickCb, format_minutes
from handlers.routing import HandlerSet
from handlers.texts import activity_label, error_text
from handlers.when_form import WhenSteps
from storage.models import Meetup, User
from storage.uow import UnitOfWork

router = HandlerSet(__name__)
CTX = "meet"
PLAN_AHEAD = timedelta(days=120)


class MeetupForm(StatesGroup):
    day = State()
    time = State()
    duration = State()
    place = State()
    kind = State()
    confirm = State()


def _stop_row() -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=MeetCb(action="stop").pack())
    ]


def meetup_line(meetup: Meetup, locale: str, tz: tzinfo) -> str:
    """ "Saturday 14 March, 14:00 · 2:00 · Library Muntpunt · Culture" in the reader's
    language."""
    return " · ".join(
        [
            fmt_date(meetup.starts_at, locale, tz, "full")
            + ", "
            + fmt_time(meetup.starts_at, locale, tz),
            format_minutes(meetup.duration_minutes, locale),
            q(meetup.place, locale),
            activity_label(meetup.activity_kind),
        ]
    )


def _question(step: str) -> str:
    questions = {
        "day": _("Which day would you like to meet?"),
        "time": _("At what time?"),
        "duration": _("How long will you meet?"),
    }
    return questions[step]


WHEN = WhenSteps(
    ctx=CTX,
    data_key="meet",
    day=MeetupForm.day,
    time=MeetupForm.time,
    duration=MeetupForm.duration,
    days_back=timedelta(0),
    days_ahead=PLAN_AHEAD,
    first_hour=8,
    question=_question,
    extra_rows=lambda: [_stop_row()],
)


async def start_form(
    target: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
    *,
    meetup_id: int = 0,
) -> None:
    """Open the planning form: a new meetup, or another time for `meetup_id`."""
    if meetup_id:
        await service.meetup_of(uow, user, meetup_id)
    else:
        await service.active_pair(uow, user)
    await state.set_state(MeetupForm.day)
    await state.update_data(meet={"meetup_id": meetup_id})
    await WHEN.ask_day(target, locale, clock.now(), tz, month=None, edit=False)


@router.message(Command("meetup"))
async def meetup_command(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    if user is None:
        await message.answer(error_text("not_registered", {}, locale))
        return
    try:
        await start_form(message, state, uow, user, clock, tz, locale)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))


@router.message(Command("meetups"))
async def meetups_command(
    message: Message, uow: UnitOfWork, user: User | None, clock: Clock, tz: tzinfo, locale: str
) -> None:
    if user is None:
        await message.answer(error_text("not_registered", {}, locale))
        return
    coming = await service.upcoming(uow, user, clock.now())
    if not coming:
        await message.answer(
            _("No meetups planned. Plan one with /meetup."),
        )
        return
    lines = ["<b>" + _("Your meetups") + "</b>", ""]
    rows = []
    for meetup in coming:
        waiting = "" if meetup.status == "accepted" else " ⏳"
        lines.append(f"#{meetup.id} {meetup_line(meetup, locale, tz)}{waiting}")
        rows.append(
            [
                InlineKeyboardButton(
                    text=f"🕑 #{meetup.id}",
                    callback_data=MeetCb(action="resched", id=meetup.id).pack(),
                ),
                InlineKeyboardButton(
                    text=f"✖ #{meetup.id}",
                    callback_data=MeetCb(action="cancel", id=meetup.id).pack(),
                ),
            ]
        )
    lines.append("")
    lines.append(_("🕑 another time · ✖ cancel"))
    await message.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


# --- the form ---------------------------------------------------------------------------


@router.callback_query(PickCb.filter(F.ctx == CTX))
async def picked(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    done = await WHEN.handle(callback, callback_data, state, clock, tz, locale)
    if done is None:
        return
    message, _data = done
    await state.set_state(MeetupForm.place)
    await callback.answer()
    await message.edit_text(
        "📍 "
        + _(
            "Where will you meet? Type the place, for example a café, a library or a "
            "community centre. For a first meeting, choose a public place."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[_stop_row()]),
    )


@router.message(MeetupForm.place, F.text, ~F.text.startswith("/"))
async def place_typed(message: Message, state: FSMContext, locale: str) -> None:
    try:
        place = service.validate_place(message.text)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    data = (await state.get_data()).get("meet") or {}
    data["place"] = place
    await state.update_data(meet=data)
    await state.set_state(MeetupForm.kind)
    await message.answer(
        "🎯 " + _("What will you do together?"),
        reply_markup=keyboards.activity_kinds(
            lambda index: MeetCb(action="kind", id=index), _stop_row()
        ),
    )


@router.message(MeetupForm.day, ~F.text.startswith("/"))
@router.message(MeetupForm.time, ~F.text.startswith("/"))
@router.message(MeetupForm.duration, ~F.text.startswith("/"))
@router.message(MeetupForm.kind, ~F.text.startswith("/"))
@router.message(MeetupForm.confirm, ~F.text.startswith("/"))
@router.message(MeetupForm.place, ~F.text.startswith("/"))
async def buttons_expected(message: Message, locale: str) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


def _planned(data: dict[str, object], tz: tzinfo) -> datetime:
    day = date.fromisoformat(str(data["day"]))
    at = time.fromisoformat(str(data["time"]))
    return datetime.combine(day, at, tzinfo=tz)


# --- buttons ----------------------------------------------------------------------------


@router.callback_query(MeetCb.filter())
async def meet_pressed(
    callback: CallbackQuery,
    callback_data: MeetCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    if user is None or message is None:
        await callback.answer(error_text("not_registered", {}, locale), show_alert=True)
        return
    action, ident = callback_data.action, callback_data.id
    now = clock.now()
    try:
        match action:
            case "new":
                await start_form(message, state, uow, user, clock, tz, locale)
                await callback.answer()
            case "counter" | "resched":
                await start_form(message, state, uow, user, clock, tz, locale, meetup_id=ident)
                await callback.answer()
            case "stop":
                await state.set_state(None)
                await state.update_data(meet=None)
                await callback.answer()
                await message.edit_text(_("Okay, nothing was planned."))
            case "kind":
                await _kind_chosen(callback, message, state, ident, tz, locale)
            case "send":
                await _send(callback, message, state, uow, user, now, tz, locale)
            case "accept":
                meetup = await service.accept(uow, user, ident, now)
                await callback.answer()
                await message.edit_reply_markup(reply_markup=None)
                await message.answer(
                    "✅ "
                    + _(
                        "Great, the meetup is planned! You will both get a calendar file "
                        "and reminders."
                    )
                    + "\n"
                    + meetup_line(meetup, locale, tz)
                )
            case "decline":
                await service.decline(uow, user, ident, now)
                await callback.answer()
                await message.edit_reply_markup(reply_markup=None)
                await message.answer(
                    _(
                        "Okay, we told them you cannot come then. You can propose another "
                        "time with /meetup."
                    )
                )
            case "cancel":
                await service.cancel(uow, user, ident, now)
                await callback.answer()
                await message.answer(_("The meetup is cancelled. The other person was told."))
            case _:
                raise DomainError("invalid_choice")
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)


async def _kind_chosen(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    index: int,
    tz: tzinfo,
    locale: str,
) -> None:
    if await state.get_state() != MeetupForm.kind.state or not 0 <= index < len(ACTIVITY_KINDS):
        raise DomainError("stale_button")
    data = (await state.get_data()).get("meet") or {}
    data["kind"] = ACTIVITY_KINDS[index]
    await state.update_data(meet=data)
    await state.set_state(MeetupForm.confirm)
    await callback.answer()
    starts = _planned(data, tz)
    summary = " · ".join(
        [
            fmt_date(starts, locale, tz, "full") + ", " + fmt_time(starts, locale, tz),
            format_minutes(int(data["minutes"]), locale),
            q(str(data["place"]), locale),
            activity_label(str(data["kind"])),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="📨 " + _("Send the proposal"), callback_data=MeetCb(action="send").pack()
                )
            ],
            _stop_row(),
        ]
    )
    await message.edit_text(_("Your proposal:") + "\n" + summary, reply_markup=markup)


async def _send(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    now: datetime,
    tz: tzinfo,
    locale: str,
) -> None:
    if await state.get_state() != MeetupForm.confirm.state:
        raise DomainError("stale_button")
    data = (await state.get_data()).get("meet") or {}
    plan = {
        "starts_at": _planned(data, tz),
        "minutes": int(data["minutes"]),
        "place": str(data["place"]),
        "kind": str(data["kind"]),
        "now": now,
    }
    meetup_id = int(data.get("meetup_id") or 0)
    if meetup_id:
        await service.change(uow, user, meetup_id, **plan)  # type: ignore[arg-type]
    else:
        await service.propose(uow, user, **plan)  # type: ignore[arg-type]
    await state.set_state(None)
    await state.update_data(meet=None)
    await callback.answer()
    await message.edit_text(
        "📨 " + _("Sent! You will get a message when the other person answers.")
    )
