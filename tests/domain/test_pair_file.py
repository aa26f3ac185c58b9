"""The pair file (domain/pair_file.py) at the service level, on SQLite with a frozen clock:
its totals are the ledger's, a dispute is settled by one confirmed entry that corrects the
disputed one (audited, both members told), hours a coordinator enters obey the ledger's
rules and show their source, and nobody but the programme's coordinators reaches a file.

A refusal is committed the way the middleware commits a handled update, and must have
written nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from domain import hours, pair_file, privacy
from domain.errors import NotAllowed
from storage.models import (
    AuditLog,
    HourEntry,
    Meetup,
    MeetupStatus,
    PairStatus,
    PersonNote,
)
from tests.domain.conftest import Action, Duo, World, deciding

DAY = timedelta(days=1)


def opening(pair_id: int, now: datetime) -> Action:
    return lambda uow, me: pair_file.open_file(uow, me, pair_id, now)


def resolving(entry_id: int, side: str, now: datetime, minutes: int | None = None) -> Action:
    return lambda uow, me: pair_file.resolve(uow, me, entry_id, side, now, minutes=minutes)


def entering(
    pair_id: int, started_at: datetime, minutes: int, now: datetime, kind: str = "sport"
) -> Action:
    return lambda uow, me: pair_file.log_for_pair(
        uow, me, pair_id, started_at=started_at, minutes=minutes, kind=kind, now=now
    )


async def disputed_entry(world: World, duo: Duo, started_at: datetime, minutes: int = 60) -> int:
    """The newcomer logs `minutes`; the buddy says it is not right."""
    entry = await world.log(duo.newcomer_id, started_at, minutes)
    await world.act(duo.buddy_id, deciding(hours.dispute, entry.id, world.clock.now()))
    return entry.id


async def ledger_sums(world: World, pair_id: int) -> dict[str, int]:
    """The ledger's minutes per status, added up here from every row."""
    sums: dict[str, int] = {}
    for entry in await world.rows(HourEntry):
        if entry.pair_id == pair_id:
            sums[entry.status] = sums.get(entry.status, 0) + entry.minutes
    return sums


async def audit(world: World, action: str) -> list[AuditLog]:
    return [row for row in await world.rows(AuditLog) if row.action == action]


# --- the file ---------------------------------------------------------------------------


async def test_the_files_totals_are_the_ledgers(world: World, duo: Duo, now: datetime) -> None:
    coordinator = await world.coordinator()
    confirmed = await world.log(duo.newcomer_id, now - 5 * DAY, 90)
    await world.confirm(duo.buddy_id, confirmed.id)
    await world.log(duo.buddy_id, now - 4 * DAY, 45)  # stays pending
    await disputed_entry(world, duo, now - 3 * DAY, 120)
    corrected = await disputed_entry(world, duo, now - 2 * DAY, 60)
    await world.act(
        duo.newcomer_id, lambda uow, me: hours.correct(uow, me, corrected, 30, now)
    )  # 60 corrected, 30 pending
    await world.act(coordinator.id, entering(duo.pair_id, now - 6 * DAY, 75, now))

    file: pair_file.PairFile = await world.act(coordinator.id, opening(duo.pair_id, now))

    sums = await ledger_sums(world, duo.pair_id)
    assert sums == {"confirmed": 165, "pending": 75, "disputed": 120, "corrected": 60}
    assert (file.hours.confirmed, file.hours.pending, file.hours.disputed) == (
        sums["confirmed"],
        sums["pending"],
        sums["disputed"],
    )
    assert [entry.minutes for entry in file.disputes] == [120]
    assert (file.newcomer and file.newcomer.id, file.buddy and file.buddy.id) == (
        duo.newcomer_id,
        duo.buddy_id,
    )
    # Opening a file changes nothing and tells nobody.
    assert await ledger_sums(world, duo.pair_id) == sums
    assert await world.outbox("hours.resolved") == []


