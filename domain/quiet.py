"""Each person's own time: no non-urgent pushed message at night, on their days off, on a
Belgian public holiday or while they are away, in their own time zone.

Two kinds of rule:
- quiet hours (every pushed message, `next_allowed`): nothing between `quiet_from` and
  `quiet_until`, except a reminder for something early in the morning, which waiting
  would make useless;
- quiet days (`next_allowed_for`, only the kinds in QUIET_DAY_KINDS: nudges, check-ins,
  waiting-list care, broadcasts, invitations): a public holiday (from the `holidays`
  library, never a hand-made list), a weekday the person took off, and every day before
  `away_until`. Such a message waits for the next ordinary day's morning. A reminder of a
  meetup or an event is never held for a quiet day: the meetup happens that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Imported here, at start-up: the library loads a country's rules on first use, which
# would otherwise take ~0.1 s on the event loop at the first message of the day.
from holidays.countries.belgium import Belgium

from domain.notices import Notice

EARLY_EVENT_HOUR = 10  # a reminder for something starting before 10:00 may come at night

# The quiet hours a person chooses from (from, until); the first is the default.
QUIET_RANGES: tuple[tuple[int, int], ...] = ((21, 8), (22, 9), (20, 7), (23, 10))
DEFAULT_TIMEZONE = "Europe/Brussels"
# Where people in a Brussels programme most often live or stay for a while.
COMMON_TIMEZONES: tuple[str, ...] = (
    "Europe/Brussels",
    "Europe/London",
    "Europe/Istanbul",
    "Europe/Kyiv",
    "Africa/Casablanca",
    "Africa/Kinshasa",
    "Asia/Damascus",
    "Asia/Kabul",
)
MAX_AWAY_DAYS = 183  # a pause longer than half a year is a coordinator's matter
TIMEZONE_MAX = 40  # the person.timezone column

# What waits for an ordinary day: messages the bot sends on its own initiative. Anything a
# person did for someone (a proposal, an answer, hours to confirm) and every reminder goes
# out on quiet days too (within quiet hours). Add a new kind here when it is of this sort.
QUIET_DAY_KINDS: frozenset[str] = frozenset(
    {
        Notice.PAIR_NUDGE,
        Notice.CHECKIN_ASK,
        Notice.WAITING_CHECK,
        Notice.PROFILE_UNFINISHED,
        Notice.BROADCAST,
        Notice.EVENT_INVITE,
        Notice.COORDINATOR_PAIR_QUIET,
        # Kinds of the same sort from other areas, by value (a kind this version does not
        # have yet simply never matches): "how was it?", a buddy's monthly Dutch tip.
        "feedback.ask",
        "dutch.tip",
    }
)


@dataclass(frozen=True)
class PersonalTime:
    """One person's rules, in their own time zone."""

    tz: tzinfo
    quiet_from: int = 21
    quiet_until: int = 8
    days_off: frozenset[int] = field(default_factory=frozenset)  # weekdays, Monday 0
    away_until: date | None = None  # the first day they are back


def personal_time(
    tz: tzinfo,
    quiet_from: int = 21,
    quiet_until: int = 8,
    days_off: Iterable[int] | None = None,
    away_until: date | None = None,
) -> PersonalTime:
    """A person's rules from their stored settings (bad weekday numbers are ignored)."""
    return PersonalTime(
        tz, quiet_from, quiet_until, frozenset(d for d in days_off or () if 0 <= d <= 6), away_until
    )


def in_quiet_hours(local: datetime, quiet_from: int, quiet_until: int) -> bool:
    hour = local.hour
    if quiet_from == quiet_until:
        return False
    if quiet_from > quiet_until:  # the usual case: 21 -> 8 spans midnight
        return hour >= quiet_from or hour < quiet_until
    return quiet_from <= hour < quiet_until


def next_allowed(
    due: datetime,
    tz: tzinfo,
    quiet_from: int = 21,
    quiet_until: int = 8,
    *,
    event_starts_at: datetime | None = None,
) -> datetime:
    """When a message due at `due` may be sent: `due` itself, or the end of the quiet
    hours it falls in. A reminder for an event that starts early in the morning (before
    10:00, or within two hours after later quiet hours end) is not held back: waiting
    would make it useless."""
    local = due.astimezone(tz)
    if not in_quiet_hours(local, quiet_from, quiet_until):
        return due
    morning_day = local.date() if local.hour < quiet_until else local.date() + timedelta(days=1)
    morning = datetime.combine(morning_day, time(quiet_until), tzinfo=tz)
    if event_starts_at is not None:
        early = max(EARLY_EVENT_HOUR, quiet_until + 2)
        event_local = event_starts_at.astimezone(tz)
        if event_local.hour < early and event_starts_at <= morning + timedelta(
            hours=early - quiet_until
        ):
            return due
    return morning.astimezone(due.tzinfo)


@lru_cache(maxsize=8)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(Belgium(years=year).keys())


def is_public_holiday(day: date) -> bool:
    """Whether `day` is a public holiday in Belgium (national ones: the regional days of
    the communities are not days off for everyone)."""
    return day in _holidays_of(day.year)


def is_away(person: PersonalTime, day: date) -> bool:
    return person.away_until is not None and day < person.away_until


def is_quiet_day(person: PersonalTime, day: date) -> bool:
    """A public holiday, one of the person's days off, or a day they are away."""
    return is_public_holiday(day) or day.weekday() in person.days_off or is_away(person, day)


def waits_on_quiet_days(kind: str) -> bool:
    """Whether a message of this kind is held on holidays, days off and while away."""
    return kind in QUIET_DAY_KINDS


def next_allowed_for(
    due: datetime,
    person: PersonalTime,
    *,
    kind: str | None = None,
    event_starts_at: datetime | None = None,
) -> datetime:
    """When a message of `kind` due at `due` may reach `person`: outside their quiet
    hours and, for QUIET_DAY_KINDS, on an ordinary day (the first morning after the quiet
    days). A reminder (`event_starts_at`) only ever waits for the night to end."""
    when = next_allowed(
        due, person.tz, person.quiet_from, person.quiet_until, event_starts_at=event_starts_at
    )
    if event_starts_at is not None or kind is None or not waits_on_quiet_days(kind):
        return when
    # Days off repeat every week and holidays are a few a year: a year of steps is plenty.
    for _ in range(366):
        day = when.astimezone(person.tz).date()
        if not is_quiet_day(person, day):
            return when
        next_day = max(day + timedelta(days=1), person.away_until or day)
        midnight = datetime.combine(next_day, time(), tzinfo=person.tz)
        when = next_allowed(midnight, person.tz, person.quiet_from, person.quiet_until)
        when = max(when, due).astimezone(due.tzinfo)
    return when


@lru_cache(maxsize=1)
def _timezone_names() -> dict[str, str]:
    """Every IANA name zoneinfo knows, by its lower-case spelling."""
    return {name.lower(): name for name in available_timezones()}


def valid_timezone(name: str) -> str | None:
    """The IANA time zone `name` (e.g. "Africa/Kinshasa", in any letter case) as stored,
    or None when it is not one: typed text, so anything else is refused, never guessed."""
    key = "_".join(name.split()).lower()
    found = _timezone_names().get(key) if 0 < len(key) <= TIMEZONE_MAX else None
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return found
