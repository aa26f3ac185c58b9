"""The pair file: one pair as its coordinators see it, and what they do from it.

Only coordinators of the pair's programme open a file or act from it: a pair, entry or id
of another programme is "not found" (`pairs.pair_in_programme`). The file's figures are
aggregates the database computes (hours and meetups per status, counts of notes and
change requests), never a table loaded to count it; the ledger and the meetups are read
a page at a time.

What a coordinator does here is audited, and both members are told, each in their own
language (through the outbox):
- a disputed entry is settled by taking the newcomer's figure, the buddy's (when the other
  side logged the same time as well) or one the coordinator sets. The ledger stays
  append-only: the result is a new confirmed entry that corrects the disputed one, and the
  other side's conflicting entry, if any, is marked corrected with it;
- hours logged for a pair whose member cannot use the bot obey the ledger's rules
  (`hours.check_span`, no overlap) and count at once, marked as entered by the
  coordinator (`source="coordinator"`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.errors import DomainError
from domain.hours import COORDINATOR_SOURCE, celebrate, check_duration, check_span
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.pairs import pair_in_programme, people_of
from domain.staff import require_coordinator
from storage.models import (
    CLOSED_PAIR,
    ConcernStatus,
    HourEntry,
    HourStatus,
    Meetup,
    MeetupStatus,
    Pair,
    User,
)
from storage.uow import UnitOfWork

LEDGER_PAGE = 5  # entries on one page of the ledger (short enough for one small message)
SHOWN_MEETUPS = 5  # past meetups and no-shows listed on the meetups screen
SHOWN_DISPUTES = 3  # disputed entries offered on the file itself (the ledger has them all)
CHANGE_REQUESTED = "pair.change_requested"  # the audit action of a member's request


class Side(StrEnum):
    """How a coordinator settles a dispute: whose figure counts, or their own."""

    NEWCOMER = "newcomer"
    BUDDY = "buddy"
    SET = "set"


@dataclass(frozen=True)
class HourTotals:
    """The ledger's minutes per status, as the database sums them."""

    confirmed: int = 0
    pending: int = 0
    disputed: int = 0

    @classmethod
    def of(cls, totals: dict[str, tuple[int, int]]) -> HourTotals:
        def minutes(status: HourStatus) -> int:
            return totals.get(status.value, (0, 0))[1]

        return cls(
            confirmed=minutes(HourStatus.CONFIRMED),
            pending=minutes(HourStatus.PENDING),
            disputed=minutes(HourStatus.DISPUTED),
        )


@dataclass(frozen=True)
class PairFile:
    """The first screen of the file: who, since when, and how the pair is doing."""

    pair: Pair
    newcomer: User | None
    buddy: User | None
    hours: HourTotals
    meetups_done: int
    no_shows: int
    next_meetup: Meetup | None
    last_contact: datetime | None
    notes: int
    open_concerns: int
    change_requests: int
    disputes: list[HourEntry] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerPage:
    """One page of the pair's ledger, the most recent time spent first."""

    pair: Pair
    entries: list[HourEntry]
    page: int
    pages: int


@dataclass(frozen=True)
class PairMeetups:
    """The pair's meetups: how many took place, the next one, the last ones, no-shows."""

    pair: Pair
    done: int
    no_shows: int
    next: Meetup | None
    past: list[Meetup]
    missed: list[Meetup]


@dataclass(frozen=True)
class DisputeCase:
    """A disputed entry, the other side's conflicting entry (if they logged the same time
    too) and the pair's two people."""

    pair: Pair
    disputed: HourEntry
    other: HourEntry | None
    newcomer: User | None
    buddy: User | None

    def entry_of(self, side: Side) -> HourEntry | None:
        """The entry whose figure is the newcomer's (or the buddy's), if they logged one."""
        member = {Side.NEWCOMER: self.pair.newcomer_id, Side.BUDDY: self.pair.buddy_id}.get(side)
        if member is None:
            return None
        for entry in (self.disputed, self.other):
            if entry is not None and entry.logged_by == member:
                return entry
        return None


