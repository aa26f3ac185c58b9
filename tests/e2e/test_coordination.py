"""Coordinators end to end: waiting list, suggestions with reasons, matches, pair life."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from emulator import Emulator, SimulatedUser
from handlers.coordinator_buttons import COORDINATOR_COMMANDS
from storage.db import create_engine
from storage.models import AuditLog, Outbox, Pair, Programme, User
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, scalar, script_share, tap

COORDINATOR_ACTIONS = [
    "wl", "nc", "pp", "sg", "mt", "ok", "all", "okall", "pairs", "pr", "pa", "rs", "en",
    "ex", "rm", "nt", "de", "dey", "cl", "inv", "crm", "home",
]  # fmt: skip


async def coordinator(emulator: Emulator) -> SimulatedUser:
    coord = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    return coord


async def seed_people(database_url: str, emulator: Emulator, newcomers: int, buddies: int) -> None:
    """People who finished onboarding, written straight to the database: the flow under
    test here is the coordinator's, onboarding has its own tests."""
    rng = random.Random(7)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        for index in range(newcomers + buddies):
            is_buddy = index >= newcomers
            telegram_id = 50_000 + index
            language = "nl" if is_buddy else rng.choice(["ar", "uk", "fr", "ti", "fa"])
            emulator.user(telegram_id, f"P{index}", language)
            session.add(
                User(
                    telegram_id=telegram_id,
                    programme_id=programme.id,
                    role="buddy" if is_buddy else "newcomer",
                    status="waiting",
                    contact_language=language,
                    first_name=f"P{index}",
                    municipality=rng.choice(["21001", "21004", "21015", "21009"]),
                    languages=["nl", "fr"] if is_buddy else [language, "fr"],
                    interests=rng.sample(["sport", "culture", "leisure", "dutch_practice"], 2),
                    availability=rng.sample(["weekday_day", "weekday_evening", "weekend"], 2),
                    dutch_level="fluent" if is_buddy else "beginner",
                    gender="unsaid",
                    gender_preference="none",
                    capacity=rng.randint(1, 3) if is_buddy else None,
                    consent_at=START,
                    profile_done_at=START,
                    waiting_since=START - timedelta(days=index),
                )
            )
        await session.commit()
    await engine.dispose()


async def test_suggestions_with_reasons_and_introductions_in_each_language(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal = emulator.user(6001, "Amal", "ar")
    await onboard(amal, language="ar", name="Amal", languages=("ar", "fr"), municipality="21015")
    olena = emulator.user(6002, "Olena", "uk")
    await onboard(olena, language="uk", name="Olena", languages=("uk",), municipality="21001")
    bram = emulator.user(6003, "Bram", "nl")
    await onboard(
        bram,
        language="nl",
        role="buddy",
        name="Bram",
        languages=("nl", "fr", "ar"),
        municipality="21015",
        gender="man",
    )
    coord = await coordinator(emulator)
    home = coord.last
    assert "2" in (home.text or "")  # two newcomers waiting
    waiting = await tap(coord, "co:wl:0:0")
    assert (waiting.text or "").index("Amal") < (waiting.text or "").index("Olena")
    amal_row = await person(settings.database_url, 6001)
    bram_row = await person(settings.database_url, 6003)
    assert amal_row and bram_row
    await tap(coord, f"co:nc:{amal_row.id}:0")
    suggestions = await tap(coord, f"co:sg:{amal_row.id}:0")
    text = suggestions.text or ""
    assert "Bram" in text and "العربية" in text  # a shared language, named in its own script
    assert f"co:mt:{amal_row.id}:{bram_row.id}" in buttons_data(suggestions)
    confirmation = await tap(coord, f"co:mt:{amal_row.id}:{bram_row.id}")
    assert "Amal" in (confirmation.text or "") and "Bram" in (confirmation.text or "")
    # Both are introduced, each in their own language, with the other's first name.
    intro_amal = await amal.wait_for(lambda m: "Bram" in (m.text or ""), timeout=10)
    assert script_share(intro_amal.text or "", "ARABIC") > 0.5
    intro_bram = await bram.wait_for(lambda m: "Amal" in (m.text or ""), timeout=10)
    assert "buddy" in (intro_bram.text or "").lower()
    pair = await scalar(settings.database_url, select(Pair).where(Pair.newcomer_id == amal_row.id))
    assert pair is not None
    assert (
        await scalar(
            settings.database_url,
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "pair.created"),
        )
        == 1
    )
    # Olena moved up to place 1.
    await olena.command("start")
    home_olena = await olena.wait_for(lambda m: "menu:profile" in buttons_data(m))
    assert "1" in (home_olena.text or "") and "2" not in (home_olena.text or "")


