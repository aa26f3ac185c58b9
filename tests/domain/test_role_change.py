"""A newcomer becomes a buddy (domain/role_change.py) on SQLite with a frozen clock: who may
ask (a completed trajectory, long enough in the programme, neither), the request and the
coordinator's decision, forged and repeated decisions, the history that stays (pairs,
hours, the report's recruits, check-ins) and matching that never brings back a former
buddy."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import checkins, matchmaking, reports, role_change
from domain.errors import NotAllowed
from domain.staff import OtherProgramme
from storage.models import (
    AuditLog,
    CheckIn,
    CheckInMoment,
    EndReason,
    HourEntry,
    HourStatus,
    Pair,
    PairStatus,
    Programme,
    Role,
    RoleChange,
    RoleChangeStatus,
    User,
    UserStatus,
)
from tests.domain.conftest import World


async def update(world: World, model: Any, row_id: int, **values: Any) -> None:
    async with world.uow() as uow:
        row = await uow.session.get(model, row_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        await uow.commit()


async def closed_trajectory(
    world: World, *, status: PairStatus, reason: EndReason, name: str = "Amal"
) -> tuple[User, User, int]:
    """A newcomer and their former buddy whose pair closed with `status` and `reason` a week
    ago; the newcomer is inactive (as a completed pair leaves them), the buddy free."""
    duo = await world.duo(name, "Bram")
    now = world.clock.now()
    await update(
        world, Pair, duo.pair_id, status=status.value, end_reason=reason.value, ended_at=now
    )
    await update(world, User, duo.newcomer_id, status=UserStatus.INACTIVE.value)
    await update(world, User, duo.buddy_id, status=UserStatus.WAITING.value, capacity=1)
    newcomer = await world.get(User, duo.newcomer_id)
    buddy = await world.get(User, duo.buddy_id)
    return newcomer, buddy, duo.pair_id


async def grounds(world: World, person_id: int) -> str | None:
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        return await role_change.grounds_for(uow, person, world.clock.now())


def asking(capacity: str, now: datetime) -> Any:
    return lambda uow, me: role_change.ask(uow, me, capacity, now)


def deciding(request_id: int, confirm: bool, now: datetime) -> Any:
    return lambda uow, me: role_change.decide(uow, me, request_id, confirm, now)


# --- who may ask ---------------------------------------------------------------------------


async def test_a_completed_trajectory_makes_a_newcomer_eligible(world: World) -> None:
    newcomer, _buddy, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    assert await grounds(world, newcomer.id) == role_change.COMPLETED
    # Ended by a coordinator with the reason "completed" counts the same.
    other, _b, _p = await closed_trajectory(
        world, status=PairStatus.ENDED, reason=EndReason.COMPLETED, name="Olena"
    )
    assert await grounds(world, other.id) == role_change.COMPLETED


async def test_long_enough_in_the_programme_makes_a_newcomer_eligible(world: World) -> None:
    now = world.clock.now()
    waiting = await world.person(Role.NEWCOMER, "Amal")
    # The default is 12 months since joining the programme (consent): 11 is not enough.
    await update(world, User, waiting.id, consent_at=now - timedelta(days=335))
    assert await grounds(world, waiting.id) is None
    await update(world, User, waiting.id, consent_at=now - timedelta(days=366))
    assert await grounds(world, waiting.id) == role_change.LONG_ENOUGH
    # The programme's own setting rules: 18 months, and 12 are no longer enough.
    async with world.uow() as uow:
        programme = await uow.programmes.default()
        programme.settings = {**programme.settings, "buddy_after_months": 18}
        await uow.commit()
    assert await grounds(world, waiting.id) is None


async def test_neither_completed_nor_long_enough_is_not_eligible(world: World) -> None:
    now = world.clock.now()
    newcomer, _buddy, _pair = await closed_trajectory(
        world, status=PairStatus.ENDED, reason=EndReason.MOVED
    )
    assert await grounds(world, newcomer.id) is None  # an early end, two months in
    # In a pair (matched), however long they have been here: that trajectory ends first.
    duo = await world.duo("Olena", "Bo")
    await update(world, User, duo.newcomer_id, consent_at=now - timedelta(days=800))
    assert await grounds(world, duo.newcomer_id) is None
    # A buddy, a coordinator, a profile not finished: nothing to become.
    buddy = await world.person(Role.BUDDY, "Sofie")
    coordinator = await world.coordinator()
    unfinished = await world.person(Role.NEWCOMER, "Nadia", status=UserStatus.ONBOARDING)
    await update(world, User, unfinished.id, consent_at=now - timedelta(days=800))
    for person in (buddy, coordinator, unfinished):
        assert await grounds(world, person.id) is None
    refusal = await world.refused(newcomer.id, asking("1", now))
    assert refusal.key == "role_change_not_eligible"
    assert await world.rows(RoleChange) == []


def test_months_are_whole_calendar_months() -> None:
    start = datetime(2025, 3, 15, 10, 0)
    assert role_change.months_between(start, datetime(2025, 4, 15, 9, 59)) == 0
    assert role_change.months_between(start, datetime(2025, 4, 15, 10, 0)) == 1
    assert role_change.months_between(start, datetime(2026, 3, 15, 10, 0)) == 12
    assert role_change.months_between(start, datetime(2024, 1, 1)) == 0


# --- asking and deciding -------------------------------------------------------------------


async def test_the_request_reaches_the_coordinators_once(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, _buddy, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    for bad in ("0", "4", "many", ""):
        refusal = await world.refused(newcomer.id, asking(bad, now))
        assert refusal.key == "invalid_choice", bad
    assert await world.rows(RoleChange) == []
    request: RoleChange = await world.act(newcomer.id, asking("2", now))
    assert (request.status, request.capacity, request.grounds) == ("pending", 2, "completed")
    sent = await world.outbox("coordinator.role_change_request", recipient_id=coordinator.id)
    assert len(sent) == 1 and sent[0].params["request_id"] == request.id
    # Asked once: the button is gone from the menu, and a second request is refused.
    async with world.uow() as uow:
        me = await world.member(uow, newcomer.id)
        assert not await role_change.may_ask(uow, me, now)
    refusal = await world.refused(newcomer.id, asking("1", now))
    assert refusal.key == "role_change_pending"
    assert len(await world.rows(RoleChange)) == 1
    still = await world.get(User, newcomer.id)
    assert still.role == Role.NEWCOMER.value  # nothing changes until a coordinator decides
    assert "role_change.requested" in [row.action for row in await world.rows(AuditLog)]


async def test_confirmed_the_same_person_is_a_buddy_with_their_history(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, buddy, pair_id = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    async with world.uow() as uow:
        uow.session.add(
            HourEntry(
                programme_id=newcomer.programme_id,
                pair_id=pair_id,
                started_at=now - timedelta(days=20),
                minutes=2400,
                activity_kind="sport",
                logged_by=newcomer.id,
                confirmed_by=buddy.id,
                status=HourStatus.CONFIRMED.value,
            )
        )
        await uow.commit()
    request: RoleChange = await world.act(newcomer.id, asking("2", now))
    await world.act(coordinator.id, deciding(request.id, True, now))

    became = await world.get(User, newcomer.id)
    assert (became.role, became.status, became.capacity) == ("buddy", "waiting", 2)
    assert became.telegram_id == newcomer.telegram_id and became.gender_preference is None
    assert became.waiting_since == newcomer.waiting_since  # the old pair's time to match
    pair = await world.get(Pair, pair_id)
    assert (pair.newcomer_id, pair.buddy_id, pair.status) == (newcomer.id, buddy.id, "completed")
    entries = await world.rows(HourEntry)
    assert [(e.pair_id, e.minutes, e.logged_by) for e in entries] == [(pair_id, 2400, newcomer.id)]
    stored = await world.get(RoleChange, request.id)
    assert stored.status == RoleChangeStatus.CONFIRMED.value
    assert stored.decided_by == coordinator.telegram_id
    assert len(await world.outbox("role_change.confirmed", recipient_id=newcomer.id)) == 1
    assert "role_change.confirmed" in [row.action for row in await world.rows(AuditLog)]
    # Now a free buddy: among the candidates matching reads.
    async with world.uow() as uow:
        candidates = {c.id for c in await uow.pairs.candidate_buddies(newcomer.programme_id)}
    assert newcomer.id in candidates
    # Decided once: a second press of either button changes nothing.
    for confirm in (True, False):
        refusal = await world.refused(coordinator.id, deciding(request.id, confirm, now))
        assert refusal.key == "role_change_decided"
    assert len(await world.outbox("role_change.declined")) == 0


async def test_declined_nothing_changes_and_the_person_is_told(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    waiting = await world.person(Role.NEWCOMER, "Amal")
    await update(world, User, waiting.id, consent_at=now - timedelta(days=400))
    request: RoleChange = await world.act(waiting.id, asking("1", now))
    await world.act(coordinator.id, deciding(request.id, False, now))
    after = await world.get(User, waiting.id)
    assert (after.role, after.status) == ("newcomer", "waiting")
    assert (await world.get(RoleChange, request.id)).status == "declined"
    assert len(await world.outbox("role_change.declined", recipient_id=waiting.id)) == 1
    assert "role_change.declined" in [row.action for row in await world.rows(AuditLog)]


async def test_forged_decisions_are_refused_and_change_nothing(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, buddy, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    request: RoleChange = await world.act(newcomer.id, asking("1", now))
    # The person themselves, their former buddy: not coordinators.
    for person_id in (newcomer.id, buddy.id):
        with pytest.raises(NotAllowed):
            await world.act(person_id, deciding(request.id, True, now))
    # A coordinator of another programme.
    elsewhere = await world.programme("elsewhere")
    stranger = await world.coordinator("Eve", programme_id=elsewhere)
    with pytest.raises(OtherProgramme):
        await world.act(stranger.id, deciding(request.id, True, now))
    # A request that does not exist.
    refusal = await world.refused(coordinator.id, deciding(request.id + 99, True, now))
    assert refusal.key == "not_found"
    assert (await world.get(User, newcomer.id)).role == "newcomer"
    assert (await world.get(RoleChange, request.id)).status == "pending"
    # Matched meanwhile (a coordinator paired them as a newcomer): confirming is refused.
    await update(world, User, newcomer.id, status=UserStatus.MATCHED.value)
    refusal = await world.refused(coordinator.id, deciding(request.id, True, now))
    assert refusal.key == "role_change_not_now"
    assert (await world.get(User, newcomer.id)).role == "newcomer"


# --- what stays right afterwards -----------------------------------------------------------


async def test_the_report_still_counts_them_as_a_newcomer_recruit(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, buddy, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    joined = datetime(2025, 6, 10, 9, 0, tzinfo=now.tzinfo)
    for person in (newcomer, buddy):
        await update(world, User, person.id, created_at=joined, consent_at=joined)
    period = reports.Period(date(2025, 6, 1), date(2025, 6, 30))

    async def recruits() -> dict[str | None, int]:
        async with world.uow() as uow:
            me = await world.member(uow, coordinator.id)
            report = await reports.build(uow, me, period, ZoneInfo("Europe/Brussels"), now)
            await uow.commit()
        return {row.role: row.people for row in report.recruits}

    before = await recruits()
    assert before == {"newcomer": 1, "buddy": 1}
    request: RoleChange = await world.act(newcomer.id, asking("1", now))
    await world.act(coordinator.id, deciding(request.id, True, now))
    assert (await world.get(User, newcomer.id)).role == "buddy"
    assert await recruits() == before


async def test_a_follow_up_of_the_old_pair_is_asked_as_newcomer(world: World) -> None:
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, _buddy, pair_id = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    request: RoleChange = await world.act(newcomer.id, asking("1", now))
    await world.act(coordinator.id, deciding(request.id, True, now))
    async with world.uow() as uow:
        pair = await uow.pairs.get(pair_id)
        assert pair is not None
        await checkins.open_for_pair(uow, pair, CheckInMoment.MONTH_3, now)
        await uow.commit()
    mine = [c for c in await world.rows(CheckIn) if c.person_id == newcomer.id]
    assert [(c.role, c.moment) for c in mine] == [("newcomer", "month_3")]
    assert "another_newcomer" not in mine[0].questions


async def test_matching_never_brings_back_their_former_buddy(world: World) -> None:
    """Their former buddy can only meet them in matching as a waiting newcomer (set here in
    the database); neither the suggestions nor the whole-list assignment propose the two,
    though they fit each other best, and confirming them is refused."""
    now = world.clock.now()
    coordinator = await world.coordinator()
    newcomer, former, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    request: RoleChange = await world.act(newcomer.id, asking("1", now))
    await world.act(coordinator.id, deciding(request.id, True, now))
    await update(world, User, former.id, role="newcomer", status="waiting", waiting_since=now)
    other = await world.person(Role.BUDDY, "Sofie")
    await update(world, User, other.id, municipality="21001", interests=[], capacity=1)

    async with world.uow() as uow:
        me = await world.member(uow, coordinator.id)
        _n, suggested = await matchmaking.suggestions(uow, me, former.id, now)
        proposals = await matchmaking.propose_all(uow, me, now)
        suggested_ids = [s.buddy.id for s in suggested]
        proposed_ids = [(p.newcomer.id, p.buddy.id) for p in proposals]
    assert suggested_ids == [other.id]
    assert proposed_ids == [(former.id, other.id)]
    refusal = await world.refused(
        coordinator.id,
        lambda uow, me: matchmaking.confirm_match(uow, me, former.id, newcomer.id, now),
    )
    assert refusal.key == "match_not_allowed"


async def test_erasing_the_person_erases_their_requests(world: World) -> None:
    from domain import privacy

    now = world.clock.now()
    newcomer, _buddy, _pair = await closed_trajectory(
        world, status=PairStatus.COMPLETED, reason=EndReason.COMPLETED
    )
    await world.act(newcomer.id, asking("3", now))
    exported = await world.act(newcomer.id, lambda uow, me: privacy.export(uow, me))
    assert [(r["to_role"], r["capacity"], r["status"]) for r in exported["role_changes"]] == [
        ("buddy", 3, "pending")
    ]
    await world.act(newcomer.id, lambda uow, me: privacy.forget(uow, me, now))
    assert await world.rows(RoleChange) == []
    assert await world.rows(Programme)  # the programme stays
