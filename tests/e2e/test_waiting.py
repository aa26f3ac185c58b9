"""Waiting-list care end to end, on the real bot and a clock the test moves: the checks at
2, 6 and 12 weeks come once each, in the newcomer's language and never at night; pause,
"I'm ready again" and stop do what they say, and the coordinator hears of a stop; an
unfinished profile is reminded once and erased at 30 days, with nothing left of it (nor
of someone who never consented); the coordinator is told what keeps buddies away from a
newcomer who waited 4 weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import FsmRecord, Outbox, Programme, User
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, say, scalar, tap
from tests.e2e.test_meetups import deliver

CHECK = "wl:yes"


async def plan_and_deliver(running_bot: RunningBot, times: int = 2) -> None:
    """Run the planner (more than once: a rerun must repeat nothing), then the outbox."""
    assert running_bot.app is not None
    for _ in range(times):
        await running_bot.app.plan_waiting()
    await deliver(running_bot)


def checks(user: SimulatedUser) -> list[str]:
    return [m.text or "" for m in user.messages if CHECK in buttons_data(m)]


async def coordinator(emulator: Emulator) -> SimulatedUser:
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    return kim


async def test_waiting_newcomers_are_asked_at_2_6_and_12_weeks_exactly_once(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    kim = await coordinator(emulator)
    amal = emulator.user(9501, "Amal", "ar")
    await onboard(amal, language="ar")
    amal_row = await person(settings.database_url, amal.id)
    assert amal_row is not None and amal_row.status == "waiting"

    # Two weeks on, at 21:00 (the job runs here outside the bot's tasks: its zone is UTC):
    # queued, but held until the end of the quiet hours.
    clock.set(START + timedelta(weeks=2, hours=12))
    await plan_and_deliver(running_bot)
    assert checks(amal) == []
    await deliver(running_bot)
    assert checks(amal) == []
    clock.set(START + timedelta(weeks=2, hours=23))  # 08:00 the next morning
    await deliver(running_bot)
    first = await amal.wait_for(lambda m: CHECK in buttons_data(m), timeout=10)
    # Rendered in her language: a number is isolated only in a right-to-left message (the
    # words themselves turn Arabic with the translation pass of the catalogs).
    assert "\u20682\u2069" in (first.text or "")
    assert {"wl:pause", "wl:stop"} <= set(buttons_data(first))
    for weeks, expected in ((6, 2), (12, 3)):
        clock.set(START + timedelta(weeks=weeks, days=1))
        await plan_and_deliver(running_bot)
        await amal.wait_for(lambda m, n=expected: len(checks(amal)) == n, timeout=10)  # type: ignore[misc]
    clock.set(START + timedelta(weeks=13))  # nothing after the last moment
    await plan_and_deliver(running_bot)
    assert len(checks(amal)) == 3
    keys = select(func.count()).where(Outbox.dedup_key.like(f"waiting:{amal_row.id}:%"))
    assert await scalar(settings.database_url, keys) == 3

    # Pause: off the list, "I'm ready again" in the menu puts them back at their place.
    last = amal.messages[-1]
    amal.mark_read()
    await amal.press_data("wl:pause", message=last)
    await amal.wait_for(lambda m: "menu:home" in buttons_data(m))
    assert (await person(settings.database_url, amal.id)).status == "paused"  # type: ignore[union-attr]
    await amal.command("start")
    home = await amal.wait_for(lambda m: "wl:ready" in buttons_data(m))
    assert "wl:ready" in buttons_data(home)
    await tap(amal, "wl:ready")
    assert (await person(settings.database_url, amal.id)).status == "waiting"  # type: ignore[union-attr]

    # Stop, confirmed: off the list for good, and the coordinator is told.
    amal.mark_read()
    await amal.press_data("wl:stop", message=last)
    confirm = await amal.wait_for(lambda m: "wl:stopy" in buttons_data(m))
    amal.mark_read()
    await amal.press_data("wl:stopy", message=confirm)
    await amal.wait_for(lambda m: (m.text or "").startswith("🚪"))
    assert (await person(settings.database_url, amal.id)).status == "inactive"  # type: ignore[union-attr]
    await deliver(running_bot)
    told = await kim.wait_for(lambda m: (m.text or "").startswith("🚪"), timeout=10)
    assert "Amal" in (told.text or "") and "13 weeks" in (told.text or "")
    assert "co:wl:0:0" in buttons_data(told)


async def test_unfinished_profiles_are_reminded_once_and_erased_at_30_days(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    # Conversation records carry the real time they were written: start the clock today.
    today = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    clock.set(today)
    eve = emulator.user(9601, "Eve", "en")
    await eve.command("start")
    await eve.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    await tap(eve, "lang:en:onb")
    await tap(eve, "consent:yes")
    await tap(eve, "step:role:newcomer")
    await say(eve, "Eve")  # then she stops answering
    zed = emulator.user(9602, "Zed", "en")
    await zed.command("start")
    await zed.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    await tap(zed, "lang:en:onb")  # and never consents
    eve_row = await person(settings.database_url, eve.id)
    assert eve_row is not None and eve_row.profile_done_at is None
    if settings.redis_url:
        # Conversations live in Redis: a stranger's expires there after 30 quiet days.
        assert 0 < await _redis_ttl(settings.redis_url, zed.id) <= 30 * 24 * 3600
    else:
        assert await _left_of(settings.database_url, zed.id, None) > 0

    clock.set(today + timedelta(days=2, hours=2))
    await plan_and_deliver(running_bot)
    reminder = await eve.wait_for(lambda m: "wl:cont" in buttons_data(m), timeout=10)
    assert "30" in (reminder.text or "")
    clock.set(today + timedelta(days=3))
    await plan_and_deliver(running_bot)
    assert len([m for m in eve.messages if "wl:cont" in buttons_data(m)]) == 1
    await tap(eve, "wl:cont", expect="step:municipality:")  # the next question, where she was

    clock.set(today + timedelta(days=29))
    await plan_and_deliver(running_bot)
    assert await person(settings.database_url, eve.id) is not None
    clock.set(today + timedelta(days=31))
    await plan_and_deliver(running_bot)
    # The scan: no person row, no conversation record, no message addressed to either.
    assert await _left_of(settings.database_url, eve.id, eve_row.id) == 0
    assert await _left_of(settings.database_url, zed.id, None) == 0


async def _redis_ttl(redis_url: str, telegram_id: int) -> int:
    """The shortest time to live of the Redis conversation keys of this Telegram user."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"*:{telegram_id}:*")]
        assert keys, "no conversation in Redis"
        return min([int(await client.ttl(key)) for key in keys])
    finally:
        await client.aclose()


