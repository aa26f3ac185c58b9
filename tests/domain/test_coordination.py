"""The coordinator's services (domain/matchmaking.py, pairs.py, staff.py) on SQLite with a
frozen clock: what a match is refused for, "confirm all" skipping what is no longer
possible, the life of a pair and who may act as a coordinator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain import coordination, matchmaking, pairs, staff
from domain.errors import NotAllowed
from storage.models import AuditLog, Pair, PairStatus, Role, User, UserStatus
from tests.domain.conftest import Duo, World


async def update(world: World, person_id: int, **values: Any) -> None:
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        for name, value in values.items():
            setattr(person, name, value)
        await uow.commit()


async def waiting_pair(world: World) -> tuple[User, User, User]:
    """A coordinator, a waiting newcomer and a free buddy who fit each other."""
    coordinator = await world.coordinator()
    newcomer = await world.person(Role.NEWCOMER, "Amal")
    buddy = await world.person(Role.BUDDY, "Bram")
    return coordinator, newcomer, buddy


def confirming(newcomer_id: int, buddy_id: int, now: datetime) -> Any:
    return lambda uow, me: matchmaking.confirm_match(uow, me, newcomer_id, buddy_id, now)


async def audit_actions(world: World) -> list[str]:
    return [row.action for row in await world.rows(AuditLog)]


async def test_confirm_match_makes_the_pair_and_introduces_both(
    world: World, now: datetime
) -> None:
    coordinator, newcomer, buddy = await waiting_pair(world)
    pair: Pair = await world.act(coordinator.id, confirming(newcomer.id, buddy.id, now))
    stored = await world.get(Pair, pair.id)
    assert (stored.newcomer_id, stored.buddy_id, stored.status) == (
        newcomer.id,
        buddy.id,
        PairStatus.ACTIVE.value,
    )
    assert stored.matched_by == coordinator.telegram_id
    for person in (newcomer, buddy):
        assert (await world.get(User, person.id)).status == UserStatus.MATCHED.value
        assert len(await world.outbox("pair.introduction", recipient_id=person.id)) == 1
    assert "pair.created" in await audit_actions(world)


async def test_confirm_match_refuses_a_newcomer_already_matched(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    other_buddy = await world.person(Role.BUDDY, "Bo")
    error = await world.refused(coordinator.id, confirming(duo.newcomer_id, other_buddy.id, now))
    assert error.key == "not_waiting"
    assert len(await world.rows(Pair)) == 1


async def test_confirm_match_refuses_a_buddy_at_capacity(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    newcomer = await world.person(Role.NEWCOMER, "Olena")
    await update(world, duo.buddy_id, capacity=1)
    error = await world.refused(coordinator.id, confirming(newcomer.id, duo.buddy_id, now))
    assert error.key == "match_not_allowed"
    assert (await world.get(User, newcomer.id)).status == UserStatus.WAITING.value
    assert len(await world.rows(Pair)) == 1


async def test_confirm_match_refuses_an_unmet_gender_preference(
    world: World, now: datetime
) -> None:
    coordinator, newcomer, buddy = await waiting_pair(world)
    await update(world, newcomer.id, gender_preference="woman")
    await update(world, buddy.id, gender="man")
    error = await world.refused(coordinator.id, confirming(newcomer.id, buddy.id, now))
    assert error.key == "match_not_allowed"
    assert await world.rows(Pair) == []
    assert await world.outbox("pair.introduction") == []


async def test_confirm_matches_makes_the_good_ones_and_skips_the_rest(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    amira = await world.person(Role.NEWCOMER, "Amira")
    olena = await world.person(Role.NEWCOMER, "Olena")
    bo = await world.person(Role.BUDDY, "Bo")
    await update(world, bo.id, capacity=1)
    await update(world, duo.buddy_id, capacity=1)
    proposals = [
        [amira.id, bo.id],  # fits
        [olena.id, bo.id],  # Bo is full by now
        [duo.newcomer_id, bo.id],  # already in a pair
        [olena.id, duo.buddy_id],  # that buddy is full
    ]
    made, skipped = await world.act(
        coordinator.id,
        lambda uow, me: matchmaking.confirm_matches(uow, me, proposals, now),
    )
    assert (made, skipped) == (1, 3)
    made_pairs = [(p.newcomer_id, p.buddy_id) for p in await world.rows(Pair)]
    assert made_pairs == [(duo.newcomer_id, duo.buddy_id), (amira.id, bo.id)]
    assert (await world.get(User, olena.id)).status == UserStatus.WAITING.value
    assert len(await world.outbox("pair.introduction")) == 2


async def test_pause_resume_and_end_change_the_status_and_tell_both(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await world.act(coordinator.id, lambda uow, me: pairs.pause_pair(uow, me, duo.pair_id, 4, now))
    paused = await world.get(Pair, duo.pair_id)
    assert paused.status == PairStatus.PAUSED.value
    assert paused.paused_until is not None
    assert paused.paused_until.replace(tzinfo=now.tzinfo) == now + timedelta(weeks=4)
    error = await world.refused(
        coordinator.id, lambda uow, me: pairs.pause_pair(uow, me, duo.pair_id, 4, now)
    )
    assert error.key == "pair_not_active"

    await world.act(coordinator.id, lambda uow, me: pairs.resume_pair(uow, me, duo.pair_id, now))
    resumed = await world.get(Pair, duo.pair_id)
    assert resumed.status == PairStatus.ACTIVE.value and resumed.paused_until is None

    await world.act(
        coordinator.id, lambda uow, me: pairs.end_pair(uow, me, duo.pair_id, "moved", now)
    )
    ended = await world.get(Pair, duo.pair_id)
    assert ended.status == PairStatus.ENDED.value and ended.end_reason == "moved"
    assert (await world.get(User, duo.newcomer_id)).status == UserStatus.INACTIVE.value
    assert (await world.get(User, duo.buddy_id)).status == UserStatus.WAITING.value
    for key in ("pair.paused", "pair.resumed", "pair.ended"):
        for person_id in (duo.newcomer_id, duo.buddy_id):
            assert len(await world.outbox(key, recipient_id=person_id)) == 1, key
    assert {"pair.paused", "pair.resumed", "pair.ended"} <= set(await audit_actions(world))


async def test_rematch_puts_the_newcomer_first_and_never_proposes_that_buddy_again(
    world: World, now: datetime
) -> None:
    coordinator, amal, bram = await waiting_pair(world)
    later = await world.person(Role.NEWCOMER, "Olena")
    await update(world, amal.id, waiting_since=now - timedelta(days=90))
    pair: Pair = await world.act(coordinator.id, confirming(amal.id, bram.id, now))
    first_wait = (await world.get(User, amal.id)).waiting_since
    world.clock.advance(timedelta(days=20))
    later_now = world.clock.now()

    await world.act(coordinator.id, lambda uow, me: pairs.rematch(uow, me, pair.id, later_now))

    back = await world.get(User, amal.id)
    assert back.status == UserStatus.WAITING.value
    assert back.waiting_since == first_wait  # the original waiting date
    view = await world.act(
        coordinator.id, lambda uow, me: coordination.waiting_page(uow, me, 0, later_now)
    )
    assert [row.person_id for row, _days in view.rows] == [amal.id, later.id]
    assert "pair.rematch" in await audit_actions(world)
    _, suggested = await world.act(
        coordinator.id, lambda uow, me: matchmaking.suggestions(uow, me, amal.id, later_now)
    )
    assert bram.id not in [s.buddy.id for s in suggested]
    proposals = await world.act(
        coordinator.id, lambda uow, me: matchmaking.propose_all(uow, me, later_now)
    )
    assert (amal.id, bram.id) not in [(p.newcomer.id, p.buddy.id) for p in proposals]
    error = await world.refused(coordinator.id, confirming(amal.id, bram.id, later_now))
    assert error.key == "match_not_allowed"


async def test_require_coordinator_refuses_a_newcomer(world: World, now: datetime) -> None:
    newcomer = await world.person(Role.NEWCOMER, "Amal")
    with pytest.raises(NotAllowed):
        staff.require_coordinator(newcomer)
    with pytest.raises(NotAllowed):
        staff.require_coordinator(None)
    error = await world.refused(
        newcomer.id, lambda uow, me: coordination.summary(uow, me, now, UTC)
    )
    assert error.key == "coordinators_only"
    coordinator = await world.coordinator()
    assert staff.require_coordinator(coordinator) is coordinator


async def test_remove_coordinator_refuses_a_bootstrap_coordinator(world: World) -> None:
    kim = await world.coordinator("Kim")
    founder = await world.coordinator("Founder")
    colleague = await world.coordinator("Noor")
    bootstrap = frozenset({founder.telegram_id})
    error = await world.refused(
        kim.id, lambda uow, me: staff.remove_coordinator(uow, me, founder.id, bootstrap)
    )
    assert error.key == "cannot_remove_coordinator"
    assert (await world.get(User, founder.id)).status != UserStatus.INACTIVE.value
    await world.act(
        kim.id, lambda uow, me: staff.remove_coordinator(uow, me, colleague.id, bootstrap)
    )
    assert (await world.get(User, colleague.id)).status == UserStatus.INACTIVE.value
    assert "coordinator.removed" in await audit_actions(world)
