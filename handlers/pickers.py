"""Inline keyboards to pick a day, a time and a duration, and the parsers of their values.

Keyboards only: handlers.when_form runs the day -> time -> duration flow. Every button
carries a `PickCb`; `ctx` names the flow ("meet", "log", ...) so one handler can tell its
pickers from another's. Labels come from Babel (month and weekday names) or are digits, so they
need no catalog entry. Weeks start on Monday, as in Belgium. "noop" buttons (headers,
padding, days out of range) must still be answered by the caller with `callback.answer()`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_timedelta, get_day_names


class PickKind(StrEnum):
    """What a picker button does; the flows register one handler per kind."""

    DAY = "day"  # value: the day picked
    MONTH = "month"  # value: the month to show
    TIME = "time"  # value: the start time picked
    DURATION = "dur"  # value: the minutes picked (or confirmed)
    ADJUST = "adj"  # value: the minutes to show in the − / + control
    NOOP = "noop"  # headers, padding, days out of range


class PickCb(CallbackData, prefix="pick", sep="|"):
    """A picker button. `sep="|"` because a time value ("18:30") contains aiogram's ":"."""

    kind: PickKind
    value: str  # "2026-03-14", "2026-03", "18:30" or minutes "90"; "" for noop
    ctx: str  # the flow the picker belongs to, at most 6 characters


KIND_DAY = PickKind.DAY
KIND_MONTH = PickKind.MONTH
KIND_TIME = PickKind.TIME
KIND_DURATION = PickKind.DURATION
KIND_ADJUST = PickKind.ADJUST
KIND_NOOP = PickKind.NOOP

PREVIOUS = "◀"
NEXT = "▶"
OUT_OF_RANGE = "·"
PADDING = "\u2800"  # Braille blank: looks empty, but Telegram wants non-empty button text
MINUS = "\u2212"  # a real minus sign, wider and clearer than a hyphen

MAX_MINUTES = 24 * 60
_CTX = re.compile(r"[a-z0-9_]{1,6}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_MINUTES = re.compile(r"[1-9][0-9]{0,3}")

Rows = list[list[InlineKeyboardButton]]


def _button(text: str, kind: PickKind, value: str, ctx: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PickCb(kind=kind, value=value, ctx=ctx).pack()
    )


def _noop(text: str, ctx: str) -> InlineKeyboardButton:
    return _button(text, KIND_NOOP, "", ctx)


def _check_ctx(ctx: str) -> None:
    if not _CTX.fullmatch(ctx):
        raise ValueError(f"picker ctx must be 1-6 of [a-z0-9_]: {ctx!r}")


def _markup(rows: Rows, extra_rows: Rows | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *(extra_rows or [])])


