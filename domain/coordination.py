"""Coordinators' work: the waiting list, suggestions, matches and the life of a pair.

Every function takes the acting coordinator and only ever touches people and pairs of
that coordinator's programme; anything else is "not found", never revealed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, or_, select

from domain import matching
from domain.clock import month_bounds
from domain.errors import DomainError, NotAllowed
from domain.notify import push
from domain.profile import GENDERS
from storage.models import (
    CoordinatorInvite,
    EndReason,
    Pair,
    PairStatus,
    PersonNote,
    Programme,
    Role,
    User,
    UserStatus,
)
from storage.uow import UnitOfWork

COORDINATOR_ROLES = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
OPEN_PAIR = (PairStatus.ACTIVE.value, PairStatus.PAUSED.value)
INVITE_VALID = timedelta(days=7)
NOTE_MAX = 1000


def is_coordinator(user: User | None) -> bool:
    return (
        user is not None
        and user.role in COORDINATOR_ROLES
        and user.status != UserStatus.INACTIVE.value
    )


def _require_coordinator(user: User) -> None:
    if not is_coordinator(user):
        raise NotAllowed("coordinators_only")


def weights_for(programme: Programme) -> matching.Weights:
    """The programme's matching weights (settings), defaults where not set."""
    return matching.Weights.from_dict(dict(programme.settings.get("matching_weights", {})))


def target_hours_for(programme: Programme) -> int:
    return int(programme.settings.get("target_hours", 40))


@dataclass(frozen=True)
class WaitingNewcomer:
    person: User
    days_waiting: int


@dataclass(frozen=True)
class AvailableBuddy:
    person: User
    free_places: int


@dataclass(frozen=True)
class Overview:
    waiting: list[WaitingNewcomer]
    buddies: list[AvailableBuddy]
    by_language: list[tuple[str, int]]
    by_municipality: list[tuple[str, int]]


@dataclass(frozen=True)
class Suggestion:
    buddy: User
    score: matching.Score


@dataclass(frozen=True)
class ProposedPair:
    newcomer: User
    buddy: User
    score: matching.Score


async def _open_pair_counts(uow: UnitOfWork, programme_id: int) -> dict[int, int]:
    rows = await uow.session.execute(
        select(Pair.buddy_id, func.count())
        .where(Pair.programme_id == programme_id, Pair.status.in_(OPEN_PAIR))
        .group_by(Pair.buddy_id)
    )
    return {buddy_id: count for buddy_id, count in rows.all() if buddy_id is not None}


async def _ended_partners(uow: UnitOfWork, programme_id: int) -> dict[int, set[int]]:
    rows = await uow.session.execute(
        select(Pair.newcomer_id, Pair.buddy_id).where(
            Pair.programme_id == programme_id, Pair.status == PairStatus.ENDED.value
        )
    )
    partners: dict[int, set[int]] = {}
    for newcomer_id, buddy_id in rows.all():
        if newcomer_id is not None and buddy_id is not None:
            partners.setdefault(newcomer_id, set()).add(buddy_id)
            partners.setdefault(buddy_id, set()).add(newcomer_id)
    return partners


def to_profile(
    user: User, *, active_pairs: int = 0, excluded: frozenset[int] = frozenset()
) -> matching.Profile:
    """The matching snapshot of a person."""
    return matching.Profile(
        id=user.id,
        languages=frozenset(user.languages or []),
        municipality=user.municipality,
        interests=frozenset(user.interests or []),
        availability=frozenset(user.availability or []),
        gender=user.gender if user.gender in GENDERS else None,
        gender_preference=(user.gender_preference if user.gender_preference in GENDERS else None),
        capacity=user.capacity or 1,
        active_pairs=active_pairs,
        waiting_since=user.waiting_since,
        excluded=excluded,
    )


async def _waiting_newcomers(uow: UnitOfWork, programme_id: int) -> Sequence[User]:
    return [u for u in await uow.users.waiting_newcomers(programme_id) if u.reachable]


