"""Engine and session factory; SQLite gets WAL and foreign keys, PostgreSQL works as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

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
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


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
