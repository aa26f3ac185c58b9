"""Hours together: "did it take place?", logging hours without a meetup (/log),
confirming or disputing the other's entry, and /progress toward the target."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import hours as service
from domain import meetups as meetup_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards
from handlers.callbacks import HourCb
from handlers.common import message_of
from handlers.i18n import fmt_number
from handlers.pickers import PickCb, adjust_keyboard, format_minutes, parse_minutes
from handlers.routing import HandlerSet
from handlers.texts import activity_label, error_text
from handlers.when_form import WhenSteps
from storage.models import User
from storage.uow import UnitOfWork

router = HandlerSet(__name__)
ADJUST = "hrs"  # the duration control after a meetup, or when correcting an entry
LOG = "log"  # the /log form
BAR = 10


class HoursForm(StatesGroup):
    adjust = State()  # data: hours={"meetup_id" or "entry_id", "minutes"}
    day = State()
    time = State()
    duration = State()
    kind = State()


def _stop_row() -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=HourCb(action="stop").pack())
    ]


def _adjust_markup(minutes: int, locale: str) -> InlineKeyboardMarkup:
    return adjust_keyboard(
        minutes,
        ctx=ADJUST,
        locale=locale,
        confirm_label="✅ " + format_minutes(minutes, locale),
        extra_rows=[_stop_row()],
    )


def progress_bar(done: int, target: int) -> str:
    filled = min(BAR, done * BAR // target) if target else 0
    return "▓" * filled + "░" * (BAR - filled)


# --- after a meetup ---------------------------------------------------------------------


@router.callback_query(HourCb.filter())
async def hour_pressed(
    callback: CallbackQuery,
    callback_data: HourCb,
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
    action, ident, arg = callback_data.action, callback_data.id, callback_data.arg
    now = clock.now()
    try:
        match action:
            case "yes":
                meetup, _pair = await meetup_service.meetup_of(uow, user, ident)
                await state.set_state(HoursForm.adjust)
                await state.update_data(
                    hours={"meetup_id": meetup.id, "minutes": meetup.duration_minutes}
                )
                await callback.answer()
                await message.edit_reply_markup(reply_markup=None)
                await message.answer(
                    "⏱ " + _("How long did it last? Tap − or + to change, then the green button."),
                    reply_markup=_adjust_markup(meetup.duration_minutes, locale),
                )
            case "no":
                await meetup_service.meetup_of(uow, user, ident)
                await callback.answer()
                await message.edit_reply_markup(
                    reply_markup=InlineKeyboardMarkup(
                        inline_keyboard=[
                            [
                                InlineKeyboardButton(
                                    text=_("It was cancelled"),
                                    callback_data=HourCb(action="why", id=ident, arg=0).pack(),
                                )
                            ],
                            [
                                InlineKeyboardButton(
                                    text=_("The other person did not come"),
                                    callback_data=HourCb(action="why", id=ident, arg=1).pack(),
                                )
                            ],
                        ]
                    )
                )
            case "why":
                reason = {0: "cancelled", 1: "no_show"}.get(arg)
                if reason is None:
                    raise DomainError("invalid_choice")
                await service.meetup_did_not_happen(uow, user, ident, reason, now)
                await callback.answer()
                await message.edit_text(_("Thank you for letting us know."))
            case "ok":
                entry = await service.confirm(uow, user, ident, now)
                await callback.answer()
                await message.edit_reply_markup(reply_markup=None)
                await message.answer(
                    "✅ "
                    + _("Confirmed: {duration}. Thank you!").format(
                        duration=format_minutes(entry.minutes, locale)
                    )
                )
            case "dis":
                await service.dispute(uow, user, ident, now)
                await callback.answer()
                await message.edit_reply_markup(reply_markup=None)
                await message.answer(_("Okay. A coordinator will look at it with you both."))
            case "fix":
                entry, _pair2 = await service.entry_of(uow, user, ident)
                if entry.logged_by != user.id:
                    raise DomainError("not_your_entry")
                await state.set_state(HoursForm.adjust)
                await state.update_data(hours={"entry_id": entry.id, "minutes": entry.minutes})
                await callback.answer()
                await message.answer(
                    "⏱ " + _("How long was it really?"),
                    reply_markup=_adjust_markup(entry.minutes, locale),
                )
            case "kind":
                await _log_kind(callback, message, state, uow, user, ident, now, tz, locale)
            case "stop":
                await state.set_state(None)
                await state.update_data(hours=None, log=None)
                await callback.answer()
                await message.edit_text(_("Okay, nothing was saved."))
            case _:
                raise DomainError("invalid_choice")
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)


@router.callback_query(PickCb.filter(F.ctx == ADJUST))
async def adjusted(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    message = message_of(callback)
    data = (await state.get_data()).get("hours")
    if (
        user is None
        or message is None
        or data is None
        or await state.get_state() != HoursForm.adjust.state
    ):
        await callback.answer(error_text("stale_button", {}, locale))
        return
    minutes = parse_minutes(callback_data.value)
    if minutes is None or not meetup_service.MIN_MINUTES <= minutes <= meetup_service.MAX_MINUTES:
        await callback.answer(error_text("duration_out_of_range", {}, locale), show_alert=True)
        return
    if callback_data.kind == "adj":
        data["minutes"] = minutes
        await state.update_data(hours=data)
        await callback.answer()
        await message.edit_reply_markup(reply_markup=_adjust_markup(minutes, locale))
        return
    if callback_data.kind != "dur":
        await callback.answer()
        return
    try:
        if data.get("meetup_id"):
            await service.meetup_took_place(uow, user, int(data["meetup_id"]), minutes, clock.now())
        else:
            await service.correct(uow, user, int(data["entry_id"]), minutes, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await state.set_state(None)
    await state.update_data(hours=None)
    await callback.answer()
    await message.edit_text(
        "📝 "
        + _("Saved: {duration}. The other person will be asked to confirm.").format(
            duration=format_minutes(minutes, locale)
        )
    )


# --- /log ------------------------------------------------------------------------------


def _question(step: str) -> str:
    questions = {
        "day": _("On which day did you spend time together?"),
        "time": _("At what time did you start?"),
        "duration": _("How long?"),
    }
    return questions[step]


WHEN = WhenSteps(
    ctx=LOG,
    data_key="log",
    day=HoursForm.day,
    time=HoursForm.time,
    duration=HoursForm.duration,
    days_back=service.MAX_AGE,
    days_ahead=timedelta(0),
    first_hour=7,
    question=_question,
    extra_rows=lambda: [_stop_row()],
)


@router.message(Command("log"))
async def log_command(
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
        await meetup_service.active_pair(uow, user)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await state.set_state(HoursForm.day)
    await state.update_data(log={})
    await WHEN.ask_day(message, locale, clock.now(), tz, month=None, edit=False)


@router.callback_query(PickCb.filter(F.ctx == LOG))
async def log_picked(
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
    await state.set_state(HoursForm.kind)
    await callback.answer()
    await message.edit_text(
        "🎯 " + _("What did you do together?"),
        reply_markup=keyboards.activity_kinds(
            lambda index: HourCb(action="kind", id=index), _stop_row()
        ),
    )


async def _log_kind(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    index: int,
    now: datetime,
    tz: tzinfo,
    locale: str,
) -> None:
    data = (await state.get_data()).get("log")
    if (
        await state.get_state() != HoursForm.kind.state
        or data is None
        or not 0 <= index < len(ACTIVITY_KINDS)
    ):
        raise DomainError("stale_button")
    started = datetime.combine(
        date.fromisoformat(data["day"]), time.fromisoformat(data["time"]), tzinfo=tz
    )
    entry = await service.log(
        uow,
        user,
        started_at=started,
        minutes=int(data["minutes"]),
        kind=ACTIVITY_KINDS[index],
        now=now,
    )
    await state.set_state(None)
    await state.update_data(log=None)
    await callback.answer()
    await message.edit_text(
        "📝 "
        + _("Saved: {duration}. The other person will be asked to confirm.").format(
            duration=format_minutes(entry.minutes, locale)
        )
    )


@router.message(HoursForm.adjust, ~F.text.startswith("/"))
@router.message(HoursForm.day, ~F.text.startswith("/"))
@router.message(HoursForm.time, ~F.text.startswith("/"))
@router.message(HoursForm.duration, ~F.text.startswith("/"))
@router.message(HoursForm.kind, ~F.text.startswith("/"))
async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


# --- /progress ---------------------------------------------------------------------------


@router.message(Command("progress"))
async def progress_command(
    message: Message, uow: UnitOfWork, user: User | None, clock: Clock, locale: str
) -> None:
    if user is None:
        await message.answer(error_text("not_registered", {}, locale))
        return
    try:
        _pair, progress = await service.progress(uow, user, clock.now())
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await message.answer(progress_text(progress, locale))


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