async def _candidate_buddies(uow: UnitOfWork, programme_id: int) -> list[User]:
    result = await uow.session.scalars(
        select(User)
        .where(
            User.programme_id == programme_id,
            User.role == Role.BUDDY.value,
            User.status.in_([UserStatus.WAITING.value, UserStatus.MATCHED.value]),
            User.reachable.is_(True),
        )
        .order_by(User.id)
    )
    return list(result.all())


async def _profiles(
    uow: UnitOfWork, programme_id: int
) -> tuple[list[matching.Profile], list[matching.Profile], dict[int, User]]:
    newcomers = await _waiting_newcomers(uow, programme_id)
    buddies = await _candidate_buddies(uow, programme_id)
    load = await _open_pair_counts(uow, programme_id)
    ended = await _ended_partners(uow, programme_id)
    people = {u.id: u for u in (*newcomers, *buddies)}
    newcomer_profiles = [to_profile(u, excluded=frozenset(ended.get(u.id, ()))) for u in newcomers]
    buddy_profiles = [
        to_profile(u, active_pairs=load.get(u.id, 0), excluded=frozenset(ended.get(u.id, ())))
        for u in buddies
    ]
    return newcomer_profiles, buddy_profiles, people


async def overview(uow: UnitOfWork, coordinator: User, now: datetime) -> Overview:
    """Waiting newcomers (longest wait first) and buddies with free places."""
    _require_coordinator(coordinator)
    programme_id = coordinator.programme_id
    newcomers = await _waiting_newcomers(uow, programme_id)
    load = await _open_pair_counts(uow, programme_id)
    buddies = [
        AvailableBuddy(person=b, free_places=(b.capacity or 1) - load.get(b.id, 0))
        for b in await _candidate_buddies(uow, programme_id)
    ]
    waiting = [
        WaitingNewcomer(person=n, days_waiting=max(0, (now - n.waiting_since).days))
        for n in newcomers
        if n.waiting_since is not None
    ]
    return Overview(
        waiting=waiting,
        buddies=[b for b in buddies if b.free_places > 0],
        by_language=Counter(n.contact_language for n in newcomers).most_common(),
        by_municipality=Counter(n.municipality or "?" for n in newcomers).most_common(),
    )


async def rarely_meeting(
    uow: UnitOfWork, coordinator: User, now: datetime, tz: tzinfo, minimum: int = 2
) -> list[Pair]:
    """Active pairs with fewer than `minimum` meetups in the current calendar month."""
    _require_coordinator(coordinator)
    month_start, next_month = month_bounds(now, tz)
    pairs = await uow.session.scalars(
        select(Pair)
        .where(
            Pair.programme_id == coordinator.programme_id, Pair.status == PairStatus.ACTIVE.value
        )
        .order_by(Pair.id)
    )
    met = await uow.meetups.counts_between(coordinator.programme_id, month_start, next_month)
    return [pair for pair in pairs.all() if met.get(pair.id, 0) < minimum]


async def person_in_programme(uow: UnitOfWork, coordinator: User, person_id: int) -> User:
    """A person of the coordinator's programme, or "not found"."""
    _require_coordinator(coordinator)
    person = await uow.users.get(person_id)
    if person is None or person.programme_id != coordinator.programme_id:
        raise DomainError("not_found")
    return person


