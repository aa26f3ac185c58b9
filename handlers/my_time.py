"""🌙 My time: a person's quiet hours, days off, holiday pause and time zone (rules in
domain/quiet.py, changes in domain/personal_time.py). Buttons only, except a time zone
that is not in the short list, typed as its IANA name ("America/Toronto")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import get_day_names

from domain import personal_time as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.notify import person_tz
from domain.quiet import COMMON_TIMEZONES, DEFAULT_TIMEZONE, MAX_AWAY_DAYS
from handlers.common import answer_step, q
from handlers.filters import Registered, WithMessage
from handlers.i18n import fmt_date
from handlers.my_time_buttons import (
    AWAY_PICKER,
    MyTimeAction,
    MyTimeCb,
    away_keyboard,
    back_keyboard,
    calendar_rows,
    my_time_keyboard,
    range_label,
    zones_keyboard,
)
from handlers.pickers import (
    KIND_DAY,
    KIND_MONTH,
    PickCb,
    calendar_keyboard,
    clamp_month,
    parse_day,
    parse_month,
)
from storage.models import User

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.uow import UnitOfWork


class MyTime(StatesGroup):
    timezone = State()  # waiting for a typed IANA time zone name


def _zone_name(user: User) -> str:
    return user.timezone or str(person_tz(user)) or DEFAULT_TIMEZONE


def _days_text(user: User, locale: str) -> str:
    names = get_day_names("wide", context="stand-alone", locale=locale)
    return ", ".join(names[day] for day in sorted(user.days_off or ())) or "–"


def my_time_text(user: User, clock: Clock, locale: str) -> str:
    """What the person set, and what it means, in a few lines."""
    now = clock.now()
    away = (
        _("back on {date}").format(
            date=fmt_date(user.away_until, locale, person_tz(user), "medium")
        )
        if user.away_until is not None and service.is_away(user, now)
        else "–"
    )
    return "\n".join(
        [
            "<b>🌙 " + _("My time") + "</b>",
            "",
            "<b>" + _("Quiet hours") + ":</b> " + range_label(user.quiet_from, user.quiet_until),
            "<b>" + _("Days off") + ":</b> " + _days_text(user, locale),
            "<b>" + _("Away") + ":</b> " + away,
            "<b>" + _("Time zone") + ":</b> " + q(_zone_name(user), locale),
            "",
            _(
                "At night, on your days off, on Belgian public holidays and while you are "
                "away, I send no tips or questions. Reminders of your meetups still come."
            ),
        ]
    )


async def _show(message: Message, user: User, clock: Clock, locale: str) -> None:
    markup = my_time_keyboard(
        (user.quiet_from, user.quiet_until),
        user.days_off or [],
        service.is_away(user, clock.now()),
        locale,
    )
    await message.edit_text(my_time_text(user, clock, locale), reply_markup=markup)


def _number(value: str) -> int:
    """A button's number; forged text becomes -1, which every rule refuses."""
    return int(value) if value.isdigit() and len(value) <= 3 else -1


async def _changed(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
    change: Callable[[], object],
    *,
    on_screen: bool = False,
) -> None:
    """Run one change (refused: an alert, nothing changed), plan the person's waiting
    messages again by the new rules, and show the screen. A button `on_screen` (pressed
    on the screen itself) that chose what was chosen already edits nothing: Telegram
    refuses an edit that changes nothing."""
    now, before = clock.now(), _settings(user)

    async def step() -> None:
        change()
        await service.replan_waiting(uow, user, now)

    if await answer_step(callback, locale, step) and not (on_screen and _settings(user) == before):
        await _show(message, user, clock, locale)


def _settings(user: User) -> tuple[object, ...]:
    return (
        user.quiet_from,
        user.quiet_until,
        tuple(user.days_off or ()),
        user.away_until,
        user.timezone,
    )


# --- the main screen ----------------------------------------------------------------------


