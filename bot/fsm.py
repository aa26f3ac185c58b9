"""aiogram FSM storage in the database, so a conversation survives a restart without Redis.

While an update is being handled its unit of work is the current session (set by the
database middleware), so state changes commit or roll back together with the domain.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SessionFactory
from storage.models import FsmRecord

_current_session: ContextVar[AsyncSession | None] = ContextVar("fsm_session", default=None)


@contextmanager
def bind_session(session: AsyncSession) -> Iterator[None]:
    """Route FSM reads and writes through `session` for the duration of the block."""
    token = _current_session.set(session)
    try:
        yield
    finally:
        _current_session.reset(token)


class SqlStorage(BaseStorage):
    """FSM storage backed by the `fsm_record` table."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._keys = DefaultKeyBuilder(with_destiny=True)

    async def _record(self, session: AsyncSession, key: str) -> FsmRecord | None:
        return await session.scalar(select(FsmRecord).where(FsmRecord.key == key))

    async def _write(self, key: StorageKey, **values: Any) -> None:
        raw_key = self._keys.build(key)
        session = _current_session.get()
        if session is not None:
            await self._upsert(session, raw_key, values)
            return
        async with self._session_factory() as own:
            await self._upsert(own, raw_key, values)
            await own.commit()

    async def _upsert(self, session: AsyncSession, raw_key: str, values: dict[str, Any]) -> None:
        record = await self._record(session, raw_key)
        if record is None:
            record = FsmRecord(key=raw_key, state=None, data={})
            for name, value in values.items():
                setattr(record, name, value)
            if record.state is not None or record.data:
                session.add(record)
                await session.flush()
            return
        for name, value in values.items():
            setattr(record, name, value)
        if record.state is None and not record.data:
            await session.delete(record)  # keep the table small: an empty record means nothing
        await session.flush()

    async def _read(self, key: StorageKey) -> FsmRecord | None:
        raw_key = self._keys.build(key)
        session = _current_session.get()
        if session is not None:
            return await self._record(session, raw_key)
        async with self._session_factory() as own:
            return await self._record(own, raw_key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await self._read(key)
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await self._read(key)
        return dict(record.data) if record and record.data else {}

    async def close(self) -> None:
        return None
