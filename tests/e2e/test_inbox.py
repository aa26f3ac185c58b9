"""Nobody is left unheard, end to end over HTTP: people write to the coordinators (in the
coordinators' forum group, or privately without one), coordinators answer, voice notes
are never dropped."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.models import AuditLog, InboxThread
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, menu, scalar, script_share, seed_pair, tap

GROUP_ID = -1009876543210


async def coordinator(emulator: Emulator) -> SimulatedUser:
    coord = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    coord.mark_read()
    return coord


@pytest.fixture
async def bot_with_group(
    settings: Settings, emulator: Emulator, clock: FrozenClock
) -> AsyncIterator[RunningBot]:
    emulator.forum_group(GROUP_ID, "Coordinators", members=[COORDINATOR_ID, 7777])
    bot = RunningBot(settings.model_copy(update={"coordinator_chat_id": GROUP_ID}), emulator, clock)
    await bot.start()
    yield bot
    await bot.stop()


async def test_free_text_and_a_voice_note_reach_the_coordinator_who_answers_privately(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    coord = await coordinator(emulator)
    amal, _bram, _pair = await seed_pair(settings.database_url, emulator)
    await amal.send("أريد رفيق بسرعة من فضلك")
    offer = await amal.wait_for(lambda m: any(d.startswith("hp:s:") for d in buttons_data(m)))
    assert script_share(offer.text or "", "ARABIC") > 0.5, offer.text
    await tap(amal, next(d for d in buttons_data(offer) if d.startswith("hp:s:")))
    header = await coord.wait_for(lambda m: "Amal" in (m.text or "") and "📨" in (m.text or ""))
    copied = await coord.wait_for(lambda m: m.copied_from is not None)
    assert copied.text == "أريد رفيق بسرعة من فضلك"
    assert copied.copied_from == (amal.chat_id, copied.copied_from[1])
    assert any(d.startswith("ib:r:") for d in buttons_data(copied)), header.text

    # A voice note outside any flow goes straight on, and the person is told so.
    amal.mark_read()
    await amal.send_voice(duration=7)
    told = await amal.next_message()
    assert told.text and told.text.startswith("🎙") and script_share(told.text, "ARABIC") > 0.5
    voice = await coord.wait_for(lambda m: m.kind == "voice")
    assert voice.copied_from is not None and voice.copied_from[0] == amal.chat_id

    # The coordinator answers with the button, then with Telegram's own reply.
    await tap(coord, next(d for d in buttons_data(voice) if d.startswith("ib:r:")))
    await coord.send("Dag Amal, ik bel je morgen.")
    await coord.wait_for(lambda m: (m.text or "").startswith("✅"))
    answer = await amal.wait_for(lambda m: m.copied_from is not None)
    assert answer.text == "Dag Amal, ik bel je morgen."
    intro = [m for m in amal.messages if (m.text or "").startswith("💬")]
    assert intro and "Kim" in (intro[-1].text or "")
    amal.mark_read()
    await coord.send("Tot morgen!", reply_to=voice.message_id)
    second = await amal.wait_for(lambda m: m.copied_from is not None)
    assert second.text == "Tot morgen!"


async def test_in_the_forum_group_each_person_has_one_topic_and_answers_go_back(
    bot_with_group: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    group = emulator.forum_group(GROUP_ID)
    amal, _bram, pair_id = await seed_pair(settings.database_url, emulator)
    await amal.send("أريد رفيق بسرعة من فضلك")
    offer = await amal.wait_for(lambda m: any(d.startswith("hp:s:") for d in buttons_data(m)))
    await tap(amal, next(d for d in buttons_data(offer) if d.startswith("hp:s:")))
    copied = await group.wait_for(lambda m: m.copied_from is not None)
    topic = copied.message_thread_id
    assert topic is not None and len(group.topics) == 1
    header = group.messages(topic)[0]
    assert "Amal" in (header.text or "") and f"#{pair_id}" in (header.text or "")
    await amal.send_voice()
    await group.wait_for(lambda m: m.kind == "voice", thread_id=topic)
    assert len(group.topics) == 1  # the same thread

    # A coordinator writes in the topic: the person gets it, as it was written.
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    # The header's pair file opens in Kim's private chat, never in the group.
    assert f"ib:pf:{pair_id}" in buttons_data(header)
    posted = len(group.messages())
    await group.press_data(COORDINATOR_ID, f"ib:pf:{pair_id}", message=header)
    pair_file = await kim.wait_for(lambda m: f"#{pair_id}" in (m.text or "") and m.inline_keyboard)
    assert any(d.startswith("co:") for d in buttons_data(pair_file))
    assert len(group.messages()) == posted
    await group.send(COORDINATOR_ID, "Hallo Amal, welkom!", thread_id=topic)
    answer = await amal.wait_for(lambda m: m.copied_from is not None)
    assert answer.text == "Hallo Amal, welkom!"
    assert answer.copied_from == (GROUP_ID, answer.copied_from[1])

    # Someone else in the group is not a coordinator: nothing goes to Amal, it is audited.
    amal.mark_read()
    await group.send(7777, "psst", thread_id=topic)
    await group.send(COORDINATOR_ID, "Tot ziens", thread_id=topic)
    last = await amal.wait_for(lambda m: m.copied_from is not None)
    assert last.text == "Tot ziens"
    assert not any(m.text == "psst" for m in amal.messages)
    refused = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "refused.inbox_topic"),
    )
    assert refused == 1
    threads = await scalar(settings.database_url, select(func.count()).select_from(InboxThread))
    assert threads == 1
    # Nothing else the bot knows reaches the group: a /coord there opens no screen.
    before = len(group.messages())
    await group.send(COORDINATOR_ID, "/coord")
    await group.send(COORDINATOR_ID, "Tot ziens 2", thread_id=topic)
    await amal.wait_for(lambda m: m.text == "Tot ziens 2")
    assert len(group.messages()) == before


async def test_a_voice_note_in_the_middle_of_a_step_is_answered_with_a_way_on(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    coord = await coordinator(emulator)
    amal, _bram, _pair = await seed_pair(settings.database_url, emulator)
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    amal.mark_read()
    await amal.send_voice()
    said = await amal.next_message()
    assert said.text and said.text.startswith("🎙") and script_share(said.text, "ARABIC") > 0.5
    send = next(d for d in buttons_data(said) if d.startswith("hp:s:"))
    await tap(amal, send)
    await coord.wait_for(lambda m: m.kind == "voice")


async def test_forged_answer_and_concern_buttons_are_refused_and_audited(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    amal, bram, _pair = await seed_pair(settings.database_url, emulator)
    stranger = emulator.user(9123, "Nobody", "en")
    await menu(amal)
    await menu(bram)
    await stranger.command("start")
    await stranger.wait_for(lambda m: bool(m.inline_keyboard))
    for user, data in ((amal, f"ib:r:{amal.id}"), (bram, "ib:a:1"), (stranger, "ib:c:1")):
        await user.press_data(data)
        answer = await user.next_callback_answer()
        assert answer.show_alert and answer.text
    refused = await scalar(
        settings.database_url,
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "refused.coordinator_only"),
    )
    assert refused == 3


JUNK = [
    "x" * 4096,
    "<b>bold</b> & <3 &amp; <script>",
    "\u0000\u0007\u202e\u2066 control \u200f",
    "/notacommand?",
]


async def test_junk_sent_to_the_coordinator_is_copied_to_them_only(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    no_rejections: None,
) -> None:
    coord = await coordinator(emulator)
    amal, bram, _pair = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    with caplog.at_level(logging.ERROR):
        await tap(amal, "hp:w:0")
        for text in JUNK[:3]:
            await amal.send(text)
            await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
            amal.mark_read()
            await tap(amal, "hp:w:0")
        await amal.send_photo(caption="<i>x</i>")
        await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
        await tap(amal, "hp:w:0")
        await amal.send_document("a.pdf")
        await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
        await tap(amal, "hp:w:0")
        await amal.send_location(50.85, 4.35)
        await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
        await tap(amal, "hp:w:0")
        await amal.send_sticker()
        await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
        await coord.wait_for(lambda m: m.kind == "sticker", timeout=30)
    kinds = [m.kind for m in coord.messages if m.copied_from is not None]
    assert kinds == ["text", "text", "text", "photo", "document", "location", "sticker"]
    assert all(
        m.copied_from and m.copied_from[0] == amal.chat_id for m in coord.messages if m.copied_from
    )
    assert not [m for m in bram.messages if m.copied_from is not None]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_coordinator_messages_both_people_of_a_pair(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await coord.press_data(f"co:mp:{pair_id}:0")
    await coord.wait_for(lambda m: (m.text or "").startswith("✍️"))
    await coord.send("Welkom allebei! Zaterdag is er een picknick.")
    done = await coord.wait_for(lambda m: (m.text or "").startswith("✅"))
    assert "Amal" in (done.text or "") and "Bram" in (done.text or "")
    for person in (amal, bram):
        copy = await person.wait_for(lambda m: m.copied_from is not None)
        assert copy.text == "Welkom allebei! Zaterdag is er een picknick."
    actions = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "inbox.message_pair"),
    )
    assert actions == 1


async def test_a_concern_in_the_forum_group_is_taken_on_and_closed_there(
    bot_with_group: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    group = emulator.forum_group(GROUP_ID)
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, bram, _pair = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    await tap(amal, "hp:c:0")
    await tap(amal, "cn:other")
    await amal.send("مشكلة في السكن")
    await amal.wait_for(lambda m: (m.text or "").startswith("🙏"))
    concern = await group.wait_for(lambda m: any(d.startswith("ib:a:") for d in buttons_data(m)))
    assert concern.message_thread_id is not None
    # Someone in the group who is not a coordinator cannot take it on.
    await group.press_data(
        7777, next(d for d in buttons_data(concern) if d.startswith("ib:a:")), message=concern
    )
    refused = await emulator.user(7777, "Visitor", "nl").next_callback_answer()
    assert refused.show_alert
    await group.press_data(
        COORDINATOR_ID,
        next(d for d in buttons_data(concern) if d.startswith("ib:a:")),
        message=concern,
    )
    taken = await amal.wait_for(lambda m: (m.text or "").startswith("👀"))
    assert script_share(taken.text or "", "ARABIC") > 0.5
    assert bram.messages == []


async def test_a_voice_note_no_coordinator_can_get_yet_is_answered_with_the_menu(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    """No coordinator has opened the bot yet: the person hears so, in their language, with
    their menu to go on from (not a dead end)."""
    amal, _bram, _pair = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    amal.mark_read()
    await amal.send_voice()
    said = await amal.next_message()
    assert said.text and said.text.startswith("🎙") and script_share(said.text, "ARABIC") > 0.5
    assert "menu:pair" in buttons_data(said)
