"""Conversation state (aiogram's FSM) kept in the `fsm_record` table, by storage key.

An empty record (no state, no data) means nothing, so it is removed rather than kept:
the table holds only the conversations that are under way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.base import Repository
from storage.models import FsmRecord


class ConversationRepository(Repository):
    async def get(self, key: str) -> FsmRecord | None:
        """The conversation record stored under `key`, or None."""
        return await self.session.scalar(select(FsmRecord).where(FsmRecord.key == key))

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
            return
        for name, value in columns.items():
            setattr(record, name, value)
        if _is_empty(record):
            await self.session.delete(record)
        await self.session.flush()

    async def delete(self, key: str) -> None:
        """Forget the conversation under `key`, if there is one."""
        record = await self.get(key)
        if record is not None:
            await self.session.delete(record)
            await self.session.flush()


def _is_empty(record: FsmRecord) -> bool:
    return record.state is None and not record.data