async def opened(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    await callback.answer()
    await state.clear()
    await _show(message, user, clock, locale)


async def quiet_chosen(
    callback: CallbackQuery,
    callback_data: MyTimeCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    choice = _number(callback_data.value)
    change = partial(service.set_quiet_hours, user, choice)
    await _changed(callback, message, uow, user, clock, locale, change, on_screen=True)


async def day_toggled(
    callback: CallbackQuery,
    callback_data: MyTimeCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    weekday = _number(callback_data.value)
    change = partial(service.toggle_day_off, user, weekday)
    await _changed(callback, message, uow, user, clock, locale, change, on_screen=True)


# --- away until ---------------------------------------------------------------------------


def _away_text() -> str:
    return "🏖 " + _(
        "Going away? Until when? Meanwhile I send you no tips or questions, and your pair "
        "is not counted as quiet. It ends by itself."
    )


async def away_opened(callback: CallbackQuery, message: Message, user: User, clock: Clock) -> None:
    await callback.answer()
    away = service.is_away(user, clock.now())
    await message.edit_text(_away_text(), reply_markup=away_keyboard(away))


async def away_for(
    callback: CallbackQuery,
    callback_data: MyTimeCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    days = _number(callback_data.value)
    change = partial(service.away_for, user, days, clock.now())
    await _changed(callback, message, uow, user, clock, locale, change)


async def back_now(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    await _changed(callback, message, uow, user, clock, locale, partial(service.back, user))


async def _show_calendar(
    message: Message, user: User, clock: Clock, locale: str, month: date | None = None
) -> None:
    today = service.today_of(user, clock.now())
    first, last = today + timedelta(days=1), today + timedelta(days=MAX_AWAY_DAYS)
    shown = clamp_month(month or first, first, last)
    markup = calendar_keyboard(
        shown,
        locale=locale,
        ctx=AWAY_PICKER,
        min_day=first,
        max_day=last,
        extra_rows=calendar_rows(),
    )
    await message.edit_text("📅 " + _("Which day are you back?"), reply_markup=markup)


async def away_calendar(
    callback: CallbackQuery, message: Message, user: User, clock: Clock, locale: str
) -> None:
    await callback.answer()
    await _show_calendar(message, user, clock, locale)


async def away_month(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    await callback.answer()
    month = parse_month(callback_data.value)
    await _show_calendar(message, user, clock, locale, month)


async def away_day(
    callback: CallbackQuery,
    callback_data: PickCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    day = parse_day(callback_data.value)
    now = clock.now()

    def change() -> None:
        if day is None:
            raise DomainError("invalid_choice")
        service.away_until(user, day, now)

    await _changed(callback, message, uow, user, clock, locale, change)


async def picker_noop(callback: CallbackQuery) -> None:
    await callback.answer()


# --- time zone ----------------------------------------------------------------------------


def _zones_text(user: User, locale: str) -> str:
    return "🕐 " + _("Your time zone: {zone}. Reminders show your own time.").format(
        zone=q(_zone_name(user), locale)
    )


async def zones_opened(
    callback: CallbackQuery, message: Message, state: FSMContext, user: User, locale: str
) -> None:
    await callback.answer()
    await state.clear()
    await message.edit_text(
        _zones_text(user, locale), reply_markup=zones_keyboard(_zone_name(user))
    )


async def zone_chosen(
    callback: CallbackQuery,
    callback_data: MyTimeCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    index = _number(callback_data.value)

    def change() -> None:
        if not 0 <= index < len(COMMON_TIMEZONES):
            raise DomainError("invalid_choice")
        service.set_timezone(user, COMMON_TIMEZONES[index])

    await _changed(callback, message, uow, user, clock, locale, change)


def _type_zone_text() -> str:
    return "⌨️ " + _(
        "Type your time zone the way phones name it: a region and a city, for example "
        "America/Toronto or Asia/Tokyo."
    )


async def zone_other(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(MyTime.timezone)
    await message.edit_text(_type_zone_text(), reply_markup=back_keyboard())


async def zone_typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        name = service.set_timezone(user, message.text or "")
    except DomainError:
        # Typed text: quoted back (escaped), never logged.
        await message.answer(
            "❓ "
            + _("I do not know the time zone “{text}”.").format(
                text=q((message.text or "")[:40], locale)
            )
            + "\n\n"
            + _type_zone_text(),
            reply_markup=back_keyboard(),
        )
        return
    await service.replan_waiting(uow, user, clock.now())
    await state.clear()
    markup = my_time_keyboard(
        (user.quiet_from, user.quiet_until),
        user.days_off or [],
        service.is_away(user, clock.now()),
        locale,
    )
    await message.answer(
        "✅ "
        + _("Time zone saved: {zone}.").format(zone=q(name, locale))
        + "\n\n"
        + my_time_text(user, clock, locale),
        reply_markup=markup,
    )


async def zone_not_text(message: Message) -> None:
    await message.answer(_type_zone_text(), reply_markup=back_keyboard())


def create_router() -> Router:
    """A fresh router for "🌙 My time" (one per Dispatcher)."""
    router = Router(name=__name__)
    on_press, on_message = router.callback_query.register, router.message.register
    member = (Registered(profile_done=True), WithMessage())

    def action(which: MyTimeAction) -> CallbackQueryFilter:
        return MyTimeCb.filter(F.action == which)

    on_press(opened, action(MyTimeAction.OPEN), *member)
    on_press(quiet_chosen, action(MyTimeAction.QUIET), *member)
    on_press(day_toggled, action(MyTimeAction.DAY_OFF), *member)
    on_press(away_opened, action(MyTimeAction.AWAY), *member)
    on_press(away_for, action(MyTimeAction.AWAY_FOR), *member)
    on_press(away_calendar, action(MyTimeAction.AWAY_DATE), *member)
    on_press(back_now, action(MyTimeAction.BACK_NOW), *member)
    on_press(zones_opened, action(MyTimeAction.ZONES), *member)
    on_press(zone_chosen, action(MyTimeAction.ZONE), *member)
    on_press(zone_other, action(MyTimeAction.ZONE_OTHER), *member)
    picker = F.ctx == AWAY_PICKER
    on_press(away_day, PickCb.filter(picker & (F.kind == KIND_DAY)), *member)
    on_press(away_month, PickCb.filter(picker & (F.kind == KIND_MONTH)), *member)
    on_press(picker_noop, PickCb.filter(picker))
    typed = (MyTime.timezone, Registered(profile_done=True))
    on_message(zone_typed, *typed, F.text, ~F.text.startswith("/"))
    on_message(zone_not_text, *typed, ~F.text)
    return router
