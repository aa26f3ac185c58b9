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

    async def counts_by_status(self, pair_id: int) -> dict[str, int]:
        """How many meetups of the pair are in each status (one aggregate query)."""
        rows = await self.session.execute(
            select(Meetup.status, func.count())
            .where(Meetup.pair_id == pair_id)
            .group_by(Meetup.status)
        )
        return {status: int(count) for status, count in rows.all()}

    async def next_of(self, pair_id: int, now: datetime) -> Meetup | None:
        """The pair's next agreed meetup after `now`, if any."""
        return await self.session.scalar(
            select(Meetup)
            .where(
                Meetup.pair_id == pair_id,
                Meetup.status == MeetupStatus.ACCEPTED.value,
                Meetup.starts_at > now,
            )
            .order_by(Meetup.starts_at, Meetup.id)
            .limit(1)
        )

    async def latest_of(self, pair_id: int, status: MeetupStatus, limit: int) -> list[Meetup]:
        """The pair's last `limit` meetups in `status`, newest first."""
        result = await self.session.scalars(
            select(Meetup)
            .where(Meetup.pair_id == pair_id, Meetup.status == status.value)
            .order_by(Meetup.starts_at.desc(), Meetup.id.desc())
            .limit(limit)
        )
        return list(result.all())

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

    async def totals_by_status(self, pair_id: int) -> dict[str, tuple[int, int]]:
        """(entries, minutes) of the pair's ledger per status, summed by the database."""
        rows = await self.session.execute(
            select(HourEntry.status, func.count(), func.sum(HourEntry.minutes))
            .where(HourEntry.pair_id == pair_id)
            .group_by(HourEntry.status)
        )
        return {status: (int(count), int(total or 0)) for status, count, total in rows.all()}

    async def ledger_summary(self, pair_id: int) -> list[tuple[str, str, str, int]]:
        """(status, activity kind, source, minutes) of the pair's ledger, summed by the
        database in one statement: what the progress screen shows."""
        rows = await self.session.execute(
            select(
                HourEntry.status,
                HourEntry.activity_kind,
                HourEntry.source,
                func.sum(HourEntry.minutes),
            )
            .where(HourEntry.pair_id == pair_id)
            .group_by(HourEntry.status, HourEntry.activity_kind, HourEntry.source)
        )
        return [(status, kind, source, int(total or 0)) for status, kind, source, total in rows]

    async def count_of(self, pair_id: int) -> int:
        """How many entries the pair's ledger holds, whatever their status."""
        count = await self.session.scalar(
            select(func.count()).select_from(HourEntry).where(HourEntry.pair_id == pair_id)
        )
        return int(count or 0)

    async def page_of(self, pair_id: int, offset: int, limit: int) -> list[HourEntry]:
        """One page of the pair's ledger, the most recent time spent first."""
        result = await self.session.scalars(
            select(HourEntry)
            .where(HourEntry.pair_id == pair_id)
            .order_by(HourEntry.started_at.desc(), HourEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(result.all())

    async def disputed_of(self, pair_id: int, limit: int) -> list[HourEntry]:
        """The pair's disputed entries (a coordinator's to settle), most recent first."""
        result = await self.session.scalars(
            select(HourEntry)
            .where(HourEntry.pair_id == pair_id, HourEntry.status == HourStatus.DISPUTED.value)
            .order_by(HourEntry.started_at.desc(), HourEntry.id.desc())
            .limit(limit)
        )
        return list(result.all())

    async def conflicting(self, entry: HourEntry) -> HourEntry | None:
        """The other side's open entry (pending or disputed) for the same meetup or an
        overlapping time as `entry`: the second half of a disagreement, if any."""
        end = entry.started_at.timestamp() + entry.minutes * 60
        candidates = await self.session.scalars(
            select(HourEntry)
            .where(
                HourEntry.pair_id == entry.pair_id,
                HourEntry.id != entry.id,
                HourEntry.status.in_([HourStatus.PENDING.value, HourStatus.DISPUTED.value]),
                HourEntry.logged_by.is_not(None),
                HourEntry.logged_by != entry.logged_by,
            )
            .order_by(HourEntry.id.desc())
        )
        for candidate in candidates.all():
            same_meetup = entry.meetup_id is not None and candidate.meetup_id == entry.meetup_id
            candidate_end = candidate.started_at.timestamp() + candidate.minutes * 60
            overlaps = (
                candidate.started_at.timestamp() < end
                and candidate_end > entry.started_at.timestamp()
            )
            if same_meetup or overlaps:
                return candidate
        return None

    async def of_pairs(self, pair_ids: Sequence[int]) -> list[HourEntry]:
        """Every entry of these pairs, in the order the time was spent (a data export)."""
        return await _of_pairs(
            self.session,
            select(HourEntry).order_by(HourEntry.started_at, HourEntry.id),
            HourEntry.pair_id,
            pair_ids,
        )

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
