"""The optimal assignment of the whole waiting list (see `domain.matching` for how a pair
is judged).

The score matrix is built with numpy and agrees to the last bit with the scalar
`domain.matching.score` used for explanations; `domain.transport` finds the assignment with
each buddy's free places as a capacity (SciPy, imported only when an assignment runs).
`greedy_assign` is the first-come baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.matching import (
    DUTCH,
    DUTCH_PRACTICE,
    BoolMatrix,
    FloatMatrix,
    Profile,
    Proposal,
    Weights,
    availability_points,
    days_waiting,
    free_places,
    interest_points,
    language_points,
    moment_or_now,
    score,
    waiting_order,
    waiting_points,
)
from domain.municipalities import all_municipalities


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Scores and hard constraints of every newcomer-buddy pair, as arrays.

    Row ``i`` is ``newcomers[i]`` (in waiting order), column ``j`` is
    ``buddies[j]`` (by id); ``scores[i, j]`` equals
    ``score(newcomers[i], buddies[j], weights, now=now).total`` exactly, and
    ``allowed[i, j]`` equals ``allowed(newcomers[i], buddies[j])``. Both are
    transposed views of buddy-major arrays, the layout the assignment needs.
    """

    newcomers: tuple[Profile, ...]
    buddies: tuple[Profile, ...]
    scores: FloatMatrix
    allowed: BoolMatrix
    weights: Weights
    now: datetime


