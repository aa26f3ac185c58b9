"""Dutch practice end to end: a newcomer who turned it off never gets a Dutch word; one who
asked for more gets a phrase on every screen that may carry one, never two in a message,
never on the consent or an error; buddies get one tip a month; "something unclear?"
reaches the coordinators with the message's key and language."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from domain.dutch_practice import Screen
from emulator import BotMessage, Emulator, SimulatedUser
from emulator.state import CallbackAnswer
from handlers.dutch_practice import with_dutch
from handlers.dutch_practice_phrases import CONFIRMATIONS, PHRASES, Confirmation
from handlers.i18n import FSI, create_i18n
from storage.models import User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, scalar, seed_pair, tap
from tests.e2e.test_meetups import deliver, plan

FLAG = "🇳🇱"
DUTCH = [phrase.dutch for phrase in PHRASES] + list(CONFIRMATIONS.values())


def dutch_in(message: BotMessage) -> list[str]:
    text = message.text or ""
    return [word for word in DUTCH if word in text]


async def answered(user: SimulatedUser, query_id: str) -> CallbackAnswer:
    """The bot's answer to one callback query of the user's."""
    for _ in range(100):
        found = [a for a in user.callback_answers if a.query_id == query_id]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer to {query_id}")


async def choose_level(user: SimulatedUser, level: str) -> None:
    """/language, "🇳🇱 Dutch practice", then the level: as a person would, with buttons."""
    await user.command("language")
    picker = await user.wait_for(lambda m: "nl:show:" in buttons_data(m))
    assert "unc:ask" in buttons_data(picker)
    await tap(user, "nl:show:", expect="nl:set:")
    saved = await tap(user, f"nl:set:{level}")
    assert "✅" in (saved.text or "")


async def screens(user: SimulatedUser) -> list[BotMessage]:
    """The screens that may carry a phrase: home, progress, the pair, a meetup sent."""
    shown = []
    for open_screen in (
        lambda: user.command("start"),
        lambda: user.command("progress"),
        lambda: user.press_data("menu:pair"),
    ):
        user.mark_read()
        await open_screen()
        shown.append(await user.next_message())
    await user.command("meetup")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(user, "2026-03-07", "14:00", 60, "Muntpunt", 1)
    shown.append(await user.wait_for(lambda m: "📨" in (m.text or "")))
    return shown


async def test_off_never_a_dutch_word_more_one_on_every_screen(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, _bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8801, "Amal", "en"), buddy=(8802, "Bram", "nl")
    )
    await choose_level(amal, "off")
    stored = await scalar(
        settings.database_url, select(User.dutch_practice).where(User.telegram_id == amal.id)
    )
    assert stored == "off"
    amal.mark_read()
    for message in await screens(amal):
        assert dutch_in(message) == [] and FLAG not in (message.text or ""), message.text

    # Nadia reads Arabic (right to left) and asked for more Dutch.
    nadia, _sofie, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8803, "Nadia", "ar"), buddy=(8804, "Sofie", "nl")
    )
    await choose_level(nadia, "more")
    for message in await screens(nadia):
        text = message.text or ""
        assert text.count(FLAG) == 1 and len(dutch_in(message)) >= 1, text
        assert len(text.split()) <= 60, text
        # The Dutch keeps its own direction inside the Arabic line.
        assert any(FSI + word in text for word in dutch_in(message)), text
    # A meetup sent: the confirmation itself comes in Dutch, with the translation below.
    assert CONFIRMATIONS[Confirmation.SENT] in (message.text or "")

    # Never on an error: a forged level and an old button get their answer without Dutch.
    nadia.mark_read()
    before = len(nadia.messages)
    for forged in ("nl:set:lots", "meet:bogus:1"):
        query = await nadia.press_data(forged)
        answer = await answered(nadia, query)
        assert answer.text and FLAG not in answer.text
    assert all(FLAG not in (m.text or "") for m in nadia.messages[before:])


async def test_never_on_the_consent_nor_for_a_buddy(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    lina = emulator.user(8811, "Lina", "en")
    await lina.command("start")
    await lina.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    consent = await tap(lina, "lang:en:onb", expect="consent:yes")
    assert FLAG not in (consent.text or "")
    _amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8812, "Amal", "en"), buddy=(8813, "Bram", "en")
    )
    bram.mark_read()
    await bram.command("start")
    home = await bram.wait_for(lambda m: "menu:" in " ".join(buttons_data(m)))
    assert FLAG not in (home.text or "")
    # A buddy's "Dutch practice" button answers: the tips are theirs, not the words.
    await bram.command("language")
    await bram.wait_for(lambda m: "nl:show:" in buttons_data(m))
    answer = await tap(bram, "nl:show:")
    assert "tip" in (answer.text or "") and not any("nl:set" in d for d in buttons_data(answer))


async def test_a_buddy_gets_one_tip_a_month(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8821, "Amal", "en"), buddy=(8822, "Bram", "en")
    )
    app = running_bot.app
    assert app is not None

    def tips() -> list[BotMessage]:
        return [m for m in bram.messages if "tip of the month" in (m.text or "")]

    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    await app.plan_dutch_tips()
    await app.plan_dutch_tips()  # planned twice, sent once
    await deliver(running_bot)
    first = await bram.wait_for(lambda m: "tip of the month" in (m.text or ""), timeout=10)
    clock.set(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    await app.plan_dutch_tips()
    await deliver(running_bot)
    assert len(tips()) == 1
    clock.set(datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    await app.plan_dutch_tips()
    await deliver(running_bot)
    second = await bram.wait_for(
        lambda m: "tip of the month" in (m.text or "") and m.message_id != first.message_id,
        timeout=10,
    )
    assert second.text != first.text and len(tips()) == 2
    assert not [m for m in amal.messages if "tip of the month" in (m.text or "")]


async def test_something_unclear_reaches_the_coordinators_with_key_and_language(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, _bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8831, "Amal", "fr"), buddy=(8832, "Bram", "nl")
    )
    await amal.command("progress")
    progress = await amal.next_message()
    await amal.command("language")
    await amal.wait_for(lambda m: "unc:ask" in buttons_data(m))
    # Nothing pushed to Amal yet: "my last notification" says so, and changes nothing.
    await tap(amal, "unc:ask", expect="unc:last")
    amal.mark_read()
    await amal.press_data("unc:last")
    alert = await amal.next_callback_answer()
    assert alert.show_alert and alert.text
    # Typed text or a voice note is not a message of the bot's: the hint again.
    await amal.send("le message des heures")
    hint = await amal.next_message()
    assert "unc:last" in buttons_data(hint)
    await amal.send_voice()
    hint = await amal.next_message()
    assert "unc:last" in buttons_data(hint)
    # A reply to the progress message: its key and Amal's language go to the coordinator.
    amal.mark_read()
    await amal.send("celui-ci", reply_to=progress.message_id)
    thanks = await amal.next_message()
    assert "🙏" in (thanks.text or "")
    report = await kim.wait_for(lambda m: "🗣️" in (m.text or ""), timeout=10)
    text = report.text or ""
    assert "Your hours together" in text, text
    assert "Français" in text and "Amal" in text
    assert "celui-ci" not in text  # the person's own words stay with them


async def test_my_last_notification_names_the_pushed_message(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8841, "Amal", "ar"), buddy=(8842, "Bram", "nl")
    )
    # Bram proposes a meetup: Amal gets it pushed through the outbox.
    await bram.command("meetup")
    await bram.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(bram, "2026-03-07", "14:00", 60, "Muntpunt", 1)
    await deliver(running_bot)
    await amal.wait_for(lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10)
    await amal.command("language")
    await amal.wait_for(lambda m: "unc:ask" in buttons_data(m))
    await tap(amal, "unc:ask", expect="unc:last")
    thanks = await tap(amal, "unc:last")
    assert "🙏" in (thanks.text or "")
    report = await kim.wait_for(lambda m: "meetup.proposed" in (m.text or ""), timeout=10)
    assert "العربية" in (report.text or "")


def test_a_screen_near_sixty_words_goes_without_a_phrase(tmp_path: Path) -> None:
    i18n = create_i18n(tmp_path, "nl")
    amal = User(id=3, role="newcomer", dutch_practice="more")
    with i18n.context(), i18n.use_locale("en"):
        short = with_dutch("Your hours together", amal, Screen.PROGRESS, "en", date(2026, 3, 2))
        long = " ".join(["word"] * 57)
        assert with_dutch(long, amal, Screen.PROGRESS, "en", date(2026, 3, 2)) == long
    assert short.count(FLAG) == 1 and " = " in short and not short.startswith("\u200f")
