"""Several programmes in one deployment, end to end: an admin creates and configures one
from the chat, a newcomer joining by its link lands in it with its target hours, and a
coordinator sees and acts only on the programme they work in (forged buttons and deep
links included), switching when they coordinate two."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from domain.clock import FrozenClock
from domain.langid import SUPPORTED_LANGUAGES
from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, Outbox, Pair, Programme, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, scalar, seed_pair, tap

ADMIN_ID = 4343
MOMENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def admin_bot(
    settings: Settings, emulator: Emulator, clock: FrozenClock
) -> AsyncIterator[RunningBot]:
    """The real bot with ADMIN_IDS set (and the usual bootstrap coordinator)."""
    bot = RunningBot(settings.model_copy(update={"admin_ids": [ADMIN_ID]}), emulator, clock)
    await bot.start()
    yield bot
    await bot.stop()


async def open_admin(emulator: Emulator) -> SimulatedUser:
    admin = emulator.user(ADMIN_ID, "Ada", "en")
    await admin.command("admin")
    await admin.wait_for(lambda m: "ad:new:0:0:0" in buttons_data(m))
    return admin


async def create_programme(admin: SimulatedUser, database_url: str, name: str) -> Programme:
    await tap(admin, "ad:new:0:0:0")
    await admin.send(name)
    await admin.wait_for(lambda m: any(d.startswith("ad:num:") for d in buttons_data(m)))
    return await row_of(database_url, Programme, Programme.name == name)


async def row_of(database_url: str, model: type, *where: object) -> Any:
    """A whole row, read in its own session."""
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        found = await session.scalar(select(model).where(*where))  # type: ignore[arg-type]
    await engine.dispose()
    assert found is not None
    return found


async def seed_programme(database_url: str, slug: str, name: str) -> int:
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        programme = Programme(slug=slug, name=name, settings={}, is_default=False)
        session.add(programme)
        await session.commit()
        programme_id = programme.id
    await engine.dispose()
    return programme_id


async def move_to(database_url: str, programme_id: int, pair_id: int) -> None:
    """Put a seeded pair and both its people into another programme."""
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        pair.programme_id = programme_id
        for person_id in (pair.newcomer_id, pair.buddy_id):
            found = await session.get(User, person_id)
            assert found is not None
            found.programme_id = programme_id
        await session.commit()
    await engine.dispose()


async def refusals(database_url: str, action: str) -> int:
    return int(
        await scalar(
            database_url,
            select(func.count()).select_from(AuditLog).where(AuditLog.action == action),
        )
    )


async def test_an_admin_creates_a_programme_whose_newcomers_get_its_target(
    admin_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    url = settings.database_url
    admin = await open_admin(emulator)
    programme = await create_programme(admin, url, "Huis van het Nederlands")
    assert programme.slug == "huisvanhetnederl"
    created = next(m for m in reversed(admin.messages) if "-huisvanhetnederl" in (m.text or ""))
    assert "Huis van het Nederlands" in (created.text or "")
    # Target hours: 40 by default, two steps up to 50; quiet hours from 21 down to 20.
    pid = programme.id
    target = await tap(admin, f"ad:num:{pid}:0:0")
    assert "40" in (target.text or "")
    await tap(admin, f"ad:st:{pid}:0:1")
    raised = await tap(admin, f"ad:st:{pid}:0:1")
    assert "50" in (raised.text or "")
    await tap(admin, f"ad:pg:{pid}:0:0")
    await tap(admin, f"ad:num:{pid}:1:0")
    await tap(admin, f"ad:st:{pid}:1:0")
    # Reminders: the 2-hour one off.
    await tap(admin, f"ad:pg:{pid}:0:0")
    await tap(admin, f"ad:rem:{pid}:0:0")
    await tap(admin, f"ad:rt:{pid}:2:0")
    stored = await row_of(url, Programme, Programme.id == pid)
    assert stored.settings["target_hours"] == 50
    assert stored.settings["quiet_from"] == 20
    assert stored.settings["reminder_hours"] == [24]
    assert await refusals(url, "programme.setting_changed") == 4

    # A newcomer and a buddy join by the programme's links and land in it.
    amal = emulator.user(8101, "Amal", "en")
    await onboard(
        amal, language="en", role=None, name="Amal", start_args="nc-flyer-huisvanhetnederl"
    )
    bram = emulator.user(8102, "Bram", "en")
    await onboard(
        bram,
        language="en",
        role=None,
        name="Bram",
        languages=("en", "ar"),
        start_args="bd-flyer-huisvanhetnederl",
    )
    amal_row = await person(url, 8101)
    bram_row = await person(url, 8102)
    assert amal_row is not None and bram_row is not None
    assert amal_row.programme_id == pid and bram_row.programme_id == pid
    assert amal_row.quiet_from == 20  # the programme's default quiet hours

    # The admin works in the new programme and matches them: the pair gets its target.
    await admin.command("coord")
    home = await admin.wait_for(lambda m: any(d.startswith("ad:sw:") for d in buttons_data(m)))
    assert "ad:sum:0:0:0" in buttons_data(home)
    await tap(admin, f"ad:sw:{home_programme(home)}:0:0")
    switched = await tap(admin, f"ad:go:{pid}:0:0", expect="co:wl:")
    assert "Huis van het Nederlands" in (switched.text or "")
    waiting = await tap(admin, "co:wl:0:0")
    assert "Amal" in (waiting.text or "")
    await tap(admin, f"co:nc:{amal_row.id}:0")
    await tap(admin, f"co:sg:{amal_row.id}:0")
    await tap(admin, f"co:mt:{amal_row.id}:{bram_row.id}")
    pair = await row_of(url, Pair, Pair.newcomer_id == amal_row.id)
    assert pair.programme_id == pid and pair.target_hours == 50

    # The summary across programmes counts them in the new programme's line.
    await admin.command("admin")
    summary = await admin.wait_for(lambda m: "ad:new:0:0:0" in buttons_data(m))
    line = next(
        row for row in (summary.text or "").splitlines() if "Huis van het Nederlands" in row
    )
    assert line.endswith(": 2 · 0 · 1 · 0")  # people, waiting, active pairs, hours


async def open_pair(coord: SimulatedUser, pair_id: int) -> None:
    """The list of pairs names it, and its file opens."""
    listed = await tap(coord, "co:pairs:0:0")
    assert f"co:pr:{pair_id}:0" in buttons_data(listed)
    opened = await tap(coord, f"co:pr:{pair_id}:0")
    assert f"#{pair_id}" in (opened.text or "")


def home_programme(home: object) -> int:
    data = next(d for d in buttons_data(home) if d.startswith("ad:sw:"))  # type: ignore[arg-type]
    return int(data.split(":")[2])


async def test_a_coordinator_sees_and_acts_only_in_their_programme(
    admin_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    url = settings.database_url
    other = await seed_programme(url, "anderlecht", "Anderlecht")
    _n, _b, own_pair = await seed_pair(url, emulator)
    newcomer, _buddy, far_pair = await seed_pair(
        url, emulator, newcomer=(8201, "Olena", "uk"), buddy=(8202, "Piet", "nl")
    )
    await move_to(url, other, far_pair)
    far = await row_of(url, Pair, Pair.id == far_pair)
    coord = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await coord.command("coord")
    home = await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    # One programme to work in: no switch, no admin button; the own pair file opens.
    assert not any(d.startswith("ad:") for d in buttons_data(home))
    await open_pair(coord, own_pair)

    # Forged buttons naming the other programme's pair and people: refused, audited,
    # nothing changed.
    forged = [
        f"co:pr:{far_pair}:0",
        f"co:pa:{far_pair}:2",
        f"co:en:{far_pair}:0",
        f"co:nc:{far.newcomer_id}:0",
        f"co:mt:{far.newcomer_id}:{far.buddy_id}",
        f"co:de:{far.buddy_id}:0",
    ]
    coord.mark_read()
    alerts = set()
    for data in forged:
        await coord.press_data(data)
        answer = await coord.next_callback_answer()
        assert answer.show_alert and answer.text, data
        alerts.add(answer.text)
    # One alert, the same for each, in the coordinator's Dutch ("another programme").
    assert len(alerts) == 1 and "ander programma" in alerts.pop()
    assert await refusals(url, "refused.other_programme") == len(forged)
    unchanged = await row_of(url, Pair, Pair.id == far_pair)
    assert unchanged.status == "active"
    # An admin's button from a coordinator: refused and audited.
    coord.mark_read()
    await coord.press_data(f"ad:pg:{other}:0:0")
    assert (await coord.next_callback_answer()).show_alert
    await coord.press_data(f"ad:go:{other}:0:0")  # a switch to a programme not theirs
    assert "coördineert dit programma niet" in ((await coord.next_callback_answer()).text or "")
    assert await refusals(url, "refused.admin_only") == 1
    assert await refusals(url, "refused.other_programme") == len(forged) + 1
    # A deep link of the other programme does not move the coordinator, nor a member.
    await coord.command("start", "nc-flyer-anderlecht")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    await newcomer.command("start", "nc-flyer-default")
    await newcomer.next_message()
    coord_row = await person(url, COORDINATOR_ID)
    newcomer_row = await person(url, 8201)
    assert coord_row is not None and coord_row.programme_id != other
    assert newcomer_row is not None and newcomer_row.programme_id == other

    # The admin invites Kim into Anderlecht too: Kim now switches between the two.
    admin = await open_admin(emulator)
    await tap(admin, f"ad:pg:{other}:0:0")
    await tap(admin, f"ad:crd:{other}:0:0")
    invite = await tap(admin, f"ad:inv:{other}:0:0")
    link = next(word for word in (invite.text or "").split() if "start=coord-" in word)
    await coord.command("start", link.split("start=", 1)[1])
    welcomed = await coord.wait_for(lambda m: any(d.startswith("ad:sw:") for d in buttons_data(m)))
    assert "Anderlecht" in (welcomed.text or "")  # the invite's programme is the current one
    await open_pair(coord, far_pair)
    coord.mark_read()
    await coord.press_data(f"co:pr:{own_pair}:0")
    assert "ander programma" in ((await coord.next_callback_answer()).text or "")
    await tap(coord, "co:home:0:0")
    await tap(coord, f"ad:sw:{other}:0:0")
    default_id = (await person(url, 8001)).programme_id  # type: ignore[union-attr]
    back = await tap(coord, f"ad:go:{default_id}:0:0", expect="co:wl:")
    assert "Anderlecht" not in (back.text or "")
    await open_pair(coord, own_pair)
    # A broadcast to everyone reaches the people of the programme Kim works in only.
    await coord.command("broadcast")
    await coord.wait_for(lambda m: "bc:seg:all:" in buttons_data(m))
    await tap(coord, "bc:seg:all:")
    await coord.send("Hallo allemaal!")
    await coord.wait_for(lambda m: "bc:preview::" in buttons_data(m), include_earlier=True)
    await tap(coord, "bc:preview::", expect="bc:send::")
    await tap(coord, "bc:send::")
    amal = emulator.user(8001, "Amal", "ar")
    await amal.wait_for(lambda m: "Hallo allemaal" in (m.text or ""), timeout=10)
    await coord.wait_for(lambda m: "📣" in (m.text or ""), timeout=15)  # the report
    engine = create_engine(url)
    async with engine.connect() as connection:
        reached = await connection.scalars(
            select(Outbox.chat_id).where(Outbox.broadcast_id.is_not(None))
        )
        assert sorted(reached.all()) == [8001, 8002]
    await engine.dispose()
    assert not [m for m in newcomer.messages if "Hallo allemaal" in (m.text or "")]
    # Alerts of either programme reach Kim: both list Kim among their coordinators.
    await tap(admin, f"ad:pg:{other}:0:0")
    listed = await tap(admin, f"ad:crd:{other}:0:0")
    assert "Kim" in (listed.text or "") or str(COORDINATOR_ID) in (listed.text or "")


async def test_a_programme_offers_only_its_languages(
    admin_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    """An admin stops offering Arabic in a programme: someone joining it whose phone is in
    Arabic gets the picker without it, and a forged Arabic button is refused."""
    url = settings.database_url
    admin = await open_admin(emulator)
    programme = await create_programme(admin, url, "Molenbeek")
    pid, arabic = programme.id, SUPPORTED_LANGUAGES.index("ar")
    await tap(admin, f"ad:lng:{pid}:0:0")
    shown = await tap(admin, f"ad:lt:{pid}:{arabic}:0")
    assert any("ad:lt:" in d for d in buttons_data(shown))
    stored = await row_of(url, Programme, Programme.id == pid)
    assert "ar" not in stored.settings["languages"]

    salma = emulator.user(8301, "Salma", "ar")
    await salma.command("start", "nc-flyer-molenbeek")
    picker = await salma.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    assert "lang:ar:onb" not in buttons_data(picker)
    salma.mark_read()
    await salma.press_data("lang:ar:onb", message=picker)
    assert (await salma.next_callback_answer()).show_alert
    # The default programme still offers Arabic.
    karim = emulator.user(8302, "Karim", "ar")
    await karim.command("start")
    first = await karim.wait_for(lambda m: bool(m.inline_keyboard))
    assert "lang:ar:onb" in buttons_data(first)
