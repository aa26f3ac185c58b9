"""Benchmark: the funder report (its queries and its files) on a large programme.

    python bench/report.py [--people 100000] [--pairs N] [--entries N] [--repeats 3]
                           [--naive-rows 100000] [--database-url URL] [--seed 1]

One programme with `--people` people (default 100,000), `--pairs` pairs (default a fifth
of the people) and `--entries` rows in the hours ledger (default ten per person: a million),
plus ten meetups per pair and the check-ins of onboarding, the end and the follow-ups,
bulk-inserted (executemany on SQLite, COPY on PostgreSQL) and ANALYZEd.

Then the report of the last quarter, of the last 12 months and of the whole three years of
history (every ledger row) is made `--repeats` times exactly as the bot's report job makes
it (handlers.report.make): every figure's aggregate query, the chart (in a worker thread),
the spreadsheet and the CSV files (in a child process). Meanwhile a probe task sleeps
10 ms again and again and records how late it wakes: the worst lateness is how long the
event loop was blocked.
Peak memory (tracemalloc, every thread of the bot's process; the spreadsheet writer is a
child process of its own, not counted) is taken on one more run. The baselines, in the
same run on the same data: one COUNT(*) of the ledger, and the naive way, loading
`--naive-rows` ledger rows as ORM objects and counting in Python, with the time that would
take for the whole ledger.

Runs on SQLite (a temporary file, always) and on PostgreSQL when one answers within 2 s
(`--database-url`, else BENCH_DATABASE_URL, else TEST_DATABASE_URL), in a database
`buddybot_bench_report` made for the run (the role needs CREATEDB) and dropped at the end.
The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import inspect
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import Dialect, make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench._common import (  # noqa: E402
    PROBE_SECONDS,
    LagProbe,
    bulk_insert,
    median,
    summary_line,
)
from bench.outbox import CONNECT_TIMEOUT, admin_engine, postgres_url, reachable  # noqa: E402
from domain import reports  # noqa: E402
from domain.matching import ACTIVITY_KINDS  # noqa: E402
from domain.reports import Period, PeriodKind, Report  # noqa: E402
from storage.db import SessionFactory, create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Base, HourEntry, User  # noqa: E402
from storage.reports import ReportRepository  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ALL = "all 3 years"
TZ = ZoneInfo("Europe/Brussels")
HISTORY = timedelta(days=3 * 365)
CHUNK = 20_000
GOAL_SECONDS = 3.0
LAG_GOAL_MS = 100.0
COORDINATOR_TELEGRAM_ID = 1
BENCH_DATABASE = "buddybot_bench_report"

LANGUAGES = {"ar": 22, "fr": 14, "en": 10, "uk": 9, "ru": 6, "tr": 8, "ro": 8, "es": 7, "pl": 6,
             "fa": 5, "ti": 5}  # fmt: skip
MUNICIPALITIES = [f"210{n:02d}" for n in range(1, 20)] + ["other"]
CHANNELS = ["bon", "fmdo", "huis", "flyer", "duo", None]
PAIR_STATUSES = {"active": 45, "paused": 8, "ended": 25, "completed": 22}
END_REASONS = ["moved", "unavailable", "not_a_good_match", "other"]
HOUR_STATUSES = {"confirmed": 85, "pending": 8, "disputed": 4, "corrected": 3}
MEETUP_STATUSES = {"done": 70, "missed": 8, "cancelled": 7, "accepted": 10, "declined": 5}
DOING = ["club_leisure", "volunteering", "course", "work", "nothing_yet", "other"]
# The JSON lists every person (and pair) shares: encoded once each (see `encoded`).
PERSON_LISTS = (["nl", "fr"], ["sport", "culture"], ["weekend"])
NO_REASONS: list[str] = []
CORE = {
    "newcomer": ("dutch_confidence", "knows_where", "people_to_ask"),
    "buddy": ("learnt_cultures", "feels_connected", "worth_time"),
}

PERSON_COLUMNS = (
    "id", "telegram_id", "programme_id", "role", "status", "contact_language", "first_name",
    "municipality", "languages", "interests", "availability", "recruited_via", "quiet_from",
    "quiet_until", "consent_at", "profile_done_at", "waiting_since", "reachable",
    "created_at", "updated_at",
)  # fmt: skip
PAIR_COLUMNS = (
    "id", "programme_id", "newcomer_id", "buddy_id", "status", "score", "reasons",
    "target_hours", "started_at", "ended_at", "end_reason",
)  # fmt: skip
MEETUP_COLUMNS = (
    "programme_id", "pair_id", "proposer_id", "starts_at", "duration_minutes", "place",
    "activity_kind", "status", "is_introduction", "sequence", "created_at", "updated_at",
)  # fmt: skip
HOUR_COLUMNS = (
    "programme_id", "pair_id", "started_at", "minutes", "activity_kind", "logged_by",
    "confirmed_by", "status", "source", "created_at", "decided_at",
)  # fmt: skip
CHECK_IN_COLUMNS = (
    "programme_id", "person_id", "pair_id", "role", "moment", "key", "questions", "answers",
    "created_at", "answered_at",
)  # fmt: skip


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Shape:
    """The programme, decided up front so that every table agrees with the others."""

    people: int
    pairs: int
    entries: int
    meetups: int
    roles: list[str | None] = field(default_factory=list)
    joined: list[datetime] = field(default_factory=list)
    # pair id -> (newcomer id, buddy id, status, started, ended)
    pair_rows: list[tuple[int, int, str, datetime, datetime | None]] = field(default_factory=list)


def shape(people: int, pairs: int, entries: int, seed: int) -> Shape:
    rng = random.Random(seed)
    result = Shape(people, pairs, entries, meetups=pairs * 10)
    for _index in range(people):
        roll = rng.random()
        result.roles.append("newcomer" if roll < 0.62 else "buddy" if roll < 0.95 else None)
        result.joined.append(NOW - HISTORY * rng.random())
    newcomers = [i for i, role in enumerate(result.roles, start=1) if role == "newcomer"]
    buddies = [i for i, role in enumerate(result.roles, start=1) if role == "buddy"]
    chosen = rng.sample(newcomers, min(len(newcomers), int(pairs * 0.95)))
    while len(chosen) < pairs:  # some newcomers were rematched: a second pair
        chosen.append(rng.choice(chosen))
    for newcomer in chosen:
        joined = result.joined[newcomer - 1] + timedelta(days=1)
        started = min(joined + timedelta(days=rng.expovariate(1 / 30)), NOW - timedelta(hours=1))
        status = _pick(rng, PAIR_STATUSES)
        ended = None
        if status in ("ended", "completed"):
            ended = min(started + timedelta(days=rng.uniform(7, 300)), NOW - timedelta(minutes=5))
        result.pair_rows.append((newcomer, rng.choice(buddies), status, started, ended))
    return result


def encoders_for(dialect: Dialect, table: str, columns: Sequence[str]) -> list[Any]:
    """The bind processors SQLAlchemy applies, so that raw inserts store the same values."""
    types = Base.metadata.tables[table].c
    return [types[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


def encoded(
    rows: Iterator[tuple[Any, ...]], encoders: list[Any]
) -> Iterator[list[tuple[Any, ...]]]:
    cache: dict[int, Any] = {}
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        values = []
        for encode, value in zip(encoders, row, strict=True):
            if encode is None or value is None:
                values.append(value)
            elif isinstance(value, list):  # PERSON_LISTS and NO_REASONS: encode each once
                key = id(value)
                if key not in cache:
                    cache[key] = encode(value)
                values.append(cache[key])
            else:
                values.append(encode(value))
        chunk.append(tuple(values))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def person_rows(plan: Shape, programme_id: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 1)
    in_pairs: dict[int, str] = {}
    for newcomer, buddy, status, _started, _ended in plan.pair_rows:
        open_pair = status in ("active", "paused")
        if open_pair or newcomer not in in_pairs:
            in_pairs[newcomer] = "matched" if open_pair else "inactive"
        in_pairs[buddy] = "matched"
    lists = PERSON_LISTS
    languages, weights = list(LANGUAGES), list(LANGUAGES.values())
    for person_id in range(1, plan.people + 1):
        role = plan.roles[person_id - 1]
        joined = plan.joined[person_id - 1]
        done = role is not None and rng.random() < 0.97
        status = in_pairs.get(person_id) or ("waiting" if done else "onboarding")
        if status == "waiting" and role == "newcomer" and rng.random() < 0.6:
            status = "inactive"  # left without a buddy, long ago
        yield (
            person_id,
            10_000_000 + person_id,
            programme_id,
            role,
            status,
            rng.choices(languages, weights)[0],
            f"Person{person_id}",
            rng.choice(MUNICIPALITIES) if rng.random() > 0.02 else None,
            *lists,
            rng.choice(CHANNELS),
            21,
            8,
            joined,
            joined + timedelta(hours=1) if done else None,
            joined + timedelta(days=1) if done else None,
            True,
            joined,
            joined,
        )


def pair_rows(plan: Shape, programme_id: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 2)
    for pair_id, (newcomer, buddy, status, started, ended) in enumerate(plan.pair_rows, 1):
        reason = None
        if status == "completed":
            reason = "completed"
        elif status == "ended":
            reason = rng.choice(END_REASONS)
        yield (
            pair_id, programme_id, newcomer, buddy, status, 0.5, NO_REASONS, 40, started, ended,
            reason,
        )  # fmt: skip


def _moment_in(
    rng: random.Random, pair: tuple[int, int, str, datetime, datetime | None]
) -> datetime:
    _newcomer, _buddy, _status, started, ended = pair
    return started + ((ended or NOW) - started) * rng.random()


def meetup_rows(plan: Shape, programme_id: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 3)
    statuses, weights = list(MEETUP_STATUSES), list(MEETUP_STATUSES.values())
    for _index in range(plan.meetups):
        pair_id = rng.randrange(len(plan.pair_rows)) + 1
        pair = plan.pair_rows[pair_id - 1]
        moment = _moment_in(rng, pair)
        status = rng.choices(statuses, weights)[0]
        yield (programme_id, pair_id, pair[0], moment, 90, "Bib Muntpunt",
               rng.choice(ACTIVITY_KINDS), status, False, 0, moment, moment)  # fmt: skip


def hour_rows(plan: Shape, programme_id: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 4)
    statuses, weights = list(HOUR_STATUSES), list(HOUR_STATUSES.values())
    for _index in range(plan.entries):
        pair_id = rng.randrange(len(plan.pair_rows)) + 1
        pair = plan.pair_rows[pair_id - 1]
        moment = _moment_in(rng, pair)
        yield (programme_id, pair_id, moment, rng.choice((60, 90, 120, 150, 180)),
               rng.choice(ACTIVITY_KINDS), pair[0], pair[1], rng.choices(statuses, weights)[0],
               "person", moment, moment)  # fmt: skip


def _answers(rng: random.Random, role: str, moment: str, lift: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in CORE[role]:
        top = 3 if question == "people_to_ask" else 5
        low = 0 if question == "people_to_ask" else 1
        value = min(top, max(low, rng.randint(low, top - 1) + lift * (rng.random() < 0.6)))
        answers[question] = "skipped" if rng.random() < 0.05 else value
    if moment == "end":
        answers["programme_rating"] = rng.randint(3, 5)
        answers["would_recommend"] = int(rng.random() < 0.85)
    elif moment in ("month_3", "month_6"):
        answers["doing_now"] = rng.choice(DOING) if rng.random() > 0.05 else "skipped"
        answers["still_in_contact"] = int(rng.random() < 0.6)
    return answers


def check_in_rows(plan: Shape, programme_id: int, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed + 5)
    for person_id, role in enumerate(plan.roles, start=1):
        if role is not None and rng.random() < 0.7:
            moment = plan.joined[person_id - 1] + timedelta(hours=2)
            answers = _answers(rng, role, "onboarding", 0)
            yield (programme_id, person_id, None, role, "onboarding",
                   f"{person_id}:onboarding:0", json.dumps(list(answers)), json.dumps(answers),
                   moment, moment)  # fmt: skip
    for pair_id, (newcomer, buddy, _status, _started, ended) in enumerate(plan.pair_rows, 1):
        if ended is None:
            continue
        for moment_name, after in (("end", 0), ("month_3", 91), ("month_6", 182)):
            moment = ended + timedelta(days=after)
            if moment >= NOW:
                continue
            for person_id, role in ((newcomer, "newcomer"), (buddy, "buddy")):
                answers = _answers(rng, role, moment_name, 1)
                yield (programme_id, person_id, pair_id, role, moment_name,
                       f"{person_id}:{moment_name}:{pair_id}", json.dumps(list(answers)),
                       json.dumps(answers), moment, moment)  # fmt: skip


async def insert(
    engine: AsyncEngine, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]
) -> None:
    """Bulk insert: executemany per chunk on SQLite, COPY on PostgreSQL."""
    encoders = encoders_for(engine.dialect, table, columns)
    if table == "check_in":  # JSON text already (a new list and dict on every row)
        encoders[columns.index("questions")] = None
        encoders[columns.index("answers")] = None
    await bulk_insert(engine, table, columns, encoded(rows, encoders))


async def fill(engine: AsyncEngine, factory: SessionFactory, plan: Shape, seed: int) -> int:
    """Write the programme; returns the coordinator's person id."""
    async with UnitOfWork(factory) as uow:
        programme = await uow.programmes.default()
        programme_id = programme.id
        await uow.commit()
    await insert(engine, "person", PERSON_COLUMNS, person_rows(plan, programme_id, seed))
    await insert(engine, "pair", PAIR_COLUMNS, pair_rows(plan, programme_id, seed))
    await insert(engine, "meetup", MEETUP_COLUMNS, meetup_rows(plan, programme_id, seed))
    await insert(engine, "hour_entry", HOUR_COLUMNS, hour_rows(plan, programme_id, seed))
    await insert(engine, "check_in", CHECK_IN_COLUMNS, check_in_rows(plan, programme_id, seed))
    async with UnitOfWork(factory) as uow:
        coordinator = User(
            telegram_id=COORDINATOR_TELEGRAM_ID,
            programme_id=programme_id,
            role="coordinator",
            status="matched",
            contact_language="en",
            consent_at=NOW,
            languages=[],
            interests=[],
            availability=[],
        )
        await uow.users.save(coordinator)
        await uow.commit()
        return coordinator.id


