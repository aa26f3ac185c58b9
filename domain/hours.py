"""The hours ledger: hours count once the other side of the pair confirmed them.

Rules, each refused with its own message: 15 minutes to 12 hours, ended by now (neither
starting nor ending in the future), not older than 60 days, against a meetup of the pair
itself, no overlap with another entry of the pair, nobody confirms their own
entry. Entries are never edited or deleted: a correction is a new entry that points at
the entry it corrects. A coordinator may settle a dispute or enter hours for a pair
(domain/pair_file.py): such entries are confirmed at once and carry
`source="coordinator"`, which /progress and the data export show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from domain import checkins, feedback, first_meeting, pairs, placements, staff
from domain.clock import month_bounds
from domain.errors import DomainError
from domain.meetups import MAX_MINUTES, MIN_MINUTES, ends_at, mark, meetup_of, other_person
from domain.notices import Notice
from domain.notify import person_tz, push, push_once
from domain.profile import ACTIVITY_KINDS
from domain.programmes import settings_of
from storage.models import (
    CheckInMoment,
    HourEntry,
    HourStatus,
    MeetupStatus,
    Pair,
    PairStatus,
    User,
)
from storage.uow import UnitOfWork

MAX_AGE = timedelta(days=60)
# `HourEntry.source` of an entry a coordinator typed in (the others are "person").
COORDINATOR_SOURCE = "coordinator"
MILESTONES = (10, 20, 30, 40)
NUDGE_AFTER = timedelta(days=14)
ALERT_AFTER = timedelta(days=28)


@dataclass(frozen=True)
class Progress:
    confirmed_minutes: int
    pending_minutes: int
    target_hours: int
    by_kind: dict[str, int]
    meetups_this_month: int
    # Of the confirmed minutes, those a coordinator entered (for someone without the bot,
    # or settling a dispute): shown with their source.
    coordinator_minutes: int = 0


async def _pair_of(uow: UnitOfWork, person: User) -> Pair:
    pair = await pairs.pair_of(uow, person)
    if pair is None or pair.status != PairStatus.ACTIVE.value:
        raise DomainError("no_pair")
    return pair


async def entry_of(uow: UnitOfWork, person: User, entry_id: int) -> tuple[HourEntry, Pair]:
    entry = await uow.hours.get(entry_id)
    pair = await uow.pairs.get(entry.pair_id) if entry else None
    if entry is None or pair is None or person.id not in (pair.newcomer_id, pair.buddy_id):
        raise DomainError("not_found")
    return entry, pair


def _entry_params(entry: HourEntry, logger: User | None, recipient: User) -> dict[str, object]:
    return {
        "entry_id": entry.id,
        "minutes": entry.minutes,
        "kind": entry.activity_kind,
        "started_at": entry.started_at.isoformat(),
        "name": logger.first_name if logger else None,
        # The grammatical gender of the wording (handlers.i18n.gendered).
        "gender": logger.gender if logger else None,
        "tz": str(person_tz(recipient)),
    }


def check_duration(minutes: int) -> None:
    """15 minutes to 12 hours, in steps of 15 minutes."""
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError("duration_out_of_range")
    if minutes % 15:
        raise DomainError("duration_steps")


def check_span(started_at: datetime, minutes: int, kind: str, now: datetime) -> datetime:
    """The rules every new entry's time obeys (see the module docstring); returns its end."""
    check_duration(minutes)
    if kind not in ACTIVITY_KINDS:
        raise DomainError("invalid_choice")
    end = started_at + timedelta(minutes=minutes)
    # Time not yet spent cannot be confirmed: the whole span must lie in the past.
    if end > now:
        raise DomainError("hours_in_future")
    if started_at < now - MAX_AGE:
        raise DomainError("hours_too_old", days=MAX_AGE.days)
    return end


