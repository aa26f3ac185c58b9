"""Several instances: two real bot processes in webhook mode behind a round-robin proxy,
one PostgreSQL, one Redis, and the emulator holding the bot to 300 messages a second and
one a second per chat (PostgreSQL and Redis only: CI's second run).

- A broadcast to 5,000 people reaches each exactly once, within the limits of the bot
  as a whole (the shared limit in Redis), while people who write meanwhile get answers.
- The periodic jobs run on one instance; killed with kill -9, the other takes them over
  within a minute; nothing is sent twice.
- /metrics parses, and its message counters match the emulator's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from delivery.ratelimit import counts_as_message
from emulator import Emulator, RateLimit, SimulatedUser
from storage.db import create_engine
from storage.models import CheckIn, Outbox, Pair, Programme, User
from tests.conftest import COORDINATOR_ID
from tests.e2e.helpers import bot_process_env, scalar
from tests.e2e.test_broadcast_crash import wait_until_answering
from tests.e2e.test_broadcasts import bc, seed_members, write_broadcast
from tests.e2e.test_webhook import free_port
from tests.processes import BotProcess

RECIPIENTS = 5000
RATE = 300  # paid broadcasts: up to 1,000 a second; 300 keeps the test short
WRITERS = 30  # people writing to the bot during the broadcast
TEXT = "Belangrijk: de <b>nieuwjaarsreceptie</b> is verplaatst naar zaterdag."
SECRET = "scale-out-secret"
PAIR_IDS = (990_001, 990_002, 990_003, 990_004)  # a quiet pair, then a completed one


@pytest.fixture
def scale_database(clean_database: str, redis_url: str | None) -> str:
    if not clean_database.startswith("postgresql") or not redis_url:
        pytest.skip("several instances need PostgreSQL and Redis (TEST_DATABASE_URL/REDIS_URL)")
    return clean_database


class RoundRobinProxy:
    """The load balancer: each webhook post goes to the next instance; one that does not
    answer is skipped (as a balancer's health check would)."""

    def __init__(self, ports: list[int]) -> None:
        self.targets = itertools.cycle(ports)
        self.count = len(ports)
        self.session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        assert self.session is not None
        body = await request.read()
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower() in ("content-type", "x-telegram-bot-api-secret-token")
        }
        for _ in range(self.count):
            port = next(self.targets)
            try:
                async with self.session.post(
                    f"http://127.0.0.1:{port}{request.path}", data=body, headers=headers
                ) as answer:
                    return web.Response(
                        status=answer.status,
                        body=await answer.read(),
                        content_type=answer.content_type,
                    )
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    @contextlib.asynccontextmanager
    async def serving(self, port: int) -> AsyncIterator[None]:
        app = web.Application()
        app.router.add_post("/{path:.*}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self.session = aiohttp.ClientSession()
        try:
            yield
        finally:
            await self.session.close()
            await runner.cleanup()


async def get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}{path}", timeout=aiohttp.ClientTimeout(total=5)) as r,
    ):
        return r.status, await r.text()


