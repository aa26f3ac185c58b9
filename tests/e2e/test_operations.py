"""Operations: /healthz and /metrics on polling mode's side server, a second poller
refused with a clear message, and /healthz following the database down and back up."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import make_url

from bot.app import build_app, run_polling
from bot.config import ConfigError
from bot.settings import Settings
from delivery.ratelimit import counts_as_message
from domain.clock import FrozenClock
from domain.detection import DetectorProcess
from emulator import Emulator
from tests.conftest import TOKEN, RunningBot
from tests.e2e.test_webhook import free_port


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=10)) as r,
    ):
        return r.status, await r.text()


async def wait_for_status(port: int, path: str, status: int, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    last: tuple[int, str] | None = None
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            last = await get(port, path)
            if last[0] == status:
                return last[1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} never answered {status}; last: {last}")


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_polling_side_server_reports_health_and_metrics_matching_the_emulator(
    settings: Settings, emulator: Emulator, clock: FrozenClock, no_rejections: None
) -> None:
    port = free_port()
    bot = RunningBot(
        settings.model_copy(update={"metrics_port": port, "metrics_host": "127.0.0.1"}),
        emulator,
        clock,
    )
    await bot.start()
    try:
        health = await wait_for_status(port, "/healthz", 200)
        assert '"database": "ok"' in health
        assert ('"redis": "ok"' in health) == bool(settings.redis_url)
        for index in range(3):
            user = emulator.user(7101 + index, f"M{index}", "en")
            await user.command("start")
            await user.next_message(timeout=10)
        await asyncio.sleep(0.2)  # the last answer's metric is counted after it arrived
        status, text = await get(port, "/metrics")
    finally:
        await bot.stop()
    assert status == 200
    values = metric_values(text)
    sent: Counter[str] = Counter()
    for (name, labels), value in values.items():
        if name == "buddybot_telegram_messages_total" and dict(labels)["result"] == "ok":
            sent[dict(labels)["method"]] += int(value)
    logged = Counter(
        r.method for r in emulator.requests if r.status == 200 and counts_as_message(r.method)
    )
    assert sent == logged
    handled = sum(
        value
        for (name, labels), value in values.items()
        if name == "buddybot_updates_handled_total" and dict(labels)["kind"] == "message"
    )
    assert handled == 3
    assert values[("buddybot_handler_seconds_count", (("kind", "message"),))] == 3
    assert ("buddybot_outbox_backlog", ()) in values
    assert values[("buddybot_jobs_leader", ())] == 1
    # Everyone here had a phone language: no detector was started for them.
    assert values[("buddybot_detector_loads", ())] == DetectorProcess.loads


async def test_a_second_poller_is_refused_naming_the_setting(
    running_bot: RunningBot, settings: Settings, emulator: Emulator, clock: FrozenClock
) -> None:
    first = emulator.user(7200, "Ben", "en")
    await first.command("start")
    assert await first.next_message(timeout=10)  # the first one polls
    second = await build_app(
        settings, token=TOKEN, api_url=emulator.base_url or "", clock=clock, migrate=False
    )
    with pytest.raises(ConfigError) as refused:
        await asyncio.wait_for(run_polling(second, handle_signals=False), timeout=30)
    assert refused.value.setting == "WEBHOOK_URL"
    assert "another instance" in refused.value.render()
    # The first one still answers.
    user = emulator.user(7201, "Ana", "en")
    await user.command("start")
    assert await user.next_message(timeout=10)


async def test_a_poller_that_meets_409_at_start_stops_with_a_clear_message(
    settings: Settings, emulator: Emulator, clock: FrozenClock
) -> None:
    """Another machine polls the same bot (no shared lease to see it by): Telegram
    answers 409 Conflict, and the newcomer stops."""
    stop = asyncio.Event()

    async def other_machine() -> None:
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                url = f"{emulator.base_url}/bot{TOKEN}/getUpdates"
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.post(url, json={"timeout": 1}) as answer:
                        await answer.read()

    poller = asyncio.create_task(other_machine())
    try:
        await asyncio.sleep(0.2)
        app = await build_app(
            settings, token=TOKEN, api_url=emulator.base_url or "", clock=clock, migrate=False
        )
        with pytest.raises(ConfigError) as refused:
            await asyncio.wait_for(run_polling(app, handle_signals=False), timeout=40)
    finally:
        stop.set()
        await poller
    assert refused.value.setting == "WEBHOOK_URL"
    assert "409" in refused.value.render()


class CuttableTcp:
    """A TCP forwarder to the database the test can cut, as if the server stopped."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()
        self.server = None

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self.writers.discard(writer)


async def test_healthz_follows_the_database_down_and_back(
    settings: Settings, emulator: Emulator, clock: FrozenClock
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL): SQLite cannot be stopped")
    url = make_url(settings.database_url)
    tcp = CuttableTcp(url.host or "127.0.0.1", url.port or 5432)
    await tcp.start()
    port = free_port()
    through = url.set(host="127.0.0.1", port=tcp.port).render_as_string(hide_password=False)
    bot = RunningBot(
        settings.model_copy(
            update={"database_url": through, "metrics_port": port, "metrics_host": "127.0.0.1"}
        ),
        emulator,
        clock,
    )
    await bot.start()
    try:
        await wait_for_status(port, "/healthz", 200)
        await tcp.cut()
        down = await wait_for_status(port, "/healthz", 503)
        assert "unreachable" in down
        await tcp.start()
        await wait_for_status(port, "/healthz", 200)
    finally:
        if tcp.server is None:
            await tcp.start()
        await bot.stop()
        await tcp.cut()
