"""Programmes as services (domain/programmes.py, staff.py): settings with their defaults
and ranges, slugs fit for deep links, the switch, and coordinators of several programmes."""

from __future__ import annotations

from domain import programmes, staff
from domain.errors import NotAllowed
from domain.programmes import NUMBER_BY_KEY, NUMBERS, ProgrammeError
from domain.staff import OtherProgramme
from storage.models import Programme, Role, User, UserStatus
from tests.domain.conftest import World


def test_settings_have_defaults_and_ignore_nonsense() -> None:
    fresh = programmes.settings_of(Programme(slug="x", name="X", settings={}))
    assert fresh.target_hours == 40 and fresh.quiet_from == 21 and fresh.reminder_hours == (24, 2)
    odd = Programme(
        slug="y",
        name="Y",
        settings={"target_hours": "lots", "quiet_from": 99, "languages": ["xx", "ar"]},
    )
    chosen = programmes.settings_of(odd)
    assert chosen.target_hours == 40  # not a number: the default
    assert chosen.quiet_from == NUMBER_BY_KEY["quiet_from"].high  # out of range: clamped
    assert chosen.languages == ("ar",)


def test_slugs_are_short_ascii_for_deep_links() -> None:
    assert programmes.slug_base("Huis van het Nederlands") == "huisvanhetnederl"
    assert programmes.slug_base("Molenbeek-Saint-Jean") == "molenbeeksaintje"
    assert programmes.slug_base("Ça & Là") == "cala"
    assert programmes.slug_base("بروكسل") == "programme"


async def admin(world: World) -> User:
    person = await world.person(Role.ADMIN, "Ada", status=UserStatus.WAITING)
    return person


async def test_an_admin_creates_programmes_with_unique_slugs(world: World) -> None:
    ada = await admin(world)
    first = await world.act(ada.id, lambda uow, me: programmes.create(uow, me, " Bon  Brussel "))
    second = await world.act(ada.id, lambda uow, me: programmes.create(uow, me, "Bon Brussel"))
    assert (first.name, first.slug, second.slug) == ("Bon Brussel", "bonbrussel", "bonbrussel2")
    refused = await world.refused(ada.id, lambda uow, me: programmes.create(uow, me, "  ?! "))
    assert isinstance(refused, ProgrammeError)
    kim = await world.coordinator()
    refused = await world.refused(kim.id, lambda uow, me: programmes.create(uow, me, "Mine"))
    assert isinstance(refused, NotAllowed)


async def test_a_number_setting_steps_within_its_range(world: World) -> None:
    ada = await admin(world)
    pid = await world.programme("gent")
    target = [n.key for n in NUMBERS].index("target_hours")
    for _ in range(60):
        await world.act(ada.id, lambda uow, me: programmes.step_number(uow, me, pid, target, True))
    stored = await world.get(Programme, pid)
    assert stored.settings["target_hours"] == NUMBER_BY_KEY["target_hours"].high


async def test_a_coordinator_of_two_programmes_switches_and_is_refused_elsewhere(
    world: World,
) -> None:
    async with world.uow() as uow:
        first = (await uow.programmes.default()).id
    second = await world.programme("anderlecht")
    third = await world.programme("gent")
    kim = await world.coordinator("Kim", programme_id=first)
    async with world.uow() as uow:
        await uow.programmes.add_coordinator(first, kim.id)
        await uow.programmes.add_coordinator(second, kim.id)
        await uow.commit()
    olena = await world.person(Role.NEWCOMER, "Olena", programme_id=second)
    refused = await world.refused(
        kim.id, lambda uow, me: staff.person_in_programme(uow, me, olena.id)
    )
    assert isinstance(refused, OtherProgramme) and refused.programme_id == second
    await world.act(kim.id, lambda uow, me: programmes.switch(uow, me, second))
    found = await world.act(kim.id, lambda uow, me: staff.person_in_programme(uow, me, olena.id))
    assert found.id == olena.id
    refused = await world.refused(kim.id, lambda uow, me: programmes.switch(uow, me, third))
    assert isinstance(refused, OtherProgramme)
    # Alerts of either programme reach Kim, whichever one Kim works in.
    async with world.uow() as uow:
        assert kim.id in [c.id for c in await staff.coordinators_of(uow, first)]
        assert kim.id in [c.id for c in await staff.coordinators_of(uow, second)]


async def test_removed_from_one_programme_a_coordinator_keeps_the_other(world: World) -> None:
    ada = await admin(world)
    first = ada.programme_id
    second = await world.programme("anderlecht")
    kim = await world.coordinator("Kim", programme_id=second)
    async with world.uow() as uow:
        await uow.programmes.add_coordinator(first, kim.id)
        await uow.programmes.add_coordinator(second, kim.id)
        await uow.commit()
    await world.act(
        ada.id, lambda uow, me: staff.remove_coordinator(uow, me, kim.id, frozenset(), second)
    )
    kept = await world.get(User, kim.id)
    assert kept.role == "coordinator" and kept.programme_id == first
    await world.act(
        ada.id, lambda uow, me: staff.remove_coordinator(uow, me, kim.id, frozenset(), first)
    )
    gone = await world.get(User, kim.id)
    assert gone.status == UserStatus.INACTIVE.value and not staff.is_coordinator(gone)


async def _programme_settings(world: World, **settings: object) -> None:
    """The default programme (the duos' own) with these settings stored."""
    async with world.uow() as uow:
        programme = await uow.programmes.default()
        programme.settings = {**(programme.settings or {}), **settings}
        await uow.commit()


async def test_meetup_reminders_follow_the_programmes_hours(world: World) -> None:
    from datetime import timedelta

    from tests.domain.conftest import accepted_meetup, scheduled

    await _programme_settings(world, reminder_hours=[48, 1])
    duo = await world.duo()
    starts = world.clock.now() + timedelta(days=5)
    meetup_id = await accepted_meetup(world, duo, starts)
    reminders = [(key, due) for key, due in await scheduled(world, meetup_id) if "rem-" in key]
    assert {key.split("rem-")[1].split(":")[0] for key, _due in reminders} == {"48h", "1h"}
    before = {starts - due for _key, due in reminders}
    assert before == {timedelta(hours=48), timedelta(hours=1)}
    assert len(reminders) == 4  # both members, two reminders each


async def test_quiet_pairs_are_nudged_after_the_programmes_days(world: World) -> None:
    from datetime import timedelta

    await _programme_settings(world, nudge_after_days=7, alert_after_days=14)
    await world.coordinator()
    await world.duo(started_at=world.clock.now() - timedelta(days=7))
    assert await world.plan_nudges() == 2  # nudged at 7 days instead of 14
    world.clock.advance(timedelta(days=7))
    assert await world.plan_nudges() == 1  # and the coordinator alerted at 14 instead of 28
    [alert] = await world.outbox("coordinator.pair_quiet")
    assert alert.params["days"] == 14
