"""Benchmark: claiming due outbox rows, with the partial index and without it.

    python bench/outbox.py [--rows 1000000] [--due 1000] [--repeats 30] [--database-url URL]

Runs on SQLite (a temporary file, always) and on PostgreSQL when one answers within
2 s (`--database-url`, else BENCH_DATABASE_URL, else TEST_DATABASE_URL). PostgreSQL
gets its own database `buddybot_bench` when the role may create databases, else a
dedicated schema in the given database; either is dropped at the end.

Each backend is migrated to head and filled with `--rows` outbox rows: a year of
delivered history (sent, cancelled, blocked, failed), 2% pending for later (reminders,
scheduled broadcasts) and exactly `--due` pending rows due now, mostly broadcasts.
After ANALYZE, `OutboxRepository.claim(worker, now, limit=50)` -- the worker's own
claim, SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, then UPDATE -- is timed
`--repeats` times, each in a transaction rolled back afterwards so the due rows stay
due. The baseline is the same claim with `ix_outbox_due` dropped (it is recreated
afterwards). The plan of the claim's SELECT is shown with and without the index.
`release_stale`, which the worker runs before every round of claims, is timed too.
The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Index, event, text  # noqa: E402
from sqlalchemy.engine import URL, Dialect, make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402
from sqlalchemy.pool import Pool  # noqa: E402

from bench._common import bulk_insert, median, percentile, summary_line  # noqa: E402
from delivery.outbox import STALE_CLAIM  # noqa: E402
from storage.db import SessionFactory, create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Base, Outbox, OutboxStatus  # noqa: E402
from storage.repositories import OutboxRepository  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CLAIM_LIMIT = 50  # OutboxWorker's default batch
WORKER = "bench-worker"
WARMUP = 3
GOAL_MS = 10.0
CHUNK = 50_000
CONNECT_TIMEOUT = 2.0
BENCH_DATABASE = "buddybot_bench"
BENCH_SCHEMA = "bench_outbox"
INDEX_NAME = "ix_outbox_due"
DROP_SCHEMA = f'DROP SCHEMA IF EXISTS "{BENCH_SCHEMA}" CASCADE'
FUTURE_SHARE = 0.02  # pending, due later: meetup reminders, scheduled broadcasts

COLUMNS = (
    "chat_id",
    "key",
    "params",
    "priority",
    "due_at",
    "status",
    "attempts",
    "claimed_at",
    "claimed_by",
    "sent_at",
    "created_at",
)
# (key, params) by priority: 0 replies pushed later, 1 notices and reminders, 2 broadcasts.
MESSAGES: dict[int, tuple[str, dict[str, Any]]] = {
    0: ("pair_notice", {"pair_id": 17, "locale": "nl"}),
    1: ("meetup_reminder", {"meetup_id": 4711, "lead": "day", "expires_at": None}),
    2: ("broadcast", {"broadcast_id": 12}),
}
DUE_PRIORITIES = (5, 25, 70)  # a broadcast going out, some notices, a few replies
FUTURE_PRIORITIES = (0, 90, 10)
HISTORY_PRIORITIES = (5, 45, 50)
HISTORY_STATUSES = {
    OutboxStatus.SENT.value: 90,
    OutboxStatus.CANCELLED.value: 6,
    OutboxStatus.BLOCKED.value: 3,
    OutboxStatus.FAILED.value: 1,
}


@dataclass
class Measurement:
    """Timings in milliseconds of a whole operation and of its main statement alone, the
    ids the last run returned (claimed rows), and the main statement's plan."""

    times_ms: list[float]
    query_ms: list[float]
    ids: list[int]
    plan: str

    @property
    def median_ms(self) -> float:
        return median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.times_ms, 0.95)

    @property
    def query_median_ms(self) -> float:
        return median(self.query_ms)


@dataclass
class BackendResult:
    """What one backend measured, and how long each phase took (seconds)."""

    name: str
    where: str
    indexed: Measurement
    baseline: Measurement
    release: Measurement
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.indexed.median_ms / self.baseline.median_ms


