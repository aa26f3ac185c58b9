"""Duo volunteering: the placements host organisations offer and the pairs' applications.

Capacity is kept by a conditional UPDATE (`take_place`) in the confirming transaction: two
coordinators confirming the last place at once cannot both succeed, on SQLite (one writer)
as on PostgreSQL (the second UPDATE waits for the first and re-reads the row).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, distinct, func, select, union, update

from storage.base import RowRepository
from storage.models import HourEntry, HourStatus, Organisation, Role, User
from storage.models.partners import (
    ApplicationStatus,
    PlacementApplication,
    PlacementStatus,
    VolunteeringPlacement,
)

LISTED = 20  # open placements shown to a pair at once (newest first)
ORGANISATIONS_LISTED = 30  # organisations a coordinator picks from when posting


class HostLinks(NamedTuple):
    """One host organisation's figures in a report period."""

    organisation_id: int
    name: str
    duos: int  # pairs confirmed there or with confirmed hours there
    minutes: int  # confirmed minutes with this host


class PlacementRepository(RowRepository[VolunteeringPlacement]):
    model = VolunteeringPlacement

    async def organisation(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def organisations(self, programme_id: int) -> list[Organisation]:
        """The programme's partner organisations, by name (a short list to pick from)."""
        found = await self.session.scalars(
            select(Organisation)
            .where(Organisation.programme_id == programme_id)
            .order_by(Organisation.name, Organisation.id)
            .limit(ORGANISATIONS_LISTED)
        )
        return list(found.all())

    async def host_staff(self, organisation_id: int) -> list[User]:
        """The people who speak for the organisation (role partner)."""
        found = await self.session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.role == Role.PARTNER.value)
            .order_by(User.id)
        )
        return list(found.all())

    async def open_with_room(
        self, programme_id: int
    ) -> list[tuple[VolunteeringPlacement, Organisation]]:
        """Open placements of the programme that still take a duo, with their host, newest
        first (a short list)."""
        rows = await self.session.execute(
            select(VolunteeringPlacement, Organisation)
            .join(Organisation, Organisation.id == VolunteeringPlacement.organisation_id)
            .where(
                VolunteeringPlacement.programme_id == programme_id,
                VolunteeringPlacement.status == PlacementStatus.OPEN.value,
                VolunteeringPlacement.taken < VolunteeringPlacement.duos,
            )
            .order_by(VolunteeringPlacement.id.desc())
            .limit(LISTED)
        )
        return [(row[0], row[1]) for row in rows.all()]

    async def take_place(self, placement_id: int) -> bool:
        """Count one more confirmed duo if the placement is open and has room; whether it
        did. One statement, so concurrent confirmations never exceed `duos`."""
        result = await self.session.execute(
            update(VolunteeringPlacement)
            .where(
                VolunteeringPlacement.id == placement_id,
                VolunteeringPlacement.status == PlacementStatus.OPEN.value,
                VolunteeringPlacement.taken < VolunteeringPlacement.duos,
            )
            .values(taken=VolunteeringPlacement.taken + 1)
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    # --- applications ----------------------------------------------------------------

    def add_application(self, application: PlacementApplication) -> None:
        self.session.add(application)

    async def application(self, application_id: int) -> PlacementApplication | None:
        return await self.session.get(PlacementApplication, application_id)

    async def application_of(self, placement_id: int, pair_id: int) -> PlacementApplication | None:
        return await self.session.scalar(
            select(PlacementApplication).where(
                PlacementApplication.placement_id == placement_id,
                PlacementApplication.pair_id == pair_id,
            )
        )

    async def applications_of_pairs(
        self, pair_ids: Sequence[int]
    ) -> list[tuple[PlacementApplication, VolunteeringPlacement, Organisation]]:
        """Every application of these pairs, with its placement and host, oldest first."""
        if not pair_ids:
            return []
        rows = await self.session.execute(
            select(PlacementApplication, VolunteeringPlacement, Organisation)
            .join(
                VolunteeringPlacement,
                VolunteeringPlacement.id == PlacementApplication.placement_id,
            )
            .join(Organisation, Organisation.id == VolunteeringPlacement.organisation_id)
            .where(PlacementApplication.pair_id.in_(list(pair_ids)))
            .order_by(PlacementApplication.id)
        )
        return [(row[0], row[1], row[2]) for row in rows.all()]

    async def hosts_of_pair(self, pair_id: int) -> list[Organisation]:
        """The organisations where the pair's application was confirmed (hours there count
        as volunteering with that host)."""
        found = await self.session.scalars(
            select(Organisation)
            .join(VolunteeringPlacement, VolunteeringPlacement.organisation_id == Organisation.id)
            .join(
                PlacementApplication,
                PlacementApplication.placement_id == VolunteeringPlacement.id,
            )
            .where(
                PlacementApplication.pair_id == pair_id,
                PlacementApplication.status == ApplicationStatus.CONFIRMED.value,
            )
            .distinct()
            .order_by(Organisation.name)
        )
        return list(found.all())

    # --- the funder report --------------------------------------------------------------

    async def host_links(
        self, programme_id: int, start: datetime, end: datetime
    ) -> tuple[int, int, list[HostLinks]]:
        """Duos linked to a host in [start, end) (their application confirmed then, or
        confirmed hours with the host done then), how many organisations, and each host's
        duos and confirmed minutes. Aggregates only: no pair leaves the database."""
        confirmed = (
            select(
                VolunteeringPlacement.organisation_id.label("organisation_id"),
                PlacementApplication.pair_id.label("pair_id"),
            )
            .join(
                VolunteeringPlacement,
                VolunteeringPlacement.id == PlacementApplication.placement_id,
            )
            .where(
                PlacementApplication.programme_id == programme_id,
                PlacementApplication.status == ApplicationStatus.CONFIRMED.value,
                PlacementApplication.decided_at >= start,
                PlacementApplication.decided_at < end,
            )
        )
        worked = select(
            HourEntry.organisation_id.label("organisation_id"),
            HourEntry.pair_id.label("pair_id"),
        ).where(*self._hours_in(programme_id, start, end))
        links = union(confirmed, worked).subquery()
        totals = (
            await self.session.execute(
                select(
                    func.count(distinct(links.c.pair_id)),
                    func.count(distinct(links.c.organisation_id)),
                )
            )
        ).one()
        per_host = await self.session.execute(
            select(Organisation.id, Organisation.name, func.count(distinct(links.c.pair_id)))
            .join(links, links.c.organisation_id == Organisation.id)
            .group_by(Organisation.id, Organisation.name)
        )
        minutes = dict(
            (
                await self.session.execute(
                    select(HourEntry.organisation_id, func.sum(HourEntry.minutes))
                    .where(*self._hours_in(programme_id, start, end))
                    .group_by(HourEntry.organisation_id)
                )
            ).all()
        )
        hosts = [
            HostLinks(int(org_id), str(name), int(duos), int(minutes.get(org_id) or 0))
            for org_id, name, duos in per_host.all()
        ]
        hosts.sort(key=lambda host: (-host.minutes, -host.duos, host.name))
        return int(totals[0] or 0), int(totals[1] or 0), hosts

    @staticmethod
    def _hours_in(programme_id: int, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
        return [
            HourEntry.programme_id == programme_id,
            HourEntry.status == HourStatus.CONFIRMED.value,
            HourEntry.organisation_id.is_not(None),
            HourEntry.started_at >= start,
            HourEntry.started_at < end,
        ]
