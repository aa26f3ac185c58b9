"""Calendar files for meetups: what a phone's calendar will read back from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from domain.ics import ParsedMeetup, meetup_calendar, meetup_uid, parse_meetup

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "uid": meetup_uid(42),
        "sequence": 0,
        "starts_at": datetime(2026, 3, 14, 17, 30, tzinfo=UTC),
        "duration_minutes": 90,
        "summary": "Coffee with Amina",
        "location": "Grote Markt, Brussel",
        "tz": "Europe/Brussels",
        "now": NOW,
    }
    arguments.update(overrides)
    return meetup_calendar(**arguments)  # type: ignore[arg-type]


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\r\n")


def test_meetup_uid() -> None:
    assert meetup_uid(42) == "meetup-42@buddybot.local"
    assert meetup_uid(7, domain="buddy.example.org") == "meetup-7@buddy.example.org"
    with pytest.raises(ValueError):
        meetup_uid(-1)


def test_round_trip() -> None:
    data = make(description="Bring your questions about the commune.")
    parsed = parse_meetup(data)
    assert parsed == ParsedMeetup(
        uid="meetup-42@buddybot.local",
        sequence=0,
        method="REQUEST",
        status="CONFIRMED",
        starts_at=datetime(2026, 3, 14, 18, 30, tzinfo=BRUSSELS),
        ends_at=datetime(2026, 3, 14, 20, 0, tzinfo=BRUSSELS),
        tzid="Europe/Brussels",
        summary="Coffee with Amina",
        location="Grote Markt, Brussel",
        description="Bring your questions about the commune.",
        alarm_before=timedelta(hours=2),
    )
    assert parsed.starts_at == datetime(2026, 3, 14, 17, 30, tzinfo=UTC)


def test_required_properties_and_icalendar_parses_it() -> None:
    data = make()
    calendar = Calendar.from_ical(data)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"])
    assert str(calendar["calscale"]) == "GREGORIAN"
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.events
    assert event.decoded("dtstamp") == NOW
    assert "DTSTAMP:20260302T090000Z" in lines(data)
    # Without a description there is no empty DESCRIPTION line on the event.
    assert "description" not in event
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["tzid"]) == "Europe/Brussels"
    assert calendar.get_missing_tzids() == set()


def test_the_same_meetup_gives_the_same_bytes() -> None:
    # An outbox retry must not produce a different file.
    assert make() == make()


def test_crlf_line_endings_and_folded_lines() -> None:
    data = make(summary="Кава " * 40, location="حديقة " * 30)
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75  # octets, RFC 5545 3.1


@pytest.mark.parametrize(
    ("starts_at", "local"),
    [
        # The day before and the day of the spring change (02:00 -> 03:00 on 29 March).
        (datetime(2026, 3, 28, 10, 0, tzinfo=UTC), "20260328T110000"),
        (datetime(2026, 3, 29, 10, 0, tzinfo=UTC), "20260329T120000"),
        # The day before and the day of the autumn change (03:00 -> 02:00 on 25 October).
        (datetime(2026, 10, 24, 9, 0, tzinfo=UTC), "20261024T110000"),
        (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), "20261025T100000"),
    ],
)
def test_local_time_in_brussels_across_dst(starts_at: datetime, local: str) -> None:
    data = make(starts_at=starts_at)
    assert f"DTSTART;TZID=Europe/Brussels:{local}" in lines(data)
    parsed = parse_meetup(data)
    assert parsed.tzid == "Europe/Brussels"
    assert parsed.starts_at == starts_at
    assert parsed.starts_at.astimezone(BRUSSELS).strftime("%Y%m%dT%H%M%S") == local


def test_the_timezone_covers_both_changes_of_the_year() -> None:
    calendar = Calendar.from_ical(make(starts_at=datetime(2026, 10, 25, 9, 0, tzinfo=UTC)))
    (timezone,) = calendar.walk("VTIMEZONE")
    offsets = {
        (component.name, component.decoded("tzoffsetto")) for component in timezone.subcomponents
    }
    assert ("DAYLIGHT", timedelta(hours=2)) in offsets
    assert ("STANDARD", timedelta(hours=1)) in offsets


def test_a_meetup_across_the_spring_change_keeps_its_real_duration() -> None:
    # 01:30 CET for 90 minutes ends at 04:00 CEST, not 03:00.
    data = make(starts_at=datetime(2026, 3, 29, 0, 30, tzinfo=UTC), duration_minutes=90)
    assert "DTSTART;TZID=Europe/Brussels:20260329T013000" in lines(data)
    assert "DTEND;TZID=Europe/Brussels:20260329T040000" in lines(data)
    parsed = parse_meetup(data)
    assert parsed.ends_at.astimezone(UTC) - parsed.starts_at.astimezone(UTC) == timedelta(
        minutes=90
    )


def test_another_time_zone() -> None:
    data = make(tz="Europe/Kyiv")
    assert "DTSTART;TZID=Europe/Kyiv:20260314T193000" in lines(data)
    assert parse_meetup(data).tzid == "Europe/Kyiv"


def test_sequence_and_cancel() -> None:
    request = parse_meetup(make(sequence=1))
    cancel_data = make(sequence=2, cancelled=True)
    cancel = parse_meetup(cancel_data)
    assert cancel.uid == request.uid
    assert (request.sequence, cancel.sequence) == (1, 2)
    assert (request.method, request.status) == ("REQUEST", "CONFIRMED")
    assert (cancel.method, cancel.status) == ("CANCEL", "CANCELLED")
    assert "METHOD:CANCEL" in lines(cancel_data)
    assert "STATUS:CANCELLED" in lines(cancel_data)
    assert "SEQUENCE:2" in lines(cancel_data)
    # No reminder for a meetup that will not happen.
    assert request.alarm_before == timedelta(hours=2)
    assert cancel.alarm_before is None
    assert b"VALARM" not in cancel_data


@pytest.mark.parametrize(
    ("summary", "location"),
    [
        ("لقاء مع أمينة: قهوة وحديث", "ساحة غراند بلاس، بروكسل"),
        ("Зустріч з Олею; кава, прогулянка", "Гран-Пляс, Брюссель"),
        ("ቡና ምስ ኣሚና", "Place Flagey; Ixelles, «Sud»"),
    ],
)
def test_non_ascii_text_round_trips(summary: str, location: str) -> None:
    parsed = parse_meetup(make(summary=summary, location=location, description=summary))
    assert parsed.summary == summary
    assert parsed.location == location
    assert parsed.description == summary


def test_dtstamp_is_written_in_utc() -> None:
    data = make(now=datetime(2026, 3, 2, 10, 0, tzinfo=BRUSSELS))
    assert "DTSTAMP:20260302T090000Z" in lines(data)


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": datetime(2026, 3, 14, 17, 30)},
        {"now": datetime(2026, 3, 2, 9, 0)},
        {"duration_minutes": 0},
        {"sequence": -1},
        {"tz": "Europe/Atlantis"},
        {"tz": "../etc/passwd"},
    ],
)
def test_bad_arguments_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make(**overrides)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a calendar",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;VALUE=DATE:20260314\r\n"
        b"DTEND;VALUE=DATE:20260315\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    ],
)
def test_parse_refuses_what_the_bot_does_not_send(data: bytes) -> None:
    with pytest.raises(ValueError):
        parse_meetup(data)