@dataclass(frozen=True)
class Population:
    """How many rows of each kind the generator writes."""

    rows: int
    due: int
    future: int
    due_by_priority: dict[int, int]

    @property
    def history(self) -> int:
        return self.rows - self.due - self.future


# --- the data ---------------------------------------------------------------------------


def population(rows: int, due: int, seed: int) -> Population:
    """Row counts per kind; due rows get their priorities drawn up front."""
    future = min(int(rows * FUTURE_SHARE), rows - due)
    rng = random.Random(seed)
    priorities = rng.choices((0, 1, 2), weights=DUE_PRIORITIES, k=due)
    return Population(rows, due, future, dict(sorted(Counter(priorities).items())))


def generate(
    people: Population, encoders: Sequence[Callable[[Any], Any] | None], seed: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Outbox rows in chunks, encoded for the driver, in random id order."""
    rng = random.Random(seed)
    due_priorities = [p for p, n in people.due_by_priority.items() for _ in range(n)]
    rng.shuffle(due_priorities)
    kinds = ["due"] * people.due + ["future"] * people.future + ["history"] * people.history
    rng.shuffle(kinds)
    history_statuses = list(HISTORY_STATUSES)
    history_weights = list(HISTORY_STATUSES.values())
    chunk: list[tuple[Any, ...]] = []
    for kind in kinds:
        claimed_at: datetime | None = None
        claimed_by: str | None = None
        sent_at: datetime | None = None
        attempts = 0
        if kind == "due":
            priority = due_priorities.pop()
            due_at = NOW - timedelta(seconds=rng.uniform(0, 3600))
            status = OutboxStatus.PENDING.value
        elif kind == "future":
            priority = rng.choices((0, 1, 2), weights=FUTURE_PRIORITIES)[0]
            due_at = NOW + timedelta(seconds=rng.uniform(60, 30 * 86400))
            status = OutboxStatus.PENDING.value
        else:
            priority = rng.choices((0, 1, 2), weights=HISTORY_PRIORITIES)[0]
            due_at = NOW - timedelta(seconds=rng.uniform(3600, 365 * 86400))
            status = rng.choices(history_statuses, weights=history_weights)[0]
            attempts = 1
            claimed_at = due_at
            claimed_by = "bot-1-5f3a9c2e"
            sent_at = due_at if status == OutboxStatus.SENT.value else None
        key, params = MESSAGES[priority]
        values = (
            rng.randrange(10**8, 8 * 10**9),
            key,
            params,
            priority,
            due_at,
            status,
            attempts,
            claimed_at,
            claimed_by,
            sent_at,
            due_at,  # created_at: the planner never looks at it
        )
        chunk.append(
            tuple(
                encode(value) if encode is not None and value is not None else value
                for encode, value in zip(encoders, values, strict=True)
            )
        )
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def encoders_for(dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """The bind processors SQLAlchemy itself applies, so raw inserts store identical values."""
    table = Outbox.__table__
    encoders: list[Callable[[Any], Any] | None] = []
    for name in COLUMNS:
        column_type = table.c[name].type
        encoders.append(column_type.dialect_impl(dialect).bind_processor(dialect))
    # Few distinct params: encode each once, not once per row.
    params_encoder = encoders[COLUMNS.index("params")]
    if params_encoder is not None:
        cache: dict[int, Any] = {}

        def cached(value: Any, encode: Callable[[Any], Any] = params_encoder) -> Any:
            key = id(value)
            if key not in cache:
                cache[key] = encode(value)
            return cache[key]

        encoders[COLUMNS.index("params")] = cached
    return encoders


async def insert_rows(engine: AsyncEngine, people: Population, seed: int) -> None:
    """Bulk insert: executemany per chunk on SQLite, COPY on PostgreSQL."""
    await bulk_insert(
        engine, "outbox", COLUMNS, generate(people, encoders_for(engine.dialect), seed)
    )


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics (on PostgreSQL also the visibility map, as autovacuum would)."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
        return
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE outbox")


# --- the measurement ---------------------------------------------------------------------


def due_index() -> Index:
    table = Base.metadata.tables[Outbox.__tablename__]
    return next(index for index in table.indexes if index.name == INDEX_NAME)


Operation = Callable[[OutboxRepository], Awaitable[list[int]]]


async def claim(outbox: OutboxRepository) -> list[int]:
    """The worker's claim; the ids it got."""
    rows = await outbox.claim(WORKER, NOW, CLAIM_LIMIT)
    return [row.id for row in rows]  # read before the rollback expires them


async def release_stale(outbox: OutboxRepository) -> list[int]:
    """What the worker runs before every round of claims: crashed workers' rows back."""
    await outbox.release_stale(NOW - STALE_CLAIM)
    return []


async def first_statement(
    engine: AsyncEngine, factory: SessionFactory, operation: Operation, verb: str
) -> tuple[str, Any]:
    """Run `operation` once (rolled back) and capture the first `verb` statement it sent."""
    statements: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with factory() as session:
            await session.connection()
            statements.clear()  # only what the operation itself sends
            await operation(OutboxRepository(session))
            await session.rollback()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    for statement, parameters in statements:
        if statement.lstrip().upper().startswith(verb):
            return statement, parameters
    raise RuntimeError(f"{operation.__name__} sent no {verb}")


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """The plan of `statement` on one line."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "; ".join(str(row[-1]) for row in result.all())
        result = await connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) {statement}", parameters)
        lines = [str(row[0]) for row in result.all()]
    # Node lines only ("Limit", "->  Index Scan using ..."), not their conditions.
    nodes = [line.strip().removeprefix("->").strip() for line in lines if _is_node(line)]
    return " > ".join(nodes)


def _is_node(line: str) -> bool:
    return line.strip().startswith("->") or not line.startswith(" ")


async def measure(
    engine: AsyncEngine,
    factory: SessionFactory,
    repeats: int,
    operation: Operation = claim,
    verb: str = "SELECT",
) -> Measurement:
    """Time `operation` `repeats` times after a warm-up, each in a rolled-back transaction;
    its first `verb` statement (for the claim: the SELECT an index serves) is timed alone."""
    statement, parameters = await first_statement(engine, factory, operation, verb)
    plan = await explain(engine, statement, parameters)
    times: list[float] = []
    query_times: list[float] = []
    query_started: list[float] = []

    def before(_conn: Any, _cursor: Any, sent: str, *_rest: Any) -> None:
        if sent == statement:
            query_started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, sent: str, *_rest: Any) -> None:
        if sent == statement and query_started:
            query_times.append((time.perf_counter() - query_started.pop()) * 1000)

    ids: list[int] = []
    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        for attempt in range(WARMUP + repeats):
            if attempt == WARMUP:
                query_times.clear()
            async with factory() as session:
                await session.connection()  # check-out and BEGIN are not the claim's cost
                started = time.perf_counter()
                ids = await operation(OutboxRepository(session))
                elapsed = time.perf_counter() - started
                await session.rollback()
            if attempt >= WARMUP:
                times.append(elapsed * 1000)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)
    return Measurement(times, query_times, ids, plan)


async def bench_backend(
    name: str, url: str, where: str, people: Population, repeats: int, seed: int
) -> BackendResult:
    """Migrate, fill, analyze, then measure the claim with and without the index."""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    await upgrade_async(url)
    phases["migrate"] = time.perf_counter() - started
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        mark = time.perf_counter()
        await insert_rows(engine, people, seed)
        phases["insert"] = time.perf_counter() - mark
        mark = time.perf_counter()
        await analyze(engine)
        phases["analyze"] = time.perf_counter() - mark
        mark = time.perf_counter()
        indexed = await measure(engine, factory, repeats)
        phases["claim"] = time.perf_counter() - mark
        mark = time.perf_counter()
        release = await measure(engine, factory, repeats, release_stale, "UPDATE")
        phases["release_stale"] = time.perf_counter() - mark
        mark = time.perf_counter()
        index = due_index()
        async with engine.begin() as connection:
            await connection.run_sync(index.drop)
        baseline = await measure(engine, factory, repeats)
        phases["baseline"] = time.perf_counter() - mark
        mark = time.perf_counter()
        async with engine.begin() as connection:
            await connection.run_sync(index.create)
        phases["reindex"] = time.perf_counter() - mark
    finally:
        await engine.dispose()
    phases["total"] = time.perf_counter() - started
    return BackendResult(name, where, indexed, baseline, release, phases)


# --- PostgreSQL: where to find it, where to work ---------------------------------------


def postgres_url(given: str | None) -> str | None:
    """The PostgreSQL URL to use (asyncpg driver), or None when none was named."""
    for candidate in (
        given,
        os.environ.get("BENCH_DATABASE_URL"),
        os.environ.get("TEST_DATABASE_URL"),
    ):
        if not candidate:
            continue
        url = make_url(candidate)
        if url.get_backend_name() == "postgresql":
            return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return None


def admin_engine(url: str | URL) -> AsyncEngine:
    return create_async_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"timeout": CONNECT_TIMEOUT}
    )


async def reachable(url: str) -> str | None:
    """None when PostgreSQL answers within the timeout, else why not."""
    engine = admin_engine(url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT + 0.5), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "skip PostgreSQL", with the reason
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return f"{type(exc).__name__}: {first_line}"
    finally:
        await engine.dispose()
    return None


class PostgresPlace:
    """A database `buddybot_bench` when the role may create one, else a schema in the
    given database (selected with `search_path` on every new connection)."""

    def __init__(self, url: str) -> None:
        self.given = make_url(url)
        self.url = url
        self.where = ""
        self._schema_listener: Callable[[Any, Any], None] | None = None
        self._database: str | None = None

    async def __aenter__(self) -> PostgresPlace:
        engine = admin_engine(self.given)
        try:
            async with engine.connect() as connection:
                may_create = await connection.scalar(
                    text(
                        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
                    )
                )
                if may_create:
                    await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
                    await connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DATABASE}"')
                    self._database = BENCH_DATABASE
                else:
                    await connection.exec_driver_sql(DROP_SCHEMA)
                    await connection.exec_driver_sql(f'CREATE SCHEMA "{BENCH_SCHEMA}"')
        finally:
            await engine.dispose()
        if self._database is not None:
            self.url = self.given.set(database=self._database).render_as_string(hide_password=False)
            self.where = f"database {self._database} (created for this run)"
        else:
            self._schema_listener = _search_path(BENCH_SCHEMA)
            event.listen(Pool, "connect", self._schema_listener)
            self.where = f"schema {BENCH_SCHEMA} in database {self.given.database}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._schema_listener is not None:
            event.remove(Pool, "connect", self._schema_listener)
        engine = admin_engine(self.given)
        try:
            async with engine.connect() as connection:
                if self._database is not None:
                    await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._database}"')
                else:
                    await connection.exec_driver_sql(DROP_SCHEMA)
        finally:
            await engine.dispose()


def _search_path(schema: str) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Straight on the driver, outside any transaction, so a rollback cannot undo it.
        dbapi_connection.run_async(
            lambda connection: connection.execute(f'SET search_path TO "{schema}"')
        )

    return on_connect


# --- output --------------------------------------------------------------------------------


def report(results: list[BackendResult], people: Population, repeats: int) -> None:
    print()
    print(
        f"{people.rows:,} rows, {people.due:,} due; median and p95 of {repeats} runs; "
        f"query ms: the operation's main statement alone"
    )
    print(
        f"{'backend':<10}{'operation':<17}{'index':<17}{'median ms':>10}{'p95 ms':>9}"
        f"{'query ms':>10}{'claimed':>9}"
    )
    for result in results:
        for operation, label, measured in (
            (f"claim({CLAIM_LIMIT})", INDEX_NAME, result.indexed),
            (f"claim({CLAIM_LIMIT})", "none (baseline)", result.baseline),
            ("release_stale", "as migrated", result.release),
        ):
            claimed = str(len(measured.ids)) if operation.startswith("claim") else "-"
            print(
                f"{result.name:<10}{operation:<17}{label:<17}{measured.median_ms:>10.3f}"
                f"{measured.p95_ms:>9.3f}{measured.query_median_ms:>10.3f}{claimed:>9}"
            )
    print()
    for result in results:
        print(
            f"{result.name:<10}claim/baseline = {result.ratio:.4f} "
            f"({1 / result.ratio:,.0f}x faster); "
            f"goal < {GOAL_MS:.0f} ms median: "
            f"{'met' if result.indexed.median_ms < GOAL_MS else 'NOT met'}; "
            f"release_stale before each round of claims: {result.release.median_ms:.1f} ms"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description="Outbox claim benchmark: index vs no index.")
    parser.add_argument("--rows", type=int, default=1_000_000, help="outbox rows in total")
    parser.add_argument("--due", type=int, default=1000, help="pending rows due now")
    parser.add_argument("--repeats", type=int, default=30, help="timed claims per variant")
    parser.add_argument("--database-url", default=None, help="PostgreSQL to use (asyncpg)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 0 < args.due <= args.rows:
        parser.error("need 0 < --due <= --rows")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    asyncio.run(run(args))


async def run(args: argparse.Namespace) -> None:
    people = population(args.rows, args.due, args.seed)
    by_priority = "/".join(str(people.due_by_priority.get(p, 0)) for p in (0, 1, 2))
    print(
        f"outbox: {people.rows:,} rows = {people.history:,} delivered history "
        f"(sent/cancelled/blocked/failed) + {people.future:,} pending later "
        f"+ {people.due:,} due now (priority 0/1/2: {by_priority})"
    )
    results: list[BackendResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as folder:
        path = Path(folder) / "outbox.sqlite3"
        results.append(
            await bench_backend(
                "sqlite",
                f"sqlite+aiosqlite:///{path}",
                f"temp file {path}",
                people,
                args.repeats,
                args.seed,
            )
        )
        show_backend(results[-1])
    url = postgres_url(args.database_url)
    postgres_note: str | None = None
    if url is None:
        postgres_note = (
            "no PostgreSQL named (--database-url, BENCH_DATABASE_URL, TEST_DATABASE_URL)"
        )
    else:
        problem = await reachable(url)
        if problem is not None:
            shown = make_url(url).render_as_string(hide_password=True)
            postgres_note = (
                f"PostgreSQL at {shown} unavailable (given {CONNECT_TIMEOUT:.0f} s): {problem}"
            )
    if postgres_note is None and url is not None:
        async with PostgresPlace(url) as place:
            results.append(
                await bench_backend(
                    "postgres", place.url, place.where, people, args.repeats, args.seed
                )
            )
        show_backend(results[-1])
    else:
        print(f"\npostgres: skipped: {postgres_note}")
    report(results, people, args.repeats)
    summary: dict[str, float | int] = {"rows": people.rows, "due": people.due}
    for result in results:
        summary[f"{result.name}_claim_ms"] = result.indexed.median_ms
        summary[f"{result.name}_baseline_ms"] = result.baseline.median_ms
        summary[f"{result.name}_ratio"] = result.ratio
    print(summary_line("outbox", summary))


def show_backend(result: BackendResult) -> None:
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.phases.items())
    same = result.indexed.ids == result.baseline.ids
    print()
    print(f"== {result.name}: {result.where}")
    print(f"   phases: {phases}")
    print(f"   plan with {INDEX_NAME}: {result.indexed.plan}")
    print(f"   plan without it:       {result.baseline.plan}")
    print(f"   plan of release_stale: {result.release.plan}")
    print(f"   same rows claimed with and without the index: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
