"""Benchmark: optimal assignment of a whole waiting list, buddy places as capacities,
against the copied-row `linear_sum_assignment` it replaces and the greedy baseline.

    python bench/matching.py [--newcomers 5000] [--buddies 2000] [--seed 1] [--repeat 5]

Random but Brussels-like profiles: newcomers speak the contact languages named
in DOMAIN.md (Arabic, French, English, Ukrainian, ...) with guessed shares, not
official figures; buddies mostly Dutch, French and English; municipalities
weighted by approximate population; 2-4 interests; buddies take 1-3
newcomers; waiting time counts by the day. Times and peak memory are measured for
building the score matrix and for the assignment (`domain.transport`, repeated: wall
and CPU seconds, median and best, as the machine is shared), with its number of rounds
(sparse solves); in the same process, on the same matrix, the copied-row
`linear_sum_assignment` (how it was done before: one row per free place) gives the
baseline time and the total it must equal to the cent, and first-come, first-served
(`greedy_assign`) the quality baseline. The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import domain.transport as transport  # noqa: E402
from bench._common import summary_line  # noqa: E402
from domain.assignment import (  # noqa: E402
    ScoreMatrix,
    assign_matrix,
    copied_rows_assign_matrix,
    greedy_assign_matrix,
    score_matrix,
)
from domain.matching import (  # noqa: E402
    ACTIVITY_KINDS,
    AVAILABILITY_SLOTS,
    Profile,
    Proposal,
    Weights,
    free_places,
)
from domain.municipalities import OTHER  # noqa: E402

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# Contact languages of newcomers, weighted (rough shares, not official figures).
CONTACT_LANGUAGES = {
    "ar": 22,
    "fr": 14,
    "en": 10,
    "uk": 9,
    "ru": 6,
    "tr": 8,
    "ro": 8,
    "es": 7,
    "pl": 6,
    "fa": 5,
    "ti": 5,
}
# Approximate population in thousands (rounded, from memory of recent
# figures; only the rough proportions matter here): where people live.
POPULATION = {
    "21004": 196,  # Brussel
    "21015": 133,  # Schaarbeek
    "21001": 126,  # Anderlecht
    "21012": 98,  # Sint-Jan-Molenbeek
    "21009": 87,  # Elsene
    "21016": 85,  # Ukkel
    "21007": 57,  # Vorst
    "21018": 59,  # Sint-Lambrechts-Woluwe
    "21010": 54,  # Jette
    "21013": 50,  # Sint-Gillis
    "21005": 48,  # Etterbeek
    "21006": 43,  # Evere
    "21019": 42,  # Sint-Pieters-Woluwe
    "21002": 35,  # Oudergem
    "21014": 27,  # Sint-Joost-ten-Node
    "21017": 25,  # Watermaal-Bosvoorde
    "21003": 25,  # Sint-Agatha-Berchem
    "21008": 25,  # Ganshoren
    "21011": 22,  # Koekelberg
}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _municipality(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.02:
        return None
    if roll < 0.07:
        return OTHER
    return _pick(rng, POPULATION)


def _interests(rng: random.Random, newcomer: bool) -> frozenset[str]:
    chosen = set(rng.sample(ACTIVITY_KINDS, rng.randint(2, 4)))
    if newcomer and rng.random() < 0.5:
        chosen.add("dutch_practice")  # the programme's reason for being, for many
    return frozenset(chosen)


def _availability(rng: random.Random) -> frozenset[str]:
    return frozenset(rng.sample(AVAILABILITY_SLOTS, rng.choices([1, 2, 3], [5, 3, 2])[0]))


def make_newcomers(rng: random.Random, count: int, first_id: int) -> list[Profile]:
    """Random newcomers: one or two contact languages, sometimes a little Dutch."""
    people = []
    for k in range(count):
        languages = {_pick(rng, CONTACT_LANGUAGES)}
        if rng.random() < 0.45:
            languages.add(rng.choices(["fr", "en", "ar", "ru", "es"], [5, 4, 1, 1, 1])[0])
        if rng.random() < 0.1:
            languages.add("nl")
        gender = rng.choices(["woman", "man", "other", None], [50, 45, 2, 3])[0]
        preference = None
        if gender == "woman" and rng.random() < 0.35:
            preference = "woman"
        elif rng.random() < 0.04:
            preference = "man"
        people.append(
            Profile(
                id=first_id + k,
                languages=frozenset(languages),
                municipality=_municipality(rng),
                interests=_interests(rng, newcomer=True),
                availability=_availability(rng),
                gender=gender,
                gender_preference=preference,
                waiting_since=NOW - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23)),
            )
        )
    return people


def make_buddies(rng: random.Random, count: int, first_id: int) -> list[Profile]:
    """Random buddies: mostly Dutch, French and English, 1-3 places, some busy."""
    people = []
    for k in range(count):
        languages = {
            code for code, share in (("nl", 0.92), ("fr", 0.8), ("en", 0.7)) if rng.random() < share
        }
        if rng.random() < 0.2:
            languages.add(_pick(rng, CONTACT_LANGUAGES))
        if not languages:
            languages.add("nl")
        capacity = rng.randint(1, 3)
        active = rng.randint(0, capacity) if rng.random() < 0.1 else 0
        people.append(
            Profile(
                id=first_id + k,
                languages=frozenset(languages),
                municipality=_municipality(rng),
                interests=_interests(rng, newcomer=False),
                availability=_availability(rng),
                gender=rng.choices(["woman", "man", "other", None], [58, 38, 2, 2])[0],
                capacity=capacity,
                active_pairs=active,
            )
        )
    return people


def add_exclusions(rng: random.Random, newcomers: list[Profile], buddies: list[Profile]) -> None:
    """Some newcomers had a pair that ended: that buddy is excluded for them."""
    for index, newcomer in enumerate(newcomers):
        if rng.random() < 0.03:
            ended = rng.choice(buddies).id
            newcomers[index] = dataclasses.replace(newcomer, excluded=frozenset({ended}))


def _rss_mb() -> float:
    # ru_maxrss is the process's peak resident size: kilobytes on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def _total(proposals: list[Proposal]) -> float:
    return sum(p.score.total for p in proposals)


def _quality(proposals: list[Proposal], newcomers: list[Profile]) -> tuple[int, int, int]:
    """Pairs without a common language, pairs in the same or a neighbouring
    municipality, and newcomers waiting 8+ weeks left unmatched."""
    keys = [{r.key for r in p.score.reasons} for p in proposals]
    no_language = sum("no_common_language" in k for k in keys)
    close = sum(bool(k & {"same_municipality", "neighbouring_municipality"}) for k in keys)
    matched = {p.newcomer_id for p in proposals}
    long_wait = NOW - timedelta(weeks=8)
    left = sum(
        1
        for n in newcomers
        if n.id not in matched and n.waiting_since is not None and n.waiting_since <= long_wait
    )
    return no_language, close, left


class _Timer:
    """Wall-clock and CPU seconds of a block (CPU shows when the machine is busy)."""

    def __enter__(self) -> _Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _counting_rounds() -> list[int]:
    """Counts the sparse solves of `domain.transport` (one per round) from now on."""
    solves: list[int] = []
    solve = transport._solve_sparse

    def counted(*args: Any) -> Any:
        solves.append(1)
        return solve(*args)

    transport._solve_sparse = counted  # type: ignore[assignment]
    return solves


def _timed_assignments(
    matrix: ScoreMatrix, repeat: int
) -> tuple[list[Proposal], list[_Timer], list[int]]:
    """`assign_matrix` `repeat` times: its proposals, each run's timer and rounds."""
    timers, rounds = [], []
    solves = _counting_rounds()
    proposals: list[Proposal] = []
    for _ in range(repeat):
        solves.clear()
        gc.collect()
        with _Timer() as timer:
            proposals = assign_matrix(matrix)
        timers.append(timer)
        rounds.append(len(solves))
    return proposals, timers, rounds