def _masks(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> npt.NDArray[np.uint64]:
    # One bit per item, in 64-bit words (one word unless the vocabulary is big).
    words = max(1, -(-len(vocabulary) // 64))
    masks = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            bit = vocabulary.get(item)
            if bit is not None:
                masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
    return masks


def _narrowest_unsigned(bits: int) -> type[np.unsignedinteger[Any]]:
    for candidate in (np.uint8, np.uint16, np.uint32):
        if bits <= 8 * np.dtype(candidate).itemsize:
            return candidate
    return np.uint64


def _common_counts(
    buddy_sets: Sequence[frozenset[str]],
    newcomer_sets: Sequence[frozenset[str]],
    ignore: str | None = None,
) -> npt.NDArray[np.unsignedinteger[Any]]:
    """How many items each buddy (row) and newcomer (column) have in common."""
    # Only items present on both sides can be common: a small vocabulary, so
    # usually a single word per person and the narrowest integer type.
    on_buddies: set[str] = set().union(*buddy_sets)
    on_newcomers: set[str] = set().union(*newcomer_sets)
    items = sorted((on_buddies & on_newcomers) - {ignore})
    vocabulary = {item: bit for bit, item in enumerate(items)}
    buddy_masks = _masks(buddy_sets, vocabulary)
    newcomer_masks = _masks(newcomer_sets, vocabulary)
    width = _narrowest_unsigned(len(items))
    counts: npt.NDArray[np.unsignedinteger[Any]] | None = None
    for word in range(buddy_masks.shape[1]):
        common = np.bitwise_count(
            np.bitwise_and(
                buddy_masks[:, word, None].astype(width),
                newcomer_masks[None, :, word].astype(width),
            )
        )
        counts = common if counts is None else counts + common.astype(np.uint16)
    assert counts is not None
    return counts


def _municipality_points(weights: Weights) -> tuple[dict[str, int], FloatMatrix]:
    """Index per NIS code, and points[newcomer place, buddy place]."""
    # Index 0..18 are the municipalities; the last index stands for "other",
    # None and unknown codes alike: never the same place, never a neighbour.
    municipalities = all_municipalities()
    index = {m.nis: i for i, m in enumerate(municipalities)}
    size = len(municipalities) + 1
    points = np.zeros((size, size), dtype=np.float64)
    for m in municipalities:
        points[index[m.nis], index[m.nis]] = weights.same_municipality
        for other in m.neighbours:
            points[index[m.nis], index[other]] = weights.neighbouring_municipality
    return index, points


def score_matrix(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> ScoreMatrix:
    """Score every newcomer against every buddy at once (vectorised with numpy).

    Newcomers are put in waiting order and buddies in id order, so that equal
    scores are resolved the same way every time.
    """
    moment = moment_or_now(now)
    rows = tuple(waiting_order(newcomers))
    columns = tuple(sorted(buddies, key=lambda b: b.id))
    for group, label in ((rows, "newcomer"), (columns, "buddy")):
        if len({p.id for p in group}) != len(group):
            raise ValueError(f"duplicate {label} ids")

    # Apart from waiting time, a pair's score depends only on a few small
    # numbers: which language terms apply (8 cases), both municipalities
    # (20 x 20), common interests (up to the cap), common slots and whether a
    # gender preference was met. So: compute the points of every combination
    # once, in the order `score` adds them (the floats then agree exactly),
    # give every pair the index of its combination, and gather. Arrays are
    # buddy-major (buddy, newcomer): the layout the assignment needs.
    new_dutch = np.array([DUTCH in p.languages for p in rows], dtype=bool)
    buddy_dutch = np.array([DUTCH in b.languages for b in columns], dtype=bool)
    wants_practice = np.array([DUTCH_PRACTICE in p.interests for p in rows], dtype=bool)
    shared = (
        _common_counts([b.languages for b in columns], [p.languages for p in rows], ignore=DUTCH)
        > 0
    )
    index = shared.astype(np.int32)
    del shared
    np.add(index, 2, out=index, where=np.logical_and.outer(buddy_dutch, new_dutch))
    np.add(index, 4, out=index, where=np.logical_and.outer(buddy_dutch, wants_practice))
    language_table = np.array(
        [
            language_points(bool(code & 1), bool(code & 2), bool(code & 4), weights)
            for code in range(8)
        ]
    )

    place_index, place_points = _municipality_points(weights)
    elsewhere = len(place_points) - 1
    new_place = np.array([place_index.get(p.municipality or "", elsewhere) for p in rows])
    buddy_place = np.array([place_index.get(b.municipality or "", elsewhere) for b in columns])
    index *= place_points.size
    index += (new_place * len(place_points))[None, :].astype(np.int32)
    index += buddy_place[:, None].astype(np.int32)

    # Interest points only depend on the count up to the cap.
    interests = _common_counts([b.interests for b in columns], [p.interests for p in rows])
    most = min(weights.common_interests_cap, int(interests.max(initial=0)))
    np.minimum(interests, most, out=interests)
    interest_table = np.array([interest_points(k, weights) for k in range(most + 1)])
    index *= len(interest_table)
    index += interests
    del interests

    slots = _common_counts([b.availability for b in columns], [p.availability for p in rows])
    slot_points = np.array(
        [availability_points(k, weights) for k in range(int(slots.max(initial=0)) + 1)]
    )
    index *= len(slot_points)
    index += slots
    del slots

    # Gender: small integer codes; -1 = no preference, 0 = buddy did not say.
    gender_codes: dict[str, int] = {}
    for value in [b.gender for b in columns] + [p.gender_preference for p in rows]:
        if value is not None:
            gender_codes.setdefault(value, len(gender_codes) + 1)
    preference = np.array(
        [-1 if p.gender_preference is None else gender_codes[p.gender_preference] for p in rows],
        dtype=np.int16,
    )
    gender = np.array(
        [0 if b.gender is None else gender_codes[b.gender] for b in columns], dtype=np.int16
    )
    respected = gender[:, None] == preference[None, :]
    gender_points = np.array([0.0, weights.gender_preference_respected])
    index *= 2
    index += respected

    # Every combination's points, summed term by term in `score`'s order.
    table = language_table[:, None, None, None, None] + place_points.reshape(1, -1, 1, 1, 1)
    table = table + interest_table[None, None, :, None, None]
    table = table + slot_points[None, None, None, :, None]
    table = table + gender_points[None, None, None, None, :]
    by_buddy: FloatMatrix = table.ravel()[index]
    del index
    waiting = np.array(
        [waiting_points(days_waiting(p, moment), weights) for p in rows], dtype=np.float64
    )
    by_buddy += waiting[None, :]

    # Hard constraints.
    has_room = np.array([free_places(b) > 0 for b in columns], dtype=bool)
    ok: BoolMatrix = respected | (preference == -1)[None, :]
    ok &= has_room[:, None]
    # Exclusions and self-pairs are rare: set them one by one.
    row_of = {p.id: i for i, p in enumerate(rows)}
    column_of = {b.id: j for j, b in enumerate(columns)}
    for i, newcomer in enumerate(rows):
        for other in newcomer.excluded:
            if other in column_of:
                ok[column_of[other], i] = False
        if newcomer.id in column_of:
            ok[column_of[newcomer.id], i] = False
    for j, buddy in enumerate(columns):
        for other in buddy.excluded:
            if other in row_of:
                ok[j, row_of[other]] = False

    return ScoreMatrix(
        newcomers=rows,
        buddies=columns,
        scores=by_buddy.T,
        allowed=ok.T,
        weights=weights,
        now=moment,
    )


def _proposal(matrix: ScoreMatrix, i: int, j: int) -> Proposal:
    newcomer, buddy = matrix.newcomers[i], matrix.buddies[j]
    explained = score(newcomer, buddy, matrix.weights, now=matrix.now)
    return Proposal(newcomer_id=newcomer.id, buddy_id=buddy.id, score=explained)


def _values(matrix: ScoreMatrix) -> tuple[FloatMatrix, npt.NDArray[np.intp]]:
    """What each pair is worth to the assignment (newcomers x buddies, C-contiguous), and
    each buddy's free places. Forbidden pairs and pairs worth nothing become 0. This does
    not change the optimum: a pair worth 0 adds nothing, and the best assignment never
    needs one worth less."""
    places = np.array([free_places(b) for b in matrix.buddies], dtype=np.intp)
    value = np.array(matrix.scores, dtype=np.float64, order="C")  # a copy, one per newcomer
    np.copyto(value, 0.0, where=~matrix.allowed)
    np.maximum(value, 0.0, out=value)
    return value, places


def _proposals(
    matrix: ScoreMatrix, newcomer_index: npt.NDArray[np.intp], buddy_index: npt.NDArray[np.intp]
) -> list[Proposal]:
    keep = matrix.allowed[newcomer_index, buddy_index] & (
        matrix.scores[newcomer_index, buddy_index] > 0
    )
    pairs = sorted(zip(newcomer_index[keep].tolist(), buddy_index[keep].tolist(), strict=True))
    return [_proposal(matrix, i, j) for i, j in pairs]


def assign_matrix(matrix: ScoreMatrix) -> list[Proposal]:
    """The optimal assignment for an already built `ScoreMatrix` (see `assign`): buddy
    places as capacities, solved and proved optimal by `domain.transport`."""
    from domain.transport import best_assignment

    value, places = _values(matrix)
    newcomer_index, buddy_index = best_assignment(value, places)
    del value
    return _proposals(matrix, newcomer_index, buddy_index)


def copied_rows_assign_matrix(matrix: ScoreMatrix) -> list[Proposal]:
    """The same optimum the way it was found before: `linear_sum_assignment` with one
    copied row per free place (the benchmark's and the tests' baseline)."""
    from domain.transport import copied_rows_assignment

    value, places = _values(matrix)
    newcomer_index, buddy_index = copied_rows_assignment(value, places)
    del value
    return _proposals(matrix, newcomer_index, buddy_index)


def assign(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> list[Proposal]:
    """The optimal assignment of the whole waiting list: maximal total score.

    A buddy with several free places takes up to that many newcomers; only
    allowed pairs with a positive score are proposed; each newcomer gets at
    most one buddy. Proposals come in waiting order (longest waiting first).
    """
    return assign_matrix(score_matrix(newcomers, buddies, weights, now=now))


def greedy_assign_matrix(matrix: ScoreMatrix) -> list[Proposal]:
    """The first-come-first-served baseline for an already built `ScoreMatrix`."""
    places = np.array([free_places(b) for b in matrix.buddies], dtype=np.intp)
    scores = np.ascontiguousarray(matrix.scores)  # one row per newcomer
    usable = np.ascontiguousarray(matrix.allowed) & (scores > 0)
    proposals = []
    for i in range(len(matrix.newcomers)):
        candidates = usable[i] & (places > 0)
        if not candidates.any():
            continue
        # argmax takes the first of equal scores: the lowest buddy id.
        j = int(np.argmax(np.where(candidates, scores[i], -np.inf)))
        places[j] -= 1
        proposals.append(_proposal(matrix, i, j))
    return proposals


def greedy_assign(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> list[Proposal]:
    """Baseline: first come, first served, as a coordinator would do by hand.

    Newcomers in waiting order each take the best-scoring allowed buddy who
    still has a free place (ties: lowest buddy id), if that score is positive.
    Same constraints and scores as `assign`, but no look-ahead.
    """
    return greedy_assign_matrix(score_matrix(newcomers, buddies, weights, now=now))