async def suggestions(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, now: datetime, limit: int = 5
) -> tuple[User, list[Suggestion]]:
    """The best buddies for one waiting newcomer, with the reasons of each score."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    if newcomer.role != Role.NEWCOMER.value or newcomer.status != UserStatus.WAITING.value:
        raise DomainError("not_waiting")
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None
    newcomer_profiles, buddy_profiles, people = await _profiles(uow, programme.id)
    profile = next((p for p in newcomer_profiles if p.id == newcomer.id), None)
    if profile is None:
        raise DomainError("not_waiting")
    ranked = matching.suggest(profile, buddy_profiles, weights_for(programme), limit=limit, now=now)
    return newcomer, [Suggestion(buddy=people[b.id], score=s) for b, s in ranked]


async def propose_all(uow: UnitOfWork, coordinator: User, now: datetime) -> list[ProposedPair]:
    """The optimal assignment of the whole waiting list, for the coordinator to confirm."""
    _require_coordinator(coordinator)
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None
    newcomer_profiles, buddy_profiles, people = await _profiles(uow, programme.id)
    # Thousands of people take seconds of CPU: keep the event loop answering meanwhile.
    proposals = await asyncio.to_thread(
        matching.assign, newcomer_profiles, buddy_profiles, weights_for(programme), now=now
    )
    return [
        ProposedPair(newcomer=people[p.newcomer_id], buddy=people[p.buddy_id], score=p.score)
        for p in proposals
    ]


async def confirm_match(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, buddy_id: int, now: datetime
) -> Pair:
    """Create the pair after checking every hard constraint again, and introduce both."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    buddy = await person_in_programme(uow, coordinator, buddy_id)
    if newcomer.role != Role.NEWCOMER.value or newcomer.status != UserStatus.WAITING.value:
        raise DomainError("not_waiting")
    if buddy.role != Role.BUDDY.value or buddy.status not in (
        UserStatus.WAITING.value,
        UserStatus.MATCHED.value,
    ):
        raise DomainError("buddy_unavailable")
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None
    load = await _open_pair_counts(uow, programme.id)
    ended = await _ended_partners(uow, programme.id)
    n_profile = to_profile(newcomer, excluded=frozenset(ended.get(newcomer.id, ())))
    b_profile = to_profile(
        buddy, active_pairs=load.get(buddy.id, 0), excluded=frozenset(ended.get(buddy.id, ()))
    )
    if not matching.allowed(n_profile, b_profile):
        raise DomainError("match_not_allowed")
    explained = matching.score(n_profile, b_profile, weights_for(programme), now=now)
    pair = Pair(
        programme_id=programme.id,
        newcomer_id=newcomer.id,
        buddy_id=buddy.id,
        status=PairStatus.ACTIVE.value,
        score=explained.total,
        reasons=[reason.key for reason in explained.reasons],
        target_hours=target_hours_for(programme),
        started_at=now,
        matched_by=coordinator.telegram_id,
    )
    uow.session.add(pair)
    newcomer.status = UserStatus.MATCHED.value
    buddy.status = UserStatus.MATCHED.value
    await uow.session.flush()
    shared_languages = sorted(set(newcomer.languages or []) & set(buddy.languages or []))
    shared_interests = sorted(set(newcomer.interests or []) & set(buddy.interests or []))
    for person, other in ((newcomer, buddy), (buddy, newcomer)):
        push(
            uow,
            person,
            "pair.introduction",
            params={
                "pair_id": pair.id,
                "role": person.role,
                "other_name": other.first_name,
                "other_telegram_id": other.telegram_id,
                "languages": shared_languages,
                "interests": shared_interests,
            },
            due=now,
            dedup_key=f"pair:{pair.id}:intro:{person.id}",
        )
    uow.audit.record(
        "pair.created",
        programme_id=programme.id,
        actor_id=coordinator.telegram_id,
        pair_id=pair.id,
        newcomer_id=newcomer.id,
        buddy_id=buddy.id,
        score=round(explained.total, 2),
    )
    return pair


async def pair_in_programme(uow: UnitOfWork, coordinator: User, pair_id: int) -> Pair:
    _require_coordinator(coordinator)
    pair = await uow.session.get(Pair, pair_id)
    if pair is None or pair.programme_id != coordinator.programme_id:
        raise DomainError("not_found")
    return pair


