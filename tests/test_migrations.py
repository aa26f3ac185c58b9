"""Migrations build the schema from nothing, match the models, and go down and up again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import alembic_config, upgrade
from storage.models import Base


def _diff(url: str) -> list[object]:
    """Differences between the migrated database and the models (empty when they match)."""

    async def run() -> list[object]:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        await engine.dispose()
        return list(diff)

    return asyncio.run(run())


def test_upgrade_an_empty_sqlite_database_then_down_and_up(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(url)
    assert _diff(url) == []
    command.downgrade(alembic_config(url), "base")
    command.upgrade(alembic_config(url), "head")
    assert _diff(url) == []
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"programme", "person", "pair", "outbox", "processed_update"} <= tables


def test_the_test_database_matches_the_models(database_url: str) -> None:
    # database_url is migrated from empty at the start of the session: on SQLite here,
    # on PostgreSQL in CI (TEST_DATABASE_URL).
    assert _diff(database_url) == []