def _traced_run(
    newcomers: list[Profile], buddies: list[Profile], weights: Weights
) -> tuple[list[Proposal], float, float]:
    """An untimed run under tracemalloc: proposals and peak MB (numpy included)."""
    # Also the warm-up: on a fresh (micro)VM the first touch of new memory is
    # slow (measured ~0.3 s for the first 100 MB here), a cost a long-running
    # bot pays once; both timed runs below then see the same warm process.
    tracemalloc.start()
    matrix = score_matrix(newcomers, buddies, weights, now=NOW)
    matrix_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.reset_peak()
    proposals = assign_matrix(matrix)
    assign_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return proposals, matrix_peak, assign_peak


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table and the summary line."""
    parser = argparse.ArgumentParser(description="Matching benchmark: optimal vs greedy.")
    parser.add_argument("--newcomers", type=int, default=5000)
    parser.add_argument("--buddies", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed assignment runs")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    newcomers = make_newcomers(rng, args.newcomers, first_id=1)
    buddies = make_buddies(rng, args.buddies, first_id=1_000_000)
    add_exclusions(rng, newcomers, buddies)
    slots = sum(free_places(b) for b in buddies)
    weights = Weights()
    rss_before = _rss_mb()
    traced_proposals, matrix_traced_mb, assign_traced_mb = _traced_run(newcomers, buddies, weights)
    gc.collect()

    # Ours: the score matrix, then the optimal assignment.
    with _Timer() as matrix_time:
        matrix = score_matrix(newcomers, buddies, weights, now=NOW)
    proposals, assign_runs, rounds = _timed_assignments(matrix, max(1, args.repeat))
    assign_wall = statistics.median(t.wall for t in assign_runs)
    assign_cpu = statistics.median(t.cpu for t in assign_runs)
    peak_mb = _rss_mb()
    gc.collect()

    # Baseline: the same optimum as before, one copied row per free place.
    with _Timer() as lsa_time:
        lsa_proposals = copied_rows_assign_matrix(matrix)
    del matrix
    gc.collect()

    # Baseline: first come, first served, on the same scores.
    with _Timer() as baseline_time:
        baseline_proposals = greedy_assign_matrix(
            score_matrix(newcomers, buddies, weights, now=NOW)
        )
    gc.collect()
    deterministic = [(p.newcomer_id, p.buddy_id) for p in proposals] == [
        (p.newcomer_id, p.buddy_id) for p in traced_proposals
    ]

    seconds = matrix_time.wall + assign_wall
    cpu_seconds = matrix_time.cpu + assign_cpu
    total = _total(proposals)
    lsa_total = _total(lsa_proposals)
    same_total = round(total, 2) == round(lsa_total, 2)
    baseline_total = _total(baseline_proposals)
    # 0 rather than nan when there is nothing to compare with: plain numbers only.
    score_ratio = total / baseline_total if baseline_total else 0.0
    lsa_seconds = matrix_time.wall + lsa_time.wall
    ratio = seconds / lsa_seconds if lsa_seconds else 0.0

    print(
        f"matching: {len(newcomers):,} newcomers, {len(buddies):,} buddies with "
        f"{slots:,} free places, seed {args.seed}"
    )
    print()
    print(f"{'phase':<36}{'seconds':>9}{'cpu s':>8}{'traced peak MB':>16}")
    rows = [
        ("score matrix (numpy)", matrix_time.wall, matrix_time.cpu, f"{matrix_traced_mb:.0f}"),
        (
            f"assignment by capacity, median of {len(assign_runs)}",
            assign_wall,
            assign_cpu,
            f"{assign_traced_mb:.0f}",
        ),
        (
            "assignment by capacity, best run",
            min(t.wall for t in assign_runs),
            min(t.cpu for t in assign_runs),
            "",
        ),
        ("ours, total", seconds, cpu_seconds, ""),
        ("baseline: copied-row LSA", lsa_time.wall, lsa_time.cpu, ""),
        ("baseline: LSA with the matrix", lsa_seconds, matrix_time.cpu + lsa_time.cpu, ""),
        ("baseline: greedy first-come", baseline_time.wall, baseline_time.cpu, ""),
    ]
    for label, wall, cpu, traced in rows:
        print(f"{label:<36}{wall:>9.2f}{cpu:>8.2f}{traced:>16}")
    print(
        "assignment runs (wall/cpu s, rounds): "
        + ", ".join(
            f"{t.wall:.2f}/{t.cpu:.2f} ({r})" for t, r in zip(assign_runs, rounds, strict=True)
        )
    )
    print(f"process peak RSS: {rss_before:,.0f} MB before scoring, {peak_mb:,.0f} MB after ours")
    print(f"same proposals in the traced and the timed run: {'yes' if deterministic else 'NO'}")
    print()
    long_waiting = sum(
        1 for n in newcomers if n.waiting_since and n.waiting_since <= NOW - timedelta(weeks=8)
    )
    print(
        f"{'method':<20}{'pairs':>7}{'total score':>13}{'mean':>7}{'unmatched':>10}"
        f"{'no common lang':>16}{'same/near place':>17}{'8+ wks left':>13}"
    )
    for label, found, found_total in (
        ("by capacity", proposals, total),
        ("copied-row LSA", lsa_proposals, lsa_total),
        ("greedy first-come", baseline_proposals, baseline_total),
    ):
        mean = found_total / len(found) if found else 0.0
        no_language, close, left = _quality(found, newcomers)
        print(
            f"{label:<20}{len(found):>7,}{found_total:>13,.2f}{mean:>7.2f}"
            f"{len(newcomers) - len(found):>10,}{no_language:>16,}{close:>17,}"
            f"{left:>8,} / {long_waiting:,}"
        )
    print(
        f"same total score as the copied-row LSA, to the cent: {'yes' if same_total else 'NO'}"
        f" ({total:,.4f} vs {lsa_total:,.4f})"
    )
    print()
    print(
        summary_line(
            "matching",
            {
                "newcomers": len(newcomers),
                "buddies": len(buddies),
                "slots": slots,
                "seconds": seconds,
                "matrix_seconds": matrix_time.wall,
                "assign_seconds": assign_wall,
                "assign_cpu_seconds": assign_cpu,
                "assign_best_seconds": min(t.wall for t in assign_runs),
                "assign_best_cpu_seconds": min(t.cpu for t in assign_runs),
                "rounds": statistics.median(rounds),
                "repeat": len(assign_runs),
                "cpu_seconds": cpu_seconds,
                "peak_mb": round(peak_mb),
                "traced_peak_mb": round(max(matrix_traced_mb, assign_traced_mb)),
                "pairs": len(proposals),
                "total_score": total,
                "lsa_seconds": lsa_seconds,
                "lsa_assign_seconds": lsa_time.wall,
                "lsa_assign_cpu_seconds": lsa_time.cpu,
                "lsa_total_score": lsa_total,
                "same_total": same_total,
                "baseline_seconds": baseline_time.wall,
                "baseline_pairs": len(baseline_proposals),
                "baseline_total_score": baseline_total,
                "score_ratio": score_ratio,
                "ratio": ratio,  # ours / the copied-row LSA, both with the score matrix
            },
        )
    )


if __name__ == "__main__":
    main()
