"""The funder report's buttons: the period chooser and the day pickers of a custom period.

Days travel in the button itself (20260131), so a day picker keeps working after a
restart; only a typed day needs the conversation's state. Coordinators only: the prefix
is in COORDINATOR_PREFIXES, so the refusal router answers (and audits) anyone else.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from domain.reports import PeriodKind, day_code
from handlers.report_texts import day_text, month_text

MONTHS_OFFERED = 12


class ReportAction(StrEnum):
    OPEN = "o"  # the period chooser
    PRESET = "p"  # kind: this month, the last quarter, this year
    CUSTOM = "c"  # asks for the first day
    FIRST = "f"  # first: a day; asks for the last day
    LAST = "l"  # first and last: days; makes the report
    CANCEL = "x"


class ReportCb(CallbackData, prefix="rp"):
    action: ReportAction
    kind: PeriodKind | None = None
    first: int = 0  # a day as day_code()
    last: int = 0


def _button(text: str, action: ReportAction, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=ReportCb(action=action, **values).pack(),  # type: ignore[arg-type]
    )


def report_button() -> InlineKeyboardButton:
    """The coordinator home screen's button to the report."""
    return _button("📊 " + _("Report"), ReportAction.OPEN)


def cancel_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), ReportAction.CANCEL)]


def chooser_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("This month"), ReportAction.PRESET, kind=PeriodKind.MONTH),
                _button(_("Last quarter"), ReportAction.PRESET, kind=PeriodKind.QUARTER),
            ],
            [
                _button(_("This year"), ReportAction.PRESET, kind=PeriodKind.YEAR),
                _button("📅 " + _("Other dates…"), ReportAction.CUSTOM),
            ],
        ]
    )


def _rows(buttons: list[InlineKeyboardButton], size: int = 3) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + size] for i in range(0, len(buttons), size)]


def _month_starts(today: date, count: int) -> list[date]:
    """The first days of the last `count` months, this one included, oldest first."""
    months, month = [], today.replace(day=1)
    for _index in range(count):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months[::-1]


def first_day_keyboard(today: date, locale: str) -> InlineKeyboardMarkup:
    """The first day of a custom period: the start of one of the last twelve months."""
    buttons = [
        _button(month_text(month, locale), ReportAction.FIRST, first=day_code(month))
        for month in _month_starts(today, MONTHS_OFFERED)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(buttons), cancel_row()])


def last_day_keyboard(first: date, today: date, locale: str) -> InlineKeyboardMarkup:
    """The last day: today, or the end of a month from the first day's month on (the
    last twelve of them at most)."""
    ends = [
        (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for month in _month_starts(today, MONTHS_OFFERED + 1)
    ]
    ends = [end for end in ends if first <= end < today][-MONTHS_OFFERED:]
    buttons = [
        _button(day_text(end, locale), ReportAction.LAST, first=day_code(first), last=day_code(end))
        for end in ends
    ]
    today_button = _button(
        _("Today ({date})").format(date=day_text(today, locale)),
        ReportAction.LAST,
        first=day_code(first),
        last=day_code(today),
    )
    return InlineKeyboardMarkup(inline_keyboard=[*_rows(buttons), [today_button], cancel_row()])
