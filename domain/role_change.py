"""A newcomer who did the programme becomes a buddy ("a former newcomer can become a buddy",
DOMAIN.md); a coordinator confirms, and the history stays.

Who may ask (`grounds_for`): a newcomer with a confirmed profile and no open pair, whose
trajectory was completed (a closed pair of theirs, as newcomer, closed as completed or
ended for the reason "completed"), or who has been in the programme long enough: the
programme setting `buddy_after_months` (12 by default). The bot never asks when someone
arrived in Belgium, so the months count from joining the programme (`consent_at`).

How (`ask`, then `decide`): the person chooses how many newcomers they could accompany at
once (the one buddy question a newcomer never answered: everything else of a buddy's
profile they already gave), and the request (a `RoleChange` row) reaches every
coordinator of the programme with two buttons. A coordinator decides once:
- confirm: the *same* person row becomes a buddy (role buddy, free for a newcomer, the
  chosen capacity); their pairs, hours, certificates and check-ins stay linked to it, as
  the newcomer of their old pair. The newcomer's wish for a buddy's gender is dropped (no
  use any more); the date they joined the waiting list is kept, since the report's "time to
  match" of their old pair reads it.
- decline: nothing changes, and the person is told kindly.
Both are audited and the person is told in their language. A second decision, a request
of another programme or a non-coordinator's press is refused and changes nothing.

Matching never proposes them with their former buddy: closed pairs exclude both people
from each other whatever their roles now (`storage.pairs.ended_partners`).
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.onboarding import next_step
from domain.profile import CAPACITIES
from domain.programmes import settings_of
from domain.staff import OtherProgramme, coordinators_of, require_coordinator
from storage.models import Role, RoleChange, RoleChangeStatus, User, UserStatus
from storage.uow import UnitOfWork

COMPLETED = "completed"  # grounds: their trajectory was completed
LONG_ENOUGH = "time"  # grounds: in the programme for the programme's number of months
# A newcomer in these states cannot change role now: still making their profile, or in a
# pair (that trajectory ends first).
_NOT_NOW = (UserStatus.ONBOARDING.value, UserStatus.MATCHED.value)


def months_between(start: datetime, end: datetime) -> int:
    """Whole calendar months from `start` to `end` (15 March to 14 April: 0; to 15 April: 1)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if (end.day, end.time()) < (start.day, start.time()):
        months -= 1
    return max(months, 0)


async def grounds_for(uow: UnitOfWork, person: User, now: datetime) -> str | None:
    """Why the person may ask to become a buddy now (`COMPLETED` or `LONG_ENOUGH`), or
    None. Asked on every home screen of a newcomer: a status check, one indexed look-up
    of a completed pair, the programme's settings (already in the session) and, only when
    one of those says yes, one look-up of an open pair."""
    if person.role != Role.NEWCOMER.value or person.profile_done_at is None:
        return None
    if person.status in _NOT_NOW:
        return None
    grounds = None
    if await uow.role_changes.completed_as_newcomer(person.id):
        grounds = COMPLETED
    else:
        programme = await uow.programmes.get(person.programme_id)
        needed = settings_of(programme).buddy_after_months if programme else None
        if needed is not None and months_between(person.consent_at, now) >= needed:
            grounds = LONG_ENOUGH
    if grounds is None or await uow.pairs.open_of(person.id) is not None:
        return None
    return grounds


async def may_ask(uow: UnitOfWork, person: User, now: datetime) -> bool:
    """Whether the menu shows "Become a buddy": the person may ask and has not yet (a
    request waiting for a coordinator hides it)."""
    if await grounds_for(uow, person, now) is None:
        return False
    return await uow.role_changes.pending_of(person.id) is None


async def check_may_ask(uow: UnitOfWork, person: User, now: datetime) -> str:
    """The grounds, or the reason the person may not ask (a DomainError)."""
    grounds = await grounds_for(uow, person, now)
    if grounds is None:
        raise DomainError("role_change_not_eligible")
    if await uow.role_changes.pending_of(person.id) is not None:
        raise DomainError("role_change_pending")
    return grounds


