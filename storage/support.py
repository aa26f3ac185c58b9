"""Threads with the coordinators, reported concerns and check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.base import RowRepository
from storage.models import CheckIn, Concern, ConcernStatus, InboxThread


class InboxRepository(RowRepository[InboxThread]):
    model = InboxThread

    async def of_person(self, person_id: int) -> InboxThread | None:
        return await self.session.scalar(
            select(InboxThread).where(InboxThread.person_id == person_id)
        )

    async def by_topic(self, chat_id: int, topic_id: int) -> InboxThread | None:
        """The thread whose forum topic this is, if any."""
        return await self.session.scalar(
            select(InboxThread).where(
                InboxThread.chat_id == chat_id, InboxThread.topic_id == topic_id
            )
        )


class ConcernRepository(RowRepository[Concern]):
    model = Concern

    async def open_of_person(self, person_id: int) -> list[Concern]:
        """The person's concerns that are not closed, oldest first."""
        result = await self.session.scalars(
            select(Concern)
            .where(Concern.reporter_id == person_id, Concern.status != ConcernStatus.CLOSED.value)
            .order_by(Concern.created_at, Concern.id)
        )
        return list(result.all())

    async def of_pair(self, pair_id: int) -> list[Concern]:
        """Every concern reported about (or from within) a pair, newest first."""
        result = await self.session.scalars(
            select(Concern)
            .where(Concern.pair_id == pair_id)
            .order_by(Concern.created_at.desc(), Concern.id.desc())
        )
        return list(result.all())

    async def of_reporter(self, person_id: int) -> list[Concern]:
        """Every concern a person reported (their data export), oldest first."""
        result = await self.session.scalars(
            select(Concern).where(Concern.reporter_id == person_id).order_by(Concern.id)
        )
        return list(result.all())

    async def unacknowledged_since(self, before: datetime, limit: int = 200) -> list[Concern]:
        """Open concerns reported before `before` that nobody acknowledged nor was reminded
        of yet (the reminder planner's work list)."""
        result = await self.session.scalars(
            select(Concern)
            .where(
                Concern.status == ConcernStatus.OPEN.value,
                Concern.created_at <= before,
                Concern.reminded_at.is_(None),
            )
            .order_by(Concern.created_at)
            .limit(limit)
        )
        return list(result.all())


class CheckInRepository(RowRepository[CheckIn]):
    model = CheckIn

    async def by_key(self, key: str) -> CheckIn | None:
        return await self.session.scalar(select(CheckIn).where(CheckIn.key == key))

    async def to_remind(self, sent_before: datetime, limit: int = 500) -> list[CheckIn]:
        """Check-ins made before `sent_before`, not fully answered, not reminded of yet."""
        result = await self.session.scalars(
            select(CheckIn)
            .where(
                CheckIn.answered_at.is_(None),
                CheckIn.reminded_at.is_(None),
                CheckIn.created_at <= sent_before,
            )
            .order_by(CheckIn.created_at)
            .limit(limit)
        )
        return list(result.all())

    async def of_person(self, person_id: int) -> list[CheckIn]:
        result = await self.session.scalars(
            select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.id)
        )
        return list(result.all())