async def _left_of(database_url: str, telegram_id: int, person_id: int | None) -> int:
    """Everything stored that belongs to this Telegram user or their person row."""
    engine = create_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            people = await session.scalar(
                select(func.count()).where(User.telegram_id == telegram_id)
            )
            keys = (await session.scalars(select(FsmRecord.key))).all()
            records = [k for k in keys if f":{telegram_id}:" in k]
            mine = Outbox.chat_id == telegram_id
            if person_id is not None:
                mine = or_(mine, Outbox.recipient_id == person_id)
            messages = await session.scalar(select(func.count()).where(mine))
            return int(people or 0) + len(records) + int(messages or 0)
    finally:
        await engine.dispose()


async def test_coordinators_hear_what_keeps_buddies_from_a_long_waiting_newcomer(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    kim = await coordinator(emulator)
    joined = START - timedelta(weeks=4, days=1)
    engine = create_engine(settings.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        common = {
            "programme_id": programme.id,
            "status": "waiting",
            "municipality": "21004",
            "interests": ["sport"],
            "dutch_level": "beginner",
            "consent_at": joined,
            "profile_done_at": joined,
        }
        nour = User(
            telegram_id=9701,
            role="newcomer",
            contact_language="ar",
            first_name="Nour",
            languages=["ar"],
            availability=["weekend"],
            gender_preference="woman",
            waiting_since=joined,
            **common,
        )
        session.add(nour)
        for telegram_id, languages, gender in ((9702, ["nl"], "woman"), (9703, ["ar"], "man")):
            session.add(
                User(
                    telegram_id=telegram_id,
                    role="buddy",
                    contact_language="nl",
                    first_name=f"Buddy{telegram_id}",
                    languages=languages,
                    availability=["weekend"],
                    gender=gender,
                    capacity=1,
                    **common,
                )
            )
        await session.commit()
        nour_id = nour.id
    await engine.dispose()

    await plan_and_deliver(running_bot)
    alert = await kim.wait_for(lambda m: (m.text or "").startswith("⏳"), timeout=10)
    text = alert.text or ""
    assert "4 weeks" in text and "no buddy fits" in text
    assert "speak none of the languages" in text or "speaks none of the languages" in text
    assert "not of the gender" in text
    assert f"co:sg:{nour_id}:0" in buttons_data(alert)
    await plan_and_deliver(running_bot)  # told once
    assert len([m for m in kim.messages if (m.text or "").startswith("⏳")]) == 1
