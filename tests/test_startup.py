"""Safe start-up: every configuration error is a short, plain message with exit code 2,
migrations started twice at once run once, and brief Telegram trouble is waited out.

The configuration tests run `python -m bot ...` as a subprocess, the way an operator
would. The working directory is the test's own folder (with PYTHONPATH pointing at the
project) so that a developer's `.env` cannot change what is being tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot import config, startup
from bot.app import build_app, run_polling, run_webhook
from bot.settings import Settings
from delivery.telegram import ResilientRequests
from emulator import Emulator
from storage.migrate import alembic_config
from tests.conftest import TOKEN
from tests.e2e.helpers import buttons_data
from tests.processes import run_cli, run_cli_async

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {name.upper() for name in Settings.model_fields}
# Well-formed, so only the check under test fails; its secret part must never be printed.
TOKEN_SECRET = "never-print-this-token-part"
BOT_TOKEN = f"123456:{TOKEN_SECRET}"
PASSWORD = "hunter2-never-printed"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="TEST_DATABASE_URL names no PostgreSQL database",
)
is_root = hasattr(os, "geteuid") and os.geteuid() == 0


def closed_port() -> int:
    """A local port nobody listens on (just released by the operating system)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The process environment without any of the bot's settings, then a valid base
    configuration (SQLite and DATA_DIR under tmp_path), then `values`."""
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=BOT_TOKEN,
        # Never reached by these tests: start-up stops before Telegram is called.
        TELEGRAM_API_URL=f"http://127.0.0.1:{closed_port()}",
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        DATA_DIR=str(tmp_path / "data"),
        STARTUP_TIMEOUT="0",
        LOG_LEVEL="WARNING",
    )
    env.update(values)
    return env


def run_bot(tmp_path: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot *args` as a process of its own (forked with the modules loaded)."""
    return run_cli(list(args), bot_env(tmp_path, **values), tmp_path)


