"""Repositories for meetups and the hours ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.base import RowRepository
from storage.models import HourEntry, HourStatus, Meetup, MeetupStatus

Found = TypeVar("Found")

COUNTED = (HourStatus.PENDING.value, HourStatus.CONFIRMED.value)


class MeetupRepository(RowRepository[Meetup]):
    model = Meetup

    async def count_for_pair(self, pair_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(Meetup).where(Meetup.pair_id == pair_id)
        )
        return int(count or 0)

    async def upcoming(self, pair_ids: Sequence[int], now: datetime) -> Sequence[Meetup]:
        result = await self.session.scalars(
            select(Meetup)
            .where(
                Meetup.pair_id.in_(pair_ids),
                Meetup.status.in_([MeetupStatus.PROPOSED.value, MeetupStatus.ACCEPTED.value]),
                Meetup.starts_at > now,
            )
            .order_by(Meetup.starts_at)
        )
        return result.all()

    async def count_between(self, pair_id: int, start: datetime, end: datetime) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Meetup)
            .where(
                Meetup.pair_id == pair_id,
                Meetup.status.in_([MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value]),
                Meetup.starts_at >= start,
                Meetup.starts_at < end,
            )
        )
        return int(count or 0)

    async def counts_between(
        self, programme_id: int, start: datetime, end: datetime
    ) -> dict[int, int]:
        """Meetups (accepted or done) per pair of a programme starting in [start, end)."""
        rows = await self.session.execute(
            select(Meetup.pair_id, func.count())
            .where(
                Meetup.programme_id == programme_id,
                Meetup.status.in_([MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value]),
                Meetup.starts_at >= start,
                Meetup.starts_at < end,
            )
            .group_by(Meetup.pair_id)
        )
        return {pair_id: int(count) for pair_id, count in rows.all()}

    async def last_activity(self, pair_id: int) -> datetime | None:
        """When a meetup of the pair last changed."""
        return await _latest(self.session, Meetup.updated_at, Meetup.pair_id, pair_id)

    async def of_pairs(self, pair_ids: Sequence[int]) -> list[Meetup]:
        """Every meetup of these pairs, whatever its status (for erasing a person)."""
        return await _of_pairs(
            self.session, select(Meetup).order_by(Meetup.id), Meetup.pair_id, pair_ids
        )


class HourRepository(RowRepository[HourEntry]):
    model = HourEntry

    async def overlapping(
        self, pair_id: int, start: datetime, end: datetime, *, ignore: int | None = None
    ) -> HourEntry | None:
        """A counted entry of the pair whose time span overlaps [start, end)."""
        candidates = await self.session.scalars(
            select(HourEntry).where(
                HourEntry.pair_id == pair_id,
                HourEntry.status.in_(COUNTED),
                HourEntry.started_at < end,
            )
        )
        for entry in candidates.all():
            if entry.id == ignore:
                continue
            entry_end = entry.started_at.timestamp() + entry.minutes * 60
            if entry_end > start.timestamp():
                return entry
        return None

    async def for_meetup(self, meetup_id: int) -> HourEntry | None:
        return await self.session.scalar(
            select(HourEntry)
            .where(HourEntry.meetup_id == meetup_id, HourEntry.status.in_(COUNTED))
            .order_by(HourEntry.id.desc())
            .limit(1)
        )

    async def minutes_by_status(self, pair_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(HourEntry.status, func.sum(HourEntry.minutes))
            .where(HourEntry.pair_id == pair_id)
            .group_by(HourEntry.status)
        )
        return {status: int(total or 0) for status, total in rows.all()}

    async def confirmed_by_kind(self, pair_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(HourEntry.activity_kind, func.sum(HourEntry.minutes))
            .where(HourEntry.pair_id == pair_id, HourEntry.status == HourStatus.CONFIRMED.value)
            .group_by(HourEntry.activity_kind)
        )
        return {kind: int(total or 0) for kind, total in rows.all()}

    async def last_activity(self, pair_id: int) -> datetime | None:
        """When an entry of the pair was last logged."""
        return await _latest(self.session, HourEntry.created_at, HourEntry.pair_id, pair_id)

    async def ids_of_pairs(self, pair_ids: Sequence[int]) -> list[int]:
        """The ids of every entry of these pairs (pushed messages name entries by id)."""
        return await _of_pairs(self.session, select(HourEntry.id), HourEntry.pair_id, pair_ids)


async def _latest(
    session: AsyncSession,
    moment: InstrumentedAttribute[datetime],
    pair_column: InstrumentedAttribute[int],
    pair_id: int,
) -> datetime | None:
    """The latest `moment` among the rows of one pair: when something last happened."""
    return await session.scalar(select(func.max(moment)).where(pair_column == pair_id))


async def _of_pairs(
    session: AsyncSession,
    statement: Select[Found],
    pair_column: InstrumentedAttribute[int],
    pair_ids: Sequence[int],
) -> list[Found]:
    """What `statement` selects from the rows (meetups or hour entries) of these pairs."""
    if not pair_ids:
        return []
    return list((await session.scalars(statement.where(pair_column.in_(pair_ids)))).all())


__all__ = ["HourRepository", "MeetupRepository"]
