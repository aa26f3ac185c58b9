"""aiogram FSM storage in the database, so a conversation survives a restart without Redis.

A thin adapter: the queries are `storage.conversations.ConversationRepository`'s. While an
update is being handled its unit of work is bound here (by the database middleware), so
state changes commit or roll back together with the domain; outside an update each call
runs in a unit of work of its own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from storage.conversations import ConversationRepository
from storage.db import SessionFactory
from storage.models import FsmRecord
from storage.uow import UnitOfWork

_current: ContextVar[ConversationRepository | None] = ContextVar("fsm_conversations", default=None)


@contextmanager
def bind_conversations(conversations: ConversationRepository) -> Iterator[None]:
    """Route FSM reads and writes through the update's unit of work for the block."""
    token = _current.set(conversations)
    try:
        yield
    finally:
        _current.reset(token)


class SqlStorage(BaseStorage):
    """FSM storage backed by the `fsm_record` table."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._keys = DefaultKeyBuilder(with_destiny=True)

    async def _write(self, key: StorageKey, **columns: Any) -> None:
        raw_key = self._keys.build(key)
        conversations = _current.get()
        if conversations is not None:
            await conversations.upsert(raw_key, **columns)
            return
        async with UnitOfWork(self._session_factory) as uow:
            await uow.conversations.upsert(raw_key, **columns)
            await uow.commit()

    async def _read(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        """The state and a copy of the data, read before the unit of work ends (leaving
        it rolls back, which would expire the record)."""
        raw_key = self._keys.build(key)
        conversations = _current.get()
        if conversations is not None:
            return _contents(await conversations.get(raw_key))
        async with UnitOfWork(self._session_factory) as uow:
            return _contents(await uow.conversations.get(raw_key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _data = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await self._read(key)
        return data

    async def close(self) -> None:
        return None


def _contents(record: FsmRecord | None) -> tuple[str | None, dict[str, Any]]:
    # A deep copy: a handler that changes a nested value and saves the data must not have
    # changed the record's own value first (the change would then look like no change).
    if record is None:
        return None, {}
    return record.state, copy.deepcopy(record.data) if record.data else {}
