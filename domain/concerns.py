"""Reporting a concern: by button, with optional words or a voice note, heard within a day.

- Kinds: about my buddy or newcomer, I feel unsafe (urgent), something else.
- Urgent concerns reach every coordinator privately at once, quiet hours or not; the
  others go where the person's messages to the coordinators go (domain.inbox).
- A concern goes open -> acknowledged -> closed; each step is audited and tells the
  reporter. Nobody acknowledging within REMIND_AFTER brings a reminder to every coordinator.
- Nothing about a concern ever reaches the other partner of the pair.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import DomainError
from domain.inbox import Copy, about, to_coordinators
from domain.notices import Notice
from domain.notify import push
from domain.staff import coordinators_of, of_programme, require_coordinator
from storage.models import Concern, ConcernKind, ConcernStatus, User
from storage.uow import UnitOfWork

REMIND_AFTER = timedelta(hours=24)


async def report(
    uow: UnitOfWork,
    person: User,
    kind: ConcernKind,
    now: datetime,
    *,
    details: Copy | None,
    group_chat_id: int | None,
) -> Concern:
    """Record the person's concern and tell the coordinators; see the module docstring."""
    pair = await uow.pairs.open_of(person.id)
    if kind is ConcernKind.PARTNER and pair is None:
        raise DomainError("no_pair")
    concern = Concern(
        programme_id=person.programme_id,
        reporter_id=person.id,
        pair_id=pair.id if pair else None,
        kind=kind.value,
        status=ConcernStatus.OPEN.value,
        created_at=now,
    )
    uow.concerns.add(concern)
    await uow.concerns.flush()
    uow.audit.record(
        "concern.reported",
        programme_id=person.programme_id,
        actor_id=None,
        concern_id=concern.id,
        kind=kind.value,
    )
    params = {"concern_id": concern.id, "kind": kind.value, "urgent": kind.urgent}
    if details is not None:
        params |= details.params()
    await to_coordinators(
        uow,
        person,
        Notice.CONCERN_REPORTED,
        params,
        now,
        group_chat_id=group_chat_id,
        urgent=kind.urgent,
    )
    return concern


async def _concern_of(uow: UnitOfWork, coordinator: User, concern_id: int) -> Concern:
    require_coordinator(coordinator)
    return of_programme(coordinator, await uow.concerns.get(concern_id))


async def acknowledge(
    uow: UnitOfWork, coordinator: User, concern_id: int, now: datetime
) -> Concern:
    """A coordinator has seen the concern and takes it on; the reporter is told. A second
    press (or another coordinator's) changes nothing."""
    concern = await _concern_of(uow, coordinator, concern_id)
    if concern.status != ConcernStatus.OPEN.value:
        return concern
    concern.status = ConcernStatus.ACKNOWLEDGED.value
    concern.acknowledged_at, concern.acknowledged_by = now, coordinator.id
    uow.audit.by(coordinator, "concern.acknowledged", concern_id=concern.id)
    await _tell_reporter(uow, concern, Notice.CONCERN_ACKNOWLEDGED, now)
    return concern


async def close(uow: UnitOfWork, coordinator: User, concern_id: int, now: datetime) -> Concern:
    """The concern is dealt with; the reporter is told."""
    concern = await _concern_of(uow, coordinator, concern_id)
    if concern.status == ConcernStatus.CLOSED.value:
        return concern
    if concern.acknowledged_at is None:
        concern.acknowledged_at, concern.acknowledged_by = now, coordinator.id
    concern.status = ConcernStatus.CLOSED.value
    concern.closed_at, concern.closed_by = now, coordinator.id
    uow.audit.by(coordinator, "concern.closed", concern_id=concern.id)
    await _tell_reporter(uow, concern, Notice.CONCERN_CLOSED, now)
    return concern


async def _tell_reporter(uow: UnitOfWork, concern: Concern, kind: Notice, now: datetime) -> None:
    reporter = await uow.users.get(concern.reporter_id)
    if reporter is not None:
        push(uow, reporter, kind, {"concern_id": concern.id}, due=now, priority=0)


async def remind_unacknowledged(uow: UnitOfWork, now: datetime) -> int:
    """Open concerns nobody acknowledged within REMIND_AFTER: one reminder to every
    coordinator of the programme, privately (urgent ones at once, others outside their
    quiet hours). Returns how many concerns were reminded of."""
    reminded = 0
    for concern in await uow.concerns.unacknowledged_since(now - REMIND_AFTER):
        concern.reminded_at = now
        reporter = await uow.users.get(concern.reporter_id)
        if reporter is None:
            continue
        urgent = ConcernKind(concern.kind).urgent
        params = {
            **await about(uow, reporter),
            "concern_id": concern.id,
            "kind": concern.kind,
            "urgent": urgent,
            "reported_at": concern.created_at.isoformat(),
        }
        for coordinator in await coordinators_of(uow, concern.programme_id):
            push(
                uow,
                coordinator,
                Notice.CONCERN_REMINDER,
                params,
                due=now,
                dedup_key=f"concern-reminder:{concern.id}:{coordinator.id}",
                respect_quiet_hours=not urgent,
            )
        reminded += 1
    return reminded
