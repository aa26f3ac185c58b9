"""Waiting-list care: nobody waits in silence, nothing half-made stays forever.

- A waiting newcomer hears from us at 2, 6 and 12 weeks on the list (a programme
  setting): their place, and "still looking? yes / pause / stop". Each moment is sent
  once (its outbox dedup key), within the person's quiet hours, in their language (the
  delivery worker renders it when it sends). A moment someone was not on the list for
  (paused then) is skipped rather than sent late: the planner looks at a window of
  `WINDOW` after each moment, so it never scans the whole list.
- "Pause" takes them off the list until they tap "I'm ready again" in their menu (they
  keep their place: `waiting_since` stays); "stop" takes them off for good
  (status inactive), and the coordinators are told.
- An unfinished profile (consented, profile not confirmed) gets one reminder after 2 days;
  30 days after consent it is erased as /forget would (`domain.privacy.forget`),
  with the person's conversation records. Conversation records of people who never
  consented (no person row) are dropped after the same time, with any reply kept for
  their chat: nothing about them is left.
- A newcomer who has waited longer than a threshold (4 weeks) while no buddy fits: the
  coordinators are told what keeps the buddies away (gender preference, no free place,
  an earlier pair: `domain.matching.what_blocks`; no common language, no common
  availability, another municipality: counted here over the buddies with a free place).

Settings (a programme's JSON settings, defaults here): `waiting_check_weeks` (a list of
weeks), `unfinished_reminder_days`, `unfinished_erase_days`, `waiting_alert_days`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain import matching, privacy
from domain.errors import DomainError
from domain.matchmaking import to_profile, weights_for
from domain.notices import Notice
from domain.notify import push
from domain.profile import GENDERS
from domain.staff import coordinators_of
from storage.models import OutboxStatus, Programme, Role, User, UserStatus
from storage.recruitment import user_of_key
from storage.uow import UnitOfWork

CHECK_WEEKS = (2, 6, 12)
UNFINISHED_REMINDER_DAYS = 2
UNFINISHED_ERASE_DAYS = 30
BLOCKED_AFTER_DAYS = 28
# How long after a moment the planner still acts on it. It runs every few hours, so a
# week is ample; a bounded window keeps each run to the people who just reached it.
WINDOW = timedelta(days=7)
# Profiles erased in one run (each as /forget does it, some tens of milliseconds): a
# backlog clears over a few runs instead of holding one long transaction.
ERASE_BATCH = 25
# Newcomers looked at for the "no buddy fits" alert in one run: each costs a pass over the
# buddies (in a thread, off the event loop); the rest wait for the next run.
BLOCKED_BATCH = 100
# What keeps buddies away, in the order coordinators read it.
LANGUAGE = "language"
AVAILABILITY = "availability"
MUNICIPALITY = "municipality"
BLOCKS = (
    matching.NO_FREE_PLACE,
    matching.GENDER_PREFERENCE,
    LANGUAGE,
    AVAILABILITY,
    MUNICIPALITY,
    matching.ENDED_PAIR,
)


@dataclass(frozen=True)
class WaitingPolicy:
    """When the waiting list is cared for (see the module docstring)."""

    check_weeks: tuple[int, ...] = CHECK_WEEKS
    reminder_after: timedelta = timedelta(days=UNFINISHED_REMINDER_DAYS)
    erase_after: timedelta = timedelta(days=UNFINISHED_ERASE_DAYS)
    blocked_after: timedelta = timedelta(days=BLOCKED_AFTER_DAYS)


def _whole(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def policy_for(programme: Programme | None) -> WaitingPolicy:
    """The programme's waiting-list settings, the defaults above where none is stored."""
    stored: Mapping[str, Any] = (programme.settings or {}) if programme is not None else {}
    weeks = stored.get("waiting_check_weeks")
    check_weeks = (
        tuple(sorted({_whole(w, 0) for w in weeks} - {0}))
        if isinstance(weeks, list | tuple)
        else CHECK_WEEKS
    )
    return WaitingPolicy(
        check_weeks=check_weeks or CHECK_WEEKS,
        reminder_after=timedelta(
            days=_whole(stored.get("unfinished_reminder_days"), UNFINISHED_REMINDER_DAYS)
        ),
        erase_after=timedelta(
            days=_whole(stored.get("unfinished_erase_days"), UNFINISHED_ERASE_DAYS)
        ),
        blocked_after=timedelta(days=_whole(stored.get("waiting_alert_days"), BLOCKED_AFTER_DAYS)),
    )


