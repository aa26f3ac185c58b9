"""Recruitment links end to end: the coordinator makes a link for a channel and a role
(also for a channel they name), gets its QR code as a PNG that a QR decoder reads back as
the same deep link, with the programme's name under it; people who come through it are
counted under its channel in the report; a buddy shares a "become a buddy" link; the
coordinator's home forecasts when the buddies' free places fall short of the list."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta

import zxingcpp
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import BotMessage, Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, Programme, User
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, onboard, say, scalar, tap
from tests.e2e.test_report import THIS_YEAR, report_messages, sheets


def decoded(message: BotMessage) -> str:
    """The text the QR code in the message's PNG holds, as a phone's camera reads it."""
    assert message.document is not None and message.document.filename.endswith(".png")
    image = Image.open(io.BytesIO(message.document.data))
    assert image.info.get("dpi", (0, 0))[0] >= 299  # sized for print
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    return found[0].text


async def make_link(kim: SimulatedUser, channel: str, role: str) -> BotMessage:
    await tap(kim, f"ln:ch:{channel}:", expect=f"ln:mk:{channel}:")
    await tap(kim, f"ln:mk:{channel}:{role}")
    return await kim.wait_for(lambda m: m.document is not None, timeout=10)


def plain(text: str) -> str:
    """Without the bidi isolation marks."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


async def test_a_links_qr_code_reads_back_as_its_deep_link_and_its_recruits_are_counted(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    home = await kim.wait_for(lambda m: "ln:ls::" in buttons_data(m))
    await tap(kim, "ln:ls::", expect="ln:ch:school:")
    made = await make_link(kim, "school", "nc")
    link = decoded(made)
    slug = await scalar(settings.database_url, select(Programme.slug))
    assert link == f"https://t.me/{emulator.api.bot_user['username']}?start=nc-school-{slug}"
    assert link in (made.caption or "")
    assert home is not None

    # A channel of her own naming, for buddies.
    await kim.command("links")
    await kim.wait_for(lambda m: "ln:new::" in buttons_data(m))
    await tap(kim, "ln:new::")
    reply = await say(kim, "!!")
    assert "at least two" in (reply.text or "")  # refused, the form stays open
    await say(kim, "Bibliothèque Molenbeek")
    await kim.wait_for(lambda m: "ln:mk:bibliotheque_molenbeek:bd" in buttons_data(m))
    await tap(kim, "ln:mk:bibliotheque_molenbeek:bd")
    library = await kim.wait_for(
        lambda m: "bibliotheque" in (m.document.filename if m.document else "")
    )
    assert (
        decoded(library)
        == f"https://t.me/{emulator.api.bot_user['username']}?start=bd-bibliotheque_molenbeek-{slug}"
    )
    audited = await scalar(
        settings.database_url,
        select(AuditLog.details).where(AuditLog.action == "recruitment.channel_added"),
    )
    assert audited == {"channel": "bibliotheque_molenbeek"}

    # Two people come through the school link: one finishes, one stops after consenting.
    payload = link.split("start=")[1]
    nina = emulator.user(9801, "Nina", "fr")
    await onboard(nina, language="fr", role=None, start_args=payload, name="Nina")
    omar = emulator.user(9802, "Omar", "en")
    await omar.command("start", payload)
    await omar.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    await tap(omar, "lang:en:onb")
    await tap(omar, "consent:yes")
    rows = await _recruits(settings.database_url)
    assert rows == {9801: ("school", "newcomer"), 9802: ("school", "newcomer")}

    # People are counted by when their row was made (the real time): report this year.
    clock.set(datetime.now(UTC) + timedelta(hours=1))
    kim.mark_read()
    await kim.command("report")
    await kim.wait_for(lambda m: THIS_YEAR in buttons_data(m))
    await tap(kim, THIS_YEAR)
    got = await report_messages(kim)
    summary = plain("\n".join(got["texts"]))
    assert "school 2→1→0" in summary, summary
    channels = sheets(got["xlsx"].document.data)
    table = channels["Progress of recruits by channel"]
    assert ("school", 2, 1, 0) in table


async def _recruits(database_url: str) -> dict[int, tuple[str | None, str | None]]:
    engine = create_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            found = await session.execute(
                select(User.telegram_id, User.recruited_via, User.role).where(
                    User.telegram_id.in_([9801, 9802])
                )
            )
            return {tid: (via, role) for tid, via, role in found.all()}
    finally:
        await engine.dispose()


async def test_a_buddy_shares_a_become_a_buddy_link(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    bram = emulator.user(9811, "Bram", "nl")
    await onboard(bram, language="nl", role="buddy", name="Bram", languages=("nl", "fr"))
    await bram.command("start")
    await bram.wait_for(lambda m: "share:0" in buttons_data(m))
    await tap(bram, "share:0")
    shared = await bram.wait_for(lambda m: "t.me/share/url" in str(m.inline_keyboard))
    slug = await scalar(settings.database_url, select(Programme.slug))
    assert f"https://t.me/{emulator.api.bot_user['username']}?start=bd-buddy_share-{slug}" in (
        shared.text or ""
    )


async def test_the_home_screen_forecasts_when_free_places_fall_short(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    engine = create_engine(settings.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        for number in range(4):
            moment = START - timedelta(weeks=number + 1)
            session.add(
                User(
                    telegram_id=9820 + number,
                    programme_id=programme.id,
                    role="newcomer" if number else "buddy",
                    status="waiting",
                    contact_language="en",
                    first_name=f"P{number}",
                    languages=["en"],
                    capacity=1 if number == 0 else None,
                    consent_at=moment,
                    profile_done_at=moment,
                    waiting_since=moment,
                )
            )
        await session.commit()
    await engine.dispose()
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    home = await kim.wait_for(lambda m: "ln:ls::" in buttons_data(m))
    text = plain(home.text or "")
    # 3 waiting, 1 free place; 1 place came free in 8 weeks (the buddy): 2 short, 16 weeks.
    assert "2 places short" in text and "about 16 weeks" in text, text
