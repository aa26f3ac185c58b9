"""What the coordinator's screens show, in SQL: counts by GROUP BY, one page by LIMIT and
OFFSET, only the columns shown. Nothing here loads a table, however long the waiting
list grows (100,000 people answer as fast as 1,000)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from storage.base import Repository
from storage.models import Meetup, MeetupStatus, Pair, PairStatus, Role, User, UserStatus
from storage.pairs import OPEN_PAIR


@dataclass(frozen=True)
class WaitingRow:
    """One line of the waiting list."""

    person_id: int
    first_name: str | None
    contact_language: str
    municipality: str | None
    waiting_since: datetime | None


@dataclass(frozen=True)
class PairRow:
    """One line of the pair list."""

    pair_id: int
    status: str
    newcomer_name: str | None
    buddy_name: str | None


def _waiting(programme_id: int) -> tuple[ColumnElement[bool], ...]:
    """Newcomers of the programme waiting for a buddy who can be introduced (reachable)."""
    return (
        User.programme_id == programme_id,
        User.role == Role.NEWCOMER.value,
        User.status == UserStatus.WAITING.value,
        User.reachable.is_(True),
        User.waiting_since.is_not(None),
    )


def _open_pairs(programme_id: int) -> tuple[ColumnElement[bool], ...]:
    return (Pair.programme_id == programme_id, Pair.status.in_(OPEN_PAIR))


class CoordinationRepository(Repository):
    async def waiting_count(self, programme_id: int) -> tuple[int, datetime | None]:
        """How many wait, and since when the longest."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(User.waiting_since)).where(*_waiting(programme_id))
            )
        ).one()
        return int(row[0]), row[1]

    async def waiting_by(self, programme_id: int, column: str, limit: int) -> list[tuple[str, int]]:
        """The waiting list counted by `column` (contact_language or municipality), most
        first; people without a value count under "?"."""
        key = func.coalesce(getattr(User, column), "?")
        rows = await self.session.execute(
            select(key, func.count())
            .where(*_waiting(programme_id))
            .group_by(key)
            .order_by(func.count().desc(), key)
            .limit(limit)
        )
        return [(str(value), int(count)) for value, count in rows.all()]

    async def waiting_page(self, programme_id: int, offset: int, limit: int) -> list[WaitingRow]:
        """One page of the waiting list, longest wait first."""
        rows = await self.session.execute(
            select(
                User.id,
                User.first_name,
                User.contact_language,
                User.municipality,
                User.waiting_since,
            )
            .where(*_waiting(programme_id))
            .order_by(User.waiting_since, User.id)
            .offset(offset)
            .limit(limit)
        )
        return [WaitingRow(*row) for row in rows.all()]

    async def free_buddies(self, programme_id: int) -> tuple[int, int]:
        """Buddies who can take a newcomer now, and their free places in all."""
        load = (
            select(Pair.buddy_id.label("buddy_id"), func.count().label("taken"))
            .where(Pair.programme_id == programme_id, Pair.status.in_(OPEN_PAIR))
            .group_by(Pair.buddy_id)
            .subquery()
        )
        free = func.coalesce(User.capacity, 1) - func.coalesce(load.c.taken, 0)
        row = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(free), 0))
                .select_from(User)
                .outerjoin(load, load.c.buddy_id == User.id)
                .where(
                    User.programme_id == programme_id,
                    User.role == Role.BUDDY.value,
                    User.status.in_([UserStatus.WAITING.value, UserStatus.MATCHED.value]),
                    User.reachable.is_(True),
                    free > 0,
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def rarely_meeting(
        self, programme_id: int, start: datetime, end: datetime, minimum: int, limit: int
    ) -> tuple[int, list[int]]:
        """Active pairs with fewer than `minimum` meetups (accepted or done) starting in
        [start, end): how many, and the ids of the first `limit`."""
        met = (
            select(Meetup.pair_id.label("pair_id"), func.count().label("meetups"))
            .where(
                Meetup.programme_id == programme_id,
                Meetup.status.in_([MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value]),
                Meetup.starts_at >= start,
                Meetup.starts_at < end,
            )
            .group_by(Meetup.pair_id)
            .subquery()
        )
        rare = (
            select(Pair.id)
            .outerjoin(met, met.c.pair_id == Pair.id)
            .where(
                Pair.programme_id == programme_id,
                Pair.status == PairStatus.ACTIVE.value,
                func.coalesce(met.c.meetups, 0) < minimum,
            )
        )
        count = await self.session.scalar(select(func.count()).select_from(rare.subquery()))
        ids = await self.session.scalars(rare.order_by(Pair.id).limit(limit))
        return int(count or 0), list(ids.all())

    async def open_pairs_count(self, programme_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(Pair).where(*_open_pairs(programme_id))
        )
        return int(count or 0)

    async def open_pairs_page(self, programme_id: int, offset: int, limit: int) -> list[PairRow]:
        """A page of the active and paused pairs, oldest first, with both first names."""
        newcomer, buddy = aliased(User), aliased(User)
        rows = await self.session.execute(
            select(Pair.id, Pair.status, newcomer.first_name, buddy.first_name)
            .outerjoin(newcomer, newcomer.id == Pair.newcomer_id)
            .outerjoin(buddy, buddy.id == Pair.buddy_id)
            .where(*_open_pairs(programme_id))
            .order_by(Pair.started_at, Pair.id)
            .offset(offset)
            .limit(limit)
        )
        return [PairRow(*row) for row in rows.all()]
