"""When no buddy fits a newcomer: what blocks, counted over the available buddies
(domain/matching.py `blocks`, `what_blocks`), matching anyway over what a coordinator may
set aside (domain/matchmaking.py `override_match`), and asking the newcomer to widen their
wish (domain/preferences.py)."""

from __future__ import annotations

from datetime import datetime

from domain import matching, matchmaking, preferences
from domain.matching import Profile, Weights
from storage.models import AuditLog, Pair, Role, User, UserStatus
from tests.domain.conftest import Duo, World
from tests.domain.test_coordination import update

AMAL = Profile(id=1, languages=frozenset({"ar", "fr"}), gender_preference="woman")


def test_blocks_name_every_broken_constraint_in_order() -> None:
    bram = Profile(id=2, gender="man", capacity=1, active_pairs=1)
    assert matching.blocks(AMAL, bram) == ("gender_preference", "no_free_place")
    excluded = Profile(id=3, gender="woman", excluded=frozenset({1}))
    assert matching.blocks(AMAL, excluded) == ("ended_pair",)
    assert matching.blocks(AMAL, Profile(id=4, gender="woman")) == ()
    assert matching.allowed(AMAL, Profile(id=4, gender="woman"))
    assert not matching.allowed(AMAL, excluded)


def test_what_blocks_counts_each_constraint_over_the_buddies() -> None:
    buddies = [
        Profile(id=10, gender="man", languages=frozenset({"fr"})),  # the wish only
        Profile(id=11, gender=None),  # an unstated gender never meets a wish
        Profile(id=12, gender="woman", active_pairs=1),  # full: never overridable
        Profile(id=13, gender="man", active_pairs=1),  # the wish and full
        Profile(id=14, gender="woman", excluded=frozenset({1})),  # an ended pair
        Profile(id=15, gender="man", excluded=frozenset({1})),  # the wish and an ended pair
    ]
    blocked = matching.what_blocks(AMAL, buddies, Weights())
    assert blocked.buddies == 6
    assert blocked.counts == {"gender_preference": 4, "no_free_place": 2, "ended_pair": 2}
    # Nearest: one broken constraint before two, then the better score (10 speaks
    # French with Amal), then by id; full buddies are never offered.
    assert [(p.id, broken) for p, _s, broken in blocked.nearest] == [
        (10, ("gender_preference",)),
        (11, ("gender_preference",)),
        (14, ("ended_pair",)),
    ]
    assert len(matching.what_blocks(AMAL, buddies, Weights(), limit=5).nearest) == 4


def test_what_blocks_with_no_buddy_at_all() -> None:
    blocked = matching.what_blocks(AMAL, [], Weights())
    assert (blocked.buddies, blocked.counts, blocked.nearest) == (0, {}, ())


async def _amal_and_bram(world: World) -> tuple[User, User, User]:
    coordinator = await world.coordinator()
    amal = await world.person(Role.NEWCOMER, "Amal")
    bram = await world.person(Role.BUDDY, "Bram")
    await update(world, amal.id, gender_preference="woman")
    await update(world, bram.id, gender="man", capacity=1)
    return coordinator, amal, bram


async def test_why_no_fit_and_match_anyway_audited(world: World, now: datetime) -> None:
    coordinator, amal, bram = await _amal_and_bram(world)
    found: matchmaking.NoFit = await world.act(
        coordinator.id, lambda uow, me: matchmaking.why_no_fit(uow, me, amal.id, now)
    )
    assert found.blocked.counts == {"gender_preference": 1}
    assert [p.id for p, _s, _b in found.blocked.nearest] == [bram.id]
    refused = await world.refused(
        coordinator.id, lambda uow, me: matchmaking.confirm_match(uow, me, amal.id, bram.id, now)
    )
    assert refused.key == "match_not_allowed"
    pair: Pair = await world.act(
        coordinator.id, lambda uow, me: matchmaking.override_match(uow, me, amal.id, bram.id, now)
    )
    assert (pair.newcomer_id, pair.buddy_id) == (amal.id, bram.id)
    audit = {row.action: row for row in await world.rows(AuditLog)}
    assert audit["match.override"].details["broken"] == ["gender_preference"]
    assert "pair.created" in audit
    for person in (amal, bram):
        assert len(await world.outbox("pair.introduction", recipient_id=person.id)) == 1


async def test_match_anyway_never_over_a_full_buddy(world: World, duo: Duo, now: datetime) -> None:
    coordinator = await world.coordinator()
    olena = await world.person(Role.NEWCOMER, "Olena")
    await update(world, duo.buddy_id, capacity=1)
    error = await world.refused(
        coordinator.id,
        lambda uow, me: matchmaking.override_match(uow, me, olena.id, duo.buddy_id, now),
    )
    assert error.key == "match_not_allowed"
    assert "match.override" not in [row.action for row in await world.rows(AuditLog)]
    assert (await world.get(User, olena.id)).status == UserStatus.WAITING.value


async def test_asking_to_widen_the_wish_and_the_answer(world: World, now: datetime) -> None:
    coordinator, amal, bram = await _amal_and_bram(world)
    await world.act(coordinator.id, lambda uow, me: preferences.ask_to_relax(uow, me, amal.id, now))
    [ask] = await world.outbox("preference.relax_ask", recipient_id=amal.id)
    assert ask.params["coordinator_id"] == coordinator.id
    changed = await world.act(
        amal.id, lambda uow, me: preferences.answer_relax(uow, me, True, coordinator.id, now)
    )
    assert changed
    assert (await world.get(User, amal.id)).gender_preference == "none"
    [told] = await world.outbox("coordinator.preference_answer", recipient_id=coordinator.id)
    assert told.params["relaxed"] is True
    # Now Bram fits, as a plain suggestion.
    _newcomer, ranked = await world.act(
        coordinator.id, lambda uow, me: matchmaking.suggestions(uow, me, amal.id, now)
    )
    assert [s.buddy.id for s in ranked] == [bram.id]
    # Nothing left to widen.
    error = await world.refused(
        coordinator.id, lambda uow, me: preferences.ask_to_relax(uow, me, amal.id, now)
    )
    assert error.key == "no_preference"
