"""What only coordinators see or make: notes on a person and one-time coordinator invites."""

from __future__ import annotations

from sqlalchemy import select

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


class InviteRepository(RowRepository[CoordinatorInvite]):
    model = CoordinatorInvite

    async def by_token(self, token: str) -> CoordinatorInvite | None:
        return await self.session.scalar(
            select(CoordinatorInvite).where(CoordinatorInvite.token == token)
        )
