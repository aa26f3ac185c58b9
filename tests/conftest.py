"""Shared fixtures: a migrated database (SQLite, or PostgreSQL/Redis when the environment
names them), the Telegram emulator, and the real bot polling it over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, make_url, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from yarl import URL

from bot.app import BotApp, build_app, run_polling
from bot.settings import Settings
from domain import programmes
from domain.clock import FrozenClock
from emulator import Emulator
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Base, Programme

TOKEN = "123456:TEST-token-for-the-emulator"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning in Brussels
COORDINATOR_ID = 4242


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` (seconds of waiting: held sends, killed processes) start first,
    so parallel workers fill the waits with the short tests."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session")
def worker_index(worker_id: str) -> int:
    """0 without pytest-xdist, else the number of this worker (gw0, gw1, ...)."""
    return int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_index: int) -> Iterator[str]:
    """A database of this test worker's own, migrated to head: a fresh SQLite file, or on
    the PostgreSQL server TEST_DATABASE_URL names (in CI) a copy made for the worker."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        upgrade(url)
        yield url
        return
    name = f"{make_url(server).database}_w{worker_index}"
    asyncio.run(
        _on_server(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    )
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_drop_database(server, name))


async def _on_server(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for statement in statements:
            await connection.execute(text(statement))
    await engine.dispose()


async def _drop_database(server: str, name: str, attempts: int = 3) -> None:
    """Drop a worker's database at the end of the session. WITH (FORCE) ends the test
    role's sessions but is refused outright when a session of another role is on it (an
    autovacuum worker, someone's psql); a plain DROP then stops autovacuum itself, once our
    own sessions are ended. A database still in use is left with a warning, not a failed
    run: the next run's set-up drops it."""
    own_sessions = (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
        f"'{name}' AND usename = current_user AND pid <> pg_backend_pid()"
    )
    refusal: DBAPIError | None = None
    for attempt in range(attempts):
        try:
            if attempt == 0:
                await _on_server(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                await _on_server(server, own_sessions, f'DROP DATABASE IF EXISTS "{name}"')
            return
        except DBAPIError as error:
            refusal = error
            await asyncio.sleep(1)
    warnings.warn(f"test database {name} left behind: {refusal}", stacklevel=1)


@pytest.fixture(scope="session")
def redis_url(worker_index: int) -> str | None:
    """TEST_REDIS_URL with a Redis database number of this test worker's own."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return None
    return str(URL(url).with_path(f"/{worker_index}"))


@pytest.fixture(scope="session")
def compiled_locales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture
async def clean_database(database_url: str, redis_url: str | None) -> AsyncIterator[str]:
    """Every test starts from the migrated schema with only the default programme."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name == Programme.__tablename__:
                    await connection.execute(delete(table).where(table.c.is_default.is_(False)))
                    # The default programme stays, as the migration made it.
                    await connection.execute(
                        update(table).where(table.c.is_default.is_(True)).values(settings={})
                    )
                else:
                    await connection.execute(delete(table))
    except OperationalError:
        # A lock held this long is a leak from an earlier test: say which tasks still run.
        for task in asyncio.all_tasks():
            print(f"still running: {task!r}", file=sys.stderr)
            task.print_stack(limit=8, file=sys.stderr)
        raise
    finally:
        await engine.dispose()
    if redis_url:
        from redis.asyncio import Redis

        client = Redis.from_url(redis_url)
        await client.flushdb()
        await client.aclose()
    programmes.forget_kept_languages()  # what the last test's programmes offered
    yield database_url


async def close_if_running(app: BotApp) -> bool:
    """Close an app whose run was cut short (a cancelled `run_polling` skips its
    `close()`): its delivery worker, scheduler and leases would otherwise go on in the
    session's event loop, on this worker's database, on the clock of a test long over;
    such a worker once took a later test's kept reply and cancelled it as expired."""
    if not app.scheduler.running:
        return False
    await app.close()
    return True


@pytest.fixture
async def no_bot_outlives_its_test(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Every bot app started during a test is closed by its end (see close_if_running),
    however the test stopped it; one that was still running is named in a warning."""
    started: list[BotApp] = []
    start_background = BotApp.start_background

    async def tracked(app: BotApp) -> None:
        started.append(app)
        await start_background(app)

    monkeypatch.setattr(BotApp, "start_background", tracked)
    yield
    for app in started:
        if await close_if_running(app):
            warnings.warn("a bot app outlived its test; closed now", stacklevel=1)


@pytest.fixture
def settings(
    clean_database: str,
    redis_url: str | None,
    compiled_locales: Path,
    no_bot_outlives_its_test: None,
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=None,
        database_url=clean_database,
        redis_url=redis_url,
        data_dir=compiled_locales,
        coordinator_ids=[COORDINATOR_ID],
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture(scope="session")
async def shared_emulator() -> AsyncIterator[Emulator]:
    """One emulator serves the whole session (of each test worker)."""
    emu = Emulator(token=TOKEN)
    await emu.start(host="127.0.0.1", port=0)
    yield emu
    await emu.stop()


@pytest.fixture
def emulator(shared_emulator: Emulator) -> Iterator[Emulator]:
    """The session's emulator, as new for each test: it forgets the previous test's users,
    chats, requests, faults and limits."""
    shared_emulator.reset()
    yield shared_emulator
    shared_emulator.reset()


class RunningBot:
    """The real bot polling the emulator; `restart()` stops it and starts a new instance
    on the same database, as a process restart would."""

    def __init__(self, settings: Settings, emulator: Emulator, clock: FrozenClock) -> None:
        self.settings = settings
        self.emulator = emulator
        self.clock = clock
        self.app: BotApp | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> BotApp:
        self.app = await build_app(
            self.settings,
            token=TOKEN,
            api_url=self.emulator.base_url or "",
            clock=self.clock,
            migrate=False,
        )
        self.task = asyncio.create_task(run_polling(self.app, handle_signals=False))
        await asyncio.sleep(0)
        return self.app

    async def stop(self) -> None:
        app, task = self.app, self.task
        self.app, self.task = None, None
        if app is not None:
            with contextlib.suppress(RuntimeError):
                await app.dispatcher.stop_polling()
        try:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    # Updates still being handled get 10 s (finish_handlers), then the
                    # app closes: its worker finishes the message in flight.
                    await asyncio.wait_for(task, timeout=30)
        finally:
            if app is not None:
                await close_if_running(app)

    async def restart(self) -> BotApp:
        await self.stop()
        return await self.start()


@pytest.fixture
async def running_bot(
    settings: Settings, emulator: Emulator, clock: FrozenClock
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings, emulator, clock)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
def no_rejections(emulator: Emulator) -> Iterator[None]:
    """Fails the test when the emulator rejected any request the bot made."""
    yield
    emulator.assert_no_rejections()
