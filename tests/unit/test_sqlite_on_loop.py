"""SQLite on the event loop (storage.db): an update's reads and its commit run where the
update runs, without a hand-off to the connection's thread; anything that would make the
loop wait (a long read, another process's write lock, a WAL checkpoint) goes to a thread.

Which thread ran a statement is read from SQLite itself: `thread_ident()` is a function
registered on the connection, called by the statement."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from storage import db
from storage.db import SessionFactory, create_engine, create_session_factory, is_sqlite
from storage.models import ProcessedUpdate
from storage.uow import UnitOfWork

# Counts to a million in SQLite: a few hundred milliseconds, far past READ_ON_LOOP_BUDGET.
LONG_READ = (
    "SELECT thread_ident(), (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
    "WHERE x < 1000000) SELECT count(*) FROM c)"
)


@pytest.fixture
async def sqlite_url(clean_database: str) -> str:
    if not is_sqlite(clean_database):
        pytest.skip("SQLite's own connection handling")
    return clean_database


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(sqlite_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def _thread_aware(uow: UnitOfWork) -> None:
    """Registers thread_ident() on the unit of work's connection."""
    connection = await uow.session.connection()
    raw = await connection.get_raw_connection()
    sqlite_connection: sqlite3.Connection = raw.driver_connection._conn  # type: ignore[union-attr]
    sqlite_connection.create_function("thread_ident", 0, threading.get_ident)


class Ticks:
    """Counts the event loop's turns while it is free (every millisecond)."""

    def __init__(self) -> None:
        self.count = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self.count += 1

    def __enter__(self) -> Ticks:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: Any) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_a_short_read_runs_on_the_event_loop(sessions: SessionFactory) -> None:
    async with UnitOfWork(sessions) as uow:
        await _thread_aware(uow)
        ran_in = await uow.session.scalar(text("SELECT thread_ident()"))
    assert ran_in == threading.get_ident()


async def test_a_long_read_moves_to_the_connections_thread(sessions: SessionFactory) -> None:
    async with UnitOfWork(sessions) as uow:
        await _thread_aware(uow)
        with Ticks() as ticks:
            row = (await uow.session.execute(text(LONG_READ))).one()
        # The same connection still reads on the loop afterwards (the budget was reset).
        after = await uow.session.scalar(text("SELECT thread_ident()"))
    ran_in, counted = row
    assert counted == 1_000_000  # run again in full, not cut short
    assert ran_in != threading.get_ident()
    assert ticks.count > 10  # the loop went on while it ran
    assert after == threading.get_ident()
    # The next time, the long read goes straight to the thread.
    assert LONG_READ in _module(sessions).slow_reads


async def test_a_commit_waits_for_another_processs_writer_off_the_loop(
    sessions: SessionFactory, sqlite_url: str
) -> None:
    """Another process (here: another connection) holds the write lock; the update's
    commit waits in the thread, not on the loop, and commits once the lock is free."""
    path = sqlite_url.split(":///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.execute, "COMMIT")
    try:
        with Ticks() as ticks:
            async with UnitOfWork(sessions) as uow:
                await uow.conversations.write("fsm:1:9:9:default", state="Onboarding:name")
                committed = await uow.commit_update(77_001)
    finally:
        other.close()
    assert committed
    assert ticks.count > 50  # 300 ms of waiting, and the loop free throughout
    async with UnitOfWork(sessions) as uow:
        records = await uow.session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == 77_001)
        )
        state, _data = await uow.conversations.read("fsm:1:9:9:default")
    assert records == 1
    assert state == "Onboarding:name"


async def test_commits_never_checkpoint_the_wal_themselves(sessions: SessionFactory) -> None:
    """SQLite's automatic checkpoint is off; the checkpointer copies the WAL back into the
    database every CHECKPOINT_EVERY commits, in a worker thread."""
    async with UnitOfWork(sessions) as uow:
        await _thread_aware(uow)
        assert await uow.session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
    checkpointer = _checkpointer(sessions)
    assert checkpointer is not None
    before = checkpointer.checkpoints
    for n in range(db.CHECKPOINT_EVERY):
        async with UnitOfWork(sessions) as uow:
            await uow.conversations.write(f"fsm:1:{n}:{n}:default", state="Onboarding:name")
            assert await uow.commit_update(78_000 + n)
    running = checkpointer._running
    assert running is not None
    await running
    assert checkpointer.checkpoints == before + 1


def _module(sessions: SessionFactory) -> db.OneHopAiosqlite:
    module = sessions.kw["bind"].sync_engine.dialect.dbapi
    assert isinstance(module, db.OneHopAiosqlite)
    return module


def _checkpointer(sessions: SessionFactory) -> db.WalCheckpointer | None:
    return _module(sessions).checkpointer


def test_a_commit_outside_an_event_loop_defers_the_checkpoint(tmp_path: Any) -> None:
    """The commit already happened: no loop to run the checkpoint in must not turn it into
    an error; the next commit in a loop runs it."""
    checkpointer = db.WalCheckpointer(str(tmp_path / "x.sqlite3"))
    for _ in range(db.CHECKPOINT_EVERY):
        checkpointer.committed()
    assert checkpointer._running is None and checkpointer.commits == db.CHECKPOINT_EVERY - 1
