"""Ideas for a pair at scale: one page of fitting activity offers (domain/offers.py, the
filter and order in SQL with LIMIT), against a baseline in the same run that loads every
offer of the programme and filters and sorts them in Python.

    python bench/offers.py [--offers 50000] [--repeats 30] [--database-url URL]

Offers are written in bulk over the 19 municipalities, every activity kind, Dutch level
and price, one in three with an end date (half of those passed). The pair lives in
Anderlecht; both ways must return the same page.
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

from sqlalchemy import insert, select  # noqa: E402

from bench._common import LagProbe, median, summary_line  # noqa: E402
from domain import offers  # noqa: E402
from domain.municipalities import all_municipalities  # noqa: E402
from domain.profile import ACTIVITY_KINDS, DUTCH_LEVELS  # noqa: E402
from storage.db import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import (  # noqa: E402
    ActivityOffer,
    Organisation,
    Pair,
    Programme,
    User,
)
from storage.uow import UnitOfWork  # noqa: E402

CHUNK = 5000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRICES = ("free", "reduced", "amount")


async def seed(database_url: str, count: int) -> int:
    """The offers, an organisation, and a pair in Anderlecht; returns the newcomer's id."""
    engine = create_engine(database_url)
    codes = [m.nis for m in all_municipalities()]
    today = NOW.date()
    async with engine.begin() as connection:
        programme_id = await connection.scalar(
            select(Programme.id).where(Programme.is_default.is_(True))
        )
        organisation_id = (
            await connection.execute(
                insert(Organisation)
                .values(programme_id=programme_id, name="Club", created_at=NOW)
                .returning(Organisation.id)
            )
        ).scalar_one()
        for start in range(0, count, CHUNK):
            rows = []
            for index in range(start, min(start + CHUNK, count)):
                ends = None if index % 3 else today + timedelta(days=(index % 40) - 20)
                price = PRICES[index % 3]
                rows.append(
                    {
                        "programme_id": programme_id,
                        "organisation_id": organisation_id,
                        "title": f"Offer {index}",
                        "description": "",
                        "texts": {},
                        "municipality": codes[index % len(codes)],
                        "address": f"Street {index}",
                        "activity_kind": ACTIVITY_KINDS[index % len(ACTIVITY_KINDS)],
                        "starts_on": None,
                        "ends_on": ends,
                        "price": price,
                        "price_euros": 5 if price == "amount" else None,
                        "dutch_level": DUTCH_LEVELS[index % len(DUTCH_LEVELS)],
                        "languages": ["nl"],
                        "times": index % 8,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                )
            await connection.execute(insert(ActivityOffer), rows)
        ids = []
        for number, role in enumerate(("newcomer", "buddy")):
            ids.append(
                (
                    await connection.execute(
                        insert(User)
                        .values(
                            telegram_id=30_000_000 + number,
                            programme_id=programme_id,
                            role=role,
                            status="matched",
                            contact_language="nl",
                            first_name=role,
                            municipality="21001",
                            languages=["nl"],
                            interests=["sport", "culture"],
                            availability=["weekend"],
                            dutch_level="beginner",
                            consent_at=NOW,
                            profile_done_at=NOW,
                            created_at=NOW,
                            updated_at=NOW,
                        )
                        .returning(User.id)
                    )
                ).scalar_one()
            )
        await connection.execute(
            insert(Pair).values(
                programme_id=programme_id,
                newcomer_id=ids[0],
                buddy_id=ids[1],
                status="active",
                target_hours=40,
                started_at=NOW,
            )
        )
    await engine.dispose()
    return ids[0]


async def whole_table(uow: UnitOfWork, person: User) -> list[int]:
    """The baseline: every offer of the programme loaded, then filtered and sorted here."""
    fits = await offers.fitting(uow, person, NOW.date())
    rows = (
        await uow.session.scalars(
            select(ActivityOffer).where(ActivityOffer.programme_id == fits.programme_id)
        )
    ).all()
    kept = [
        o
        for o in rows
        if o.municipality in fits.municipalities
        and o.dutch_level in fits.dutch_levels
        and (o.ends_on is None or o.ends_on >= fits.today)
        and (not fits.kinds or o.activity_kind in fits.kinds)
        and (not fits.times or o.times == 0 or o.times & fits.times)
    ]
    kept.sort(key=lambda o: (PRICES.index(o.price), o.municipality not in fits.home, o.id))
    return [o.id for o in kept[: offers.PAGE + 1]]


async def run(database_url: str, count: int, repeats: int) -> dict[str, float | int]:
    await upgrade_async(database_url)
    started = time.perf_counter()
    newcomer_id = await seed(database_url, count)
    print(f"seeded {count} offers in {time.perf_counter() - started:.1f} s")
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    timings: dict[str, list[float]] = {"sql": [], "baseline": []}
    pages: dict[str, list[int]] = {}
    with LagProbe() as lag:
        for _ in range(repeats):
            async with UnitOfWork(sessions) as uow:
                person = await uow.users.get(newcomer_id)
                assert person is not None
                start = time.perf_counter()
                found = await offers.suggestions(uow, person, NOW.date(), 0)
                timings["sql"].append(time.perf_counter() - start)
                pages["sql"] = [o.id for o in found]
    with LagProbe() as base_lag:
        for _ in range(max(1, repeats // 5)):
            async with UnitOfWork(sessions) as uow:
                person = await uow.users.get(newcomer_id)
                assert person is not None
                start = time.perf_counter()
                pages["baseline"] = await whole_table(uow, person)
                timings["baseline"].append(time.perf_counter() - start)
    await engine.dispose()
    assert pages["sql"] == pages["baseline"], pages
    sql, baseline = median(timings["sql"]), median(timings["baseline"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'one page of ideas':<36}{'median ms':>10}")
    print(f"{'SQL filter, order and LIMIT':<36}{sql * 1000:10.2f}")
    print(f"{'baseline: whole table in Python':<36}{baseline * 1000:10.2f}")
    print(f"same page both ways: {pages['sql']}")
    print(f"loop lag, worst: {lag.worst * 1000:.1f} ms (baseline {base_lag.worst * 1000:.1f} ms)")
    return {
        "offers": count,
        "seconds": sql,
        "baseline_seconds": baseline,
        "ratio": sql / baseline if baseline else 0.0,
        "loop_lag_ms": lag.worst * 1000,
        "baseline_loop_lag_ms": base_lag.worst * 1000,
        "peak_mb": peak_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/offers.db"
        values = asyncio.run(run(url, args.offers, args.repeats))
    print(summary_line("offers", values))


if __name__ == "__main__":
    main()
