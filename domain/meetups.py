"""Meetups of a pair: propose, accept, propose another time, reschedule, cancel.

Reminders and the question "did it take place?" are outbox rows keyed by the meetup and
its sequence number, so moving or cancelling a meetup moves or cancels them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from domain import first_meeting, voices
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.pairs import pair_of, pairs_of
from domain.profile import ACTIVITY_KINDS
from domain.programmes import settings_of
from storage.models import Meetup, MeetupStatus, Pair, PairStatus, User
from storage.uow import UnitOfWork

PLACE_MAX = 200
MIN_MINUTES = 15
MAX_MINUTES = 12 * 60
REMINDERS = (("day", timedelta(days=1)), ("soon", timedelta(hours=2)))


def reminder_moments(hours: Sequence[int] | None) -> tuple[tuple[str, timedelta], ...]:
    """The reminders before a meetup, as (name, how long before): the programme's choice
    of hours (its settings), else REMINDERS. The name picks the wording and keeps the
    reminder's dedup key: "day" the day before, "soon" 2 hours before, else "<n>h"."""
    if hours is None:
        return REMINDERS
    names = {24: "day", 2: "soon"}
    return tuple((names.get(h, f"{h}h"), timedelta(hours=h)) for h in sorted(hours, reverse=True))


OPEN = (MeetupStatus.PROPOSED.value, MeetupStatus.ACCEPTED.value)


def validate_place(text: str | None) -> str:
    place = " ".join((text or "").split())
    if not place:
        raise DomainError("place_empty")
    if len(place) > PLACE_MAX:
        raise DomainError("place_too_long", limit=PLACE_MAX)
    return place


def _check_plan(starts_at: datetime, minutes: int, kind: str, now: datetime) -> None:
    if starts_at <= now:
        raise DomainError("meetup_in_past")
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError("duration_out_of_range")
    if kind not in ACTIVITY_KINDS:
        raise DomainError("invalid_choice")


def ends_at(meetup: Meetup) -> datetime:
    """The planned end of a meetup: its start plus its planned duration."""
    return meetup.starts_at + timedelta(minutes=meetup.duration_minutes)


def mark(meetup: Meetup, status: MeetupStatus, now: datetime) -> None:
    """Change a meetup's status, stamped with the service's clock: nudges count quiet days
    from `updated_at`, and the database's own stamp would be the wall clock instead."""
    meetup.status = status.value
    meetup.updated_at = now


async def active_pair(uow: UnitOfWork, person: User) -> Pair:
    """The person's active pair, or a clear "no pair" answer."""
    pair = await pair_of(uow, person)
    if pair is None or pair.status != PairStatus.ACTIVE.value:
        raise DomainError("no_pair")
    return pair


async def other_person(uow: UnitOfWork, pair: Pair, person: User) -> User | None:
    other_id = pair.buddy_id if pair.newcomer_id == person.id else pair.newcomer_id
    return await uow.users.get(other_id) if other_id else None


async def meetup_of(uow: UnitOfWork, person: User, meetup_id: int) -> tuple[Meetup, Pair]:
    """A meetup of one of the person's own pairs; anything else is "not found"."""
    meetup = await uow.meetups.get(meetup_id)
    if meetup is None:
        raise DomainError("not_found")
    pair = await uow.pairs.get(meetup.pair_id)
    if pair is None or person.id not in (pair.newcomer_id, pair.buddy_id):
        raise DomainError("not_found")
    return meetup, pair


def _details(meetup: Meetup, proposer: User | None, recipient: User) -> dict[str, object]:
    return {
        "meetup_id": meetup.id,
        "sequence": meetup.sequence,
        "starts_at": meetup.starts_at.isoformat(),
        "minutes": meetup.duration_minutes,
        "place": meetup.place,
        "kind": meetup.activity_kind,
        "intro": meetup.is_introduction,
        "name": proposer.first_name if proposer else None,
        # The grammatical gender of the wording (handlers.i18n.gendered).
        "gender": proposer.gender if proposer else None,
        "reader_gender": recipient.gender,
        "tz": str(person_tz(recipient)),
    }


async def propose(
    uow: UnitOfWork,
    person: User,
    *,
    starts_at: datetime,
    minutes: int,
    place: str,
    kind: str,
    now: datetime,
) -> Meetup:
    """A new meetup proposed by `person`; the other person is asked to accept it."""
    pair = await active_pair(uow, person)
    _check_plan(starts_at, minutes, kind, now)
    # Their introduction, unless another meetup is planned or took place already (one
    # declined, cancelled or missed leaves the role to the next).
    first = await first_meeting.nothing_planned_yet(uow, pair.id)
    meetup = Meetup(
        programme_id=pair.programme_id,
        pair_id=pair.id,
        proposer_id=person.id,
        starts_at=starts_at,
        duration_minutes=minutes,
        place=validate_place(place),
        activity_kind=kind,
        status=MeetupStatus.PROPOSED.value,
        is_introduction=first,
        created_at=now,
        updated_at=now,
    )
    uow.meetups.add(meetup)
    await uow.meetups.flush()
    other = await other_person(uow, pair, person)
    if other is not None:
        push(uow, other, Notice.MEETUP_PROPOSED, _details(meetup, person, other), due=now)
    return meetup


