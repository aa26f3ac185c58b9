"""Conversation state (aiogram's FSM) kept in the `fsm_record` table, by storage key.

An empty record (no state, no data) means nothing, so it is removed rather than kept:
the table holds only the conversations that are under way.

aiogram asks for the state and the data several times while it handles one update; the
record is read once per unit of work, then found in the session (or known to be absent).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import Repository
from storage.models import FsmRecord


class ConversationRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._absent: set[str] = set()  # keys already found to have no record
        # The session's identity map holds records weakly: keeping them here lets the next
        # get() find them there without asking the database again.
        self._held: dict[str, FsmRecord] = {}

    async def get(self, key: str) -> FsmRecord | None:
        """The conversation record stored under `key`, or None (asked of the database
        once per unit of work)."""
        if key in self._absent:
            return None
        record = await self.session.get(FsmRecord, key)
        if record is None:
            self._absent.add(key)
        else:
            self._held[key] = record
        return record

    async def upsert(self, key: str, **columns: Any) -> None:
        """Set `state` and/or `data` of the record under `key`, creating it when needed;
        a record left empty is deleted."""
        record = await self.get(key)
        if record is None:
            record = FsmRecord(key=key, state=None, data={})
            for name, value in columns.items():
                setattr(record, name, value)
            if not _is_empty(record):
                self.session.add(record)
                await self.session.flush()
                self._absent.discard(key)
                self._held[key] = record
            return
        for name, value in columns.items():
            setattr(record, name, value)
        if _is_empty(record):
            await self.session.delete(record)
            self._absent.add(key)
            self._held.pop(key, None)
        await self.session.flush()

    async def delete(self, key: str) -> None:
        """Forget the conversation under `key`, if there is one."""
        record = await self.get(key)
        if record is not None:
            await self.session.delete(record)
            await self.session.flush()
            self._absent.add(key)
            self._held.pop(key, None)


def _is_empty(record: FsmRecord) -> bool:
    return record.state is None and not record.data
