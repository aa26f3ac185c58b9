"""Onboarding end to end: the real bot over HTTP against the emulator, a real database."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from domain.detection import ANSWER_SECONDS
from emulator import Emulator
from storage.models import FsmRecord, User
from tests.conftest import RunningBot
from tests.e2e.helpers import (
    buttons_data,
    latest_with_keyboard,
    onboard,
    person,
    say,
    scalar,
    script_share,
    seed_pair,
    tap,
)


async def test_arabic_newcomer_completes_onboarding(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal = emulator.user(1001, "Amal", "ar")
    home = await onboard(amal, language="ar", name="Amal")
    long_texts = [m.text or "" for m in amal.messages if len(m.text or "") > 20]
    assert long_texts and all(script_share(t, "ARABIC") > 0.5 for t in long_texts), long_texts
    stored = await person(settings.database_url, 1001)
    assert stored is not None
    assert (stored.role, stored.status, stored.contact_language) == ("newcomer", "waiting", "ar")
    assert stored.first_name == "Amal"
    assert stored.municipality == "21015"
    assert sorted(stored.languages) == ["ar", "fr"]
    assert sorted(stored.interests) == ["dutch_practice", "sport"]
    assert stored.availability == ["weekend"]
    assert stored.gender_preference == "none"
    assert stored.consent_at is not None and stored.waiting_since is not None
    # Place 1 on the waiting list, the number isolated so it reads right in Arabic.
    assert "\u20681\u2069" in (home.text or "")


async def test_dutch_buddy_from_a_deep_link(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    newcomer = emulator.user(1101, "Olena", "uk")
    await onboard(newcomer, language="uk", name="Olena", languages=("uk", "ru"))
    bram = emulator.user(1102, "Bram", "nl")
    home = await onboard(
        bram,
        language="nl",
        role=None,  # the deep link said "buddy": the role question is skipped
        name="Bram",
        municipality="21004",
        languages=("nl", "fr", "en"),
        gender="man",
        capacity="2",
        start_args="bd-flyer",
    )
    assert "buddy" in (home.text or "").lower()
    assert "1" in (home.text or "")  # one newcomer is waiting
    assert "Bedankt" in (home.text or "")  # Dutch
    stored = await person(settings.database_url, 1102)
    assert stored is not None
    assert (stored.role, stored.recruited_via, stored.capacity, stored.gender) == (
        "buddy",
        "flyer",
        2,
        "man",
    )
    assert not any("step:role:" in d for m in bram.messages for d in buttons_data(m))


async def test_newcomer_without_language_code_types_ukrainian(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1201, "Oksana", None)
    await user.command("start")
    picker = await user.next_message()
    assert "lang:uk:onb" in buttons_data(picker)  # unsure: the picker of endonyms
    assert "Українська" in [b["text"] for r in picker.inline_keyboard for b in r]
    # The first words typed after a start wait for the detector's models to be built
    # (started at /start): seconds on two busy cores, up to domain.detection's limit.
    answer = await say(user, "Привіт, я хочу знайти друга в Брюсселі", timeout=ANSWER_SECONDS)
    assert "lang:uk:onb" in buttons_data(answer)
    assert script_share(answer.text or "", "CYRILLIC") > 0.5, answer.text
    await tap(user, "lang:uk:onb")
    consent = user.last
    assert script_share(consent.text or "", "CYRILLIC") > 0.5
    await tap(user, "consent:yes")
    stored = await person(settings.database_url, 1201)
    assert stored is not None and stored.contact_language == "uk"


async def test_deep_link_records_channel_and_role(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1301, "Samir", "fr")
    await onboard(user, language="fr", role=None, name="Samir", start_args="nc-bon")
    stored = await person(settings.database_url, 1301)
    assert stored is not None
    assert (stored.role, stored.recruited_via, stored.contact_language) == ("newcomer", "bon", "fr")


async def test_not_now_at_consent_keeps_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1401, "Dawit", "ti")
    await user.command("start", "nc-bon")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:ti:onb")
    reply = await tap(user, "consent:no")
    assert "/start" in (reply.text or "")
    assert script_share(reply.text or "", "ETHIOPIC") > 0.5, reply.text
    assert await person(settings.database_url, 1401) is None
    fsm_rows = await scalar(
        settings.database_url,
        select(func.count()).select_from(FsmRecord).where(FsmRecord.key.contains("1401")),
    )
    assert fsm_rows == 0


async def test_restart_halfway_resumes_at_the_same_step(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1501, "Maria", "es")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:es:onb")
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")
    await say(user, "María")
    await tap(user, "step:municipality:21001")
    await tap(user, "step:languages:en")  # Spanish, the contact language, is ticked already
    await running_bot.restart()
    # The same keyboard still works after the restart: the state was persisted.
    await tap(user, "step:languages:fr")
    after = await tap(user, "step:languages:_done")
    assert any(d.startswith("step:interests:") for d in buttons_data(after))
    stored = await person(settings.database_url, 1501)
    assert stored is not None
    assert stored.first_name == "María"
    assert sorted(stored.languages) == ["en", "es", "fr"]


async def test_second_start_shows_profile_and_menu(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1601, "Amal", "en")
    await onboard(user, language="en", name="Amal")
    await user.command("start")
    home = await user.wait_for(lambda m: "menu:profile" in buttons_data(m))
    assert "menu:profile" in buttons_data(home)
    count = await scalar(
        settings.database_url,
        select(func.count()).select_from(User).where(User.telegram_id == 1601),
    )
    assert count == 1


NAME_ERRORS = [
    ("", "first name"),
    ("x" * 500, "just your first name"),
    ("my name is Nadia and I live in Molenbeek", "just your first name"),
    ("https://spam.example", "links"),
    ("@someone", "links"),
    ("R2D2", "letters"),
]


async def test_bad_names_are_refused_in_the_persons_language(
    running_bot: RunningBot, emulator: Emulator, settings
) -> None:
    user = emulator.user(1701, "Test", "en")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:en:onb")
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")
    for name, expected in NAME_ERRORS:
        answer = await say(user, name or "   ")
        assert expected in (answer.text or "").lower(), (name, answer.text)
        stored = await person(settings.database_url, 1701)
        assert stored is not None and stored.first_name is None, name


async def test_bad_input_at_every_step_changes_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1801, "Ahmad", "fa")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    # Text instead of a button at the language step: asked again, in Persian or the picker.
    await say(user, "123")
    await tap(user, "lang:fa:onb")
    consent = user.last
    reply = await say(user, "hello?")
    assert reply.text == consent.text  # the consent notice again, nothing stored
    assert await person(settings.database_url, 1801) is None
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")
    await say(user, "Ahmad")
    # Text where buttons are expected: a gentle re-prompt with the buttons again.
    reprompt = await say(user, "Schaerbeek please")
    assert any(d.startswith("step:municipality:") for d in buttons_data(reprompt))
    assert script_share(reprompt.text or "", "ARABIC") > 0.5  # Persian uses Arabic script
    # A forged value for this step.
    user.mark_read()
    await user.press_data("step:municipality:99999")
    answer = await user.next_callback_answer()
    assert answer.text
    # A forged step that is not the current one (a stale button).
    await user.press_data("step:capacity:3")
    stale = await user.next_callback_answer()
    assert stale.text
    # Garbage that no handler knows.
    await user.press_data("totally:bogus:data")
    bogus = await user.next_callback_answer()
    assert bogus.text
    stored = await person(settings.database_url, 1801)
    assert stored is not None
    assert stored.municipality is None and stored.capacity is None
    # Multi-select "Done" with nothing chosen is refused (the contact language comes
    # ticked: untick it first).
    await tap(user, "step:municipality:21015")
    await tap(user, "step:languages:fa")
    user.mark_read()
    await user.press_data("step:languages:_done")
    need_one = await user.next_callback_answer()
    assert need_one.text and need_one.show_alert
    assert latest_with_keyboard(user) is not None


async def test_stale_button_from_an_old_message(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1901, "Ana", "ro")
    await user.command("start")
    first = await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:ro:onb")
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")
    # The role step's message was edited into the next question; pressing an old consent
    # payload now is stale and changes nothing.
    user.mark_read()
    await user.press_data("consent:no", message=first)
    answer = await user.next_callback_answer()
    assert answer.text
    stored = await person(settings.database_url, 1901)
    assert stored is not None and stored.role == "newcomer"


async def test_back_and_stop(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(2001, "Lea", "en")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:en:onb")
    await tap(user, "consent:yes")
    await tap(user, "step:role:newcomer")
    await say(user, "Lea")
    back = await tap(user, "step:municipality:_back")
    assert "first name" in (back.text or "").lower()
    stopped = await tap(user, "step:name:_stop")
    assert "/start" in (stopped.text or "")
    resumed = await say(user, "/start")
    assert any(d.startswith("step:municipality:") for d in buttons_data(resumed))


async def test_someone_new_who_writes_anything_is_greeted_without_typing_a_command(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(5601, "Nour", "en")
    await user.send("hello, I want a buddy")
    greeting = await user.wait_for(lambda m: bool(m.inline_keyboard))
    assert "lang:en:onb" in buttons_data(greeting)


async def test_after_stop_for_now_any_message_brings_the_question_back(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(5602, "Nour", "en")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    await tap(user, "lang:en:onb")
    await tap(user, "consent:yes")
    question = await tap(user, "step:role:newcomer")
    stop = next(d for d in buttons_data(question) if d.endswith(":_stop"))
    await tap(user, stop)
    user.mark_read()
    await user.send("hi again")
    again = await user.wait_for(lambda m: any(d.startswith("step:") for d in buttons_data(m)))
    assert stop in buttons_data(again)  # the same question, where they stopped


async def test_a_persian_name_with_its_joiner_and_a_direction_mark_is_taken(
    running_bot: RunningBot, emulator: Emulator, settings
) -> None:
    # Persian keyboards put a zero-width non-joiner inside "علی‌رضا"; some keyboards add an
    # invisible right-to-left mark. The person typed letters only: the name is taken,
    # the joiner kept, the mark dropped.
    ali = emulator.user(1090, "Ali", "fa")
    await onboard(ali, language="fa", name="\u200fعلی\u200cرضا")
    stored = await person(settings.database_url, 1090)
    assert stored is not None and stored.first_name == "علی\u200cرضا"


async def test_a_buddy_in_a_pair_is_welcomed_back_not_told_to_wait(
    running_bot: RunningBot, emulator: Emulator, settings
) -> None:
    _amal, bram, _pair = await seed_pair(
        settings.database_url, emulator, buddy=(8102, "Bram", "en"), newcomer=(8101, "Amal", "en")
    )
    await bram.command("start")
    home = await bram.wait_for(lambda m: bool(m.inline_keyboard))
    assert "You have a buddy pair" in (home.text or ""), home.text
    assert "waiting for a buddy" not in (home.text or "")


async def test_a_forwarded_message_does_not_choose_the_language(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    # Someone else's words say nothing of the person's own language: an Arabic phone
    # that forwards an English text at the welcome keeps Arabic and gets the picker.
    nour = emulator.user(1091, "Nour", "ar")
    await nour.command("start")
    await nour.wait_for(lambda m: bool(m.inline_keyboard))
    await nour.forward("Hello! See you tomorrow at the library, I will bring the books.")
    picker = await nour.wait_for(lambda m: len(buttons_data(m)) > 3)
    assert "lang:en:onb" in buttons_data(picker) and "lang:ar:onb" in buttons_data(picker)
    assert script_share(picker.text or "", "ARABIC") > 0.5, picker.text


async def test_a_double_tap_on_a_menu_button_shows_its_screen_once(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    # A slow connection, an impatient thumb: two presses of "My profile" at once are
    # both answered, and the profile comes once. A press a moment later opens it again.
    rana = emulator.user(1092, "Rana", "en")
    home = await onboard(rana, language="en", name="Rana")
    label = next(
        b["text"]
        for row in home.inline_keyboard
        for b in row
        if b["callback_data"] == "menu:profile"
    )
    answered = len(rana.callback_answers)
    before = len(rana.messages)
    await asyncio.gather(rana.press(label, message=home), rana.press(label, message=home))
    await rana.wait_for(lambda m: "menu:profile" not in buttons_data(m) and bool(m.text))
    for _ in range(50):  # both presses answered (the second one only answered)
        if len(rana.callback_answers) >= answered + 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # time for a second screen, were one coming
    assert len(rana.callback_answers) == answered + 2
    assert len(rana.messages) == before + 1, [m.text for m in rana.messages[before:]]


async def test_the_confirmed_summary_stays_as_a_record_without_its_question(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    lena = emulator.user(1091, "Lena", "en")
    await onboard(lena, language="en", name="Lena")
    summaries = [m for m in lena.messages if (m.text or "").startswith("Your profile")]
    assert len(summaries) == 1
    record = summaries[0]
    assert "Lena" in (record.text or "") and "Is everything right" not in (record.text or "")
    assert not record.inline_keyboard


async def test_a_name_corrected_with_edit_is_taken_and_other_edits_change_nothing(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    """Telegram's "Edit" on the message that gave the first name, a step later: the
    profile takes the new spelling and the question where the person is comes again."""
    amal = emulator.user(1092, "Amal", "ar")
    started = await amal.command("start")
    await amal.wait_for(lambda m: "lang:ar:onb" in buttons_data(m))
    await tap(amal, "lang:ar:onb")
    await tap(amal, "consent:yes")
    await tap(amal, "step:role:newcomer")
    named = await amal.send("Amla")
    await amal.wait_for(lambda m: any(d.startswith("step:municipality:") for d in buttons_data(m)))
    amal.mark_read()
    await amal.edit(named, "Amal")
    again = await amal.next_message()
    assert "Amal" in (again.text or "") and again.text.startswith("✅")
    assert any(d.startswith("step:municipality:") for d in buttons_data(again))
    stored = await person(settings.database_url, 1092)
    assert stored is not None and stored.first_name == "Amal"
    # A bad spelling in an edit is refused, and changes nothing.
    amal.mark_read()
    await amal.edit(named, "12345")
    refused = await amal.next_message()
    assert refused.text and script_share(refused.text, "ARABIC") > 0.3
    stored = await person(settings.database_url, 1092)
    assert stored is not None and stored.first_name == "Amal"
    # Editing another message (the /start) changes nothing and says nothing: the next
    # answer is the one to the next tap.
    amal.mark_read()
    await amal.edit(started, "/start hello")
    following = await tap(amal, "step:municipality:21015")
    assert any(d.startswith("step:languages:") for d in buttons_data(following))
    stored = await person(settings.database_url, 1092)
    assert stored is not None and stored.first_name == "Amal"
