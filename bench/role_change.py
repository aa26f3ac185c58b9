"""Former pairs in matching, and the "Become a buddy" check, at scale: the exclusions
matching reads (closed pairs whose two people can both still be matched, so that nobody is
proposed with a former partner, whatever their roles now) against the baseline that reads
every closed pair of the programme, and the check a newcomer's home screen makes.

    python bench/role_change.py [--pairs 40000] [--repeats 5] [--database-url URL]

A programme of many finished trajectories: `pairs` closed pairs (two thirds completed),
whose newcomers mostly left (inactive); one newcomer in twenty became a buddy, one buddy
in four is still free. Plus as many waiting newcomers as there are free buddies.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench._common import median, summary_line  # noqa: E402
from domain import role_change  # noqa: E402
from storage.db import create_engine, create_session_factory  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import CLOSED_PAIR, Pair, Programme, Role, User, UserStatus  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

CHUNK = 5000


def _person(
    index: int, role: str, status: str, since: datetime, programme_id: int
) -> dict[str, object]:
    return {
        "telegram_id": 30_000_000 + index,
        "programme_id": programme_id,
        "role": role,
        "status": status,
        "contact_language": "nl",
        "first_name": f"P{index}",
        "municipality": "21004",
        "languages": ["fr"],
        "interests": ["sport"],
        "availability": ["weekend"],
        "capacity": 1 if role == Role.BUDDY.value else None,
        "consent_at": since,
        "profile_done_at": since,
        "waiting_since": since,
        "reachable": True,
        "created_at": since,
        "updated_at": since,
    }


async def seed(database_url: str, pairs: int, now: datetime) -> int:
    """Returns the number of waiting newcomers."""
    engine = create_engine(database_url)
    since = now - timedelta(days=400)
    async with engine.begin() as connection:
        programme_id = await connection.scalar(
            select(Programme.id).where(Programme.is_default.is_(True))
        )
        assert programme_id is not None
        people: list[dict[str, object]] = []
        pair_rows: list[tuple[int, int, str]] = []
        index = 0
        for number in range(pairs):
            became_buddy = number % 20 == 0
            newcomer_status = UserStatus.WAITING if became_buddy else UserStatus.INACTIVE
            newcomer_role = Role.BUDDY if became_buddy else Role.NEWCOMER
            buddy_status = UserStatus.WAITING if number % 4 == 0 else UserStatus.INACTIVE
            people.append(
                _person(index, newcomer_role.value, newcomer_status.value, since, programme_id)
            )
            people.append(
                _person(index + 1, Role.BUDDY.value, buddy_status.value, since, programme_id)
            )
            pair_rows.append((index + 1, index + 2, "completed" if number % 3 else "ended"))
            index += 2
        waiting = pairs // 4
        for _ in range(waiting):
            people.append(
                _person(index, Role.NEWCOMER.value, UserStatus.WAITING.value, since, programme_id)
            )
            index += 1
        for start in range(0, len(people), CHUNK):
            await connection.execute(insert(User), people[start : start + CHUNK])
        # Ids follow the insertion order in a fresh database.
        first_id = await connection.scalar(select(User.id).where(User.telegram_id == 30_000_000))
        assert first_id is not None
        offset = first_id - 1
        rows: list[dict[str, object]] = [
            {
                "programme_id": programme_id,
                "newcomer_id": newcomer + offset,
                "buddy_id": buddy + offset,
                "status": status,
                "end_reason": "completed" if status == "completed" else "moved",
                "score": 1.0,
                "reasons": [],
                "target_hours": 40,
                "started_at": since,
                "ended_at": now - timedelta(days=30),
            }
            for newcomer, buddy, status in pair_rows
        ]
        for start in range(0, len(rows), CHUNK):
            await connection.execute(insert(Pair), rows[start : start + CHUNK])
    await engine.dispose()
    return waiting


async def baseline_partners(uow: UnitOfWork, programme_id: int) -> dict[int, set[int]]:
    """Every closed pair of the programme, as matching read them before."""
    rows = await uow.session.execute(
        select(Pair.newcomer_id, Pair.buddy_id).where(
            Pair.programme_id == programme_id, Pair.status.in_(CLOSED_PAIR)
        )
    )
    partners: dict[int, set[int]] = {}
    for newcomer_id, buddy_id in rows.all():
        if newcomer_id is None or buddy_id is None:
            continue
        partners.setdefault(newcomer_id, set()).add(buddy_id)
        partners.setdefault(buddy_id, set()).add(newcomer_id)
    return partners


async def run(database_url: str, pairs: int, repeats: int) -> dict[str, float | int]:
    await upgrade_async(database_url)
    now = datetime.now(UTC)
    started = time.perf_counter()
    waiting = await seed(database_url, pairs, now)
    seconds = time.perf_counter() - started
    print(f"seeded {pairs} closed pairs, {waiting} waiting newcomers in {seconds:.1f} s")
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    times: dict[str, list[float]] = {"new": [], "baseline": [], "home": [], "home_no": []}
    sizes: dict[str, int] = {}
    async with UnitOfWork(sessions) as uow:
        programme_id = (await uow.programmes.default()).id
        for _ in range(repeats):
            start = time.perf_counter()
            found = await uow.pairs.ended_partners(programme_id)
            times["new"].append(time.perf_counter() - start)
            sizes["new"] = sum(len(v) for v in found.values()) // 2
            start = time.perf_counter()
            found = await baseline_partners(uow, programme_id)
            times["baseline"].append(time.perf_counter() - start)
            sizes["baseline"] = sum(len(v) for v in found.values()) // 2
        # A home screen's check: a newcomer whose trajectory was completed (eligible) and
        # one still waiting who joined recently (not eligible).
        completed = await uow.session.scalar(
            select(User).where(User.role == Role.NEWCOMER.value, User.status == "inactive")
        )
        fresh = await uow.session.scalar(
            select(User).where(User.role == Role.NEWCOMER.value, User.status == "waiting")
        )
        assert completed is not None and fresh is not None
        fresh.consent_at = now - timedelta(days=10)
        for _ in range(repeats * 20):
            start = time.perf_counter()
            assert await role_change.may_ask(uow, completed, now)
            times["home"].append(time.perf_counter() - start)
            start = time.perf_counter()
            assert not await role_change.may_ask(uow, fresh, now)
            times["home_no"].append(time.perf_counter() - start)
    await engine.dispose()
    new, base = median(times["new"]), median(times["baseline"])
    print(f"{'query':<48}{'pairs read':>11}{'seconds':>10}")
    for label, key, seconds in (
        ("exclusions: closed pairs of matchable people", "new", new),
        ("baseline: every closed pair of the programme", "baseline", base),
    ):
        print(f"{label:<48}{sizes[key]:>11}{seconds:10.4f}")
    home, home_no = median(times["home"]) * 1000, median(times["home_no"]) * 1000
    print(f"home screen check: eligible {home:.2f} ms, not eligible {home_no:.2f} ms")
    return {
        "pairs": pairs,
        "exclusion_seconds": new,
        "baseline_seconds": base,
        "ratio": new / base if base else 0.0,
        "pairs_read": sizes["new"],
        "baseline_pairs_read": sizes["baseline"],
        "home_check_ms": home,
        "home_check_not_eligible_ms": home_no,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pairs", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/role_change.db"
        values = asyncio.run(run(url, args.pairs, args.repeats))
    print(summary_line("role_change", values))


if __name__ == "__main__":
    main()
