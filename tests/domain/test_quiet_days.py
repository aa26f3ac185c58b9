"""Each person's own time (domain/quiet.py, domain/personal_time.py): quiet hours from a
few ranges, Belgian public holidays, days off and a holiday pause hold non-urgent messages,
never a reminder of a meetup; everything in the person's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import personal_time
from domain.notices import Notice
from domain.notify import push
from domain.quiet import (
    QUIET_DAY_KINDS,
    PersonalTime,
    is_public_holiday,
    next_allowed_for,
    valid_timezone,
)
from storage.models import Role, User
from storage.uow import UnitOfWork
from tests.domain.conftest import Duo, World, accepted_meetup

BRUSSELS = ZoneInfo("Europe/Brussels")
TORONTO = ZoneInfo("America/Toronto")
NUDGE = Notice.PAIR_NUDGE.value
Refusal = Callable[[UnitOfWork, User], object]


def brussels(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=BRUSSELS)


def test_public_holidays_come_from_the_library() -> None:
    # National day, Whit Monday (moves with Easter), Armistice: not a hand-made list.
    assert is_public_holiday(date(2027, 7, 21))
    assert is_public_holiday(date(2027, 5, 17))
    assert is_public_holiday(date(2028, 6, 5))
    assert is_public_holiday(date(2027, 11, 11))
    assert not is_public_holiday(date(2027, 7, 22))


def test_a_nudge_due_on_the_national_day_waits_for_the_next_morning() -> None:
    rules = PersonalTime(BRUSSELS)
    assert next_allowed_for(brussels(7, 21, 11), rules, kind=NUDGE) == brussels(7, 22, 8)
    # The evening before is an ordinary day: it goes out then.
    assert next_allowed_for(brussels(7, 20, 19), rules, kind=NUDGE) == brussels(7, 20, 19)
    # Late the evening before, it waits for the night *and* the holiday.
    assert next_allowed_for(brussels(7, 20, 22), rules, kind=NUDGE) == brussels(7, 22, 8)


def test_a_reminder_of_a_meetup_on_a_holiday_is_not_held() -> None:
    rules = PersonalTime(BRUSSELS)
    meetup = brussels(7, 21, 14)
    due = meetup - timedelta(hours=2)
    assert next_allowed_for(due, rules, kind=Notice.MEETUP_REMINDER, event_starts_at=meetup) == due


def test_what_a_person_did_for_someone_is_not_held_on_a_holiday() -> None:
    # A partner's proposal is a conversation, not a tip: only the night holds it.
    rules = PersonalTime(BRUSSELS)
    due = brussels(7, 21, 11)
    assert Notice.MEETUP_PROPOSED not in QUIET_DAY_KINDS
    assert next_allowed_for(due, rules, kind=Notice.MEETUP_PROPOSED) == due


def test_quiet_hours_22_to_9_hold_everything_at_half_past_eight_but_an_early_reminder() -> None:
    rules = PersonalTime(BRUSSELS, 22, 9)
    half_past_eight = brussels(3, 3, 8, 30)  # a Wednesday
    for kind in (NUDGE, Notice.CHECKIN_ASK, Notice.MEETUP_PROPOSED, Notice.BROADCAST):
        assert next_allowed_for(half_past_eight, rules, kind=kind) == brussels(3, 3, 9)
    meetup = brussels(3, 3, 9, 30)
    assert (
        next_allowed_for(
            half_past_eight, rules, kind=Notice.MEETUP_REMINDER, event_starts_at=meetup
        )
        == half_past_eight
    )
    # A reminder of an afternoon meetup has no hurry: it waits for 09:00 too.
    later = brussels(3, 3, 15)
    assert next_allowed_for(
        half_past_eight, rules, kind=Notice.MEETUP_REMINDER, event_starts_at=later
    ) == brussels(3, 3, 9)


def test_days_off_and_a_holiday_in_a_row_are_all_skipped() -> None:
    # Friday 16 July 2027 is an ordinary day; Saturday and Sunday are days off.
    rules = PersonalTime(BRUSSELS, days_off=frozenset({5, 6}))
    assert next_allowed_for(brussels(7, 17, 10), rules, kind=NUDGE) == brussels(7, 19, 8)
    # Armistice day is a Thursday in 2027; with Fridays off, Saturday morning.
    rules = PersonalTime(BRUSSELS, days_off=frozenset({4}))
    assert next_allowed_for(brussels(11, 11, 10), rules, kind=NUDGE) == brussels(11, 13, 8)


def test_away_until_holds_non_urgent_messages_and_ends_by_itself() -> None:
    rules = PersonalTime(BRUSSELS, away_until=date(2027, 3, 20))
    assert next_allowed_for(brussels(3, 3, 10), rules, kind=NUDGE) == brussels(3, 20, 8)
    assert next_allowed_for(brussels(3, 20, 10), rules, kind=NUDGE) == brussels(3, 20, 10)
    meetup = brussels(3, 5, 18)
    reminder = meetup - timedelta(days=1)
    assert (
        next_allowed_for(reminder, rules, kind=Notice.MEETUP_REMINDER, event_starts_at=meetup)
        == reminder
    )


def test_quiet_hours_are_the_persons_own_in_their_time_zone() -> None:
    rules = PersonalTime(TORONTO, 22, 9)
    # 14:00 in Brussels is 08:00 in Toronto: quiet there until 09:00, 15:00 in Brussels.
    due = brussels(3, 3, 14)
    assert next_allowed_for(due, rules, kind=NUDGE) == brussels(3, 3, 15)
    # A holiday is the day in the person's own calendar: 21 July 01:00 in Brussels is
    # still 20 July in Toronto (19:00), an ordinary evening there.
    evening = datetime(2027, 7, 20, 19, tzinfo=TORONTO)
    assert next_allowed_for(evening, rules, kind=NUDGE) == evening


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Brussels", "Europe/Brussels"),
        ("africa/kinshasa", "Africa/Kinshasa"),
        (" America/New York ", "America/New_York"),
        ("Europe", None),
        ("Mars/Olympus", None),
        ("../../etc/passwd", None),
        ("", None),
    ],
)
def test_a_typed_time_zone_is_an_iana_name_or_refused(typed: str, stored: str | None) -> None:
    assert valid_timezone(typed) == stored


async def test_settings_are_checked_and_a_refusal_changes_nothing(world: World) -> None:
    person = await world.person(Role.NEWCOMER, "Amal")
    now = world.clock.now()

    async def change(uow: UnitOfWork, p: User) -> None:
        personal_time.set_quiet_hours(p, 1)
        personal_time.toggle_day_off(p, 6)
        personal_time.toggle_day_off(p, 5)
        personal_time.toggle_day_off(p, 6)
        personal_time.away_for(p, 14, now)
        personal_time.set_timezone(p, "asia/kabul")

    await world.act(person.id, change)
    refusals: list[Refusal] = [
        lambda uow, p: personal_time.set_quiet_hours(p, 9),
        lambda uow, p: personal_time.toggle_day_off(p, 7),
        lambda uow, p: personal_time.away_for(p, 3, now),
        lambda uow, p: personal_time.away_until(p, now.date(), now),
        lambda uow, p: personal_time.away_until(p, now.date() + timedelta(days=400), now),
        lambda uow, p: personal_time.set_timezone(p, "Nowhere/Town"),
    ]
    for refused in refusals:

        async def attempt(uow: object, p: object, refused: object = refused) -> None:
            refused(uow, p)  # type: ignore[operator]

        error = await world.refused(person.id, attempt)
        assert error.key in {"invalid_choice", "timezone_unknown"}
    stored = await world.get(User, person.id)
    assert (stored.quiet_from, stored.quiet_until) == (22, 9)
    assert stored.days_off == [5]
    assert stored.away_until == now.date() + timedelta(days=14)
    assert stored.timezone == "Asia/Kabul"


async def test_push_holds_a_nudge_on_a_holiday_but_not_a_meetup_reminder(
    world: World, duo: Duo
) -> None:
    world.clock.set(brussels(7, 19, 10))  # a Monday
    meetup_id = await accepted_meetup(world, duo, brussels(7, 21, 15))
    reminders = await world.outbox(Notice.MEETUP_REMINDER.value, recipient_id=duo.newcomer_id)
    dues = sorted(row.due_at for row in reminders)
    assert dues == [brussels(7, 20, 15), brussels(7, 21, 13)], meetup_id
    world.clock.set(brussels(7, 21, 11))

    async def nudge(uow: UnitOfWork, person: User) -> None:
        push(uow, person, Notice.PAIR_NUDGE, {"pair_id": duo.pair_id}, due=world.clock.now())

    await world.act(duo.newcomer_id, nudge)
    [held] = await world.outbox(NUDGE, recipient_id=duo.newcomer_id)
    assert held.due_at == brussels(7, 22, 8)


async def test_a_pair_is_not_counted_silent_while_one_of_them_is_away(
    world: World, duo: Duo
) -> None:
    start = world.clock.now()

    async def away(uow: UnitOfWork, person: User) -> None:
        personal_time.away_for(person, 30, start)

    await world.act(duo.buddy_id, away)
    world.clock.advance(timedelta(days=29))  # beyond the 14 days of a nudge, and 28 of an alert
    assert await world.plan_nudges() == 0
    assert await world.outbox(NUDGE) == []
    # Back on day 30: the silence counts from there, so 14 days later comes the nudge.
    world.clock.advance(timedelta(days=1 + 14))
    assert await world.plan_nudges() == 2
    assert len(await world.outbox(NUDGE)) == 2
    assert await world.outbox(Notice.COORDINATOR_PAIR_QUIET.value) == []


async def test_a_pause_holds_what_was_already_waiting_and_coming_back_releases_it(
    world: World, duo: Duo
) -> None:
    now = world.clock.now()

    async def nudge(uow: UnitOfWork, person: User) -> None:
        push(uow, person, Notice.PAIR_NUDGE, {"pair_id": duo.pair_id}, due=now)
        push(uow, person, Notice.MEETUP_PROPOSED, {"pair_id": duo.pair_id}, due=now)

    await world.act(duo.newcomer_id, nudge)

    async def away(uow: UnitOfWork, person: User) -> None:
        personal_time.away_for(person, 7, now)
        assert await personal_time.replan_waiting(uow, person, now) == 1

    await world.act(duo.newcomer_id, away)
    [held] = await world.outbox(NUDGE)
    back_on = now.astimezone(BRUSSELS).date() + timedelta(days=7)
    assert held.due_at == datetime.combine(back_on, datetime.min.time(), BRUSSELS).replace(hour=8)
    # Not a tip: what the partner did still comes at once.
    [proposal] = await world.outbox(Notice.MEETUP_PROPOSED.value)
    assert proposal.due_at == now

    async def back(uow: UnitOfWork, person: User) -> None:
        personal_time.back(person)
        await personal_time.replan_waiting(uow, person, now)

    await world.act(duo.newcomer_id, back)
    [released] = await world.outbox(NUDGE)
    assert released.due_at == now
