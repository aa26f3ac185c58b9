"""Outbox delivery by more than one worker: two bot instances share the queue without
sending anything twice (PostgreSQL), and a worker that crashes mid-batch loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from aiogram.utils.i18n import I18n
from sqlalchemy import func, select

from delivery.outbox import STALE_CLAIM, OutboxWorker, Rendered, Renderer
from delivery.telegram import create_bot
from domain.clock import FrozenClock
from emulator import Emulator
from handlers.i18n import create_i18n
from storage.db import create_engine, create_session_factory, is_sqlite
from storage.models import Outbox, OutboxStatus, User
from storage.uow import UnitOfWork

FIRST_TELEGRAM_ID = 700_000
LANGUAGES = ("nl", "fr", "en", "ar", "uk")
RATE = 10_000.0  # messages a second: the emulator enforces no limit here, keep the test fast


def render(row: Outbox, locale: str, tz: ZoneInfo) -> Rendered:
    """One line that tells which row was delivered, in which language."""
    return Rendered(text=f"{row.key} {row.id} {locale}")


class WorkerCrash(BaseException):
    """Stands in for a bot process dying in the middle of a batch. Not an `Exception`:
    like SystemExit, nothing in the worker may catch it and carry on."""


def crashing_after(delivered: int) -> Renderer:
    """A renderer that works `delivered` times, then takes the worker down."""
    calls = 0

    def crashing(row: Outbox, locale: str, tz: ZoneInfo) -> Rendered:
        nonlocal calls
        calls += 1
        if calls > delivered:
            raise WorkerCrash(f"crashed while rendering row {row.id}")
        return render(row, locale, tz)

    return crashing


@asynccontextmanager
async def bot_instance(
    database_url: str,
    emulator: Emulator,
    i18n: I18n,
    clock: FrozenClock,
    renderer: Renderer = render,
) -> AsyncIterator[OutboxWorker]:
    """An outbox worker with its own engine and Bot, as one bot process would have."""
    engine = create_engine(database_url)
    bot = create_bot(emulator.token, emulator.base_url or "")
    try:
        yield OutboxWorker(
            create_session_factory(engine), bot, i18n, renderer, clock, rate=RATE, batch=50
        )
    finally:
        await bot.session.close()
        await engine.dispose()


def language_of(chat_id: int) -> str:
    """The contact language `seed` gave the person in this chat."""
    return LANGUAGES[(chat_id - FIRST_TELEGRAM_ID) % len(LANGUAGES)]


async def seed(database_url: str, emulator: Emulator, clock: FrozenClock, count: int) -> None:
    """`count` people, each a simulated Telegram user with one outbox row due now."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            programme = await uow.programmes.default()
            people = []
            for n in range(count):
                telegram_id = FIRST_TELEGRAM_ID + n
                language = language_of(telegram_id)
                emulator.user(telegram_id, f"Person {n}", language)
                people.append(
                    User(
                        telegram_id=telegram_id,
                        programme_id=programme.id,
                        contact_language=language,
                        consent_at=clock.now(),
                    )
                )
            uow.session.add_all(people)
            await uow.session.flush()
            for person in people:
                uow.outbox.enqueue(
                    chat_id=person.telegram_id,
                    key="broadcast",
                    recipient_id=person.id,
                    programme_id=programme.id,
                    due_at=clock.now() - timedelta(minutes=1),
                    priority=2,
                )
            await uow.commit()
    finally:
        await engine.dispose()


class Row(NamedTuple):
    """What the tests read back from one outbox row."""

    id: int
    chat_id: int
    status: str
    claimed_by: str | None
    attempts: int


async def outbox_rows(database_url: str) -> list[Row]:
    """Every outbox row, oldest first."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                select(
                    Outbox.id, Outbox.chat_id, Outbox.status, Outbox.claimed_by, Outbox.attempts
                ).order_by(Outbox.id)
            )
            return [Row(*row) for row in result.all()]
    finally:
        await engine.dispose()


async def pending_count(database_url: str) -> int:
    """Rows not delivered yet: due, or claimed and in flight."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]))
            )
            return int(count or 0)
    finally:
        await engine.dispose()


def assert_each_row_delivered_once(rows: list[Row], emulator: Emulator) -> None:
    """Every row sent once, and every person got exactly their own row, in their language."""
    sends = emulator.requests_for("sendMessage")
    repeated = {chat: n for chat, n in Counter(r.params["chat_id"] for r in sends).items() if n > 1}
    assert not repeated, f"{len(repeated)} chats got more than one message"
    assert len(sends) == len(rows)
    assert all(record.status == 200 for record in sends)
    assert Counter(row.status for row in rows) == {OutboxStatus.SENT.value: len(rows)}
    assert [row.id for row in rows if row.attempts != 1] == []
    users = {user.id: user for user in emulator.users}
    for row in rows:
        texts = [message.text for message in users[row.chat_id].messages]
        assert texts == [f"broadcast {row.id} {language_of(row.chat_id)}"]
    emulator.assert_no_rejections()


