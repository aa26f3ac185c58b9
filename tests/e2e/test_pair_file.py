"""The pair file end to end: a coordinator opens one pair (from the list, an alert, a
person's card), reads its summary, ledger and meetups, settles a dispute and enters hours
for someone who cannot use the bot; both members are told in their own language, the
source shows in /progress and /mydata; nobody else can open a file or act from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from emulator import BotMessage, Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, HourEntry, Meetup, Pair, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, person, scalar, script_share, seed_pair, tap
from tests.e2e.test_hours import log_hours
from tests.e2e.test_meetups import accepted_meetup, deliver, scalar_rows

WORD_LIMIT = 60
DAY = timedelta(days=1)


async def coordinator(emulator: Emulator) -> SimulatedUser:
    """The bootstrap coordinator, reading English (the catalogs' source words)."""
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    return coord


def words(message: BotMessage) -> int:
    return len((message.text or "").split())


def clock_time(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


async def open_file(coord: SimulatedUser, pair_id: int) -> BotMessage:
    await coord.command("pairs")
    await coord.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m))
    return await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:ph:{pair_id}:")


async def seed_ledger(database_url: str, pair_id: int, coordinator_telegram_id: int) -> None:
    """Entries of every status and source, and meetups of every kind, written directly."""
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        staff = await session.scalar(
            select(User).where(User.telegram_id == coordinator_telegram_id)
        )
        assert staff is not None
        base = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
        for day, minutes, status, source, logged_by in (
            (0, 90, "confirmed", "person", pair.newcomer_id),
            (1, 60, "confirmed", "coordinator", staff.id),
            (2, 45, "pending", "person", pair.buddy_id),
            (3, 120, "disputed", "person", pair.newcomer_id),
            (4, 30, "corrected", "person", pair.buddy_id),
            (5, 75, "pending", "person", pair.newcomer_id),
            (6, 15, "confirmed", "person", pair.buddy_id),
        ):
            session.add(
                HourEntry(
                    programme_id=pair.programme_id,
                    pair_id=pair.id,
                    started_at=base + day * DAY,
                    minutes=minutes,
                    activity_kind="culture",
                    logged_by=logged_by,
                    status=status,
                    source=source,
                )
            )
        for day, status in ((-20, "done"), (-12, "done"), (-5, "missed"), (5, "accepted")):
            session.add(
                Meetup(
                    programme_id=pair.programme_id,
                    pair_id=pair.id,
                    starts_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC) + day * DAY,
                    duration_minutes=60,
                    place="Muntpunt",
                    activity_kind="sport",
                    status=status,
                )
            )
        await session.commit()
    await engine.dispose()


async def ledger_minutes(database_url: str, status: str) -> int:
    total = await scalar(
        database_url,
        select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(HourEntry.status == status),
    )
    return int(total)


