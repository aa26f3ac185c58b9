"""The one form builder for "when": a day, a start time and a duration, with buttons.

The meetup form and /log describe their steps with a `WhenForm` and call `register(router)`,
which adds one handler per picker kind for that flow's `ctx`; the flow's own `done` runs
when the duration is picked. A press that belongs to no current step (an old keyboard, a
finished form) is answered "out of date" by the last handler `register` adds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain.clock import Clock
from domain.meetups import MAX_MINUTES, MIN_MINUTES
from handlers.actor import Actor
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
# One picker's step: the error key of a refused value, or None once done and answered.
Step = Callable[[Picked, str], Awaitable[str | None]]


@dataclass(frozen=True)
class WhenForm:
    """One flow's day, time and duration steps. `questions()` gives the translated
    questions for "day", "time" and "duration"; `extra_rows()` the cancel row; the picked
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
    questions: Callable[[], Mapping[str, str]]
    extra_rows: Callable[[], list[list[InlineKeyboardButton]]]
    done: Done
    last_hour: int = 21

    def bounds(self, today: date) -> tuple[date, date]:
        return today - self.days_back, today + self.days_ahead

    async def start(self, target: Message, actor: Actor, **data: object) -> None:
        """Open the form at the day step with `data` as the flow's fresh form data (a flow
        that collected data before sets `self.day` itself and calls `ask_day`)."""
        await actor.state.set_state(self.day)
        await actor.state.update_data({self.data_key: dict(data)})
        await self.ask_day(target, actor.locale, actor.now(), actor.tz, month=None, edit=False)

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
        text = "📅 " + self.questions()["day"]
        if edit:
            await target.edit_text(text, reply_markup=markup)
        else:
            await target.answer(text, reply_markup=markup)

    def register(self, router: Router) -> None:
        """One handler per picker kind of this flow, each in its own step; then the
        answer to every other press of this flow's pickers."""

        def pick(kind: PickKind) -> CallbackQueryFilter:
            return PickCb.filter((F.ctx == self.ctx) & (F.kind == kind))

        steps: list[tuple[PickKind, State, Step]] = [
            (PickKind.MONTH, self.day, self._month),
            (PickKind.DAY, self.day, self._day),
            (PickKind.TIME, self.time, self._time),
        ]
        if self.duration is not None:
            steps.append((PickKind.DURATION, self.duration, self._duration))
        for kind, state, step in steps:
            router.callback_query.register(self._pressed(step), pick(kind), state, WithMessage())
        router.callback_query.register(self.stale, PickCb.filter(F.ctx == self.ctx))

    async def _data(self, state: FSMContext) -> FormData | None:
        data = (await state.get_data()).get(self.data_key)
        return dict(data) if isinstance(data, dict) else None

    async def stale(self, callback: CallbackQuery, callback_data: PickCb, locale: str) -> None:
        """Headers and padding ("noop") need only an answer; anything else is out of date."""
        if callback_data.kind == PickKind.NOOP:
            await callback.answer()
            return
        await callback.answer(error_text("stale_button", {}, locale))

    def _pressed(self, step: Step) -> Callable[..., Awaitable[None]]:
        """The handler of one picker: a press once the form is gone is out of date; else
        `step` either names what is wrong with the value (an error key, answered as an
        alert) or does its work and answers the press."""

        async def pressed(
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
            picked = Picked(callback, message, state, data, clock.now(), tz, locale)
            refusal = await step(picked, callback_data.value)
            if refusal is not None:
                await callback.answer(error_text(refusal, {}, locale), show_alert=True)

        return pressed

    async def _month(self, picked: Picked, value: str) -> str | None:
        month = parse_month(value)
        if month is None:
            return "invalid_choice"
        await picked.callback.answer()
        await self.ask_day(
            picked.message, picked.locale, picked.now, picked.tz, month=month, edit=True
        )
        return None

    async def _day(self, picked: Picked, value: str) -> str | None:
        now_local = picked.now.astimezone(picked.tz)
        first, last = self.bounds(now_local.date())
        day = parse_day(value)
        if day is None or not first <= day <= last:
            return "invalid_choice"
        await self._keep(picked, "day", day.isoformat())
        await picked.state.set_state(self.time)
        await picked.callback.answer()
        # Today's times that have passed are hidden only when planning ahead; when
        # logging the past, earlier today is exactly what is wanted.
        today_and_future = day == now_local.date() and self.days_ahead > timedelta(0)
        await picked.message.edit_text(
            "🕑 " + self.questions()["time"],
            reply_markup=time_keyboard(
                ctx=self.ctx,
                day=day,
                now_local=now_local if today_and_future else None,
                first_hour=self.first_hour,
                last_hour=self.last_hour,
                extra_rows=self.extra_rows(),
            ),
        )
        return None

    async def _time(self, picked: Picked, value: str) -> str | None:
        chosen = parse_time(value)
        if chosen is None:
            return "invalid_choice"
        await self._keep(picked, "time", chosen.strftime("%H:%M"))
        if self.duration is None:
            await self.done(picked)
            return None
        await picked.state.set_state(self.duration)
        await picked.callback.answer()
        await picked.message.edit_text(
            "⏱ " + self.questions()["duration"],
            reply_markup=duration_keyboard(
                ctx=self.ctx, locale=picked.locale, extra_rows=self.extra_rows()
            ),
        )
        return None

    async def _duration(self, picked: Picked, value: str) -> str | None:
        minutes = parse_minutes(value)
        if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
            return "duration_out_of_range"
        await self._keep(picked, "minutes", minutes)
        await self.done(picked)
        return None

    async def _keep(self, picked: Picked, key: str, value: object) -> None:
        """Note a picked value in the form data (the `Picked` sees it too)."""
        picked.data[key] = value
        await picked.state.update_data({self.data_key: picked.data})


def ask_next(
    step: State, text: Callable[[], str], markup: Callable[[], InlineKeyboardMarkup]
) -> Done:
    """A flow's `done`: go on to `step`, asking `text()` with `markup()` in place of the
    pickers."""

    async def done(picked: Picked) -> None:
        await picked.state.set_state(step)
        await picked.callback.answer()
        await picked.message.edit_text(text(), reply_markup=markup())

    return done


def planned_start(data: FormData, tz: tzinfo) -> datetime:
    """The start the form's "day" and "time" name, in the person's time zone."""
    day = date.fromisoformat(str(data["day"]))
    at = datetime.strptime(str(data["time"]), "%H:%M").time()
    return datetime.combine(day, at, tzinfo=tz)
