"""Callback data of every inline button; parsing rejects anything malformed."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang"):
    """Pick a language; `ctx` is "onb" during onboarding and "menu" afterwards."""

    code: str
    ctx: str


class ConsentCb(CallbackData, prefix="consent"):
    answer: str  # "yes" or "no"


class StepCb(CallbackData, prefix="step"):
    """A button of one onboarding step; `value` is a choice or one of the actions below."""

    step: str
    value: str


class SummaryCb(CallbackData, prefix="sum"):
    action: str  # "confirm" or "edit"
    field: str = ""


class MenuCb(CallbackData, prefix="menu"):
    action: str


class ForgetCb(CallbackData, prefix="forget"):
    answer: str  # "yes" or "no"


BACK = "_back"
STOP = "_stop"
DONE = "_done"


class CoordCb(CallbackData, prefix="co"):
    """Every coordinator button. `id` names a person, pair or page; `arg` a second value."""

    action: str
    id: int = 0
    arg: int = 0


class PairRequestCb(CallbackData, prefix="preq"):
    kind: str  # "end", "change" or "cancel"


# Callback prefixes only coordinators may press; the refusal router answers everyone else.
# A module that defines coordinator buttons adds its classes here.
COORDINATOR_CALLBACKS: list[type[CallbackData]] = [CoordCb]


def coordinator_prefixes() -> frozenset[str]:
    return frozenset(cls.__prefix__ for cls in COORDINATOR_CALLBACKS)


class MeetCb(CallbackData, prefix="meet"):
    """Meetup buttons: new, accept, counter, decline, cancel, resched, kind (id = index),
    send, stop."""

    action: str
    id: int = 0


class HourCb(CallbackData, prefix="hrs"):
    """Hours buttons: yes/no/why after a meetup (id = meetup), ok/dis/fix on an entry
    (id = entry), kind while logging (id = index), stop."""

    action: str
    id: int = 0
    arg: int = 0
