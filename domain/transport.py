"""The best assignment of newcomers to buddies with several free places: exact, with buddy
capacities as capacities, not as copied rows.

The problem is a transportation problem: each newcomer takes at most one place, buddy
``j`` offers ``places[j]``, and the total value of the chosen pairs is maximal. Copying a
buddy's row once per free place (what `linear_sum_assignment` needs) makes its augmenting
paths long: 5,000 newcomers and 2,000 buddies took 4-5 s. Here:

1. Only a few promising pairs are kept: each newcomer's best buddies and each buddy's
   best newcomers (a sparse problem, about 1% of all pairs).
2. That sparse problem is solved exactly (`scipy.sparse.csgraph.
   min_weight_full_bipartite_matching`: one row per newcomer, one column per free place
   but over the kept pairs only, plus a "left without a buddy" column per newcomer, so a
   full matching always exists).
3. Its optimality is *proved for the whole problem* by linear-programming duality: the
   dual prices ``u`` (newcomers) and ``v`` (buddies) of the sparse optimum are computed
   as shortest-path distances in its residual graph (Bellman-Ford, vectorised), then
   every pair of the full matrix is checked in float64: ``value[i, j] <= u[i] + v[j]``.
   When that holds everywhere, the sparse optimum is optimal for the full problem (weak
   duality: no assignment can be worth more than ``sum(u) + sum(places * v)``, which it
   reaches). Otherwise the prices say where to look: the pairs that break the proof and
   each newcomer's and each buddy's best pairs *at these prices* are added (pairs far
   below their prices are dropped in the first rounds, whose prices are rough), and
   step 2 runs again. At 5,000 x 2,000 this closes in 3-5 rounds of 40k-70k pairs.

Which pairs are tried is ranked in float32 (one copy by newcomer, one transposed, by
buddy); the solves and the proof only ever use the float64 values.

If the proof does not close within a few rounds (it always has on realistic data), the
copied-row `linear_sum_assignment` answers instead: never a worse assignment, only slower.
Everything here is numpy and SciPy, imported by the matching that runs, not at bot start.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]

# A pair breaks the proof when it beats its prices by more than float noise.
TOLERANCE = 1e-9
SETTLED = 1e-12  # shortest distances that move less than this per pass have settled
FIRST_PER_NEWCOMER = 3  # each newcomer's best buddies kept at first
FIRST_PER_PLACE = 2  # each buddy's best newcomers kept at first, per free place
PER_NEWCOMER = 6  # after each round, each newcomer's best pairs at the new prices
PER_PLACE = 3  # and each buddy's, per free place
FAR = 1 / 16  # pairs below their prices by more than this share of the best value...
FORGETTING_ROUNDS = 3  # ...are dropped in the first rounds, whose prices are rough
MAX_ROUNDS = 12
BLOCK = 256  # lines checked or ranked at once (a few MB: stays in cache)
SMALL = 40_000  # below this many cells the whole matrix is the sparse problem


def best_assignment(value: FloatMatrix, places: npt.ArrayLike) -> tuple[Indices, Indices]:
    """The assignment of maximal total value: (newcomer indices, buddy indices), sorted by
    newcomer.

    ``value`` is newcomers x buddies (float64, best C-contiguous: it is not copied); a
    cell worth 0 or less is never chosen, so a forbidden pair must be given 0.
    ``places[j]`` is how many newcomers buddy ``j`` may take.
    """
    places = np.asarray(places, dtype=np.intp)
    n, b = value.shape
    best = float(value.max(initial=0.0))
    if n == 0 or b == 0 or not (places > 0).any() or not best > 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    if n * b <= SMALL:
        rows, columns = np.nonzero((value > 0) & (places > 0)[None, :])
        pairs = rows.astype(np.intp), columns.astype(np.intp)
        ranking = None
    else:
        ranking = _Ranking(value, places)
        pairs = ranking.first_pairs()
    far = FAR * best
    for round_ in range(MAX_ROUNDS):
        chosen = _solve_sparse(value, places, *pairs)
        prices = _dual_prices(value, places, *pairs, *chosen)
        if prices is None:
            break
        u, v = prices
        check = _check(value, places, u, v, ranking, far)
        if check is None:
            order = np.argsort(chosen[0], kind="stable")
            return chosen[0][order], chosen[1][order]
        if round_ < FORGETTING_ROUNDS:
            pairs = _near(value, u, v, pairs, far)
        pairs = _union(b, pairs, chosen, check)
    return copied_rows_assignment(value, places)


class _Ranking:
    """Float32 copies of the values, by newcomer and by buddy, to choose which pairs to
    try. Only the choice depends on them, never the optimum or its proof (float64), so
    single precision and a transposed copy (80 MB in all at 5,000 x 2,000) are fine:
    ranking a buddy's newcomers then reads contiguous memory. Pairs that are never
    usable (worth 0 or less, or a buddy without places) are -inf: never ranked first."""

    def __init__(self, value: FloatMatrix, places: Indices) -> None:
        n, b = value.shape
        self.places = places
        self.by_newcomer = value.astype(np.float32)
        self.by_newcomer[self.by_newcomer <= 0] = -np.inf
        self.by_newcomer[:, places <= 0] = -np.inf
        self.by_buddy = np.empty((b, n), dtype=np.float32)
        for start in range(0, n, 2 * BLOCK):  # by blocks: a whole transposition thrashes
            stop = start + 2 * BLOCK
            self.by_buddy[:, start:stop] = self.by_newcomer[start:stop].T

    def first_pairs(self) -> tuple[Indices, Indices]:
        """Each newcomer's best buddies and each buddy's best newcomers, by value."""
        n, b = self.by_newcomer.shape
        return _union(
            b,
            self.best_buddies(np.zeros(b, np.float32), FIRST_PER_NEWCOMER, -np.inf),
            self.best_newcomers(np.zeros(n, np.float32), FIRST_PER_PLACE, -np.inf),
        )

    def best_buddies(
        self, v: npt.NDArray[np.float32], k: int, floor: float
    ) -> tuple[Indices, Indices]:
        """Each newcomer's `k` best usable buddies by value - v, if above `floor`."""
        found_rows, found_columns = [], []
        for start in range(0, self.by_newcomer.shape[0], BLOCK):
            gain = self.by_newcomer[start : start + BLOCK] - v
            rows, columns = _best_in_rows(gain, k, floor)
            found_rows.append(rows + start)
            found_columns.append(columns)
        return np.concatenate(found_rows), np.concatenate(found_columns)

    def best_newcomers(
        self, u: npt.NDArray[np.float32], per_place: int, floor: float
    ) -> tuple[Indices, Indices]:
        """Each buddy's `per_place` x places best usable newcomers by value - u, if above
        `floor`."""
        found_rows, found_columns = [], []
        for count in np.unique(self.places[self.places > 0]):
            buddies = np.flatnonzero(self.places == count)
            for start in range(0, len(buddies), BLOCK):
                block = buddies[start : start + BLOCK]
                gain = self.by_buddy[block] - u
                lines, newcomers = _best_in_rows(gain, int(per_place * count), floor)
                found_rows.append(newcomers)
                found_columns.append(block[lines])
        return np.concatenate(found_rows), np.concatenate(found_columns)


