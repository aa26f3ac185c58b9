"""The first meeting end to end, with a controlled clock: an Arabic-speaking newcomer and
a Dutch-speaking buddy agree on their introduction meeting; the day before, each gets the
conversation guide in their own language; after it, each answers two one-tap questions,
and the buddy's "no" reaches the coordinator as a change request. A second tap and a
forged button from another pair change nothing and are answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.settings import Settings
from domain.clock import FrozenClock
from domain.first_meeting import ASK_AFTER, GUIDE_BEFORE
from emulator import BotMessage, Emulator, SimulatedUser
from handlers.i18n import fmt_date
from storage.models import AuditLog, FirstMeetingAnswer, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, menu, scalar, script_share, seed_pair, tap
from tests.e2e.test_meetups import deliver, plan

BRUSSELS = ZoneInfo("Europe/Brussels")
STARTS = datetime(2026, 3, 7, 13, 0, tzinfo=UTC)  # Saturday 14:00 in Brussels
MINUTES = 120


def words(message: BotMessage) -> int:
    return len((message.text or "").split())


async def agree_on_the_first_meeting(amal: SimulatedUser, bram: SimulatedUser) -> int:
    """Amal proposes Saturday 14:00 for two hours, Bram accepts; returns the meetup id."""
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(amal, "2026-03-07", "14:00", MINUTES, "Muntpunt", 1)
    proposal = await bram.wait_for(
        lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
    )
    meetup_id = int(
        next(d for d in buttons_data(proposal) if d.startswith("meet:accept:")).split(":")[2]
    )
    await tap(bram, f"meet:accept:{meetup_id}")
    return meetup_id


async def answer(person: SimulatedUser, data: str) -> BotMessage:
    """Tap one answer on the questions' message; the same message changes."""
    person.mark_read()
    return await tap(person, data)


async def test_the_guide_reaches_both_in_their_language_and_a_no_becomes_a_change_request(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    chen, _dirk, _other_pair = await seed_pair(
        settings.database_url,
        emulator,
        newcomer=(8003, "Chen", "en"),
        buddy=(8004, "Dirk", "nl"),
    )
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("pairs")  # the coordinator is known to the bot from now on
    await kim.wait_for(lambda _m: True)
    meetup_id = await agree_on_the_first_meeting(amal, bram)

    # The day before, with the first reminder: the guide, in each person's language.
    clock.set(STARTS - GUIDE_BEFORE)
    await deliver(running_bot)
    guide_amal = await amal.wait_for(lambda m: (m.text or "").startswith("📝"), timeout=10)
    guide_bram = await bram.wait_for(lambda m: (m.text or "").startswith("📝"), timeout=10)
    assert fmt_date(STARTS, "ar", BRUSSELS, "long") in (guide_amal.text or "")
    assert fmt_date(STARTS, "nl", BRUSSELS, "long") in (guide_bram.text or "")
    assert "Bram" in (guide_amal.text or "") and "Amal" in (guide_bram.text or "")
    assert script_share(guide_amal.text or "", "ARABIC") > 0.5  # the prompts, not only the date
    for guide in (guide_amal, guide_bram):
        assert "Français" in (guide.text or "")  # the language they share
        assert (guide.text or "").count("•") == 4  # prompts, not a form: no buttons
        assert not guide.inline_keyboard
        assert words(guide) <= 60

    # Two hours after the planned end: the two questions, to each.
    clock.set(STARTS + timedelta(minutes=MINUTES) + ASK_AFTER)
    await deliver(running_bot)
    feels = f"fm:{meetup_id}:feels_right"
    go_on = f"fm:{meetup_id}:go_on"
    for person in (amal, bram):
        asked = await person.wait_for(lambda m: f"{feels}:yes" in buttons_data(m), timeout=10)
        assert words(asked) <= 60
    # Amal: yes and yes. The message moves on to the second question, then thanks her.
    second = await answer(amal, f"{feels}:yes")
    assert buttons_data(second) == [f"{go_on}:yes", f"{go_on}:no"]
    thanks = await answer(amal, f"{go_on}:yes")
    assert "meet:new:0" in buttons_data(thanks)  # plan the next meetup
    # Bram: it felt right, but he does not want to go on.
    await answer(bram, f"{feels}:yes")
    told = await answer(bram, f"{go_on}:no")
    assert (told.text or "").startswith("📨") and "Amal" in (told.text or "")
    assert not told.inline_keyboard

    # The coordinator gets a change request that says where it came from.
    await deliver(running_bot)
    request = await kim.wait_for(lambda m: (m.text or "").startswith("📨"), timeout=10)
    assert "Bram" in (request.text or "") and f"#{pair_id}" in (request.text or "")
    reason = await scalar(
        settings.database_url,
        select(AuditLog.details["reason"].as_string()).where(
            AuditLog.action == "pair.change_requested"
        ),
    )
    assert reason == "first_meeting:go_on"
    # Amal hears nothing of Bram's answer.
    assert not [m for m in amal.messages if "#" in (m.text or "")]

    # A second tap (his old "yes"), and Chen of another pair with a forged button: each
    # is answered in words, and nothing changes.
    bram.mark_read()
    await bram.press_data(f"{go_on}:yes", message=told)
    again = await bram.next_callback_answer()
    assert again.show_alert and again.text
    await menu(chen)
    chen.mark_read()
    await chen.press_data(f"{feels}:no")
    refused = await chen.next_callback_answer()
    assert refused.show_alert and refused.text and refused.text != again.text
    rows = await answers(settings.database_url)
    assert rows == {
        ("Amal", "feels_right", "yes"),
        ("Amal", "go_on", "yes"),
        ("Bram", "feels_right", "yes"),
        ("Bram", "go_on", "no"),
    }
    requests = await scalar(
        settings.database_url,
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "pair.change_requested"),
    )
    assert requests == 1


async def answers(database_url: str) -> set[tuple[str, str, str]]:
    from storage.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(
                    User.first_name, FirstMeetingAnswer.question, FirstMeetingAnswer.answer
                ).join(User, User.id == FirstMeetingAnswer.person_id)
            )
            return {(str(name), str(q), str(a)) for name, q, a in rows.all()}
    finally:
        await engine.dispose()
