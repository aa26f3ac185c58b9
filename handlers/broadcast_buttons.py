"""Broadcast buttons: callback data with named actions, and the keyboards of the form.

The short action values are what buttons already in coordinators' chats carry; data that no
longer parses reaches the fallback's "this button is out of date".
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class BcAction(StrEnum):
    NEW = "new"  # open the form
    SEGMENT = "seg"  # a segment chosen (kind, value)
    MENU = "menu"  # a submenu of segments (kind)
    BACK = "back"  # from a submenu to the segments
    LANGUAGE = "lang"  # add a version in a language (value)
    PREVIEW = "preview"
    SEND = "send"
    CANCEL = "cancel"
    LIST = "list"  # past broadcasts


class BcCb(CallbackData, prefix="bc"):
    action: BcAction
    kind: str = ""
    value: str = ""


Rows = list[list[InlineKeyboardButton]]


def button(text: str, action: BcAction, kind: str = "", value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=BcCb(action=action, kind=kind, value=value).pack()
    )


def rows_of(buttons: list[InlineKeyboardButton], size: int) -> Rows:
    return [buttons[i : i + size] for i in range(0, len(buttons), size)]


def cancel_row() -> list[InlineKeyboardButton]:
    return [button("✖ " + _("Cancel"), BcAction.CANCEL)]


def cancel_only() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[cancel_row()])


def segment_keyboard() -> InlineKeyboardMarkup:
    seg, menu = BcAction.SEGMENT, BcAction.MENU
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("Everyone"), seg, "all"), button(_("All newcomers"), seg, "newcomers")],
            [button(_("All buddies"), seg, "buddies"), button(_("Waiting list"), seg, "waiting")],
            [
                button("🌐 " + _("A contact language"), menu, "language"),
                button("📍 " + _("A municipality"), menu, "municipality"),
            ],
            [
                button("⏱ " + _("Pairs with few hours"), menu, "below_hours"),
                button("🎉 " + _("Going to an event"), menu, "event"),
            ],
            [button("📋 " + _("Past broadcasts"), BcAction.LIST), *cancel_row()],
        ]
    )


def submenu_keyboard(kind: str, choices: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (label, value) of a segment kind, then back and cancel."""
    buttons = [button(label, BcAction.SEGMENT, kind, value) for label, value in choices]
    rows = rows_of(buttons, 1 if kind == "event" else 2)
    rows.append([button("⬅️ " + _("Back"), BcAction.BACK), *cancel_row()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def versions_keyboard(languages: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A button per (label, language code) to add a version, then preview and cancel."""
    buttons = [button(label, BcAction.LANGUAGE, value=code) for label, code in languages]
    rows = rows_of(buttons, 2)
    rows.append([button("👁 " + _("Preview"), BcAction.PREVIEW), *cancel_row()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def send_keyboard(label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button(label, BcAction.SEND)], cancel_row()])