def _best_in_rows(
    gain: npt.NDArray[np.float32], k: int, floor: float | npt.NDArray[np.float32]
) -> tuple[Indices, Indices]:
    """The `k` highest cells of each row of `gain` that are above `floor`: (row, column)."""
    length = gain.shape[1]
    k = min(k, length)
    if k <= 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    best = np.argpartition(gain, length - k, axis=1)[:, length - k :]
    keep = np.take_along_axis(gain, best, axis=1) > floor
    rows = np.broadcast_to(np.arange(gain.shape[0], dtype=np.intp)[:, None], best.shape)
    return rows[keep], best[keep].astype(np.intp)


def _check(
    value: FloatMatrix,
    places: Indices,
    u: FloatMatrix,
    v: FloatMatrix,
    ranking: _Ranking | None,
    far: float,
) -> tuple[Indices, Indices] | None:
    """The proof, in float64 over every pair: None when no usable pair is worth more than
    its prices u[i] + v[j]. Otherwise the pairs to try next: every newcomer's pair that
    beats its prices most, and (when ranking) each newcomer's and each buddy's best
    pairs at these prices, to reach the optimum in few rounds."""
    n, b = value.shape
    # A pair worth 0 or less is never usable and, prices being >= 0 (up to float noise far
    # below TOLERANCE, see `_dual_prices`), never beats them: no mask needed. A buddy
    # without places is never usable: an infinite price.
    open_price = np.where(places > 0, v, np.inf)
    found_rows, found_columns = [], []
    buffer = np.empty((min(BLOCK, n), b))
    for start in range(0, n, BLOCK):
        part = value[start : start + BLOCK]
        gain = buffer[: len(part)]
        np.subtract(part, u[start : start + BLOCK, None], out=gain)
        gain -= open_price
        broken = np.flatnonzero(gain.max(axis=1) > TOLERANCE)
        found_rows.append(start + broken)  # with the pair that beats its prices most
        found_columns.append(gain[broken].argmax(axis=1))
    rows = np.concatenate(found_rows)
    if len(rows) == 0:
        return None
    columns = np.concatenate(found_columns).astype(np.intp)
    if ranking is None:
        return rows, columns
    # Ranked in float32: which pairs are tried, not whether the proof holds.
    more_rows, more_columns = ranking.best_buddies(v.astype(np.float32), PER_NEWCOMER, -far)
    newcomers, buddies = ranking.best_newcomers(u.astype(np.float32), PER_PLACE, -np.inf)
    keep = value[newcomers, buddies] - u[newcomers] - v[buddies] > -far
    return (
        np.concatenate([rows, more_rows, newcomers[keep]]),
        np.concatenate([columns, more_columns, buddies[keep]]),
    )


