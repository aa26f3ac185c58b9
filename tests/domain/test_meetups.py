"""Meetups of a pair (domain/meetups.py) and the question "did it take place?"
(domain/hours.py) at the service level, on SQLite with a frozen clock.

Reminders are outbox rows keyed by the meetup and its sequence number: accepting writes
them, rescheduling moves them, cancelling withdraws them. A refusal is committed the way
the middleware commits a handled update, and must have changed nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain import hours, meetups
from storage.models import HourEntry, Meetup, MeetupStatus, Role
from tests.domain.conftest import (
    Action,
    Duo,
    World,
    accept,
    accepted_meetup,
    changing,
    deciding,
    not_happening,
    on,
    propose,
    proposing,
    scheduled,
    took_place,
)

SATURDAY_AFTERNOON = timedelta(days=5, hours=5)  # from Monday 09:00 UTC: Saturday 15:00 Brussels


def plan_rows(
    meetup_id: int, sequence: int, duo: Duo, starts_at: datetime, minutes: int, now: datetime
) -> list[tuple[str | None, datetime]]:
    prefix = f"meetup:{meetup_id}:s{sequence}"
    rows: list[tuple[str | None, datetime]] = []
    for member in (duo.newcomer_id, duo.buddy_id):
        rows += [
            (f"{prefix}:ics:{member}", now),
            (f"{prefix}:rem-day:{member}", starts_at - timedelta(days=1)),
            (f"{prefix}:rem-soon:{member}", starts_at - timedelta(hours=2)),
            (f"{prefix}:ask:{member}", starts_at + timedelta(minutes=minutes)),
        ]
    return sorted(rows)


# --- propose ---------------------------------------------------------------------------


async def test_the_first_meetup_of_a_pair_is_their_introduction(
    world: World, duo: Duo, now: datetime
) -> None:
    first = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    second = await propose(world, duo.buddy_id, now + SATURDAY_AFTERNOON + timedelta(days=7))

    assert (await world.get(Meetup, first.id)).is_introduction is True
    assert (await world.get(Meetup, second.id)).is_introduction is False
    assert (first.status, first.proposer_id, first.sequence) == ("proposed", duo.newcomer_id, 0)
    to_buddy, to_newcomer = await world.outbox("meetup.proposed")
    assert to_buddy.recipient_id == duo.buddy_id
    assert (to_buddy.params["meetup_id"], to_buddy.params["intro"]) == (first.id, True)
    assert to_buddy.params["name"] == "Amal"
    assert to_buddy.params["place"] == "Bib Muntpunt"
    assert (to_newcomer.recipient_id, to_newcomer.params["intro"]) == (duo.newcomer_id, False)
    # Another pair's first meetup is their own introduction.
    other = await world.duo("Chen", "Dirk")
    theirs = await propose(world, other.buddy_id, now + SATURDAY_AFTERNOON)
    assert (await world.get(Meetup, theirs.id)).is_introduction is True


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(minutes=-1), timedelta(days=-3)])
async def test_a_meetup_in_the_past_is_refused(
    world: World, duo: Duo, now: datetime, offset: timedelta
) -> None:
    error = await world.refused(duo.newcomer_id, proposing(now + offset, now))
    assert error.key == "meetup_in_past"
    assert await world.outbox(status=None) == []


@pytest.mark.parametrize(
    ("minutes", "place", "kind", "key"),
    [
        (10, "Park", "sport", "duration_out_of_range"),
        (12 * 60 + 1, "Park", "sport", "duration_out_of_range"),
        (60, "Park", "bungee", "invalid_choice"),
        (60, "   ", "sport", "place_empty"),
        (60, "x" * 201, "sport", "place_too_long"),
    ],
)
async def test_a_plan_outside_the_rules_is_refused(
    world: World, duo: Duo, now: datetime, minutes: int, place: str, kind: str, key: str
) -> None:
    error = await world.refused(
        duo.buddy_id, proposing(now + SATURDAY_AFTERNOON, now, minutes, place, kind)
    )
    assert error.key == key
    assert await world.outbox(status=None) == []
    async with world.uow() as uow:
        assert await uow.meetups.count_for_pair(duo.pair_id) == 0


async def test_someone_without_a_pair_cannot_propose(world: World, now: datetime) -> None:
    waiting = await world.person(Role.NEWCOMER, "Eva")
    error = await world.refused(waiting.id, proposing(now + SATURDAY_AFTERNOON, now))
    assert error.key == "no_pair"


# --- accept, reminders, propose another time, decline --------------------------------


async def test_accepting_sends_calendars_and_plans_reminders_and_the_question(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup = await propose(world, duo.newcomer_id, starts_at, 120)
    await accept(world, duo.buddy_id, meetup.id)

    assert (await world.get(Meetup, meetup.id)).status == "accepted"
    assert await scheduled(world, meetup.id) == plan_rows(meetup.id, 0, duo, starts_at, 120, now)
    [accepted] = await world.outbox("meetup.accepted")
    assert (accepted.recipient_id, accepted.params["name"]) == (duo.newcomer_id, "Bram")
    reminders = await world.outbox("meetup.reminder")
    assert {r.params["which"] for r in reminders} == {"day", "soon"}
    assert {r.params["expires_at"] for r in reminders} == {starts_at.isoformat()}


async def test_reminders_already_past_are_not_planned(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + timedelta(hours=5)  # 15:00 in Brussels, later today
    meetup_id = await accepted_meetup(world, duo, starts_at, 60)
    keys = [key for key, _due in await scheduled(world, meetup_id)]
    assert not [k for k in keys if k and ":rem-day:" in k]
    assert len([k for k in keys if k and ":rem-soon:" in k]) == 2


async def test_only_the_other_side_accepts_and_only_once(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    accepting = on(meetups.accept, meetup.id, now)
    assert (await world.refused(duo.newcomer_id, accepting)).key == "not_your_turn"
    assert await scheduled(world, meetup.id) == []
    await accept(world, duo.buddy_id, meetup.id)
    assert (await world.refused(duo.buddy_id, accepting)).key == "meetup_closed"
    assert len(await world.outbox("meetup.accepted")) == 1


async def test_a_proposal_whose_time_has_passed_cannot_be_accepted(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + timedelta(hours=3))
    world.clock.advance(timedelta(hours=3))
    later = world.clock.now()
    error = await world.refused(duo.buddy_id, on(meetups.accept, meetup.id, later))
    assert error.key == "meetup_in_past"
    assert (await world.get(Meetup, meetup.id)).status == "proposed"


async def test_proposing_another_time_hands_the_turn_back(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    other_time = now + SATURDAY_AFTERNOON + timedelta(days=1)
    await world.act(duo.buddy_id, changing(meetup.id, other_time, now, 90))

    changed = await world.get(Meetup, meetup.id)
    assert (changed.status, changed.proposer_id, changed.sequence) == (
        "proposed",
        duo.buddy_id,
        1,
    )
    assert (changed.starts_at, changed.duration_minutes) == (other_time, 90)
    notice = (await world.outbox("meetup.proposed", recipient_id=duo.newcomer_id))[-1]
    assert notice.params["changed"] is True
    assert notice.params["sequence"] == 1
    # Now the buddy waits: only the newcomer can accept.
    accepting = on(meetups.accept, meetup.id, now)
    assert (await world.refused(duo.buddy_id, accepting)).key == "not_your_turn"
    await accept(world, duo.newcomer_id, meetup.id)
    assert await scheduled(world, meetup.id) == plan_rows(meetup.id, 1, duo, other_time, 90, now)


async def test_rescheduling_an_accepted_meetup_moves_its_reminders(
    world: World, duo: Duo, now: datetime
) -> None:
    first_time = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, first_time, 120)
    old_rows = await scheduled(world, meetup_id)
    assert len(old_rows) == 8

    new_time = first_time + timedelta(days=2, hours=-3)
    await world.act(duo.buddy_id, changing(meetup_id, new_time, now, 60))
    # Until the other accepts the new time, nothing is planned; the old rows are withdrawn.
    assert await scheduled(world, meetup_id) == []
    cancelled = await world.outbox(status=None)
    # (The first meeting's guide and questions go too: tests/domain/test_first_meeting.py.)
    withdrawn = {r.dedup_key for r in cancelled if r.status == "cancelled"}
    assert {k for k in withdrawn if k and k.startswith("meetup:")} == {k for k, _ in old_rows}
    assert (await world.get(Meetup, meetup_id)).status == "proposed"

    await accept(world, duo.newcomer_id, meetup_id)
    assert await scheduled(world, meetup_id) == plan_rows(meetup_id, 1, duo, new_time, 60, now)


async def test_changing_to_a_past_time_is_refused_and_keeps_the_reminders(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup_id = await accepted_meetup(world, duo, now + SATURDAY_AFTERNOON)
    before = await scheduled(world, meetup_id)
    error = await world.refused(duo.buddy_id, changing(meetup_id, now - timedelta(hours=1), now))
    assert error.key == "meetup_in_past"
    assert await scheduled(world, meetup_id) == before
    meetup = await world.get(Meetup, meetup_id)
    assert (meetup.status, meetup.sequence, meetup.starts_at) == (
        "accepted",
        0,
        now + SATURDAY_AFTERNOON,
    )


async def test_declining_tells_the_proposer_and_closes_the_proposal(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    declining = on(meetups.decline, meetup.id, now)
    assert (await world.refused(duo.newcomer_id, declining)).key == "not_your_turn"
    await world.act(duo.buddy_id, declining)

    assert (await world.get(Meetup, meetup.id)).status == "declined"
    [notice] = await world.outbox("meetup.declined")
    assert (notice.recipient_id, notice.params["name"]) == (duo.newcomer_id, "Bram")
    accepting = on(meetups.accept, meetup.id, now)
    assert (await world.refused(duo.buddy_id, accepting)).key == "meetup_closed"
    assert (await world.refused(duo.buddy_id, declining)).key == "meetup_closed"


# --- cancel ----------------------------------------------------------------------------


async def test_cancelling_an_accepted_meetup_withdraws_its_reminders(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup_id = await accepted_meetup(world, duo, now + SATURDAY_AFTERNOON)
    world.clock.advance(timedelta(hours=1))
    later = world.clock.now()
    await world.act(duo.buddy_id, on(meetups.cancel, meetup_id, later))

    meetup = await world.get(Meetup, meetup_id)
    assert (meetup.status, meetup.sequence) == ("cancelled", 1)
    assert await scheduled(world, meetup_id) == []
    assert len(await world.outbox("meetup.reminder", status=None)) == 4
    [told] = await world.outbox("meetup.cancelled")
    assert told.recipient_id == duo.newcomer_id
    # Both calendars get the cancellation (SEQUENCE 1), after the invitation.
    calendars = [r for r in await world.outbox("meetup.calendar") if r.params.get("cancelled")]
    assert len(calendars) == 2
    assert {r.recipient_id for r in calendars} == {duo.newcomer_id, duo.buddy_id}
    assert {r.params["sequence"] for r in calendars} == {1}
    again = on(meetups.cancel, meetup_id, later)
    assert (await world.refused(duo.newcomer_id, again)).key == "meetup_closed"


async def test_cancelling_a_proposal_sends_no_calendar(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    await world.act(duo.newcomer_id, on(meetups.cancel, meetup.id, now))
    assert (await world.get(Meetup, meetup.id)).status == "cancelled"
    assert [r.recipient_id for r in await world.outbox("meetup.cancelled")] == [duo.buddy_id]
    assert await world.outbox("meetup.calendar", status=None) == []


async def test_upcoming_lists_only_open_future_meetups_of_ones_own_pair(
    world: World, duo: Duo, now: datetime
) -> None:
    other = await world.duo("Chen", "Dirk")
    kept = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON + timedelta(days=1))
    soon = await propose(world, duo.buddy_id, now + SATURDAY_AFTERNOON)
    gone = await propose(world, duo.buddy_id, now + SATURDAY_AFTERNOON + timedelta(days=2))
    await world.act(duo.buddy_id, on(meetups.cancel, gone.id, now))
    await propose(world, other.newcomer_id, now + SATURDAY_AFTERNOON)
    listed = await world.act(duo.newcomer_id, lambda uow, p: meetups.upcoming(uow, p, now))
    assert [m.id for m in listed] == [soon.id, kept.id]


# --- another pair's meetup -------------------------------------------------------------


def each_action(meetup_id: int, now: datetime) -> list[Action]:
    later = now + timedelta(days=10)
    return [
        on(meetups.accept, meetup_id, now),
        on(meetups.decline, meetup_id, now),
        on(meetups.cancel, meetup_id, now),
        changing(meetup_id, now + SATURDAY_AFTERNOON, now),
        took_place(meetup_id, 60, later),
        not_happening(meetup_id, "no_show", later),
    ]


async def test_nobody_acts_on_another_pairs_meetup(world: World, duo: Duo, now: datetime) -> None:
    other = await world.duo("Chen", "Dirk")
    meetup = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    before = await world.outbox(status=None)
    for action in each_action(meetup.id, now):
        assert (await world.refused(other.buddy_id, action)).key == "not_found"
    # An id that does not exist reads the same, so ids cannot be probed.
    for made_up in each_action(meetup.id + 999, now):
        assert (await world.refused(duo.buddy_id, made_up)).key == "not_found"
    unchanged = await world.get(Meetup, meetup.id)
    assert (unchanged.status, unchanged.sequence, unchanged.proposer_id) == (
        "proposed",
        0,
        duo.newcomer_id,
    )
    assert [r.id for r in await world.outbox(status=None)] == [r.id for r in before]


async def test_hours_cannot_be_logged_against_another_pairs_meetup(
    world: World, duo: Duo, now: datetime
) -> None:
    other = await world.duo("Chen", "Dirk")
    theirs = await propose(world, other.newcomer_id, now + timedelta(hours=3))
    error = await world.refused(
        duo.newcomer_id,
        lambda uow, p: hours.log(
            uow,
            p,
            started_at=now - timedelta(days=1),
            minutes=60,
            kind="sport",
            now=now,
            meetup_id=theirs.id,
        ),
    )
    assert error.key == "not_found"


# --- did it take place? ----------------------------------------------------------------


async def test_yes_it_took_place_logs_the_meetups_hours_for_the_other_to_confirm(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    # It ran 15 minutes over: 135 minutes can only be answered once they have passed.
    just_after_plan = starts_at + timedelta(minutes=125)
    error = await world.refused(duo.newcomer_id, took_place(meetup_id, 135, just_after_plan))
    assert error.key == "hours_in_future"
    world.clock.set(starts_at + timedelta(minutes=150))
    after = world.clock.now()
    entry: HourEntry = await world.act(duo.newcomer_id, took_place(meetup_id, 135, after))

    [stored_entry] = await world.rows(HourEntry)
    assert stored_entry.id == entry.id
    assert (stored_entry.meetup_id, stored_entry.started_at) == (meetup_id, starts_at)
    assert (stored_entry.minutes, stored_entry.activity_kind) == (135, "culture")
    assert (stored_entry.status, stored_entry.logged_by) == ("pending", duo.newcomer_id)
    assert (await world.get(Meetup, meetup_id)).status == MeetupStatus.DONE.value
    # The other says "yes" with the same duration: that confirms the entry.
    await world.act(duo.buddy_id, took_place(meetup_id, 135, after))
    [confirmed] = await world.rows(HourEntry)
    assert (confirmed.status, confirmed.confirmed_by) == ("confirmed", duo.buddy_id)


async def test_after_confirming_the_others_hours_ones_own_yes_is_already_answered(
    world: World, duo: Duo, now: datetime
) -> None:
    """Sofie confirmed Amal's hours from their message; her own "Yes, it took place" then
    says it was answered, not that the other noted *different* hours."""
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    after = starts_at + timedelta(hours=3)
    entry: HourEntry = await world.act(duo.newcomer_id, took_place(meetup_id, 120, after))
    await world.act(duo.buddy_id, deciding(hours.confirm, entry.id, after))
    error = await world.refused(duo.buddy_id, took_place(meetup_id, 120, after))
    assert error.key == "entry_decided"
    [stored] = await world.rows(HourEntry)
    assert (stored.status, stored.confirmed_by) == ("confirmed", duo.buddy_id)


async def test_the_question_is_refused_before_the_meetup(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup_id = await accepted_meetup(world, duo, now + SATURDAY_AFTERNOON)
    error = await world.refused(duo.newcomer_id, took_place(meetup_id, 120, now))
    assert error.key == "hours_in_future"
    assert await world.rows(HourEntry) == []
    assert (await world.get(Meetup, meetup_id)).status == "accepted"


async def test_the_question_is_refused_before_the_planned_end(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    during = starts_at + timedelta(minutes=60)
    world.clock.set(during)
    error = await world.refused(duo.newcomer_id, took_place(meetup_id, 120, during))
    assert error.key == "hours_in_future"
    assert await world.rows(HourEntry) == []


async def test_a_proposal_never_accepted_has_no_hours(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup = await propose(world, duo.newcomer_id, now + timedelta(hours=3))
    later = now + timedelta(days=1)
    error = await world.refused(duo.buddy_id, took_place(meetup.id, 60, later))
    assert error.key == "meetup_closed"
    assert await world.rows(HourEntry) == []


async def test_the_meetups_hours_are_logged_once(world: World, duo: Duo, now: datetime) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    after = starts_at + timedelta(hours=3)
    await world.act(duo.newcomer_id, took_place(meetup_id, 120, after))
    assert (await world.refused(duo.newcomer_id, took_place(meetup_id, 120, after))).key == (
        "already_logged"
    )
    # A different duration from the other side is not a confirmation: it is refused.
    assert (await world.refused(duo.buddy_id, took_place(meetup_id, 90, after))).key == (
        "already_logged_by_other"
    )
    [entry] = await world.rows(HourEntry)
    assert (entry.minutes, entry.status) == (120, "pending")


async def test_a_refused_answer_leaves_the_meetup_as_it_was(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    after = starts_at + timedelta(hours=3)
    error = await world.refused(duo.newcomer_id, took_place(meetup_id, 5, after))
    assert error.key == "duration_out_of_range"
    assert (await world.get(Meetup, meetup_id)).status == "accepted"


async def test_a_no_show_alerts_the_coordinators_and_withdraws_the_reminders(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    starts_at = now + timedelta(hours=5)
    meetup_id = await accepted_meetup(world, duo, starts_at, 60)
    assert await scheduled(world, meetup_id) != []
    world.clock.set(starts_at - timedelta(minutes=30))
    later = world.clock.now()
    await world.act(
        duo.newcomer_id,
        not_happening(meetup_id, "no_show", later),
    )
    assert (await world.get(Meetup, meetup_id)).status == MeetupStatus.MISSED.value
    assert await scheduled(world, meetup_id) == []  # no "soon" reminder, no question after
    [alert] = await world.outbox("coordinator.no_show")
    assert alert.recipient_id == coordinator.id
    assert alert.params == {"pair_id": duo.pair_id, "name": "Amal"}


async def test_no_it_did_not_happen_closes_the_meetup_without_hours(
    world: World, duo: Duo, now: datetime
) -> None:
    await world.coordinator()
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 60)
    after = starts_at + timedelta(hours=2)
    for reason, outcome in (("rain", "invalid_choice"), ("cancelled", None)):
        action = not_happening(meetup_id, reason, after)
        if outcome is None:
            await world.act(duo.buddy_id, action)
        else:
            assert (await world.refused(duo.buddy_id, action)).key == outcome
    assert (await world.get(Meetup, meetup_id)).status == "cancelled"
    assert await world.outbox("coordinator.no_show") == []
    error = await world.refused(duo.newcomer_id, took_place(meetup_id, 60, after))
    assert error.key == "meetup_closed"
    assert await world.rows(HourEntry) == []


async def test_progress_counts_the_meetups_agreed_this_month(
    world: World, duo: Duo, now: datetime
) -> None:
    await accepted_meetup(world, duo, now + SATURDAY_AFTERNOON)
    await propose(world, duo.buddy_id, now + SATURDAY_AFTERNOON + timedelta(days=1))  # not agreed
    await accepted_meetup(world, duo, now + timedelta(days=40))  # next month
    _pair, progress = await world.act(duo.buddy_id, lambda uow, p: hours.progress(uow, p, now))
    assert progress.meetups_this_month == 1
