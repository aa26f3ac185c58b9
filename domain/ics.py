"""Calendar files (RFC 5545) for meetups, so a meetup lands in the phone's calendar.

Pure: no aiogram, no database. The bot stores `starts_at` in UTC; the file carries the
local wall-clock time with `TZID=<tz>` and a matching VTIMEZONE, so the meetup shows at
the right hour even across a daylight-saving change.

Updating or cancelling a meetup means sending a file with the *same* UID and a *higher*
SEQUENCE; the caller keeps that counter (e.g. a column on `Meetup`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

PRODID = "-//BuddyBot//Meetups//EN"
ALARM_BEFORE = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class ParsedMeetup:
    """What a calendar file says about its (single) meetup, read back with icalendar."""

    uid: str
    sequence: int
    method: str
    status: str
    starts_at: datetime
    ends_at: datetime
    tzid: str | None
    summary: str
    location: str
    description: str = ""
    alarm_before: timedelta | None = None


def meetup_uid(meetup_id: int, domain: str = "buddybot.local") -> str:
    """The stable UID of a meetup's calendar entry, e.g. "meetup-42@buddybot.local"."""
    if meetup_id < 0:
        raise ValueError(f"meetup id must not be negative: {meetup_id}")
    return f"meetup-{meetup_id}@{domain}"


def meetup_calendar(
    *,
    uid: str,
    sequence: int,
    starts_at: datetime,
    duration_minutes: int,
    summary: str,
    location: str,
    description: str = "",
    tz: str,
    cancelled: bool = False,
    now: datetime | None = None,
) -> bytes:
    """One meetup as an `.ics` file: METHOD:REQUEST, or METHOD:CANCEL when `cancelled`.

    `tz` is an IANA name: the recipient's time zone, or the programme's.

    `starts_at` and `now` must be timezone-aware. DESCRIPTION is written only when not
    empty; a display alarm 2 hours before is added unless the meetup is cancelled.
    """
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError("starts_at must be timezone-aware")
    if duration_minutes <= 0:
        raise ValueError(f"duration must be positive: {duration_minutes}")
    if sequence < 0:
        raise ValueError(f"sequence must not be negative: {sequence}")
    stamp = datetime.now(UTC) if now is None else now
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone: {tz!r}") from error

    start = starts_at.astimezone(zone)
    # Add the duration in UTC: aware arithmetic in one zone is wall-clock arithmetic
    # and would shorten or stretch a meetup that spans a daylight-saving change.
    end = (starts_at.astimezone(UTC) + timedelta(minutes=duration_minutes)).astimezone(zone)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)  # RFC 5545 requires it for DISPLAY alarms
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)

    # A VTIMEZONE covering the years of the meetup only: every transition a client
    # may need for this event, without 70 years of history in each file.
    calendar.add_missing_timezones(
        first_date=date(start.year, 1, 1), last_date=date(end.year + 1, 1, 1)
    )
    return calendar.to_ical()


def parse_meetup(data: bytes) -> ParsedMeetup:
    """Read back the single meetup of a calendar file made by `meetup_calendar`.

    Raises ValueError when the file is not a calendar with exactly one timed event.
    """
    try:
        calendar = Calendar.from_ical(data)
    except Exception as error:  # icalendar raises several types on malformed input
        raise ValueError(f"not a calendar file: {error}") from error
    if not isinstance(calendar, Calendar):
        raise ValueError("not a single VCALENDAR")
    events = calendar.events
    if len(events) != 1:
        raise ValueError(f"expected one event, found {len(events)}")
    event = events[0]
    starts_at = event.decoded("dtstart")
    ends_at = event.decoded("dtend")
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise ValueError("the event has no start and end time")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("the event's times are floating (no time zone)")
    tzid = event["dtstart"].params.get("TZID")
    alarms = [component for component in event.subcomponents if component.name == "VALARM"]
    alarm_before: timedelta | None = None
    if alarms:
        trigger = alarms[0].decoded("trigger")
        if isinstance(trigger, timedelta):
            alarm_before = -trigger
    return ParsedMeetup(
        uid=str(event.get("uid", "")),
        sequence=int(event.get("sequence", 0)),
        method=str(calendar.get("method", "")),
        status=str(event.get("status", "")),
        starts_at=starts_at,
        ends_at=ends_at,
        tzid=str(tzid) if tzid is not None else None,
        summary=str(event.get("summary", "")),
        location=str(event.get("location", "")),
        description=str(event.get("description", "")),
        alarm_before=alarm_before,
    )
