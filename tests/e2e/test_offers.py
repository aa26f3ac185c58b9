"""Activity offers end to end: a coordinator creates partner organisations and sends their
invite links; partners publish offers with Arabic versions; an Arabic-Dutch pair in
Anderlecht sees the offers there and next door but not across the city, each in their own
language; picking one fills in the meetup (from "Plan a meetup" and from "💡 Ideas"); an
offer past its end date disappears; a partner cannot touch another partner's offer, forged
buttons included."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import ActivityOffer, Meetup, User
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, say, scalar, seed_pair, tap
from tests.e2e.test_broadcasts import coordinator

ANDERLECHT, MOLENBEEK, WOLUWE = "21001", "21012", "21019"


def day(value: str) -> str:
    return f"pick|day|{value}|offer"


async def invite_link(coord: SimulatedUser, name: str) -> str:
    """A new organisation from the coordinator's home, and its one-time link's payload."""
    await tap(coord, "pt:orgs:0:")
    await tap(coord, "pt:norg:0:")
    screen = await say(coord, name)
    invite = next(d for d in buttons_data(screen) if d.startswith("pt:inv:"))
    link = await tap(coord, invite)
    found = re.search(r"start=(partner-\w+)", link.text or "")
    assert found, link.text
    return found.group(1)


async def join(user: SimulatedUser, payload: str) -> None:
    await user.command("start", payload)
    offer = await user.wait_for(lambda m: any(d.startswith("pt:join") for d in buttons_data(m)))
    await tap(user, next(d for d in buttons_data(offer) if d.startswith("pt:join")))
    await user.wait_for(lambda m: "of:new:0:" in buttons_data(m))


async def publish(
    partner: SimulatedUser,
    title: str,
    municipality: str,
    kind: str,
    *,
    arabic: str | None = None,
    until: str | None = None,
) -> None:
    """From the partner's home, through the whole form with buttons; typed only the
    title, the address, the description and the Arabic version."""
    await partner.command("start")
    await partner.wait_for(lambda m: "of:new:0:" in buttons_data(m))
    await tap(partner, "of:new:0:")
    await fill_form(partner, title, municipality, kind, arabic=arabic, until=until)


async def fill_form(
    partner: SimulatedUser,
    title: str,
    municipality: str,
    kind: str,
    *,
    arabic: str | None = None,
    until: str | None = None,
) -> None:
    """The offer form, once open."""
    await say(partner, title)
    await tap(partner, f"of:mun:0:{municipality}")
    await say(partner, f"{title}straat 1")
    await tap(partner, f"of:kind:0:{kind}")
    if until is None:
        await tap(partner, "of:ongo:0:")
    else:
        await tap(partner, "of:dates:0:")
        await tap(partner, day("2026-03-02"))
        await tap(partner, day(until))
    await tap(partner, "of:price:0:free")
    await tap(partner, "of:lvl:0:none")
    await tap(partner, "of:spk:0:ar")  # Dutch comes ticked; Arabic is spoken there too
    await tap(partner, "of:next:0:")
    await tap(partner, "of:time:0:weekend")
    await tap(partner, "of:next:0:")
    await say(partner, "Voor iedereen, gratis.")
    if arabic is not None:
        await tap(partner, "of:lang:0:ar")
        await say(partner, arabic + "\nللجميع، مجاناً.")
    await tap(partner, "of:save:0:")
    await partner.wait_for(lambda m: "of:end:" in " ".join(buttons_data(m)))


async def offer_id(database_url: str, title: str) -> int:
    return int(
        await scalar(database_url, select(ActivityOffer.id).where(ActivityOffer.title == title))
    )


async def move_to_anderlecht(database_url: str, *telegram_ids: int) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(User).where(User.telegram_id.in_(telegram_ids)).values(municipality=ANDERLECHT)
        )
    await engine.dispose()


async def latest_meetup(database_url: str, count: int) -> tuple[str, str]:
    """The place and activity of the newest meetup, once there are `count` (the proposal is
    committed right after the bot answered)."""
    engine = create_engine(database_url)
    try:
        for _attempt in range(50):
            async with engine.connect() as connection:
                rows = (
                    await connection.execute(
                        select(Meetup.place, Meetup.activity_kind).order_by(Meetup.id)
                    )
                ).all()
            if len(rows) >= count:
                return (rows[-1][0], rows[-1][1])
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    raise AssertionError(f"fewer than {count} meetups")


async def ideas(user: SimulatedUser) -> list[str]:
    """The ideas the person's menu shows now (the buttons' data)."""
    await user.command("start")
    await user.wait_for(lambda m: "menu:ideas" in buttons_data(m))
    shown = await tap(user, "menu:ideas")
    return buttons_data(shown)


@pytest.mark.long
async def test_partners_publish_and_a_pair_nearby_plans_a_meetup_from_an_idea(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    url = settings.database_url
    coord = await coordinator(emulator)
    club = emulator.user(9101, "Sofie", "nl")
    await join(club, await invite_link(coord, "Sportclub Anderlecht"))
    other = emulator.user(9102, "Jan", "nl")
    await join(other, await invite_link(coord, "GC Woluwe"))
    # A partner who changes language comes back to their own menu, not a member's.
    other.mark_read()
    picker = await tap(other, "menu:language")
    await tap(other, next(d for d in buttons_data(picker) if d.startswith("lang:en:")))
    home = await other.wait_for(lambda m: "of:new:0:" in buttons_data(m))
    assert "menu:meetup" not in buttons_data(home)
    picker = await tap(other, "menu:language")
    await tap(other, next(d for d in buttons_data(picker) if d.startswith("lang:nl:")))
    await other.wait_for(lambda m: "of:new:0:" in buttons_data(m) and m is not home)

    await publish(club, "Zwemmen", ANDERLECHT, "sport", arabic="سباحة")
    await publish(
        club, "Museumbezoek", MOLENBEEK, "culture", arabic="زيارة متحف", until="2026-03-10"
    )
    await publish(other, "Wandeling", WOLUWE, "sport")
    swim, museum, walk = [await offer_id(url, t) for t in ("Zwemmen", "Museumbezoek", "Wandeling")]

    # A partner cannot change another organisation's offer, even with forged buttons.
    for forged in (
        f"of:edit:{swim}:title",
        f"of:end:{swim}:",
        f"of:tr:{swim}:ar",
        f"of:view:{swim}:",
    ):
        other.mark_read()
        await other.press_data(forged)
        answer = await other.next_callback_answer()
        # Jan reads Dutch.
        assert answer.show_alert and "andere organisatie" in (answer.text or ""), forged
    await say(other, "Van mij")  # no form is open: nothing is taken as a new title
    stored = await scalar(url, select(ActivityOffer.title).where(ActivityOffer.id == swim))
    assert stored == "Zwemmen"
    assert await scalar(url, select(ActivityOffer.ends_on).where(ActivityOffer.id == swim)) is None

    # An Arabic-Dutch pair in Anderlecht: the offers here and next door, not across the city.
    amal, bram, _pair = await seed_pair(url, emulator)
    await move_to_anderlecht(url, amal.id, bram.id)
    shown = await ideas(amal)
    assert f"idea:view:{swim}" in shown and f"idea:view:{museum}" in shown
    assert f"idea:view:{walk}" not in shown
    assert "سباحة" in (amal.last.text or "") and "Zwemmen" not in (amal.last.text or "")
    await ideas(bram)
    assert "Zwemmen" in (bram.last.text or "") and "Wandeling" not in (bram.last.text or "")

    # "Plan a meetup": at the place step, "💡 Ideas" fills in the place and the activity.
    await amal.command("meetup")
    await amal.wait_for(lambda m: "pick|day|2026-03-07|meet" in buttons_data(m))
    await tap(amal, "pick|day|2026-03-07|meet")
    await tap(amal, "pick|time|14:00|meet")
    place_step = await tap(amal, "pick|dur|120|meet")
    assert "idea:form:0" in buttons_data(place_step)
    listed = await tap(amal, "idea:form:0")
    assert f"idea:take:{swim}" in buttons_data(listed)
    assert f"idea:take:{walk}" not in buttons_data(listed)
    proposal = await tap(amal, f"idea:take:{swim}")
    assert "Zwemmenstraat 1" in (proposal.text or "")
    await tap(amal, "meet:send:0")
    assert await latest_meetup(url, 1) == ("سباحة, Zwemmenstraat 1", "sport")

    # "💡 Ideas" from the menu: the offer, then only the day, time and duration to pick.
    await ideas(bram)
    details = await tap(bram, f"idea:view:{museum}")
    assert "Museumbezoek" in (details.text or "") and "GC" not in (details.text or "")
    await tap(bram, f"idea:plan:{museum}")
    await tap(bram, "pick|day|2026-03-08|meet")
    await tap(bram, "pick|time|15:00|meet")
    proposal = await tap(bram, "pick|dur|90|meet")
    assert "meet:send:0" in buttons_data(proposal) and "Museumbezoekstraat 1" in (
        proposal.text or ""
    )
    await tap(bram, "meet:send:0")
    assert await latest_meetup(url, 2) == ("Museumbezoek, Museumbezoekstraat 1", "culture")

    # The museum visit ends on 10 March: on the 11th it is gone, and so is its old button.
    clock.advance(timedelta(days=9))
    shown = await ideas(amal)
    assert f"idea:view:{swim}" in shown and f"idea:view:{museum}" not in shown
    amal.mark_read()
    await amal.press_data(f"idea:view:{museum}")
    assert (await amal.next_callback_answer()).show_alert


async def test_a_coordinator_adds_and_edits_an_offer_for_an_organisation(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    coord = await coordinator(emulator)
    await tap(coord, "pt:orgs:0:")
    await tap(coord, "pt:norg:0:")
    screen = await say(coord, "Bibliotheek Muntpunt")
    new = next(d for d in buttons_data(screen) if d.startswith("of:new:"))
    await tap(coord, new)
    await fill_form(coord, "Voorleesuur", "21004", "culture")
    swim = await offer_id(settings.database_url, "Voorleesuur")
    await tap(coord, f"of:edit:{swim}:title")
    await say(coord, "Voorleesuur voor kinderen")
    stored = await scalar(settings.database_url, select(ActivityOffer.title))
    assert stored == "Voorleesuur voor kinderen"
    listed = await tap(coord, "of:mine:0:")
    assert f"of:view:{swim}:" in buttons_data(listed)