@dataclass
class Planned:
    """What one run of the planner did."""

    checks: int = 0
    reminders: int = 0
    erased: int = 0
    strangers_forgotten: int = 0
    blocked_alerts: int = 0

    @property
    def queued(self) -> int:
        return self.checks + self.reminders + self.blocked_alerts


def check_key(person_id: int, weeks: int) -> str:
    return f"waiting:{person_id}:{weeks}w"


async def plan(uow: UnitOfWork, now: datetime) -> Planned:
    """The periodic planner (every few hours): the checks at 2, 6 and 12 weeks, reminders
    of unfinished profiles, their erasure, and alerts about newcomers no buddy fits."""
    done = Planned()
    for programme in await uow.recruitment.programmes():
        policy = policy_for(programme)
        done.checks += await _plan_checks(uow, programme, policy, now)
        done.reminders += await _remind_unfinished(uow, programme, policy, now)
        done.erased += await _erase_abandoned(uow, programme, policy, now)
        done.blocked_alerts += await _alert_blocked(uow, programme, policy, now)
    default = await uow.programmes.default()
    done.strangers_forgotten = await _forget_strangers(uow, policy_for(default), now)
    return done


async def _plan_checks(
    uow: UnitOfWork, programme: Programme, policy: WaitingPolicy, now: datetime
) -> int:
    queued = 0
    for weeks in policy.check_weeks:
        reached = now - timedelta(weeks=weeks)
        people = await uow.recruitment.newcomers_waiting_since(
            programme.id, reached - WINDOW, reached
        )
        asked = await uow.recruitment.dedup_keys_among([check_key(p.id, weeks) for p in people])
        people = [person for person in people if check_key(person.id, weeks) not in asked]
        positions = await uow.recruitment.waiting_positions(programme.id, [p.id for p in people])
        for person in people:
            position = positions.get(person.id, 0)
            push(
                uow,
                person,
                Notice.WAITING_CHECK,
                {"name": person.first_name, "weeks": weeks, "position": position},
                dedup_key=check_key(person.id, weeks),
                due=now,
            )
            queued += 1
    return queued


async def _remind_unfinished(
    uow: UnitOfWork, programme: Programme, policy: WaitingPolicy, now: datetime
) -> int:
    reached = now - policy.reminder_after
    people = await uow.recruitment.unfinished_since(programme.id, reached - WINDOW, reached)
    reminded = await uow.recruitment.dedup_keys_among([_unfinished_key(p.id) for p in people])
    fresh = [person for person in people if _unfinished_key(person.id) not in reminded]
    for person in fresh:
        push(
            uow,
            person,
            Notice.PROFILE_UNFINISHED,
            {"name": person.first_name, "days": policy.erase_after.days},
            dedup_key=_unfinished_key(person.id),
            due=now,
        )
    return len(fresh)


def _unfinished_key(person_id: int) -> str:
    return f"unfinished:{person_id}"


async def erase_unfinished(uow: UnitOfWork, person: User, now: datetime) -> None:
    """Erase a profile never finished: the person as /forget erases them, and their
    conversation records (what they had answered so far)."""
    if person.profile_done_at is not None:
        raise DomainError("not_allowed")
    keys = await uow.recruitment.conversation_keys_of(person.telegram_id)
    await privacy.forget(uow, person, now)
    await uow.recruitment.drop_conversations(keys)