async def log(
    uow: UnitOfWork,
    person: User,
    *,
    started_at: datetime,
    minutes: int,
    kind: str,
    now: datetime,
    meetup_id: int | None = None,
    corrects: HourEntry | None = None,
    organisation_id: int | None = None,
) -> HourEntry:
    """Record time spent together; the other person is asked to confirm it. With an
    `organisation_id`, volunteering as a duo with that host (domain/placements.py)."""
    pair = await _pair_of(uow, person)
    end = check_span(started_at, minutes, kind, now)
    if organisation_id is not None:
        await placements.require_host(uow, pair, organisation_id)
        if kind != placements.VOLUNTEERING:
            raise DomainError("invalid_choice")
    if meetup_id is not None:
        meetup = await uow.meetups.get(meetup_id)
        # Another pair's meetup is answered like any foreign id: it does not exist here.
        if meetup is None or meetup.pair_id != pair.id:
            raise DomainError("not_found")
    clash = await uow.hours.overlapping(
        pair.id, started_at, end, ignore=corrects.id if corrects else None
    )
    if clash is not None:
        raise DomainError("hours_overlap")
    entry = HourEntry(
        programme_id=pair.programme_id,
        pair_id=pair.id,
        meetup_id=meetup_id,
        started_at=started_at,
        minutes=minutes,
        activity_kind=kind,
        logged_by=person.id,
        status=HourStatus.PENDING.value,
        corrects_id=corrects.id if corrects else None,
        organisation_id=organisation_id,
        created_at=now,
    )
    if corrects is not None:
        corrects.status = HourStatus.CORRECTED.value
        corrects.decided_at = now
    uow.hours.add(entry)
    await uow.hours.flush()
    other = await other_person(uow, pair, person)
    if other is not None:
        push(uow, other, Notice.HOURS_CONFIRM_REQUEST, _entry_params(entry, person, other), due=now)
    return entry


async def meetup_took_place(
    uow: UnitOfWork, person: User, meetup_id: int, minutes: int, now: datetime
) -> HourEntry:
    """ "Yes, it took place, this long": logs the hours of the meetup (or, when the other
    person logged them already, confirms theirs)."""
    meetup, _pair = await meetup_of(uow, person, meetup_id)
    if meetup.status not in (MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value):
        raise DomainError("meetup_closed")
    if ends_at(meetup) > now:
        raise DomainError("hours_in_future")
    existing = await uow.hours.for_meetup(meetup.id)
    # Every check (ours, and those of confirm/log) runs before the meetup changes: a
    # refusal is committed by the middleware and must leave the meetup as it was.
    if existing is not None:
        if existing.logged_by == person.id:
            raise DomainError("already_logged")
        if existing.status != HourStatus.PENDING.value:
            # They already confirmed (or disputed) the other's entry from its own message:
            # their own "did it take place?" has nothing left to ask.
            raise DomainError("entry_decided")
        if existing.minutes != minutes:
            raise DomainError("already_logged_by_other")
        entry = await confirm(uow, person, existing.id, now)
    else:
        entry = await log(
            uow,
            person,
            started_at=meetup.starts_at,
            minutes=minutes,
            kind=meetup.activity_kind,
            now=now,
            meetup_id=meetup.id,
        )
    mark(meetup, MeetupStatus.DONE, now)
    return entry


async def noted_for_meetup(
    uow: UnitOfWork, person: User, meetup_id: int
) -> tuple[HourEntry, dict[str, object]] | None:
    """The hours already noted for the meetup (by either side), with the parameters of
    their confirmation request to `person`: once one side has noted them, the other's
    "did it take place?" becomes "X noted 2 hours: right?" instead of a second entry."""
    meetup, _pair = await meetup_of(uow, person, meetup_id)
    entry = await uow.hours.for_meetup(meetup.id)
    if entry is None:
        return None
    logger = await uow.users.get(entry.logged_by) if entry.logged_by else None
    return entry, _entry_params(entry, logger, person)


async def meetup_did_not_happen(
    uow: UnitOfWork, person: User, meetup_id: int, reason: str, now: datetime
) -> None:
    """ "No": cancelled, or the other did not come (the coordinators see no-shows)."""
    meetup, pair = await meetup_of(uow, person, meetup_id)
    if reason not in ("cancelled", "no_show"):
        raise DomainError("invalid_choice")
    if meetup.status not in (MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value):
        raise DomainError("meetup_closed")
    if await uow.hours.for_meetup(meetup.id) is not None:
        raise DomainError("already_logged_by_other")
    await uow.outbox.cancel_by_dedup_prefix(f"meetup:{meetup.id}:")
    await first_meeting.withdraw(uow, meetup)  # nor questions about a first meeting
    mark(meetup, MeetupStatus.MISSED if reason == "no_show" else MeetupStatus.CANCELLED, now)
    if reason == "no_show":
        for coordinator in await staff.coordinators_of(uow, pair.programme_id):
            push(
                uow,
                coordinator,
                Notice.COORDINATOR_NO_SHOW,
                {"pair_id": pair.id, "name": person.first_name},
                due=now,
            )


