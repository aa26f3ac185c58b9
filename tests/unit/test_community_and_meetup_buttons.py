"""Buttons already in people's chats keep working: the named actions of meetups, hours,
pickers, broadcasts, events and RSVPs pack to the same short strings as before, and
data that no longer parses (an unknown action, an older format) is not matched, so the
fallback answers it instead of an exception."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from handlers.broadcast_buttons import BcAction, BcCb
from handlers.event_buttons import EvAction, EvCb, RsvpAnswer, RsvpCb
from handlers.meetup_buttons import HourAction, HourCb, MeetAction, MeetCb
from handlers.pickers import PickCb, PickKind


@pytest.mark.parametrize(
    ("data", "packed"),
    [
        (MeetCb(action=MeetAction.ACCEPT, id=7), "meet:accept:7"),
        (MeetCb(action=MeetAction.RESCHEDULE, id=7), "meet:resched:7"),
        (MeetCb(action=MeetAction.NEW), "meet:new:0"),
        (HourCb(action=HourAction.CONFIRM, id=12), "hrs:ok:12:0"),
        (HourCb(action=HourAction.DISPUTE, id=12), "hrs:dis:12:0"),
        (HourCb(action=HourAction.WHY, id=3, arg=1), "hrs:why:3:1"),
        (PickCb(kind=PickKind.DURATION, value="90", ctx="log"), "pick|dur|90|log"),
        (BcCb(action=BcAction.SEGMENT, kind="language", value="fr"), "bc:seg:language:fr"),
        (EvCb(action=EvAction.ANNOUNCE, id=4), "ev:ann:4:"),
        (RsvpCb(event=4, answer=RsvpAnswer.GOING), "rsvp:4:going"),
    ],
)
def test_named_actions_pack_to_the_old_strings(data: CallbackData, packed: str) -> None:
    assert data.pack() == packed
    assert type(data).unpack(packed) == data


@pytest.mark.parametrize(
    ("cls", "packed"),
    [
        (MeetCb, "meet:bogus:1"),
        (HourCb, "hrs:ok"),
        (PickCb, "pick|bogus|x|meet"),
        (BcCb, "bc:bogus::"),
        (EvCb, "ev:bogus:0:"),
        (RsvpCb, "rsvp:1:bogus"),
    ],
)
def test_unknown_or_older_data_does_not_parse(cls: type[CallbackData], packed: str) -> None:
    # aiogram's CallbackData.filter() catches exactly these and does not match.
    with pytest.raises((TypeError, ValueError)):
        cls.unpack(packed)
