"""Reporting a concern end to end, on a controlled clock: urgent ones reach every
coordinator at once even at night, a day without an answer brings a reminder, each step
is audited and tells the reporter, and the partner never sees any of it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, Concern, Programme, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, menu, scalar, script_share, seed_pair, tap

OTHER_COORDINATORS = (4243, 4244)


async def three_coordinators(database_url: str, emulator: Emulator) -> list[SimulatedUser]:
    """The bootstrap coordinator (after their first update) and two more, in the database."""
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        for telegram_id in OTHER_COORDINATORS:
            session.add(
                User(
                    telegram_id=telegram_id,
                    programme_id=programme.id,
                    role="coordinator",
                    status="waiting",
                    contact_language="fr",
                    first_name=f"C{telegram_id}",
                    consent_at=datetime(2026, 1, 1, tzinfo=UTC),
                    profile_done_at=datetime(2026, 1, 1, tzinfo=UTC),
                    languages=[],
                    interests=[],
                    availability=[],
                )
            )
        await session.commit()
    await engine.dispose()
    coordinators = [kim, *(emulator.user(i, f"C{i}", "fr") for i in OTHER_COORDINATORS)]
    for coordinator in coordinators:
        coordinator.mark_read()
    return coordinators


async def test_an_urgent_concern_at_night_reaches_every_coordinator_at_once(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    coordinators = await three_coordinators(settings.database_url, emulator)
    amal, bram, _pair = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    clock.set(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))  # 23:00 in Brussels: quiet hours
    await tap(amal, "hp:c:0")
    kinds = amal.last
    assert "cn:partner" in buttons_data(kinds) and script_share(kinds.text or "", "ARABIC") > 0.5
    started = time.monotonic()
    await tap(amal, "cn:unsafe")
    for coordinator in coordinators:
        alert = await coordinator.wait_for(lambda m: "🚨" in (m.text or ""), timeout=3.0)
        assert "Amal" in (alert.text or "")
        assert any(d.startswith("ib:a:") for d in buttons_data(alert))
    elapsed = time.monotonic() - started
    print(f"\nthe urgent concern reached all 3 coordinators in {elapsed:.2f} s")
    assert elapsed < 3.0
    told = await amal.wait_for(lambda m: "112" in (m.text or ""))
    assert script_share(told.text or "", "ARABIC") > 0.5

    # Nobody takes it on for a day: every coordinator is reminded (urgent: at night too).
    clock.advance(timedelta(hours=25))
    await running_bot.app.remind_concerns()  # type: ignore[union-attr]
    for coordinator in coordinators:
        await coordinator.wait_for(lambda m: (m.text or "").startswith("⏰"))
    await running_bot.app.remind_concerns()  # type: ignore[union-attr]  # once only
    await asyncio.sleep(0.3)
    assert sum((m.text or "").startswith("⏰") for m in coordinators[0].messages) == 1

    # In the morning Kim takes it on, then closes it: Amal is told each time, in Arabic.
    clock.advance(timedelta(hours=8))
    alert = next(m for m in coordinators[0].messages if "🚨" in (m.text or ""))
    amal.mark_read()
    await tap(coordinators[0], next(d for d in buttons_data(alert) if d.startswith("ib:a:")))
    seen = await amal.wait_for(lambda m: (m.text or "").startswith("👀"))
    assert script_share(seen.text or "", "ARABIC") > 0.5
    await tap(coordinators[1], next(d for d in buttons_data(alert) if d.startswith("ib:c:")))
    closed = await amal.wait_for(lambda m: (m.text or "").startswith("✅") and m is not seen)
    assert script_share(closed.text or "", "ARABIC") > 0.5
    status = await scalar(settings.database_url, select(Concern.status))
    assert status == "closed"
    for action in ("concern.reported", "concern.acknowledged", "concern.closed"):
        found = await scalar(
            settings.database_url, select(AuditLog.id).where(AuditLog.action == action)
        )
        assert found is not None, action
    # The partner never hears of it.
    assert bram.messages == []


async def test_a_concern_with_words_goes_to_the_coordinators_but_never_to_the_partner(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    coordinators = await three_coordinators(settings.database_url, emulator)
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    await tap(amal, "hp:c:0")
    await tap(amal, "cn:partner")
    await amal.send_voice(duration=12)
    thanks = await amal.wait_for(lambda m: (m.text or "").startswith("🙏"))
    assert script_share(thanks.text or "", "ARABIC") > 0.5
    for coordinator in coordinators:
        first = await coordinator.wait_for(lambda m: "🚩" in (m.text or ""))
        assert f"#{pair_id}" in (first.text or "")
        voice = await coordinator.wait_for(lambda m: m.kind == "voice")
        assert any(d.startswith("ib:a:") for d in buttons_data(voice))
    assert await scalar(settings.database_url, select(Concern.pair_id)) == pair_id
    assert await scalar(settings.database_url, select(Concern.status)) == "open"
    assert bram.messages == []
