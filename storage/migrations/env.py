"""Alembic environment: async engine, the models' metadata, batch mode on SQLite.

On PostgreSQL the migration runs under a session-level advisory lock, so instances that
start together against one fresh database migrate it once: the others wait for the lock,
then find the schema at head. (SQLite is locked around the whole run in storage.migrate.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging.config
from typing import Any, Literal

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import create_engine, is_sqlite
from storage.migrate import url_from_environment
from storage.models import Base, UTCDateTime

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    logging.config.fileConfig(config.config_file_name)

target_metadata = Base.metadata
# Any fixed 64-bit number, the same in every release: it names "the buddybot migration".
MIGRATION_LOCK_KEY = 7_261_990_415_113


def _url() -> str:
    # Storage reads DATABASE_URL itself: migrations never import the bot's settings.
    return config.get_main_option("sqlalchemy.url") or url_from_environment()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations must not import the models: render our UTC type as the column it is.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    locked = connection.dialect.name == "postgresql"
    if locked:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        # End the implicit transaction the lock query began: the lock belongs to the
        # session and outlives it, and Alembic must open its own transaction below.
        connection.commit()
    try:
        _migrate(connection)
    finally:
        if locked:
            # Closing the connection releases the lock too, so a failed unlock (the
            # connection broke) must not hide the error that brought us here.
            with contextlib.suppress(Exception):
                connection.rollback()  # a failed migration leaves an aborted transaction
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(_url()),
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