async def test_the_file_shows_the_ledgers_totals_in_short_screens(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(8701, "أمل", "ar"), buddy=(8702, "Bram", "nl")
    )
    await seed_ledger(settings.database_url, pair_id, COORDINATOR_ID)

    summary = await open_file(coord, pair_id)

    text = summary.text or ""
    confirmed = await ledger_minutes(settings.database_url, "confirmed")
    pending = await ledger_minutes(settings.database_url, "pending")
    disputed = await ledger_minutes(settings.database_url, "disputed")
    assert (confirmed, pending, disputed) == (165, 120, 120)
    assert (
        f"{clock_time(confirmed)} confirmed · {clock_time(pending)} awaiting confirmation · "
        f"{clock_time(disputed)} disputed"
    ) in text, text
    assert "\u2068أمل\u2069" in text and "Bram" in text  # the Arabic name keeps its direction
    assert "العربية" in text and "Nederlands" in text  # each member's contact language
    assert "goal: 40 hours" in text
    assert "Meetups held: 2" in text and "no-shows: 1" in text
    assert words(summary) <= WORD_LIMIT, text
    data = buttons_data(summary)
    for button in (
        f"co:ph:{pair_id}:0",
        f"co:pm:{pair_id}:0",
        f"co:lh:{pair_id}:0",
        f"co:mp:{pair_id}:0",
        f"co:en:{pair_id}:0",
        "co:pairs:0:0",
        "co:home:0:0",
    ):
        assert button in data, (button, data)
    disputed_id = await scalar(
        settings.database_url, select(HourEntry.id).where(HourEntry.status == "disputed")
    )
    assert f"co:rv:{disputed_id}:0" in data

    # The ledger, newest first, a short page at a time, each entry with its marks.
    first = await tap(coord, f"co:ph:{pair_id}:0")
    lines = (first.text or "").splitlines()
    assert "(1/2)" in lines[0]
    entries = [line for line in lines[1:] if line and "," in line and ":" in line]
    assert 0 < len(entries) <= 8
    assert "🎭 Culture and arts" in entries[0] and "0:15" in entries[0]  # the latest time spent
    assert words(first) <= WORD_LIMIT, first.text
    assert f"co:ph:{pair_id}:1" in buttons_data(first)
    assert {f"co:pr:{pair_id}:0", "co:home:0:0"} <= set(buttons_data(first))
    second = await tap(coord, f"co:ph:{pair_id}:1")
    assert "(2/2)" in (second.text or "")
    assert "entered by the coordinator" in (second.text or "")
    coordinator_line = next(line for line in (second.text or "").splitlines() if "1:00" in line)
    assert "🗂" in coordinator_line
    assert words(second) <= WORD_LIMIT, second.text
    shown = (first.text or "").count("🎭") + (second.text or "").count("🎭")
    assert shown == await scalar(settings.database_url, select(func.count()).select_from(HourEntry))

    assert f"co:ph:{pair_id}:0" in buttons_data(second)  # back to the newer page

    # The meetups (from the file): the next one, those that took place, the no-shows.
    await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:pm:{pair_id}:")
    meetups = await tap(coord, f"co:pm:{pair_id}:0")
    assert "Took place (2)" in (meetups.text or "") and "No-shows (1)" in (meetups.text or "")
    assert "⚽ Sport" in (meetups.text or "")  # the next meetup's kind
    assert words(meetups) <= WORD_LIMIT, meetups.text
    assert {f"co:pr:{pair_id}:0", "co:home:0:0"} <= set(buttons_data(meetups))

    # Back to the file, then home.
    again = await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:ph:{pair_id}:")
    assert again.text == summary.text
    await tap(coord, "co:home:0:0", expect="co:wl:0:0")
    assert amal and bram


async def test_a_dispute_is_settled_audited_and_told_in_each_language(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(8801, "أمل", "ar"), buddy=(8802, "Bram", "nl")
    )
    await log_hours(amal, "2026-03-01", "10:00", 120)  # culture
    entry = await scalar(settings.database_url, select(HourEntry.id))
    await bram.wait_for(lambda m: f"hrs:dis:{entry}:0" in buttons_data(m), timeout=10)
    await tap(bram, f"hrs:dis:{entry}:0")
    # Bram notes what he remembers of the same time: the other half of the disagreement.
    await log_hours(bram, "2026-03-01", "10:00", 60)
    theirs = await scalar(settings.database_url, select(func.max(HourEntry.id)))
    assert theirs != entry

    # The alert the coordinator gets opens the pair file.
    alert = await coord.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m), timeout=10)
    assert f"#{pair_id}" in (alert.text or "")
    summary = await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:ph:{pair_id}:")
    assert "2:00 disputed" in (summary.text or "")
    case = await tap(coord, f"co:rv:{entry}:0", expect=f"co:rt:{entry}:")
    assert "2:00" in (case.text or "") and "1:00" in (case.text or ""), case.text
    assert {f"co:rt:{entry}:1", f"co:rt:{entry}:2", f"co:rh:{entry}:0"} <= set(buttons_data(case))
    assert words(case) <= WORD_LIMIT
    done = await tap(coord, f"co:rt:{entry}:2")  # Bram's hour counts
    assert "Settled" in (done.text or "") and "Both were told" in (done.text or "")
    assert {f"co:pr:{pair_id}:0", "co:home:0:0"} <= set(buttons_data(done))

    rows = await scalar_rows(
        settings.database_url,
        select(
            HourEntry.id,
            HourEntry.status,
            HourEntry.minutes,
            HourEntry.corrects_id,
            HourEntry.source,
        ).order_by(HourEntry.id),
    )
    assert rows[:2] == [
        (entry, "corrected", 120, None, "person"),
        (theirs, "corrected", 60, None, "person"),
    ]
    assert rows[2][1:] == ("confirmed", 60, entry, "coordinator")
    audited = await scalar_rows(
        settings.database_url,
        select(AuditLog.actor_id, AuditLog.details).where(
            AuditLog.action == "hours.dispute_resolved"
        ),
    )
    assert len(audited) == 1
    actor, details = audited[0]
    assert actor == COORDINATOR_ID
    assert (details["entry_id"], details["other_entry_id"], details["choice"]) == (
        entry,
        theirs,
        "buddy",
    )
    # Both are told, each in their own language (dates and activities in their words).
    await deliver(running_bot)
    to_amal = await amal.wait_for(lambda m: (m.text or "").startswith("⚖️"), timeout=10)
    to_bram = await bram.wait_for(lambda m: (m.text or "").startswith("⚖️"), timeout=10)
    assert "ثقافة وفنون" in (to_amal.text or "") and "ساعة" in (to_amal.text or "")
    assert script_share((to_amal.text or "").split(":", 1)[-1], "ARABIC") > 0.5
    assert "Cultuur en kunst" in (to_bram.text or "") and "mrt" in (to_bram.text or "")
    # Settled once: the same button again is "already answered".
    coord.mark_read()
    await coord.press_data(f"co:rt:{entry}:1", message=case)
    again = await coord.next_callback_answer()
    assert again.show_alert and "already" in (again.text or "")
    assert await scalar(settings.database_url, select(func.count()).select_from(HourEntry)) == 3


