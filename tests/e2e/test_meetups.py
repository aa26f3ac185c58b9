"""Meetups end to end with a controlled clock: propose, another time, accept, calendar
files, reminders in each language, reschedule, cancel, restart, quiet hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.ics import parse_meetup
from emulator import BotMessage, Emulator, SimulatedUser
from storage.models import Meetup, Outbox
from storage.uow import UnitOfWork
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, say, scalar, script_share, seed_pair, tap

BRUSSELS_OFFSET = timedelta(hours=1)  # March 2026 before the 29th: CET


async def plan(
    user: SimulatedUser, day: str, at: str, minutes: int, place: str, kind_index: int
) -> None:
    """Go through the planning form with buttons (the form is already open)."""
    await tap(user, f"pick|day|{day}|meet")
    await tap(user, f"pick|time|{at}|meet")
    await tap(user, f"pick|dur|{minutes}|meet")
    await say(user, place)
    await tap(user, f"meet:kind:{kind_index}")
    await tap(user, "meet:send:0")


async def deliver(running_bot: RunningBot) -> None:
    """Let the delivery worker send what is due now (it also wakes every second), until
    nothing is due and nothing is in flight, its own loop's sends included: a test that
    asserts next sees them, and one that moves the clock next does not find a row still
    being sent (it would look abandoned and go out again)."""
    app = running_bot.app
    assert app is not None
    for _ in range(200):
        await app.outbox.run_once()
        async with UnitOfWork(app.database.session_factory) as uow:
            due = await uow.outbox.most_urgent_due(app.clock.now())
            if due is None and not await uow.outbox.claimants():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not settle: rows still due or being sent")


async def wait_document(user: SimulatedUser, count: int, timeout: float = 10.0) -> list[BotMessage]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        documents = [m for m in user.messages if m.document is not None]
        if len(documents) >= count:
            return documents
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} calendar files, got {[m.text for m in user.messages]}")


@pytest.mark.long
async def test_propose_counter_accept_reschedule_cancel(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    # Amal (Arabic) proposes Saturday 7 March 14:00 for two hours.
    await amal.command("meetup")
    calendar = await amal.wait_for(lambda m: bool(m.inline_keyboard))
    assert script_share(calendar.text or "", "ARABIC") > 0.5
    await plan(amal, "2026-03-07", "14:00", 120, "مكتبة Muntpunt", 1)
    # Bram (Dutch) gets the proposal and asks for another time.
    proposal = await bram.wait_for(
        lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
    )
    assert "Amal" in (proposal.text or "")
    meetup_id = int(
        next(d for d in buttons_data(proposal) if d.startswith("meet:accept:")).split(":")[2]
    )
    await tap(bram, f"meet:counter:{meetup_id}")
    await plan(bram, "2026-03-08", "15:00", 90, "Warandepark", 2)
    # Amal accepts the new time.
    changed = await amal.wait_for(
        lambda m: f"meet:accept:{meetup_id}" in buttons_data(m), timeout=10
    )
    assert script_share(changed.text or "", "ARABIC") > 0.3
    await tap(amal, f"meet:accept:{meetup_id}")
    ics_amal = (await wait_document(amal, 1))[0]
    ics_bram = (await wait_document(bram, 1))[0]
    assert ics_amal.document and ics_bram.document
    first = parse_meetup(ics_amal.document.data)
    assert first.tzid == "Europe/Brussels"
    assert first.starts_at == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)  # 15:00 in Brussels
    assert first.method == "REQUEST"
    assert parse_meetup(ics_bram.document.data).uid == first.uid
    # Reminders for both, the day before and two hours before, in each language.
    reminders = await scalar_rows(
        settings.database_url,
        select(Outbox.due_at, Outbox.chat_id).where(
            Outbox.key == "meetup.reminder", Outbox.status == "pending"
        ),
    )
    assert sorted(d for d, _ in reminders) == sorted(
        [datetime(2026, 3, 7, 14, 0, tzinfo=UTC)] * 2
        + [datetime(2026, 3, 8, 12, 0, tzinfo=UTC)] * 2
    )
    clock.set(datetime(2026, 3, 7, 14, 0, tzinfo=UTC))
    await deliver(running_bot)
    tomorrow_amal = await amal.wait_for(lambda m: "⏰" in (m.text or ""), timeout=10)
    tomorrow_bram = await bram.wait_for(lambda m: "⏰" in (m.text or ""), timeout=10)
    assert script_share(tomorrow_amal.text or "", "ARABIC") > 0.3
    assert "Amal" in (tomorrow_bram.text or "") and "Morgen" in (tomorrow_bram.text or "")
    # Amal moves it to Sunday 15 March 10:00: the same UID, a higher SEQUENCE, reminders move.
    await amal.command("meetups")
    listed = await amal.wait_for(lambda m: f"meet:resched:{meetup_id}" in buttons_data(m))
    # The buttons say what they do, in Amal's language, not only "🕑 #12".
    labels = listed.buttons
    assert all(script_share(label, "ARABIC") > 0.5 for label in labels), labels
    await tap(amal, f"meet:resched:{meetup_id}")
    await plan(amal, "2026-03-15", "10:00", 60, "Muntpunt", 1)
    moved = await bram.wait_for(lambda m: f"meet:accept:{meetup_id}" in buttons_data(m), timeout=10)
    assert moved is not None
    await tap(bram, f"meet:accept:{meetup_id}")
    second = parse_meetup((await wait_document(amal, 2))[-1].document.data)  # type: ignore[union-attr]
    assert second.uid == first.uid and second.sequence > first.sequence
    assert second.starts_at == datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    pending = await scalar_rows(
        settings.database_url,
        select(Outbox.due_at).where(Outbox.key == "meetup.reminder", Outbox.status == "pending"),
    )
    assert sorted(d for (d,) in pending) == sorted(
        [datetime(2026, 3, 14, 9, 0, tzinfo=UTC)] * 2
        + [datetime(2026, 3, 15, 7, 0, tzinfo=UTC)] * 2
    )
    # Bram cancels: reminders go, both calendars get a cancellation.
    await bram.command("meetups")
    await bram.wait_for(lambda m: f"meet:cancel:{meetup_id}" in buttons_data(m))
    await tap(bram, f"meet:cancel:{meetup_id}")
    cancel = parse_meetup((await wait_document(amal, 3))[-1].document.data)  # type: ignore[union-attr]
    assert (
        cancel.method == "CANCEL" and cancel.uid == first.uid and cancel.sequence > second.sequence
    )
    assert (
        await scalar(
            settings.database_url,
            select(Outbox.id).where(Outbox.key == "meetup.reminder", Outbox.status == "pending"),
        )
        is None
    )
    assert await scalar(settings.database_url, select(Meetup.status)) == "cancelled"
    assert pair_id


async def scalar_rows(database_url: str, statement) -> list:
    from storage.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(statement)).all())
    finally:
        await engine.dispose()


async def accepted_meetup(
    amal: SimulatedUser, bram: SimulatedUser, day: str, at: str, minutes: int = 120
) -> int:
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(amal, day, at, minutes, "Muntpunt", 1)
    proposal = await bram.wait_for(
        lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
    )
    meetup_id = int(
        next(d for d in buttons_data(proposal) if d.startswith("meet:accept:")).split(":")[2]
    )
    await tap(bram, f"meet:accept:{meetup_id}")
    return meetup_id


async def test_reminders_after_a_restart_are_sent_once_or_dropped(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8101, "Amal", "en"), buddy=(8102, "Bram", "en")
    )
    await accepted_meetup(amal, bram, "2026-03-07", "14:00")
    await wait_document(bram, 1)
    await running_bot.stop()
    # While the bot was down, the day-before reminder became due (meetup not started yet).
    clock.set(datetime(2026, 3, 7, 12, 30, tzinfo=UTC))  # 13:30 in Brussels, meetup at 14:00
    await running_bot.start()
    await deliver(running_bot)
    await amal.wait_for(lambda m: "Tomorrow" in (m.text or ""), timeout=10, include_earlier=True)
    await deliver(running_bot)
    await asyncio.sleep(0.3)
    assert len([m for m in amal.messages if "Tomorrow" in (m.text or "")]) == 1
    # The two-hours-before reminder (12:00 in Brussels) was due too and still makes sense.
    assert len([m for m in amal.messages if "Soon" in (m.text or "")]) == 1
    # Another meetup whose reminders fall due while the bot is down and which has started
    # by the time the bot is back: its reminders are dropped.
    second = await accepted_meetup(amal, bram, "2026-03-10", "18:00")
    await running_bot.stop()
    clock.set(datetime(2026, 3, 10, 17, 30, tzinfo=UTC))  # 18:30 Brussels: already started
    await running_bot.start()
    await deliver(running_bot)
    statuses = await scalar_rows(
        settings.database_url,
        select(Outbox.status, Outbox.last_error).where(
            Outbox.key == "meetup.reminder", Outbox.dedup_key.startswith(f"meetup:{second}:")
        ),
    )
    assert statuses and all(
        status == "cancelled" and error == "expired" for status, error in statuses
    )


async def test_quiet_hours_hold_a_reminder_until_morning_unless_early(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8201, "Amal", "en"), buddy=(8202, "Bram", "en")
    )
    # A meetup on Thursday 23:00: the day-before reminder would be due Wednesday 23:00.
    late = await accepted_meetup(amal, bram, "2026-03-05", "20:30", minutes=60)
    rows = await scalar_rows(
        settings.database_url,
        select(Outbox.due_at).where(
            Outbox.key == "meetup.reminder", Outbox.dedup_key.like(f"meetup:{late}:%rem-day%")
        ),
    )
    # 20:30 the day before is 19:30 UTC: not quiet, sent as planned.
    assert {d for (d,) in rows} == {datetime(2026, 3, 4, 19, 30, tzinfo=UTC)}
    early = await accepted_meetup(amal, bram, "2026-03-06", "09:00", minutes=60)
    rows = await scalar_rows(
        settings.database_url,
        select(Outbox.due_at).where(
            Outbox.key == "meetup.reminder", Outbox.dedup_key.like(f"meetup:{early}:%rem-soon%")
        ),
    )
    # Two hours before a 09:00 meetup is 07:00, inside quiet hours: sent anyway.
    assert {d for (d,) in rows} == {datetime(2026, 3, 6, 6, 0, tzinfo=UTC)}


async def test_the_place_is_typed_or_picked_on_the_map_and_a_passed_time_asks_only_again(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    """At the place step a sticker gets the question again (not "use the buttons"), a
    place picked on the map is taken; a start time that passes while the form is filled
    in asks for a new day and time only, and the place and activity stay."""
    amal, bram, _pair_id = await seed_pair(settings.database_url, emulator)
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    # Monday 2 March, 10:00 in Brussels: today at 11:00, for an hour.
    await tap(amal, "pick|day|2026-03-02|meet")
    await tap(amal, "pick|time|11:00|meet")
    await tap(amal, "pick|dur|60|meet")
    amal.mark_read()
    await amal.send_sticker()
    again = await amal.next_message()
    assert (again.text or "").startswith("📍") and script_share(again.text or "", "ARABIC") > 0.5
    assert "meet:stop:0" in buttons_data(again)
    await amal.send_venue(50.8476, 4.3572, "Muntpunt", "Munt 6, 1000 Brussel")
    await amal.wait_for(lambda m: "meet:kind:1" in buttons_data(m))
    proposal = await tap(amal, "meet:kind:1")
    assert "Muntpunt, Munt 6, 1000 Brussel" in (proposal.text or "")

    # Amal hesitates for two hours: 11:00 has passed when she taps "Send".
    clock.advance(timedelta(hours=2))
    query = await amal.press_data("meet:send:0", message=proposal)
    refusal = await amal.next_callback_answer()
    while refusal.query_id != query:  # the answers to the form's earlier taps
        refusal = await amal.next_callback_answer()
    assert refusal.show_alert and script_share(refusal.text or "", "ARABIC") > 0.5
    await amal.wait_for(lambda m: "pick|day|2026-03-03|meet" in buttons_data(m))
    await tap(amal, "pick|day|2026-03-03|meet")
    await tap(amal, "pick|time|14:00|meet")
    again = await tap(amal, "pick|dur|60|meet")
    assert "Muntpunt" in (again.text or "") and "meet:send:0" in buttons_data(again)
    await tap(amal, "meet:send:0")
    sent = await bram.wait_for(lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10)
    assert "Muntpunt" in (sent.text or "")
    planned = await scalar(settings.database_url, select(Meetup.starts_at))
    assert planned.replace(tzinfo=UTC) == datetime(2026, 3, 3, 13, 0, tzinfo=UTC)


async def test_cancelled_right_after_accepting_no_calendar_file_follows_the_cancellation(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    """Bram accepts and cancels within a second. His calendar file was still waiting for
    its turn (one message a second per chat, and the bot had just answered him): it is
    withdrawn, and so is the cancellation of a calendar entry he never got. Amal's
    calendar gets the meetup and its cancellation, or neither; never one after the other
    in the wrong order."""
    amal, bram, _pair_id = await seed_pair(settings.database_url, emulator)
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(amal, "2026-03-07", "14:00", 60, "Muntpunt", 1)
    proposal = await bram.wait_for(
        lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
    )
    meetup_id = int(
        next(d for d in buttons_data(proposal) if d.startswith("meet:accept:")).split(":")[2]
    )
    await tap(bram, f"meet:accept:{meetup_id}")
    await bram.command("meetups")
    await bram.wait_for(lambda m: f"meet:cancel:{meetup_id}" in buttons_data(m))
    await tap(bram, f"meet:cancel:{meetup_id}")
    await deliver(running_bot)
    await asyncio.sleep(1.5)  # past the per-chat pause: anything still coming has come
    await deliver(running_bot)

    assert [m for m in bram.messages if m.document is not None] == []
    assert "afgezegd" in (bram.messages[-1].text or "")  # "the meetup is cancelled"
    methods = [parse_meetup(m.document.data).method for m in amal.messages if m.document]
    assert methods in ([], ["REQUEST", "CANCEL"]), methods
    withdrawn = await scalar_rows(
        settings.database_url,
        select(Outbox.key).where(Outbox.chat_id == bram.id, Outbox.status == "cancelled"),
    )
    assert ("meetup.calendar",) in withdrawn
