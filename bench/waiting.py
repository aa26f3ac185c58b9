"""Waiting-list care at scale: one run of the planner (domain/waiting.py) over a programme
with many people, against a planner that looks at the whole waiting list (every waiting
newcomer loaded and their keys asked one by one), in the same run.

    python bench/waiting.py [--people 20000] [--database-url URL]

People are written in bulk: 60 % newcomers waiting since 0-199 days, 35 % buddies (one
language in ten shared, so some newcomers fit no buddy), 5 % unfinished profiles. The
planner runs twice: the first run queues the checks, reminders and alerts due; the second
(the next run, hours later) must queue nothing again; it still works off the backlog that
is done in batches (erasures, "no buddy fits" alerts). A loop-lag probe runs
throughout: the planner shares the event loop with the updates.
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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench._common import LagProbe, summary_line  # noqa: E402
from domain import waiting  # noqa: E402
from storage.db import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Outbox, Programme, Role, User, UserStatus  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

LANGUAGES = ("ar", "uk", "fr", "ti", "fa", "ru", "es", "tr", "pl", "ro")
CHUNK = 5000


async def seed(database_url: str, people: int, now: datetime) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        programme_id = await connection.scalar(
            select(Programme.id).where(Programme.is_default.is_(True))
        )
        for start in range(0, people, CHUNK):
            rows = []
            for index in range(start, min(start + CHUNK, people)):
                kind = index % 20
                buddy, unfinished = 12 <= kind < 19, kind == 19
                since = now - timedelta(days=index % 200, hours=index % 24)
                rows.append(
                    {
                        "telegram_id": 20_000_000 + index,
                        "programme_id": programme_id,
                        "role": Role.BUDDY.value if buddy else Role.NEWCOMER.value,
                        "status": (
                            UserStatus.ONBOARDING.value if unfinished else UserStatus.WAITING.value
                        ),
                        "contact_language": "nl",
                        "first_name": f"P{index}",
                        "municipality": "21004",
                        "languages": [LANGUAGES[index % len(LANGUAGES)]],
                        "interests": ["sport"],
                        "availability": ["weekend"],
                        "capacity": 1 if buddy else None,
                        "consent_at": since,
                        "profile_done_at": None if unfinished else since,
                        "waiting_since": None if (buddy or unfinished) else since,
                        "reachable": True,
                        "created_at": since,
                        "updated_at": since,
                    }
                )
            await connection.execute(insert(User), rows)
    await engine.dispose()


async def run(database_url: str, people: int) -> dict[str, float | int]:
    await upgrade_async(database_url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    await seed(database_url, people, now)
    print(f"seeded {people} people in {time.perf_counter() - started:.1f} s")
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)

    async def planner() -> waiting.Planned:
        async with UnitOfWork(sessions) as uow:
            done = await waiting.plan(uow, now)
            await uow.commit()
            return done

    async def whole_list() -> int:
        # The baseline: every waiting newcomer loaded, each key asked on its own.
        async with UnitOfWork(sessions) as uow:
            programme = await uow.programmes.default()
            asked = 0
            for person in await uow.users.waiting_newcomers(programme.id):
                for weeks in waiting.CHECK_WEEKS:
                    await uow.outbox.has_dedup_key(waiting.check_key(person.id, weeks))
                asked += 1
            return asked

    timings: dict[str, float] = {}
    with LagProbe() as lag:
        start = time.perf_counter()
        first = await planner()
        timings["first"] = time.perf_counter() - start
        start = time.perf_counter()
        second = await planner()
        timings["steady"] = time.perf_counter() - start
    with LagProbe() as base_lag:
        start = time.perf_counter()
        scanned = await whole_list()
        timings["baseline"] = time.perf_counter() - start
    async with UnitOfWork(sessions) as uow:
        queued = await uow.session.scalar(select(func.count()).select_from(Outbox))
        left = await uow.session.scalar(
            select(func.count()).where(User.status == UserStatus.ONBOARDING.value)
        )
    await engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'run':<34}{'seconds':>9}")
    print(f"{'planner, first run':<34}{timings['first']:9.3f}")
    print(f"{'planner, second run':<34}{timings['steady']:9.3f}")
    print(f"{'baseline: whole list, key by key':<34}{timings['baseline']:9.3f}")
    print(
        f"first run: {first.checks} checks, {first.reminders} reminders, {first.erased} "
        f"erased, {first.blocked_alerts} alerts; second run queued {second.queued}; "
        f"{scanned} waiting newcomers in the baseline; outbox rows {queued}; "
        f"unfinished left {left}"
    )
    print(f"loop lag, worst: {lag.worst * 1000:.1f} ms (baseline {base_lag.worst * 1000:.1f} ms)")
    assert second.queued == 0, "the second run repeated a message"
    return {
        "people": people,
        "first_seconds": timings["first"],
        "steady_seconds": timings["steady"],
        "baseline_seconds": timings["baseline"],
        "ratio": timings["steady"] / timings["baseline"] if timings["baseline"] else 0.0,
        "loop_lag_ms": lag.worst * 1000,
        "peak_mb": peak_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/waiting.db"
        values = asyncio.run(run(url, args.people))
    print(summary_line("waiting", values))


if __name__ == "__main__":
    main()