def _chunks(buttons: list[InlineKeyboardButton], size: int) -> Rows:
    return [buttons[i : i + size] for i in range(0, len(buttons), size)]


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    """The Babel locale for a language code; English when Babel does not know it."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _capitalise(text: str) -> str:
    # str.capitalize() would lowercase the rest; scripts without case are unchanged.
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------- days


def month_title(month: date, locale: str) -> str:
    """The stand-alone month name and the year from Babel: "Maart 2026", "مارس 2026".

    Babel formats only the Gregorian calendar, so Persian gets "مارس", not a Solar Hijri
    month.
    """
    return _capitalise(format_date(month.replace(day=1), "LLLL y", locale=_locale(locale)))


@lru_cache(maxsize=64)
def weekday_labels(locale: str) -> tuple[str, ...]:
    """Seven weekday labels, Monday first: Babel's short names when they fit a narrow
    button (at most 3 characters, e.g. "ma", "пн", "۲ش"), else the narrow ones (Arabic)."""
    babel_locale = _locale(locale)
    short = get_day_names("short", context="stand-alone", locale=babel_locale)
    names = [short[day] for day in range(7)]
    if max(len(name) for name in names) > 3:
        narrow = get_day_names("narrow", context="stand-alone", locale=babel_locale)
        names = [narrow[day] for day in range(7)]
    return tuple(_capitalise(name) for name in names)


def _month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _has_selectable_day(month: date, min_day: date, max_day: date) -> bool:
    first, last = _month_bounds(month)
    return first <= max_day and last >= min_day


def _previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def clamp_month(month: date, min_day: date, max_day: date) -> date:
    """The first of `month`, moved into [min_day, max_day]'s months (for stale or forged
    navigation)."""
    first = month.replace(day=1)
    return max(min_day.replace(day=1), min(first, max_day.replace(day=1)))


def calendar_keyboard(
    month: date,
    *,
    locale: str,
    ctx: str,
    min_day: date,
    max_day: date,
    extra_rows: Rows | None = None,
) -> InlineKeyboardMarkup:
    """A month to pick a day in: title, weekday names, Monday-first weeks, ◀ ▶.

    Days in [min_day, max_day] are "day" buttons; other days show "·" and padding
    cells a blank, both "noop". ◀ / ▶ appear only toward a month with a selectable day.
    """
    _check_ctx(ctx)
    if min_day > max_day:
        raise ValueError(f"min_day {min_day} is after max_day {max_day}")
    first, _ = _month_bounds(month)
    rows: Rows = [
        [_noop(month_title(first, locale), ctx)],
        [_noop(label, ctx) for label in weekday_labels(locale)],
    ]
    for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdayscalendar(
        first.year, first.month
    ):
        row = []
        for number in week:
            if number == 0:
                row.append(_noop(PADDING, ctx))
                continue
            day = first.replace(day=number)
            if min_day <= day <= max_day:
                row.append(_button(str(number), KIND_DAY, day.isoformat(), ctx))
            else:
                row.append(_noop(OUT_OF_RANGE, ctx))
        rows.append(row)

    previous, following = _previous_month(first), _next_month(first)
    show_previous = _has_selectable_day(previous, min_day, max_day)
    show_next = _has_selectable_day(following, min_day, max_day)
    if show_previous or show_next:
        # A blank keeps each arrow on its own side when the other one is hidden.
        rows.append(
            [
                _button(PREVIOUS, KIND_MONTH, previous.strftime("%Y-%m"), ctx)
                if show_previous
                else _noop(PADDING, ctx),
                _button(NEXT, KIND_MONTH, following.strftime("%Y-%m"), ctx)
                if show_next
                else _noop(PADDING, ctx),
            ]
        )
    return _markup(rows, extra_rows)


# --------------------------------------------------------------------------- times


def available_times(
    *,
    day: date,
    now_local: datetime | None,
    first_hour: int = 8,
    last_hour: int = 21,
    step_minutes: int = 30,
) -> list[time]:
    """Times from first_hour:00 to last_hour:00 every step, without those at or before
    `now_local` (the person's wall clock) on that day; empty for a day in the past."""
    if not 0 <= first_hour <= last_hour <= 23:
        raise ValueError(f"hours must satisfy 0 <= {first_hour} <= {last_hour} <= 23")
    if step_minutes <= 0:
        raise ValueError(f"step must be positive: {step_minutes}")
    now = now_local.replace(tzinfo=None) if now_local is not None else None
    times = []
    for minute in range(first_hour * 60, last_hour * 60 + 1, step_minutes):
        slot = time(minute // 60, minute % 60)
        if now is None or datetime.combine(day, slot) > now:
            times.append(slot)
    return times


def time_keyboard(
    *,
    ctx: str,
    day: date,
    now_local: datetime | None,
    first_hour: int = 8,
    last_hour: int = 21,
    step_minutes: int = 30,
    extra_rows: Rows | None = None,
) -> InlineKeyboardMarkup:
    """Start times as "18:30" buttons, 4 a row; see `available_times` for which ones.

    When no time is left (late in the day) only `extra_rows` remain: check
    `available_times` first to tell the person to pick another day.
    """
    _check_ctx(ctx)
    slots = available_times(
        day=day,
        now_local=now_local,
        first_hour=first_hour,
        last_hour=last_hour,
        step_minutes=step_minutes,
    )
    buttons = [
        _button(slot.strftime("%H:%M"), KIND_TIME, slot.strftime("%H:%M"), ctx) for slot in slots
    ]
    return _markup(_chunks(buttons, 4), extra_rows)


# ----------------------------------------------------------------------- durations


def format_minutes(minutes: int, locale: str) -> str:
    """A duration for a button: Babel's words for a single unit, "h:mm" for a mix.

    Whole minutes under an hour and whole hours under a day read in the person's
    language ("30 minuten", "2 uur", "ساعتان"); anything else is "1:30", which reads
    the same in every language. Babel's rounding is switched off (threshold=1), so 55
    minutes never becomes "1 hour".
    """
    if minutes < 0:
        raise ValueError(f"minutes must not be negative: {minutes}")
    hours, rest = divmod(minutes, 60)
    if 0 < minutes < 60 or (rest == 0 and 0 < hours < 24):
        return format_timedelta(
            timedelta(minutes=minutes), threshold=1, format="long", locale=_locale(locale)
        )
    return f"{hours}:{rest:02d}"


def duration_keyboard(
    *,
    ctx: str,
    options: Sequence[int] = (30, 60, 90, 120, 180, 240),
    locale: str,
    extra_rows: Rows | None = None,
) -> InlineKeyboardMarkup:
    """One "dur" button per option (minutes), 3 a row, labelled by `format_minutes`."""
    _check_ctx(ctx)
    buttons = [
        _button(format_minutes(minutes, locale), KIND_DURATION, str(minutes), ctx)
        for minutes in options
    ]
    return _markup(_chunks(buttons, 3), extra_rows)


def adjust_keyboard(
    minutes: int,
    *,
    ctx: str,
    locale: str,
    step: int = 15,
    minimum: int = 15,
    maximum: int = 720,
    confirm_label: str,
    extra_rows: Rows | None = None,
) -> InlineKeyboardMarkup:
    """The "−15 | ✅ 1:30 | +15" control: ± are "adj" buttons with the new value clamped to
    [minimum, maximum]; the middle one confirms ("dur") the current, clamped value.

    Labels are digits only; `locale` is accepted for symmetry with the other pickers.
    At a bound the ± button carries the same value: re-rendering gives Telegram's
    "message is not modified", which the caller treats as normal.
    """
    _check_ctx(ctx)
    del locale
    if step <= 0:
        raise ValueError(f"step must be positive: {step}")
    if not 0 < minimum <= maximum:
        raise ValueError(f"bounds must satisfy 0 < {minimum} <= {maximum}")

    def clamp(value: int) -> int:
        return max(minimum, min(maximum, value))

    current = clamp(minutes)
    row = [
        _button(f"{MINUS}{step}", KIND_ADJUST, str(clamp(current - step)), ctx),
        _button(confirm_label, KIND_DURATION, str(current), ctx),
        _button(f"+{step}", KIND_ADJUST, str(clamp(current + step)), ctx),
    ]
    return _markup([row], extra_rows)


# ------------------------------------------------------------------------- parsers


def _matched(pattern: re.Pattern[str], value: object) -> re.Match[str] | None:
    """`pattern` matched against the whole of `value`; None for a non-string (forged data)."""
    return pattern.fullmatch(value) if isinstance(value, str) else None


def parse_day(value: str) -> date | None:
    """Parse "2026-03-14"; anything else (forged, or impossible like "2026-02-30") -> None."""
    if _matched(_DAY, value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_month(value: str) -> date | None:
    """Parse "2026-03" into date(2026, 3, 1); anything else -> None."""
    match = _matched(_MONTH, value)
    try:
        return None if match is None else date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def parse_time(value: str) -> time | None:
    """Parse "18:30" (24-hour, two digits each); anything else -> None."""
    match = _matched(_TIME, value)
    return None if match is None else time(int(match[1]), int(match[2]))


def parse_minutes(value: str) -> int | None:
    """Parse "90" into 90: whole minutes 1..1440, no sign or leading zero; else None.

    Bounds of a particular control (e.g. 15..720) are the caller's to check.
    """
    if _matched(_MINUTES, value) is None:
        return None
    minutes = int(value)
    return minutes if minutes <= MAX_MINUTES else None
