"""Conversation state (the FSM) inside one update: read from the database once, written
with the update's transaction, and gone when that transaction rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event

from bot.fsm import SqlStorage, bind_conversations
from storage.db import SessionFactory
from storage.uow import UnitOfWork

KEY = StorageKey(bot_id=1, chat_id=501, user_id=501)


@contextmanager
def fsm_statements(sessions: SessionFactory) -> Iterator[list[str]]:
    """The SQL statements sent about the fsm_record table while the block runs."""
    engine = sessions.kw["bind"].sync_engine
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "fsm_record" in statement:
            seen.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_an_update_reads_its_conversation_once(sessions: SessionFactory) -> None:
    storage = SqlStorage(sessions)
    await storage.set_state(KEY, "Onboarding:name")
    await storage.set_data(KEY, {"language": "ar"})
    with fsm_statements(sessions) as seen:
        async with UnitOfWork(sessions) as uow:
            with bind_conversations(uow.conversations):
                # What aiogram and a handler ask while one update is handled.
                assert await storage.get_state(KEY) == "Onboarding:name"
                assert await storage.get_data(KEY) == {"language": "ar"}
                await storage.set_data(KEY, {"language": "ar", "name": "Amal"})
                assert await storage.get_data(KEY) == {"language": "ar", "name": "Amal"}
                await storage.set_state(KEY, "Onboarding:municipality")
                assert await storage.get_state(KEY) == "Onboarding:municipality"
            await uow.commit()
    assert seen.count("SELECT") == 1, seen
    assert await storage.get_state(KEY) == "Onboarding:municipality"
    assert await storage.get_data(KEY) == {"language": "ar", "name": "Amal"}


async def test_a_new_conversation_is_looked_for_once_and_found_after_it_is_written(
    sessions: SessionFactory,
) -> None:
    storage = SqlStorage(sessions)
    with fsm_statements(sessions) as seen:
        async with UnitOfWork(sessions) as uow:
            with bind_conversations(uow.conversations):
                assert await storage.get_state(KEY) is None
                assert await storage.get_data(KEY) == {}
                await storage.set_state(KEY, "Onboarding:language")
                assert await storage.get_state(KEY) == "Onboarding:language"
                await storage.set_state(KEY, None)  # empty again: the record goes
                assert await storage.get_state(KEY) is None
                await storage.set_data(KEY, {"language": "uk"})
                assert await storage.get_data(KEY) == {"language": "uk"}
            await uow.commit()
    assert seen.count("SELECT") == 1, seen
    assert await storage.get_data(KEY) == {"language": "uk"}


async def test_a_rolled_back_update_leaves_the_conversation_as_it_was(
    sessions: SessionFactory,
) -> None:
    storage = SqlStorage(sessions)
    await storage.set_state(KEY, "Onboarding:name")
    async with UnitOfWork(sessions) as uow:
        with bind_conversations(uow.conversations):
            await storage.set_state(KEY, "Onboarding:municipality")
            await uow.rollback()
            # Read again after the rollback: the database's answer, not a remembered one.
            assert await storage.get_state(KEY) == "Onboarding:name"
    assert await storage.get_state(KEY) == "Onboarding:name"


async def test_a_nested_change_to_the_data_is_saved(sessions: SessionFactory) -> None:
    storage = SqlStorage(sessions)
    await storage.set_data(KEY, {"meet": {"day": "2026-03-07"}})
    async with UnitOfWork(sessions) as uow:
        with bind_conversations(uow.conversations):
            data = await storage.get_data(KEY)
            data["meet"]["kind"] = "sport"  # what a form step does before saving
            await storage.set_data(KEY, data)
        await uow.commit()
    assert await storage.get_data(KEY) == {"meet": {"day": "2026-03-07", "kind": "sport"}}