async def _erase_abandoned(
    uow: UnitOfWork, programme: Programme, policy: WaitingPolicy, now: datetime
) -> int:
    people = await uow.recruitment.abandoned(programme.id, now - policy.erase_after, ERASE_BATCH)
    for person in people:
        await erase_unfinished(uow, person, now)
    return len(people)


async def _forget_strangers(uow: UnitOfWork, policy: WaitingPolicy, now: datetime) -> int:
    """Conversation records of people who never consented, untouched for the erasure
    time: dropped, with any reply still kept for their chat."""
    forgotten = 0
    for key in await uow.recruitment.stale_conversation_keys(now - policy.erase_after, ERASE_BATCH):
        telegram_id = user_of_key(key)
        if telegram_id is None or await uow.recruitment.is_known(telegram_id):
            continue
        await uow.recruitment.drop_conversations([key])
        await uow.recruitment.drop_stranger_messages(telegram_id)
        forgotten += 1
    return forgotten


# --- newcomers no buddy fits --------------------------------------------------------------


@dataclass(frozen=True)
class Blockers:
    """Why no buddy fits a newcomer: of `buddies` available, how many each block keeps
    away (a buddy kept away by two counts for both)."""

    buddies: int
    counts: dict[str, int] = field(default_factory=dict)


def fits(newcomer: matching.Profile, buddy: matching.Profile) -> bool:
    """A buddy who passes the hard constraints, shares a language and a time slot."""
    return (
        matching.allowed(newcomer, buddy)
        and bool(newcomer.languages & buddy.languages)
        and bool(newcomer.availability & buddy.availability)
    )


def blockers(
    newcomer: matching.Profile, buddies: Iterable[matching.Profile], weights: matching.Weights
) -> Blockers | None:
    """None when some buddy fits; else what keeps each buddy away: the hard constraints as
    `matching.what_blocks` counts them, and among the buddies with a free place, those
    without a common language, time slot or municipality."""
    buddies = list(buddies)
    if any(fits(newcomer, buddy) for buddy in buddies):
        return None
    hard = matching.what_blocks(newcomer, buddies, weights, limit=0)
    counts = {key: hard.counts.get(key, 0) for key in BLOCKS}
    for buddy in buddies:
        if matching.free_places(buddy) == 0:
            continue
        if not newcomer.languages & buddy.languages:
            counts[LANGUAGE] += 1
        if not newcomer.availability & buddy.availability:
            counts[AVAILABILITY] += 1
        if newcomer.municipality is None or newcomer.municipality != buddy.municipality:
            counts[MUNICIPALITY] += 1
    return Blockers(buddies=len(buddies), counts={k: n for k, n in counts.items() if n})


async def _buddy_profiles(
    uow: UnitOfWork, programme_id: int, ended: dict[int, set[int]]
) -> list[matching.Profile]:
    load = await uow.pairs.open_counts(programme_id)
    return [
        matching.Profile(
            id=buddy_id,
            languages=frozenset(languages or []),
            municipality=municipality,
            interests=frozenset(interests or []),
            availability=frozenset(availability or []),
            gender=gender if gender in GENDERS else None,
            capacity=capacity or 1,
            active_pairs=load.get(buddy_id, 0),
            excluded=frozenset(ended.get(buddy_id, ())),
        )
        for buddy_id, languages, municipality, interests, availability, gender, capacity in (
            await uow.recruitment.buddy_rows(programme_id)
        )
    ]


