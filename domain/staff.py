"""Who coordinates a programme: the role check, invites, the list, bootstrap coordinators.

Every coordinator action goes through `require_coordinator` and only ever touches people of
the coordinator's own programme; anyone else is "not found", never revealed.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from domain.errors import DomainError, NotAllowed
from storage.models import Concern, CoordinatorInvite, Event, Pair, Role, User, UserStatus
from storage.uow import UnitOfWork

# What a coordinator reaches by id: it must be of their own programme.
Owned = TypeVar("Owned", User, Pair, Event, Concern)

COORDINATOR_ROLES = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
INVITE_VALID = timedelta(days=7)


def is_coordinator(user: User | None) -> bool:
    """Whether this person may act as a coordinator (an active coordinator or admin)."""
    return (
        user is not None
        and user.role in COORDINATOR_ROLES
        and user.status != UserStatus.INACTIVE.value
    )


def require_coordinator(user: User | None) -> User:
    """The coordinator themselves, or NotAllowed("coordinators_only")."""
    if user is None or not is_coordinator(user):
        raise NotAllowed("coordinators_only")
    return user


def of_programme(coordinator: User, found: Owned | None) -> Owned:
    """`found` when it belongs to the coordinator's programme; "not found" when it is
    missing or another programme's (whose existence is never revealed)."""
    if found is None or found.programme_id != coordinator.programme_id:
        raise DomainError("not_found")
    return found


async def person_in_programme(uow: UnitOfWork, coordinator: User, person_id: int) -> User:
    """A person of the coordinator's programme, or "not found"."""
    require_coordinator(coordinator)
    return of_programme(coordinator, await uow.users.get(person_id))


def retire(uow: UnitOfWork, coordinator: User, person: User, action: str) -> None:
    """Take a person off every list (inactive), audited as the coordinator's `action`."""
    uow.audit.change_status(
        person, UserStatus.INACTIVE.value, action, by=coordinator, person_id=person.id
    )


async def coordinators_of(uow: UnitOfWork, programme_id: int) -> list[User]:
    """The active coordinators of a programme (whom alerts go to)."""
    return [c for c in await uow.users.coordinators(programme_id) if is_coordinator(c)]


async def coordinators(uow: UnitOfWork, coordinator: User) -> Sequence[User]:
    """The coordinators of the coordinator's own programme, for the list screen."""
    require_coordinator(coordinator)
    return await coordinators_of(uow, coordinator.programme_id)


async def create_invite(uow: UnitOfWork, coordinator: User, now: datetime) -> CoordinatorInvite:
    """A one-time link token that makes whoever opens it a coordinator, valid a week."""
    require_coordinator(coordinator)
    invite = CoordinatorInvite(
        programme_id=coordinator.programme_id,
        token=secrets.token_urlsafe(18).replace("-", "x").replace("_", "y"),
        created_by=coordinator.telegram_id,
        created_at=now,
        expires_at=now + INVITE_VALID,
    )
    uow.invites.add(invite)
    uow.audit.by(coordinator, "coordinator.invited")
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
    invite = await uow.invites.by_token(token)
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
    await uow.flush()
    uow.audit.record("coordinator.joined", programme_id=invite.programme_id, actor_id=telegram_id)
    return person


async def remove_coordinator(
    uow: UnitOfWork, coordinator: User, person_id: int, bootstrap_ids: Collection[int]
) -> User:
    """Take the role away from another coordinator; never oneself nor one named in the
    settings (they would come back at their next message anyway)."""
    person = await person_in_programme(uow, coordinator, person_id)
    if person.role not in COORDINATOR_ROLES:
        raise DomainError("not_found")
    if person.id == coordinator.id or person.telegram_id in bootstrap_ids:
        raise DomainError("cannot_remove_coordinator")
    retire(uow, coordinator, person, "coordinator.removed")
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
        await uow.flush()
    return person