def _near(
    value: FloatMatrix, u: FloatMatrix, v: FloatMatrix, pairs: tuple[Indices, Indices], far: float
) -> tuple[Indices, Indices]:
    """The kept pairs not far below their prices: the first rounds' rough prices leave
    many pairs that no later round needs, and each costs the sparse solver time."""
    rows, columns = pairs
    keep = value[rows, columns] - u[rows] - v[columns] > -far
    return rows[keep], columns[keep]


def _union(
    b: int, pairs: tuple[Indices, Indices], *more: tuple[Indices, Indices]
) -> tuple[Indices, Indices]:
    """The distinct pairs among all given (row, column) lists."""
    rows = np.concatenate([pairs[0], *(m[0] for m in more)])
    columns = np.concatenate([pairs[1], *(m[1] for m in more)])
    keys = np.unique(rows * b + columns)
    return keys // b, keys % b


def _solve_sparse(
    value: FloatMatrix, places: Indices, newcomers: Indices, buddies: Indices
) -> tuple[Indices, Indices]:
    """The exact optimum over the kept pairs: one row per newcomer, one column per free
    place and one "left without a buddy" column per newcomer (so a full matching exists).
    Rows are newcomers rather than places: then a buddy's places are identical columns,
    which the solver fills one after the other, instead of identical rows that each
    search the same paths again (about 1.5x faster here)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = value.shape[0]
    slots = int(places.sum())
    first_slot = np.concatenate([[0], np.cumsum(places)[:-1]]).astype(np.intp)
    worth = value[newcomers, buddies]
    # Costs to minimise, all positive (an explicit zero would be no edge): every newcomer
    # is matched exactly once, so the constant `ceiling` does not change which one wins.
    ceiling = float(worth.max(initial=0.0)) + 1.0
    rows, columns, costs = [], [], []
    for place in range(int(places.max())):
        has = places[buddies] > place
        rows.append(newcomers[has])
        columns.append(first_slot[buddies[has]] + place)
        costs.append(ceiling - worth[has])
    rows.append(np.arange(n, dtype=np.intp))
    columns.append(slots + np.arange(n, dtype=np.intp))
    costs.append(np.full(n, ceiling))
    graph = csr_matrix(
        (np.concatenate(costs), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n, slots + n),
    )
    chosen_newcomers, chosen = min_weight_full_bipartite_matching(graph)
    real = chosen < slots
    slot_buddy = np.repeat(np.arange(len(places), dtype=np.intp), places)
    return chosen_newcomers[real].astype(np.intp), slot_buddy[chosen[real]]


def _dual_prices(
    value: FloatMatrix,
    places: Indices,
    newcomers: Indices,
    buddies: Indices,
    chosen_newcomers: Indices,
    chosen_buddies: Indices,
) -> tuple[FloatMatrix, FloatMatrix] | None:
    """Dual prices (u per newcomer, v per buddy) that prove the sparse optimum: u, v >= 0,
    u[i] + v[j] >= value[i, j] on every kept pair, equal on chosen pairs, u = 0 for an
    unassigned newcomer and v = 0 for a buddy with a place left. These are difference
    constraints on p = u and q = -v (an edge a -> b of weight w says x_b <= x_a + w):
    distances from a reference node give their highest solution, minus distances to it
    their lowest. None when they do not settle (a float rounding cycle): the caller
    falls back."""
    n, b = value.shape
    reference = n + b
    assigned = np.zeros(n, dtype=bool)
    assigned[chosen_newcomers] = True
    left = np.bincount(chosen_buddies, minlength=b) < places
    tails = np.concatenate(
        [
            newcomers,  # q[j] <= p[i] - value: u[i] + v[j] >= value
            n + chosen_buddies,  # p[i] <= q[j] + value: and equal on chosen pairs
            np.arange(n),  # reference <= p[i]: u >= 0
            np.full(b, reference),  # q[j] <= reference: v >= 0
            np.full(int((~assigned).sum()), reference),  # p[i] <= reference: unassigned
            n + np.flatnonzero(left),  # reference <= q[j]: a place left
        ]
    )
    heads = np.concatenate(
        [
            n + buddies,
            chosen_newcomers,
            np.full(n, reference),
            n + np.arange(b),
            np.flatnonzero(~assigned),
            np.full(int(left.sum()), reference),
        ]
    )
    weights = np.concatenate(
        [
            -value[newcomers, buddies],
            value[chosen_newcomers, chosen_buddies],
            np.zeros(n + b + int((~assigned).sum()) + int(left.sum())),
        ]
    )
    highest = _settle(n + b + 1, reference, tails, heads, weights)
    lowest = _settle(n + b + 1, reference, heads, tails, weights)
    if highest is None or lowest is None:
        return None
    # Both extremes are dual prices that prove the sparse optimum, and so is any mix of
    # them; the middle one leaves the fewest pairs of the full matrix that beat it (the
    # prices are far from unique: many pairs score the same), so fewer rounds.
    p = (highest[:n] - lowest[:n]) / 2
    q = (highest[n : n + b] - lowest[n : n + b]) / 2
    q[~np.isfinite(q)] = 0.0  # a buddy without places: never usable, any price does
    # u, v >= 0 up to rounding: noise is cut off (the proof in `_check` relies on it),
    # anything more means something went wrong, and the caller falls back.
    if p.min(initial=0.0) < -TOLERANCE / 4 or q.max(initial=0.0) > TOLERANCE / 4:
        return None
    return np.maximum(p, 0.0), np.maximum(-q, 0.0)


def _settle(
    size: int, source: int, tails: Indices, heads: Indices, weights: FloatMatrix
) -> FloatMatrix | None:
    """Shortest distances from `source` along tail -> head edges (Bellman-Ford, all edges
    relaxed at once per pass); None when they do not settle."""
    distance = np.full(size, np.inf)
    distance[source] = 0.0
    with np.errstate(invalid="ignore"):
        for _ in range(size):
            before = distance.copy()
            np.minimum.at(distance, heads, distance[tails] + weights)
            # Settled, up to float rounding (sums of sevenths of a point are not exact):
            # a cycle of rounding errors would otherwise shave a last bit off forever.
            if np.all((before - distance <= SETTLED) | (before == distance)):
                return distance
    return None


def copied_rows_assignment(
    value: FloatMatrix, places: npt.NDArray[np.integer]
) -> tuple[Indices, Indices]:
    """The same optimum by `scipy.optimize.linear_sum_assignment` over one copied column
    per free place: the method this module replaces, kept as the fallback and as the
    baseline the benchmark and the tests compare with."""
    from scipy.optimize import linear_sum_assignment

    places = np.asarray(places, dtype=np.intp)
    n = value.shape[0]
    # Every buddy's first place, then second places, ...: the first round is the
    # one-newcomer-per-buddy problem and later rounds refine it (about 10% faster).
    rounds = [np.flatnonzero(places > k) for k in range(int(places.max(initial=0)))]
    slot_buddy = np.concatenate(rounds) if rounds else np.zeros(0, dtype=np.intp)
    if n == 0 or len(slot_buddy) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    # A C-contiguous matrix with no more rows than columns, so that it is not copied again;
    # negated (the solver minimises) and clamped: cells worth 0 or less are dropped after.
    if len(slot_buddy) <= n:
        cost = np.ascontiguousarray(value.T.take(slot_buddy, axis=0))
    else:
        cost = value.take(slot_buddy, axis=1)
    np.negative(cost, out=cost)
    np.minimum(cost, 0.0, out=cost)
    rows, columns = linear_sum_assignment(cost)
    del cost
    slots, newcomers = (rows, columns) if len(slot_buddy) <= n else (columns, rows)
    buddies = slot_buddy[slots]
    keep = value[newcomers, buddies] > 0
    newcomers, buddies = newcomers[keep], buddies[keep]
    order = np.argsort(newcomers, kind="stable")
    return newcomers[order].astype(np.intp), buddies[order].astype(np.intp)
