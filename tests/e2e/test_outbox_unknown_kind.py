"""A row of a kind this version does not know (written by a newer one) is an error: logged
with its id and key, counted by the worker, marked failed; never dropped in silence."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from domain.clock import FrozenClock
from emulator import Emulator
from handlers.i18n import create_i18n
from storage.db import create_engine, create_session_factory
from storage.models import OutboxStatus, User
from storage.uow import UnitOfWork
from tests.e2e.test_outbox_workers import bot_instance, outbox_rows

SECRET_PLACE = "Rue Secrète 12"


async def test_a_row_of_an_unknown_kind_is_logged_counted_and_failed(
    clean_database: str,
    emulator: Emulator,
    clock: FrozenClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = create_engine(clean_database)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            programme = await uow.programmes.default()
            person = User(
                telegram_id=800_001,
                programme_id=programme.id,
                contact_language="en",
                consent_at=clock.now(),
            )
            uow.users.add(person)
            await uow.session.flush()
            for key in ("meetup.teleported", "broadcast"):
                uow.outbox.enqueue(
                    chat_id=person.telegram_id,
                    key=key,
                    params={"place": SECRET_PLACE},
                    recipient_id=person.id,
                    programme_id=programme.id,
                    due_at=clock.now() - timedelta(minutes=1),
                )
            await uow.commit()
    finally:
        await engine.dispose()
    emulator.user(800_001, "Person", "en")
    i18n = create_i18n(tmp_path, "nl")
    with caplog.at_level(logging.ERROR, logger="delivery.outbox"):
        async with bot_instance(clean_database, emulator, i18n, clock) as worker:
            assert await worker.run_once() == 2
    unknown, known = await outbox_rows(clean_database)
    assert unknown.status == OutboxStatus.FAILED.value
    assert known.status == OutboxStatus.SENT.value  # the rows after it still go out
    assert worker.counters["unknown_kind"] == 1
    assert worker.counters["failed"] == 1
    assert worker.counters["sent"] == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    line = errors[0].getMessage()
    assert str(unknown.id) in line and "meetup.teleported" in line
    assert SECRET_PLACE not in line
