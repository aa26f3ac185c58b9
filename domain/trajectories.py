"""Closing a trajectory: a pair whose programme is done becomes "completed" (not ended),
both people are thanked and asked the end questions (domain.checkins), and the newcomer
gets a proof of participation (domain.certificates)."""

from __future__ import annotations

from datetime import datetime

from domain import certificates, checkins, pairs
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from storage.models import (
    CLOSED_PAIR,
    CheckInMoment,
    EndReason,
    HourStatus,
    Pair,
    PairStatus,
    User,
    UserStatus,
)
from storage.uow import UnitOfWork


async def complete_pair(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> Pair:
    """Close a pair whose trajectory is done: "completed", not ended. Both are thanked
    with their confirmed hours and get the end questions (the buddy also whether to take
    another newcomer); the newcomer's proof of participation is issued."""
    pair = await pairs.pair_in_programme(uow, coordinator, pair_id)
    if pair.status in CLOSED_PAIR:
        raise DomainError("pair_ended")
    pair.ended_at = now
    pair.end_reason = EndReason.COMPLETED.value
    uow.audit.change_status(
        pair, PairStatus.COMPLETED.value, "pair.completed", by=coordinator, pair_id=pair.id
    )
    await uow.flush()
    newcomer, buddy = await pairs.people_of(uow, pair)
    if newcomer is not None:
        newcomer.status = UserStatus.INACTIVE.value
    if buddy is not None:
        still_open = await pairs.pairs_of(uow, buddy)
        buddy.status = UserStatus.MATCHED.value if still_open else UserStatus.WAITING.value
    minutes = (await uow.hours.minutes_by_status(pair.id)).get(HourStatus.CONFIRMED.value, 0)
    for person in (newcomer, buddy):
        if person is not None:
            push(
                uow,
                person,
                Notice.PAIR_COMPLETED,
                {"pair_id": pair.id, "minutes": minutes, "role": person.role},
                due=now,
            )
    await checkins.open_for_pair(uow, pair, CheckInMoment.END, now)
    if newcomer is not None:
        await certificates.issue(uow, newcomer, pair, coordinator, now)
    return pair