async def test_bulk_assignment_of_the_waiting_list(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    await seed_people(settings.database_url, emulator, newcomers=20, buddies=8)
    coord = await coordinator(emulator)
    proposals = await tap(coord, "co:all:0:0")
    assert "co:okall:0:0" in buttons_data(proposals)
    proposed = sum(1 for d in buttons_data(proposals) if d.startswith("co:mt:"))
    assert proposed > 0
    await tap(coord, "co:okall:0:0", timeout=15)
    pairs = await scalar(settings.database_url, select(func.count()).select_from(Pair))
    assert pairs == proposed
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        load = (
            await connection.execute(
                select(User.capacity, func.count(Pair.id))
                .join(Pair, Pair.buddy_id == User.id)
                .group_by(User.id, User.capacity)
            )
        ).all()
        newcomers_paired = (
            await connection.execute(select(func.count(func.distinct(Pair.newcomer_id))))
        ).scalar()
    await engine.dispose()
    assert all(count <= capacity for capacity, count in load)
    assert newcomers_paired == pairs
    capacity_total = await scalar(
        settings.database_url, select(func.sum(User.capacity)).where(User.role == "buddy")
    )
    assert pairs == min(20, capacity_total)
    # Every introduction is delivered (beside them, those who waited 2 weeks were asked
    # whether they still look: domain/waiting.py).
    for _ in range(100):
        sent = await scalar(
            settings.database_url,
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.status == "sent", Outbox.key == "pair.introduction"),
        )
        if sent == 2 * pairs:
            break
        await asyncio.sleep(0.1)
    assert sent == 2 * pairs


@pytest.mark.parametrize("role", ["newcomer", "buddy"])
async def test_coordinator_commands_are_refused_to_others(
    running_bot: RunningBot, emulator: Emulator, settings, role: str, no_rejections
) -> None:
    user = emulator.user(7001, "Sam", "en")
    await onboard(user, language="en", role=role, name="Sam")
    before = await scalar(settings.database_url, select(func.count()).select_from(Pair))
    for done, command in enumerate(COORDINATOR_COMMANDS, start=1):
        user.mark_read()
        await user.command(command)
        answer = await user.wait_for(lambda m: "coordinators" in (m.text or "").lower())
        assert "only for coordinators" in (answer.text or "").lower(), command
        pairs = await scalar(settings.database_url, select(func.count()).select_from(Pair))
        assert pairs == before, command
        refused = await scalar(
            settings.database_url,
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "refused.coordinator_only"),
        )
        assert refused == done, command


async def test_coordinator_buttons_are_refused_to_others(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    newcomer = emulator.user(7101, "Sam", "en")
    await onboard(newcomer, language="en", name="Sam")
    buddy = emulator.user(7102, "Bo", "en")
    await onboard(buddy, language="en", role="buddy", name="Bo")
    sam = await person(settings.database_url, 7101)
    bo = await person(settings.database_url, 7102)
    assert sam and bo
    for action in COORDINATOR_ACTIONS:
        for user in (newcomer, buddy):
            user.mark_read()
            await user.press_data(f"co:{action}:{sam.id}:{bo.id}")
            answer = await user.next_callback_answer()
            assert "coordinators" in (answer.text or "").lower(), action
        pairs = await scalar(settings.database_url, select(func.count()).select_from(Pair))
        assert pairs == 0, action
        after = await person(settings.database_url, 7101)
        assert after is not None and after.status == "waiting", action


async def test_forged_ids_from_another_programme_are_refused(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    engine = create_engine(settings.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        other = Programme(slug="elsewhere", name="Another programme", settings={})
        session.add(other)
        await session.flush()
        stranger = User(
            telegram_id=7201,
            programme_id=other.id,
            role="newcomer",
            status="waiting",
            contact_language="en",
            first_name="Stranger",
            consent_at=START,
            profile_done_at=START,
            waiting_since=START,
            languages=["en"],
            interests=["sport"],
            availability=["weekend"],
        )
        session.add(stranger)
        await session.commit()
        stranger_id = stranger.id
    await engine.dispose()
    coord = await coordinator(emulator)
    for action in ("nc", "sg", "nt", "de"):
        coord.mark_read()
        await coord.press_data(f"co:{action}:{stranger_id}:0")
        answer = await coord.next_callback_answer()
        assert answer.text and answer.show_alert, action
    assert "Stranger" not in " ".join(m.text or "" for m in coord.messages)


async def test_pause_end_and_rematch_are_audited_and_told(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal = emulator.user(7301, "Amal", "en")
    await onboard(amal, language="en", name="Amal", languages=("en", "fr"))
    bram = emulator.user(7302, "Bram", "en")
    await onboard(bram, language="en", role="buddy", name="Bram", languages=("en", "nl"))
    amal_row = await person(settings.database_url, 7301)
    bram_row = await person(settings.database_url, 7302)
    assert amal_row and bram_row
    coord = await coordinator(emulator)
    await tap(coord, "co:wl:0:0")
    await tap(coord, f"co:nc:{amal_row.id}:0")
    await tap(coord, f"co:sg:{amal_row.id}:0")
    await tap(coord, f"co:mt:{amal_row.id}:{bram_row.id}")
    pair_id = await scalar(settings.database_url, select(Pair.id))
    await coord.command("pairs")
    await coord.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m))
    await tap(coord, f"co:pr:{pair_id}:0")
    await tap(coord, f"co:pa:{pair_id}:4")
    await amal.wait_for(lambda m: "paused" in (m.text or ""), timeout=10)
    assert await scalar(settings.database_url, select(Pair.status)) == "paused"
    await coord.command("pairs")
    await coord.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m))
    await tap(coord, f"co:pr:{pair_id}:0")
    await tap(coord, f"co:rm:{pair_id}:0")
    await amal.wait_for(lambda m: "front of the waiting list" in (m.text or ""), timeout=10)
    after = await person(settings.database_url, 7301)
    assert after is not None and after.status == "waiting"
    assert after.waiting_since == amal_row.waiting_since  # the original waiting date
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        actions = {row[0] for row in (await connection.execute(select(AuditLog.action))).all()}
    await engine.dispose()
    assert {"pair.created", "pair.paused", "pair.rematch"} <= actions
    # The same buddy is never proposed again to this newcomer.
    coord.mark_read()
    await coord.press_data(f"co:mt:{amal_row.id}:{bram_row.id}")
    refused = await coord.next_callback_answer()
    assert refused.show_alert