async def open_pairs(
    uow: UnitOfWork, coordinator: User
) -> list[tuple[Pair, User | None, User | None]]:
    """Active and paused pairs of the programme, oldest first, with both people."""
    _require_coordinator(coordinator)
    pairs = (
        await uow.session.scalars(
            select(Pair)
            .where(Pair.programme_id == coordinator.programme_id, Pair.status.in_(OPEN_PAIR))
            .order_by(Pair.started_at, Pair.id)
        )
    ).all()
    people_ids = {i for p in pairs for i in (p.newcomer_id, p.buddy_id) if i is not None}
    people = {
        u.id: u
        for u in (await uow.session.scalars(select(User).where(User.id.in_(people_ids)))).all()
    }
    return [(p, people.get(p.newcomer_id or -1), people.get(p.buddy_id or -1)) for p in pairs]


async def coordinators_of(uow: UnitOfWork, programme_id: int) -> list[User]:
    """The active coordinators of a programme (whom alerts go to)."""
    return [c for c in await uow.users.coordinators(programme_id) if is_coordinator(c)]


async def all_active_pairs(uow: UnitOfWork) -> list[Pair]:
    result = await uow.session.scalars(
        select(Pair).where(Pair.status == PairStatus.ACTIVE.value).order_by(Pair.id)
    )
    return list(result.all())


async def pair_of(uow: UnitOfWork, person: User) -> Pair | None:
    """The person's open pair (a newcomer has at most one; a buddy's most recent)."""
    return await uow.session.scalar(
        select(Pair)
        .where(
            Pair.status.in_(OPEN_PAIR),
            or_(Pair.newcomer_id == person.id, Pair.buddy_id == person.id),
        )
        .order_by(Pair.started_at.desc())
        .limit(1)
    )


async def pairs_of(uow: UnitOfWork, person: User) -> list[Pair]:
    result = await uow.session.scalars(
        select(Pair)
        .where(
            Pair.status.in_(OPEN_PAIR),
            or_(Pair.newcomer_id == person.id, Pair.buddy_id == person.id),
        )
        .order_by(Pair.started_at)
    )
    return list(result.all())


async def _people(uow: UnitOfWork, pair: Pair) -> tuple[User | None, User | None]:
    newcomer = await uow.users.get(pair.newcomer_id) if pair.newcomer_id else None
    buddy = await uow.users.get(pair.buddy_id) if pair.buddy_id else None
    return newcomer, buddy


def _notify(
    uow: UnitOfWork, pair: Pair, person: User | None, key: str, now: datetime, **params: object
) -> None:
    if person is None:
        return
    push(uow, person, key, {"pair_id": pair.id, **params}, due=now)