async def test_two_workers_share_the_queue_and_send_each_row_once(
    clean_database: str, emulator: Emulator, clock: FrozenClock, tmp_path: Path
) -> None:
    if is_sqlite(clean_database):
        pytest.skip(
            "several workers on one database need PostgreSQL (FOR UPDATE SKIP LOCKED); "
            "set TEST_DATABASE_URL to run this"
        )
    people = 1000
    await seed(clean_database, emulator, clock, people)
    i18n = create_i18n(tmp_path, "nl")
    async with (
        bot_instance(clean_database, emulator, i18n, clock) as first,
        bot_instance(clean_database, emulator, i18n, clock) as second,
    ):
        for _ in range(10):
            await asyncio.gather(first.run_once(), second.run_once())
            if await pending_count(clean_database) == 0:
                break
    rows = await outbox_rows(clean_database)
    assert len(rows) == people
    assert_each_row_delivered_once(rows, emulator)
    claimed = Counter(row.claimed_by for row in rows)
    assert set(claimed) == {first.name, second.name}, claimed
    assert claimed[first.name] > 0 and claimed[second.name] > 0, claimed


async def test_a_crashed_workers_rows_are_delivered_by_another_after_the_stale_timeout(
    clean_database: str, emulator: Emulator, clock: FrozenClock, tmp_path: Path
) -> None:
    people, delivered_before_crash = 30, 3
    await seed(clean_database, emulator, clock, people)
    i18n = create_i18n(tmp_path, "nl")
    async with (
        bot_instance(
            clean_database, emulator, i18n, clock, crashing_after(delivered_before_crash)
        ) as crashed,
        bot_instance(clean_database, emulator, i18n, clock) as survivor,
    ):
        with pytest.raises(WorkerCrash):
            await crashed.run_once()
        rows = await outbox_rows(clean_database)
        stuck = people - delivered_before_crash
        assert Counter(row.status for row in rows) == {
            OutboxStatus.SENT.value: delivered_before_crash,
            OutboxStatus.SENDING.value: stuck,
        }
        assert {row.claimed_by for row in rows} == {crashed.name}

        # Within the stale-claim timeout the rows still belong to the crashed worker.
        assert await survivor.run_once() == 0
        clock.advance(STALE_CLAIM - timedelta(seconds=1))
        assert await survivor.run_once() == 0

        clock.advance(timedelta(seconds=2))
        assert await survivor.run_once() == stuck

    rows = await outbox_rows(clean_database)
    assert_each_row_delivered_once(rows, emulator)
    claimed = Counter(row.claimed_by for row in rows)
    assert claimed == {crashed.name: delivered_before_crash, survivor.name: stuck}


async def test_a_worker_whose_claim_was_handed_back_records_only_a_delivery(
    clean_database: str, emulator: Emulator, clock: FrozenClock
) -> None:
    # Worker "slow" claims a row and takes longer than the stale-claim timeout; the row
    # goes back to the queue and "new" claims it. What "slow" then finds (too late,
    # failed) must not overwrite "new"'s claim; a delivery it made is recorded, and
    # "new"'s own outcome after that does not turn it into "cancelled".
    await seed(clean_database, emulator, clock, 1)
    engine = create_engine(clean_database)
    factory = create_session_factory(engine)

    async def status() -> tuple[str, str | None]:
        row = (await outbox_rows(clean_database))[0]
        return row.status, row.claimed_by

    try:
        async with UnitOfWork(factory) as uow:
            [row] = await uow.outbox.claim("slow", clock.now(), 10)
            await uow.commit()
        clock.advance(STALE_CLAIM + timedelta(seconds=1))
        async with UnitOfWork(factory) as uow:
            assert await uow.outbox.release_stale(clock.now() - STALE_CLAIM) == 1
            [again] = await uow.outbox.claim("new", clock.now(), 10)
            assert again.id == row.id
            await uow.commit()

        async with UnitOfWork(factory) as uow:
            late = await uow.outbox.finish(
                row.id, OutboxStatus.CANCELLED, clock.now(), "expired", worker="slow"
            )
            await uow.outbox.retry_later(row.id, clock.now(), "502", worker="slow")
            await uow.commit()
        assert late is False
        assert await status() == (OutboxStatus.SENDING.value, "new")

        async with UnitOfWork(factory) as uow:
            assert await uow.outbox.finish(row.id, OutboxStatus.SENT, clock.now(), worker="slow")
            assert not await uow.outbox.finish(
                row.id, OutboxStatus.CANCELLED, clock.now(), "expired", worker="new"
            )
            await uow.commit()
        assert (await status())[0] == OutboxStatus.SENT.value
    finally:
        await engine.dispose()
