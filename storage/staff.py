"""What only coordinators see or make: notes on a person and one-time coordinator invites."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from storage.base import RowRepository
from storage.models import CoordinatorInvite, PersonNote


class NoteRepository(RowRepository[PersonNote]):
    model = PersonNote

    async def of_person(self, person_id: int) -> list[PersonNote]:
        """Every note on a person, oldest first."""
        result = await self.session.scalars(
            select(PersonNote)
            .where(PersonNote.person_id == person_id)
            .order_by(PersonNote.created_at, PersonNote.id)
        )
        return list(result.all())

    async def count_on(self, person_ids: Sequence[int]) -> int:
        """How many notes there are on these people, counted by the database."""
        if not person_ids:
            return 0
        count = await self.session.scalar(
            select(func.count()).select_from(PersonNote).where(PersonNote.person_id.in_(person_ids))
        )
        return int(count or 0)


class InviteRepository(RowRepository[CoordinatorInvite]):
    model = CoordinatorInvite

    async def by_token(self, token: str) -> CoordinatorInvite | None:
        return await self.session.scalar(
            select(CoordinatorInvite).where(CoordinatorInvite.token == token)
        )
