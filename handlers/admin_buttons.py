"""The admin area's buttons: programmes, their settings and coordinators, and the programme
switch every coordinator of several programmes uses.

Every button is an `AdminCb` whose `action` names what it does; `id` is a programme,
`arg` an index into a fixed list (a setting, a language, a reminder) or a person, `up` the
direction of a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from domain.langid import SUPPORTED_LANGUAGES
from domain.programmes import (
    CHECK_WEEK_CHOICES,
    NUMBERS,
    REMINDER_CHOICES,
    WEIGHTS,
    ProgrammeSettings,
)
from handlers.i18n import endonym
from storage.models import Programme, User


class AdminAction(StrEnum):
    SUMMARY = "sum"  # every programme at a glance
    PROGRAMME = "pg"  # id: programme
    NEW = "new"  # asks for the name
    CANCEL = "x"  # leaves the name form
    NUMBER = "num"  # id: programme, arg: index in NUMBERS; its screen
    STEP = "st"  # id: programme, arg: index in NUMBERS, up: 1 or 0
    LANGUAGES = "lng"  # id: programme
    LANGUAGE = "lt"  # id: programme, arg: index in SUPPORTED_LANGUAGES
    REMINDERS = "rem"  # id: programme
    REMINDER = "rt"  # id: programme, arg: hours before
    CHECK_WEEKS = "wk"  # id: programme
    CHECK_WEEK = "ck"  # id: programme, arg: weeks on the waiting list
    WEIGHTS = "wts"  # id: programme
    WEIGHT = "wt"  # id: programme, arg: index in WEIGHTS, up: 1 or 0
    COORDINATORS = "crd"  # id: programme
    INVITE = "inv"  # id: programme
    PROMOTE = "adm"  # id: programme, arg: person
    REMOVE = "rm"  # id: programme, arg: person
    # For every coordinator of several programmes (not only admins).
    SWITCHES = "sw"
    SWITCH = "go"  # id: programme


# What a coordinator who is not an admin may press here.
COORDINATOR_ACTIONS = frozenset({AdminAction.SWITCHES, AdminAction.SWITCH})


class AdminCb(CallbackData, prefix="ad"):
    action: AdminAction
    id: int = 0
    arg: int = 0
    up: int = 0


NUMBER_LABELS = {
    "target_hours": __("Target hours"),
    "quiet_from": __("Quiet hours start"),
    "quiet_until": __("Quiet hours end"),
    "nudge_after_days": __("Nudge a quiet pair after (days)"),
    "alert_after_days": __("Tell coordinators after (days)"),
    "waiting_alert_days": __("Long wait alert after (days)"),
    "unfinished_reminder_days": __("Unfinished profile reminder (days)"),
    "unfinished_erase_days": __("Unfinished profile erased (days)"),
    "buddy_after_months": __("Newcomer may become a buddy after (months)"),
    "feedback_every_days": __("At most one feedback question in (days)"),
}
WEIGHT_LABELS = {
    "shared_language": __("Shared language"),
    "same_municipality": __("Same municipality"),
    "common_interest": __("Common interest"),
    "availability_slot": __("Shared free time"),
    "dutch_practice": __("Dutch practice"),
    "waiting_per_week": __("Each week waited"),
}


def button(
    text: str, action: AdminAction, id: int = 0, arg: int = 0, up: int = 0
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=AdminCb(action=action, id=id, arg=arg, up=up).pack()
    )


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def admin_button() -> InlineKeyboardButton:
    return button("🛠 " + _("Programmes"), AdminAction.SUMMARY)


def switch_button(current: Programme) -> InlineKeyboardButton:
    return button("🔀 " + _("Switch programme"), AdminAction.SWITCHES, current.id)


def summary_keyboard(programmes: Sequence[Programme]) -> InlineKeyboardMarkup:
    rows = [[button("📁 " + p.name, AdminAction.PROGRAMME, p.id)] for p in programmes]
    return markup(*rows, [button("➕ " + _("New programme"), AdminAction.NEW)])


def cancel_keyboard() -> InlineKeyboardMarkup:
    return markup([button("✖ " + _("Cancel"), AdminAction.CANCEL)])


def back_row(programme_id: int) -> list[InlineKeyboardButton]:
    return [
        button("⬅️ " + _("Programme"), AdminAction.PROGRAMME, programme_id),
        button("🛠 " + _("All programmes"), AdminAction.SUMMARY),
    ]


def programme_keyboard(programme: Programme) -> InlineKeyboardMarkup:
    """A button per setting (numbers open their own screen), then the lists."""
    numbers = [
        button(str(NUMBER_LABELS[n.key]), AdminAction.NUMBER, programme.id, index)
        for index, n in enumerate(NUMBERS)
    ]
    return markup(
        *[numbers[i : i + 2] for i in range(0, len(numbers), 2)],
        [
            button("🌐 " + _("Languages"), AdminAction.LANGUAGES, programme.id),
            button("⏰ " + _("Reminders"), AdminAction.REMINDERS, programme.id),
        ],
        [button("📋 " + _("Waiting-list check-ins"), AdminAction.CHECK_WEEKS, programme.id)],
        [
            button("⚖️ " + _("Matching"), AdminAction.WEIGHTS, programme.id),
            button("👥 " + _("Coordinators"), AdminAction.COORDINATORS, programme.id),
        ],
        [
            button("▶️ " + _("Work in this programme"), AdminAction.SWITCH, programme.id),
            button("🛠 " + _("All programmes"), AdminAction.SUMMARY),
        ],
    )


def number_keyboard(programme_id: int, index: int) -> InlineKeyboardMarkup:
    step = NUMBERS[index].step
    return markup(
        [
            button(f"➖ {step}", AdminAction.STEP, programme_id, index, 0),
            button(f"➕ {step}", AdminAction.STEP, programme_id, index, 1),
        ],
        back_row(programme_id),
    )


def languages_keyboard(programme_id: int, chosen: ProgrammeSettings) -> InlineKeyboardMarkup:
    buttons = [
        button(
            ("✅ " if code in chosen.languages else "▫️ ") + endonym(code),
            AdminAction.LANGUAGE,
            programme_id,
            index,
        )
        for index, code in enumerate(SUPPORTED_LANGUAGES)
    ]
    return markup(*[buttons[i : i + 3] for i in range(0, len(buttons), 3)], back_row(programme_id))


def reminders_keyboard(programme_id: int, chosen: ProgrammeSettings) -> InlineKeyboardMarkup:
    buttons = [
        button(
            ("✅ " if hours in chosen.reminder_hours else "▫️ ")
            + _("{hours} h").format(hours=hours),
            AdminAction.REMINDER,
            programme_id,
            hours,
        )
        for hours in REMINDER_CHOICES
    ]
    return markup(buttons, back_row(programme_id))


def check_weeks_keyboard(programme_id: int, chosen: ProgrammeSettings) -> InlineKeyboardMarkup:
    buttons = [
        button(
            ("✅ " if weeks in chosen.waiting_check_weeks else "▫️ ")
            + _("week {number}").format(number=weeks),
            AdminAction.CHECK_WEEK,
            programme_id,
            weeks,
        )
        for weeks in CHECK_WEEK_CHOICES
    ]
    return markup(*[buttons[i : i + 4] for i in range(0, len(buttons), 4)], back_row(programme_id))


def weights_keyboard(programme_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            button(f"➖ {WEIGHT_LABELS[name]}", AdminAction.WEIGHT, programme_id, index, 0),
            button(f"➕ {WEIGHT_LABELS[name]}", AdminAction.WEIGHT, programme_id, index, 1),
        ]
        for index, name in enumerate(WEIGHTS)
    ]
    return markup(*rows, back_row(programme_id))


def coordinators_keyboard(programme_id: int, people: Sequence[User]) -> InlineKeyboardMarkup:
    """Per coordinator: take them off the programme, make one who is not an admin yet an
    admin; then invite, back."""
    removals = [
        [
            button(
                "➖ " + (person.first_name or "?"),
                AdminAction.REMOVE,
                programme_id,
                person.id,
            )
        ]
        for person in people
    ]
    rows = [
        [
            button(
                "👑 " + _("Make {name} an admin").format(name=person.first_name or "?"),
                AdminAction.PROMOTE,
                programme_id,
                person.id,
            )
        ]
        for person in people
        if person.role != "admin"
    ]
    return markup(
        *removals,
        *rows,
        [button("➕ " + _("Invite a coordinator"), AdminAction.INVITE, programme_id)],
        back_row(programme_id),
    )


def switch_keyboard(programmes: Sequence[Programme], current_id: int) -> InlineKeyboardMarkup:
    return markup(
        *(
            [button(("✅ " if p.id == current_id else "▫️ ") + p.name, AdminAction.SWITCH, p.id)]
            for p in programmes
        )
    )
