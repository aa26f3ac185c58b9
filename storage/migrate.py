"""Apply Alembic migrations from code (the CLI's `migrate` and `run` use this).

Two processes starting together on one fresh database must both come up with the schema
migrated once: the migration holds a lock, a PostgreSQL advisory lock (taken in
`migrations/env.py` on the migration connection) or, on SQLite, an exclusive `flock` on
a file next to the database. The loser waits, then finds the schema at head.

Connection failures are turned into `DatabaseProblem`s that say, without the URL (it may
hold a password), what went wrong and whether waiting can help.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import DEFAULT_DATABASE_URL, is_sqlite, normalize_database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_SUFFIX = ".migrate-lock"


class DatabaseProblem(Exception):
    """The database cannot be used. `transient`: it may work later (refused, starting up,
    timed out); otherwise waiting does not help (unknown host, wrong password, no such
    database). The message never contains the URL."""

    def __init__(self, problem: str, *, transient: bool) -> None:
        super().__init__(problem)
        self.problem = problem
        self.transient = transient


def url_from_environment() -> str:
    """DATABASE_URL from the environment (normalised), else the default SQLite file.

    Storage's own reading, so the Alembic command line works without the bot's settings."""
    return normalize_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url`, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def sqlite_lock_path(database_url: str) -> Path | None:
    """The lock file beside a SQLite database file (None: not a file on disk)."""
    if not is_sqlite(database_url):
        return None
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(path.name + LOCK_SUFFIX)


@contextmanager
def _sqlite_migration_lock(database_url: str) -> Iterator[None]:
    lock_path = sqlite_lock_path(database_url)
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one process at a time is then up to the user
        lock_path = None
    if lock_path is None:
        yield
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # The file stays after use: deleting it would let a third process lock a new inode
    # while a second still waits on the old one.
    with lock_path.open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision` (blocking; runs its own event loop), holding the
    migration lock; connection failures raise DatabaseProblem."""
    with _sqlite_migration_lock(database_url):
        try:
            command.upgrade(alembic_config(database_url), revision)
        except Exception as error:
            problem = classify(error)
            if problem is None:
                raise
            raise problem from error


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """`upgrade` off the running event loop."""
    # Alembic's async env.py runs its own loop, so keep it off the bot's loop.
    await asyncio.to_thread(upgrade, database_url, revision)


async def check_connection(database_url: str, seconds: float) -> None:
    """Connect once and run `SELECT 1` within `seconds`; raises DatabaseProblem."""
    # Both drivers take `timeout`: asyncpg's connect timeout, sqlite3's busy timeout.
    connect_args: dict[str, object] = {"timeout": seconds}
    engine = create_async_engine(database_url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        problem = classify(error)
        if problem is None:
            raise
        raise problem from error
    finally:
        await engine.dispose()


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps (SQLAlchemy's `.orig`, `__cause__`, `__context__`)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None]
        pending += [current.__cause__, current.__context__]


def classify(error: BaseException) -> DatabaseProblem | None:
    """What a connection error means for the person starting the bot (None: not a
    connection problem, e.g. a bug in a migration)."""
    if isinstance(error, DatabaseProblem):
        return error
    try:
        import asyncpg
    except ImportError:  # only SQLite in this installation
        asyncpg = None
    for cause in _causes(error):
        if asyncpg is not None and isinstance(cause, asyncpg.PostgresError):
            found = _classify_postgres(cause, asyncpg)
            if found is not None:
                return found
        if isinstance(cause, socket.gaierror):
            return DatabaseProblem("the host name does not resolve", transient=False)
        if isinstance(cause, ConnectionRefusedError):
            return DatabaseProblem("the connection was refused", transient=True)
        if isinstance(cause, TimeoutError):
            return DatabaseProblem("the database did not answer in time", transient=True)
        if isinstance(cause, OSError):
            reason = cause.strerror or type(cause).__name__
            return DatabaseProblem(f"the connection failed ({reason})", transient=True)
        if isinstance(cause, sqlite3.DatabaseError):
            return _classify_sqlite(cause)
    return None


def _classify_postgres(error: Exception, asyncpg: object) -> DatabaseProblem | None:
    exceptions = asyncpg.exceptions  # type: ignore[attr-defined]
    if isinstance(
        error,
        exceptions.InvalidPasswordError | exceptions.InvalidAuthorizationSpecificationError,
    ):
        return DatabaseProblem("the server refused the user name or password", transient=False)
    if isinstance(error, exceptions.InvalidCatalogNameError):
        return DatabaseProblem("the database does not exist on that server", transient=False)
    if isinstance(error, exceptions.CannotConnectNowError):
        return DatabaseProblem("the server is starting up or shutting down", transient=True)
    if isinstance(error, exceptions.TooManyConnectionsError):
        return DatabaseProblem("the server has too many connections", transient=True)
    return None


def _classify_sqlite(error: sqlite3.DatabaseError) -> DatabaseProblem | None:
    message = str(error).lower()
    if "unable to open database file" in message:
        return DatabaseProblem("the SQLite file cannot be opened or created", transient=False)
    if "readonly" in message or "read-only" in message:
        return DatabaseProblem("the SQLite file is read-only", transient=False)
    if "not a database" in message:
        return DatabaseProblem("the file is not an SQLite database", transient=False)
    if "locked" in message:
        return DatabaseProblem("the SQLite file is locked by another process", transient=True)
    return None