def exec_bot(tmp_path: Path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot *args` exactly as an operator types it: a new interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=bot_env(tmp_path, **values),
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_config_error(
    result: subprocess.CompletedProcess[str], setting: str, *secrets: str
) -> list[str]:
    """Exit code 2, at most three lines, the variable named, no traceback, no secret."""
    output = result.stdout + result.stderr
    lines = output.strip().splitlines()
    assert result.returncode == 2, output
    assert 1 <= len(lines) <= 3, output
    assert setting in output, output
    assert "Traceback" not in output, output
    for secret in (TOKEN_SECRET, PASSWORD, *secrets):
        assert secret not in output, output
    return lines


# --- configuration errors, one test each ---------------------------------------------------


def test_unsupported_database_scheme(tmp_path: Path) -> None:
    # The one test through a new interpreter, as an operator runs it; the others fork.
    result = exec_bot(tmp_path, "run", DATABASE_URL=f"mysql://bot:{PASSWORD}@db/buddybot")
    lines = assert_config_error(result, "DATABASE_URL")
    assert "'mysql' is not supported" in lines[0]


@pytest.mark.long
def test_postgres_refusing_connections_is_retried_then_exit_2(tmp_path: Path) -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{closed_port()}/buddybot"
    result = run_bot(tmp_path, "run", DATABASE_URL=url)
    lines = assert_config_error(result, "DATABASE_URL")
    assert "refused" in lines[0]
    # With time to spare it waits, one line per wait, then gives up with the same error.
    result = run_bot(tmp_path, "migrate", DATABASE_URL=url, STARTUP_TIMEOUT="1.5")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    waits = [line for line in output.splitlines() if "retrying in" in line]
    assert waits, output
    assert all("DATABASE_URL" in line and "refused" in line for line in waits), output
    assert "STARTUP_TIMEOUT" in output and PASSWORD not in output and "Traceback" not in output


def test_unknown_database_host_stops_at_once(tmp_path: Path) -> None:
    url = f"postgres://bot:{PASSWORD}@no-such-host.invalid/buddybot"
    result = run_bot(tmp_path, "migrate", DATABASE_URL=url, STARTUP_TIMEOUT="60")
    lines = assert_config_error(result, "DATABASE_URL")
    assert "does not resolve" in lines[0]
    assert "retrying" not in result.stderr


@needs_postgres
def test_wrong_database_password_stops_at_once(tmp_path: Path) -> None:
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL).set(password=PASSWORD)
    if _connects(url.render_as_string(hide_password=False)):
        pytest.skip("this PostgreSQL server does not check passwords (trust)")
    result = run_bot(
        tmp_path,
        "migrate",
        DATABASE_URL=url.render_as_string(hide_password=False),
        STARTUP_TIMEOUT="60",
    )
    lines = assert_config_error(result, "DATABASE_URL")
    assert "user name or password" in lines[0]


@needs_postgres
def test_missing_database_stops_at_once(tmp_path: Path) -> None:
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL).set(database=f"no_such_db_{uuid.uuid4().hex[:8]}")
    result = run_bot(
        tmp_path,
        "migrate",
        DATABASE_URL=url.render_as_string(hide_password=False),
        STARTUP_TIMEOUT="60",
    )
    lines = assert_config_error(result, "DATABASE_URL", url.password or PASSWORD)
    assert "does not exist" in lines[0]


def test_sqlite_folder_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    url = f"sqlite:///{blocker / 'bot.sqlite3'}"
    lines = assert_config_error(run_bot(tmp_path, "migrate", DATABASE_URL=url), "DATABASE_URL")
    assert "not a folder" in lines[0]
    assert not (blocker.parent / "bot.sqlite3").exists()


@pytest.mark.skipif(is_root, reason="root writes into read-only folders")
def test_sqlite_folder_not_writable(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        url = f"sqlite+aiosqlite:///{folder / 'bot.sqlite3'}"
        result = run_bot(tmp_path, "run", DATABASE_URL=url)
    finally:
        folder.chmod(0o700)
    lines = assert_config_error(result, "DATABASE_URL")
    assert "not writable" in lines[0]


def test_data_dir_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_bot(tmp_path, "run", DATA_DIR=str(blocker / "data"))
    lines = assert_config_error(result, "DATA_DIR")
    assert "part of the path is a file" in lines[0]


@pytest.mark.skipif(is_root, reason="root writes into read-only folders")
def test_data_dir_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run_bot(tmp_path, "run", DATA_DIR=str(folder))
    finally:
        folder.chmod(0o700)
    assert_config_error(result, "DATA_DIR")


@pytest.mark.long
def test_unreachable_redis(tmp_path: Path) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0"
    lines = assert_config_error(run_bot(tmp_path, "run", REDIS_URL=url), "REDIS_URL")
    assert "refused" in lines[0]


@pytest.mark.long
def test_redis_with_unknown_host_stops_at_once(tmp_path: Path) -> None:
    url = f"redis://:{PASSWORD}@no-such-host.invalid:6379/0"
    result = run_bot(tmp_path, "run", REDIS_URL=url, STARTUP_TIMEOUT="60")
    lines = assert_config_error(result, "REDIS_URL")
    assert "does not resolve" in lines[0]


def test_bad_token_format(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "run", BOT_TOKEN=f"paste-{TOKEN_SECRET}-here")
    lines = assert_config_error(result, "BOT_TOKEN")
    assert "does not look like a bot token" in lines[0]


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("TIMEZONE", "Europe/Atlantis", "not a known time zone"),
        ("DEFAULT_LOCALE", "xx", "not one of the supported languages"),
        ("COORDINATOR_IDS", "123, @kim", "not a Telegram user id"),
        ("WEBHOOK_PORT", "eighty", "valid integer"),
        ("STARTUP_TIMEOUT", "-5", "greater than or equal to 0"),
        ("LOG_LEVEL", "loud", "not a log level"),
    ],
)
def test_invalid_setting(tmp_path: Path, setting: str, value: str, problem: str) -> None:
    lines = assert_config_error(run_bot(tmp_path, "run", **{setting: value}), setting)
    assert lines[0].startswith(f"Configuration error in {setting}: ")
    assert problem in lines[0]
    assert "To fix:" in lines[1]


def test_empty_values_mean_the_defaults(tmp_path: Path) -> None:
    # `DATABASE_URL=` in a .env file is "use the default", not "a database called ''".
    result = run_bot(
        tmp_path, "migrate", DATABASE_URL="", TIMEZONE="", COORDINATOR_IDS="", STARTUP_TIMEOUT=""
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "buddybot.sqlite3").is_file()


def test_postgres_scheme_is_normalised() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="postgres://bot:pw@db:5432/buddybot",
    )
    assert settings.database_url == "postgresql+asyncpg://bot:pw@db:5432/buddybot"
    settings = Settings(_env_file=None, database_url="sqlite:///data/x.sqlite3")  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///data/x.sqlite3"


# --- webhook mode and its secret ----------------------------------------------------------------


def test_webhook_without_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run_bot(tmp_path, "run", WEBHOOK_URL="https://bot.example.org/telegram")
    lines = assert_config_error(result, "WEBHOOK_SECRET")
    assert "WEBHOOK_ALLOW_NO_SECRET" in lines[1]


def test_webhook_secret_with_forbidden_characters(tmp_path: Path) -> None:
    secret = "spaces are not allowed here"
    result = run_bot(
        tmp_path, "run", WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET=secret
    )
    assert_config_error(result, "WEBHOOK_SECRET", secret)


def test_allowing_no_webhook_secret_gets_past_the_check_with_a_warning(tmp_path: Path) -> None:
    # The next check (an unwritable DATA_DIR) stops it: proof the secret check let it pass.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_bot(
        tmp_path,
        "run",
        WEBHOOK_URL="https://bot.example.org/telegram",
        WEBHOOK_ALLOW_NO_SECRET="true",
        DATA_DIR=str(blocker / "data"),
    )
    lines = assert_config_error(result, "DATA_DIR")
    assert "WARNING" in lines[0] and "WEBHOOK_SECRET is not set" in lines[0]
    assert lines[1].startswith("Configuration error in DATA_DIR")


async def test_webhook_without_secret_runs_when_allowed(
    settings: Settings, emulator: Emulator, free_port: int
) -> None:
    refused = settings.model_copy(update={"webhook_url": f"http://127.0.0.1:{free_port}/hook"})
    app = await build_app(refused, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    with pytest.raises(config.ConfigError, match="WEBHOOK_SECRET"):
        await run_webhook(app)
    assert emulator.webhook is None

    allowed = refused.model_copy(
        update={
            "webhook_allow_no_secret": True,
            "webhook_host": "127.0.0.1",
            "webhook_port": free_port,
        }
    )
    app = await build_app(allowed, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    server = asyncio.create_task(run_webhook(app))
    try:
        user = emulator.user(9701, "Nour", "en")
        for _ in range(100):
            if emulator.webhook is not None:
                break
            await asyncio.sleep(0.05)
        await user.command("start")
        assert "lang:en:onb" in buttons_data(await user.next_message(timeout=10))
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server


@pytest.fixture
def free_port() -> int:
    return closed_port()


# --- a token Telegram refuses -------------------------------------------------------------------


@pytest.mark.long
async def test_token_refused_by_telegram_stops_at_once(emulator: Emulator, tmp_path: Path) -> None:
    # Well-formed but not the emulator's token: getMe answers 401 Unauthorized.
    env = bot_env(tmp_path, TELEGRAM_API_URL=emulator.base_url or "", STARTUP_TIMEOUT="60")
    result = await run_cli_async(["run"], env, tmp_path)
    lines = assert_config_error(result, "BOT_TOKEN")
    assert "refused the token" in lines[0]
    assert "retrying" not in result.stderr
    assert [r.status for r in emulator.requests_for("getMe")] == [401]


# --- two instances migrating one fresh database at once -------------------------------------


def migrate_twice_at_once(tmp_path: Path, database_url: str) -> None:
    env = bot_env(tmp_path, DATABASE_URL=database_url, STARTUP_TIMEOUT="30")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
        assert "Database is up to date." in output


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_two_processes_migrate_one_fresh_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    migrate_twice_at_once(tmp_path, f"sqlite+aiosqlite:///{path}")
    engine = create_sync_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    engine.dispose()
    assert versions == [(head_revision(),)]
    assert "broadcast" in tables


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the TEST_DATABASE_URL server, dropped afterwards."""
    assert TEST_DATABASE_URL is not None
    name = f"buddybot_startup_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{name}"'))


@needs_postgres
def test_two_processes_migrate_one_fresh_postgres_database(
    tmp_path: Path, fresh_postgres_database: str
) -> None:
    migrate_twice_at_once(tmp_path, fresh_postgres_database)

    async def versions() -> list[tuple[str]]:
        engine = create_async_engine(fresh_postgres_database)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        await engine.dispose()
        return [tuple(row) for row in rows]

    assert asyncio.run(versions()) == [(head_revision(),)]


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


def _connects(url: str) -> bool:
    async def attempt() -> bool:
        engine = create_async_engine(url)
        try:
            async with engine.connect():
                return True
        except Exception:
            return False
        finally:
            await engine.dispose()

    return asyncio.run(attempt())


# --- brief Telegram trouble at start-up ----------------------------------------------------------


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "RETRY_BASE_SECONDS", 0.05)


@pytest.fixture
async def stopped_bot() -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for task in tasks:
        # The test stops polling; the bot then closes by itself (a cancel is the last
        # resort: it must not cut its closing short).
        await asyncio.wait({task}, timeout=30)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.long
async def test_start_up_survives_six_429s_and_six_502s(
    settings: Settings,
    emulator: Emulator,
    quick_backoff: None,
    stopped_bot: list[asyncio.Task[None]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.startup")
    emulator.fail_next("getMe", status=502, count=6)
    emulator.too_many_next(retry_after=1, count=6, method="deleteWebhook")
    app = await build_app(settings, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    for middleware in app.bot.session.middleware:
        if isinstance(middleware, ResilientRequests):
            middleware.base_delay = 0.01  # its own 5xx backoff; 429s wait what Telegram says
    started = time.monotonic()
    stopped_bot.append(asyncio.create_task(run_polling(app, handle_signals=False)))

    user = emulator.user(9601, "Amal", "en")
    await user.command("start")
    reply = await user.next_message(timeout=30)
    assert "lang:en:onb" in buttons_data(reply)
    assert time.monotonic() - started < 20

    assert [r.status for r in emulator.requests_for("getMe")].count(502) == 6
    assert [r.status for r in emulator.requests_for("deleteWebhook")].count(429) == 6
    waits = [r.getMessage() for r in caplog.records if r.name == "bot.startup"]
    assert any("getMe" in line and "retrying in" in line for line in waits), waits
    assert any("deleteWebhook" in line and "asked to wait" in line for line in waits), waits
    assert all("TELEGRAM_API_URL" in line and TOKEN not in line for line in waits), waits
    await app.dispatcher.stop_polling()


async def test_a_command_menu_the_server_refuses_does_not_stop_the_bot(
    settings: Settings,
    emulator: Emulator,
    stopped_bot: list[asyncio.Task[None]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The menus are a convenience (every command is a button too): a Bot API server that
    # refuses one language's menu must not keep newcomers from being answered.
    caplog.set_level(logging.WARNING, logger="bot.factories")
    emulator.refuse_next("setMyCommands", "Bad Request: language code is invalid", count=2)
    app = await build_app(settings, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    stopped_bot.append(asyncio.create_task(run_polling(app, handle_signals=False)))

    user = emulator.user(9602, "Amal", "en")
    await user.command("start")
    reply = await user.next_message(timeout=30)
    assert "lang:en:onb" in buttons_data(reply)
    refused = [r for r in emulator.requests_for("setMyCommands") if r.status == 400]
    assert len(refused) == 2
    menus = [r for r in emulator.requests_for("setMyCommands") if r.status == 200]
    assert menus, "the other languages' menus were still set"
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.factories"]
    assert sum("setMyCommands refused" in line for line in warned) == 2, warned
    await app.dispatcher.stop_polling()