async def confirm(uow: UnitOfWork, person: User, entry_id: int, now: datetime) -> HourEntry:
    """The other side of the pair confirms: the hours count. Milestones are celebrated."""
    entry, pair = await entry_of(uow, person, entry_id)
    if entry.logged_by == person.id:
        raise DomainError("own_entry")
    if entry.status != HourStatus.PENDING.value:
        raise DomainError("entry_decided")
    before = (await uow.hours.minutes_by_status(pair.id)).get(HourStatus.CONFIRMED.value, 0)
    entry.status = HourStatus.CONFIRMED.value
    entry.confirmed_by = person.id
    entry.decided_at = now
    after = before + entry.minutes
    logger = await uow.users.get(entry.logged_by) if entry.logged_by else None
    if logger is not None:
        push(uow, logger, Notice.HOURS_CONFIRMED, _entry_params(entry, person, logger), due=now)
    members = [m for m in (logger, person) if m is not None]
    await celebrate(uow, pair, members, before, after, now)
    meetup = await uow.meetups.get(entry.meetup_id) if entry.meetup_id else None
    if meetup is not None:
        await feedback.after_meetup(uow, meetup, members, now)  # "how was it?"
    return entry


async def celebrate(
    uow: UnitOfWork, pair: Pair, members: Sequence[User], before: int, after: int, now: datetime
) -> None:
    """The pair's confirmed minutes went from `before` to `after`: each milestone passed is
    celebrated with `members` (once), and the coordinators hear when the target is met."""
    # The fixed milestones below the pair's own target, and the target itself.
    for hours in sorted({m for m in MILESTONES if m < pair.target_hours} | {pair.target_hours}):
        if before < hours * 60 <= after:
            for member in members:
                await push_once(
                    uow,
                    member,
                    Notice.HOURS_MILESTONE,
                    {"hours": hours, "target": pair.target_hours},
                    due=now,
                    dedup_key=f"milestone:{pair.id}:{hours}:{member.id}",
                )
    if before < checkins.HOURS_MOMENT * 60 <= after:
        await checkins.open_for_pair(uow, pair, CheckInMoment.HOURS_20, now)
    if before < pair.target_hours * 60 <= after:
        for coordinator in await staff.coordinators_of(uow, pair.programme_id):
            await push_once(
                uow,
                coordinator,
                Notice.COORDINATOR_TARGET_REACHED,
                {"pair_id": pair.id, "hours": pair.target_hours},
                due=now,
                dedup_key=f"target:{pair.id}:{coordinator.id}",
            )


async def dispute(uow: UnitOfWork, person: User, entry_id: int, now: datetime) -> HourEntry:
    """The other side says the entry is wrong: the coordinators look at it."""
    entry, pair = await entry_of(uow, person, entry_id)
    if entry.logged_by == person.id:
        raise DomainError("own_entry")
    if entry.status != HourStatus.PENDING.value:
        raise DomainError("entry_decided")
    entry.status = HourStatus.DISPUTED.value
    entry.decided_at = now
    logger = await uow.users.get(entry.logged_by) if entry.logged_by else None
    if logger is not None:
        push(uow, logger, Notice.HOURS_DISPUTED, _entry_params(entry, person, logger), due=now)
    for coordinator in await staff.coordinators_of(uow, pair.programme_id):
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_HOURS_DISPUTED,
            {"pair_id": pair.id, "entry_id": entry.id, "minutes": entry.minutes},
            due=now,
        )
    return entry


async def correct(
    uow: UnitOfWork, person: User, entry_id: int, minutes: int, now: datetime
) -> HourEntry:
    """The person who logged an entry corrects its duration: a new entry replaces it."""
    entry, _pair = await entry_of(uow, person, entry_id)
    if entry.logged_by != person.id:
        raise DomainError("not_your_entry")
    if entry.status not in (HourStatus.PENDING.value, HourStatus.DISPUTED.value):
        raise DomainError("entry_decided")
    return await log(
        uow,
        person,
        started_at=entry.started_at,
        minutes=minutes,
        kind=entry.activity_kind,
        now=now,
        meetup_id=entry.meetup_id,
        corrects=entry,
        organisation_id=entry.organisation_id,
    )