async def pause_pair(
    uow: UnitOfWork, coordinator: User, pair_id: int, weeks: int, now: datetime
) -> Pair:
    """Pause an active pair until a resume date; both are told."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status != PairStatus.ACTIVE.value:
        raise DomainError("pair_not_active")
    if weeks not in (2, 4, 8):
        raise DomainError("invalid_choice")
    pair.status = PairStatus.PAUSED.value
    pair.paused_until = now + timedelta(weeks=weeks)
    newcomer, buddy = await _people(uow, pair)
    for person in (newcomer, buddy):
        _notify(uow, pair, person, "pair.paused", now, until=pair.paused_until.isoformat())
    uow.audit.record(
        "pair.paused",
        programme_id=pair.programme_id,
        actor_id=coordinator.telegram_id,
        pair_id=pair.id,
        weeks=weeks,
    )
    return pair


async def resume_pair(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> Pair:
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status != PairStatus.PAUSED.value:
        raise DomainError("pair_not_paused")
    pair.status = PairStatus.ACTIVE.value
    pair.paused_until = None
    newcomer, buddy = await _people(uow, pair)
    for person in (newcomer, buddy):
        _notify(uow, pair, person, "pair.resumed", now)
    uow.audit.record(
        "pair.resumed",
        programme_id=pair.programme_id,
        actor_id=coordinator.telegram_id,
        pair_id=pair.id,
    )
    return pair


async def end_pair(
    uow: UnitOfWork,
    coordinator: User,
    pair_id: int,
    reason: str,
    now: datetime,
    *,
    rematch: bool = False,
) -> Pair:
    """End a pair. With `rematch` the newcomer goes back to the front of the waiting list
    (their original waiting date) and will never be proposed this buddy again."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status == PairStatus.ENDED.value:
        raise DomainError("pair_ended")
    if reason not in {r.value for r in EndReason}:
        raise DomainError("invalid_choice")
    pair.status = PairStatus.ENDED.value
    pair.ended_at = now
    pair.end_reason = reason
    await uow.session.flush()
    newcomer, buddy = await _people(uow, pair)
    if newcomer is not None:
        newcomer.status = UserStatus.WAITING.value if rematch else UserStatus.INACTIVE.value
        if rematch and newcomer.waiting_since is None:
            newcomer.waiting_since = now
    if buddy is not None:
        still_open = await pairs_of(uow, buddy)
        buddy.status = UserStatus.MATCHED.value if still_open else UserStatus.WAITING.value
    _notify(uow, pair, newcomer, "pair.ended", now, rematch=rematch, reason=reason)
    _notify(uow, pair, buddy, "pair.ended", now, rematch=False, reason=reason)
    uow.audit.record(
        "pair.rematch" if rematch else "pair.ended",
        programme_id=pair.programme_id,
        actor_id=coordinator.telegram_id,
        pair_id=pair.id,
        reason=reason,
    )
    return pair


async def add_note(
    uow: UnitOfWork, coordinator: User, person_id: int, text: str, now: datetime
) -> PersonNote:
    person = await person_in_programme(uow, coordinator, person_id)
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError("note_empty")
    if len(cleaned) > NOTE_MAX:
        raise DomainError("note_too_long", limit=NOTE_MAX)
    note = PersonNote(
        person_id=person.id, author_id=coordinator.telegram_id, text=cleaned, created_at=now
    )
    uow.session.add(note)
    uow.audit.record(
        "person.note",
        programme_id=person.programme_id,
        actor_id=coordinator.telegram_id,
        person_id=person.id,
    )
    return note


async def notes(uow: UnitOfWork, coordinator: User, person_id: int) -> list[PersonNote]:
    person = await person_in_programme(uow, coordinator, person_id)
    result = await uow.session.scalars(
        select(PersonNote).where(PersonNote.person_id == person.id).order_by(PersonNote.created_at)
    )
    return list(result.all())


async def deactivate(uow: UnitOfWork, coordinator: User, person_id: int, now: datetime) -> User:
    """Take a person off every list; their open pairs end."""
    person = await person_in_programme(uow, coordinator, person_id)
    if person.id == coordinator.id:
        raise DomainError("not_yourself")
    for pair in await pairs_of(uow, person):
        await end_pair(uow, coordinator, pair.id, EndReason.OTHER.value, now)
    person.status = UserStatus.INACTIVE.value
    uow.audit.record(
        "person.deactivated",
        programme_id=person.programme_id,
        actor_id=coordinator.telegram_id,
        person_id=person.id,
    )
    return person


async def create_invite(uow: UnitOfWork, coordinator: User, now: datetime) -> CoordinatorInvite:
    _require_coordinator(coordinator)
    invite = CoordinatorInvite(
        programme_id=coordinator.programme_id,
        token=secrets.token_urlsafe(18).replace("-", "x").replace("_", "y"),
        created_by=coordinator.telegram_id,
        created_at=now,
        expires_at=now + INVITE_VALID,
    )
    uow.session.add(invite)
    uow.audit.record(
        "coordinator.invited",
        programme_id=coordinator.programme_id,
        actor_id=coordinator.telegram_id,
    )
    return invite


