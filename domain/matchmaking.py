"""Matching as the coordinator does it: the home figures, the waiting list, suggestions
with reasons, the optimal proposal for the whole list, and confirming matches.

The scoring itself is the pure `domain.matching`; here the people are read, every hard
constraint is checked again at the moment of confirming, and both people are introduced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import matching, voices
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.profile import GENDERS
from domain.staff import person_in_programme, require_coordinator
from storage.models import Pair, PairStatus, Programme, Role, User, UserStatus
from storage.uow import UnitOfWork


def weights_for(programme: Programme) -> matching.Weights:
    """The programme's matching weights (settings), defaults where not set."""
    return matching.Weights.from_dict(dict(programme.settings.get("matching_weights", {})))


def target_hours_for(programme: Programme) -> int:
    """The programme's hour goal for a pair (40 unless set)."""
    return int(programme.settings.get("target_hours", 40))


@dataclass(frozen=True)
class Suggestion:
    buddy: User
    score: matching.Score


@dataclass(frozen=True)
class ProposedPair:
    newcomer: User
    buddy: User
    score: matching.Score


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


async def _waiting_newcomers(uow: UnitOfWork, programme_id: int) -> list[User]:
    # Someone who blocked the bot cannot be introduced: not proposed until they are back.
    return [u for u in await uow.users.waiting_newcomers(programme_id) if u.reachable]


async def _profiles(
    uow: UnitOfWork, programme_id: int
) -> tuple[list[matching.Profile], list[matching.Profile], dict[int, User]]:
    newcomers = await _waiting_newcomers(uow, programme_id)
    buddies = await uow.pairs.candidate_buddies(programme_id)
    load = await uow.pairs.open_counts(programme_id)
    ended = await uow.pairs.ended_partners(programme_id)
    people = {u.id: u for u in (*newcomers, *buddies)}
    newcomer_profiles = [to_profile(u, excluded=frozenset(ended.get(u.id, ()))) for u in newcomers]
    buddy_profiles = [
        to_profile(u, active_pairs=load.get(u.id, 0), excluded=frozenset(ended.get(u.id, ())))
        for u in buddies
    ]
    return newcomer_profiles, buddy_profiles, people


async def _programme(uow: UnitOfWork, coordinator: User) -> Programme:
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None  # a person always belongs to a programme (foreign key)
    return programme


