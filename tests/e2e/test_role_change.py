"""A newcomer becomes a buddy, end to end: their trajectory is completed by the coordinator,
"🤝 Become a buddy" appears in their menu, they choose how many newcomers at a time, the
coordinator confirms from the request's message, and the same person is a buddy with
their pair, hours and proof intact. Matching never proposes them with their former buddy.
Declining tells the person; forged and repeated presses change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Executable, func, select, update

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.models import AuditLog, Certificate, HourEntry, Pair, RoleChange, User
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import (
    buttons_data,
    menu,
    onboard,
    person,
    scalar,
    script_share,
    seed_pair,
    tap,
)
from tests.e2e.test_checkins import forty_hours


async def execute(database_url: str, statement: Executable) -> None:
    from storage.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement)
    finally:
        await engine.dispose()


async def complete(kim: SimulatedUser, pair_id: int) -> None:
    """The coordinator closes the pair as completed from its file."""
    await kim.command("pairs")
    await kim.wait_for(lambda m: f"co:pr:{pair_id}:0" in buttons_data(m))
    await tap(kim, f"co:pr:{pair_id}:0", expect=f"co:cp:{pair_id}")
    await tap(kim, f"co:cp:{pair_id}:0", expect=f"co:cpy:{pair_id}")
    await tap(kim, f"co:cpy:{pair_id}:0")
    await kim.wait_for(lambda m: (m.text or "").startswith("🎓"))


async def ask_to_become_a_buddy(user: SimulatedUser, capacity: int) -> None:
    home = await menu(user)
    assert "bb:ask:0" in buttons_data(home)
    await tap(user, "bb:ask:0", expect="bb:send:")
    sent = await tap(user, f"bb:send:{capacity}")
    assert (sent.text or "").startswith("📨") and "menu:home" in buttons_data(sent)


async def request_message(kim: SimulatedUser, name: str) -> tuple[str, int]:
    """The request as it reaches the coordinator: the confirm button's data, and the id."""
    message = await kim.wait_for(
        lambda m: any(d.startswith("rcd:ok:") for d in buttons_data(m)), timeout=10
    )
    assert name in (message.text or "")
    data = next(d for d in buttons_data(message) if d.startswith("rcd:ok:"))
    return data, int(data.rsplit(":", 1)[1])