async def progress(uow: UnitOfWork, person: User, now: datetime) -> tuple[Pair, Progress]:
    pair = await pairs.pair_of(uow, person)
    if pair is None:
        raise DomainError("no_pair")
    month_start, next_month = month_bounds(now, person_tz(person))
    by_status: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    coordinator_minutes = 0
    for status, kind, source, minutes in await uow.hours.ledger_summary(pair.id):
        by_status[status] += minutes
        if status == HourStatus.CONFIRMED.value:
            by_kind[kind] += minutes
            coordinator_minutes += minutes if source == COORDINATOR_SOURCE else 0
    return pair, Progress(
        confirmed_minutes=by_status[HourStatus.CONFIRMED.value],
        pending_minutes=by_status[HourStatus.PENDING.value],
        target_hours=pair.target_hours,
        by_kind=dict(by_kind),
        meetups_this_month=await uow.meetups.count_between(pair.id, month_start, next_month),
        coordinator_minutes=coordinator_minutes,
    )


async def plan_nudges(uow: UnitOfWork, now: datetime) -> int:
    """Pairs quiet for 14 days get a friendly nudge; 28 days alerts the coordinators (or
    what their programme's settings say)."""
    queued = 0
    limits: dict[int, tuple[timedelta, timedelta]] = {}
    for pair in await pairs.all_active_pairs(uow):
        if pair.programme_id not in limits:
            limits[pair.programme_id] = await _quiet_limits(uow, pair.programme_id)
        nudge_after, alert_after = limits[pair.programme_id]
        moments = [
            pair.started_at,
            await uow.meetups.last_activity(pair.id),
            await uow.hours.last_activity(pair.id),
        ]
        last = max(m for m in moments if m is not None)
        if now - last < nudge_after:
            continue
        members = [await uow.users.get(i) for i in (pair.newcomer_id, pair.buddy_id) if i]
        people = [member for member in members if member is not None]
        last = max([last, *(m for m in map(_back_from_away, people) if m is not None)])
        quiet = now - last
        if quiet < nudge_after:
            continue
        stamp = last.date().isoformat()
        params = {"pair_id": pair.id, "days": quiet.days}
        queued += await _tell_each(
            uow, people, Notice.PAIR_NUDGE, params, now, f"nudge:{pair.id}:{stamp}"
        )
        if quiet >= alert_after:
            coordinators = await staff.coordinators_of(uow, pair.programme_id)
            queued += await _tell_each(
                uow,
                coordinators,
                Notice.COORDINATOR_PAIR_QUIET,
                params,
                now,
                f"quiet:{pair.id}:{stamp}",
            )
    return queued


def _back_from_away(person: User) -> datetime | None:
    """The start of the day a person comes back from a holiday pause: a pair is not
    silent while one of them is away, so the silence counts from there (a day still to
    come keeps the pair from being nudged or reported meanwhile)."""
    if person.away_until is None:
        return None
    return datetime.combine(person.away_until, time(), tzinfo=person_tz(person))


async def _quiet_limits(uow: UnitOfWork, programme_id: int) -> tuple[timedelta, timedelta]:
    programme = await uow.programmes.get(programme_id)
    if programme is None:
        return NUDGE_AFTER, ALERT_AFTER
    chosen = settings_of(programme)
    return timedelta(days=chosen.nudge_after_days), timedelta(days=chosen.alert_after_days)


async def _tell_each(
    uow: UnitOfWork,
    people: Sequence[User],
    kind: Notice,
    params: dict[str, Any],
    now: datetime,
    dedup_prefix: str,
) -> int:
    """Queue `kind` for each person once (the dedup key ends with their id); returns how
    many were new, so a planner that runs again queues nothing twice."""
    queued = 0
    for person in people:
        row = await push_once(
            uow, person, kind, params, due=now, dedup_key=f"{dedup_prefix}:{person.id}"
        )
        queued += row is not None
    return queued
