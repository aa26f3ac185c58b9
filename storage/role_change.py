"""Requests to change role (a newcomer becoming a buddy): the questions the service asks."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from storage.base import RowRepository
from storage.models import CLOSED_PAIR, EndReason, Pair, PairStatus, RoleChange, RoleChangeStatus


class RoleChangeRepository(RowRepository[RoleChange]):
    model = RoleChange

    async def pending_of(self, person_id: int) -> RoleChange | None:
        """The person's request still waiting for a coordinator, if any."""
        return await self.session.scalar(
            select(RoleChange)
            .where(
                RoleChange.person_id == person_id,
                RoleChange.status == RoleChangeStatus.PENDING.value,
            )
            .limit(1)
        )

    async def of_person(self, person_id: int) -> list[RoleChange]:
        """Every request of the person, oldest first (for /mydata)."""
        result = await self.session.scalars(
            select(RoleChange).where(RoleChange.person_id == person_id).order_by(RoleChange.id)
        )
        return list(result.all())

    async def completed_as_newcomer(self, person_id: int) -> bool:
        """Whether the person was the newcomer of a closed pair whose trajectory was
        completed (closed as completed, or ended with the reason "completed"): one indexed
        look-up by the pair's newcomer."""
        found = await self.session.scalar(
            select(
                exists().where(
                    Pair.newcomer_id == person_id,
                    Pair.status.in_(CLOSED_PAIR),
                    or_(
                        Pair.status == PairStatus.COMPLETED.value,
                        Pair.end_reason == EndReason.COMPLETED.value,
                    ),
                )
            )
        )
        return bool(found)
