"""The life of a pair: finding a person's pair, pausing, resuming, ending, rematching.

A coordinator acts only on pairs of their own programme ("not found" otherwise); every
change tells both people through the outbox and is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import checkins
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.staff import of_programme, person_in_programme, require_coordinator, retire
from storage.models import (
    CLOSED_PAIR,
    CheckInMoment,
    EndReason,
    Pair,
    PairStatus,
    User,
    UserStatus,
)
from storage.pairs import OPEN_PAIR
from storage.uow import UnitOfWork

__all__ = ["OPEN_PAIR", "PAUSE_WEEKS"]

PAUSE_WEEKS = (2, 4, 8)


async def pair_of(uow: UnitOfWork, person: User) -> Pair | None:
    """The person's open pair (a newcomer has at most one; a buddy's most recent)."""
    return await uow.pairs.open_of(person.id)


async def pairs_of(uow: UnitOfWork, person: User) -> list[Pair]:
    """Every open pair of the person, oldest first."""
    return await uow.pairs.all_open_of(person.id)


async def all_active_pairs(uow: UnitOfWork) -> list[Pair]:
    """Active pairs of every programme (for the periodic planners)."""
    return await uow.pairs.active()


async def pair_in_programme(uow: UnitOfWork, coordinator: User, pair_id: int) -> Pair:
    """A pair of the coordinator's programme, or "not found"."""
    require_coordinator(coordinator)
    return of_programme(coordinator, await uow.pairs.get(pair_id))


async def people_of(uow: UnitOfWork, pair: Pair) -> tuple[User | None, User | None]:
    """The newcomer and the buddy of a pair (None where erased)."""
    newcomer = await uow.users.get(pair.newcomer_id) if pair.newcomer_id else None
    buddy = await uow.users.get(pair.buddy_id) if pair.buddy_id else None
    return newcomer, buddy


def _set_status(
    uow: UnitOfWork,
    coordinator: User,
    pair: Pair,
    status: PairStatus,
    action: str,
    **details: object,
) -> None:
    """A coordinator's change of a pair's status, audited with the pair's id."""
    uow.audit.change_status(pair, status.value, action, by=coordinator, pair_id=pair.id, **details)


def _tell(
    uow: UnitOfWork, pair: Pair, person: User | None, key: Notice, now: datetime, **params: object
) -> None:
    if person is not None:
        push(uow, person, key, {"pair_id": pair.id, **params}, due=now)


async def pause_pair(
    uow: UnitOfWork, coordinator: User, pair_id: int, weeks: int, now: datetime
) -> Pair:
    """Pause an active pair for 2, 4 or 8 weeks; both are told."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status != PairStatus.ACTIVE.value:
        raise DomainError("pair_not_active")
    if weeks not in PAUSE_WEEKS:
        raise DomainError("invalid_choice")
    until = now + timedelta(weeks=weeks)
    pair.paused_until = until
    _set_status(uow, coordinator, pair, PairStatus.PAUSED, "pair.paused", weeks=weeks)
    for person in await people_of(uow, pair):
        _tell(uow, pair, person, Notice.PAIR_PAUSED, now, until=until.isoformat())
    return pair


async def resume_pair(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> Pair:
    """Make a paused pair active again; both are told."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    if pair.status != PairStatus.PAUSED.value:
        raise DomainError("pair_not_paused")
    pair.paused_until = None
    _set_status(uow, coordinator, pair, PairStatus.ACTIVE, "pair.resumed")
    for person in await people_of(uow, pair):
        _tell(uow, pair, person, Notice.PAIR_RESUMED, now)
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
    if pair.status in CLOSED_PAIR:
        raise DomainError("pair_ended")
    if reason not in {r.value for r in EndReason}:
        raise DomainError("invalid_choice")
    pair.ended_at = now
    pair.end_reason = reason
    action = "pair.rematch" if rematch else "pair.ended"
    _set_status(uow, coordinator, pair, PairStatus.ENDED, action, reason=reason)
    await uow.flush()  # the buddy's other open pairs are counted below without this one
    newcomer, buddy = await people_of(uow, pair)
    if newcomer is not None:
        newcomer.status = UserStatus.WAITING.value if rematch else UserStatus.INACTIVE.value
        if rematch and newcomer.waiting_since is None:
            newcomer.waiting_since = now
    if buddy is not None:
        still_open = await pairs_of(uow, buddy)
        buddy.status = UserStatus.MATCHED.value if still_open else UserStatus.WAITING.value
    _tell(uow, pair, newcomer, Notice.PAIR_ENDED, now, rematch=rematch, reason=reason)
    _tell(uow, pair, buddy, Notice.PAIR_ENDED, now, rematch=False, reason=reason)
    if not rematch:  # the end questions; a newcomer who waits again is asked later
        await checkins.open_for_pair(uow, pair, CheckInMoment.END, now)
    return pair


async def rematch(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> Pair:
    """End a pair that does not work: the newcomer waits again, at the front."""
    return await end_pair(
        uow, coordinator, pair_id, EndReason.NOT_A_GOOD_MATCH.value, now, rematch=True
    )


async def deactivate(uow: UnitOfWork, coordinator: User, person_id: int, now: datetime) -> User:
    """Take a person off every list; their open pairs end."""
    person = await person_in_programme(uow, coordinator, person_id)
    if person.id == coordinator.id:
        raise DomainError("not_yourself")
    for pair in await pairs_of(uow, person):
        await end_pair(uow, coordinator, pair.id, EndReason.OTHER.value, now)
    retire(uow, coordinator, person, "person.deactivated")
    return person
