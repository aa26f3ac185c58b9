"""Engine and session factory; SQLite gets WAL and foreign keys, PostgreSQL works as is."""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.util import EMPTY_DICT, await_only

log = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/buddybot.sqlite3"
BUSY_TIMEOUT_MS = 30_000  # how long SQLite's thread waits for another writer
# A SELECT on the event loop that runs longer than this is stopped and run again in the
# connection's thread; SQLite's progress handler checks every _PROGRESS_STEPS steps of
# its virtual machine (a lookup by key takes fewer, and is never checked).
READ_ON_LOOP_BUDGET = 0.005  # seconds
_PROGRESS_STEPS = 1000
_SLOW_READS_KEPT = 1024
# SQLite's automatic checkpoint is off (it would run inside whichever commit grows the
# WAL past 1000 pages, maybe on the event loop); `WalCheckpointer` runs one every this
# many commits, in a worker thread.
CHECKPOINT_EVERY = 100
# The async drivers this code base runs on; the plain schemes that hosting providers hand
# out (postgres://, postgresql://, sqlite:///) mean the same database through them.
_SCHEMES = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


class UnsupportedDatabaseUrl(ValueError):
    """The URL names no database this code base can use; the message never repeats the URL
    (it may hold a password)."""


def normalize_database_url(url: str) -> str:
    """The URL with its scheme spelled for the async driver (`postgres://` ->
    `postgresql+asyncpg://`, `sqlite:///` -> `sqlite+aiosqlite:///`); raises
    UnsupportedDatabaseUrl for any other database or a malformed URL."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator:
        raise UnsupportedDatabaseUrl("is not a URL (expected scheme://...)")
    driver = _SCHEMES.get(scheme.lower())
    if driver is None:
        raise UnsupportedDatabaseUrl(f"the scheme {scheme!r} is not supported")
    normalized = f"{driver}://{rest}"
    try:
        make_url(normalized)
    except (ArgumentError, ValueError):
        raise UnsupportedDatabaseUrl("cannot be parsed as a database URL") from None
    return normalized


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine; makes the SQLite file's folder when needed."""
    # Errors quote the SQL, never its values: those are what people typed.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if is_sqlite(url):
        database = make_url(url).database
        checkpointer = None
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            checkpointer = WalCheckpointer(database)
        # Statements run on the event loop as well as in the connection's thread (see
        # `_OneHopCursor`), one at a time: the connection is not tied to one thread.
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        kwargs["module"] = OneHopAiosqlite(checkpointer)
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        WriterQueue().install(engine)
    return engine


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[Any, list[Any], int, int | None]:
    """In the connection's thread: one statement from cursor to rows, all at once."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _read_on_loop(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[Any, list[Any], int, int | None] | None:
    """On the event loop: a SELECT, as `_run_statement`, or None when it ran out of
    READ_ON_LOOP_BUDGET (SQLite's progress handler stops it: a read changes nothing, so
    the caller runs it again in the connection's thread)."""
    deadline = time.perf_counter() + READ_ON_LOOP_BUDGET
    connection.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_STEPS)
    try:
        return _run_statement(connection, operation, parameters)
    except sqlite3.OperationalError as error:
        if _error_code(error) == sqlite3.SQLITE_INTERRUPT:
            return None
        raise
    finally:
        connection.set_progress_handler(None, 0)


