"""Privacy in the chat: /mydata sends everything we keep, /forget erases it (hours stay
only as anonymous numbers), and asking a coordinator to change a pair."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from emulator import Emulator
from storage.models import FsmRecord, HourEntry, Outbox, Pair
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, scalar, seed_pair, tap
from tests.e2e.test_hours import log_hours


async def test_mydata_sends_everything_we_keep(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(9501, "Amal", "en")
    await onboard(user, language="en", name="Amal", languages=("ar", "fr"))
    await user.command("mydata")
    sent = await user.wait_for(lambda m: m.document is not None)
    assert sent.document is not None and sent.document.filename == "my-data.json"
    exported = json.loads(sent.document.data)
    profile = exported["profile"]
    assert profile["first_name"] == "Amal"
    assert sorted(profile["languages"]) == ["ar", "fr"]
    assert profile["telegram_id"] == 9501 and profile["consent_at"]


async def test_forget_erases_the_person_and_keeps_anonymous_hours(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9601, "Amal", "en"), buddy=(9602, "Bram", "en")
    )
    await log_hours(amal, "2026-03-01", "10:00", 60)
    await amal.command("forget")
    await amal.wait_for(lambda m: "forget:yes" in buttons_data(m))
    done = await tap(amal, "forget:yes")
    assert "erased" in (done.text or "")
    assert await person(settings.database_url, 9601) is None
    # The pair and its hours stay, without the person.
    assert (
        await scalar(settings.database_url, select(Pair.newcomer_id).where(Pair.id == pair_id))
        is None
    )
    assert await scalar(settings.database_url, select(func.sum(HourEntry.minutes))) == 60
    assert (
        await scalar(
            settings.database_url, select(HourEntry.logged_by).where(HourEntry.pair_id == pair_id)
        )
        is None
    )
    # Nothing is queued for the erased person, and no conversation state is left.
    assert (
        await scalar(
            settings.database_url,
            select(func.count()).select_from(Outbox).where(Outbox.chat_id == 9601),
        )
        == 0
    )
    assert (
        await scalar(
            settings.database_url,
            select(func.count()).select_from(FsmRecord).where(FsmRecord.key.contains("9601")),
        )
        == 0
    )
    # /mydata now says there is nothing.
    amal.mark_read()
    await amal.command("mydata")
    nothing = await amal.next_message()
    assert nothing.document is None and "no data" in (nothing.text or "")
    assert bram is not None


async def test_a_person_asks_the_coordinator_to_change_their_pair(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coordinator = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coordinator.command("coord")
    await coordinator.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, _bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9701, "Amal", "en"), buddy=(9702, "Bram", "en")
    )
    await amal.command("start")
    await amal.wait_for(lambda m: "menu:pair" in buttons_data(m))
    await tap(amal, "menu:pair", expect="preq:")
    await tap(amal, "preq:end")
    notice = await coordinator.wait_for(lambda m: f"#{pair_id}" in (m.text or ""), timeout=10)
    assert "Amal" in (notice.text or "") and "end" in (notice.text or "")
    assert (
        await scalar(settings.database_url, select(Pair.status)) == "active"
    )  # the coordinator decides
