"""The pair, the programme's central record: a newcomer and a buddy."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pair


class PairRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, pair_id: int) -> Pair | None:
        """The pair with this id, or None."""
        return await self.session.get(Pair, pair_id)
