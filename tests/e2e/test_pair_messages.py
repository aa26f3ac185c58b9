"""The pair writes to each other through the bot: each message once, both ways, every
kind; refused politely once the pair ended; a partner who blocked the bot is handled."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, update

from bot.settings import Settings
from emulator import Emulator
from storage.db import create_engine
from storage.models import AuditLog, Pair, User
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, menu, scalar, script_share, seed_pair, tap


async def _write(sender, pair_id: int) -> None:  # type: ignore[no-untyped-def]
    await tap(sender, f"rl:{pair_id}")


async def test_a_pair_writes_both_ways_text_voice_and_location(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    await tap(amal, "menu:pair")
    mine = amal.last
    assert f"rl:{pair_id}" in buttons_data(mine)
    await _write(amal, pair_id)
    await amal.send("مرحبا برام!")
    sent = await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
    assert script_share(sent.text or "", "ARABIC") > 0.5
    got = await bram.wait_for(lambda m: m.copied_from is not None)
    assert got.text == "مرحبا برام!" and f"rl:{pair_id}" in buttons_data(got)
    said = next(m for m in bram.messages if (m.text or "").startswith("✉️"))
    assert "Amal" in (said.text or "")

    # Bram answers with the button under the message: a voice note, then a location.
    await bram.press_data(f"rl:{pair_id}", message=got)
    await bram.send_voice()
    await bram.wait_for(lambda m: (m.text or "").startswith("✅"))
    await tap(bram, f"rl:{pair_id}")
    await bram.send_location(50.8466, 4.3528)
    await amal.wait_for(lambda m: m.kind == "location")
    kinds = [m.kind for m in amal.messages if m.copied_from is not None]
    assert kinds == ["voice", "location"]
    assert [m.kind for m in bram.messages if m.copied_from is not None] == ["text"]


async def test_after_the_pair_ended_writing_is_refused_and_a_blocked_partner_is_handled(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    # Bram blocked the bot without the bot hearing of it: the message finds out.
    emulator.block(bram.id, notify=False)
    await menu(amal)
    await tap(amal, "menu:pair")
    await _write(amal, pair_id)
    await amal.send("hello?")
    await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
    warned = await amal.wait_for(lambda m: (m.text or "").startswith("⚠️"))
    assert "Bram" in (warned.text or "") and script_share(warned.text or "", "ARABIC") > 0.3
    reachable = await scalar(
        settings.database_url, select(User.reachable).where(User.telegram_id == bram.id)
    )
    assert reachable is False
    assert running_bot.app.outbox.counters["blocked"] == 1  # type: ignore[union-attr]

    # The pair ends: the old button is refused politely, nothing is relayed.
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(update(Pair).where(Pair.id == pair_id).values(status="ended"))
        await connection.execute(update(User).values(reachable=True))
    await engine.dispose()
    emulator.unblock(bram.id, notify=False)
    amal.mark_read()
    await amal.press_data(f"rl:{pair_id}")
    refusal = await amal.next_callback_answer()
    assert refusal.text and script_share(refusal.text, "ARABIC") > 0.5
    assert [m for m in bram.messages if m.copied_from is not None] == []


async def test_someone_else_cannot_write_through_a_pair_that_is_not_theirs(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    olena, _other, _ = await seed_pair(
        settings.database_url, emulator, newcomer=(8101, "Olena", "uk"), buddy=(8102, "Jan", "nl")
    )
    await menu(olena)
    await olena.press_data(f"rl:{pair_id}")
    answer = await olena.next_callback_answer()
    assert answer.show_alert and answer.text
    refused = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "refused.pair_message"),
    )
    assert refused == 1
    assert amal.messages == [] and bram.messages == []


async def test_junk_written_to_the_partner_arrives_once_and_only_to_them(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    no_rejections: None,
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    olena, jan, _ = await seed_pair(
        settings.database_url, emulator, newcomer=(8101, "Olena", "uk"), buddy=(8102, "Jan", "nl")
    )
    junk = ["x" * 4096, "<b>bold</b> & <3 &amp;", "\u0000\u0007\u202e control \u200f"]
    await menu(amal)
    await tap(amal, "menu:pair")
    with caplog.at_level(logging.ERROR):
        for text in junk:
            await tap(amal, f"rl:{pair_id}")
            await amal.send(text)
            await amal.wait_for(lambda m: (m.text or "").startswith("✅"))
            amal.mark_read()
        await tap(amal, f"rl:{pair_id}")
        await amal.send_photo(caption="<i>hi</i>")
        await bram.wait_for(lambda m: m.kind == "photo", timeout=15)
    copies = [m for m in bram.messages if m.copied_from is not None]
    assert [m.text for m in copies[:3]] == junk and copies[3].kind == "photo"
    assert all(m.copied_from and m.copied_from[0] == amal.chat_id for m in copies)
    assert [m for p in (olena, jan) for m in p.messages] == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_free_text_in_a_pair_can_go_on_to_the_partner_once(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    """A message no flow expects, from someone in a pair: it may be for their partner, so
    it can go to them (or to the coordinator) with one tap; a double tap sends it once."""
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await menu(amal)
    await menu(bram)
    amal.mark_read()
    await amal.send("سأتأخر عشر دقائق")
    offer = await amal.wait_for(lambda m: any(d.startswith("pm:") for d in buttons_data(m)))
    assert script_share(offer.text or "", "ARABIC") > 0.5, offer.text
    labels = {b["callback_data"]: b["text"] for row in offer.inline_keyboard for b in row}
    to_bram = next(d for d in labels if d.startswith("pm:"))
    assert "Bram" in labels[to_bram]
    assert any(d.startswith("hp:s:") for d in labels) and "menu:home" in labels

    # Not someone else's message, nor someone else's pair.
    await amal.press_data(f"pm:{pair_id + 100}:{to_bram.split(':')[2]}", message=offer)
    refused = await amal.next_callback_answer()
    assert refused.show_alert and refused.text

    await amal.press_data(to_bram, message=offer)
    await amal.press_data(to_bram, message=offer)
    await amal.wait_for(lambda m: (m.text or "").startswith("✅") and "Bram" in (m.text or ""))
    got = await bram.wait_for(lambda m: m.copied_from is not None)
    assert got.text == "سأتأخر عشر دقائق" and f"rl:{pair_id}" in buttons_data(got)
    await running_bot.app.outbox.run_once()  # type: ignore[union-attr]
    assert [m.text for m in bram.messages if m.copied_from is not None] == [got.text]
    refusals = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "refused.pair_message"),
    )
    assert refusals == 1