def _error_code(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # the primary code of an extended one


def _run_many(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[int, int | None]:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_and_commit(
    connection: sqlite3.Connection, statements: list[tuple[str, Any]], checked: list[bool]
) -> int:
    """In the connection's thread: see `_OneHopConnection.run_and_commit`."""
    for index, (operation, parameters) in enumerate(statements):
        cursor = connection.cursor()
        try:
            try:
                cursor.execute(operation, parameters)
            except sqlite3.Error as error:
                raise DBAPIError.instance(
                    operation, parameters, error, sqlite3.Error, hide_parameters=True
                ) from error
            if checked[index] and cursor.rowcount != 1:
                return index
        finally:
            cursor.close()
    try:
        connection.commit()
    except sqlite3.Error as error:
        raise DBAPIError.instance("COMMIT", None, error, sqlite3.Error) from error
    return -1


def _commit_on_loop(
    connection: sqlite3.Connection, statements: list[tuple[str, Any]], checked: list[bool]
) -> int | None:
    """On the event loop: `_run_and_commit`, never waiting. SQLite's busy handler would
    sleep on the loop while another process holds the write lock, so for this commit the
    busy timeout is 0. None when the write lock is taken: nothing was written, and the
    caller hands the commit to the thread, which waits for it. (A commit in WAL mode
    appends to the WAL without an fsync, and never checkpoints: `WalCheckpointer`.)"""
    fresh = not connection.in_transaction
    changes_before = connection.total_changes
    connection.execute("PRAGMA busy_timeout=0")
    try:
        return _run_and_commit(connection, statements, checked)
    except DBAPIError as error:
        original = error.orig
        locked = (
            isinstance(original, sqlite3.Error) and _error_code(original) == sqlite3.SQLITE_BUSY
        )
        if not (fresh and locked and connection.total_changes == changes_before):
            raise
        connection.rollback()
        return None
    finally:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor hands each statement to the connection's thread four
    times (open a cursor, execute, fetch, close), each a queue put, a thread wake-up and
    a loop wake-up; this one does it in one hand-off (`_run_statement`) and keeps the
    results here. Server-side cursors (streaming) stay SQLAlchemy's.

    A SELECT runs on the event loop itself (`_read_on_loop`): the hand-off costs more
    CPU than an update's reads, which look rows up by key (tens of microseconds), and
    the GIL passing between the loop and SQLite's threads slows everything else. In WAL
    mode a read never waits for a writer. One that runs past READ_ON_LOOP_BUDGET (a
    report) is stopped and run again in the thread, so the loop never waits on it; the
    same statement goes straight to the thread from then on."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        return None

    async def _async_soft_close(self) -> None:
        return None  # nothing open in the thread: the rows are already here

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        batch = cast("_OneHopConnection", self._adapt_connection)._batch
        if batch is not None:  # run at the commit, with it (`commit_writes`)
            batch.append((operation, parameters))
            self._description, self._rowcount, self._lastrowid = None, -1, None
            self._rows = collections.deque()
            return None
        aiosqlite_connection = self._connection
        mutex = self._adapt_connection._execute_mutex
        slow = cast(OneHopAiosqlite, self._adapt_connection.dbapi).slow_reads
        result = None
        if operation.startswith("SELECT") and operation not in slow and not mutex.locked():
            # Nothing else runs on this connection: it is this task's, and idle.
            result = _read_on_loop(aiosqlite_connection._conn, operation, parameters)
            if result is None:
                if len(slow) >= _SLOW_READS_KEPT:
                    slow.clear()
                slow.add(operation)
        if result is None:
            async with mutex:
                result = await aiosqlite_connection._execute(
                    _run_statement, aiosqlite_connection._conn, operation, parameters
                )
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        aiosqlite_connection = self._connection
        async with self._adapt_connection._execute_mutex:
            result = await aiosqlite_connection._execute(
                _run_many, aiosqlite_connection._conn, operation, seq_of_parameters
            )
        self._rowcount, self._lastrowid = result
        self._description = None
        return None


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Commits and rolls back only when SQLite has a transaction open: a read-only unit of
    work (no BEGIN: Python's sqlite3 opens one before the first write) and the pool's
    rollback after a commit cost no hand-off to the connection's thread. Python's sqlite3
    would make both a no-op there anyway."""

    __slots__ = ("_batch",)
    _cursor_cls = _OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        # Statements held for `run_and_commit` while `commit_writes` gathers them.
        self._batch: list[tuple[str, Any]] | None = None

    async def run_and_commit(self, statements: list[tuple[str, Any]], checked: list[bool]) -> int:
        """Run `statements` and COMMIT: -1 when committed, else the index of the first
        `checked` statement that did not change exactly one row (nothing committed then).

        On the event loop (`_commit_on_loop`: a few small writes to the WAL, without a
        hand-off), unless another process holds the write lock: then in one hand-off to
        SQLite's thread, which waits for it."""
        aiosqlite_connection = self._connection
        failed = None
        if not self._execute_mutex.locked():
            failed = _commit_on_loop(aiosqlite_connection._conn, statements, checked)
        if failed is None:
            async with self._execute_mutex:
                failed = await aiosqlite_connection._execute(
                    _run_and_commit, aiosqlite_connection._conn, statements, checked
                )
        if failed < 0:
            self._committed()
        return cast(int, failed)

    def _committed(self) -> None:
        checkpointer = cast(OneHopAiosqlite, self.dbapi).checkpointer
        if checkpointer is not None:
            checkpointer.committed()

    def _in_transaction(self) -> bool:
        connection = self._connection._connection
        return connection is not None and connection.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()
            self._committed()


class OneHopAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter with `_OneHopConnection`s (passed as the
    engine's `module`): fewer hand-offs between the event loop and SQLite's thread,
    measured ~13 per update before, ~5 after, none for most updates now that their reads
    and commit run on the loop (bench/pipeline.py)."""

    def __init__(self, checkpointer: WalCheckpointer | None = None) -> None:
        import aiosqlite

        super().__init__(aiosqlite, sqlite3)
        self.checkpointer = checkpointer
        self.slow_reads: set[str] = set()  # SELECTs that ran past READ_ON_LOOP_BUDGET

    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return _OneHopConnection(self, adapted._connection)


class WalCheckpointer:
    """Copies the WAL back into the database file (a PASSIVE checkpoint: it never waits
    for readers or writers) every CHECKPOINT_EVERY commits of the engine, in a worker
    thread on a connection of its own, so no commit on the event loop ever does (it
    fsyncs). One at a time; one that fails is logged, and the next comes as due."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.commits = 0
        self.checkpoints = 0  # done, for tests and benchmarks
        self._running: asyncio.Future[None] | None = None

    def committed(self) -> None:
        self.commits += 1
        if self.commits % CHECKPOINT_EVERY or (
            self._running is not None and not self._running.done()
        ):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a commit outside any event loop: the next one in a loop
            self.commits -= 1
            return
        self._running = loop.run_in_executor(None, self.checkpoint)
        self._running.add_done_callback(self._done)

    def checkpoint(self) -> None:
        """In a worker thread (or anywhere off the event loop)."""
        connection = sqlite3.connect(self.database, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()
        self.checkpoints += 1

    def _done(self, future: asyncio.Future[None]) -> None:
        if not future.cancelled() and (error := future.exception()) is not None:
            log.warning("WAL checkpoint failed: %s", type(error).__name__)


class WriterQueue:
    """SQLite lets one transaction write at a time; the others sleep in its busy handler,
    waking on a back-off of up to 100 ms, so many updates at once go slower than one at a
    time. Here a transaction's first write waits its turn on an asyncio lock instead, and
    the lock passes on the moment the writer commits or rolls back.

    Reads never wait (WAL). Only the part of a transaction from its first write to its end
    is serialised, which for an update is its last few statements (the conversation and
    the update's record are written at the commit). A unit of work nested in a task that
    already writes does not wait for itself (SQLite's busy handler applies to it, as
    without the queue).
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._holder: asyncio.Task[Any] | None = None

    def install(self, engine: AsyncEngine) -> None:
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", self._before_execute)
        event.listen(sync_engine, "commit", self._finished)
        event.listen(sync_engine, "rollback", self._finished)
        event.listen(sync_engine.pool, "reset", self._reset)
        event.listen(sync_engine.pool, "close", self._closed)

    def _before_execute(
        self, connection: Connection, _cursor: Any, statement: str, *_args: Any
    ) -> None:
        if _WRITING in connection.info or not _is_write(statement):
            return
        task = asyncio.current_task()
        if task is None or task is self._holder:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            await_only(_take_turn(self._lock))
        except TimeoutError:
            # Never a deadlock: a writer waiting on this one (a task it awaits) would
            # hold the turn forever; past the wait, SQLite's busy handler decides.
            log.warning("no turn to write within %ss; writing without one", WRITER_TURN_WAIT)
            return
        self._holder = task
        connection.info[_WRITING] = True

    def _finished(self, connection: Connection) -> None:
        self._release(connection.info)

    def _reset(self, _dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        self._release(record.info)

    def _closed(self, _dbapi_connection: Any, record: Any) -> None:
        self._release(record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        if info.pop(_WRITING, None) and self._lock is not None and self._lock.locked():
            self._holder = None
            self._lock.release()


async def _take_turn(lock: asyncio.Lock) -> None:
    """The lock within WRITER_TURN_WAIT, else TimeoutError. Not `asyncio.wait_for`: that
    runs the wait as a task of its own, two turns of the event loop even when the lock
    is free, as it mostly is; `asyncio.timeout` costs none then."""
    async with asyncio.timeout(WRITER_TURN_WAIT):
        await lock.acquire()


WRITER_TURN_WAIT = 10.0  # seconds
_WRITING = "buddybot_writer_turn"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITES)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the delivery worker read while a handler writes; NORMAL is durable in WAL mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # WalCheckpointer's work
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


# --- the writes of a commit ----------------------------------------------------------


class NoRow(Exception):
    """A checked write (`Write.reason`) changed no row, or more than one: nothing was
    committed, and the caller rolls back."""

    def __init__(self, reason: object) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Write:
    """A statement on a table, run at the commit: a conversation's new state, the record
    of a handled update. With a `reason`, it must change exactly one row: otherwise
    `commit_writes` raises NoRow(reason) and does not commit."""

    statement: Executable
    params: dict[str, Any]
    reason: object = None


def commit_writes(session: Session, writes: list[Write]) -> None:
    """Inside the session's greenlet (`AsyncSession.run_sync`): the session's pending
    changes, then `writes` in order, then the commit; NoRow before the commit when a
    checked write changed no row.

    On SQLite each statement is a hand-off to the connection's thread and back, which
    costs more CPU than the statement (~70-150 us on a busy machine). So there the
    `writes` are gathered as SQLAlchemy executes them (its events, the writer's turn and
    statement counts included) and run with the COMMIT in a single hand-off."""
    if not writes:
        session.commit()
        return
    connection = session.connection()
    adapted = connection.connection.dbapi_connection
    if not isinstance(adapted, _OneHopConnection):
        for write in writes:
            result = connection.execute(write.statement, write.params)
            if write.reason is not None and result.rowcount != 1:
                raise NoRow(write.reason)
        session.commit()
        return
    session.flush()  # the ORM's own writes: they need their answers (new rows' ids)
    adapted._batch = []
    try:
        for write in writes:
            connection.execute(write.statement, write.params)
        statements = adapted._batch
    finally:
        adapted._batch = None
    if len(statements) != len(writes):
        raise RuntimeError("a write became more than one statement")
    failed = await_only(
        adapted.run_and_commit(statements, [write.reason is not None for write in writes])
    )
    if failed >= 0:
        raise NoRow(writes[failed].reason)
    session.commit()  # committed already: SQLAlchemy's side of it (no hand-off)
