"""Dutch practice, gently: a word of Dutch on a newcomer's screens, and tips for buddies.

The programme gives Dutch "a growing place" while speaking to people in their contact
language. So:

- A newcomer's everyday screens (home, progress, meetup confirmations, their pair) may
  carry one short Dutch phrase with its meaning, at most one per message, never on the
  consent, a concern or an error. The phrases are tied to each screen's theme.
- Each newcomer chooses how much: `off` (never a Dutch word), `normal` (on some screens:
  which ones changes from day to day) or `more` (on every one of those screens, and short
  confirmations such as "Sent!" come in Dutch with the translation below). Buddies and
  coordinators have no setting: they see no phrase.
- After the 20-hour check-in, a newcomer who kept the default and whose Dutch confidence
  grew since the start is moved to `more`, and told so (they can turn it back).
- Each buddy with an active pair gets one tip a month for practising Dutch with their
  newcomer (one outbox row per buddy and month, sent outside their quiet hours).

The choices here are deterministic (no randomness): the same person sees the same phrase
on the same screen all day, and tests can say what they expect.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, tzinfo
from enum import StrEnum

from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push, push_once
from storage.models import CheckIn, CheckInMoment, Role, User
from storage.uow import UnitOfWork


class Level(StrEnum):
    OFF = "off"
    NORMAL = "normal"
    MORE = "more"


class Screen(StrEnum):
    """The screens that may carry a phrase; nothing else ever does."""

    HOME = "home"
    PROGRESS = "progress"
    MEETUP = "meetup"
    PAIR = "pair"


# How many monthly tips for buddies there are (their texts are in handlers/dutch_practice.py).
TIP_COUNT = 8
CONFIDENCE = "dutch_confidence"  # the check-in question compared (domain/checkins.py)


def level_of(person: User | None) -> Level | None:
    """The person's Dutch practice, or None for anyone who is not a newcomer."""
    if person is None or person.role != Role.NEWCOMER.value:
        return None
    try:
        return Level(person.dutch_practice or Level.NORMAL.value)
    except ValueError:  # a value this version does not know: the default
        return Level.NORMAL


def set_level(person: User, value: str) -> Level:
    """Save a newcomer's choice; refused for anyone else, and for a value that is none."""
    if level_of(person) is None:
        raise DomainError("invalid_choice")
    try:
        level = Level(value)
    except ValueError:
        raise DomainError("invalid_choice") from None
    person.dutch_practice = level.value
    return level


def _stable(text: str) -> int:
    """A number for `text` that is the same in every process (unlike `hash`)."""
    return zlib.crc32(text.encode())


def shows_phrase(person: User | None, screen: Screen, day: date) -> bool:
    """Whether this screen carries a phrase for this person today: never when off (or not
    a newcomer), always with more, on about half of the screens with normal, a different
    half each day."""
    level = level_of(person)
    if level is None or level is Level.OFF or person is None:
        return False
    if level is Level.MORE:
        return True
    return (day.toordinal() + _stable(screen.value) + person.id) % 2 == 0


def pick(count: int, screen: Screen, day: date, person_id: int) -> int:
    """Which of `count` phrases of the screen's themes to show: varied by day and screen,
    the same all day."""
    return (day.toordinal() + _stable(screen.value) // 7 + person_id) % count


def confirms_in_dutch(person: User | None) -> bool:
    """Whether short confirmations ("Sent!") come in Dutch, with the translation below."""
    return level_of(person) is Level.MORE


# --- after the 20-hour check-in --------------------------------------------------------


def _confidence(check_in: CheckIn | None) -> int | None:
    value = check_in.answers.get(CONFIDENCE) if check_in is not None else None
    return value if isinstance(value, int) else None


async def after_check_in(uow: UnitOfWork, person: User, check_in: CheckIn, now: datetime) -> bool:
    """When a newcomer finished their 20-hour check-in: if their Dutch confidence grew
    since the start and they never chose a level themselves, more Dutch, and a message
    telling them (and how to turn it back). Returns whether the level grew."""
    if (
        check_in.moment != CheckInMoment.HOURS_20.value
        or check_in.answered_at is None
        or person.dutch_practice is not None  # their own choice is kept
        or level_of(person) is not Level.NORMAL
    ):
        return False
    start = await uow.check_ins.by_key(f"{person.id}:{CheckInMoment.ONBOARDING.value}:0")
    before, after = _confidence(start), _confidence(check_in)
    if before is None or after is None or after <= before:
        return False
    person.dutch_practice = Level.MORE.value
    push(uow, person, Notice.DUTCH_MORE, {}, due=now, dedup_key=f"dutch-more:{person.id}")
    return True


# --- the buddies' monthly tip ----------------------------------------------------------


def tip_for(buddy_id: int, moment: datetime, tz: tzinfo) -> tuple[str, int]:
    """The month (as "YYYY-MM" in the programme's time zone) and the tip of that month for
    this buddy: buddies go through every tip, starting at different ones."""
    local = moment.astimezone(tz)
    return f"{local:%Y-%m}", (local.year * 12 + local.month + buddy_id) % TIP_COUNT


async def plan_tips(uow: UnitOfWork, now: datetime, tz: tzinfo) -> int:
    """The periodic planner: each buddy of an active pair gets this month's tip once (the
    dedup key names buddy and month, so running it every few hours repeats nothing).
    Returns how many tips it queued."""
    queued = 0
    seen: set[int] = set()
    for pair in await uow.pairs.active():
        if pair.buddy_id is None or pair.newcomer_id is None or pair.buddy_id in seen:
            continue
        seen.add(pair.buddy_id)
        buddy = await uow.users.get(pair.buddy_id)
        if buddy is None or not buddy.reachable:
            continue
        month, tip = tip_for(buddy.id, now, tz)
        row = await push_once(
            uow, buddy, Notice.DUTCH_TIP, {"tip": tip}, dedup_key=f"dutch-tip:{buddy.id}:{month}",
            due=now,
        )  # fmt: skip
        queued += row is not None
    return queued
