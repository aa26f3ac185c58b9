"""The coordinator's screens at scale: /coord, the waiting list and the pair list with
100,000 people, against the way they were built before (every waiting newcomer and every
candidate buddy loaded as ORM objects to count them and show one page), in the same run.

    python bench/screens.py [--people 100000] [--database-url URL] [--repeats 5]

People are written in bulk (60 % newcomers, 40 % buddies; a fifth of the buddies in a
pair). Each screen's queries run `--repeats` times; a loop-lag probe (a task that sleeps
10 ms and records how late it wakes) runs throughout, and a second person keeps writing
(each message reads their row in its own transaction, as an update's first step does):
their replies must not wait. Peak memory is the process's high-water mark. With
`--database-url postgresql+asyncpg://...` the same runs on PostgreSQL (an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench._common import LagProbe, median, summary_line  # noqa: E402
from domain import coordination  # noqa: E402
from storage.db import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Pair, Programme, Role, User, UserStatus  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

LANGUAGES = ("ar", "uk", "fr", "ti", "fa", "ru", "es", "tr", "pl", "ro")
MUNICIPALITIES = ("21001", "21004", "21015", "21009", "21012", "21013")
CHUNK = 5000


async def seed(database_url: str, people: int) -> None:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        programme_id = await connection.scalar(
            select(Programme.id).where(Programme.is_default.is_(True))
        )
        for start in range(0, people, CHUNK):
            rows = []
            for index in range(start, min(start + CHUNK, people)):
                buddy = index % 5 >= 3
                rows.append(
                    {
                        "telegram_id": 10_000_000 + index,
                        "programme_id": programme_id,
                        "role": Role.BUDDY.value if buddy else Role.NEWCOMER.value,
                        "status": UserStatus.WAITING.value,
                        "contact_language": "nl" if buddy else LANGUAGES[index % len(LANGUAGES)],
                        "first_name": f"P{index}",
                        "municipality": MUNICIPALITIES[index % len(MUNICIPALITIES)],
                        "languages": ["nl", "fr"],
                        "interests": ["sport", "culture"],
                        "availability": ["weekend"],
                        "capacity": 1 + index % 2 if buddy else None,
                        "consent_at": now,
                        "profile_done_at": now,
                        "waiting_since": now - timedelta(days=index % 200),
                        "reachable": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            await connection.execute(insert(User), rows)
        # A fifth of the buddies in a pair with a newcomer.
        ids = (await connection.execute(select(User.id, User.role).order_by(User.id))).all()
        newcomers = [i for i, role in ids if role == Role.NEWCOMER.value]
        buddies = [i for i, role in ids if role == Role.BUDDY.value]
        pairs = [
            {
                "programme_id": programme_id,
                "newcomer_id": newcomer,
                "buddy_id": buddy,
                "status": "active",
                "started_at": now - timedelta(days=30),
                "reasons": [],
            }
            for newcomer, buddy in zip(newcomers[::3], buddies[::5], strict=False)
        ]
        for start in range(0, len(pairs), CHUNK):
            await connection.execute(insert(Pair), pairs[start : start + CHUNK])
        matched = [pair["newcomer_id"] for pair in pairs]
        for start in range(0, len(matched), CHUNK):
            await connection.execute(
                User.__table__.update()
                .where(User.id.in_(matched[start : start + CHUNK]))
                .values(status=UserStatus.MATCHED.value)
            )
    await engine.dispose()


async def timed(label: str, repeats: int, run: object, results: dict[str, float]) -> None:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        await run()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    results[label] = median(samples)
    print(f"  {label:<28} {results[label]:9.1f} ms")


async def run(database_url: str, people: int, repeats: int) -> dict[str, float | int]:
    await upgrade_async(database_url)
    started = time.perf_counter()
    await seed(database_url, people)
    print(f"seeded {people} people in {time.perf_counter() - started:.1f} s")
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    now = datetime.now(UTC)
    tz = ZoneInfo("Europe/Brussels")
    async with UnitOfWork(sessions) as uow:
        coordinator = User(
            telegram_id=1,
            programme_id=(await uow.programmes.default()).id,
            role=Role.COORDINATOR.value,
            status=UserStatus.WAITING.value,
            contact_language="nl",
            consent_at=now,
            languages=[],
            interests=[],
            availability=[],
        )
        uow.users.add(coordinator)
        await uow.commit()
    results: dict[str, float] = {}

    async def with_uow(step: object) -> None:
        async with UnitOfWork(sessions) as uow:
            await step(uow)  # type: ignore[operator]

    async def summary() -> None:
        await with_uow(lambda uow: coordination.summary(uow, coordinator, now, tz))

    async def waiting() -> None:
        await with_uow(lambda uow: coordination.waiting_page(uow, coordinator, 500, now))

    async def pair_list() -> None:
        await with_uow(lambda uow: coordination.open_pairs(uow, coordinator, 100, 10))

    async def before() -> None:
        # What the home screen and the waiting list did before: load, then count.
        async def load(uow: UnitOfWork) -> None:
            programme = coordinator.programme_id
            newcomers = await uow.users.waiting_newcomers(programme)
            buddies = await uow.pairs.candidate_buddies(programme)
            assert len(newcomers) + len(buddies) > 0

        await with_uow(load)

    # A second person keeps writing meanwhile: each message costs what an update's first
    # step costs (their row read in a transaction of its own); their worst wait is printed.
    replies: list[float] = []
    stop = asyncio.Event()

    async def second_person() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            await with_uow(lambda uow: uow.users.by_telegram_id(10_000_000))
            replies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)

    print("with", people, "people:")
    chatting = asyncio.create_task(second_person())
    with LagProbe() as lag:
        await timed("/coord (summary)", repeats, summary, results)
        await timed("waiting list, page 500", repeats, waiting, results)
        await timed("pair list, page 100", repeats, pair_list, results)
    stop.set()
    await chatting
    chatter_worst = max(replies, default=0.0)
    print(f"  second person: {len(replies)} messages, slowest {chatter_worst:.1f} ms")
    with LagProbe() as before_lag:
        await timed("before: load every row", max(1, repeats // 2), before, results)
    await engine.dispose()
    worst = max(results["/coord (summary)"], results["waiting list, page 500"])
    worst = max(worst, results["pair list, page 100"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"loop lag, worst: {lag.worst * 1000:.1f} ms (before: {before_lag.worst * 1000:.1f} ms);"
        f" peak memory {peak_mb:.0f} MB"
    )
    return {
        "people": people,
        "coord_ms": results["/coord (summary)"],
        "waiting_ms": results["waiting list, page 500"],
        "pairs_ms": results["pair list, page 100"],
        "baseline_ms": results["before: load every row"],
        "ratio": worst / results["before: load every row"],
        "loop_lag_ms": lag.worst * 1000,
        "chatter_worst_ms": chatter_worst,
        "baseline_loop_lag_ms": before_lag.worst * 1000,
        "peak_mb": peak_mb,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/screens.db"
        values = asyncio.run(run(url, args.people, args.repeats))
    print(summary_line("screens", values))


if __name__ == "__main__":
    main()
