"""Engine and session factory; SQLite gets WAL and foreign keys, PostgreSQL works as is."""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import EMPTY_DICT, await_only

log = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/buddybot.sqlite3"
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
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["module"] = OneHopAiosqlite()
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


def _run_many(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[int, int | None]:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor hands each statement to the connection's thread four
    times (open a cursor, execute, fetch, close), each a queue put, a thread wake-up and
    a loop wake-up; this one does it in one hand-off (`_run_statement`) and keeps the
    results here. Server-side cursors (streaming) stay SQLAlchemy's."""

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
        aiosqlite_connection = self._connection
        async with self._adapt_connection._execute_mutex:
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

    __slots__ = ()
    _cursor_cls = _OneHopCursor  # type: ignore[assignment]

    def _in_transaction(self) -> bool:
        connection = self._connection._connection
        return connection is not None and connection.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneHopAiosqlite(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter with `_OneHopConnection`s (passed as the
    engine's `module`): fewer hand-offs between the event loop and SQLite's thread,
    measured ~13 per update before, ~5 after (bench/pipeline.py)."""

    def __init__(self) -> None:
        import aiosqlite

        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> _OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return _OneHopConnection(self, adapted._connection)


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
            await_only(asyncio.wait_for(self._lock.acquire(), WRITER_TURN_WAIT))
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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
