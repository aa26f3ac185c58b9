"""Duo volunteering end to end: a host organisation's staff posts a placement with buttons
and two typed answers; a duo applies from their pair screen; the coordinator and the host
are told, the coordinator confirms from the notice, the host hears who comes; hours logged
"at the host" are confirmed by the partner and appear in the funder report under the host.
Forged and out-of-role presses are refused and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, HourEntry, Organisation, Programme, User
from storage.models.partners import PlacementApplication, VolunteeringPlacement
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, scalar, seed_pair, tap
from tests.e2e.test_meetups import deliver
from tests.e2e.test_report import THIS_YEAR, report_messages, sheets

HOST_ID = 8601


async def seed_host(database_url: str) -> int:
    """A partner organisation and one of its staff, written straight to the database (the
    partner invite link has its own tests)."""
    engine = create_engine(database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            programme = await session.scalar(
                select(Programme).where(Programme.is_default.is_(True))
            )
            assert programme is not None
            host = Organisation(programme_id=programme.id, name="Bib Anderlecht")
            session.add(host)
            await session.flush()
            moment = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
            session.add(
                User(
                    telegram_id=HOST_ID,
                    programme_id=programme.id,
                    role="partner",
                    status="matched",
                    contact_language="nl",
                    first_name="Lies",
                    organisation_id=host.id,
                    consent_at=moment,
                    profile_done_at=moment,
                )
            )
            await session.commit()
            return host.id
    finally:
        await engine.dispose()


async def post_placement(host: SimulatedUser) -> None:
    """/placements, then what (typed), where (button), when (typed), how many, publish."""
    await host.command("placements")
    await host.wait_for(lambda m: "plc:stop:0" in buttons_data(m))
    await host.send("Boeken sorteren in de bib")
    await host.wait_for(lambda m: "plc:place:21001" in buttons_data(m))
    await tap(host, "plc:place:21001")
    await host.send("zaterdagvoormiddag")
    await host.wait_for(lambda m: "plc:duos:2" in buttons_data(m))
    preview = await tap(host, "plc:duos:2")
    assert "Boeken sorteren" in (preview.text or "")
    await tap(host, "plc:post:0")


async def test_a_duo_volunteers_with_a_host_and_the_report_names_the_host(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    url = settings.database_url
    organisation_id = await seed_host(url)
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "plc:new:0" in buttons_data(m))
    host = emulator.user(HOST_ID, "Lies", "nl")
    amal, bram, pair_id = await seed_pair(
        url, emulator, newcomer=(8602, "Amal", "en"), buddy=(8603, "Bram", "nl")
    )

    # The host posts; typed text where a button is expected changes nothing.
    await post_placement(host)
    published = await host.wait_for(lambda m: "Boeken sorteren" in (m.text or ""))
    assert published is not None
    placement_id = await scalar(url, select(VolunteeringPlacement.id))
    assert await scalar(url, select(VolunteeringPlacement.organisation_id)) == organisation_id

    # Amal finds it from the pair screen and applies for both of them.
    await amal.command("start")
    await amal.wait_for(lambda m: "menu:pair" in buttons_data(m))
    await tap(amal, "menu:pair", expect="plc:list")
    offer = await tap(amal, "plc:list:0", expect="plc:show")
    assert "Bib Anderlecht" in " ".join(b["text"] for r in offer.inline_keyboard for b in r)
    details = await tap(amal, f"plc:show:{placement_id}", expect="plc:apply")
    assert "zaterdagvoormiddag" in (details.text or "")
    await tap(amal, f"plc:apply:{placement_id}")
    application_id = await scalar(url, select(PlacementApplication.id))
    assert await scalar(url, select(PlacementApplication.pair_id)) == pair_id

    # The coordinator, the host and Bram are told through the bot (each in their language:
    # the placement's words and the names are what every translation keeps).
    await deliver(running_bot)
    notice = await coord.wait_for(
        lambda m: f"plc:ok:{application_id}" in buttons_data(m), timeout=10
    )
    assert "Bib Anderlecht" in (notice.text or "") and f"#{pair_id}" in (notice.text or "")
    await host.wait_for(
        lambda m: "Boeken sorteren" in (m.text or "") and m.message_id > published.message_id,
        timeout=10,
        include_earlier=True,
    )
    await bram.wait_for(
        lambda m: "Amal" in (m.text or "") and "Bib Anderlecht" in (m.text or ""),
        timeout=10,
        include_earlier=True,
    )

    # Nobody but a coordinator decides (a forged press from the pair).
    amal.mark_read()
    await amal.press_data(f"plc:ok:{application_id}")
    refused = await amal.next_callback_answer()
    assert refused.show_alert and "coordinators" in (refused.text or "")
    assert await scalar(url, select(PlacementApplication.status)) == "pending"

    await tap(coord, f"plc:ok:{application_id}")
    assert await scalar(url, select(PlacementApplication.status)) == "confirmed"
    assert await scalar(url, select(VolunteeringPlacement.taken)) == 1
    assert (
        await scalar(
            url,
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "placement.confirmed"),
        )
        == 1
    )
    await deliver(running_bot)
    told = await host.wait_for(lambda m: "Amal" in (m.text or "") and "Bram" in (m.text or ""))
    assert "Boeken sorteren" in (told.text or "")
    for member in (amal, bram):
        await member.wait_for(lambda m: "menu:log" in buttons_data(m), timeout=10)

    # Bram logs two hours "at the host" (a choice /log offers now); Amal confirms.
    await tap(bram, "menu:log", expect="pick|day")
    await tap(bram, "pick|day|2026-03-01|log")
    await tap(bram, "pick|time|10:00|log")
    kinds = await tap(bram, "pick|dur|120|log")
    assert f"plc:log:{organisation_id}" in buttons_data(kinds)
    saved = await tap(bram, f"plc:log:{organisation_id}")
    assert (saved.text or "").startswith("📝")
    assert await scalar(url, select(HourEntry.organisation_id)) == organisation_id
    assert await scalar(url, select(HourEntry.activity_kind)) == "volunteering"
    entry_id = await scalar(url, select(HourEntry.id))
    await deliver(running_bot)
    await amal.wait_for(lambda m: f"hrs:ok:{entry_id}:0" in buttons_data(m), timeout=10)
    await tap(amal, f"hrs:ok:{entry_id}:0")
    assert await scalar(url, select(HourEntry.status)) == "confirmed"

    # The funder report: the duo, the organisation, the hours under the host.
    await coord.command("report")
    await coord.wait_for(lambda m: THIS_YEAR in buttons_data(m))
    await tap(coord, THIS_YEAR)
    got = await report_messages(coord)
    summary = next(text for text in got["texts"] if "Duo volunteering" in text)
    assert "1 duo with 1 organisation" in summary and "\u2068Bib Anderlecht\u2069: 2 h" in summary
    assert all(len(text.split()) < 60 for text in got["texts"])
    book = sheets(got["xlsx"].document.data)
    [rows] = [rows for title, rows in book.items() if title.startswith("Duo volunteering")]
    assert ("Bib Anderlecht", 1, 2) in rows
    assert rows[-1][1:] == (1, 2)


async def test_posting_is_for_hosts_and_coordinators_and_bad_input_changes_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    url = settings.database_url
    organisation_id = await seed_host(url)
    amal, _bram, _pair = await seed_pair(
        url, emulator, newcomer=(8612, "Amal", "en"), buddy=(8613, "Bram", "nl")
    )
    # A coordinator starts from the home screen and first picks the organisation.
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "plc:new:0" in buttons_data(m))
    await tap(coord, "plc:new:0", expect=f"plc:host:{organisation_id}")
    asked = await tap(coord, f"plc:host:{organisation_id}", expect="plc:stop")
    assert "What will the volunteers do?" in (asked.text or "")
    await tap(coord, "plc:stop:0")

    amal.mark_read()
    await amal.command("placements")
    refusal = await amal.wait_for(lambda m: bool(m.text))
    assert "only for partner organisations and coordinators" in (refusal.text or "")

    host = emulator.user(HOST_ID, "Lies", "en")
    await host.command("placements")
    await host.wait_for(lambda m: "plc:stop:0" in buttons_data(m))
    # A voice note is answered, never dropped; too long a text is refused.
    host.mark_read()
    await host.send_voice(duration=3)
    spoken = await host.wait_for(lambda m: bool(m.text))
    assert spoken.text and spoken.voice is None  # "please type it", in the host's language
    host.mark_read()
    await host.send("x" * 130)
    too_long = await host.wait_for(lambda m: bool(m.text))
    assert "120" in (too_long.text or "")
    # A forged "publish" before the form is done: out of date, nothing published.
    host.mark_read()
    await host.press_data("plc:post:0")
    stale = await host.next_callback_answer()
    assert stale.show_alert and stale.text
    await tap(host, "plc:stop:0")
    assert await scalar(url, select(func.count()).select_from(VolunteeringPlacement)) == 0