async def suggestions(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, now: datetime, limit: int = 5
) -> tuple[User, list[Suggestion]]:
    """The best buddies for one waiting newcomer, with the reasons of each score."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    if newcomer.role != Role.NEWCOMER.value or newcomer.status != UserStatus.WAITING.value:
        raise DomainError("not_waiting")
    programme = await _programme(uow, coordinator)
    newcomer_profiles, buddy_profiles, people = await _profiles(uow, programme.id)
    profile = next((p for p in newcomer_profiles if p.id == newcomer.id), None)
    if profile is None:
        raise DomainError("not_waiting")
    ranked = matching.suggest(profile, buddy_profiles, weights_for(programme), limit=limit, now=now)
    return newcomer, [Suggestion(buddy=people[b.id], score=s) for b, s in ranked]


async def propose_all(uow: UnitOfWork, coordinator: User, now: datetime) -> list[ProposedPair]:
    """The optimal assignment of the whole waiting list, for the coordinator to confirm."""
    require_coordinator(coordinator)
    programme = await _programme(uow, coordinator)
    newcomer_profiles, buddy_profiles, people = await _profiles(uow, programme.id)
    # Thousands of people take a second of CPU: keep the event loop answering meanwhile.
    # numpy's solvers (SciPy) are imported here, when a coordinator asks, not at bot start.
    from domain.assignment import assign

    proposals = await asyncio.to_thread(
        assign, newcomer_profiles, buddy_profiles, weights_for(programme), now=now
    )
    return [
        ProposedPair(newcomer=people[p.newcomer_id], buddy=people[p.buddy_id], score=p.score)
        for p in proposals
    ]


async def _introduce(
    uow: UnitOfWork, pair: Pair, newcomer: User, buddy: User, now: datetime
) -> None:
    shared_languages = sorted(set(newcomer.languages or []) & set(buddy.languages or []))
    shared_interests = sorted(set(newcomer.interests or []) & set(buddy.interests or []))
    for person, other in ((newcomer, buddy), (buddy, newcomer)):
        push(
            uow,
            person,
            Notice.PAIR_INTRODUCTION,
            params={
                "pair_id": pair.id,
                "role": person.role,
                "other_name": other.first_name,
                # The grammatical gender of the wording (handlers.i18n.gendered).
                "gender": person.gender,
                "other_gender": other.gender,
                "other_telegram_id": other.telegram_id,
                "other_username": other.username,
                "languages": shared_languages,
                "interests": shared_interests,
                "voice": await voices.recorded_for(uow, person, voices.VoiceKey.INTRODUCTION),
            },
            due=now,
            dedup_key=f"pair:{pair.id}:intro:{person.id}",
        )


async def _match_parties(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, buddy_id: int
) -> tuple[User, User, Programme, matching.Profile, matching.Profile]:
    """Both people, checked for what no coordinator can set aside (a waiting newcomer and
    an available buddy, both of the coordinator's programme), with their matching
    snapshots as they are now."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    buddy = await person_in_programme(uow, coordinator, buddy_id)
    if newcomer.role != Role.NEWCOMER.value or newcomer.status != UserStatus.WAITING.value:
        raise DomainError("not_waiting")
    if buddy.role != Role.BUDDY.value or buddy.status not in (
        UserStatus.WAITING.value,
        UserStatus.MATCHED.value,
    ):
        raise DomainError("buddy_unavailable")
    programme = await _programme(uow, coordinator)
    load = await uow.pairs.open_counts(programme.id)
    ended = await uow.pairs.ended_partners(programme.id)
    n_profile = to_profile(newcomer, excluded=frozenset(ended.get(newcomer.id, ())))
    b_profile = to_profile(
        buddy, active_pairs=load.get(buddy.id, 0), excluded=frozenset(ended.get(buddy.id, ()))
    )
    return newcomer, buddy, programme, n_profile, b_profile


async def _make_pair(
    uow: UnitOfWork,
    coordinator: User,
    parties: tuple[User, User, Programme, matching.Profile, matching.Profile],
    now: datetime,
) -> Pair:
    newcomer, buddy, programme, n_profile, b_profile = parties
    explained = matching.score(n_profile, b_profile, weights_for(programme), now=now)
    newcomer.status = UserStatus.MATCHED.value
    buddy.status = UserStatus.MATCHED.value
    pair = await uow.pairs.add(
        Pair(
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
    )
    await _introduce(uow, pair, newcomer, buddy, now)
    uow.audit.by(
        coordinator,
        "pair.created",
        pair_id=pair.id,
        newcomer_id=newcomer.id,
        buddy_id=buddy.id,
        score=round(explained.total, 2),
    )
    return pair


async def confirm_match(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, buddy_id: int, now: datetime
) -> Pair:
    """Create the pair after checking every hard constraint again, and introduce both."""
    parties = await _match_parties(uow, coordinator, newcomer_id, buddy_id)
    if not matching.allowed(parties[3], parties[4]):
        raise DomainError("match_not_allowed")
    return await _make_pair(uow, coordinator, parties, now)


@dataclass(frozen=True)
class NoFit:
    """Why no buddy fits a waiting newcomer (see `matching.what_blocks`), with the people
    behind the nearest buddies."""

    newcomer: User
    blocked: matching.Blocked
    buddies: dict[int, User]


async def why_no_fit(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, now: datetime, limit: int = 3
) -> NoFit:
    """What keeps every available buddy from this waiting newcomer, and the nearest ones."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    programme = await _programme(uow, coordinator)
    newcomer_profiles, buddy_profiles, people = await _profiles(uow, programme.id)
    profile = next((p for p in newcomer_profiles if p.id == newcomer.id), None)
    if profile is None:
        raise DomainError("not_waiting")
    blocked = matching.what_blocks(
        profile, buddy_profiles, weights_for(programme), limit=limit, now=now
    )
    return NoFit(newcomer=newcomer, blocked=blocked, buddies=people)


async def override_check(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, buddy_id: int
) -> tuple[User, User, tuple[str, ...]]:
    """Both people and the constraints a match anyway would break; refused when it breaks
    one no coordinator may set aside (see `matching.OVERRIDABLE`)."""
    parties = await _match_parties(uow, coordinator, newcomer_id, buddy_id)
    broken = matching.blocks(parties[3], parties[4])
    if not matching.overridable(broken):
        raise DomainError("match_not_allowed")
    return parties[0], parties[1], broken


async def override_match(
    uow: UnitOfWork, coordinator: User, newcomer_id: int, buddy_id: int, now: datetime
) -> Pair:
    """Match anyway over the person's wish or an earlier pair: audited with what it
    breaks, then made and introduced as `confirm_match` does. Everything else that
    `confirm_match` checks still holds."""
    parties = await _match_parties(uow, coordinator, newcomer_id, buddy_id)
    broken = matching.blocks(parties[3], parties[4])
    if not matching.overridable(broken):
        raise DomainError("match_not_allowed")
    if broken:
        uow.audit.by(
            coordinator,
            "match.override",
            newcomer_id=parties[0].id,
            buddy_id=parties[1].id,
            broken=list(broken),
        )
    return await _make_pair(uow, coordinator, parties, now)


async def confirm_matches(
    uow: UnitOfWork, coordinator: User, pairs: Iterable[Sequence[int]], now: datetime
) -> tuple[int, int]:
    """Confirm several proposed (newcomer id, buddy id) matches, each in its own savepoint:
    one that is no longer possible (someone was matched meanwhile, a buddy is full) is
    skipped without undoing the others. Returns (made, skipped)."""
    require_coordinator(coordinator)
    made = skipped = 0
    for newcomer_id, buddy_id in pairs:
        try:
            async with uow.pairs.savepoint():
                await confirm_match(uow, coordinator, int(newcomer_id), int(buddy_id), now)
        except DomainError:
            skipped += 1
        else:
            made += 1
    return made, skipped
