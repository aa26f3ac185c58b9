"""The day -> time -> duration pickers that the meetup form and /log share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from domain.clock import Clock
from domain.meetups import MAX_MINUTES, MIN_MINUTES
from handlers.common import message_of
from handlers.pickers import (
    PickCb,
    calendar_keyboard,
    duration_keyboard,
    parse_day,
    parse_minutes,
    parse_month,
    parse_time,
    time_keyboard,
)
from handlers.texts import error_text


@dataclass(frozen=True)
class WhenSteps:
    """One flow's day, time and duration steps. `question(step)` gives the translated
    question for "day", "time" and "duration"; `extra_rows()` the cancel row."""

    ctx: str
    data_key: str
    day: State
    time: State
    duration: State
    days_back: timedelta
    days_ahead: timedelta
    first_hour: int
    question: Callable[[str], str]
    extra_rows: Callable[[], list[list[InlineKeyboardButton]]]

    def bounds(self, today: date) -> tuple[date, date]:
        return today - self.days_back, today + self.days_ahead

    async def ask_day(
        self,
        target: Message,
        locale: str,
        now: datetime,
        tz: tzinfo,
        *,
        month: date | None,
        edit: bool,
    ) -> None:
        today = now.astimezone(tz).date()
        first, last = self.bounds(today)
        markup = calendar_keyboard(
            month or today.replace(day=1),
            locale=locale,
            ctx=self.ctx,
            min_day=first,
            max_day=last,
            extra_rows=self.extra_rows(),
        )
        text = "📅 " + self.question("day")
        if edit:
            await target.edit_text(text, reply_markup=markup)
        else:
            await target.answer(text, reply_markup=markup)

    async def handle(
        self,
        callback: CallbackQuery,
        callback_data: PickCb,
        state: FSMContext,
        clock: Clock,
        tz: tzinfo,
        locale: str,
    ) -> tuple[Message, dict[str, object]] | None:
        """Advance by one pick. When the duration was chosen, returns the message and
        the form's data (with "day", "time", "minutes") for the caller's next step."""
        message = message_of(callback)
        current = await state.get_state()
        data = (await state.get_data()).get(self.data_key)
        steps = {self.day.state, self.time.state, self.duration.state}
        if message is None or data is None or current not in steps:
            await callback.answer(error_text("stale_button", {}, locale))
            return None
        kind, value = callback_data.kind, callback_data.value
        now_local = clock.now().astimezone(tz)
        first, last = self.bounds(now_local.date())
        invalid = error_text("invalid_choice", {}, locale)
        if kind == "noop":
            await callback.answer()
        elif kind == "month" and current == self.day.state:
            month = parse_month(value)
            if month is None:
                await callback.answer(invalid, show_alert=True)
                return None
            await callback.answer()
            await self.ask_day(message, locale, clock.now(), tz, month=month, edit=True)
        elif kind == "day" and current == self.day.state:
            day = parse_day(value)
            if day is None or not first <= day <= last:
                await callback.answer(invalid, show_alert=True)
                return None
            data["day"] = day.isoformat()
            await state.update_data({self.data_key: data})
            await state.set_state(self.time)
            await callback.answer()
            today_and_future = day == now_local.date() and self.days_ahead > timedelta(0)
            await message.edit_text(
                "🕑 " + self.question("time"),
                reply_markup=time_keyboard(
                    ctx=self.ctx,
                    day=day,
                    now_local=now_local if today_and_future else None,
                    first_hour=self.first_hour,
                    extra_rows=self.extra_rows(),
                ),
            )
        elif kind == "time" and current == self.time.state:
            chosen = parse_time(value)
            if chosen is None:
                await callback.answer(invalid, show_alert=True)
                return None
            data["time"] = chosen.strftime("%H:%M")
            await state.update_data({self.data_key: data})
            await state.set_state(self.duration)
            await callback.answer()
            await message.edit_text(
                "⏱ " + self.question("duration"),
                reply_markup=duration_keyboard(
                    ctx=self.ctx, locale=locale, extra_rows=self.extra_rows()
                ),
            )
        elif kind == "dur" and current == self.duration.state:
            minutes = parse_minutes(value)
            if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
                await callback.answer(
                    error_text("duration_out_of_range", {}, locale), show_alert=True
                )
                return None
            data["minutes"] = minutes
            await state.update_data({self.data_key: data})
            return message, data
        else:
            await callback.answer(error_text("stale_button", {}, locale))
        return None
