"""The buttons of "🌙 My time" (handlers/my_time.py); its entry button sits under the
person's profile (handlers.keyboards.summary)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain.personal_time import AWAY_CHOICES
from domain.quiet import COMMON_TIMEZONES, QUIET_RANGES
from handlers.inbox_buttons import menu_button
from handlers.pickers import weekday_labels

# The ctx of the "away until" calendar's buttons (handlers.pickers.PickCb).
AWAY_PICKER = "away"


class MyTimeAction(StrEnum):
    OPEN = "open"
    QUIET = "quiet"  # value: the index of a range in QUIET_RANGES
    DAY_OFF = "day"  # value: a weekday, Monday 0
    AWAY = "away"  # the pause screen
    AWAY_FOR = "for"  # value: days, one of AWAY_CHOICES
    AWAY_DATE = "date"  # the calendar
    BACK_NOW = "back"  # end the pause
    ZONES = "zones"  # the time zone screen
    ZONE = "zone"  # value: the index of a zone in COMMON_TIMEZONES
    ZONE_OTHER = "other"  # type an IANA name


class MyTimeCb(CallbackData, prefix="mytime"):
    action: MyTimeAction
    value: str = ""


def my_time_button() -> InlineKeyboardButton:
    return _button("🌙 " + _("My time"), MyTimeAction.OPEN)


def _button(text: str, action: MyTimeAction, value: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=MyTimeCb(action=action, value=str(value)).pack()
    )


def _back_row() -> list[InlineKeyboardButton]:
    return [_button("⬅️ " + _("Back"), MyTimeAction.OPEN), menu_button()]


def range_label(quiet_from: int, quiet_until: int) -> str:
    return f"{quiet_from:02d}:00–{quiet_until:02d}:00"


def my_time_keyboard(
    quiet: tuple[int, int], days_off: Sequence[int], away: bool, locale: str
) -> InlineKeyboardMarkup:
    """Quiet hours (one of a few ranges), the seven weekdays to toggle, the pause, the
    time zone."""
    ranges = [
        _button(("✅ " if chosen == quiet else "") + range_label(*chosen), MyTimeAction.QUIET, i)
        for i, chosen in enumerate(QUIET_RANGES)
    ]
    days = [
        _button(("💤" if day in days_off else "") + label, MyTimeAction.DAY_OFF, day)
        for day, label in enumerate(weekday_labels(locale))
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            ranges[:2],
            ranges[2:],
            days[:4],
            days[4:],
            [
                _button("🏖 " + (_("Away: change") if away else _("Away…")), MyTimeAction.AWAY),
                _button("🕐 " + _("Time zone"), MyTimeAction.ZONES),
            ],
            [menu_button()],
        ]
    )


def away_keyboard(away: bool) -> InlineKeyboardMarkup:
    choices = [
        _button(
            ngettext("{count} week", "{count} weeks", days // 7).format(count=days // 7)
            if days % 7 == 0
            else _("1 month"),
            MyTimeAction.AWAY_FOR,
            days,
        )
        for days in AWAY_CHOICES
    ]
    rows = [choices, [_button("📅 " + _("Pick a date"), MyTimeAction.AWAY_DATE)]]
    if away:
        rows.append([_button("👋 " + _("I'm back"), MyTimeAction.BACK_NOW)])
    rows.append(_back_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def zones_keyboard(current: str) -> InlineKeyboardMarkup:
    buttons = [
        _button(("✅ " if name == current else "") + name, MyTimeAction.ZONE, i)
        for i, name in enumerate(COMMON_TIMEZONES)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button("⌨️ " + _("Other"), MyTimeAction.ZONE_OTHER)])
    rows.append(_back_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def back_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_back_row()])


def calendar_rows() -> list[list[InlineKeyboardButton]]:
    return [_back_row()]
