"""Plain and never stuck: defects found by simulating people end to end, each with the
test that would have caught it."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from emulator import Emulator
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, person, say, script_share, tap

NADIA_SENTENCE = "اسمي نادية وأنا من سوريا وأعيش في مولنبيك مع أطفالي الثلاثة"


async def test_a_whole_sentence_is_not_taken_for_a_first_name(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    nadia = emulator.user(6101, "N", "ar")
    await nadia.command("start")
    await nadia.wait_for(lambda m: "lang:ar:onb" in buttons_data(m))
    await tap(nadia, "lang:ar:onb")
    await tap(nadia, "consent:yes")
    await tap(nadia, "step:role:newcomer")
    answer = await say(nadia, NADIA_SENTENCE)
    assert script_share(answer.text or "", "ARABIC") > 0.5
    stored = await person(settings.database_url, nadia.id)
    assert stored is not None and stored.first_name is None
    await say(nadia, "نادية")
    stored = await person(settings.database_url, nadia.id)
    assert stored is not None and stored.first_name == "نادية"


async def test_a_coordinator_gets_their_own_titles_help_and_menu(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections: None
) -> None:
    from tests.conftest import COORDINATOR_ID
    from tests.e2e.helpers import seed_pair

    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, _bram, _pair = await seed_pair(settings.database_url, emulator)
    stored = await person(settings.database_url, amal.id)
    assert stored is not None
    await kim.press_data(f"co:nc:{stored.id}:0")
    card = await kim.wait_for(
        lambda m: "Amal" in (m.text or "") and "co:nt" in str(buttons_data(m))
    )
    assert "Your profile" not in (card.text or "") and "Amal" in (card.text or "").split("\n")[0]
    for send in (lambda: kim.command("help"), lambda: kim.send("hallo"), kim.send_voice):
        kim.mark_read()
        await send()
        answer = await kim.next_message()
        assert any(d.startswith("co:") for d in buttons_data(answer)), answer.text
        assert not any(d.startswith("menu:") for d in buttons_data(answer)), answer.text


@pytest.mark.parametrize("phone_language", ["am", "pt-BR", None])
async def test_an_unknown_phone_language_gets_the_picker_in_several_scripts(
    running_bot: RunningBot, emulator: Emulator, phone_language: str | None, no_rejections: None
) -> None:
    person_ = emulator.user(6201, "Selam", phone_language)
    await person_.send("ሰላም")
    picker = await person_.wait_for(lambda m: "lang:ar:onb" in buttons_data(m))
    header = (picker.text or "").split("\n")
    assert script_share(picker.text or "", "ARABIC") > 0.05
    assert any(script_share(line, "ETHIOPIC") > 0.5 for line in header)
    assert any(script_share(line, "LATIN") > 0.5 for line in header)
