"""Who coordinates a programme: the role check, invites, the list, bootstrap coordinators
and admins.

Every coordinator action goes through `require_coordinator` and only ever touches people of
the coordinator's current programme (their own row's `programme_id`; see
domain/programmes.py for switching). Something that does not exist is "not found"; something
of another programme is refused with `OtherProgramme`, which the admin area's error handler
answers and audits.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from domain.errors import DomainError, NotAllowed
from storage.models import Concern, CoordinatorInvite, Event, Pair, Role, User, UserStatus
from storage.uow import UnitOfWork

# What a coordinator reaches by id: it must be of their own programme.
Owned = TypeVar("Owned", User, Pair, Event, Concern)

COORDINATOR_ROLES = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
INVITE_VALID = timedelta(days=7)


class OneTimeInvite(Protocol):
    """What every one-time invite link has (a coordinator's, a partner organisation's)."""

    expires_at: datetime
    used_at: datetime | None


def invite_token() -> str:
    """A fresh token for a one-time deep link: unguessable, and only characters a
    /start payload carries."""
    return secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def invite_open(invite: OneTimeInvite | None, now: datetime) -> bool:
    """Whether an invite link still works: it exists, was never used and has not expired."""
    return invite is not None and invite.used_at is None and invite.expires_at >= now


class OtherProgramme(DomainError):
    """A coordinator reached for a row of a programme they are not working in (an old
    button of their other programme, or forged callback data)."""

    def __init__(self, kind: str, row_id: int, programme_id: int) -> None:
        super().__init__("other_programme")
        self.kind = kind
        self.row_id = row_id
        self.programme_id = programme_id


def is_coordinator(user: User | None) -> bool:
    """Whether this person may act as a coordinator (an active coordinator or admin)."""
    return (
        user is not None
        and user.role in COORDINATOR_ROLES
        and user.status != UserStatus.INACTIVE.value
    )


def is_admin(user: User | None) -> bool:
    """Whether this person administers the deployment: creates and configures programmes."""
    return is_coordinator(user) and user is not None and user.role == Role.ADMIN.value


def require_admin(user: User | None) -> User:
    """The admin themselves, or NotAllowed("admins_only")."""
    if user is None or not is_admin(user):
        raise NotAllowed("admins_only")
    return user


def require_coordinator(user: User | None) -> User:
    """The coordinator themselves, or NotAllowed("coordinators_only")."""
    if user is None or not is_coordinator(user):
        raise NotAllowed("coordinators_only")
    return user


def of_programme(coordinator: User, found: Owned | None) -> Owned:
    """`found` when it belongs to the coordinator's current programme; "not found" when it
    is missing, `OtherProgramme` when it is another programme's."""
    if found is None:
        raise DomainError("not_found")
    if found.programme_id != coordinator.programme_id:
        raise OtherProgramme(type(found).__name__.lower(), found.id, found.programme_id)
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
    """The active coordinators of a programme (whom alerts go to), including those who
    coordinate it but work in another of their programmes right now."""
    return [c for c in await uow.programmes.staff(programme_id) if is_coordinator(c)]


async def coordinators(uow: UnitOfWork, coordinator: User) -> Sequence[User]:
    """The coordinators of the coordinator's own programme, for the list screen."""
    require_coordinator(coordinator)
    return await coordinators_of(uow, coordinator.programme_id)


