"""Quiet hours: what falls at night waits for the morning, except early reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.quiet import in_quiet_hours, next_allowed

BRUSSELS = ZoneInfo("Europe/Brussels")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BRUSSELS)


def test_daytime_is_not_quiet() -> None:
    assert next_allowed(local(4, 14), BRUSSELS) == local(4, 14)


def test_a_message_due_at_23_waits_until_8() -> None:
    assert next_allowed(local(4, 23), BRUSSELS) == local(5, 8)


def test_a_message_due_after_midnight_waits_until_8_the_same_day() -> None:
    assert next_allowed(local(5, 2, 30), BRUSSELS) == local(5, 8)


def test_a_reminder_for_a_meetup_before_10_is_not_held_back() -> None:
    assert next_allowed(local(6, 7), BRUSSELS, event_starts_at=local(6, 9)) == local(6, 7)


def test_a_reminder_for_a_later_meetup_waits() -> None:
    assert next_allowed(local(5, 23), BRUSSELS, event_starts_at=local(6, 14)) == local(6, 8)


def test_per_person_quiet_hours_and_time_zone() -> None:
    kyiv = ZoneInfo("Europe/Kyiv")
    due = datetime(2026, 3, 4, 20, 30, tzinfo=UTC)  # 22:30 in Kyiv
    assert next_allowed(due, kyiv, 22, 7) == datetime(2026, 3, 5, 7, 0, tzinfo=kyiv)
    assert not in_quiet_hours(local(4, 12), 12, 12)  # equal bounds: never quiet
    assert in_quiet_hours(local(4, 13), 12, 14)  # a daytime window works too