async def test_the_coordinator_sets_the_hours_with_the_duration_picker(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(8901, "Amal", "en"), buddy=(8902, "Bram", "en")
    )
    await log_hours(amal, "2026-03-01", "10:00", 120)
    entry = await scalar(settings.database_url, select(HourEntry.id))
    await bram.wait_for(lambda m: f"hrs:dis:{entry}:0" in buttons_data(m), timeout=10)
    await tap(bram, f"hrs:dis:{entry}:0")
    await open_file(coord, pair_id)
    await tap(coord, f"co:rv:{entry}:0", expect=f"co:rh:{entry}:")
    picker = await tap(coord, f"co:rh:{entry}:0", expect="pick|adj")
    assert "pick|dur|120|cres" in buttons_data(picker)
    assert f"co:fc:{pair_id}:0" in buttons_data(picker)
    await tap(coord, "pick|adj|105|cres")
    done = await tap(coord, "pick|dur|105|cres")
    assert "Settled" in (done.text or "")
    rows = await scalar_rows(
        settings.database_url,
        select(HourEntry.status, HourEntry.minutes, HourEntry.source).order_by(HourEntry.id),
    )
    assert rows == [("corrected", 120, "person"), ("confirmed", 105, "coordinator")]
    await deliver(running_bot)
    for member in (amal, bram):
        told = await member.wait_for(lambda m: (m.text or "").startswith("⚖️"), timeout=10)
        assert "1:45" in (told.text or "")
    # The picker of a settled dispute is out of date.
    coord.mark_read()
    await coord.press_data("pick|dur|105|cres", message=picker)
    assert "no longer active" in ((await coord.next_callback_answer()).text or "")
    assert await scalar(settings.database_url, select(func.count()).select_from(HourEntry)) == 2


async def test_hours_entered_by_the_coordinator_show_their_source(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9601, "Amal", "en"), buddy=(9602, "Bram", "nl")
    )
    await open_file(coord, pair_id)
    await tap(coord, f"co:lh:{pair_id}:0", expect="pick|day")
    await tap(coord, "pick|day|2026-03-01|clog")
    await tap(coord, "pick|time|10:00|clog")
    kinds = await tap(coord, "pick|dur|90|clog")
    assert f"co:lk:{pair_id}:1" in buttons_data(kinds)
    saved = await tap(coord, f"co:lk:{pair_id}:1")
    assert "entered by the coordinator" in (saved.text or "")
    assert {f"co:pr:{pair_id}:0", "co:home:0:0"} <= set(buttons_data(saved))
    rows = await scalar_rows(
        settings.database_url,
        select(HourEntry.status, HourEntry.minutes, HourEntry.source, HourEntry.activity_kind),
    )
    assert rows == [("confirmed", 90, "coordinator", "culture")]
    assert (
        await scalar(
            settings.database_url,
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "hours.entered_by_coordinator"),
        )
        == 1
    )
    await deliver(running_bot)
    told = await amal.wait_for(lambda m: (m.text or "").startswith("🗂"), timeout=10)
    assert "Culture and arts" in (told.text or "")
    told_bram = await bram.wait_for(lambda m: (m.text or "").startswith("🗂"), timeout=10)
    assert "Cultuur en kunst" in (told_bram.text or "")

    # /progress says where the hours come from.
    await amal.command("progress")
    progress = await amal.wait_for(lambda m: "░" in (m.text or "") or "▓" in (m.text or ""))
    assert "Entered by the coordinator: 1:30" in (progress.text or ""), progress.text
    # So does the data export.
    await amal.command("mydata")
    sent = await amal.wait_for(lambda m: m.document is not None)
    assert sent.document is not None
    exported = json.loads(sent.document.data)
    assert [(h["minutes"], h["source"], h["entered_by"]) for h in exported["hours"]] == [
        (90, "coordinator", "coordinator")
    ]


