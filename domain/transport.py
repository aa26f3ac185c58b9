"""The best assignment of newcomers to buddies with several free places: exact, with buddy
capacities as capacities, not as copied rows.

The problem is a transportation problem: each newcomer takes at most one place, buddy
``j`` offers ``places[j]``, and the total value of the chosen pairs is maximal. Copying a
buddy's row once per free place (what `linear_sum_assignment` needs) makes its augmenting
paths long: 5,000 newcomers and 2,000 buddies took 4-5 s. Here:

1. Only a few promising pairs are kept: each newcomer's best buddies and each buddy's
   best newcomers (a sparse problem, a few percent of all pairs).
2. That sparse problem is solved exactly (`scipy.sparse.csgraph.
   min_weight_full_bipartite_matching`, one row per free place but over the kept pairs
   only, plus a "left empty" column per place, so a full matching always exists).
3. Its optimality is *proved for the whole problem* by linear-programming duality: the
   dual prices ``u`` (newcomers) and ``v`` (buddies) of the sparse optimum are computed
   as shortest-path distances in its residual graph (Bellman-Ford, vectorised), then
   every pair of the full matrix is checked: ``value[i, j] <= u[i] + v[j]``. When that
   holds everywhere, the sparse optimum is optimal for the full problem (weak duality:
   no assignment can be worth more than ``sum(u) + sum(places * v)``, which it reaches).
   Pairs that break it are added and step 2 runs again.

If the proof does not close within a few rounds (it always has on realistic data), the
copied-row `linear_sum_assignment` answers instead: never a worse assignment, only slower.
Everything here is numpy and SciPy, imported by the matching that runs, not at bot start.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float64]
Indices = npt.NDArray[np.intp]

# A pair is worth adding when it beats the dual prices by more than float noise.
TOLERANCE = 1e-9
SETTLED = 1e-12  # shortest distances that move less than this per pass have settled
NEAR = 1e-9  # with a pair that beats its prices, those within this of them are added too
FIRST_PER_NEWCOMER = 10  # each newcomer's best buddies kept at first
FIRST_PER_PLACE = 8  # each buddy's best newcomers kept at first, per free place
ADDED_PER_LINE = 20  # per newcomer (and per buddy) that breaks the proof, its worst pairs
MAX_ROUNDS = 12
BLOCK = 256  # lines ranked at once
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
    if n == 0 or b == 0 or not (places > 0).any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    usable = value > 0
    usable[:, places <= 0] = False
    newcomers, buddies = _first_pairs(value, usable, places)
    for _ in range(MAX_ROUNDS):
        chosen_newcomers, chosen_buddies = _solve_sparse(value, places, newcomers, buddies)
        prices = _dual_prices(value, places, newcomers, buddies, chosen_newcomers, chosen_buddies)
        if prices is None:
            break
        more = _pairs_breaking(value, usable, *prices)
        if more is None:
            order = np.argsort(chosen_newcomers, kind="stable")
            return chosen_newcomers[order], chosen_buddies[order]
        newcomers, buddies = _union(b, (newcomers, buddies), more)
    return copied_rows_assignment(value, places)


def _first_pairs(
    value: FloatMatrix, usable: npt.NDArray[np.bool_], places: Indices
) -> tuple[Indices, Indices]:
    """Each newcomer's best buddies and each buddy's best newcomers (usable pairs only)."""
    n, b = value.shape
    k = FIRST_PER_NEWCOMER
    m = int(FIRST_PER_PLACE * places.max())
    if n * b <= SMALL or b <= k or n <= m:
        rows, columns = np.nonzero(usable)
        return rows.astype(np.intp), columns.astype(np.intp)
    # Pairs that are not usable are worth 0 or less: never among the best kept, or
    # dropped below when a line has fewer usable pairs than it keeps.
    rows, columns = _best_per_line(value, np.arange(n), k, by_row=True)
    more_columns, more_rows = _best_per_line(value, np.arange(b), m, by_row=False)
    rows, columns = np.concatenate([rows, more_rows]), np.concatenate([columns, more_columns])
    return _union(b, (rows, columns), None, usable)


def _best_per_line(
    matrix: FloatMatrix, lines: Indices, k: int, *, by_row: bool
) -> tuple[Indices, Indices]:
    """The `k` highest cells of each given row (or column) of `matrix`: (line, index)
    pairs. Only which pairs are tried depends on it, never the optimum, so it ranks in
    float32 and a block of lines at a time (a whole index matrix would be 80 MB)."""
    found_lines, found = [], []
    length = matrix.shape[1] if by_row else matrix.shape[0]
    k = min(k, length)
    for start in range(0, len(lines), BLOCK):
        block = lines[start : start + BLOCK]
        part = matrix[block] if by_row else matrix[:, block].T
        ranked = np.ascontiguousarray(part, dtype=np.float32)
        best = np.argpartition(ranked, length - k, axis=1)[:, length - k :]
        found_lines.append(np.repeat(block, k))
        found.append(best.ravel())
    if not found:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return (
        np.concatenate(found_lines).astype(np.intp),
        np.concatenate(found).astype(np.intp),
    )


def _union(
    b: int,
    pairs: tuple[Indices, Indices],
    more: tuple[Indices, Indices] | None,
    usable: npt.NDArray[np.bool_] | None = None,
) -> tuple[Indices, Indices]:
    rows, columns = pairs
    if more is not None:
        rows, columns = np.concatenate([rows, more[0]]), np.concatenate([columns, more[1]])
    keys = np.unique(rows * b + columns)
    rows, columns = keys // b, keys % b
    if usable is not None:
        keep = usable[rows, columns]
        rows, columns = rows[keep], columns[keep]
    return rows, columns


def _solve_sparse(
    value: FloatMatrix, places: Indices, newcomers: Indices, buddies: Indices
) -> tuple[Indices, Indices]:
    """The exact optimum over the kept pairs: one row per free place, one column per
    newcomer and one "left empty" column per place (so a full matching exists)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n = value.shape[0]
    slots = int(places.sum())
    first_slot = np.concatenate([[0], np.cumsum(places)[:-1]]).astype(np.intp)
    worth = value[newcomers, buddies]
    # Costs to minimise, all positive (an explicit zero would be no edge): every place is
    # matched exactly once, so the constant `ceiling` does not change which matching wins.
    ceiling = float(worth.max(initial=0.0)) + 1.0
    rows, columns, costs = [], [], []
    for place in range(int(places.max())):
        has = places[buddies] > place
        rows.append(first_slot[buddies[has]] + place)
        columns.append(newcomers[has])
        costs.append(ceiling - worth[has])
    rows.append(np.arange(slots, dtype=np.intp))
    columns.append(n + np.arange(slots, dtype=np.intp))
    costs.append(np.full(slots, ceiling))
    graph = csr_matrix(
        (np.concatenate(costs), (np.concatenate(rows), np.concatenate(columns))),
        shape=(slots, n + slots),
    )
    slot_rows, chosen = min_weight_full_bipartite_matching(graph)
    real = chosen < n
    slot_buddy = np.repeat(np.arange(len(places), dtype=np.intp), places)
    return chosen[real].astype(np.intp), slot_buddy[slot_rows[real]]


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
    return p, -q


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


def _pairs_breaking(
    value: FloatMatrix, usable: npt.NDArray[np.bool_], u: FloatMatrix, v: FloatMatrix
) -> tuple[Indices, Indices] | None:
    """The pairs of the full matrix worth more than their prices (None: the proof holds),
    as the worst few per newcomer and per buddy that has one."""
    gain = value - u[:, None]
    gain -= v[None, :]
    np.copyto(gain, -1.0, where=~usable)
    broken = gain > TOLERANCE
    if not broken.any():
        return None
    rows, columns = _best_per_line(
        gain, np.flatnonzero(broken.any(axis=1)), ADDED_PER_LINE, by_row=True
    )
    more_columns, more_rows = _best_per_line(
        gain, np.flatnonzero(broken.any(axis=0)), ADDED_PER_LINE, by_row=False
    )
    rows, columns = np.concatenate([rows, more_rows]), np.concatenate([columns, more_columns])
    keep = gain[rows, columns] > -NEAR
    return rows[keep], columns[keep]


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
