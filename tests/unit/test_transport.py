"""The assignment by capacity (`domain.transport`) finds the same optimum as the
copied-row `linear_sum_assignment` it replaces, on random instances, including those where
the first sparse guess is wrong and the duality proof has to add pairs."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import domain.transport as transport
from domain.assignment import assign, copied_rows_assign_matrix, score_matrix
from domain.matching import Weights, free_places
from domain.transport import best_assignment, copied_rows_assignment

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def tiny_first_guess(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep almost nothing at first, so that the proof must add pairs round after round
    (at real sizes the first guess is a few percent of the pairs; here it would be all)."""
    monkeypatch.setattr(transport, "SMALL", 0)
    monkeypatch.setattr(transport, "FIRST_PER_NEWCOMER", 1)
    monkeypatch.setattr(transport, "FIRST_PER_PLACE", 0)
    monkeypatch.setattr(transport, "PER_NEWCOMER", 1)
    monkeypatch.setattr(transport, "PER_PLACE", 0)
    monkeypatch.setattr(transport, "MAX_ROUNDS", 10_000)  # never the fallback here
    yield


def _record_fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that grows each time `best_assignment` falls back to the copied rows."""
    calls: list[str] = []
    original = transport.copied_rows_assignment

    def spy(*args: object) -> object:
        calls.append("fallback")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(transport, "copied_rows_assignment", spy)
    return calls


def _check(
    value: npt.NDArray[np.float64], places: npt.NDArray[np.intp], found: tuple[np.ndarray, ...]
) -> float:
    newcomers, buddies = found
    assert len(set(newcomers.tolist())) == len(newcomers), "a newcomer placed twice"
    for j, used in Counter(buddies.tolist()).items():
        assert used <= places[j], "over capacity"
    assert (value[newcomers, buddies] > 0).all(), "a pair worth nothing proposed"
    return float(value[newcomers, buddies].sum())


# Values on a grid of sevenths of a quarter point, like the scores (many ties, which is
# what makes the proof's prices far from unique), with some pairs forbidden (0).
matrices = st.tuples(st.integers(1, 9), st.integers(1, 6)).flatmap(
    lambda shape: st.tuples(
        hnp.arrays(np.int64, shape, elements=st.integers(-8, 60)),
        hnp.arrays(np.int64, shape[1], elements=st.integers(0, 3)),
    )
)


@PROPERTY
@given(matrices)
def test_same_optimum_as_the_copied_rows(
    tiny_first_guess: None, instance: tuple[np.ndarray, np.ndarray]
) -> None:
    grid, places = instance
    value = np.maximum(grid / 28.0, 0.0)
    ours = _check(value, places, best_assignment(value.copy(), places))
    baseline = _check(value, places, copied_rows_assignment(value.copy(), places))
    assert ours == pytest.approx(baseline, abs=1e-9)


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_same_optimum_on_continuous_values(tiny_first_guess: None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, b = int(rng.integers(1, 12)), int(rng.integers(1, 8))
    value = np.where(rng.random((n, b)) < 0.7, rng.random((n, b)) * 10, 0.0)
    places = rng.integers(0, 4, b)
    ours = _check(value, places, best_assignment(value.copy(), places))
    baseline = _check(value, places, copied_rows_assignment(value.copy(), places))
    assert ours == pytest.approx(baseline, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0, 3, 1_000]))
def test_same_optimum_with_the_ranking_and_forgetting(seed: int, forgetting: int) -> None:
    """Sizes where the float32 ranking chooses the pairs (SMALL off), tie-heavy values as
    in the scores, capacities up to 3 and some buddies without places; the first rounds
    (or all, 1,000) drop pairs far below their prices: the optimum holds, and the proof
    closes without the fallback whenever pairs are kept from some round on (forgetting
    in every round may cycle: then the fallback answers, never a worse assignment)."""
    rng = np.random.default_rng(seed)
    n, b = int(rng.integers(5, 60)), int(rng.integers(3, 25))
    # Scores: a pair part on a coarse grid plus a per-newcomer waiting bonus (by the day).
    pair = rng.integers(-4, 40, (n, b)) / 4.0
    waiting = rng.integers(0, 57, n)[:, None] / 28.0
    value = np.where(rng.random((n, b)) < 0.8, np.maximum(pair + waiting, 0.0), 0.0)
    places = rng.integers(0, 4, b)
    with pytest.MonkeyPatch.context() as patch:
        for name, setting in (
            ("SMALL", 0),
            ("FIRST_PER_NEWCOMER", 2),
            ("FIRST_PER_PLACE", 1),
            ("PER_NEWCOMER", 2),
            ("PER_PLACE", 1),
            ("FORGETTING_ROUNDS", forgetting),
            ("MAX_ROUNDS", 200),
        ):
            patch.setattr(transport, name, setting)
        fallbacks = _record_fallbacks(patch)
        ours = _check(value, places, best_assignment(value.copy(), places))
    if forgetting < 1_000:  # pairs kept from some round on: the proof must close
        assert fallbacks == [], "the proof fell back to the copied rows"
    baseline = _check(value, places, copied_rows_assignment(value.copy(), places))
    assert ours == pytest.approx(baseline, abs=1e-9)


def test_same_optimum_on_people_at_a_size_where_pairs_are_left_out() -> None:
    """Real profiles (the benchmark's generator), large enough that the first guess is
    sparse with the real settings: the proof holds without falling back."""
    from bench.matching import add_exclusions, make_buddies, make_newcomers

    rng = random.Random(7)
    newcomers = make_newcomers(rng, 400, first_id=1)
    buddies = make_buddies(rng, 160, first_id=10_000)
    add_exclusions(rng, newcomers, buddies)
    matrix = score_matrix(newcomers, buddies, Weights(), now=NOW)
    assert len(newcomers) * len(buddies) > transport.SMALL
    with pytest.MonkeyPatch.context() as patch:
        fallbacks = _record_fallbacks(patch)
        ours = assign(newcomers, buddies, Weights(), now=NOW)
    baseline = copied_rows_assign_matrix(matrix)
    assert fallbacks == [], "the proof fell back to the copied rows"
    assert round(sum(p.score.total for p in ours), 2) == round(
        sum(p.score.total for p in baseline), 2
    )
    places = Counter(p.buddy_id for p in ours)
    by_id = {b.id: b for b in buddies}
    assert all(count <= free_places(by_id[b]) for b, count in places.items())
    assert len({p.newcomer_id for p in ours}) == len(ours)


def test_nothing_to_assign() -> None:
    empty = np.zeros((0, 3))
    assert [len(x) for x in best_assignment(empty, np.array([1, 1, 1]))] == [0, 0]
    value = np.ones((2, 2))
    assert [len(x) for x in best_assignment(value, np.array([0, 0]))] == [0, 0]
    assert [len(x) for x in best_assignment(np.zeros((2, 2)), np.array([1, 1]))] == [0, 0]
