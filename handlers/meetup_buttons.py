"""The buttons of meetups and hours: callback data with named actions, and keyboards.

The short action values are what buttons already in people's chats carry ("meet:accept:7",
"hrs:ok:12:0"), so they must not change. Data that no longer parses (an action renamed or
removed) matches no filter here and reaches the fallback's "this button is out of date".
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _


class MeetAction(StrEnum):
    NEW = "new"  # open the planning form
    ACCEPT = "accept"  # id = meetup
    COUNTER = "counter"  # another time for a proposal (id = meetup)
    DECLINE = "decline"  # id = meetup
    CANCEL = "cancel"  # id = meetup
    RESCHEDULE = "resched"  # another time for a planned meetup (id = meetup)
    KIND = "kind"  # the activity kind in the form (id = index in ACTIVITY_KINDS)
    SEND = "send"  # send the proposal
    STOP = "stop"  # leave the form


class MeetCb(CallbackData, prefix="meet"):
    action: MeetAction
    id: int = 0


class HourAction(StrEnum):
    HAPPENED = "yes"  # the meetup took place (id = meetup)
    MISSED = "no"  # it did not (id = meetup): ask why
    WHY = "why"  # why it did not (id = meetup, arg = reason index)
    CONFIRM = "ok"  # confirm the other's entry (id = entry)
    DISPUTE = "dis"  # id = entry
    FIX = "fix"  # correct one's own entry (id = entry)
    KIND = "kind"  # the activity kind while logging (id = index in ACTIVITY_KINDS)
    STOP = "stop"  # leave the form


class HourCb(CallbackData, prefix="hrs"):
    action: HourAction
    id: int = 0
    arg: int = 0


# Why a meetup did not happen, by the index its button carries.
MISSED_REASONS = ("cancelled", "no_show")


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def meet_stop_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), MeetCb(action=MeetAction.STOP))]


def hour_stop_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), HourCb(action=HourAction.STOP))]


def meetups_list(meetup_ids: list[int]) -> InlineKeyboardMarkup:
    """ "Another time" and "cancel" for each coming meetup, by its number in the list."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(
                    f"🕑 {number}. " + _("Change time"),
                    MeetCb(action=MeetAction.RESCHEDULE, id=ident),
                ),
                _button(f"✖ {number}. " + _("Cancel"), MeetCb(action=MeetAction.CANCEL, id=ident)),
            ]
            for number, ident in enumerate(meetup_ids, start=1)
        ]
    )


def send_proposal() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button("📨 " + _("Send the proposal"), MeetCb(action=MeetAction.SEND))],
            meet_stop_row(),
        ]
    )


def why_missed(meetup_id: int) -> InlineKeyboardMarkup:
    labels = {"cancelled": _("It was cancelled"), "no_show": _("The other person did not come")}
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(labels[reason], HourCb(action=HourAction.WHY, id=meetup_id, arg=index))]
            for index, reason in enumerate(MISSED_REASONS)
        ]
    )
