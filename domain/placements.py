"""Duo volunteering: a host organisation posts a placement, a pair applies, a coordinator
confirms or declines, and hours there count as volunteering with that host.

Rules, each refused with its own message:
- Only a host's own staff (role partner, their `organisation_id`) or a coordinator of the
  programme posts a placement; a partner posts only for their own organisation.
- "What" (up to 120 characters) and "when" (up to 80) are short typed texts; the
  municipality is one of the 19 (or none); a placement takes 1 to 5 duos.
- Only a member of an active pair applies, once per placement, while it is open and has
  room. Both members, the coordinators and the host's staff are told.
- A coordinator of the programme decides once. A confirmation takes one of the places in
  the same transaction (storage.placements.take_place), so the host never gets more duos
  than they asked for, whoever presses at the same moment. Decisions are audited.
- Hours logged "with a host" need a confirmed application of the pair there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import staff
from domain.errors import DomainError, NotAllowed
from domain.meetups import active_pair, other_person
from domain.municipalities import by_nis
from domain.notices import Notice
from domain.notify import push
from storage.models import Organisation, Pair, PairStatus, Role, User
from storage.models.partners import (
    ApplicationStatus,
    PlacementApplication,
    PlacementStatus,
    VolunteeringPlacement,
)
from storage.placements import HostLinks
from storage.uow import UnitOfWork

WHAT_MAX = 120
WHEN_MAX = 80
MAX_DUOS = 5
VOLUNTEERING = "volunteering"  # the activity kind of hours with a host


@dataclass(frozen=True)
class Listed:
    """An open placement as a pair sees it: what, with whom, and the places left."""

    placement: VolunteeringPlacement
    host: Organisation

    @property
    def places_left(self) -> int:
        return max(0, self.placement.duos - self.placement.taken)


@dataclass(frozen=True)
class Volunteering:
    """The funder report's duo volunteering in a period (see storage.placements)."""

    duos: int = 0
    organisations: int = 0
    hosts: tuple[HostLinks, ...] = ()

    @property
    def minutes(self) -> int:
        return sum(host.minutes for host in self.hosts)


# --- posting ---------------------------------------------------------------------------------


def is_host_staff(person: User | None) -> bool:
    """Someone who speaks for a partner organisation."""
    return (
        person is not None
        and person.role == Role.PARTNER.value
        and person.organisation_id is not None
    )


async def hosts_for(uow: UnitOfWork, person: User) -> list[Organisation]:
    """The organisations `person` may post placements for: their own (a partner), or the
    programme's (a coordinator); anyone else is refused."""
    if staff.is_coordinator(person):
        return await uow.placements.organisations(person.programme_id)
    if is_host_staff(person):
        assert person.organisation_id is not None
        organisation = await uow.placements.organisation(person.organisation_id)
        return [organisation] if organisation is not None else []
    raise NotAllowed("hosts_only")


def check_text(text: str | None, limit: int, empty: str) -> str:
    """A short typed field: one line, not empty, at most `limit` characters."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError(empty)
    if len(cleaned) > limit:
        raise DomainError("text_too_long", limit=limit)
    return cleaned


def check_duos(duos: int) -> int:
    if not 1 <= duos <= MAX_DUOS:
        raise DomainError("invalid_choice")
    return duos


@dataclass(frozen=True)
class Draft:
    """A placement as typed and picked in the form, before it is posted."""

    organisation_id: int
    what: str
    when_text: str
    duos: int
    municipality: str | None = None


async def post(uow: UnitOfWork, author: User, draft: Draft, now: datetime) -> Listed:
    """Publish a placement for the organisation the draft names (one the author may post
    for); pairs of the programme see it at once."""
    hosts = {host.id: host for host in await hosts_for(uow, author)}
    host = hosts.get(draft.organisation_id)
    if host is None or host.programme_id != author.programme_id:
        raise DomainError("not_found")
    if draft.municipality is not None and by_nis(draft.municipality) is None:
        raise DomainError("invalid_choice")
    placement = VolunteeringPlacement(
        programme_id=author.programme_id,
        organisation_id=host.id,
        what=check_text(draft.what, WHAT_MAX, "placement_what_empty"),
        municipality=draft.municipality,
        when_text=check_text(draft.when_text, WHEN_MAX, "placement_when_empty"),
        duos=check_duos(draft.duos),
        taken=0,
        status=PlacementStatus.OPEN.value,
        posted_by=author.id,
        created_at=now,
    )
    uow.placements.add(placement)
    await uow.placements.flush()
    uow.audit.by(author, "placement.posted", placement_id=placement.id, organisation_id=host.id)
    return Listed(placement, host)


# --- a pair applies ----------------------------------------------------------------------------


async def open_for(uow: UnitOfWork, person: User) -> list[Listed]:
    """The open placements with room in the person's programme, for a member of an
    active pair (newest first, a short list)."""
    await active_pair(uow, person)
    return [
        Listed(placement, host)
        for placement, host in await uow.placements.open_with_room(person.programme_id)
    ]


async def placement_for(uow: UnitOfWork, person: User, placement_id: int) -> Listed:
    """One placement of the person's programme (anything else is "not found")."""
    placement = await uow.placements.get(placement_id)
    if placement is None or placement.programme_id != person.programme_id:
        raise DomainError("not_found")
    host = await uow.placements.organisation(placement.organisation_id)
    if host is None:
        raise DomainError("not_found")
    return Listed(placement, host)


