"""A person's own time, as they set it in "🌙 My time": quiet hours from a few ranges,
days off, a holiday pause ("away until...") and their time zone. The rules that use them
are in domain/quiet.py; every change is checked here and changes nothing when refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.errors import DomainError
from domain.notify import person_tz, personal_time_of
from domain.quiet import (
    MAX_AWAY_DAYS,
    QUIET_DAY_KINDS,
    QUIET_RANGES,
    next_allowed_for,
    valid_timezone,
)
from storage.models import User
from storage.uow import UnitOfWork

# The pauses offered as one tap, in days ("1 month" is 30 days: a pause, not a calendar).
AWAY_CHOICES: tuple[int, ...] = (7, 14, 30)


def today_of(person: User, now: datetime) -> date:
    """The person's own date now."""
    return now.astimezone(person_tz(person)).date()


def set_quiet_hours(person: User, choice: int) -> None:
    """Quiet hours from QUIET_RANGES (its index: buttons, never typed hours)."""
    if not 0 <= choice < len(QUIET_RANGES):
        raise DomainError("invalid_choice")
    person.quiet_from, person.quiet_until = QUIET_RANGES[choice]


def toggle_day_off(person: User, weekday: int) -> None:
    """Take a weekday (Monday 0) off, or give it back."""
    if not 0 <= weekday <= 6:
        raise DomainError("invalid_choice")
    days = set(person.days_off or ())
    days ^= {weekday}
    person.days_off = sorted(days)  # a new list: the JSON column sees the change


def away_until(person: User, until: date, now: datetime) -> date:
    """Pause non-urgent messages until `until`, the first day back (tomorrow at the
    earliest, at most MAX_AWAY_DAYS ahead). Ends by itself on that day."""
    today = today_of(person, now)
    if not today < until <= today + timedelta(days=MAX_AWAY_DAYS):
        raise DomainError("invalid_choice")
    person.away_until = until
    return until


def away_for(person: User, days: int, now: datetime) -> date:
    """One of AWAY_CHOICES: back `days` days from today."""
    if days not in AWAY_CHOICES:
        raise DomainError("invalid_choice")
    return away_until(person, today_of(person, now) + timedelta(days=days), now)


def back(person: User) -> None:
    """End the pause now."""
    person.away_until = None


def is_away(person: User, now: datetime) -> bool:
    return person.away_until is not None and today_of(person, now) < person.away_until


def set_timezone(person: User, name: str) -> str:
    """The person's time zone, an IANA name (a button's or typed); refused when unknown."""
    found = valid_timezone(name)
    if found is None:
        raise DomainError("timezone_unknown")
    person.timezone = found
    return found


async def replan_waiting(uow: UnitOfWork, person: User, now: datetime) -> int:
    """After a change: the person's queued non-urgent messages (QUIET_DAY_KINDS) follow
    the new rules, so a pause holds what was already waiting and "I'm back" releases it.
    Those kinds are queued due at once and only ever wait for the rules, so each is
    planned again from `now`. Returns how many moved."""
    rules = personal_time_of(person)
    moved = 0
    for row in await uow.outbox.waiting_for(person.id, QUIET_DAY_KINDS):
        due = next_allowed_for(now, rules, kind=row.key)
        if due != row.due_at:
            row.due_at = due
            moved += 1
    return moved
