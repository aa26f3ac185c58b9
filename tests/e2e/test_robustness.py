"""The bot survives what Telegram and people throw at it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from domain import onboarding as onboarding_service
from emulator import Emulator
from handlers import common
from storage.models import ProcessedUpdate
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, say, scalar, script_share, tap


async def test_start_is_answered_and_nothing_is_rejected(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(3001, "Nour", "en")
    await user.command("start")
    reply = await user.next_message()
    assert "buddy" in (reply.text or "").lower()
    assert "lang:en:onb" in buttons_data(reply)
    # Every request the bot made was valid for the Bot API description.
    assert emulator.requests and not emulator.rejected
    # A command menu per language was registered at start.
    assert emulator.commands


async def test_a_429_is_waited_out_and_the_message_arrives(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(3002, "Nour", "en")
    emulator.too_many_next(retry_after=1, count=1, method="sendMessage")
    await user.command("start")
    reply = await user.next_message(timeout=10)
    assert "lang:en:onb" in buttons_data(reply)
    statuses = [r.status for r in emulator.requests_for("sendMessage")]
    assert statuses[:2] == [429, 200]


async def test_a_server_error_is_retried(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(3003, "Nour", "en")
    emulator.fail_next(method="sendMessage", status=502, count=2)
    await user.command("start")
    reply = await user.next_message(timeout=10)
    assert "lang:en:onb" in buttons_data(reply)


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(3004, "Nour", "en")
    await onboard(user, language="en", name="Nour")
    user.block(notify=False)
    await user.send("hello")  # the bot's answer gets 403
    for _ in range(50):
        stored = await person(settings.database_url, 3004)
        if stored is not None and not stored.reachable:
            break
        await asyncio.sleep(0.1)
    assert stored is not None and stored.reachable is False
    # The bot is still alive for everyone else.
    other = emulator.user(3005, "Lina", "en")
    await other.command("start")
    assert "lang:en:onb" in buttons_data(await other.next_message())


async def test_a_duplicate_update_is_handled_once(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(3006, "Nour", "en")
    emulator.duplicate_next_update()
    await user.command("start")
    await user.next_message()
    # A second message proves the bot went on; the duplicate produced no second greeting.
    await user.send("/help")
    await user.wait_for(lambda m: "menu:resume" in buttons_data(m))  # /help: buttons
    greetings = [m for m in user.messages if "lang:en:onb" in buttons_data(m)]
    assert len(greetings) == 1
    handled = await scalar(settings.database_url, select(func.count()).select_from(ProcessedUpdate))
    assert handled == 2


async def test_a_failing_handler_apologises_and_the_next_update_works(
    running_bot: RunningBot,
    emulator: Emulator,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    no_rejections,
) -> None:
    user = emulator.user(3007, "Olena", "uk")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:uk:onb")
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")

    def broken(*_args: object) -> str:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(onboarding_service, "set_name", broken)
    with caplog.at_level(logging.ERROR):
        apology = await say(user, "Olena")
    assert "😕" in (apology.text or "")
    assert script_share(apology.text or "", "CYRILLIC") > 0.5
    assert any("the disk is full" in record.getMessage() for record in caplog.records)
    stored = await person(settings.database_url, 3007)
    assert stored is not None and stored.first_name is None  # rolled back
    monkeypatch.undo()
    answer = await say(user, "Olena")
    assert any(d.startswith("step:municipality:") for d in buttons_data(answer))


async def test_re_rendering_an_unchanged_screen_is_quiet(
    running_bot: RunningBot,
    emulator: Emulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same button pressed again later (not a double tap, which shows nothing twice).
    monkeypatch.setattr(common, "DOUBLE_TAP_SECONDS", 0.0)
    user = emulator.user(3008, "Nour", "en")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:_pick:onb")  # the confirm screen becomes the picker
    shown = len(user.messages)
    user.mark_read()
    with caplog.at_level(logging.WARNING):
        await user.press_data("lang:_pick:onb")  # the same picker again: not modified
        await user.next_callback_answer()
        for _ in range(100):
            if len(emulator.requests_for("editMessageText")) == 2:
                break
            await asyncio.sleep(0.02)
    assert len(user.messages) == shown  # nothing new on the person's screen
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    not_modified = [r for r in emulator.rejected if "not modified" in (r.description or "")]
    assert len(not_modified) == 1
    assert len(emulator.rejected) == 1


# Buttons left in chats by earlier versions: data in another format, actions that are gone.
OLD_BUTTONS = ("menu:gone", "sum:confirm", "lang:uk", "consent:maybe", "forget:y", "step:x")


async def test_an_old_button_gets_a_polite_answer_and_the_menu(
    running_bot: RunningBot, emulator: Emulator, caplog: pytest.LogCaptureFixture, no_rejections
) -> None:
    user = emulator.user(3009, "Olena", "uk")
    await onboard(user, language="uk", name="Olena")
    stranger = emulator.user(3010, "Lina", "en")
    await stranger.command("start")
    await stranger.wait_for(lambda m: bool(m.inline_keyboard))
    with caplog.at_level(logging.ERROR):
        for data in OLD_BUTTONS:
            user.mark_read()
            await user.press_data(data)
            answer = await user.next_callback_answer()
            assert answer.text and script_share(answer.text, "CYRILLIC") > 0.5, data
            menu = await user.wait_for(lambda m: "menu:profile" in buttons_data(m))
            assert (menu.text or "").startswith("🔄 " + answer.text), data
            # Someone without a profile is told the button is old and how to begin.
            stranger.mark_read()
            await stranger.press_data(data)
            told = await stranger.next_callback_answer()
            assert "no longer active" in (told.text or "") and "/start" in (told.text or "")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in user.messages if "😕" in (m.text or "")]
    stored = await person(running_bot.settings.database_url, 3009)
    assert stored is not None and stored.profile_done_at is not None