async def test_inviting_a_coordinator_with_a_one_time_link(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    await tap(coord, "co:cl:0:0")
    invite = await tap(coord, "co:inv:0:0")
    link = next(word for word in (invite.text or "").split() if "start=coord-" in word)
    payload = link.split("start=", 1)[1]
    newbie = emulator.user(7401, "Noor", "en")
    await newbie.command("start", payload)
    welcome = await newbie.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    assert "newcomer" in (welcome.text or "").lower() or "waiting" in (welcome.text or "").lower()
    stored = await person(settings.database_url, 7401)
    assert stored is not None and stored.role == "coordinator"
    intruder = emulator.user(7402, "Eve", "en")
    await intruder.command("start", payload)
    refusal = await intruder.next_message()
    assert "not valid" in (refusal.text or "")
    stored = await person(settings.database_url, 7402)
    assert stored is None


async def test_old_coordinator_buttons_get_a_polite_answer(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    """Buttons already in chats whose data is no longer understood (codes that were merged
    into others, forged actions) are answered as out of date and change nothing."""
    amal = emulator.user(7501, "Amal", "en")
    await onboard(amal, language="en", name="Amal", languages=("en", "fr"))
    bram = emulator.user(7502, "Bram", "en")
    await onboard(bram, language="en", role="buddy", name="Bram", languages=("en", "nl"))
    amal_row = await person(settings.database_url, 7501)
    bram_row = await person(settings.database_url, 7502)
    assert amal_row and bram_row
    coord = await coordinator(emulator)
    for data in (f"co:ok:{amal_row.id}:{bram_row.id}", f"co:pp:{amal_row.id}:0", "co:zz", "co:"):
        coord.mark_read()
        await coord.press_data(data)
        answer = await coord.next_callback_answer()
        # "This button is no longer active." in the coordinator's Dutch
        assert answer.show_alert and "werkt niet meer" in (answer.text or ""), data
    assert await scalar(settings.database_url, select(func.count()).select_from(Pair)) == 0


async def test_an_arabic_name_keeps_its_direction_in_dutch_screens(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    """In a left-to-right message an Arabic name is isolated (FSI ... PDI), so the Dutch
    around it does not scramble; a Latin name in Dutch needs nothing."""
    amal = emulator.user(7401, "أمل", "ar")
    await onboard(amal, language="ar", name="أمل", languages=("ar", "fr"))
    sofie = emulator.user(7402, "Sofie", "nl")
    await onboard(sofie, language="nl", role="buddy", name="Sofie", languages=("nl", "fr"))
    coord = await coordinator(emulator)
    coord.mark_read()
    await coord.press_data("co:wl:0:0", message=coord.last)
    waiting = await coord.wait_for(lambda m: "أمل" in (m.text or ""))
    assert "\u2068أمل\u2069" in (waiting.text or "")