async def create_invite(
    uow: UnitOfWork, coordinator: User, now: datetime, programme_id: int | None = None
) -> CoordinatorInvite:
    """A one-time link token that makes whoever opens it a coordinator of the programme
    (the coordinator's current one; an admin may name any), valid a week."""
    require_coordinator(coordinator)
    if programme_id is not None and programme_id != coordinator.programme_id:
        require_admin(coordinator)
        if await uow.programmes.get(programme_id) is None:
            raise DomainError("not_found")
    invite = CoordinatorInvite(
        programme_id=programme_id or coordinator.programme_id,
        token=invite_token(),
        created_by=coordinator.telegram_id,
        created_at=now,
        expires_at=now + INVITE_VALID,
    )
    uow.invites.add(invite)
    uow.audit.record(
        "coordinator.invited", programme_id=invite.programme_id, actor_id=coordinator.telegram_id
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
    """Whoever opens a valid, unused invite becomes a coordinator of its programme, which
    becomes their current one. A coordinator of another programme now coordinates both;
    a newcomer or buddy of another programme is refused (a person belongs to one)."""
    invite = await uow.invites.by_token(token)
    if invite is None or not invite_open(invite, now):
        raise DomainError("invite_invalid")
    person = await uow.users.by_telegram_id(telegram_id)
    if person is None:
        person = _new_staff_member(uow, telegram_id, invite.programme_id, language, now)
    elif person.programme_id != invite.programme_id:
        if not is_coordinator(person):
            raise DomainError("invite_invalid")
        await uow.programmes.add_coordinator(person.programme_id, person.id)
        person.programme_id = invite.programme_id
    if person.role not in COORDINATOR_ROLES:
        person.role = Role.COORDINATOR.value
    person.status = UserStatus.WAITING.value
    person.profile_done_at = person.profile_done_at or now
    invite.used_by = telegram_id
    invite.used_at = now
    await uow.flush()
    await uow.programmes.add_coordinator(invite.programme_id, person.id)
    uow.audit.record("coordinator.joined", programme_id=invite.programme_id, actor_id=telegram_id)
    return person


async def remove_coordinator(
    uow: UnitOfWork,
    coordinator: User,
    person_id: int,
    bootstrap_ids: Collection[int],
    programme_id: int | None = None,
) -> User:
    """Take another coordinator off the coordinator's current programme; never oneself, one
    named in the settings (they would come back at their next message anyway) nor, unless
    an admin asks, an admin. Someone who still coordinates other programmes keeps the role
    and works in one of those; anyone else loses it."""
    require_coordinator(coordinator)
    if programme_id is not None and programme_id != coordinator.programme_id:
        require_admin(coordinator)  # an admin manages any programme's coordinators
    programme_id = programme_id or coordinator.programme_id
    person = await uow.users.get(person_id)
    staff = {member.id for member in await uow.programmes.staff(programme_id)}
    if person is None or person.id not in staff or person.role not in COORDINATOR_ROLES:
        raise DomainError("not_found")
    if person.id == coordinator.id or person.telegram_id in bootstrap_ids:
        raise DomainError("cannot_remove_coordinator")
    if is_admin(person) and not is_admin(coordinator):
        raise DomainError("cannot_remove_coordinator")
    await uow.programmes.remove_coordinator(programme_id, person.id)
    others = [p for p in await uow.programmes.coordinated_by(person.id) if p.id != programme_id]
    if others and person.programme_id == programme_id:
        person.programme_id = others[0].id
    if others or is_admin(person):
        uow.audit.record(
            "coordinator.removed",
            programme_id=programme_id,
            actor_id=coordinator.telegram_id,
            person_id=person.id,
        )
    else:
        retire(uow, coordinator, person, "coordinator.removed")
    return person


async def ensure_bootstrap_coordinator(
    uow: UnitOfWork, telegram_id: int, language: str, now: datetime
) -> User:
    """A coordinator named in the settings (COORDINATOR_IDS) exists as a coordinator of
    the default programme."""
    return await _ensure_bootstrap(uow, telegram_id, language, now, Role.COORDINATOR)


async def ensure_bootstrap_admin(
    uow: UnitOfWork, telegram_id: int, language: str, now: datetime
) -> User:
    """An admin named in the settings (ADMIN_IDS) exists, as an admin."""
    return await _ensure_bootstrap(uow, telegram_id, language, now, Role.ADMIN)


async def _ensure_bootstrap(
    uow: UnitOfWork, telegram_id: int, language: str, now: datetime, role: Role
) -> User:
    person = await uow.users.by_telegram_id(telegram_id)
    if person is None:
        programme = await uow.programmes.default()
        person = _new_staff_member(uow, telegram_id, programme.id, language, now)
    inactive = person.status == UserStatus.INACTIVE.value
    if person.role not in COORDINATOR_ROLES or inactive or role is Role.ADMIN:
        if person.role != Role.ADMIN.value:  # an admin named as coordinator stays admin
            person.role = role.value
        person.status = UserStatus.WAITING.value
        person.profile_done_at = person.profile_done_at or now
        await uow.flush()
        if person.role == Role.COORDINATOR.value:
            await uow.programmes.add_coordinator(person.programme_id, person.id)
    return person
