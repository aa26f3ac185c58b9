"""The hours ledger (domain/hours.py) at the service level, on SQLite with a frozen clock:
each rule of the module docstring with its own refusal, confirmations and disputes, the
append-only corrections, progress, milestones and the nudges of quiet pairs.

A refusal is committed the way the middleware commits a handled update, and must have
written nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain import hours, meetups
from storage.models import HourEntry, Outbox, PairStatus, Role, User
from tests.domain.conftest import Action, Duo, World, correcting, deciding, logging_hours

DAY = timedelta(days=1)


# --- logging and its rules -------------------------------------------------------------


async def test_logged_hours_wait_for_the_other_side(world: World, duo: Duo, now: datetime) -> None:
    entry = await world.log(duo.newcomer_id, now - 2 * DAY, 90, "culture")

    [stored] = await world.rows(HourEntry)
    assert (stored.id, stored.status, stored.minutes, stored.pair_id) == (
        entry.id,
        "pending",
        90,
        duo.pair_id,
    )
    assert (stored.logged_by, stored.confirmed_by) == (duo.newcomer_id, None)
    [request] = await world.outbox("hours.confirm_request")
    assert request.recipient_id == duo.buddy_id
    assert (request.params["entry_id"], request.params["minutes"]) == (entry.id, 90)
    assert request.params["name"] == "Amal"
    progress = await world.progress(duo.buddy_id)
    assert (progress.confirmed_minutes, progress.pending_minutes) == (0, 90)


@pytest.mark.parametrize(
    ("ago", "minutes"), [(DAY, 15), (DAY, 12 * 60), (60 * DAY, 60), (timedelta(minutes=15), 15)]
)
async def test_the_edges_of_the_rules_are_accepted(
    world: World, duo: Duo, now: datetime, ago: timedelta, minutes: int
) -> None:
    await world.log(duo.buddy_id, now - ago, minutes)
    assert [e.minutes for e in await world.rows(HourEntry)] == [minutes]


@pytest.mark.parametrize(
    ("ago", "minutes", "kind", "key"),
    [
        (DAY, 0, "sport", "duration_out_of_range"),
        (DAY, 10, "sport", "duration_out_of_range"),
        (DAY, -60, "sport", "duration_out_of_range"),
        (DAY, 12 * 60 + 15, "sport", "duration_out_of_range"),
        (DAY, 50, "sport", "duration_steps"),
        (DAY, 60, "skydiving", "invalid_choice"),
        (-timedelta(minutes=1), 60, "sport", "hours_in_future"),
        (60 * DAY + timedelta(minutes=1), 60, "sport", "hours_too_old"),
    ],
)
async def test_hours_outside_the_rules_are_refused_each_with_its_own_message(
    world: World, duo: Duo, now: datetime, ago: timedelta, minutes: int, kind: str, key: str
) -> None:
    error = await world.refused(duo.newcomer_id, logging_hours(now - ago, minutes, kind, now=now))
    assert error.key == key
    if key == "hours_too_old":
        assert error.params == {"days": 60}
    assert await world.rows(HourEntry) == []
    assert await world.outbox(status=None) == []


async def test_hours_that_end_in_the_future_are_refused(
    world: World, duo: Duo, now: datetime
) -> None:
    started = now - timedelta(minutes=30)
    error = await world.refused(duo.newcomer_id, logging_hours(started, 120, now=now))
    assert error.key == "hours_in_future"
    assert await world.rows(HourEntry) == []


async def test_overlapping_hours_of_the_pair_are_refused_from_either_side(
    world: World, duo: Duo, now: datetime
) -> None:
    ten = now - 3 * DAY
    await world.log(duo.newcomer_id, ten, 60)
    for person_id, start in (
        (duo.newcomer_id, ten + timedelta(minutes=30)),
        (duo.buddy_id, ten - timedelta(minutes=30)),
        (duo.buddy_id, ten + timedelta(minutes=15)),
    ):
        error = await world.refused(person_id, logging_hours(start, 60, now=now))
        assert error.key == "hours_overlap"
    # Back to back is no overlap, and another pair's hours never clash with these.
    await world.log(duo.buddy_id, ten + timedelta(minutes=60), 60)
    await world.log(duo.buddy_id, ten - timedelta(minutes=60), 60)
    other = await world.duo("Chen", "Dirk")
    await world.log(other.newcomer_id, ten, 60)
    assert len(await world.rows(HourEntry)) == 4


async def test_someone_without_an_active_pair_cannot_log(
    world: World, duo: Duo, now: datetime
) -> None:
    waiting = await world.person(Role.NEWCOMER, "Eva")
    error = await world.refused(waiting.id, logging_hours(now - DAY, now=now))
    assert error.key == "no_pair"
    await world.set_pair_status(duo.pair_id, PairStatus.ENDED)
    error = await world.refused(duo.newcomer_id, logging_hours(now - DAY, now=now))
    assert error.key == "no_pair"
    assert await world.rows(HourEntry) == []


# --- confirming and disputing ----------------------------------------------------------


async def test_the_other_side_confirms_with_one_tap_and_the_hours_count(
    world: World, duo: Duo, now: datetime
) -> None:
    entry = await world.log(duo.buddy_id, now - DAY, 120, "culture")
    world.clock.advance(timedelta(hours=3))
    confirmed = await world.confirm(duo.newcomer_id, entry.id)

    [stored] = await world.rows(HourEntry)
    assert (stored.status, confirmed.status) == ("confirmed", "confirmed")
    assert (stored.confirmed_by, stored.decided_at) == (duo.newcomer_id, world.clock.now())
    [notice] = await world.outbox("hours.confirmed")
    assert (notice.recipient_id, notice.params["entry_id"]) == (duo.buddy_id, entry.id)
    progress = await world.progress(duo.newcomer_id)
    assert (progress.confirmed_minutes, progress.pending_minutes) == (120, 0)
    assert (progress.by_kind, progress.target_hours) == ({"culture": 120}, 40)


@pytest.mark.parametrize("decide", [hours.confirm, hours.dispute])
async def test_nobody_confirms_or_disputes_their_own_entry(
    world: World, duo: Duo, now: datetime, decide: Any
) -> None:
    entry = await world.log(duo.newcomer_id, now - DAY)
    error = await world.refused(duo.newcomer_id, deciding(decide, entry.id, now))
    assert error.key == "own_entry"
    [stored] = await world.rows(HourEntry)
    assert (stored.status, stored.confirmed_by, stored.decided_at) == ("pending", None, None)
    assert [r.key for r in await world.outbox()] == ["hours.confirm_request"]


@pytest.mark.parametrize("second", [hours.confirm, hours.dispute])
async def test_a_decided_entry_cannot_be_decided_again(
    world: World, duo: Duo, now: datetime, second: Any
) -> None:
    entry = await world.log(duo.newcomer_id, now - DAY)
    await world.confirm(duo.buddy_id, entry.id)
    error = await world.refused(duo.buddy_id, deciding(second, entry.id, now))
    assert error.key == "entry_decided"
    assert [e.status for e in await world.rows(HourEntry)] == ["confirmed"]
    assert len(await world.outbox("hours.confirmed")) == 1


async def test_a_dispute_goes_to_the_pairs_coordinators_and_does_not_count(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator("Kim")
    elsewhere = await world.coordinator("Lou", programme_id=await world.programme("gent"))
    entry = await world.log(duo.newcomer_id, now - DAY, 180)
    await world.act(duo.buddy_id, deciding(hours.dispute, entry.id, now))

    [stored] = await world.rows(HourEntry)
    assert (stored.status, stored.confirmed_by, stored.decided_at) == ("disputed", None, now)
    [alert] = await world.outbox("coordinator.hours_disputed")
    assert alert.recipient_id == coordinator.id
    assert alert.params == {"pair_id": duo.pair_id, "entry_id": entry.id, "minutes": 180}
    assert await world.outbox(recipient_id=elsewhere.id, status=None) == []
    [notice] = await world.outbox("hours.disputed")
    assert notice.recipient_id == duo.newcomer_id
    progress = await world.progress(duo.newcomer_id)
    assert (progress.confirmed_minutes, progress.pending_minutes) == (0, 0)


@pytest.mark.parametrize("decide", [hours.confirm, hours.dispute, None])
async def test_nobody_touches_another_pairs_entry(
    world: World, duo: Duo, now: datetime, decide: Any
) -> None:
    other = await world.duo("Chen", "Dirk")
    entry = await world.log(duo.newcomer_id, now - DAY)

    def action(entry_id: int) -> Action:
        if decide is None:
            return correcting(entry_id, 30, now)
        return deciding(decide, entry_id, now)

    for person_id in (other.newcomer_id, other.buddy_id):
        assert (await world.refused(person_id, action(entry.id))).key == "not_found"
    # A made-up entry id reads the same, so ids cannot be probed.
    assert (await world.refused(duo.buddy_id, action(entry.id + 999))).key == "not_found"
    assert [(e.status, e.minutes) for e in await world.rows(HourEntry)] == [("pending", 60)]


# --- the ledger is append-only ---------------------------------------------------------


async def test_a_correction_is_a_new_entry_pointing_at_the_one_it_corrects(
    world: World, duo: Duo, now: datetime
) -> None:
    start = now - DAY
    entry = await world.log(duo.newcomer_id, start, 60)
    world.clock.advance(timedelta(minutes=5))
    later = world.clock.now()
    correction: HourEntry = await world.act(duo.newcomer_id, correcting(entry.id, 90, later))

    old, new = await world.rows(HourEntry)
    # The old entry keeps what it said; only its status records that it was corrected.
    assert (old.id, old.minutes, old.status, old.decided_at) == (entry.id, 60, "corrected", later)
    assert (new.id, new.minutes, new.status) == (correction.id, 90, "pending")
    assert new.corrects_id == old.id
    assert new.started_at == start  # overlapping only the entry it replaces is fine
    requests = await world.outbox("hours.confirm_request")
    assert [r.params["entry_id"] for r in requests] == [entry.id, correction.id]
    progress = await world.progress(duo.buddy_id)
    assert (progress.confirmed_minutes, progress.pending_minutes) == (0, 90)
    await world.confirm(duo.buddy_id, correction.id)
    assert (await world.progress(duo.buddy_id)).confirmed_minutes == 90


async def test_a_disputed_entry_can_be_corrected(world: World, duo: Duo, now: datetime) -> None:
    entry = await world.log(duo.buddy_id, now - DAY, 240)
    await world.act(duo.newcomer_id, deciding(hours.dispute, entry.id, now))
    correction: HourEntry = await world.act(duo.buddy_id, correcting(entry.id, 120, now))
    assert correction.corrects_id == entry.id
    assert [e.status for e in await world.rows(HourEntry)] == ["corrected", "pending"]


async def test_only_the_logger_corrects_and_only_an_undecided_entry(
    world: World, duo: Duo, now: datetime
) -> None:
    entry = await world.log(duo.newcomer_id, now - DAY, 60)
    error = await world.refused(duo.buddy_id, correcting(entry.id, 90, now))
    assert error.key == "not_your_entry"
    await world.confirm(duo.buddy_id, entry.id)
    error = await world.refused(duo.newcomer_id, correcting(entry.id, 90, now))
    assert error.key == "entry_decided"
    assert [(e.minutes, e.status) for e in await world.rows(HourEntry)] == [(60, "confirmed")]


async def test_a_corrected_entry_is_neither_corrected_nor_confirmed_again(
    world: World, duo: Duo, now: datetime
) -> None:
    entry = await world.log(duo.newcomer_id, now - DAY, 60)
    await world.act(duo.newcomer_id, correcting(entry.id, 90, now))
    error = await world.refused(duo.newcomer_id, correcting(entry.id, 30, now))
    assert error.key == "entry_decided"
    error = await world.refused(duo.buddy_id, deciding(hours.confirm, entry.id, now))
    assert error.key == "entry_decided"
    assert [e.status for e in await world.rows(HourEntry)] == ["corrected", "pending"]


async def test_a_correction_obeys_the_logging_rules(world: World, duo: Duo, now: datetime) -> None:
    entry = await world.log(duo.newcomer_id, now - DAY, 60)
    await world.log(duo.newcomer_id, now - DAY + timedelta(minutes=60), 60)
    for minutes, key in ((13 * 60, "duration_out_of_range"), (120, "hours_overlap")):
        error = await world.refused(duo.newcomer_id, correcting(entry.id, minutes, now))
        assert error.key == key
    # Refused corrections leave the entry as it was.
    rows = await world.rows(HourEntry)
    assert [(e.minutes, e.status) for e in rows] == [(60, "pending"), (60, "pending")]


# --- progress and milestones -----------------------------------------------------------


async def log_and_confirm(world: World, duo: Duo, days_ago: int, minutes: int) -> None:
    entry = await world.log(duo.newcomer_id, world.clock.now() - days_ago * DAY, minutes)
    await world.confirm(duo.buddy_id, entry.id)


async def milestones(world: World) -> list[tuple[int | None, int]]:
    rows = await world.outbox("hours.milestone")
    return sorted((row.recipient_id, int(row.params["hours"])) for row in rows)


async def test_milestones_at_ten_twenty_thirty_and_the_target_are_celebrated_once(
    world: World, duo: Duo
) -> None:
    coordinator = await world.coordinator()
    both = sorted([duo.buddy_id, duo.newcomer_id])
    await log_and_confirm(world, duo, 20, 9 * 60)
    assert await milestones(world) == []
    await log_and_confirm(world, duo, 19, 60)  # exactly 10 hours
    assert await milestones(world) == [(m, 10) for m in both]
    await log_and_confirm(world, duo, 18, 60)  # 11 hours: nothing new
    assert len(await milestones(world)) == 2
    for days_ago in (17, 16, 15):
        await log_and_confirm(world, duo, days_ago, 10 * 60)  # 21, 31, 41 hours
    assert await milestones(world) == [(m, h) for m in both for h in (10, 20, 30, 40)]
    assert {r.dedup_key for r in await world.outbox("hours.milestone")} == {
        f"milestone:{duo.pair_id}:{h}:{m}" for m in both for h in (10, 20, 30, 40)
    }
    [reached] = await world.outbox("coordinator.target_reached")
    assert reached.recipient_id == coordinator.id
    assert reached.params == {"pair_id": duo.pair_id, "hours": 40}
    # Beyond the target nothing is celebrated again.
    await log_and_confirm(world, duo, 14, 12 * 60)
    assert len(await milestones(world)) == 8
    assert len(await world.outbox("coordinator.target_reached")) == 1
    assert (await world.progress(duo.newcomer_id)).confirmed_minutes == 53 * 60


async def test_one_confirmation_crossing_two_milestones_celebrates_both(
    world: World, duo: Duo
) -> None:
    await log_and_confirm(world, duo, 10, 9 * 60)
    await log_and_confirm(world, duo, 9, 12 * 60)  # 9 -> 21 hours
    assert sorted(h for _m, h in await milestones(world)) == [10, 10, 20, 20]


async def test_a_pairs_own_target_replaces_the_fixed_milestones_above_it(world: World) -> None:
    duo = await world.duo(target_hours=25)
    await world.coordinator()
    for days_ago, minutes in ((10, 12 * 60), (9, 12 * 60), (8, 2 * 60)):  # 12, 24, 26 hours
        await log_and_confirm(world, duo, days_ago, minutes)
    assert sorted({h for _m, h in await milestones(world)}) == [10, 20, 25]
    [reached] = await world.outbox("coordinator.target_reached")
    assert reached.params["hours"] == 25


async def test_a_milestone_already_celebrated_is_not_queued_again(
    world: World, duo: Duo, now: datetime
) -> None:
    # The celebration of 10 hours was queued before (say by an earlier confirmation of a
    # ledger that was then corrected by hand): its dedup key keeps it to one message.
    newcomer = await world.get(User, duo.newcomer_id)
    async with world.sessions() as session:
        session.add(
            Outbox(
                chat_id=newcomer.telegram_id,
                recipient_id=newcomer.id,
                programme_id=newcomer.programme_id,
                key="hours.milestone",
                params={"hours": 10, "target": 40},
                due_at=now,
                dedup_key=f"milestone:{duo.pair_id}:10:{duo.newcomer_id}",
            )
        )
        await session.commit()
    await log_and_confirm(world, duo, 3, 10 * 60)
    assert await milestones(world) == sorted([(duo.newcomer_id, 10), (duo.buddy_id, 10)])


# --- nudges of quiet pairs -------------------------------------------------------------


async def test_a_pair_quiet_for_fourteen_days_is_nudged_once(world: World, now: datetime) -> None:
    await world.coordinator()
    quiet = await world.duo(started_at=now - 14 * DAY)
    busy = await world.duo("Chen", "Dirk", started_at=now - 14 * DAY + timedelta(hours=1))

    assert await world.plan_nudges() == 2
    nudges = await world.outbox("pair.nudge")
    assert len(nudges) == 2
    assert {n.recipient_id for n in nudges} == {quiet.newcomer_id, quiet.buddy_id}
    assert {(n.params["pair_id"], n.params["days"]) for n in nudges} == {(quiet.pair_id, 14)}
    assert await world.outbox("coordinator.pair_quiet") == []
    # The planner runs every few hours and never repeats itself: six hours later only
    # the other pair, quiet for 14 days by now, is nudged.
    world.clock.advance(timedelta(hours=6))
    assert await world.plan_nudges() == 2
    assert await world.plan_nudges() == 0
    pairs = sorted(n.params["pair_id"] for n in await world.outbox("pair.nudge"))
    assert pairs == sorted([quiet.pair_id, quiet.pair_id, busy.pair_id, busy.pair_id])


async def test_twenty_eight_quiet_days_alert_the_pairs_coordinators_once(
    world: World, now: datetime
) -> None:
    coordinator = await world.coordinator()
    elsewhere = await world.coordinator("Lou", programme_id=await world.programme("gent"))
    duo = await world.duo(started_at=now - 14 * DAY)
    assert await world.plan_nudges() == 2
    world.clock.advance(13 * DAY + timedelta(hours=23))
    assert await world.plan_nudges() == 0
    world.clock.advance(timedelta(hours=1))  # 28 days
    assert await world.plan_nudges() == 1
    [alert] = await world.outbox("coordinator.pair_quiet")
    assert alert.recipient_id == coordinator.id
    assert alert.params == {"pair_id": duo.pair_id, "days": 28}
    world.clock.advance(7 * DAY)
    assert await world.plan_nudges() == 0
    assert len(await world.outbox("pair.nudge")) == 2
    assert len(await world.outbox("coordinator.pair_quiet")) == 1
    assert await world.outbox(recipient_id=elsewhere.id, status=None) == []


async def test_new_hours_restart_the_quiet_period(world: World, now: datetime) -> None:
    duo = await world.duo(started_at=now - 20 * DAY)
    assert await world.plan_nudges() == 2
    world.clock.advance(DAY)
    await world.log(duo.buddy_id, world.clock.now() - 2 * DAY)
    world.clock.advance(13 * DAY + timedelta(hours=23))
    assert await world.plan_nudges() == 0  # 13 days 23 hours since the hours were logged
    world.clock.advance(timedelta(hours=1))
    assert await world.plan_nudges() == 2  # a new quiet period, a new nudge
    assert len(await world.outbox("pair.nudge")) == 4


async def test_a_pair_quiet_since_its_last_meetup_proposal_is_nudged(
    world: World, now: datetime
) -> None:
    duo = await world.duo(started_at=now - 40 * DAY)
    proposed_at = now - 20 * DAY
    await world.act(
        duo.newcomer_id,
        lambda uow, person: meetups.propose(
            uow,
            person,
            starts_at=now - 18 * DAY,
            minutes=60,
            place="Park",
            kind="sport",
            now=proposed_at,
        ),
    )
    assert await world.plan_nudges() == 2  # 20 days after the proposal, 40 after the match
    assert {n.params["days"] for n in await world.outbox("pair.nudge")} == {20}


async def test_paused_and_ended_pairs_are_not_nudged(world: World, now: datetime) -> None:
    await world.coordinator()
    paused = await world.duo(started_at=now - 40 * DAY)
    ended = await world.duo("Chen", "Dirk", started_at=now - 40 * DAY)
    await world.set_pair_status(paused.pair_id, PairStatus.PAUSED)
    await world.set_pair_status(ended.pair_id, PairStatus.ENDED)
    assert await world.plan_nudges() == 0
    assert await world.outbox(status=None) == []