async def wait_healthy(bot: BotProcess, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bot.running, bot.tail()
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            if (await get(port, "/healthz"))[0] == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no healthy instance on {port}:\n{bot.tail()}")


def samples(text: str) -> Iterator[tuple[str, dict[str, str], float]]:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            yield sample.name, sample.labels, sample.value


def sent_by_method(metrics: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in metrics:
        for name, labels, value in samples(text):
            if name == "buddybot_telegram_messages_total" and labels["result"] == "ok":
                counts[labels["method"]] += int(value)
    return counts


def leads(text: str) -> bool:
    return any(name == "buddybot_jobs_leader" and value == 1 for name, _, value in samples(text))


def emulator_log(emulator: Emulator) -> dict[str, Counter[str]]:
    """Messages the emulator answered, by method: sent ("ok") and refused with 429."""
    log: dict[str, Counter[str]] = {"ok": Counter(), "429": Counter()}
    for record in emulator.requests:
        if counts_as_message(record.method) and record.source == "http":
            if record.status == 200:
                log["ok"][record.method] += 1
            elif record.status == 429:
                log["429"][record.method] += 1
    return log


async def scrape_when_quiet(
    emulator: Emulator, ports: list[int]
) -> tuple[list[str], dict[str, Counter[str]]]:
    """Both instances' /metrics and the emulator's log at a moment nothing was sent."""
    for _ in range(20):
        before = emulator_log(emulator)
        metrics = [(await get(port, "/metrics"))[1] for port in ports]
        if emulator_log(emulator) == before:
            return metrics, before
        await asyncio.sleep(0.5)
    raise AssertionError("the bot never went quiet")


async def waiting_since_now(database_url: str) -> None:
    """The seeded people joined the waiting list today (real time, as the processes
    see it): no waiting-list check is due for them during the test."""
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(User)
            .where(User.waiting_since.is_not(None))
            .values(waiting_since=datetime.now(UTC))
        )
    await engine.dispose()


async def seed_pairs(database_url: str, emulator: Emulator) -> None:
    """A pair quiet for 20 days (a nudge is due) and one completed 100 days ago (the
    3-month check-in is due), in real time: the bot processes run on the system clock."""
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        people = []
        for index, telegram_id in enumerate(PAIR_IDS):
            emulator.user(telegram_id, f"Q{index}", "en")
            people.append(
                User(
                    telegram_id=telegram_id,
                    programme_id=programme.id,
                    role="newcomer" if index % 2 == 0 else "buddy",
                    status="matched",
                    contact_language="en",
                    first_name=f"Q{index}",
                    languages=["en"],
                    consent_at=now - timedelta(days=200),
                    profile_done_at=now - timedelta(days=200),
                    quiet_from=0,
                    quiet_until=0,
                )
            )
        session.add_all(people)
        await session.flush()
        session.add_all(
            [
                Pair(
                    programme_id=programme.id,
                    newcomer_id=people[0].id,
                    buddy_id=people[1].id,
                    started_at=now - timedelta(days=20),
                ),
                Pair(
                    programme_id=programme.id,
                    newcomer_id=people[2].id,
                    buddy_id=people[3].id,
                    status="completed",
                    started_at=now - timedelta(days=300),
                    ended_at=now - timedelta(days=100),
                ),
            ]
        )
        await session.commit()
    await engine.dispose()


async def wait_for_takeover(bot: BotProcess, port: int) -> float:
    """Seconds until the surviving instance runs the jobs (at most a minute)."""
    killed = time.monotonic()
    while not leads((await get(port, "/metrics"))[1]):
        assert time.monotonic() - killed < 60, bot.tail()
        await asyncio.sleep(0.2)
    return time.monotonic() - killed


async def wait_until_sent(database_url: str, timeout: float = 30) -> None:
    """The planners ran (a nudge row exists) and the outbox is empty again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        planned = await scalar(
            database_url,
            select(func.count()).select_from(Outbox).where(Outbox.dedup_key.like("nudge:%")),
        )
        pending = await scalar(
            database_url,
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.status.in_(("pending", "sending"))),
        )
        if planned and not pending:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the new leader did not plan and send the nudges")


async def write_during_broadcast(emulator: Emulator) -> list[float]:
    """People new to the bot write /start while the broadcast runs; seconds to answer."""

    async def one(user: SimulatedUser) -> float:
        started = time.monotonic()
        await user.command("start")
        await user.next_message(timeout=30)
        return time.monotonic() - started

    tasks = []
    for index in range(WRITERS):
        tasks.append(asyncio.create_task(one(emulator.user(995_000 + index, f"W{index}", "en"))))
        await asyncio.sleep(0.25)
    return list(await asyncio.gather(*tasks))


@pytest.mark.long
@pytest.mark.timeout(300)
async def test_two_instances_share_the_limit_and_the_jobs(
    scale_database: str,
    redis_url: str,
    emulator: Emulator,
    compiled_locales: Path,
    tmp_path: Path,
) -> None:
    emulator.rate_limit = RateLimit(global_per_second=RATE, per_chat_per_second=1)
    ids = await seed_members(
        scale_database, emulator, RECIPIENTS, languages=("nl", "fr", "en"), quiet_hours=False
    )
    await seed_pairs(scale_database, emulator)
    await waiting_since_now(scale_database)
    members = [emulator.user(telegram_id) for telegram_id in ids]
    proxy_port, ports = free_port(), [free_port(), free_port()]
    bots = []
    for index, port in enumerate(ports):
        env = bot_process_env(
            scale_database,
            emulator,
            compiled_locales,
            SEND_RATE=str(RATE),
            LOG_LEVEL="INFO",
            REDIS_URL=redis_url,
            WEBHOOK_URL=f"http://127.0.0.1:{proxy_port}/telegram",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        bots.append(BotProcess(env, tmp_path / f"bot{index}.log"))
    proxy = RoundRobinProxy(ports)
    async with proxy.serving(proxy_port):
        try:
            # One after the other, as a rolling start would (the first compiles the
            # catalogs into the shared DATA_DIR).
            for bot, port in zip(bots, ports, strict=True):
                await bot.start(wait=False)
                await wait_healthy(bot, port)
            coord = emulator.user(COORDINATOR_ID, "Kim", "en")
            await wait_until_answering(coord)

            # --- a broadcast to 5,000 through both instances, people writing meanwhile
            await write_broadcast(coord, ("all", ""), {"nl": TEXT})
            preview = coord.last
            started = time.monotonic()
            await coord.press_data(bc("send"), message=preview)
            latencies = await write_during_broadcast(emulator)
            report = await coord.wait_for(
                lambda m: (
                    m.message_id == preview.message_id and "Delivery report" in (m.text or "")
                ),
                timeout=120,
                include_earlier=True,
            )
            seconds = time.monotonic() - started
            metrics, logged = await scrape_when_quiet(emulator, ports)

            # --- the jobs: one leader; killed with kill -9, the other takes over and
            # runs the planners at once; the killed one comes back as a follower, and
            # takes over in turn when the second leader is killed: planned twice, on two
            # instances, and still sent once.
            leaders = [index for index, text in enumerate(metrics) if leads(text)]
            assert len(leaders) == 1, "exactly one instance runs the periodic jobs"
            takeovers = []
            for _ in range(2):
                leader, other = leaders[0], 1 - leaders[0]
                await bots[leader].kill()
                takeovers.append(await wait_for_takeover(bots[other], ports[other]))
                await wait_until_sent(scale_database)
                await bots[leader].start(wait=False)  # back, as a follower
                await wait_healthy(bots[leader], ports[leader])
                assert not leads((await get(ports[leader], "/metrics"))[1])
                leaders = [other]
            outbox_left = await scalar(
                scale_database,
                select(func.count()).select_from(Outbox).where(Outbox.status == "pending"),
            )
        finally:
            for bot in bots:
                await bot.stop()

    # Everyone got the broadcast exactly once, within the limits of the bot as a whole.
    counts = [sum("nieuwjaarsreceptie" in (m.text or "") for m in u.history) for u in members]
    assert counts == [1] * RECIPIENTS
    stats = emulator.stats
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"\nbroadcast of {RECIPIENTS} over 2 instances: {seconds:.1f} s "
        f"({RECIPIENTS / seconds:.0f}/s, limit {RATE}/s); busiest second "
        f"{stats.max_per_second_overall}, per chat {stats.max_per_second_per_chat}; "
        f"429s {stats.throttled}; replies meanwhile p50 {statistics.median(latencies) * 1000:.0f} "
        f"ms, p95 {p95 * 1000:.0f} ms; jobs taken over "
        f"{', '.join(f'{t:.1f}' for t in takeovers)} s after kill -9"
    )
    # The only 429s are the coordinator's: the test taps faster than one reply a second.
    # Not one pushed message, not one answer to the people writing meanwhile, heard one.
    throttled_chats = {
        str(record.params.get("chat_id")) for record in emulator.requests if record.status == 429
    }
    assert throttled_chats <= {str(COORDINATOR_ID)}
    assert stats.max_per_second_overall <= RATE
    assert stats.max_per_second_per_chat <= 1
    recipients = await scalar(
        scale_database,
        select(func.count()).select_from(Outbox).where(Outbox.broadcast_id.is_not(None)),
    )
    assert recipients >= RECIPIENTS
    assert f"Sent: {recipients}" in (report.text or "")
    assert all(seconds < 60 for seconds in takeovers)

    # The jobs planned once: one nudge for each of the quiet pair, one check-in each for
    # the completed pair, though both instances ran and the planners ran twice.
    nudges = await scalar(
        scale_database,
        select(func.count()).select_from(Outbox).where(Outbox.dedup_key.like("nudge:%")),
    )
    assert nudges == 2
    assert await scalar(scale_database, select(func.count()).select_from(CheckIn)) == 2
    assert outbox_left == 0
    # Nothing was sent twice, to anyone.
    for user in [*members, *(emulator.user(i) for i in PAIR_IDS)]:
        texts = [m.text or m.caption or "" for m in user.history]
        assert len(texts) == len(set(texts)), (user.id, texts)
    for telegram_id in PAIR_IDS:
        assert len(emulator.user(telegram_id).history) >= 2  # the broadcast and a job's

    # /metrics: what the two instances counted is what Telegram (the emulator) logged.
    assert sent_by_method(metrics) == logged["ok"]
    assert sum(logged["ok"].values()) >= RECIPIENTS + WRITERS
    too_many = sum(
        value
        for text in metrics
        for name, _, value in samples(text)
        if name == "buddybot_telegram_429_total"
    )
    assert too_many == sum(logged["429"].values())
