"""The end of an update's transaction (`UnitOfWork.commit_update`): the update's record,
its conversation state and its other changes commit together, or none of them does.
On SQLite they reach the database in one hand-off (storage.db.commit_writes); these
prove the outcomes are those of one statement at a time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.conversations import StaleConversation
from storage.db import SessionFactory
from storage.models import AuditLog, ProcessedUpdate
from storage.uow import UnitOfWork

KEY = "fsm:1:701:701:default"


async def _counts(sessions: SessionFactory, update_id: int) -> tuple[int, int]:
    """(audit rows, records of `update_id`)."""
    async with UnitOfWork(sessions) as uow:
        audits = await uow.session.scalar(select(func.count()).select_from(AuditLog))
        records = await uow.session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
        )
    return int(audits or 0), int(records or 0)


async def _state(sessions: SessionFactory) -> tuple[str | None, dict[str, object]]:
    async with UnitOfWork(sessions) as uow:
        return await uow.conversations.read(KEY)


async def test_an_update_commits_its_record_state_and_changes_together(
    sessions: SessionFactory,
) -> None:
    async with UnitOfWork(sessions) as uow:
        await uow.conversations.write(KEY, state="Onboarding:name", data={"language": "nl"})
        uow.audit.record("test.handled", programme_id=None, actor_id=None)
        assert await uow.commit_update(9_001)
    assert await _counts(sessions, 9_001) == (1, 1)
    assert await _state(sessions) == ("Onboarding:name", {"language": "nl"})


async def test_a_redelivered_update_commits_nothing(sessions: SessionFactory) -> None:
    async with UnitOfWork(sessions) as uow:
        assert await uow.commit_update(9_002)
    async with UnitOfWork(sessions) as uow:
        await uow.conversations.write(KEY, state="Onboarding:name")
        uow.audit.record("test.handled", programme_id=None, actor_id=None)
        assert not await uow.commit_update(9_002)
    assert await _counts(sessions, 9_002) == (0, 1)
    assert await _state(sessions) == (None, {})


async def test_a_conversation_changed_meanwhile_is_stale_and_commits_nothing(
    sessions: SessionFactory,
) -> None:
    async with UnitOfWork(sessions) as uow:
        await uow.conversations.write(KEY, state="Onboarding:name")
        await uow.commit()
    async with UnitOfWork(sessions) as late:
        await late.conversations.read(KEY)  # the version this update works on
        async with UnitOfWork(sessions) as first:
            await first.conversations.write(KEY, state="Onboarding:municipality")
            assert await first.commit_update(9_003)
        await late.conversations.write(KEY, state="Onboarding:languages")
        late.audit.record("test.handled", programme_id=None, actor_id=None)
        with pytest.raises(StaleConversation):
            await late.commit_update(9_004)
    assert await _counts(sessions, 9_004) == (0, 0)
    assert await _state(sessions) == ("Onboarding:municipality", {})
