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


@pytest.mark.parametrize("phone_language", ["de", "sw-KE", None])  # none offered
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


async def test_language_in_the_middle_of_onboarding_asks_the_pending_question_again(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    amal = emulator.user(6401, "Amal", "en")
    await amal.command("start")
    await amal.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
    await tap(amal, "lang:en:onb")
    await tap(amal, "consent:yes")
    await tap(amal, "step:role:newcomer")
    await say(amal, "Amal")
    await amal.wait_for(
        lambda m: "step:municipality:_stop" in buttons_data(m), include_earlier=True
    )
    await amal.command("language")
    await amal.wait_for(lambda m: "lang:ar:menu" in buttons_data(m))
    await tap(amal, "lang:ar:menu", expect="step:municipality:")
    question = amal.last
    assert "step:municipality:_stop" in buttons_data(question)
    assert script_share(question.text or "", "ARABIC") > 0.5
    confirmed = [m for m in amal.messages if "✅" in (m.text or "")]
    assert confirmed and script_share(confirmed[-1].text or "", "ARABIC") > 0.3


@pytest.mark.parametrize("who", ["stranger", "half-way", "member"])
async def test_help_is_buttons_for_what_the_person_can_do_now(
    running_bot: RunningBot, emulator: Emulator, who: str, no_rejections: None
) -> None:
    from tests.e2e.helpers import onboard

    person_ = emulator.user(6501, "Bram", "en")
    if who == "half-way":
        await person_.command("start")
        await person_.wait_for(lambda m: "lang:en:onb" in buttons_data(m))
        await tap(person_, "lang:en:onb")
        await tap(person_, "consent:yes")
    elif who == "member":
        await onboard(person_, language="en", role="buddy", name="Bram")
    person_.mark_read()
    await person_.command("help")
    shown = await person_.next_message()
    assert "/" not in (shown.text or ""), shown.text  # no command to type
    data = buttons_data(shown)
    assert len(data) >= 2
    if who == "member":
        assert {"menu:profile", "menu:language", "menu:privacy", "menu:home"} <= set(data)
        assert any(d.startswith("hp:") for d in data)  # a coordinator is one tap away
        return
    await tap(person_, "menu:resume", expect="step:" if who == "half-way" else "lang:")


async def test_stop_and_not_now_leave_a_button_to_go_on(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    amal = emulator.user(6601, "Amal", "nl")
    await amal.command("start")
    await amal.wait_for(lambda m: "lang:nl:onb" in buttons_data(m))
    await tap(amal, "lang:nl:onb")
    stopped = await tap(amal, "consent:no")
    assert "menu:resume" in buttons_data(stopped)
    await tap(amal, "menu:resume", expect="lang:")
    await tap(amal, "lang:nl:onb")
    await tap(amal, "consent:yes")
    paused = await tap(amal, "step:role:_stop")
    assert "menu:resume" in buttons_data(paused)
    await tap(amal, "menu:resume", expect="step:role:")


async def test_an_arabic_newcomer_reaches_the_menu_in_few_taps(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    """One answer per question, counted as a person would: taps, and messages typed."""
    amal = emulator.user(6701, "Amal", "ar")
    taps, typed, taps_to_summary = 0, 1, -1
    await amal.command("start")
    screen = await amal.wait_for(lambda m: "lang:ar:onb" in buttons_data(m))
    while "menu:profile" not in buttons_data(screen):
        data = buttons_data(screen)
        if "step:name:_stop" in data:
            screen = await say(amal, "أمل")
            typed += 1
            continue
        ticked = any(b["text"].startswith("✅") for row in screen.inline_keyboard for b in row)
        if "sum:confirm:" in data:
            taps_to_summary, choice = taps, "sum:confirm:"
        elif ticked and any(d.endswith(":_done") for d in data):
            choice = next(d for d in data if d.endswith(":_done"))
        else:
            choice = next(
                d
                for d in data
                if d in ("lang:ar:onb", "consent:yes") or (d.startswith("step:") and ":_" not in d)
            )
        screen = await tap(amal, choice, expect="")
        taps += 1
    # The count for today's flow is 12 taps to the summary: never more. From /start
    # to the menu that is one more tap (confirm), and two typed messages (/start, the name).
    assert 0 < taps_to_summary <= 12, taps_to_summary
    assert (taps, typed) == (taps_to_summary + 1, 2)


async def test_the_second_partner_confirms_the_hours_instead_of_noting_them_again(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock,
    no_rejections: None,
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from storage.models import HourEntry
    from tests.e2e.helpers import scalar, seed_pair
    from tests.e2e.test_meetups import accepted_meetup, deliver

    amal, sofie, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(6801, "Amal", "nl"), buddy=(6802, "Sofie", "nl")
    )
    meetup_id = await accepted_meetup(amal, sofie, "2026-03-07", "14:00", minutes=120)
    clock.set(datetime(2026, 3, 7, 16, 30, tzinfo=UTC))
    await deliver(running_bot)
    asked = f"hrs:yes:{meetup_id}:0"
    await amal.wait_for(lambda m: asked in buttons_data(m), timeout=10)
    sofie_ask = await sofie.wait_for(lambda m: asked in buttons_data(m), timeout=10)
    await tap(amal, asked, expect="pick|adj")
    await tap(amal, "pick|dur|120|hrs")
    await sofie.wait_for(lambda m: "hrs:ok:" in " ".join(buttons_data(m)), timeout=10)
    # Sofie answers her own, older "did it take place?": she is asked to confirm Amal's hours.
    sofie.mark_read()
    await sofie.press_data(asked, message=sofie_ask)
    offer = await sofie.wait_for(lambda m: "hrs:ok:" in " ".join(buttons_data(m)))
    assert not any(d.startswith("pick|") for d in buttons_data(offer))
    assert "Amal" in (offer.text or "")
    entry = next(d for d in buttons_data(offer) if d.startswith("hrs:ok:"))
    sofie.mark_read()
    await tap(sofie, entry)
    assert await scalar(settings.database_url, select(HourEntry.status)) == "confirmed"
    said = " ".join((m.text or "") for m in sofie.messages[-3:])
    said += " ".join(a.text or "" for a in sofie.callback_answers)
    assert "andere uren" not in said and "different hours" not in said
