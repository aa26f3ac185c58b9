"""The one form builder for "when": a day, a start time and a duration, with buttons.

The meetup form and /log describe their steps with a `WhenForm` and call `register(router)`,
which adds one handler per picker kind for that flow's `ctx`; the flow's own `done` runs
when the duration is picked. A press that belongs to no current step (an old keyboard, a
finished form) is answered "out of date" by the last handler `register` adds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message

from domain.clock import Clock
from domain.meetups import MAX_MINUTES, MIN_MINUTES
from handlers.filters import WithMessage
from handlers.pickers import (
    PickCb,
    PickKind,
    calendar_keyboard,
    duration_keyboard,
    parse_day,
    parse_minutes,
    parse_month,
    parse_time,
    time_keyboard,
)
from handlers.texts import error_text

FormData = dict[str, object]


@dataclass(frozen=True)
class Picked:
    """The press that completed the form, for the flow's next step."""

    callback: CallbackQuery
    message: Message
    state: FSMContext
    data: FormData  # with "day", "time" and (with a duration step) "minutes"
    now: datetime
    tz: tzinfo
    locale: str

    @property
    def starts_at(self) -> datetime:
        return planned_start(self.data, self.tz)


# What the flow does once the form is complete.
Done = Callable[[Picked], Awaitable[None]]


@dataclass(frozen=True)
class WhenForm:
    """One flow's day, time and duration steps. `question(step)` gives the translated
    question for "day", "time" and "duration"; `extra_rows()` the cancel row; the picked
    values are kept under `data_key` in the FSM data as "day", "time" and "minutes".
    Without a `duration` step (community events) the form is done once the time is picked.
    """

    ctx: str
    data_key: str
    day: State
    time: State
    duration: State | None
    days_back: timedelta
    days_ahead: timedelta
    first_hour: int
    question: Callable[[str], str]
    extra_rows: Callable[[], list[list[InlineKeyboardButton]]]
    done: Done
    last_hour: int = 21

    def bounds(self, today: date) -> tuple[date, date]:
        return today - self.days_back, today + self.days_ahead

    async def start(
        self,
        target: Message,
        state: FSMContext,
        now: datetime,
        tz: tzinfo,
        locale: str,
        **data: object,
    ) -> None:
        """Open the form at the day step with `data` as the flow's fresh form data (a flow
        that collected data before sets `self.day` itself and calls `ask_day`)."""
        await state.set_state(self.day)
        await state.update_data({self.data_key: dict(data)})
        await self.ask_day(target, locale, now, tz, month=None, edit=False)

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

    def register(self, router: Router) -> None:
        """One handler per picker kind of this flow, each in its own step; then the
        answer to every other press of this flow's pickers."""

        def pick(kind: PickKind) -> CallbackQueryFilter:
            return PickCb.filter((F.ctx == self.ctx) & (F.kind == kind))

        register = router.callback_query.register
        register(self.month_picked, pick(PickKind.MONTH), self.day, WithMessage())
        register(self.day_picked, pick(PickKind.DAY), self.day, WithMessage())
        register(self.time_picked, pick(PickKind.TIME), self.time, WithMessage())
        if self.duration is not None:
            register(self.duration_picked, pick(PickKind.DURATION), self.duration, WithMessage())
        register(self.stale, PickCb.filter(F.ctx == self.ctx))

    async def _data(self, state: FSMContext) -> FormData | None:
        data = (await state.get_data()).get(self.data_key)
        return dict(data) if isinstance(data, dict) else None

    async def stale(self, callback: CallbackQuery, callback_data: PickCb, locale: str) -> None:
        """Headers and padding ("noop") need only an answer; anything else is out of date."""
        if callback_data.kind == PickKind.NOOP:
            await callback.answer()
            return
        await callback.answer(error_text("stale_button", {}, locale))

    async def month_picked(
        self,
        callback: CallbackQuery,
        callback_data: PickCb,
        message: Message,
        state: FSMContext,
        clock: Clock,
        tz: tzinfo,
        locale: str,
    ) -> None:
        month = parse_month(callback_data.value)
        if await self._data(state) is None:
            await callback.answer(error_text("stale_button", {}, locale))
        elif month is None:
            await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
        else:
            await callback.answer()
            await self.ask_day(message, locale, clock.now(), tz, month=month, edit=True)

    async def day_picked(
        self,
        callback: CallbackQuery,
        callback_data: PickCb,
        message: Message,
        state: FSMContext,
        clock: Clock,
        tz: tzinfo,
        locale: str,
    ) -> None:
        data = await self._data(state)
        if data is None:
            await callback.answer(error_text("stale_button", {}, locale))
            return
        now_local = clock.now().astimezone(tz)
        first, last = self.bounds(now_local.date())
        day = parse_day(callback_data.value)
        if day is None or not first <= day <= last:
            await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
            return
        data["day"] = day.isoformat()
        await state.update_data({self.data_key: data})
        await state.set_state(self.time)
        await callback.answer()
        # Today's times that have passed are hidden only when planning ahead; when
        # logging the past, earlier today is exactly what is wanted.
        today_and_future = day == now_local.date() and self.days_ahead > timedelta(0)
        await message.edit_text(
            "🕑 " + self.question("time"),
            reply_markup=time_keyboard(
                ctx=self.ctx,
                day=day,
                now_local=now_local if today_and_future else None,
                first_hour=self.first_hour,
                last_hour=self.last_hour,
                extra_rows=self.extra_rows(),
            ),
        )

    async def time_picked(
        self,
        callback: CallbackQuery,
        callback_data: PickCb,
        message: Message,
        state: FSMContext,
        clock: Clock,
        tz: tzinfo,
        locale: str,
    ) -> None:
        data = await self._data(state)
        if data is None:
            await callback.answer(error_text("stale_button", {}, locale))
            return
        chosen = parse_time(callback_data.value)
        if chosen is None:
            await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
            return
        data["time"] = chosen.strftime("%H:%M")
        await state.update_data({self.data_key: data})
        if self.duration is None:
            await self.done(Picked(callback, message, state, data, clock.now(), tz, locale))
            return
        await state.set_state(self.duration)
        await callback.answer()
        await message.edit_text(
            "⏱ " + self.question("duration"),
            reply_markup=duration_keyboard(
                ctx=self.ctx, locale=locale, extra_rows=self.extra_rows()
            ),
        )

    async def duration_picked(
        self,
        callback: CallbackQuery,
        callback_data: PickCb,
        message: Message,
        state: FSMContext,
        clock: Clock,
        tz: tzinfo,
        locale: str,
    ) -> None:
        data = await self._data(state)
        if data is None:
            await callback.answer(error_text("stale_button", {}, locale))
            return
        minutes = parse_minutes(callback_data.value)
        if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
            await callback.answer(error_text("duration_out_of_range", {}, locale), show_alert=True)
            return
        data["minutes"] = minutes
        await state.update_data({self.data_key: data})
        await self.done(Picked(callback, message, state, data, clock.now(), tz, locale))


def planned_start(data: FormData, tz: tzinfo) -> datetime:
    """The start the form's "day" and "time" name, in the person's time zone."""
    day = date.fromisoformat(str(data["day"]))
    at = datetime.strptime(str(data["time"]), "%H:%M").time()
    return datetime.combine(day, at, tzinfo=tz)