async def test_the_file_opens_from_a_no_show_alert_and_a_persons_card(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    coord = await coordinator(emulator)
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9701, "Amal", "en"), buddy=(9702, "Bram", "en")
    )
    meetup = await accepted_meetup(amal, bram, "2026-03-07", "14:00", minutes=60)
    clock.set(datetime(2026, 3, 7, 15, 30, tzinfo=UTC))
    await deliver(running_bot)
    await amal.wait_for(lambda m: f"hrs:no:{meetup}:0" in buttons_data(m), timeout=10)
    await tap(amal, f"hrs:no:{meetup}:0")
    await tap(amal, f"hrs:why:{meetup}:1")  # the other person did not come
    alert = await coord.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m), timeout=10)
    assert "did not come" in (alert.text or "")
    summary = await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:ph:{pair_id}:")
    assert "no-shows: 1" in (summary.text or "")
    amal_row = await person(settings.database_url, 9701)
    assert amal_row is not None
    card = await tap(coord, f"co:nc:{amal_row.id}:0", expect=f"co:pr:{pair_id}:")
    assert f"co:nt:{amal_row.id}:0" in buttons_data(card)
    await tap(coord, f"co:pr:{pair_id}:0", expect=f"co:ph:{pair_id}:")
    # Pausing from the file tells both, and leads back to it.
    paused = await tap(coord, f"co:pa:{pair_id}:2")
    assert f"co:pr:{pair_id}:0" in buttons_data(paused)
    await deliver(running_bot)
    await amal.wait_for(lambda m: "paused" in (m.text or ""), timeout=10)


async def test_forged_pair_file_buttons_are_refused_audited_and_change_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9801, "Amal", "en"), buddy=(9802, "Bram", "en")
    )
    await log_hours(amal, "2026-03-01", "10:00", 60)
    entry = await scalar(settings.database_url, select(HourEntry.id))
    await bram.wait_for(lambda m: f"hrs:dis:{entry}:0" in buttons_data(m), timeout=10)
    await tap(bram, f"hrs:dis:{entry}:0")
    stranger = emulator.user(9803, "Eve", "en")
    await stranger.command("start")
    await stranger.wait_for(lambda m: bool(m.inline_keyboard))
    assert await person(settings.database_url, 9803) is None  # nobody the bot knows
    forged = [
        f"co:pr:{pair_id}:0",
        f"co:ph:{pair_id}:0",
        f"co:pm:{pair_id}:0",
        f"co:rv:{entry}:0",
        f"co:rt:{entry}:1",
        f"co:rt:{entry}:2",
        f"co:rh:{entry}:0",
        f"co:lh:{pair_id}:0",
        f"co:lk:{pair_id}:1",
        f"co:fc:{pair_id}:0",
        f"co:pa:{pair_id}:2",
        f"co:en:{pair_id}:0",
        "pick|dur|60|cres",
        "pick|adj|45|cres",
        "pick|day|2026-03-01|clog",
        "pick|dur|60|clog",
    ]
    refused = 0
    for user in (amal, bram, stranger):
        for data in forged:
            user.mark_read()
            await user.press_data(data)
            answer = await user.next_callback_answer()
            assert "only for coordinators" in (answer.text or "").lower(), (user.id, data)
            refused += 1
        assert not [m for m in user.messages if f"#{pair_id}" in (m.text or "")]
    rows = await scalar_rows(
        settings.database_url, select(HourEntry.status, HourEntry.source).order_by(HourEntry.id)
    )
    assert rows == [("disputed", "person")]
    assert await scalar(settings.database_url, select(Pair.status)) == "active"
    attempts = await scalar_rows(
        settings.database_url,
        select(AuditLog.actor_id, AuditLog.details).where(
            AuditLog.action == "refused.coordinator_only"
        ),
    )
    assert len(attempts) == refused
    assert {details["attempt"] for _actor, details in attempts} == {
        "co",
        "pick|cres",
        "pick|clog",
    }
    # Nobody's Telegram id is in the audit: members by their row, the stranger by a hash.
    actors = {details["actor"] for _actor, details in attempts}
    assert all(actor_id is None for actor_id, _details in attempts)
    assert len(actors) == 3 and not any("9803" in actor for actor in actors)
    assert not await scalar(
        settings.database_url,
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action.in_(["hours.dispute_resolved", "hours.entered_by_coordinator"])),
    )
