"""The forms of the hours area: the − / + duration control (after a meetup, or when
correcting an entry) and the /log form's day, time and duration (the shared pickers)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import hours as service
from domain import meetups as meetup_service
from domain.clock import Clock
from domain.errors import DomainError
from handlers import keyboards
from handlers.meetup_buttons import HourAction, HourCb, hour_stop_row
from handlers.pickers import PickCb, adjust_keyboard, format_minutes, parse_minutes
from handlers.texts import error_text
from handlers.when_form import Picked, WhenForm

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


ADJUST = "hrs"  # the duration control after a meetup, or when correcting an entry
LOG = "log"  # the /log form


class HoursForm(StatesGroup):
    adjust = State()  # data: hours={"meetup_id" or "entry_id", "minutes"}
    day = State()
    time = State()
    duration = State()
    kind = State()


def adjust_markup(minutes: int, locale: str) -> InlineKeyboardMarkup:
    return adjust_keyboard(
        minutes,
        ctx=ADJUST,
        locale=locale,
        confirm_label="✅ " + format_minutes(minutes, locale),
        extra_rows=[hour_stop_row()],
    )


def saved_text(minutes: int, locale: str) -> str:
    return "📝 " + _("Saved: {duration}. The other person will be asked to confirm.").format(
        duration=format_minutes(minutes, locale)
    )


async def refuse(callback: CallbackQuery, error: DomainError, locale: str) -> None:
    await callback.answer(error_text(error.key, error.params, locale), show_alert=True)


# --- the − / + duration control ------------------------------------------------------------


async def _adjust_data(state: FSMContext) -> dict[str, object] | None:
    data = (await state.get_data()).get("hours")
    return dict(data) if isinstance(data, dict) else None


def _minutes(callback_data: PickCb) -> int | None:
    minutes = parse_minutes(callback_data.value)
    if minutes is None or not meetup_service.MIN_MINUTES <= minutes <= meetup_service.MAX_MINUTES:
        return None
    return minutes


async def adjusted(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    state: FSMContext,
    locale: str,
) -> None:
    """− or +: show the new value; nothing is saved yet."""
    data = await _adjust_data(state)
    minutes = _minutes(callback_data)
    if data is None:
        await callback.answer(error_text("stale_button", {}, locale))
        return
    if minutes is None:
        await callback.answer(error_text("duration_out_of_range", {}, locale), show_alert=True)
        return
    data["minutes"] = minutes
    await state.update_data(hours=data)
    await callback.answer()
    await message.edit_reply_markup(reply_markup=adjust_markup(minutes, locale))


async def duration_confirmed(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """The green button: the hours of the meetup, or the corrected entry, are saved."""
    data = await _adjust_data(state)
    minutes = _minutes(callback_data)
    if data is None:
        await callback.answer(error_text("stale_button", {}, locale))
        return
    if minutes is None:
        await callback.answer(error_text("duration_out_of_range", {}, locale), show_alert=True)
        return
    try:
        if data.get("meetup_id"):
            meetup_id = int(str(data["meetup_id"]))
            await service.meetup_took_place(uow, user, meetup_id, minutes, clock.now())
        else:
            entry_id = int(str(data["entry_id"]))
            await service.correct(uow, user, entry_id, minutes, clock.now())
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await state.set_state(None)
    await state.update_data(hours=None)
    await callback.answer()
    await message.edit_text(saved_text(minutes, locale))


async def adjust_stale(callback: CallbackQuery, locale: str) -> None:
    await callback.answer(error_text("stale_button", {}, locale))


# --- /log ------------------------------------------------------------------------------


def _question(step: str) -> str:
    questions = {
        "day": _("On which day did you spend time together?"),
        "time": _("At what time did you start?"),
        "duration": _("How long?"),
    }
    return questions[step]


async def _when_done(picked: Picked) -> None:
    await picked.state.set_state(HoursForm.kind)
    await picked.callback.answer()
    await picked.message.edit_text(
        "🎯 " + _("What did you do together?"),
        reply_markup=keyboards.activity_kinds(
            lambda index: HourCb(action=HourAction.KIND, id=index), hour_stop_row()
        ),
    )


WHEN = WhenForm(
    ctx=LOG,
    data_key="log",
    day=HoursForm.day,
    time=HoursForm.time,
    duration=HoursForm.duration,
    days_back=service.MAX_AGE,
    days_ahead=timedelta(0),
    first_hour=7,
    question=_question,
    extra_rows=lambda: [hour_stop_row()],
    done=_when_done,
)
