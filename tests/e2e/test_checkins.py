"""Closing a trajectory end to end: the coordinator closes a pair as completed from its
file, both people are thanked and answer the end questions with one tap each, in their
own language; a skip is kept as a skip."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import SKIPPED, CheckIn, HourEntry, Pair, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, script_share, seed_pair, tap


async def forty_hours(database_url: str, pair_id: int, clock: FrozenClock) -> None:
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        for week in range(10):
            session.add(
                HourEntry(
                    programme_id=pair.programme_id,
                    pair_id=pair_id,
                    started_at=clock.now() - timedelta(weeks=week + 1),
                    minutes=240,
                    activity_kind="sport",
                    logged_by=pair.newcomer_id,
                    confirmed_by=pair.buddy_id,
                    status="confirmed",
                )
            )
        await session.commit()
    await engine.dispose()


async def answer_all(person: SimulatedUser, *, skip: int | None = None, last: str = "") -> None:
    """Tap the first answer of every question (or skip question `skip`; `last` is the
    value for the final question) until the thanks come."""
    while True:
        question = await person.wait_for(
            lambda m: (
                any(d.startswith("ck:") for d in buttons_data(m)) or (m.text or "").startswith("🙏")
            )
        )
        if (question.text or "").startswith("🙏"):
            return
        data = [d for d in buttons_data(question) if d.startswith("ck:")]
        index = int(data[0].split(":")[2])
        if index == skip:
            choice = next(d for d in data if d.endswith(":" + SKIPPED))
        elif last and data[-1].endswith(SKIPPED) and len(data) == 3 and index >= 5:
            choice = next(d for d in data if d.endswith(":" + last))
        else:
            choice = data[0]
        person.mark_read()
        await person.press_data(choice, message=question)


async def test_a_pair_closed_as_completed_answers_the_end_questions(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await forty_hours(settings.database_url, pair_id, clock)
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("pairs")
    await kim.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m))
    await tap(kim, f"co:pr:{pair_id}:0", expect=f"co:cp:{pair_id}")
    await tap(kim, f"co:cp:{pair_id}:0", expect=f"co:cpy:{pair_id}")
    await tap(kim, f"co:cpy:{pair_id}:0")
    await kim.wait_for(lambda m: (m.text or "").startswith("🎓"))

    thanked = await amal.wait_for(lambda m: (m.text or "").startswith("🎓"))
    assert script_share(thanked.text or "", "ARABIC") > 0.5
    first = await amal.wait_for(lambda m: any(d.startswith("ck:") for d in buttons_data(m)))
    assert script_share(first.text or "", "ARABIC") > 0.5 and "1/5" in (first.text or "")
    await answer_all(amal, skip=1)
    thanks = amal.messages[-1]
    assert "hp:w:0" in buttons_data(thanks)  # and tell the coordinator more, if they like

    await bram.wait_for(lambda m: (m.text or "").startswith("🎓"))
    await answer_all(bram, last="0")  # no other newcomer for now

    engine = create_engine(settings.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        rows = {c.role: c for c in (await session.scalars(select(CheckIn))).all()}
        bram_status = await session.scalar(select(User.status).where(User.telegram_id == bram.id))
        pair_status = await session.scalar(select(Pair.status).where(Pair.id == pair_id))
    await engine.dispose()
    assert rows["newcomer"].answers["knows_where"] == SKIPPED
    assert rows["newcomer"].answers["dutch_confidence"] == 1
    assert rows["newcomer"].answered_at is not None
    assert rows["buddy"].answers["another_newcomer"] == 0
    assert bram_status == "inactive" and pair_status == "completed"
