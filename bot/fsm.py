"""aiogram FSM storage in the database, so a conversation survives a restart without Redis.

A thin adapter: the queries are `storage.conversations.ConversationRepository`'s. While an
update is being handled its unit of work is bound here (by the database middleware): the
conversation is read once and written once, when that unit of work commits, so state
changes commit or roll back together with the domain. Outside an update each call runs
in a unit of work of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from storage.conversations import ConversationRepository
from storage.db import SessionFactory
from storage.models import User
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
            await conversations.write(raw_key, **columns)
            return
        async with UnitOfWork(self._session_factory) as uow:
            await uow.conversations.write(raw_key, **columns)
            await uow.commit()

    async def _read(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        raw_key = self._keys.build(key)
        conversations = _current.get()
        if conversations is not None:
            return await conversations.read(raw_key)
        async with UnitOfWork(self._session_factory) as uow:
            return await uow.conversations.read(raw_key)

    async def read_with_person(
        self, conversations: ConversationRepository, key: StorageKey, telegram_id: int
    ) -> User | None:
        """Read the conversation under `key` with the person behind it, in one statement
        (see `ConversationRepository.read_with_person`)."""
        return await conversations.read_with_person(self._keys.build(key), telegram_id)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        raw_key = self._keys.build(key)
        conversations = _current.get()
        if conversations is not None:
            return await conversations.read_state(raw_key)
        state, _data = await self._read(key)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await self._read(key)
        return data

    async def close(self) -> None:
        return None