async def analyze(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
            return
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")


class PostgresDatabase:
    """A database of this benchmark's own on the PostgreSQL server named (created for the
    run, dropped at the end; the role needs CREATEDB)."""

    def __init__(self, url: str) -> None:
        self.given = make_url(url)
        self.url = self.given.set(database=BENCH_DATABASE).render_as_string(hide_password=False)
        self.where = f"database {BENCH_DATABASE} (created for this run)"

    async def _run(self, *statements: str) -> None:
        engine = admin_engine(self.given)
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.exec_driver_sql(statement)
        finally:
            await engine.dispose()

    async def __aenter__(self) -> PostgresDatabase:
        await self._run(
            f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"', f'CREATE DATABASE "{BENCH_DATABASE}"'
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._run(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


# --- measuring ----------------------------------------------------------------------------


def timed_queries(times: dict[str, list[float]]) -> Callable[[], None]:
    """Record how long each ReportRepository query takes; returns the undo."""
    originals: dict[str, Any] = {}
    for name, method in list(vars(ReportRepository).items()):
        if name.startswith("_") or not inspect.iscoroutinefunction(method):
            continue
        originals[name] = method

        def wrapper(*args: Any, _method: Any = method, _name: str = name, **kwargs: Any) -> Any:
            async def run() -> Any:
                started = time.perf_counter()
                try:
                    return await _method(*args, **kwargs)
                finally:
                    times.setdefault(_name, []).append(time.perf_counter() - started)

            return run()

        setattr(ReportRepository, name, wrapper)

    def undo() -> None:
        for name, method in originals.items():
            setattr(ReportRepository, name, method)

    return undo


@dataclass
class Run:
    """One report, timed by its steps: the queries (the pair lines' table is written
    meanwhile, in a thread), the chart, then the rest of the spreadsheet and CSV files."""

    queries: float
    chart: float
    files: float
    lag_ms: float
    sizes: dict[str, int]
    report: Report

    @property
    def render(self) -> float:
        return self.chart + self.files

    @property
    def total(self) -> float:
        return self.queries + self.render


async def make_report(
    factory: SessionFactory, coordinator_id: int, period: Period, i18n: Any
) -> Run:
    """The report exactly as the bot's report job makes it (handlers.report.make)."""
    from handlers.report import ReportRequest, make

    marks = [time.perf_counter()]

    async def step(_number: int) -> None:
        marks.append(time.perf_counter())

    request = ReportRequest(
        chat_id=0, coordinator_id=coordinator_id, period=period, locale="en", tz=TZ, now=NOW
    )
    with i18n.context(), i18n.use_locale("en"), LagProbe() as probe:
        made = await make(factory, i18n, request, step)
        await asyncio.sleep(PROBE_SECONDS * 2)  # the probe's last wake
    queries, chart, files = (later - earlier for earlier, later in itertools.pairwise(marks))
    sizes = {"png": len(made.chart), "xlsx": len(made.spreadsheet), "zip": len(made.archive)}
    return Run(queries, chart, files, probe.worst_ms, sizes, made.report)


async def naive(factory: SessionFactory, rows: int) -> tuple[float, float, int]:
    """The baseline: ledger rows loaded as ORM objects and counted in Python (hours by
    kind, pairs past each milestone). Returns (seconds, worst loop lag ms, rows)."""
    with LagProbe() as probe:
        started = time.perf_counter()
        async with UnitOfWork(factory) as uow:
            entries = (
                await uow.session.scalars(select(HourEntry).order_by(HourEntry.id).limit(rows))
            ).all()
            by_kind: Counter[str] = Counter()
            by_pair: Counter[int] = Counter()
            for entry in entries:
                if entry.status == "confirmed":
                    by_kind[entry.activity_kind] += entry.minutes
                    by_pair[entry.pair_id] += entry.minutes
            _reached = [sum(1 for m in by_pair.values() if m >= h * 60) for h in (10, 20, 40)]
        seconds = time.perf_counter() - started
        await asyncio.sleep(PROBE_SECONDS * 2)
    return seconds, probe.worst_ms, len(entries)


async def count_star(factory: SessionFactory) -> float:
    times = []
    for _attempt in range(3):
        async with UnitOfWork(factory) as uow:
            started = time.perf_counter()
            await uow.session.scalar(select(func.count()).select_from(HourEntry))
            times.append(time.perf_counter() - started)
    return min(times)


async def peak_memory_mb(
    factory: SessionFactory, coordinator_id: int, period: Period, i18n: Any
) -> float:
    tracemalloc.start()
    try:
        await make_report(factory, coordinator_id, period, i18n)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


@dataclass
class BackendResult:
    name: str
    where: str
    fill_seconds: float
    runs: dict[str, list[Run]]
    query_times: dict[str, list[float]]
    count_seconds: float
    naive_seconds: float
    naive_lag_ms: float
    naive_rows: int
    entries: int
    peak_mb: float

    @property
    def naive_full_seconds(self) -> float:
        return self.naive_seconds * self.entries / max(1, self.naive_rows)

    def median(self, label: str, what: Callable[[Run], float]) -> float:
        return median([what(run) for run in self.runs[label]])

    @property
    def worst_lag_ms(self) -> float:
        return max(run.lag_ms for runs in self.runs.values() for run in runs)


def periods() -> dict[str, Period]:
    """A quarter, a year, and the whole history (every ledger row: the heaviest)."""
    today = reports.today_in(NOW, TZ)
    return {
        "last quarter": reports.preset(PeriodKind.QUARTER, today),
        "12 months": Period(today.replace(year=today.year - 1), today, PeriodKind.CUSTOM),
        ALL: Period(today.replace(year=today.year - 3), today, PeriodKind.CUSTOM),
    }


async def bench_backend(
    name: str, url: str, where: str, plan: Shape, args: argparse.Namespace, i18n: Any
) -> BackendResult:
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        started = time.perf_counter()
        coordinator_id = await fill(engine, factory, plan, args.seed)
        await analyze(engine)
        fill_seconds = time.perf_counter() - started
        print(f"{name}: filled in {fill_seconds:.1f} s ({where})", flush=True)
        gc.collect()
        gc.freeze()  # as `python -m bot run` does once it has started
        query_times: dict[str, list[float]] = {}
        runs: dict[str, list[Run]] = {}
        await make_report(factory, coordinator_id, periods()[ALL], i18n)  # warm-up
        for label, period in periods().items():
            undo = timed_queries(query_times) if label == ALL else (lambda: None)
            try:
                runs[label] = [
                    await make_report(factory, coordinator_id, period, i18n)
                    for _repeat in range(args.repeats)
                ]
            finally:
                undo()
        count_seconds = await count_star(factory)
        naive_seconds, naive_lag, naive_rows = await naive(factory, args.naive_rows)
        peak = await peak_memory_mb(factory, coordinator_id, periods()[ALL], i18n)
    finally:
        await engine.dispose()
    return BackendResult(
        name, where, fill_seconds, runs, query_times, count_seconds, naive_seconds,
        naive_lag, naive_rows, plan.entries, peak,
    )  # fmt: skip


def show(result: BackendResult) -> None:
    print()
    print(f"== {result.name}: {result.where}; filled in {result.fill_seconds:.1f} s")
    print(f"{'query (' + ALL + ')':<26}{'median ms':>10}")
    for name, times in result.query_times.items():
        print(f"{name:<26}{1000 * statistics.median(times):>10.1f}")
    print()
    print(
        f"{'period':<14}{'queries s':>10}{'chart s':>9}{'files s':>9}{'total s':>9}"
        f"{'lag ms':>8}{'hours':>10}{'pairs':>8}{'xlsx kB':>9}{'zip kB':>8}"
    )
    for label, runs in result.runs.items():
        last = runs[-1]
        print(
            f"{label:<14}{result.median(label, lambda r: r.queries):>10.3f}"
            f"{result.median(label, lambda r: r.chart):>9.3f}"
            f"{result.median(label, lambda r: r.files):>9.3f}"
            f"{result.median(label, lambda r: r.total):>9.3f}"
            f"{max(r.lag_ms for r in runs):>8.1f}"
            f"{last.report.hours:>10.0f}"
            f"{len(last.report.pair_lines):>8}"
            f"{last.sizes['xlsx'] // 1024:>9}"
            f"{last.sizes['zip'] // 1024:>8}"
        )
    print("(queries: the child process writes the pair lines' sheet meanwhile; files: the rest)")
    print()
    print(f"baseline: COUNT(*) of {result.entries:,} ledger rows: {result.count_seconds:.3f} s")
    print(
        f"baseline: naive, {result.naive_rows:,} ledger rows as ORM objects counted in Python: "
        f"{result.naive_seconds:.2f} s (loop blocked up to {result.naive_lag_ms:.0f} ms); "
        f"for all {result.entries:,}: about {result.naive_full_seconds:.1f} s"
    )
    total = result.median(ALL, lambda r: r.total)
    print(
        f"goal: report < {GOAL_SECONDS:.0f} s: {'met' if total < GOAL_SECONDS else 'NOT met'} "
        f"({total:.2f} s); loop never blocked over {LAG_GOAL_MS:.0f} ms: "
        f"{'met' if result.worst_lag_ms < LAG_GOAL_MS else 'NOT met'} "
        f"(worst {result.worst_lag_ms:.0f} ms); peak memory of one report {result.peak_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=None, help="default: people / 5")
    parser.add_argument("--entries", type=int, default=None, help="default: people * 10")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL to use (asyncpg)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.people < 10 or args.repeats < 1:
        parser.error("need --people >= 10 and --repeats >= 1")
    asyncio.run(run(args))


async def run(args: argparse.Namespace) -> None:
    from handlers.i18n import create_i18n

    pairs = args.pairs if args.pairs is not None else max(2, args.people // 5)
    entries = args.entries if args.entries is not None else args.people * 10
    args.naive_rows = min(args.naive_rows, entries)
    started = time.perf_counter()
    plan = shape(args.people, pairs, entries, args.seed)
    print(
        f"report: {plan.people:,} people, {plan.pairs:,} pairs, {plan.entries:,} ledger rows, "
        f"{plan.meetups:,} meetups (planned in {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    results: list[BackendResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        i18n = create_i18n(Path(folder) / "locales", "nl")
        path = Path(folder) / "report.sqlite3"
        results.append(
            await bench_backend(
                "sqlite", f"sqlite+aiosqlite:///{path}", f"temp file {path}", plan, args, i18n
            )
        )
        show(results[-1])
        url = postgres_url(args.database_url)
        note: str | None = None
        if url is None:
            note = "no PostgreSQL named (--database-url, BENCH_DATABASE_URL, TEST_DATABASE_URL)"
        else:
            problem = await reachable(url)
            if problem is not None:
                shown = make_url(url).render_as_string(hide_password=True)
                note = (
                    f"PostgreSQL at {shown} unavailable (given {CONNECT_TIMEOUT:.0f} s): {problem}"
                )
        if note is None and url is not None:
            async with PostgresDatabase(url) as place:
                results.append(
                    await bench_backend("postgres", place.url, place.where, plan, args, i18n)
                )
            show(results[-1])
        else:
            print(f"\npostgres: skipped: {note}")
    summary: dict[str, float | int] = {
        "people": plan.people,
        "pairs": plan.pairs,
        "entries": plan.entries,
    }
    for result in results:
        prefix = result.name
        summary[f"{prefix}_seconds"] = result.median(ALL, lambda r: r.total)
        summary[f"{prefix}_queries_seconds"] = result.median(ALL, lambda r: r.queries)
        summary[f"{prefix}_render_seconds"] = result.median(ALL, lambda r: r.render)
        summary[f"{prefix}_year_seconds"] = result.median("12 months", lambda r: r.total)
        summary[f"{prefix}_quarter_seconds"] = result.median("last quarter", lambda r: r.total)
        summary[f"{prefix}_lag_ms"] = result.worst_lag_ms
        summary[f"{prefix}_peak_mb"] = result.peak_mb
        summary[f"{prefix}_count_seconds"] = result.count_seconds
        summary[f"{prefix}_naive_seconds"] = result.naive_full_seconds
        summary[f"{prefix}_ratio"] = summary[f"{prefix}_seconds"] / result.naive_full_seconds
    print(summary_line("report", summary))


if __name__ == "__main__":
    main()
