"""Quiet hours: no pushed message at night in the person's own time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

EARLY_EVENT_HOUR = 10  # a reminder for something starting before 10:00 may come at night


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
    hours it falls in. A reminder for an event that starts before 10:00 and before the
    quiet hours end is not held back: waiting would make it useless."""
    local = due.astimezone(tz)
    if not in_quiet_hours(local, quiet_from, quiet_until):
        return due
    morning_day = local.date() if local.hour < quiet_until else local.date() + timedelta(days=1)
    morning = datetime.combine(morning_day, time(quiet_until), tzinfo=tz)
    if event_starts_at is not None:
        event_local = event_starts_at.astimezone(tz)
        if event_local.hour < EARLY_EVENT_HOUR and event_starts_at <= morning + timedelta(
            hours=EARLY_EVENT_HOUR - quiet_until
        ):
            return due
    return morning.astimezone(due.tzinfo)