async def test_a_completed_newcomer_becomes_a_buddy_with_their_history(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    amal, bram, pair_id = await seed_pair(settings.database_url, emulator)
    await forty_hours(settings.database_url, pair_id, clock)
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    # Before the end of their trajectory (a pair, six months here): no such button.
    home = await menu(amal)
    assert not any(d.startswith("bb:") for d in buttons_data(home))
    await complete(kim, pair_id)

    kim.mark_read()
    await ask_to_become_a_buddy(amal, capacity=2)
    confirm, request_id = await request_message(kim, "Amal")
    assert f"rcd:no:{request_id}" in buttons_data(kim.last)
    # Asked once: the button is gone from the menu; Amal cannot decide it herself.
    assert "bb:ask:0" not in buttons_data(await menu(amal))
    amal.mark_read()
    await amal.press_data(confirm)
    refusal = await amal.next_callback_answer()
    # "This is only for coordinators.", in her Arabic.
    assert refusal.show_alert and script_share(refusal.text or "", "ARABIC") > 0.5
    stored = await person(settings.database_url, amal.id)
    assert stored is not None and stored.role == "newcomer"

    amal.mark_read()
    done = await tap(kim, confirm)
    assert "Amal" in (done.text or "")
    told = await amal.wait_for(lambda m: (m.text or "").startswith("🤝"), timeout=10)
    assert "menu:home" in buttons_data(told)

    # The same person row, now a free buddy with two places.
    became = await person(settings.database_url, amal.id)
    assert became is not None and stored is not None and became.id == stored.id
    assert (became.role, became.status, became.capacity) == ("buddy", "waiting", 2)
    # Their history: the completed pair as its newcomer, its 40 hours, the certificate.
    pair_newcomer = await scalar(
        settings.database_url, select(Pair.newcomer_id).where(Pair.id == pair_id)
    )
    pair_status = await scalar(settings.database_url, select(Pair.status).where(Pair.id == pair_id))
    assert (pair_newcomer, pair_status) == (became.id, "completed")
    minutes = await scalar(
        settings.database_url,
        select(func.sum(HourEntry.minutes)).where(
            HourEntry.pair_id == pair_id, HourEntry.status == "confirmed"
        ),
    )
    assert minutes == 40 * 60
    certificates = await scalar(
        settings.database_url,
        select(func.count()).select_from(Certificate).where(Certificate.person_id == became.id),
    )
    assert certificates == 1
    # As a buddy: the buddy's home screen, no "Become a buddy", and the proof of their
    # own trajectory still one command away.
    home = await menu(amal)
    assert not any(d.startswith("bb:") for d in buttons_data(home))
    amal.mark_read()
    await amal.command("progress")
    progress = await amal.wait_for(lambda m: f"proof:get:{pair_id}" in buttons_data(m))
    assert progress is not None
    for action in ("role_change.requested", "role_change.confirmed"):
        done = select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
        assert await scalar(settings.database_url, done) == 1, action

    # A second press of the coordinator's buttons changes nothing.
    kim.mark_read()
    await kim.press_data(f"rcd:no:{request_id}")
    again = await kim.next_callback_answer()
    assert again.show_alert
    assert (await person(settings.database_url, amal.id)).role == "buddy"  # type: ignore[union-attr]

    # Matching: Bram, her former buddy, could only meet her as a waiting newcomer. Made
    # one here, with a fresh buddy beside Amal, he is never proposed with her, though
    # they fit each other best (same municipality, French, the same interests).
    sofie = emulator.user(8003, "Sofie", "nl")
    await onboard(
        sofie,
        language="nl",
        role="buddy",
        name="Sofie",
        municipality="21001",
        languages=("nl",),
        interests=("leisure",),
    )
    sofie_row = await person(settings.database_url, sofie.id)
    bram_row = await person(settings.database_url, bram.id)
    assert sofie_row is not None and bram_row is not None
    await execute(
        settings.database_url,
        update(User)
        .where(User.id == bram_row.id)
        .values(role="newcomer", status="waiting", waiting_since=START),
    )
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    await tap(kim, "co:wl:0:0")
    await tap(kim, f"co:nc:{bram_row.id}:0")
    suggestions = await tap(kim, f"co:sg:{bram_row.id}:0")
    assert f"co:mt:{bram_row.id}:{sofie_row.id}" in buttons_data(suggestions)
    assert f"co:mt:{bram_row.id}:{became.id}" not in buttons_data(suggestions)
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:all:0:0" in buttons_data(m))
    proposals = await tap(kim, "co:all:0:0")
    proposed = [d for d in buttons_data(proposals) if d.startswith("co:mt:")]
    assert proposed == [f"co:mt:{bram_row.id}:{sofie_row.id}"]


async def test_long_enough_here_a_declined_request_is_told_kindly(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    nadia = emulator.user(8101, "Nadia", "en")
    await onboard(nadia, language="en", name="Nadia", languages=("en", "fr"))
    kim = emulator.user(COORDINATOR_ID, "Kim", "nl")
    await kim.command("coord")  # a coordinator named in the settings exists from here on
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    # Waiting for a buddy, in the programme for two months: not yet.
    home = await menu(nadia)
    assert not any(d.startswith("bb:") for d in buttons_data(home))
    nadia.mark_read()
    await nadia.press_data("bb:send:1")  # forged: the button was never shown
    refusal = await nadia.next_callback_answer()
    assert refusal.show_alert
    assert await scalar(settings.database_url, select(func.count()).select_from(RoleChange)) == 0
    # Thirteen months after she joined (the default is twelve), she may.
    await execute(
        settings.database_url,
        update(User)
        .where(User.telegram_id == nadia.id)
        .values(consent_at=START - timedelta(days=396)),
    )
    kim.mark_read()
    await ask_to_become_a_buddy(nadia, capacity=1)
    message = await kim.wait_for(
        lambda m: any(d.startswith("rcd:no:") for d in buttons_data(m)), timeout=10
    )
    assert "13" in (message.text or "")  # the months she has been in the programme
    decline = next(d for d in buttons_data(message) if d.startswith("rcd:no:"))
    nadia.mark_read()
    await tap(kim, decline)
    told = await nadia.wait_for(lambda m: "Thank you for offering" in (m.text or ""), timeout=10)
    assert "hp:w:0" in buttons_data(told)  # and a way to talk about it
    after = await person(settings.database_url, nadia.id)
    assert after is not None and (after.role, after.status) == ("newcomer", "waiting")
    # Declined once: she may ask again later, from her menu.
    assert "bb:ask:0" in buttons_data(await menu(nadia))
