"""The hours ledger end to end: after a meetup, confirmed by the other side; /log; every
rule refused once; forged buttons refused; progress and milestones."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from emulator import Emulator, SimulatedUser
from storage.models import HourEntry, Meetup
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, scalar, seed_pair, tap
from tests.e2e.test_meetups import accepted_meetup, deliver


def entry_id_in(user: SimulatedUser, action: str) -> int:
    for message in reversed(user.messages):
        for data in buttons_data(message):
            if data.startswith(f"hrs:{action}:"):
                return int(data.split(":")[2])
    raise AssertionError(f"no hrs:{action} button")


async def log_hours(
    user: SimulatedUser, day: str, at: str, minutes: int, kind_index: int = 1
) -> str:
    user.mark_read()
    await user.command("log")
    await user.wait_for(lambda m: f"pick|day|{day}|log" in buttons_data(m))
    await tap(user, f"pick|day|{day}|log")
    await tap(user, f"pick|time|{at}|log")
    await tap(user, f"pick|dur|{minutes}|log")
    result = await tap(user, f"hrs:kind:{kind_index}:0")
    return result.text or ""


async def test_hours_after_a_meetup_count_once_the_other_confirms(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9001, "Amal", "en"), buddy=(9002, "Bram", "nl")
    )
    meetup_id = await accepted_meetup(amal, bram, "2026-03-07", "14:00", minutes=120)
    # After the planned end (15:00 UTC) both are asked whether it took place; Amal answers
    # once the 15 minutes it ran over have passed too (hours may not end in the future).
    clock.set(datetime(2026, 3, 7, 15, 20, tzinfo=UTC))
    await deliver(running_bot)
    ask = await amal.wait_for(lambda m: f"hrs:yes:{meetup_id}:0" in buttons_data(m), timeout=10)
    await bram.wait_for(lambda m: f"hrs:yes:{meetup_id}:0" in buttons_data(m), timeout=10)
    assert ask is not None
    await tap(amal, f"hrs:yes:{meetup_id}:0", expect="pick|adj")
    adjusted = await tap(amal, "pick|adj|135|hrs")  # 2:00 + 15 minutes
    assert "pick|dur|135|hrs" in buttons_data(adjusted)
    await tap(amal, "pick|dur|135|hrs")
    request = await bram.wait_for(lambda m: "hrs:ok:" in " ".join(buttons_data(m)), timeout=10)
    entry = entry_id_in(bram, "ok")
    assert "Amal" in (request.text or "")
    # Not counted yet.
    assert await scalar(settings.database_url, select(HourEntry.status)) == "pending"
    await tap(bram, f"hrs:ok:{entry}:0")
    assert await scalar(settings.database_url, select(HourEntry.status)) == "confirmed"
    assert await scalar(settings.database_url, select(HourEntry.confirmed_by)) is not None
    assert await scalar(settings.database_url, select(Meetup.status)) == "done"
    # Both see the hours in their progress.
    for user in (amal, bram):
        await user.command("progress")
        progress = await user.wait_for(lambda m: "▓" in (m.text or "") or "░" in (m.text or ""))
        assert "2,25" in (progress.text or "") or "2.25" in (progress.text or ""), progress.text
    assert pair_id


async def test_every_ledger_rule_is_refused_and_changes_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(9101, "Amal", "en"), buddy=(9102, "Bram", "en")
    )
    # A first valid entry, 2 March 10:00-11:00 (clock: 2 March 10:00 Brussels... so use 1 March).
    text = await log_hours(amal, "2026-03-01", "10:00", 60)
    assert "Saved" in text
    entry = await scalar(settings.database_url, select(HourEntry.id))
    # Overlap with that entry.
    await amal.command("log")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(amal, "pick|day|2026-03-01|log")
    await tap(amal, "pick|time|10:30|log")
    await tap(amal, "pick|dur|60|log")
    amal.mark_read()
    await amal.press_data("hrs:kind:1:0")
    overlap = await amal.next_callback_answer()
    assert "overlap" in (overlap.text or "").lower()
    # A day in the future and a day more than 60 days ago (forged: the calendar offers neither).
    for day in ("2026-03-05", "2025-12-01"):
        await amal.command("log")
        await amal.wait_for(lambda m: bool(m.inline_keyboard))
        amal.mark_read()
        await amal.press_data(f"pick|day|{day}|log")
        refused = await amal.next_callback_answer()
        assert refused.text and refused.show_alert
    # Too short and too long (forged durations).
    for minutes in (5, 800):
        await amal.command("log")
        await amal.wait_for(lambda m: bool(m.inline_keyboard))
        await tap(amal, "pick|day|2026-03-01|log")
        await tap(amal, "pick|time|14:00|log")
        amal.mark_read()
        await amal.press_data(f"pick|dur|{minutes}|log")
        answer = await amal.next_callback_answer()
        assert answer.text and "15" in answer.text and "12" in answer.text, answer.text
    # Confirming one's own entry.
    amal.mark_read()
    await amal.press_data(f"hrs:ok:{entry}:0")
    own = await amal.next_callback_answer()
    assert own.text and own.show_alert
    assert await scalar(settings.database_url, select(func.count()).select_from(HourEntry)) == 1
    assert await scalar(settings.database_url, select(HourEntry.status)) == "pending"
    # Bram disputes; Amal corrects: a new entry pointing at the old one.
    await bram.wait_for(
        lambda m: f"hrs:dis:{entry}:0" in buttons_data(m), timeout=10, include_earlier=True
    )
    await tap(bram, f"hrs:dis:{entry}:0")
    await amal.wait_for(lambda m: f"hrs:fix:{entry}:0" in buttons_data(m), timeout=10)
    await tap(amal, f"hrs:fix:{entry}:0", expect="pick|adj")
    await tap(amal, "pick|adj|45|hrs")
    await tap(amal, "pick|dur|45|hrs")
    rows = await scalar_rows(
        settings.database_url,
        select(HourEntry.id, HourEntry.status, HourEntry.corrects_id, HourEntry.minutes).order_by(
            HourEntry.id
        ),
    )
    assert rows == [(entry, "corrected", None, 60), (entry + 1, "pending", entry, 45)]


async def scalar_rows(database_url: str, statement) -> list:
    from tests.e2e.test_meetups import scalar_rows as rows

    return await rows(database_url, statement)


async def test_another_pairs_entry_cannot_be_touched(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, _bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(9201, "Amal", "en"), buddy=(9202, "Bram", "en")
    )
    eve, _other, _pair2 = await seed_pair(
        settings.database_url, emulator, newcomer=(9203, "Eve", "en"), buddy=(9204, "Otto", "en")
    )
    await log_hours(amal, "2026-03-01", "10:00", 60)
    entry = await scalar(settings.database_url, select(HourEntry.id))
    await eve.command("help")
    await eve.next_message()
    for action in ("ok", "dis", "fix"):
        eve.mark_read()
        await eve.press_data(f"hrs:{action}:{entry}:0")
        answer = await eve.next_callback_answer()
        assert answer.text and answer.show_alert, action
        assert await scalar(settings.database_url, select(HourEntry.status)) == "pending", action


async def test_another_pairs_meetup_cannot_be_accepted(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(9301, "Amal", "en"), buddy=(9302, "Bram", "en")
    )
    eve, _otto, _pair2 = await seed_pair(
        settings.database_url, emulator, newcomer=(9303, "Eve", "en"), buddy=(9304, "Otto", "en")
    )
    await amal.command("meetup")
    await amal.wait_for(lambda m: bool(m.inline_keyboard))
    from tests.e2e.test_meetups import plan

    await plan(amal, "2026-03-07", "14:00", 60, "Muntpunt", 1)
    meetup = await scalar(settings.database_url, select(Meetup.id))
    await eve.command("help")
    await eve.next_message()
    for action in ("accept", "decline", "cancel", "resched"):
        eve.mark_read()
        await eve.press_data(f"meet:{action}:{meetup}")
        answer = await eve.next_callback_answer()
        assert answer.text and answer.show_alert, action
    # Amal cannot accept her own proposal either.
    amal.mark_read()
    await amal.press_data(f"meet:accept:{meetup}")
    assert (await amal.next_callback_answer()).show_alert
    assert await scalar(settings.database_url, select(Meetup.status)) == "proposed"
    assert bram is not None


async def test_quiet_pairs_are_nudged_and_long_silence_alerts_the_coordinator(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    from tests.conftest import COORDINATOR_ID

    coordinator = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coordinator.command("coord")
    await coordinator.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9401, "Amal", "en"), buddy=(9402, "Bram", "en")
    )
    assert running_bot.app is not None
    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))  # 9 days after the match: nothing
    await running_bot.app.plan_nudges()
    await deliver(running_bot)
    clock.set(datetime(2026, 3, 16, 12, 0, tzinfo=UTC))  # 15 days: a friendly nudge
    await running_bot.app.plan_nudges()
    await running_bot.app.plan_nudges()  # planned twice, sent once
    await deliver(running_bot)
    nudge = await amal.wait_for(lambda m: "meet:new:0" in buttons_data(m), timeout=10)
    await bram.wait_for(lambda m: "meet:new:0" in buttons_data(m), timeout=10)
    assert "while" in (nudge.text or "")
    assert len([m for m in amal.messages if "meet:new:0" in buttons_data(m)]) == 1
    assert not [m for m in coordinator.messages if f"#{pair_id}" in (m.text or "")]
    clock.set(datetime(2026, 3, 30, 12, 0, tzinfo=UTC))  # 29 days: the coordinator hears
    await running_bot.app.plan_nudges()
    await deliver(running_bot)
    alert = await coordinator.wait_for(lambda m: f"#{pair_id}" in (m.text or ""), timeout=10)
    assert "29" in (alert.text or "")


OLD_OR_UNKNOWN_BUTTONS = [
    "meet:bogus:1",  # an action no longer known
    "hrs:bogus:1:0",
    "hrs:ok",  # an older, shorter format
    "pick|bogus|x|meet",
    "pick|day|2026-03-07|meet",  # a calendar of a form that is no longer open
    "pick|dur|60|log",
    "pick|adj|60|hrs",
    "rsvp:1:bogus",
]


async def test_old_or_unknown_buttons_get_a_polite_answer(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, _bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(9501, "Amal", "en"), buddy=(9502, "Bram", "en")
    )
    await amal.command("help")
    await amal.next_message()
    for data in OLD_OR_UNKNOWN_BUTTONS:
        amal.mark_read()
        await amal.press_data(data)
        answer = await amal.next_callback_answer()
        assert "no longer active" in (answer.text or ""), (data, answer.text)
        entries = select(func.count()).select_from(HourEntry)
        assert await scalar(settings.database_url, entries) == 0, data
