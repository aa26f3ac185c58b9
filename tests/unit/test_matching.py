"""Matching: reasons, hard constraints, suggestions, the optimal assignment."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.assignment import (
    assign,
    greedy_assign,
    score_matrix,
)
from domain.matching import (
    Profile,
    Proposal,
    Reason,
    Weights,
    allowed,
    free_places,
    score,
    suggest,
    waiting_order,
)
from domain.municipalities import OTHER

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANDERLECHT, BRUSSEL, ELSENE, MOLENBEEK, UKKEL, EVERE = (
    "21001",
    "21004",
    "21009",
    "21012",
    "21016",
    "21006",
)
W = Weights()


def newcomer(id: int = 1, **fields: object) -> Profile:
    values: dict[str, object] = {
        "languages": frozenset({"ar", "fr"}),
        "municipality": ELSENE,
        "interests": frozenset({"culture"}),
        "availability": frozenset({"weekend"}),
        "waiting_since": NOW,
    }
    values.update(fields)
    return Profile(id=id, **values)  # type: ignore[arg-type]


def buddy(id: int = 100, **fields: object) -> Profile:
    values: dict[str, object] = {
        "languages": frozenset({"nl", "fr", "en"}),
        "municipality": ELSENE,
        "interests": frozenset({"culture"}),
        "availability": frozenset({"weekend"}),
        "gender": "woman",
    }
    values.update(fields)
    return Profile(id=id, **values)  # type: ignore[arg-type]


# --- reasons -----------------------------------------------------------------


def test_reasons_for_a_clear_example() -> None:
    amina = newcomer(
        languages=frozenset({"ar", "fr"}),
        municipality=ELSENE,
        interests=frozenset({"culture", "sport", "dutch_practice"}),
        availability=frozenset({"weekend", "weekday_evening"}),
        gender="woman",
        gender_preference="woman",
        waiting_since=NOW - timedelta(days=14),
    )
    els = buddy(
        languages=frozenset({"nl", "fr", "en"}),
        municipality=ELSENE,
        interests=frozenset({"sport", "culture", "volunteering"}),
        availability=frozenset({"weekend"}),
        gender="woman",
        capacity=2,
    )
    result = score(amina, els, W, now=NOW)
    assert result.reasons == (
        Reason("shared_languages", 3.0, {"languages": "fr"}),
        Reason("dutch_practice", 1.5, {}),
        Reason("same_municipality", 2.0, {"municipality": ELSENE}),
        Reason("common_interests", 2.0, {"interests": "culture, sport", "count": 2}),
        Reason("overlapping_availability", 1.0, {"slots": "weekend", "count": 1}),
        Reason("gender_preference_respected", 0.0, {"gender": "woman"}),
        Reason("waiting_time", 0.5, {"weeks": 2, "days": 14}),
    )
    assert result.total == 10.0


def test_reasons_when_little_fits() -> None:
    tsegay = newcomer(
        languages=frozenset({"ti"}),
        municipality=UKKEL,
        interests=frozenset({"sport"}),
        availability=frozenset({"weekday_day"}),
        waiting_since=None,
    )
    jan = buddy(
        languages=frozenset({"nl", "en"}),
        municipality=ELSENE,
        interests=frozenset({"culture"}),
        availability=frozenset({"weekend"}),
    )
    result = score(tsegay, jan, W, now=NOW)
    assert [(r.key, r.points, r.params) for r in result.reasons] == [
        ("no_common_language", -4.0, {}),
        (
            "neighbouring_municipality",
            1.0,
            {"newcomer_municipality": UKKEL, "buddy_municipality": ELSENE},
        ),
        ("no_overlapping_availability", -2.0, {}),
    ]
    assert result.total == -5.0


def test_dutch_alone_is_a_common_language() -> None:
    result = score(
        newcomer(languages=frozenset({"nl", "ti"})), buddy(languages=frozenset({"nl"})), W
    )
    keys = [r.key for r in result.reasons]
    assert "shared_dutch" in keys
    assert "no_common_language" not in keys
    assert "shared_languages" not in keys


def test_common_interests_are_capped_but_all_listed() -> None:
    kinds = frozenset({"leisure", "culture", "sport", "welfare", "community"})
    result = score(newcomer(interests=kinds), buddy(interests=kinds), W)
    (reason,) = [r for r in result.reasons if r.key == "common_interests"]
    assert reason.points == 3.0
    assert reason.params["count"] == 5


def test_other_and_unknown_places_are_never_the_same_municipality() -> None:
    for place in (OTHER, None, "99999"):
        result = score(newcomer(municipality=place), buddy(municipality=place), W)
        assert not {"same_municipality", "neighbouring_municipality"} & {
            r.key for r in result.reasons
        }


def test_waiting_counts_by_the_day_and_is_capped() -> None:
    def waiting(days: float) -> list[Reason]:
        profile = newcomer(waiting_since=NOW - timedelta(days=days))
        return [r for r in score(profile, buddy(), W, now=NOW).reasons if r.key == "waiting_time"]

    assert waiting(0.9) == []
    assert waiting(1) == [Reason("waiting_time", 0.25 / 7, {"weeks": 0, "days": 1})]
    assert waiting(7) == [Reason("waiting_time", 0.25, {"weeks": 1, "days": 7})]
    # One day more counts: 8 days is worth more than 7 (it was the same in whole weeks).
    assert waiting(8)[0].points > waiting(7)[0].points
    assert waiting(365) == [Reason("waiting_time", 2.0, {"weeks": 52, "days": 365})]
    # A naive datetime is taken as UTC.
    naive = newcomer(waiting_since=(NOW - timedelta(days=21)).replace(tzinfo=None))
    assert score(naive, buddy(), W, now=NOW).reasons[-1].params == {"weeks": 3, "days": 21}


# --- weights -----------------------------------------------------------------


def test_weights_from_settings() -> None:
    weights = Weights.from_dict({"same_municipality": 5, "common_interests_cap": 2.0})
    assert weights.same_municipality == 5.0
    assert weights.common_interests_cap == 2
    assert weights.shared_language == Weights().shared_language
    assert Weights.from_dict(weights.to_dict()) == weights


@pytest.mark.parametrize(
    "settings_",
    [
        {"same_municiplity": 1.0},
        {"same_municipality": "2"},
        {"same_municipality": True},
        {"same_municipality": math.inf},
        {"common_interests_cap": 1.5},
        {"common_interests_cap": -1},
        {"waiting_cap": -1.0},
    ],
)
def test_bad_weights_are_refused(settings_: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Weights.from_dict(settings_)


# --- hard constraints and suggestions ---------------------------------------


def test_allowed_hard_constraints() -> None:
    assert allowed(newcomer(), buddy())
    assert not allowed(newcomer(gender_preference="woman"), buddy(gender="man"))
    assert not allowed(newcomer(gender_preference="woman"), buddy(gender=None))
    assert allowed(newcomer(gender_preference="woman"), buddy(gender="woman"))
    assert allowed(newcomer(gender_preference=None), buddy(gender=None))
    assert not allowed(newcomer(), buddy(capacity=2, active_pairs=2))
    assert allowed(newcomer(), buddy(capacity=2, active_pairs=1))
    assert not allowed(newcomer(excluded=frozenset({100})), buddy(id=100))
    assert not allowed(newcomer(id=1), buddy(excluded=frozenset({1})))
    assert not allowed(newcomer(id=7), buddy(id=7))
    # No common language is not a hard constraint.
    assert allowed(newcomer(languages=frozenset({"ti"})), buddy(languages=frozenset({"nl"})))


def test_suggest_ranks_allowed_buddies_best_first_ties_by_id() -> None:
    person = newcomer(gender_preference="woman")
    buddies = [
        buddy(id=105, municipality=ANDERLECHT),  # far away
        buddy(id=104),  # same as 102
        buddy(id=103, gender="man"),  # not allowed
        buddy(id=102),
        buddy(id=101, municipality=UKKEL),  # neighbour
        buddy(id=106, capacity=1, active_pairs=1),  # full
    ]
    ranked = suggest(person, buddies, W, now=NOW)
    assert [b.id for b, _ in ranked] == [102, 104, 101, 105]
    assert ranked[0][1] == score(person, buddies[3], W, now=NOW)
    assert [b.id for b, _ in suggest(person, buddies, W, limit=2, now=NOW)] == [102, 104]
    assert suggest(person, [], W) == []


def test_waiting_order() -> None:
    people = [
        newcomer(id=3, waiting_since=None),
        newcomer(id=2, waiting_since=NOW - timedelta(days=3)),
        newcomer(id=1, waiting_since=NOW - timedelta(days=3)),
        newcomer(id=4, waiting_since=NOW - timedelta(days=30)),
    ]
    assert [p.id for p in waiting_order(people)] == [4, 1, 2, 3]


# --- assignment --------------------------------------------------------------


def test_assign_beats_first_come_first_served() -> None:
    # Lina waited longest and fits both buddies; Omar only speaks Arabic, like
    # Karim. First come, first served gives Lina Karim and leaves Omar with a
    # buddy he cannot talk to; the optimum gives Omar Karim.
    lina = newcomer(id=1, languages=frozenset({"fr", "ar"}), waiting_since=NOW - timedelta(60))
    omar = newcomer(id=2, languages=frozenset({"ar"}), waiting_since=NOW - timedelta(10))
    karim = buddy(
        id=100, languages=frozenset({"nl", "ar", "fr"}), interests=frozenset({"culture", "sport"})
    )
    sofie = buddy(id=101, languages=frozenset({"nl", "fr"}))
    optimal = assign([lina, omar], [karim, sofie], W, now=NOW)
    assert {(p.newcomer_id, p.buddy_id) for p in optimal} == {(1, 101), (2, 100)}
    greedy = greedy_assign([lina, omar], [karim, sofie], W, now=NOW)
    assert [(p.newcomer_id, p.buddy_id) for p in greedy] == [(1, 100), (2, 101)]
    assert _total(optimal) > _total(greedy)
    # Proposals carry the explained score, in waiting order.
    assert [p.newcomer_id for p in optimal] == [1, 2]
    assert optimal[1].score == score(omar, karim, W, now=NOW)


def test_assign_fills_capacity_and_proposes_only_positive_scores() -> None:
    newcomers = [newcomer(id=k) for k in range(1, 5)]
    newcomers.append(newcomer(id=5, languages=frozenset({"ti"}), availability=frozenset()))
    buddies = [buddy(id=100, capacity=3, active_pairs=1), buddy(id=101, capacity=1)]
    proposals = assign(newcomers, buddies, W, now=NOW)
    per_buddy = Counter(p.buddy_id for p in proposals)
    assert per_buddy == {100: 2, 101: 1}
    assert 5 not in {p.newcomer_id for p in proposals}  # score -4 -2 + 2 + 1 < 0
    assert all(p.score.total > 0 for p in proposals)


def test_assign_edge_cases() -> None:
    assert assign([], [buddy()], W) == []
    assert assign([newcomer()], [], W) == []
    assert assign([newcomer()], [buddy(active_pairs=1)], W) == []
    assert greedy_assign([], [], W) == []
    with pytest.raises(ValueError, match="duplicate"):
        assign([newcomer(id=1), newcomer(id=1)], [buddy()], W)


def test_someone_on_both_lists_is_not_matched_with_themself() -> None:
    both = newcomer(id=7)
    proposals = assign([both], [buddy(id=7), buddy(id=8)], W, now=NOW)
    assert [(p.newcomer_id, p.buddy_id) for p in proposals] == [(7, 8)]


# --- property-based ----------------------------------------------------------

LANGUAGES = ["nl", "fr", "ar", "en", "ti"]
PLACES = [ANDERLECHT, BRUSSEL, ELSENE, MOLENBEEK, UKKEL, EVERE, OTHER, None]
INTERESTS = ["culture", "sport", "dutch_practice", "leisure", "community"]
SLOTS = ["weekday_day", "weekday_evening", "weekend"]


def _subsets(items: list[str], max_size: int | None = None) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=max_size or len(items))


@st.composite
def profiles(draw: st.DrawFn, id: int, role: str, others: Sequence[int]) -> Profile:
    capacity = draw(st.integers(1, 3))
    return Profile(
        id=id,
        languages=draw(_subsets(LANGUAGES, 3)),
        municipality=draw(st.sampled_from(PLACES)),
        interests=draw(_subsets(INTERESTS)),
        availability=draw(_subsets(SLOTS)),
        gender=draw(st.sampled_from(["woman", "man", "other", None])),
        gender_preference=(
            draw(st.sampled_from([None, None, "woman", "man"])) if role == "newcomer" else None
        ),
        capacity=capacity,
        active_pairs=draw(st.integers(0, capacity)) if role == "buddy" else 0,
        waiting_since=(
            draw(st.none() | st.integers(0, 90).map(lambda d: NOW - timedelta(days=d)))
            if role == "newcomer"
            else None
        ),
        excluded=draw(st.frozensets(st.sampled_from(others), max_size=2))
        if others
        else frozenset(),
    )


@st.composite
def instances(
    draw: st.DrawFn, max_newcomers: int = 5, max_buddies: int = 4
) -> tuple[list[Profile], list[Profile]]:
    n = draw(st.integers(0, max_newcomers))
    m = draw(st.integers(0, max_buddies))
    newcomer_ids = list(range(1, n + 1))
    # Buddy ids sometimes coincide with newcomer ids: the self-pair rule.
    first_buddy = draw(st.sampled_from([n, 100]))
    buddy_ids = list(range(first_buddy, first_buddy + m))
    newcomers = [draw(profiles(i, "newcomer", buddy_ids)) for i in newcomer_ids]
    buddies = [draw(profiles(j, "buddy", newcomer_ids)) for j in buddy_ids]
    return newcomers, buddies


finite = st.floats(-6, 6, allow_nan=False, allow_infinity=False)
weights_strategy = st.builds(
    Weights,
    shared_language=finite,
    shared_dutch=finite,
    no_common_language=finite,
    dutch_practice=finite,
    same_municipality=finite,
    neighbouring_municipality=finite,
    common_interest=finite,
    common_interests_cap=st.integers(0, 4),
    availability_slot=finite,
    no_common_availability=finite,
    gender_preference_respected=finite,
    waiting_per_week=finite,
    waiting_cap=st.floats(0, 6),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _total(proposals: Sequence[Proposal]) -> float:
    return sum(p.score.total for p in proposals)


def _check_valid(
    proposals: Sequence[Proposal], newcomers: Sequence[Profile], buddies: Sequence[Profile]
) -> None:
    by_id_newcomer = {p.id: p for p in newcomers}
    by_id_buddy = {b.id: b for b in buddies}
    matched = [p.newcomer_id for p in proposals]
    assert len(matched) == len(set(matched)), "a newcomer matched twice"
    for p in proposals:
        assert allowed(by_id_newcomer[p.newcomer_id], by_id_buddy[p.buddy_id])
        assert p.score.total > 0
    for buddy_id, count in Counter(p.buddy_id for p in proposals).items():
        assert count <= free_places(by_id_buddy[buddy_id]), "over capacity"


def _brute_force_best(newcomers: Sequence[Profile], buddies: Sequence[Profile]) -> float:
    """The best total over every valid matching, unmatched allowed."""
    options = [[None, *(j for j, b in enumerate(buddies) if allowed(p, b))] for p in newcomers]
    scores = {
        (i, j): score(p, b, W, now=NOW).total
        for i, p in enumerate(newcomers)
        for j, b in enumerate(buddies)
    }
    best = 0.0
    for choice in itertools.product(*options):
        used = Counter(j for j in choice if j is not None)
        if any(used[j] > free_places(buddies[j]) for j in used):
            continue
        best = max(best, sum(scores[i, j] for i, j in enumerate(choice) if j is not None))
    return best


@FAST
@given(instances())
def test_assign_is_valid_and_optimal(instance: tuple[list[Profile], list[Profile]]) -> None:
    newcomers, buddies = instance
    proposals = assign(newcomers, buddies, W, now=NOW)
    _check_valid(proposals, newcomers, buddies)
    assert _total(proposals) == pytest.approx(_brute_force_best(newcomers, buddies), abs=1e-9)


@FAST
@given(instances())
def test_greedy_is_valid_and_never_better(instance: tuple[list[Profile], list[Profile]]) -> None:
    newcomers, buddies = instance
    greedy = greedy_assign(newcomers, buddies, W, now=NOW)
    _check_valid(greedy, newcomers, buddies)
    assert _total(greedy) <= _total(assign(newcomers, buddies, W, now=NOW)) + 1e-9


@FAST
@given(instances(max_newcomers=2, max_buddies=6), st.integers(0, 8))
def test_suggest_respects_hard_constraints(
    instance: tuple[list[Profile], list[Profile]], limit: int
) -> None:
    newcomers, buddies = instance
    for person in newcomers:
        ranked = suggest(person, buddies, W, limit=limit, now=NOW)
        assert all(allowed(person, b) for b, _ in ranked)
        assert len(ranked) == min(limit, sum(allowed(person, b) for b in buddies))
        keys = [(-s.total, b.id) for b, s in ranked]
        assert keys == sorted(keys)


@settings(max_examples=100, deadline=None)
@given(instances(max_newcomers=6, max_buddies=6), weights_strategy)
def test_vectorised_matrix_equals_scalar_score_exactly(
    instance: tuple[list[Profile], list[Profile]], weights: Weights
) -> None:
    newcomers, buddies = instance
    matrix = score_matrix(newcomers, buddies, weights, now=NOW)
    assert matrix.scores.shape == (len(newcomers), len(buddies))
    for i, person in enumerate(matrix.newcomers):
        for j, other in enumerate(matrix.buddies):
            # Exact equality on purpose: the explanation must show the very
            # number the assignment used.
            assert matrix.scores[i, j] == score(person, other, weights, now=NOW).total
            assert matrix.allowed[i, j] == allowed(person, other)


def test_vectorised_matrix_on_a_larger_random_instance() -> None:
    rng = np.random.default_rng(7)
    languages = ["nl", "fr", "en", "ar", "tr", "uk", "ro", "es", "pl", "fa", "ti", "ru"]
    kinds = ["leisure", "culture", "sport", "welfare", "volunteering", "dutch_practice"]

    def pick(items: list[str], most: int) -> frozenset[str]:
        size = int(rng.integers(0, most + 1))
        return frozenset(rng.choice(items, size=size, replace=False).tolist())

    def person(id: int) -> Profile:
        return Profile(
            id=id,
            languages=pick(languages, 4),
            municipality=[*PLACES, "21015", "21019"][int(rng.integers(0, 10))],
            interests=pick(kinds, 4),
            availability=pick(SLOTS, 3),
            gender=["woman", "man", None][int(rng.integers(0, 3))],
            gender_preference=[None, None, "woman"][int(rng.integers(0, 3))],
            capacity=int(rng.integers(1, 4)),
            waiting_since=NOW - timedelta(days=int(rng.integers(0, 200))),
        )

    newcomers = [person(k) for k in range(60)]
    buddies = [person(1000 + k) for k in range(40)]
    weights = Weights(shared_language=2.7, common_interest=1 / 3, waiting_per_week=0.1)
    matrix = score_matrix(newcomers, buddies, weights, now=NOW)
    expected = np.array(
        [[score(p, b, weights, now=NOW).total for b in matrix.buddies] for p in matrix.newcomers]
    )
    assert np.array_equal(matrix.scores, expected)


def test_vectorised_matrix_with_a_vocabulary_wider_than_64_bits() -> None:
    # Interests are free strings to this module; past 64 distinct ones the
    # bitmasks take several words.
    kinds = [f"kind{k}" for k in range(150)]
    newcomers = [
        newcomer(id=k, interests=frozenset(kinds[k::7]), languages=frozenset(kinds[k::11]))
        for k in range(7)
    ]
    buddies = [
        buddy(id=100 + k, interests=frozenset(kinds[k::5]), languages=frozenset(kinds[k::3]))
        for k in range(5)
    ]
    weights = Weights(common_interests_cap=40, common_interest=0.3)
    matrix = score_matrix(newcomers, buddies, weights, now=NOW)
    for i, person in enumerate(matrix.newcomers):
        for j, other in enumerate(matrix.buddies):
            assert matrix.scores[i, j] == score(person, other, weights, now=NOW).total
