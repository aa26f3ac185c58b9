"""Community event buttons: callback data with named actions, and keyboards.

The short values are what buttons already in chats carry; data that no longer parses
reaches the fallback's "this button is out of date".
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class EvAction(StrEnum):
    NEW = "new"  # open the form
    LIST = "list"  # the coming events
    VIEW = "view"  # one event (id)
    ANNOUNCE = "ann"  # announce an event to a segment (id)
    MESSAGE = "msg"  # message the people going (id)
    CAPACITY = "cap"  # a number of places (value)
    SKIP = "skip"  # no description
    LANGUAGE = "lang"  # add a version in a language (value)
    SAVE = "save"
    CANCEL = "cancel"


class EvCb(CallbackData, prefix="ev"):
    """Event buttons (coordinators)."""

    action: EvAction
    id: int = 0
    value: str = ""


class RsvpAnswer(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


class RsvpCb(CallbackData, prefix="rsvp"):
    """An answer to an invitation."""

    event: int
    answer: RsvpAnswer


CAPACITIES = (10, 20, 30, 50, 100)


def button(text: str, action: EvAction, id: int = 0, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=EvCb(action=action, id=id, value=value).pack()
    )


def cancel_row() -> list[InlineKeyboardButton]:
    return [button("✖ " + _("Cancel"), EvAction.CANCEL)]


def cancel_only() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[cancel_row()])


def rsvp_keyboard(event_id: int, chosen: str | None = None) -> InlineKeyboardMarkup:
    """The three answers to an invitation; 👉 marks the one given."""
    labels = {
        RsvpAnswer.GOING: "✅ " + _("I'm going"),
        RsvpAnswer.MAYBE: "🤔 " + _("Maybe"),
        RsvpAnswer.NO: "✖ " + _("I can't"),
    }
    buttons = [
        InlineKeyboardButton(
            text=("👉 " if answer == chosen else "") + label,
            callback_data=RsvpCb(event=event_id, answer=answer).pack(),
        )
        for answer, label in labels.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def capacity_keyboard() -> InlineKeyboardMarkup:
    buttons = [button(str(n), EvAction.CAPACITY, value=str(n)) for n in CAPACITIES]
    return InlineKeyboardMarkup(inline_keyboard=[buttons, cancel_row()])


def skip_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[button("⏭ " + _("Skip"), EvAction.SKIP)], cancel_row()]
    )


def versions_keyboard(languages: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """A button per (label, language code), then save and cancel."""
    buttons = [button(label, EvAction.LANGUAGE, value=code) for label, code in languages]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button("💾 " + _("Save the event"), EvAction.SAVE)])
    rows.append(cancel_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)
