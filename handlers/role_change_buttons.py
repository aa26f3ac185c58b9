"""The buttons of "Become a buddy" (domain/role_change.py): the person's, from the menu's
entry to their request, and the coordinators' two answers under a request."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain.profile import CAPACITIES


class BecomeAction(StrEnum):
    ASK = "ask"  # the menu's entry: what it means, and how many newcomers at once
    SEND = "send"  # capacity: 1-3; sends the request to the coordinators
    LATER = "later"  # "Not now"


class BecomeCb(CallbackData, prefix="bb"):
    """A person's button; `capacity` only on SEND."""

    action: BecomeAction
    capacity: int = 0


class RoleAction(StrEnum):
    CONFIRM = "ok"  # id: the request
    DECLINE = "no"  # id: the request


class RoleCb(CallbackData, prefix="rcd"):
    """A coordinator's answer to a request (`id`: the RoleChange row)."""

    action: RoleAction
    id: int


def become_button() -> InlineKeyboardButton:
    """The menu's entry, for a newcomer who may ask (`role_change.may_ask`)."""
    return InlineKeyboardButton(
        text="🤝 " + _("Become a buddy"), callback_data=BecomeCb(action=BecomeAction.ASK).pack()
    )


def capacity_keyboard() -> InlineKeyboardMarkup:
    """One "yes" per number of newcomers at once, and "Not now"."""
    rows = [
        [
            InlineKeyboardButton(
                text="✅ "
                + ngettext(
                    "Yes, {count} newcomer at a time",
                    "Yes, {count} newcomers at a time",
                    int(capacity),
                ).format(count=capacity),
                callback_data=BecomeCb(action=BecomeAction.SEND, capacity=int(capacity)).pack(),
            )
        ]
        for capacity in CAPACITIES
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text="✖ " + _("Not now"), callback_data=BecomeCb(action=BecomeAction.LATER).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def decision_row(request_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text="✅ " + _("Confirm"),
            callback_data=RoleCb(action=RoleAction.CONFIRM, id=request_id).pack(),
        ),
        InlineKeyboardButton(
            text="✖ " + _("Decline"),
            callback_data=RoleCb(action=RoleAction.DECLINE, id=request_id).pack(),
        ),
    ]