async def _alert_blocked(
    uow: UnitOfWork, programme: Programme, policy: WaitingPolicy, now: datetime
) -> int:
    reached = now - policy.blocked_after
    newcomers = await uow.recruitment.newcomers_waiting_since(
        programme.id, reached - WINDOW, reached
    )
    looked_at = await uow.recruitment.dedup_keys_among([_blocked_key(n.id) for n in newcomers])
    newcomers = [n for n in newcomers if _blocked_key(n.id) not in looked_at][:BLOCKED_BATCH]
    if not newcomers:
        return 0
    ended = await uow.pairs.ended_partners(programme.id)
    buddies = await _buddy_profiles(uow, programme.id, ended)
    coordinators = await coordinators_of(uow, programme.id)
    weights = weights_for(programme)
    queued = 0
    for newcomer in newcomers:
        profile = to_profile(newcomer, excluded=frozenset(ended.get(newcomer.id, ())))
        found = await asyncio.to_thread(blockers, profile, buddies, weights)
        # The mark is kept even when a buddy fits: the moment was looked at, once.
        await _mark(uow, newcomer, now)
        if found is None:
            continue
        weeks = max(0, (now - (newcomer.waiting_since or now)).days // 7)
        for coordinator in coordinators:
            push(
                uow,
                coordinator,
                Notice.COORDINATOR_NEWCOMER_BLOCKED,
                {
                    # person_id: the row is blanked if the newcomer erases their data.
                    "person_id": newcomer.id,
                    "newcomer_id": newcomer.id,
                    "name": newcomer.first_name,
                    "weeks": weeks,
                    "buddies": found.buddies,
                    "counts": found.counts,
                },
                due=now,
                dedup_key=f"{_blocked_key(newcomer.id)}:{coordinator.id}",
            )
            queued += 1
    return queued


def _blocked_key(person_id: int) -> str:
    return f"blocked:{person_id}"


async def _mark(uow: UnitOfWork, newcomer: User, now: datetime) -> None:
    """Remember that this newcomer's moment was looked at (an outbox row that is already
    done, so nothing is sent): the dedup key makes the next run skip them."""
    row = uow.outbox.enqueue(
        chat_id=newcomer.telegram_id,
        recipient_id=newcomer.id,
        programme_id=newcomer.programme_id,
        key=Notice.COORDINATOR_NEWCOMER_BLOCKED.value,
        params={},
        due_at=now,
        priority=1,
        dedup_key=_blocked_key(newcomer.id),
    )
    row.status = OutboxStatus.CANCELLED.value


# --- the newcomer's answers ---------------------------------------------------------------


def _newcomer(person: User, *statuses: UserStatus) -> None:
    if person.role != Role.NEWCOMER.value or person.status not in {s.value for s in statuses}:
        raise DomainError("stale_button")


async def still_looking(uow: UnitOfWork, person: User) -> int:
    """ "Yes, still looking": nothing changes; returns their place on the list."""
    _newcomer(person, UserStatus.WAITING)
    uow.audit.by(person, "waiting.still_looking")
    return await uow.users.waiting_position(person)


async def pause(uow: UnitOfWork, person: User) -> None:
    """Off the list until they say they are ready again; their place is kept."""
    _newcomer(person, UserStatus.WAITING)
    person.status = UserStatus.PAUSED.value
    uow.audit.by(person, "waiting.paused")
    await uow.users.save(person)


async def ready_again(uow: UnitOfWork, person: User) -> int:
    """Back on the list at the place they had; returns it."""
    _newcomer(person, UserStatus.PAUSED)
    person.status = UserStatus.WAITING.value
    uow.audit.by(person, "waiting.resumed")
    await uow.users.save(person)
    return await uow.users.waiting_position(person)


async def stop(uow: UnitOfWork, person: User, now: datetime) -> None:
    """Off the list for good (status inactive); every coordinator is told."""
    _newcomer(person, UserStatus.WAITING, UserStatus.PAUSED)
    person.status = UserStatus.INACTIVE.value
    uow.audit.by(person, "waiting.stopped")
    await uow.users.save(person)
    weeks = max(0, (now - (person.waiting_since or now)).days // 7)
    for coordinator in await coordinators_of(uow, person.programme_id):
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_WAITING_LEFT,
            {
                "person_id": person.id,  # blanked if they erase their data later
                "newcomer_id": person.id,
                "name": person.first_name,
                "weeks": weeks,
            },
            due=now,
        )
