"""Nobody has to type a command and no answer is a dead end: what a screen says one can
do has its button, and the end of something (a form left, a refusal, an old button)
comes with the way on."""

from __future__ import annotations

import json

from emulator import Emulator
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, menu, onboard, script_share, seed_pair, tap
from tests.e2e.test_meetups import plan


async def test_my_data_has_buttons_for_the_file_and_for_erasing(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    amal, _bram, _pair = await seed_pair(running_bot.settings.database_url, emulator)
    await menu(amal)
    await tap(amal, "menu:privacy")
    notice = await amal.wait_for(lambda m: "menu:mydata" in buttons_data(m))
    assert {"menu:mydata", "menu:forget", "menu:home"} <= set(buttons_data(notice))
    assert script_share(notice.text or "", "ARABIC") > 0.3

    await tap(amal, "menu:mydata")
    file = await amal.wait_for(lambda m: m.document is not None)
    assert file.document is not None
    assert json.loads(file.document.data)["profile"]["first_name"] == "Amal"

    await tap(amal, "menu:forget", expect="forget:yes")
    kept = await tap(amal, "forget:no")
    assert "menu:home" in buttons_data(kept)  # "Good, nothing was erased." and the way on


async def test_leaving_or_answering_a_meetup_comes_with_the_way_on(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    amal, bram, _pair = await seed_pair(running_bot.settings.database_url, emulator)
    # Amal opens the form and leaves it: "nothing was planned", and plan / menu.
    await amal.command("meetup")
    await amal.wait_for(lambda m: "meet:stop:0" in buttons_data(m))
    left = await tap(amal, "meet:stop:0")
    assert {"menu:meetup", "menu:home"} <= set(buttons_data(left))
    # She proposes; Bram cannot come then: he is told so, with plan / menu.
    await tap(amal, "menu:meetup")
    await plan(amal, "2026-03-07", "14:00", 60, "Muntpunt", 1)
    sent = amal.last  # "Sent! You will get a message when the other person answers."
    assert (sent.text or "").startswith("📨") and buttons_data(sent) == ["menu:home"]
    proposal = await bram.wait_for(
        lambda m: any(d.startswith("meet:decline:") for d in buttons_data(m))
    )
    declined = next(d for d in buttons_data(proposal) if d.startswith("meet:decline:"))
    bram.mark_read()
    await tap(bram, declined)
    answer = await bram.wait_for(lambda m: "menu:meetup" in buttons_data(m))
    assert "/meetup" in (answer.text or "")  # the command named, and its button under it


async def test_someone_unknown_gets_the_way_to_begin_not_a_command_to_type(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    stranger = emulator.user(9301, "Sami", "fr")
    # A person's command before they began: the way to begin.
    await stranger.command("meetup")
    said = await stranger.wait_for(lambda m: "menu:resume" in buttons_data(m))
    assert "/start" in (said.text or "")
    # An old menu's button (someone erased, or never known): an alert, then the way to begin.
    stranger.mark_read()
    await stranger.press_data("menu:pair")
    alert = await stranger.next_callback_answer()
    assert alert.show_alert and alert.text
    again = await stranger.next_message()
    assert buttons_data(again) == ["menu:resume"]
    begun = await tap(stranger, "menu:resume")
    assert any(d.startswith("lang:") for d in buttons_data(begun))


async def test_an_old_button_half_way_through_the_profile_asks_the_question_again(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    lena = emulator.user(9302, "Lena", "en")
    await lena.command("start")
    await lena.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    await tap(lena, "lang:en:onb")
    await tap(lena, "consent:yes")
    await tap(lena, "step:role:newcomer")
    question = await lena.wait_for(lambda m: True)  # "What is your first name?"
    lena.mark_read()
    await lena.press_data("old:feature:1")  # a button of a screen this version no longer has
    alert = await lena.next_callback_answer()
    assert alert.show_alert and alert.text
    again = await lena.next_message()
    assert again.text == question.text


async def test_a_finished_profile_still_has_a_way_on_from_every_end(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    """The hours screen without a proof yet: noting hours and the menu are one tap away."""
    amal, _bram, _pair = await seed_pair(running_bot.settings.database_url, emulator)
    await menu(amal)
    hours = await tap(amal, "menu:progress")
    assert {"menu:log", "menu:home"} <= set(buttons_data(hours))
    lena = emulator.user(9303, "Lena", "en")
    await onboard(lena, language="en", name="Lena")
    await tap(lena, "menu:privacy")
    notice = await lena.wait_for(lambda m: "menu:mydata" in buttons_data(m))
    assert "menu:home" in buttons_data(notice)
