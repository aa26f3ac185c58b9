"""The answers given after a pair's first meeting (domain/first_meeting.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.base import RowRepository
from storage.models import FirstMeetingAnswer


class FirstMeetingRepository(RowRepository[FirstMeetingAnswer]):
    model = FirstMeetingAnswer

    async def of(self, person_id: int, pair_id: int) -> dict[str, FirstMeetingAnswer]:
        """The person's answers about this pair's first meeting, by question."""
        rows = await self.session.scalars(
            select(FirstMeetingAnswer).where(
                FirstMeetingAnswer.person_id == person_id,
                FirstMeetingAnswer.pair_id == pair_id,
            )
        )
        return {row.question: row for row in rows.all()}

    async def of_person(self, person_id: int) -> Sequence[FirstMeetingAnswer]:
        """Everything the person answered, oldest first (for /mydata)."""
        rows = await self.session.scalars(
            select(FirstMeetingAnswer)
            .where(FirstMeetingAnswer.person_id == person_id)
            .order_by(FirstMeetingAnswer.id)
        )
        return rows.all()
