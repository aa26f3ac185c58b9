"""Duo volunteering (domain/placements.py) at the service level, on SQLite with a frozen
clock: who may post, applying and who hears of it, the coordinator's decision (audited,
capacity kept when two coordinators confirm at once), hours with a host, the report's
figures against a hand count, and /mydata.

A refusal is committed the way the middleware commits a handled update, and must have
written nothing."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from domain import hours, placements, privacy, reports
from domain.errors import DomainError
from domain.placements import Draft
from storage.models import AuditLog, HourEntry, Organisation, Role, User, UserStatus
from storage.models.partners import PlacementApplication, VolunteeringPlacement
from storage.uow import is_retryable
from tests.domain.conftest import Duo, World

DAY = timedelta(days=1)
TZ = ZoneInfo("Europe/Brussels")


async def organisation(world: World, name: str, programme_id: int | None = None) -> int:
    async with world.uow() as uow:
        if programme_id is None:
            programme_id = (await uow.programmes.default()).id
        host = Organisation(programme_id=programme_id, name=name, municipality="21001")
        uow.session.add(host)
        await uow.commit()
        return host.id


async def host_person(world: World, name: str, organisation_id: int) -> User:
    """Staff of a partner organisation (as the partner invite link would make them)."""
    person = await world.person(Role.PARTNER, name, status=UserStatus.MATCHED)
    async with world.uow() as uow:
        row = await world.member(uow, person.id)
        row.organisation_id = organisation_id
        await uow.commit()
        return row


def draft(organisation_id: int, duos: int = 2, **changes: Any) -> Draft:
    values: dict[str, Any] = {
        "organisation_id": organisation_id,
        "what": "Sort books at the library",
        "when_text": "Saturday mornings",
        "duos": duos,
        "municipality": "21001",
    }
    values.update(changes)
    return Draft(**values)


async def post(world: World, author_id: int, posted: Draft) -> int:
    now = world.clock.now()
    listed: placements.Listed = await world.act(
        author_id, lambda uow, person: placements.post(uow, person, posted, now)
    )
    return listed.placement.id


async def apply(world: World, person_id: int, placement_id: int) -> PlacementApplication:
    now = world.clock.now()
    application: PlacementApplication = await world.act(
        person_id, lambda uow, person: placements.apply(uow, person, placement_id, now)
    )
    return application


async def decide(
    world: World, coordinator_id: int, application_id: int, confirm: bool = True
) -> PlacementApplication:
    now = world.clock.now()
    decided: PlacementApplication = await world.act(
        coordinator_id,
        lambda uow, person: placements.decide(uow, person, application_id, confirm, now),
    )
    return decided


# --- posting -------------------------------------------------------------------------------


async def test_a_host_posts_for_its_own_organisation_only(world: World) -> None:
    library = await organisation(world, "Bib Anderlecht")
    club = await organisation(world, "FC Molenbeek")
    staff = await host_person(world, "Lies", library)
    placement_id = await post(world, staff.id, draft(library))
    stored = await world.get(VolunteeringPlacement, placement_id)
    assert (stored.organisation_id, stored.duos, stored.taken, stored.status) == (
        library,
        2,
        0,
        "open",
    )
    assert stored.posted_by == staff.id

    refusals = {
        "not_found": draft(club),  # another organisation's name
        "placement_what_empty": draft(library, what="   "),
        "placement_when_empty": draft(library, when_text=""),
        "text_too_long": draft(library, what="x" * 121),
        "invalid_choice": draft(library, duos=6),
    }
    now = world.clock.now()
    for key, refused in refusals.items():
        error = await world.refused(
            staff.id, lambda uow, person, d=refused: placements.post(uow, person, d, now)
        )
        assert error.key == key
    newcomer = await world.person(Role.NEWCOMER, "Amal")
    error = await world.refused(
        newcomer.id, lambda uow, person: placements.post(uow, person, draft(library), now)
    )
    assert error.key == "hosts_only"
    assert len(await world.rows(VolunteeringPlacement)) == 1


async def test_a_coordinator_posts_for_any_organisation_of_the_programme(world: World) -> None:
    coordinator = await world.coordinator()
    club = await organisation(world, "FC Molenbeek")
    other_programme = await world.programme("elsewhere")
    foreign = await organisation(world, "Far away", other_programme)
    await post(world, coordinator.id, draft(club, duos=1))
    now = world.clock.now()
    error = await world.refused(
        coordinator.id, lambda uow, person: placements.post(uow, person, draft(foreign), now)
    )
    assert error.key == "not_found"
    [audit] = [row for row in await world.rows(AuditLog) if row.action == "placement.posted"]
    assert audit.details["organisation_id"] == club


# --- applying and deciding -----------------------------------------------------------------


async def test_a_pair_applies_and_everyone_concerned_is_told(world: World, duo: Duo) -> None:
    coordinator = await world.coordinator()
    library = await organisation(world, "Bib Anderlecht")
    staff = await host_person(world, "Lies", library)
    placement_id = await post(world, staff.id, draft(library))

    application = await apply(world, duo.newcomer_id, placement_id)
    assert (application.pair_id, application.status, application.applied_by) == (
        duo.pair_id,
        "pending",
        duo.newcomer_id,
    )
    [to_coordinator] = await world.outbox("coordinator.placement_applied")
    assert to_coordinator.recipient_id == coordinator.id
    assert to_coordinator.params["application_id"] == application.id
    [to_host] = await world.outbox("host.placement_applied")
    assert to_host.recipient_id == staff.id and "name" not in to_host.params
    [to_partner] = await world.outbox("placement.applied")
    assert (to_partner.recipient_id, to_partner.params["name"]) == (duo.buddy_id, "Amal")

    # Once per pair and placement, whoever of the two presses.
    now = world.clock.now()
    error = await world.refused(
        duo.buddy_id, lambda uow, person: placements.apply(uow, person, placement_id, now)
    )
    assert error.key == "placement_applied_already"

    await decide(world, coordinator.id, application.id)
    stored = await world.get(PlacementApplication, application.id)
    assert (stored.status, stored.decided_by) == ("confirmed", coordinator.id)
    told = await world.outbox("placement.confirmed")
    assert sorted(row.recipient_id for row in told) == sorted([duo.newcomer_id, duo.buddy_id])
    [host_told] = await world.outbox("host.placement_confirmed")
    assert (host_told.recipient_id, host_told.params["names"]) == (staff.id, ["Amal", "Bram"])
    [audit] = [row for row in await world.rows(AuditLog) if row.action == "placement.confirmed"]
    assert audit.details["pair_id"] == duo.pair_id
    # Decided once.
    error = await world.refused(
        coordinator.id,
        lambda uow, person: placements.decide(uow, person, application.id, False, now),
    )
    assert error.key == "entry_decided"


async def test_only_a_coordinator_of_the_programme_decides(world: World, duo: Duo) -> None:
    await world.coordinator()
    library = await organisation(world, "Bib Anderlecht")
    coordinator = await world.coordinator("Kim")
    placement_id = await post(world, coordinator.id, draft(library))
    application = await apply(world, duo.newcomer_id, placement_id)
    elsewhere = await world.coordinator("Jo", programme_id=await world.programme("other"))
    now = world.clock.now()
    for person_id, key in ((duo.buddy_id, "coordinators_only"), (elsewhere.id, "other_programme")):
        error = await world.refused(
            person_id,
            lambda uow, person: placements.decide(uow, person, application.id, True, now),
        )
        assert error.key == key
    assert (await world.get(PlacementApplication, application.id)).status == "pending"
    assert (await world.get(VolunteeringPlacement, placement_id)).taken == 0


async def test_the_last_place_goes_to_one_duo_when_two_coordinators_confirm_at_once(
    world: World,
) -> None:
    first_coordinator = await world.coordinator("Kim")
    second_coordinator = await world.coordinator("Jo")
    library = await organisation(world, "Bib Anderlecht")
    placement_id = await post(world, first_coordinator.id, draft(library, duos=1))
    first, second = await world.duo("Amal", "Bram"), await world.duo("Sara", "Tom")
    applications = [
        await apply(world, first.newcomer_id, placement_id),
        await apply(world, second.buddy_id, placement_id),
    ]

    async def confirming(coordinator_id: int, application_id: int) -> str:
        """As the update middleware does: a transaction that lost a race runs again."""
        for _attempt in range(10):
            try:
                await decide(world, coordinator_id, application_id)
                return "confirmed"
            except DomainError as error:
                return error.key
            except DBAPIError as error:
                if not is_retryable(error):
                    raise
                await asyncio.sleep(0.01)
        return "gave up"

    results = await asyncio.gather(
        confirming(first_coordinator.id, applications[0].id),
        confirming(second_coordinator.id, applications[1].id),
    )
    assert sorted(results) == ["confirmed", "placement_full"]
    assert (await world.get(VolunteeringPlacement, placement_id)).taken == 1
    statuses = sorted(row.status for row in await world.rows(PlacementApplication))
    assert statuses == ["confirmed", "pending"]
    # A full placement is no longer offered, and nobody applies to it.
    third = await world.duo("Noor", "Wim")
    async with world.uow() as uow:
        offered = await placements.open_for(uow, await world.member(uow, third.newcomer_id))
    assert offered == []
    now = world.clock.now()
    error = await world.refused(
        third.newcomer_id, lambda uow, person: placements.apply(uow, person, placement_id, now)
    )
    assert error.key == "placement_full"


# --- hours with the host, the report, /mydata ----------------------------------------------


async def log_with(
    world: World, person_id: int, organisation_id: int, started_at: datetime, minutes: int
) -> HourEntry:
    now = world.clock.now()
    entry: HourEntry = await world.act(
        person_id,
        lambda uow, person: hours.log(
            uow,
            person,
            started_at=started_at,
            minutes=minutes,
            kind="volunteering",
            now=now,
            organisation_id=organisation_id,
        ),
    )
    return entry


async def test_hours_with_a_host_need_a_confirmed_placement(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    library = await organisation(world, "Bib Anderlecht")
    placement_id = await post(world, coordinator.id, draft(library))
    application = await apply(world, duo.newcomer_id, placement_id)

    def logging(kind: str) -> Any:
        return lambda uow, person: hours.log(
            uow,
            person,
            started_at=now - 2 * DAY,
            minutes=120,
            kind=kind,
            now=now,
            organisation_id=library,
        )

    # Not confirmed yet: no hours "with the host".
    assert (await world.refused(duo.buddy_id, logging("volunteering"))).key == "not_found"
    await decide(world, coordinator.id, application.id)
    assert (await world.refused(duo.buddy_id, logging("sport"))).key == "invalid_choice"
    assert await world.rows(HourEntry) == []
    async with world.uow() as uow:
        offered = await placements.hosts_of(uow, await world.member(uow, duo.buddy_id))
        assert [host.id for host in offered] == [library]

    entry = await log_with(world, duo.buddy_id, library, now - 2 * DAY, 120)
    assert (entry.activity_kind, entry.organisation_id) == ("volunteering", library)
    await world.confirm(duo.newcomer_id, entry.id)


async def test_the_report_counts_duos_organisations_and_hours_by_host(
    world: World, now: datetime
) -> None:
    coordinator = await world.coordinator()
    library = await organisation(world, "Bib Anderlecht")
    club = await organisation(world, "FC Molenbeek")
    unused = await organisation(world, "Nobody came")
    places = [await post(world, coordinator.id, draft(host)) for host in (library, club, unused)]
    first, second, third = (
        await world.duo(),
        await world.duo("Sara", "Tom"),
        await world.duo("Noor", "Wim"),
    )
    # First duo: confirmed at the library, 2 h + 1.5 h confirmed there, 1 h still pending.
    await decide(world, coordinator.id, (await apply(world, first.newcomer_id, places[0])).id)
    for days, minutes, confirm in ((3, 120, True), (2, 90, True), (1, 60, False)):
        entry = await log_with(world, first.buddy_id, library, now - days * DAY, minutes)
        if confirm:
            await world.confirm(first.newcomer_id, entry.id)
    # Second duo: confirmed at the club and at the library, no hours yet.
    await decide(world, coordinator.id, (await apply(world, second.buddy_id, places[1])).id)
    await decide(world, coordinator.id, (await apply(world, second.buddy_id, places[0])).id)
    # Third duo: declined at the unused organisation; applied, pending, at the club.
    await decide(
        world, coordinator.id, (await apply(world, third.buddy_id, places[2])).id, confirm=False
    )
    await apply(world, third.newcomer_id, places[1])

    today = now.astimezone(TZ).date()
    async with world.uow() as uow:
        report = await reports.build(
            uow,
            await world.member(uow, coordinator.id),
            reports.Period(date(today.year, 1, 1), today),
            TZ,
            now,
        )
    figures = report.volunteering
    assert (figures.duos, figures.organisations, figures.minutes) == (2, 2, 210)
    by_host = {host.name: (host.duos, host.minutes) for host in figures.hosts}
    assert by_host == {"Bib Anderlecht": (2, 210), "FC Molenbeek": (1, 0)}

    # A period before any of it: nothing.
    async with world.uow() as uow:
        earlier = await reports.build(
            uow,
            await world.member(uow, coordinator.id),
            reports.Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
            TZ,
            now,
        )
    assert earlier.volunteering == placements.Volunteering()


async def test_mydata_holds_the_pairs_applications(world: World, duo: Duo) -> None:
    coordinator = await world.coordinator()
    library = await organisation(world, "Bib Anderlecht")
    placement_id = await post(world, coordinator.id, draft(library))
    await apply(world, duo.newcomer_id, placement_id)
    for person_id, who in ((duo.newcomer_id, "you"), (duo.buddy_id, "partner")):
        async with world.uow() as uow:
            exported = await privacy.export(uow, await world.member(uow, person_id))
        [row] = exported["placement_applications"]
        assert (row["host"], row["status"], row["applied_by"]) == ("Bib Anderlecht", "pending", who)
    # /forget: the application stays as the pair's anonymous number, without the person.
    async with world.uow() as uow:
        await privacy.forget(uow, await world.member(uow, duo.newcomer_id), world.clock.now())
        await uow.commit()
    [left] = await world.rows(PlacementApplication)
    assert left.applied_by is None and left.pair_id == duo.pair_id
