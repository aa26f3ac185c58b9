"""Conversation state (aiogram's FSM) kept in the `fsm_record` table, by storage key.

While an update is handled, aiogram and the handler ask for the state and the data and
change them several times. The record is read from the database once per unit of work;
changes are kept here and written once, when the unit of work commits (`writes()`): one
INSERT, UPDATE or DELETE per conversation, inside the update's transaction.

An empty record (no state, no data) means nothing, so it is removed rather than kept:
the table holds only the conversations that are under way.

Two instances changing the same conversation at once (PostgreSQL without Redis) cannot
overwrite each other: an update or delete only applies to the version that was read,
and otherwise raises `StaleConversation`, which the update's retry handles like any
lost race.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Delete,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.base import Repository
from storage.db import Write
from storage.models import FsmRecord, User
from storage.models.base import utcnow


class StaleConversation(Exception):
    """Someone else changed the conversation since this unit of work read it."""


@dataclass
class _Conversation:
    """What one unit of work knows of one conversation."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    stored_at: datetime | None = None  # the version read; None when there was no record
    changed: bool = False

    @property
    def empty(self) -> bool:
        return self.state is None and not self.data


class ConversationRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._known: dict[str, _Conversation] = {}

    async def _load(self, key: str) -> _Conversation:
        known = self._known.get(key)
        if known is None:
            row = (
                await self.session.execute(
                    select(FsmRecord.state, FsmRecord.data, FsmRecord.updated_at).where(
                        FsmRecord.key == key
                    )
                )
            ).first()
            known = (
                _Conversation(state=row.state, data=row.data or {}, stored_at=row.updated_at)
                if row is not None
                else _Conversation()
            )
            self._known[key] = known
        return known

    async def read_with_person(self, key: str, telegram_id: int) -> User | None:
        """The conversation under `key` (kept for `read()`) and the person with this
        Telegram id, or None, in one round trip: what every update needs first."""
        row = (
            await self.session.execute(
                _read_with_person(), {"telegram_id": telegram_id, "key": key}
            )
        ).one()
        if key not in self._known:
            self._known[key] = (
                _Conversation(state=row.state, data=row.data or {}, stored_at=row.updated_at)
                if row.updated_at is not None
                else _Conversation()
            )
        return row.User

    async def read_state(self, key: str) -> str | None:
        """The state under `key` alone (no copy of the data)."""
        return (await self._load(key)).state

    async def read(self, key: str) -> tuple[str | None, dict[str, Any]]:
        """The state and a copy of the data under `key` (asked of the database once per
        unit of work). A copy: a handler that changes a nested value and saves the data
        must not have changed what is known here first (it would look like no change)."""
        known = await self._load(key)
        return known.state, _copy_json(known.data)

    async def write(self, key: str, **columns: Any) -> None:
        """Set `state` and/or `data` under `key`; written to the database with the
        unit of work's commit (`writes()`)."""
        known = await self._load(key)
        if "state" in columns:
            known.state = columns["state"]
        if "data" in columns:
            known.data = _copy_json(dict(columns["data"] or {}))
        known.changed = True

    async def delete(self, key: str) -> None:
        """Forget the conversation under `key`, if there is one."""
        await self.write(key, state=None, data={})

    def forget(self) -> None:
        """After a rollback: what was read or changed is gone; read again when asked."""
        self._known.clear()

    def writes(self) -> list[Write]:
        """The statements that store every changed conversation: one each, or none when
        it was empty before and after. A change to a stored version applies only to
        that version (`StaleConversation` when it is gone: the unit of work raises it)."""
        writes = []
        for key, known in self._known.items():
            if not known.changed:
                continue
            write = _write_of(key, known)
            if write is not None:
                writes.append(write)
            known.changed = False
        return writes


def _write_of(key: str, known: _Conversation) -> Write | None:
    now = utcnow()
    if known.stored_at is None:
        if known.empty:
            return None
        known.stored_at = now
        return Write(
            _insert(), {"key": key, "state": known.state, "data": known.data, "updated_at": now}
        )
    version = {"read_key": key, "read_at": known.stored_at}
    if known.empty:
        known.stored_at = None
        return Write(_delete_version(), version, reason=StaleConversation(key))
    known.stored_at = now
    return Write(
        _update_version(),
        {**version, "new_state": known.state, "new_data": known.data, "new_at": now},
        reason=StaleConversation(key),
    )


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, and immutable scalars), several times
    cheaper than `copy.deepcopy`; anything else is copied by `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [_copy_json(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


# The statements of every update, built once: building one (SQLAlchemy's coercions and
# joins) costs more than running it on SQLite. Values are bound at execution. On the
# table itself, not the mapped class: nothing of the session's objects to synchronise.


def _fsm_table() -> Table:
    return cast(Table, FsmRecord.__table__)


@cache
def _read_with_person() -> Select[Any]:
    anchor = select(literal(1).label("anchor")).subquery()
    return (
        select(User, FsmRecord.state, FsmRecord.data, FsmRecord.updated_at)
        .select_from(anchor)
        .outerjoin(User, User.telegram_id == bindparam("telegram_id"))
        .outerjoin(FsmRecord, FsmRecord.key == bindparam("key"))
    )


@cache
def _insert() -> Insert:
    return insert(_fsm_table())


def _same_version() -> ColumnElement[bool]:
    table = _fsm_table().c
    return (table.key == bindparam("read_key")) & (table.updated_at == bindparam("read_at"))


@cache
def _delete_version() -> Delete:
    return delete(_fsm_table()).where(_same_version())


@cache
def _update_version() -> Update:
    return (
        update(_fsm_table())
        .where(_same_version())
        .values(
            state=bindparam("new_state"),
            data=bindparam("new_data"),
            updated_at=bindparam("new_at"),
        )
    )