def _new_staff_member(
    uow: UnitOfWork, telegram_id: int, programme_id: int, language: str, now: datetime
) -> User:
    """A coordinator's own record: no profile, consent given by taking up the role."""
    person = User(
        telegram_id=telegram_id,
        programme_id=programme_id,
        contact_language=language,
        consent_at=now,
        languages=[],
        interests=[],
        availability=[],
    )
    uow.users.add(person)
    return person


async def accept_invite(
    uow: UnitOfWork, *, telegram_id: int, token: str, language: str, now: datetime
) -> User:
    """Whoever opens a valid, unused invite becomes a coordinator of its programme."""
    invite = await uow.session.scalar(
        select(CoordinatorInvite).where(CoordinatorInvite.token == token)
    )
    if invite is None or invite.used_at is not None or invite.expires_at < now:
        raise DomainError("invite_invalid")
    person = await uow.users.by_telegram_id(telegram_id)
    if person is None:
        person = _new_staff_member(uow, telegram_id, invite.programme_id, language, now)
    elif person.programme_id != invite.programme_id:
        raise DomainError("invite_invalid")
    if person.role not in COORDINATOR_ROLES:
        person.role = Role.COORDINATOR.value
    person.status = UserStatus.WAITING.value
    person.profile_done_at = person.profile_done_at or now
    invite.used_by = telegram_id
    invite.used_at = now
    await uow.session.flush()
    uow.audit.record("coordinator.joined", programme_id=invite.programme_id, actor_id=telegram_id)
    return person


async def coordinators(uow: UnitOfWork, coordinator: User) -> Sequence[User]:
    _require_coordinator(coordinator)
    return [c for c in await uow.users.coordinators(coordinator.programme_id) if is_coordinator(c)]


async def remove_coordinator(
    uow: UnitOfWork, coordinator: User, person_id: int, bootstrap_ids: Collection[int]
) -> User:
    person = await person_in_programme(uow, coordinator, person_id)
    if person.role not in COORDINATOR_ROLES:
        raise DomainError("not_found")
    if person.id == coordinator.id or person.telegram_id in bootstrap_ids:
        raise DomainError("cannot_remove_coordinator")
    person.status = UserStatus.INACTIVE.value
    uow.audit.record(
        "coordinator.removed",
        programme_id=person.programme_id,
        actor_id=coordinator.telegram_id,
        person_id=person.id,
    )
    return person


async def ensure_bootstrap_coordinator(
    uow: UnitOfWork, telegram_id: int, language: str, now: datetime
) -> User:
    """A coordinator named in the settings exists as a person of the default programme."""
    person = await uow.users.by_telegram_id(telegram_id)
    if person is None:
        programme = await uow.programmes.default()
        person = _new_staff_member(uow, telegram_id, programme.id, language, now)
    if person.role not in COORDINATOR_ROLES or person.status == UserStatus.INACTIVE.value:
        person.role = Role.ADMIN.value
        person.status = UserStatus.WAITING.value
        person.profile_done_at = person.profile_done_at or now
        await uow.session.flush()
    return person


async def request_change(uow: UnitOfWork, person: User, kind: str, now: datetime) -> Pair:
    """A person asks the coordinators to end or change their pair; the coordinators decide."""
    if kind not in ("end", "change"):
        raise DomainError("invalid_choice")
    pair = await pair_of(uow, person)
    if pair is None:
        raise DomainError("no_pair")
    for coordinator in await uow.users.coordinators(person.programme_id):
        if not is_coordinator(coordinator):
            continue
        push(
            uow,
            coordinator,
            "coordinator.change_request",
            {"pair_id": pair.id, "kind": kind, "name": person.first_name, "role": person.role},
            due=now,
        )
    uow.audit.record(
        "pair.change_requested",
        programme_id=person.programme_id,
        actor_id=person.telegram_id,
        pair_id=pair.id,
        kind=kind,
    )
    return pair
