"""What every repository shares: the unit of work's session, and never a commit."""

from __future__ import annotations

from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


class Repository:
    """Queries in the programme's words over the session of one unit of work. A repository
    only reads, adds and flushes: the unit of work commits, so an update's changes land
    together or not at all."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def flush(self) -> None:
        """Write what was added so far, so new rows get their ids (nothing is committed)."""
        await self.session.flush()


class RowRepository(Repository, Generic[Row]):
    """A repository of one table: `model` is its mapped class."""

    model: type[Row]

    def add(self, row: Row) -> None:
        """Store a new row with the next flush."""
        self.session.add(row)

    async def get(self, row_id: int) -> Row | None:
        """The row with this primary key, or None."""
        return await self.session.get(self.model, row_id)