async def ask(uow: UnitOfWork, person: User, capacity: str, now: datetime) -> RoleChange:
    """The person asks to become a buddy for `capacity` newcomers at once: the request is
    stored and every coordinator of the programme gets it with confirm and decline
    buttons; the person stays a newcomer until one decides. Audited."""
    if capacity not in CAPACITIES:
        raise DomainError("invalid_choice")
    grounds = await check_may_ask(uow, person, now)
    request = RoleChange(
        programme_id=person.programme_id,
        person_id=person.id,
        from_role=Role.NEWCOMER.value,
        to_role=Role.BUDDY.value,
        grounds=grounds,
        capacity=int(capacity),
        status=RoleChangeStatus.PENDING.value,
        requested_at=now,
    )
    uow.role_changes.add(request)
    await uow.role_changes.flush()
    for coordinator in await coordinators_of(uow, person.programme_id):
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_ROLE_CHANGE_REQUEST,
            {
                "request_id": request.id,
                # person_id: the row is blanked if the person erases their data.
                "person_id": person.id,
                "name": person.first_name,
                "grounds": grounds,
                "months": months_between(person.consent_at, now),
                "capacity": request.capacity,
            },
            due=now,
            dedup_key=f"role-change:{request.id}:{coordinator.id}",
        )
    uow.audit.by(person, "role_change.requested", request_id=request.id, person_id=person.id)
    return request


def become_buddy(person: User, capacity: int) -> None:
    """The same person row, now a buddy free for a newcomer. What belongs to their past
    (pairs, hours, certificates, check-ins, the date they joined the waiting list) stays."""
    person.role = Role.BUDDY.value
    person.capacity = capacity
    person.status = UserStatus.WAITING.value
    person.gender_preference = None  # a newcomer's wish about their buddy: no use now


async def decide(
    uow: UnitOfWork, coordinator: User, request_id: int, confirm: bool, now: datetime
) -> tuple[RoleChange, User]:
    """A coordinator confirms or declines a request of their programme, once; the person
    is told in their language. Audited. A request decided already, or one whose person
    can no longer change (they were matched meanwhile), is refused and changes nothing."""
    require_coordinator(coordinator)
    request = await uow.role_changes.get(request_id)
    if request is None:
        raise DomainError("not_found")
    if request.programme_id != coordinator.programme_id:  # answered and audited as such
        raise OtherProgramme("role_change", request.id, request.programme_id)
    if request.status != RoleChangeStatus.PENDING.value:
        raise DomainError("role_change_decided")
    person = await uow.users.get(request.person_id)
    if person is None:  # erased: the row goes with them, so only a race gets here
        raise DomainError("not_found")
    if confirm:
        if person.role != request.from_role or await grounds_for(uow, person, now) is None:
            raise DomainError("role_change_not_now")
        become_buddy(person, request.capacity)
    request.status = (RoleChangeStatus.CONFIRMED if confirm else RoleChangeStatus.DECLINED).value
    request.decided_at = now
    request.decided_by = coordinator.telegram_id
    push(
        uow,
        person,
        Notice.ROLE_CHANGE_CONFIRMED if confirm else Notice.ROLE_CHANGE_DECLINED,
        {
            "name": person.first_name,
            "capacity": request.capacity,
            # A buddy's question they never answered (none today: capacity is asked with
            # the request), to be asked from the message's button.
            "missing": confirm and next_step(person) is not None,
        },
        due=now,
        dedup_key=f"role-change:{request.id}:answer",
    )
    uow.audit.by(
        coordinator,
        "role_change.confirmed" if confirm else "role_change.declined",
        request_id=request.id,
        person_id=person.id,
    )
    return request, person


async def of_person(uow: UnitOfWork, person: User) -> list[dict[str, object]]:
    """The person's requests, for /mydata."""
    return [
        {
            "from_role": row.from_role,
            "to_role": row.to_role,
            "capacity": row.capacity,
            "status": row.status,
            "requested_at": row.requested_at.isoformat(),
            "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        }
        for row in await uow.role_changes.of_person(person.id)
    ]
