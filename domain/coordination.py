"""The coordinator's overview and lists, as the screens show them: counts and one page at
a time from SQL (storage.coordination), so they stay instant at 100,000 people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from domain.clock import month_bounds
from domain.staff import require_coordinator
from storage.coordination import PairRow, WaitingRow
from storage.models import User
from storage.uow import UnitOfWork

SHOWN_GROUPS = 8  # languages and municipalities named on the home screen
SHOWN_RARE = 20  # pairs named among those that rarely meet
RARE_BELOW = 2  # meetups a month


@dataclass(frozen=True)
class Summary:
    waiting: int
    longest_wait_days: int
    by_language: list[tuple[str, int]]
    by_municipality: list[tuple[str, int]]
    free_buddies: int
    free_places: int
    rarely_meeting: int
    rarely_meeting_ids: list[int]


@dataclass(frozen=True)
class WaitingPage:
    rows: list[tuple[WaitingRow, int]]  # each person with their days of waiting
    page: int
    pages: int
    first_number: int


async def summary(uow: UnitOfWork, coordinator: User, now: datetime, tz: tzinfo) -> Summary:
    """Who waits and since when (by language and municipality), the buddies' free places,
    and the active pairs that met fewer than RARE_BELOW times this calendar month."""
    require_coordinator(coordinator)
    programme_id = coordinator.programme_id
    repo = uow.coordination
    waiting, oldest = await repo.waiting_count(programme_id)
    buddies, places = await repo.free_buddies(programme_id)
    month_start, next_month = month_bounds(now, tz)
    rare, rare_ids = await repo.rarely_meeting(
        programme_id, month_start, next_month, RARE_BELOW, SHOWN_RARE
    )
    return Summary(
        waiting=waiting,
        longest_wait_days=max(0, (now - oldest).days) if oldest else 0,
        by_language=await repo.waiting_by(programme_id, "contact_language", SHOWN_GROUPS),
        by_municipality=await repo.waiting_by(programme_id, "municipality", SHOWN_GROUPS),
        free_buddies=buddies,
        free_places=places,
        rarely_meeting=rare,
        rarely_meeting_ids=rare_ids,
    )


async def waiting_page(
    uow: UnitOfWork, coordinator: User, page: int, now: datetime, size: int = 10
) -> WaitingPage:
    """One page of the waiting list, longest wait first (a page past the end shows the
    last one)."""
    require_coordinator(coordinator)
    total, _oldest = await uow.coordination.waiting_count(coordinator.programme_id)
    pages = max(1, (total + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    rows = await uow.coordination.waiting_page(coordinator.programme_id, page * size, size)
    return WaitingPage(
        rows=[
            (row, max(0, (now - row.waiting_since).days) if row.waiting_since else 0)
            for row in rows
        ],
        page=page,
        pages=pages,
        first_number=page * size + 1,
    )


@dataclass(frozen=True)
class PairsPage:
    rows: list[PairRow]
    page: int
    pages: int


async def open_pairs(uow: UnitOfWork, coordinator: User, page: int, size: int) -> PairsPage:
    """One page of the active and paused pairs, oldest first."""
    require_coordinator(coordinator)
    total = await uow.coordination.open_pairs_count(coordinator.programme_id)
    pages = max(1, (total + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    rows = await uow.coordination.open_pairs_page(coordinator.programme_id, page * size, size)
    return PairsPage(rows=rows, page=page, pages=pages)