def _about(listed: Listed, pair: Pair) -> dict[str, Any]:
    """What every notice about an application carries (never a Telegram id)."""
    return {
        "pair_id": pair.id,
        "placement_id": listed.placement.id,
        "host": listed.host.name,
        "what": listed.placement.what,
        "when": listed.placement.when_text,
    }


async def apply(
    uow: UnitOfWork, person: User, placement_id: int, now: datetime
) -> PlacementApplication:
    """The person's pair applies; the partner, the coordinators and the host hear of it."""
    pair = await active_pair(uow, person)
    listed = await placement_for(uow, person, placement_id)
    placement = listed.placement
    if await uow.placements.application_of(placement.id, pair.id) is not None:
        raise DomainError("placement_applied_already")
    if placement.status != PlacementStatus.OPEN.value or placement.taken >= placement.duos:
        raise DomainError("placement_full")
    application = PlacementApplication(
        programme_id=pair.programme_id,
        placement_id=placement.id,
        pair_id=pair.id,
        applied_by=person.id,
        status=ApplicationStatus.PENDING.value,
        applied_at=now,
    )
    uow.placements.add_application(application)
    await uow.placements.flush()
    about = _about(listed, pair)
    partner = await other_person(uow, pair, person)
    if partner is not None:
        push(uow, partner, Notice.PLACEMENT_APPLIED, {**about, "name": person.first_name}, due=now)
    for coordinator in await staff.coordinators_of(uow, pair.programme_id):
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_PLACEMENT_APPLIED,
            {**about, "application_id": application.id},
            due=now,
        )
    for host_person in await uow.placements.host_staff(listed.host.id):
        push(uow, host_person, Notice.HOST_PLACEMENT_APPLIED, about, due=now)
    return application


# --- a coordinator decides ---------------------------------------------------------------------


async def decide(
    uow: UnitOfWork, coordinator: User, application_id: int, confirm: bool, now: datetime
) -> PlacementApplication:
    """Confirm (taking one of the places) or decline a pending application; the pair is
    told, and on a confirmation the host's staff too, with the two first names."""
    staff.require_coordinator(coordinator)
    application = await uow.placements.application(application_id)
    if application is None:
        raise DomainError("not_found")
    if application.programme_id != coordinator.programme_id:
        raise staff.OtherProgramme("application", application.id, application.programme_id)
    if application.status != ApplicationStatus.PENDING.value:
        raise DomainError("entry_decided")
    pair = await uow.pairs.get(application.pair_id)
    if pair is None or pair.status != PairStatus.ACTIVE.value:
        raise DomainError("pair_not_active")
    listed = await placement_for(uow, coordinator, application.placement_id)
    # Every refusal comes before the first write: a refusal is committed as it stands.
    if confirm and not await uow.placements.take_place(listed.placement.id):
        raise DomainError("placement_full")
    application.status = (
        ApplicationStatus.CONFIRMED if confirm else ApplicationStatus.DECLINED
    ).value
    application.decided_at = now
    application.decided_by = coordinator.id
    uow.audit.by(
        coordinator,
        "placement.confirmed" if confirm else "placement.declined",
        application_id=application.id,
        placement_id=listed.placement.id,
        pair_id=pair.id,
    )
    about = _about(listed, pair)
    members = [await uow.users.get(i) for i in (pair.newcomer_id, pair.buddy_id) if i]
    people = [member for member in members if member is not None]
    kind = Notice.PLACEMENT_CONFIRMED if confirm else Notice.PLACEMENT_DECLINED
    for member in people:
        push(uow, member, kind, about, due=now)
    if confirm:
        names = [member.first_name or "?" for member in people]
        for host_person in await uow.placements.host_staff(listed.host.id):
            push(
                uow,
                host_person,
                Notice.HOST_PLACEMENT_CONFIRMED,
                {**about, "names": names},
                due=now,
            )
    return application


# --- hours with a host ---------------------------------------------------------------------------


async def hosts_of(uow: UnitOfWork, person: User) -> list[Organisation]:
    """Where the person's active pair volunteers (confirmed applications): the hosts
    offered when they log hours. None without an active pair."""
    try:
        pair = await active_pair(uow, person)
    except DomainError:
        return []
    return await uow.placements.hosts_of_pair(pair.id)


async def require_host(uow: UnitOfWork, pair: Pair, organisation_id: int) -> Organisation:
    """The host, when the pair's application there was confirmed; else "not found"."""
    for host in await uow.placements.hosts_of_pair(pair.id):
        if host.id == organisation_id:
            return host
    raise DomainError("not_found")


# --- the report and the person's data ----------------------------------------------------------


async def volunteering(
    uow: UnitOfWork, programme_id: int, start: datetime, end: datetime
) -> Volunteering:
    """Duos linked to a host in [start, end), how many organisations, hours by host."""
    duos, organisations, hosts = await uow.placements.host_links(programme_id, start, end)
    return Volunteering(duos=duos, organisations=organisations, hosts=tuple(hosts))


async def export_of(uow: UnitOfWork, person: User) -> list[dict[str, Any]]:
    """The person's pairs' applications, for /mydata (a placement names its host, never
    the partner)."""
    pair_ids = [pair.id for pair in await uow.pairs.ever_of(person.id)]
    return [
        {
            "host": host.name,
            "what": placement.what,
            "when": placement.when_text,
            "status": application.status,
            "applied_by": "you" if application.applied_by == person.id else "partner",
            "applied_at": application.applied_at.isoformat(),
            "decided_at": application.decided_at.isoformat() if application.decided_at else None,
        }
        for application, placement, host in await uow.placements.applications_of_pairs(pair_ids)
    ]