async def test_the_file_counts_meetups_notes_and_change_requests(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    async with world.uow() as uow:
        pair = await uow.pairs.get(duo.pair_id)
        assert pair is not None
        for offset, status in (
            (-10, MeetupStatus.DONE),
            (-7, MeetupStatus.DONE),
            (-3, MeetupStatus.MISSED),
            (-1, MeetupStatus.CANCELLED),
            (3, MeetupStatus.ACCEPTED),
            (6, MeetupStatus.ACCEPTED),
        ):
            uow.session.add(
                Meetup(
                    programme_id=pair.programme_id,
                    pair_id=pair.id,
                    starts_at=now + offset * DAY,
                    duration_minutes=60,
                    place="Bib",
                    activity_kind="culture",
                    status=status.value,
                )
            )
        uow.session.add(
            PersonNote(person_id=duo.newcomer_id, author_id=1, text="a", created_at=now)
        )
        uow.session.add(PersonNote(person_id=duo.buddy_id, author_id=1, text="b", created_at=now))
        newcomer = await world.member(uow, duo.newcomer_id)
        uow.audit.by(newcomer, "pair.change_requested", pair_id=pair.id, kind="end")
        uow.audit.by(newcomer, "pair.change_requested", pair_id=pair.id + 1, kind="end")
        await uow.commit()

    file: pair_file.PairFile = await world.act(coordinator.id, opening(duo.pair_id, now))

    assert (file.meetups_done, file.no_shows) == (2, 1)
    assert file.next_meetup is not None and file.next_meetup.starts_at == now + 3 * DAY
    assert (file.notes, file.change_requests, file.open_concerns) == (2, 1, 0)
    assert file.last_contact is not None
    view: pair_file.PairMeetups = await world.act(
        coordinator.id, lambda uow, me: pair_file.meetups(uow, me, duo.pair_id, now)
    )
    assert [m.starts_at for m in view.past] == [now - 7 * DAY, now - 10 * DAY]
    assert [m.starts_at for m in view.missed] == [now - 3 * DAY]
    assert (view.done, view.no_shows) == (2, 1)


async def test_the_ledger_pages_are_small_and_newest_first(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    for day in range(1, 13):
        await world.log(duo.newcomer_id, now - day * DAY, 60)

    def page(number: int) -> Action:
        return lambda uow, me: pair_file.ledger(uow, me, duo.pair_id, number)

    first: pair_file.LedgerPage = await world.act(coordinator.id, page(0))
    last: pair_file.LedgerPage = await world.act(coordinator.id, page(99))
    assert pair_file.LEDGER_PAGE <= 8
    assert (first.page, first.pages, len(first.entries)) == (0, 3, pair_file.LEDGER_PAGE)
    assert [e.started_at for e in first.entries] == [now - d * DAY for d in range(1, 6)]
    assert (last.page, len(last.entries)) == (2, 2)


# --- who may open it --------------------------------------------------------------------


async def test_only_the_programmes_coordinators_reach_a_file(
    world: World, duo: Duo, now: datetime
) -> None:
    entry = await disputed_entry(world, duo, now - DAY)
    other_programme = await world.programme("elsewhere")
    stranger = await world.coordinator("Zoe", programme_id=other_programme)
    for action in (
        opening(duo.pair_id, now),
        resolving(entry, "newcomer", now),
        entering(duo.pair_id, now - DAY * 2, 60, now),
        lambda uow, me: pair_file.ledger(uow, me, duo.pair_id, 0),
    ):
        # Another programme's coordinator: refused, and told it belongs to another one.
        assert (await world.refused(stranger.id, action)).key == "other_programme"
        for member in (duo.newcomer_id, duo.buddy_id):
            refusal = await world.refused(member, action)
            assert isinstance(refusal, NotAllowed) and refusal.key == "coordinators_only"
    [stored] = await world.rows(HourEntry)
    assert stored.status == "disputed"
    assert await audit(world, "hours.dispute_resolved") == []
    assert await audit(world, "hours.entered_by_coordinator") == []


# --- settling a dispute -----------------------------------------------------------------


async def test_taking_the_newcomers_hours_settles_the_dispute(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    disputed = await disputed_entry(world, duo, now - 2 * DAY, 90)

    settled: HourEntry = await world.act(coordinator.id, resolving(disputed, "newcomer", now))

    old, new = await world.rows(HourEntry)
    assert (old.id, old.status) == (disputed, "corrected")
    assert (new.id, new.status, new.minutes, new.corrects_id, new.source) == (
        settled.id,
        "confirmed",
        90,
        disputed,
        "coordinator",
    )
    assert (new.started_at, new.confirmed_by) == (old.started_at, coordinator.id)
    [row] = await audit(world, "hours.dispute_resolved")
    assert row.actor_id == coordinator.telegram_id
    assert row.details == {
        "pair_id": duo.pair_id,
        "entry_id": disputed,
        "other_entry_id": None,
        "new_entry_id": settled.id,
        "choice": "newcomer",
        "minutes": 90,
    }
    told = await world.outbox("hours.resolved")
    assert sorted(r.recipient_id for r in told) == sorted([duo.newcomer_id, duo.buddy_id])
    assert {r.params["minutes"] for r in told} == {90}
    progress = await world.progress(duo.newcomer_id)
    assert (progress.confirmed_minutes, progress.coordinator_minutes) == (90, 90)
    # Settled once: a second press is "already answered" and writes nothing.
    again = await world.refused(coordinator.id, resolving(disputed, "buddy", now))
    assert again.key == "entry_decided"
    assert len(await world.rows(HourEntry)) == 2


async def test_a_pair_of_conflicting_entries_is_settled_by_the_buddys_figure(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    start = now - 2 * DAY
    disputed = await disputed_entry(world, duo, start, 120)
    # The buddy logs what they remember of the same time: the other half of the conflict.
    theirs = await world.log(duo.buddy_id, start, 45)
    case: pair_file.DisputeCase = await world.act(
        coordinator.id, lambda uow, me: pair_file.dispute_case(uow, me, disputed)
    )
    newcomers = case.entry_of(pair_file.Side.NEWCOMER)
    buddys = case.entry_of(pair_file.Side.BUDDY)
    assert (newcomers and newcomers.minutes, buddys and buddys.minutes) == (120, 45)

    await world.act(coordinator.id, resolving(disputed, "buddy", now))

    rows = await world.rows(HourEntry)
    assert [(e.id, e.status, e.minutes) for e in rows] == [
        (disputed, "corrected", 120),
        (theirs.id, "corrected", 45),
        (rows[-1].id, "confirmed", 45),
    ]
    assert rows[-1].corrects_id == disputed
    [row] = await audit(world, "hours.dispute_resolved")
    assert (row.details["other_entry_id"], row.details["choice"]) == (theirs.id, "buddy")
    assert await ledger_sums(world, duo.pair_id) == {"corrected": 165, "confirmed": 45}


async def test_the_coordinator_can_set_the_hours_within_the_rules(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    disputed = await disputed_entry(world, duo, now - 2 * DAY, 120)
    await world.log(duo.buddy_id, now - 2 * DAY + timedelta(hours=3), 60)  # just after it
    for minutes, key in ((10, "duration_out_of_range"), (50, "duration_steps"), (240, None)):
        refusal = await world.refused(
            coordinator.id, resolving(disputed, "set", now, minutes=minutes)
        )
        # 4 hours from the disputed start would overlap the buddy's next entry.
        assert refusal.key == (key or "hours_overlap")
    for side in ("newcomer_or_buddy", "buddy"):  # the buddy logged nothing for this time
        assert (await world.refused(coordinator.id, resolving(disputed, side, now))).key == (
            "invalid_choice"
        )
    assert [e.status for e in await world.rows(HourEntry)] == ["disputed", "pending"]

    await world.act(coordinator.id, resolving(disputed, "set", now, minutes=105))

    assert [(e.status, e.minutes) for e in await world.rows(HourEntry)] == [
        ("corrected", 120),
        ("pending", 60),
        ("confirmed", 105),
    ]


async def test_entries_not_disputed_cannot_be_settled(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    pending = await world.log(duo.newcomer_id, now - DAY, 60)
    assert (await world.refused(coordinator.id, resolving(pending.id, "newcomer", now))).key == (
        "entry_decided"
    )
    assert (await world.refused(coordinator.id, resolving(9999, "newcomer", now))).key == (
        "not_found"
    )
    assert [e.status for e in await world.rows(HourEntry)] == ["pending"]


# --- hours a coordinator enters ---------------------------------------------------------


async def test_hours_entered_by_the_coordinator_count_and_show_their_source(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await world.log(duo.newcomer_id, now - 3 * DAY, 60)

    entry: HourEntry = await world.act(
        coordinator.id, entering(duo.pair_id, now - 2 * DAY, 90, now, "culture")
    )

    stored = await world.get(HourEntry, entry.id)
    assert (stored.status, stored.source, stored.minutes, stored.activity_kind) == (
        "confirmed",
        "coordinator",
        90,
        "culture",
    )
    assert (stored.logged_by, stored.confirmed_by) == (coordinator.id, coordinator.id)
    [row] = await audit(world, "hours.entered_by_coordinator")
    assert row.details == {"pair_id": duo.pair_id, "entry_id": entry.id, "minutes": 90}
    told = await world.outbox("hours.coordinator_entered")
    assert sorted(r.recipient_id for r in told) == sorted([duo.newcomer_id, duo.buddy_id])
    progress = await world.progress(duo.buddy_id)
    assert (progress.confirmed_minutes, progress.pending_minutes) == (90, 60)
    assert progress.coordinator_minutes == 90
    # The data export says who typed each entry in.
    async with world.uow() as uow:
        exported = await privacy.export(uow, await world.member(uow, duo.newcomer_id))
    assert [(h["minutes"], h["source"], h["entered_by"]) for h in exported["hours"]] == [
        (60, "person", "you"),
        (90, "coordinator", "coordinator"),
    ]
    async with world.uow() as uow:
        exported = await privacy.export(uow, await world.member(uow, duo.buddy_id))
    assert [h["entered_by"] for h in exported["hours"]] == ["partner", "coordinator"]


@pytest.mark.parametrize(
    ("ago", "minutes", "key"),
    [
        (DAY, 10, "duration_out_of_range"),
        (DAY, 50, "duration_steps"),
        (timedelta(minutes=30), 60, "hours_in_future"),
        (61 * DAY, 60, "hours_too_old"),
        (3 * DAY + timedelta(minutes=30), 60, "hours_overlap"),
    ],
)
async def test_entered_hours_obey_the_ledgers_rules(
    world: World, duo: Duo, now: datetime, ago: timedelta, minutes: int, key: str
) -> None:
    coordinator = await world.coordinator()
    await world.log(duo.newcomer_id, now - 3 * DAY, 60)
    refusal = await world.refused(coordinator.id, entering(duo.pair_id, now - ago, minutes, now))
    assert refusal.key == key
    assert len(await world.rows(HourEntry)) == 1
    assert await audit(world, "hours.entered_by_coordinator") == []
    assert await world.outbox("hours.coordinator_entered") == []


async def test_no_hours_are_entered_for_an_ended_pair(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await world.set_pair_status(duo.pair_id, PairStatus.ENDED)
    refusal = await world.refused(coordinator.id, entering(duo.pair_id, now - DAY, 60, now))
    assert refusal.key == "pair_ended"
    assert await world.rows(HourEntry) == []


async def test_entered_hours_celebrate_the_milestones_they_pass(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    for day in range(1, 11):  # 10 x 60 minutes: the 10-hour milestone
        await world.act(coordinator.id, entering(duo.pair_id, now - day * DAY, 60, now))
    milestones = await world.outbox("hours.milestone")
    assert sorted(r.recipient_id for r in milestones) == sorted([duo.newcomer_id, duo.buddy_id])
    assert {r.params["hours"] for r in milestones} == {10}


async def test_the_totals_are_summed_by_the_database(world: World, duo: Duo, now: datetime) -> None:
    """The file never loads the ledger to count it: every read of the ledger is an
    aggregate (SUM, MAX) or a short page (LIMIT)."""
    coordinator = await world.coordinator()
    for day in range(1, 4):
        await world.log(duo.newcomer_id, now - day * DAY, 60)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async with world.uow() as uow:
        me = await world.member(uow, coordinator.id)
        engine = uow.session.bind.sync_engine  # type: ignore[union-attr]
        event.listen(engine, "before_cursor_execute", seen)
        try:
            file = await pair_file.open_file(uow, me, duo.pair_id, now)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    ledger_reads = [s for s in statements if "FROM hour_entry" in s]
    assert len(ledger_reads) == 3, ledger_reads
    assert all(("sum(" in s or "max(" in s or "LIMIT" in s) for s in ledger_reads)
    assert file.hours.pending == 180