async def open_file(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> PairFile:
    """The pair file's summary (see the module docstring)."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    newcomer, buddy = await people_of(uow, pair)
    meetups = await uow.meetups.counts_by_status(pair.id)
    moments = [await uow.meetups.last_activity(pair.id), await uow.hours.last_activity(pair.id)]
    known = [moment for moment in moments if moment is not None]
    concerns = await uow.concerns.of_pair(pair.id)
    return PairFile(
        pair=pair,
        newcomer=newcomer,
        buddy=buddy,
        hours=HourTotals.of(await uow.hours.totals_by_status(pair.id)),
        meetups_done=meetups.get(MeetupStatus.DONE.value, 0),
        no_shows=meetups.get(MeetupStatus.MISSED.value, 0),
        next_meetup=await uow.meetups.next_of(pair.id, now),
        last_contact=max(known) if known else None,
        notes=await uow.notes.count_on([p.id for p in (newcomer, buddy) if p is not None]),
        open_concerns=sum(1 for c in concerns if c.status != ConcernStatus.CLOSED.value),
        change_requests=await uow.audit.count_about_pair(CHANGE_REQUESTED, pair.id),
        disputes=await uow.hours.disputed_of(pair.id, SHOWN_DISPUTES),
    )


async def ledger(uow: UnitOfWork, coordinator: User, pair_id: int, page: int) -> LedgerPage:
    """One page of the pair's ledger (a page out of range shows the nearest one)."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    total = await uow.hours.count_of(pair.id)
    pages = max(1, -(-total // LEDGER_PAGE))
    page = min(max(page, 0), pages - 1)
    entries = await uow.hours.page_of(pair.id, page * LEDGER_PAGE, LEDGER_PAGE)
    return LedgerPage(pair=pair, entries=entries, page=page, pages=pages)


async def meetups(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> PairMeetups:
    """The pair's meetups screen."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    counts = await uow.meetups.counts_by_status(pair.id)
    return PairMeetups(
        pair=pair,
        done=counts.get(MeetupStatus.DONE.value, 0),
        no_shows=counts.get(MeetupStatus.MISSED.value, 0),
        next=await uow.meetups.next_of(pair.id, now),
        past=await uow.meetups.latest_of(pair.id, MeetupStatus.DONE, SHOWN_MEETUPS),
        missed=await uow.meetups.latest_of(pair.id, MeetupStatus.MISSED, SHOWN_MEETUPS),
    )


async def dispute_case(uow: UnitOfWork, coordinator: User, entry_id: int) -> DisputeCase:
    """A disputed entry of a pair of the coordinator's programme, with what conflicts
    with it; "not found" for anyone else's, "already answered" once it is settled."""
    require_coordinator(coordinator)
    entry = await uow.hours.get(entry_id)
    if entry is None:
        raise DomainError("not_found")
    pair = await pair_in_programme(uow, coordinator, entry.pair_id)
    if entry.status != HourStatus.DISPUTED.value:
        raise DomainError("entry_decided")
    newcomer, buddy = await people_of(uow, pair)
    other = await uow.hours.conflicting(entry)
    return DisputeCase(pair=pair, disputed=entry, other=other, newcomer=newcomer, buddy=buddy)


async def resolve(
    uow: UnitOfWork,
    coordinator: User,
    entry_id: int,
    side: str,
    now: datetime,
    *,
    minutes: int | None = None,
) -> HourEntry:
    """Settle a dispute: the newcomer's figure, the buddy's, or `minutes` the coordinator
    sets (`Side.SET`) become one confirmed entry correcting the disputed one (and the
    conflicting one). Every check runs before anything is written."""
    case = await dispute_case(uow, coordinator, entry_id)
    try:
        chosen = Side(side)
    except ValueError:
        raise DomainError("invalid_choice") from None
    basis = case.disputed if chosen == Side.SET else case.entry_of(chosen)
    if basis is None:
        raise DomainError("invalid_choice")
    if chosen == Side.SET:
        if minutes is None:
            raise DomainError("invalid_choice")
        check_duration(minutes)
    else:
        minutes = basis.minutes
    end = basis.started_at + timedelta(minutes=minutes)
    if end > now:
        raise DomainError("hours_in_future")
    ignore = case.other.id if case.other is not None else None
    if await uow.hours.overlapping(case.pair.id, basis.started_at, end, ignore=ignore):
        raise DomainError("hours_overlap")
    before = await _confirmed_minutes(uow, case.pair)
    settled = _coordinator_entry(
        case.pair, coordinator, basis.started_at, minutes, basis.activity_kind, now
    )
    settled.meetup_id = basis.meetup_id
    settled.corrects_id = case.disputed.id
    for superseded in (case.disputed, case.other):
        if superseded is not None:
            superseded.status = HourStatus.CORRECTED.value
            superseded.decided_at = now
    uow.hours.add(settled)
    await uow.hours.flush()
    uow.audit.by(
        coordinator,
        "hours.dispute_resolved",
        pair_id=case.pair.id,
        entry_id=case.disputed.id,
        other_entry_id=ignore,
        new_entry_id=settled.id,
        choice=chosen.value,
        minutes=minutes,
    )
    members = [m for m in (case.newcomer, case.buddy) if m is not None]
    await _tell_members(uow, case.pair, members, Notice.HOURS_RESOLVED, settled, before, now)
    return settled


async def loggable_pair(uow: UnitOfWork, coordinator: User, pair_id: int) -> Pair:
    """A pair of the coordinator's programme that has not ended (hours can be added)."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status in CLOSED_PAIR:
        raise DomainError("pair_ended")
    return pair


async def log_for_pair(
    uow: UnitOfWork,
    coordinator: User,
    pair_id: int,
    *,
    started_at: datetime,
    minutes: int,
    kind: str,
    now: datetime,
) -> HourEntry:
    """Hours a coordinator enters for a pair (a member cannot use the bot): the ledger's
    rules apply, and the entry counts at once, marked as entered by the coordinator."""
    pair = await loggable_pair(uow, coordinator, pair_id)
    end = check_span(started_at, minutes, kind, now)
    if await uow.hours.overlapping(pair.id, started_at, end):
        raise DomainError("hours_overlap")
    before = await _confirmed_minutes(uow, pair)
    entry = _coordinator_entry(pair, coordinator, started_at, minutes, kind, now)
    uow.hours.add(entry)
    await uow.hours.flush()
    uow.audit.by(
        coordinator,
        "hours.entered_by_coordinator",
        pair_id=pair.id,
        entry_id=entry.id,
        minutes=minutes,
    )
    members = [m for m in await people_of(uow, pair) if m is not None]
    await _tell_members(uow, pair, members, Notice.HOURS_ENTERED_BY_COORDINATOR, entry, before, now)
    return entry


def _coordinator_entry(
    pair: Pair, coordinator: User, started_at: datetime, minutes: int, kind: str, now: datetime
) -> HourEntry:
    """A confirmed entry the coordinator typed in (they log and vouch for it)."""
    return HourEntry(
        programme_id=pair.programme_id,
        pair_id=pair.id,
        started_at=started_at,
        minutes=minutes,
        activity_kind=kind,
        logged_by=coordinator.id,
        confirmed_by=coordinator.id,
        status=HourStatus.CONFIRMED.value,
        source=COORDINATOR_SOURCE,
        created_at=now,
        decided_at=now,
    )


async def _confirmed_minutes(uow: UnitOfWork, pair: Pair) -> int:
    return (await uow.hours.minutes_by_status(pair.id)).get(HourStatus.CONFIRMED.value, 0)


async def _tell_members(
    uow: UnitOfWork,
    pair: Pair,
    members: list[User],
    kind: Notice,
    entry: HourEntry,
    before: int,
    now: datetime,
) -> None:
    """Both members hear of the new confirmed entry, and of any milestone it passes."""
    for member in members:
        push(uow, member, kind, _entry_params(pair, entry, member), due=now)
    await celebrate(uow, pair, members, before, before + entry.minutes, now)


def _entry_params(pair: Pair, entry: HourEntry, recipient: User) -> dict[str, Any]:
    return {
        "pair_id": pair.id,
        "entry_id": entry.id,
        "minutes": entry.minutes,
        "kind": entry.activity_kind,
        "started_at": entry.started_at.isoformat(),
        "tz": str(person_tz(recipient)),
    }
