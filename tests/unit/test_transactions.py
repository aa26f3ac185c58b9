"""The per-update transaction: replies after the commit, lost races retried from scratch,
redelivered updates ignored, and nothing sent when the update fails. Runs on the suite's
database (SQLite, or PostgreSQL in CI), with a stand-in for the Bot that records calls."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Update
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.fsm import SqlStorage
from bot.middlewares import DatabaseMiddleware
from delivery.replies import HoldUntilCommit
from storage.db import create_engine, create_session_factory
from storage.models import FsmRecord, ProcessedUpdate
from storage.uow import UnitOfWork


class RecordingBot:
    """Records what would reach Telegram; calls go through the real holding middleware."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.hold = HoldUntilCommit()

    async def __call__(self, method: TelegramMethod[Any]) -> Any:
        async def deliver(_bot: Any, m: TelegramMethod[Any]) -> Any:
            self.sent.append(str(getattr(m, "text", m.__api_method__)))
            return True

        return await self.hold(deliver, self, method)  # type: ignore[arg-type]


@pytest.fixture
async def session_factory(clean_database: str):  # type: ignore[no-untyped-def]
    engine = create_engine(clean_database)
    yield create_session_factory(engine)
    await engine.dispose()


def update(update_id: int) -> Update:
    return Update(update_id=update_id)


async def count(session_factory: Any, statement: Any) -> int:
    async with UnitOfWork(session_factory) as uow:
        return int(await uow.session.scalar(statement) or 0)


async def test_replies_leave_after_the_commit_in_order(session_factory: Any) -> None:
    bot = RecordingBot()
    seen_before_commit: list[list[str]] = []

    async def handler(_event: Any, data: dict[str, Any]) -> str:
        await bot(SendMessage(chat_id=1, text="first"))
        await bot(SendMessage(chat_id=1, text="second"))
        seen_before_commit.append(list(bot.sent))
        return "done"

    middleware = DatabaseMiddleware(session_factory)
    result = await middleware(handler, update(1), {"bot": bot})
    assert result == "done"
    assert seen_before_commit == [[]]  # nothing left while the transaction was open
    assert bot.sent == ["first", "second"]
    assert await count(session_factory, select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_a_lost_race_is_handled_again_and_answered_once(session_factory: Any) -> None:
    bot = RecordingBot()
    attempts = 0

    async def handler(_event: Any, data: dict[str, Any]) -> None:
        nonlocal attempts
        attempts += 1
        await bot(SendMessage(chat_id=1, text=f"attempt {attempts}"))
        if attempts == 1:
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))

    await DatabaseMiddleware(session_factory)(handler, update(2), {"bot": bot})
    assert attempts == 2
    assert bot.sent == ["attempt 2"]  # the first attempt's answer was never sent


async def test_a_failing_update_sends_nothing_and_records_nothing(session_factory: Any) -> None:
    bot = RecordingBot()

    async def handler(_event: Any, data: dict[str, Any]) -> None:
        await bot(SendMessage(chat_id=1, text="saved!"))
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        await DatabaseMiddleware(session_factory)(handler, update(3), {"bot": bot})
    assert bot.sent == []
    assert await count(session_factory, select(func.count()).select_from(ProcessedUpdate)) == 0


async def test_a_redelivered_update_is_ignored(session_factory: Any) -> None:
    bot = RecordingBot()
    calls = 0

    async def handler(_event: Any, data: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        await bot(SendMessage(chat_id=1, text="hello"))

    middleware = DatabaseMiddleware(session_factory)
    await middleware(handler, update(4), {"bot": bot})
    await middleware(handler, update(4), {"bot": bot})
    # The second delivery is recognised at its end, and its work is thrown away unsent.
    assert calls == 2 and bot.sent == ["hello"]
    assert await count(session_factory, select(func.count()).select_from(ProcessedUpdate)) == 1


async def test_two_first_answers_of_one_person_at_once_both_survive(
    session_factory: Any,
) -> None:
    """Two updates of the same person handled at the same moment (two instances) both
    create the conversation record: the one that loses the insert is retried, nobody
    gets the apology and neither answer is lost."""
    storage = SqlStorage(session_factory)
    key = StorageKey(bot_id=1, chat_id=77, user_id=77)
    bot = RecordingBot()
    both_inside = asyncio.Barrier(2)

    def handler_for(field: str) -> Any:
        tries = 0

        async def handler(_event: Any, data: dict[str, Any]) -> None:
            nonlocal tries
            tries += 1
            state = FSMContext(storage=storage, key=key)
            data_now = await state.get_data()
            if tries == 1:
                await both_inside.wait()  # both read "no record" before either writes
            await state.set_data({**data_now, field: True})
            await bot(SendMessage(chat_id=77, text=field))

        return handler

    middleware = DatabaseMiddleware(session_factory)
    await asyncio.gather(
        middleware(handler_for("name"), update(5), {"bot": bot}),
        middleware(handler_for("place"), update(6), {"bot": bot}),
    )
    assert sorted(bot.sent) == ["name", "place"]
    async with UnitOfWork(session_factory) as uow:
        records = [record.data for record in await uow.session.scalars(select(FsmRecord))]
    assert records == [{"name": True, "place": True}]


async def test_only_an_update_that_queued_a_message_wakes_the_delivery_worker(
    session_factory: Any,
) -> None:
    wakes: list[int] = []
    middleware = DatabaseMiddleware(session_factory, on_commit=lambda: wakes.append(1))

    async def answers_only(_event: Any, data: dict[str, Any]) -> None:
        await data["uow"].users.by_telegram_id(8801)  # reads, queues nothing

    async def queues(_event: Any, data: dict[str, Any]) -> None:
        data["uow"].outbox.enqueue(chat_id=8801, key="reply", due_at=datetime.now(UTC))

    await middleware(answers_only, update(31), {})
    assert wakes == []
    await middleware(queues, update(32), {})
    assert wakes == [1]