async def change(
    uow: UnitOfWork,
    person: User,
    meetup_id: int,
    *,
    starts_at: datetime,
    minutes: int,
    place: str,
    kind: str,
    now: datetime,
) -> Meetup:
    """Another time for a proposed meetup, or a reschedule of an accepted one: the same
    meetup (same calendar UID, a higher SEQUENCE) goes back to the other for acceptance."""
    meetup, pair = await meetup_of(uow, person, meetup_id)
    if meetup.status not in OPEN:
        raise DomainError("meetup_closed")
    _check_plan(starts_at, minutes, kind, now)
    await uow.outbox.cancel_by_dedup_prefix(f"meetup:{meetup.id}:")
    await first_meeting.withdraw(uow, meetup)
    meetup.starts_at = starts_at
    meetup.duration_minutes = minutes
    meetup.place = validate_place(place)
    meetup.activity_kind = kind
    mark(meetup, MeetupStatus.PROPOSED, now)
    meetup.proposer_id = person.id
    meetup.sequence += 1
    other = await other_person(uow, pair, person)
    if other is not None:
        push(
            uow,
            other,
            Notice.MEETUP_PROPOSED,
            _details(meetup, person, other) | {"changed": True},
            due=now,
        )
    return meetup


async def accept(uow: UnitOfWork, person: User, meetup_id: int, now: datetime) -> Meetup:
    """The other person accepts: calendar files to both, reminders, and afterwards the
    question whether it took place."""
    meetup, pair = await meetup_of(uow, person, meetup_id)
    if meetup.status != MeetupStatus.PROPOSED.value:
        raise DomainError("meetup_closed")
    if meetup.proposer_id == person.id:
        raise DomainError("not_your_turn")
    programme = await uow.programmes.get(pair.programme_id)
    reminders = reminder_moments(settings_of(programme).reminder_hours if programme else None)
    if meetup.starts_at <= now:
        raise DomainError("meetup_in_past")
    mark(meetup, MeetupStatus.ACCEPTED, now)
    proposer = await uow.users.get(meetup.proposer_id) if meetup.proposer_id else None
    prefix = f"meetup:{meetup.id}:s{meetup.sequence}"
    for member in (person, proposer):
        if member is None:
            continue
        other = proposer if member is person else person
        details = _details(meetup, other, member)
        push(
            uow,
            member,
            Notice.MEETUP_CALENDAR,
            details,
            due=now,
            dedup_key=f"{prefix}:ics:{member.id}",
        )
        voice = await voices.recorded_for(uow, member, voices.VoiceKey.REMINDER)
        for name, before in reminders:
            moment = meetup.starts_at - before
            if moment <= now:
                continue
            push(
                uow,
                member,
                Notice.MEETUP_REMINDER,
                details | {"which": name, "voice": voice},
                due=moment,
                dedup_key=f"{prefix}:rem-{name}:{member.id}",
                event_starts_at=meetup.starts_at,
                expires_at=meetup.starts_at,
            )
        push(
            uow,
            member,
            Notice.MEETUP_ASK,
            details,
            due=ends_at(meetup),
            dedup_key=f"{prefix}:ask:{member.id}",
        )
    if proposer is not None:
        push(uow, proposer, Notice.MEETUP_ACCEPTED, _details(meetup, person, proposer), due=now)
    await first_meeting.plan(uow, meetup, pair, now)  # the guide before, questions after
    return meetup


async def decline(uow: UnitOfWork, person: User, meetup_id: int, now: datetime) -> Meetup:
    meetup, _pair = await meetup_of(uow, person, meetup_id)
    if meetup.status != MeetupStatus.PROPOSED.value:
        raise DomainError("meetup_closed")
    if meetup.proposer_id == person.id:
        raise DomainError("not_your_turn")
    mark(meetup, MeetupStatus.DECLINED, now)
    proposer = await uow.users.get(meetup.proposer_id) if meetup.proposer_id else None
    if proposer is not None:
        push(uow, proposer, Notice.MEETUP_DECLINED, _details(meetup, person, proposer), due=now)
    return meetup


async def cancel(uow: UnitOfWork, person: User, meetup_id: int, now: datetime) -> Meetup:
    """Either person cancels: reminders are withdrawn; calendars get a cancellation."""
    meetup, pair = await meetup_of(uow, person, meetup_id)
    if meetup.status not in OPEN:
        raise DomainError("meetup_closed")
    was_accepted = meetup.status == MeetupStatus.ACCEPTED.value
    calendar = f"meetup:{meetup.id}:s{meetup.sequence}:ics"  # the files sent on acceptance
    await uow.outbox.cancel_by_dedup_prefix(f"meetup:{meetup.id}:")
    await first_meeting.withdraw(uow, meetup)
    mark(meetup, MeetupStatus.CANCELLED, now)
    meetup.sequence += 1
    other = await other_person(uow, pair, person)
    for member in (person, other):
        if member is None:
            continue
        details = _details(meetup, person, member)
        if member is other:
            push(uow, member, Notice.MEETUP_CANCELLED, details, due=now)
        if was_accepted:
            # Only into a calendar the meetup reached (its file may have been withdrawn
            # before its turn, when cancelled right after the acceptance).
            cancelled = details | {"cancelled": True, "follows": f"{calendar}:{member.id}"}
            push(uow, member, Notice.MEETUP_CALENDAR, cancelled, due=now)
    return meetup


async def upcoming(uow: UnitOfWork, person: User, now: datetime) -> list[Meetup]:
    pairs = await pairs_of(uow, person)
    return list(await uow.meetups.upcoming([p.id for p in pairs], now))
