"""🔊 for people who read little: a coordinator's recording where one exists, else the
message read aloud offline (espeak-ng, OGG/Opus), and no button where neither exists."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from domain.speech import Synthesiser
from emulator import Emulator
from handlers import voice_buttons
from storage.models import AuditLog, VoiceRecording
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, scalar, tap

SYNTHESIS = Synthesiser.from_system()
needs_espeak = pytest.mark.skipif(
    not SYNTHESIS.installed, reason="espeak-ng or opusenc is not installed (CI installs both)"
)


@needs_espeak
async def test_the_welcome_and_consent_are_read_aloud_where_nothing_is_recorded(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    amal = emulator.user(6301, "Amal", "ar")
    await amal.command("start")
    await amal.wait_for(lambda m: "say:welcome" in buttons_data(m))
    await tap(amal, "say:welcome", expect=None)
    spoken = await amal.wait_for(lambda m: m.kind == "voice", timeout=20)
    assert spoken.voice is not None and spoken.voice["mime_type"] == "audio/ogg"
    consent = await tap(amal, "lang:ar:onb", expect="consent:")
    assert "say:consent" in buttons_data(consent)
    amal.mark_read()
    await amal.press_data("say:consent", message=consent)
    assert (await amal.wait_for(lambda m: m.kind == "voice", timeout=20)).voice is not None


async def test_a_coordinators_recording_plays_and_no_button_shows_without_a_voice(
    running_bot: RunningBot,
    emulator: Emulator,
    settings,
    no_rejections: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No espeak-ng here (and none speaks Tigrinya anyway): only recordings can be heard.
    monkeypatch.setattr(voice_buttons, "SPEECH", Synthesiser(espeak=None, encoder=None))
    selam = emulator.user(6302, "Selam", "ti")
    await selam.command("start")
    welcome = await selam.wait_for(lambda m: "lang:ti:onb" in buttons_data(m))
    assert not any(d.startswith("say:") for d in buttons_data(welcome))
    # An old 🔊 button (the language changed since): said so in the chat, nothing read.
    selam.mark_read()
    await selam.press_data("say:welcome", message=welcome)
    refusal = await selam.wait_for(lambda m: "🔇" in (m.text or ""))
    assert refusal.kind == "text"

    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: "vx:home::" in buttons_data(m))
    await tap(kim, "vx:home::", expect="vx:lang:ti:")
    await tap(kim, "vx:lang:ti:", expect="vx:msg:ti:welcome")
    assert "✖" in str(kim.last.inline_keyboard)
    await tap(kim, "vx:msg:ti:welcome", expect="vx:lang:ti:")
    kim.mark_read()
    await kim.send_voice(4)
    await kim.wait_for(lambda m: "vx:msg:ti:welcome" in buttons_data(m))
    file_id = await scalar(
        settings.database_url,
        select(VoiceRecording.file_id).where(
            VoiceRecording.message_key == "welcome", VoiceRecording.locale == "ti"
        ),
    )
    assert file_id and file_id.startswith("voice-")
    assert await scalar(
        settings.database_url, select(AuditLog.id).where(AuditLog.action == "voice.recorded")
    )

    # Now a Tigrinya newcomer sees 🔊 and hears the coordinator's voice note.
    hagos = emulator.user(6303, "Hagos", "ti")
    await hagos.command("start")
    await hagos.wait_for(lambda m: "say:welcome" in buttons_data(m))
    await tap(hagos, "say:welcome", expect=None)
    heard = await hagos.wait_for(lambda m: m.kind == "voice")
    assert heard.voice is not None and heard.voice["file_id"] == file_id

    # The recorder finds it in /mydata; deleting it hides the button again.
    await kim.command("mydata")
    exported = await kim.wait_for(lambda m: m.document is not None)
    assert exported.document is not None
    recordings = json.loads(exported.document.data)["voice_recordings"]
    assert recordings == [
        {"message": "welcome", "language": "ti", "recorded_at": recordings[0]["recorded_at"]}
    ]
    await kim.command("voices")
    await kim.wait_for(lambda m: "vx:lang:ti:" in buttons_data(m))
    await tap(kim, "vx:lang:ti:", expect="vx:msg:ti:welcome")
    await tap(kim, "vx:msg:ti:welcome", expect="vx:del:ti:welcome")
    await tap(kim, "vx:del:ti:welcome", expect="vx:msg:ti:welcome")
    tesfay = emulator.user(6304, "Tesfay", "ti")
    await tesfay.command("start")
    again = await tesfay.wait_for(lambda m: "lang:ti:onb" in buttons_data(m))
    assert not any(d.startswith("say:") for d in buttons_data(again))


async def test_voices_is_for_coordinators_only(
    running_bot: RunningBot, emulator: Emulator, no_rejections: None
) -> None:
    from tests.e2e.helpers import onboard

    amal = emulator.user(6305, "Amal", "en")
    await onboard(amal, language="en")
    amal.mark_read()
    await amal.command("voices")
    answer = await amal.next_message()
    assert not any(d.startswith("vx:") for d in buttons_data(answer))
    amal.mark_read()
    await amal.press_data("vx:lang:ti:")
    await amal.wait_for(lambda _m: True)
    assert amal.callback_answers[-1].text  # refused with a reason, never silent


async def test_a_voice_note_long_after_choosing_a_message_does_not_replace_it(
    running_bot: RunningBot,
    emulator: Emulator,
    settings,
    clock,
    no_rejections: None,
) -> None:
    from datetime import timedelta

    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("voices")
    await kim.wait_for(lambda m: "vx:lang:fr:" in buttons_data(m))
    await tap(kim, "vx:lang:fr:", expect="vx:msg:fr:consent")
    await tap(kim, "vx:msg:fr:consent", expect="vx:lang:fr:")
    clock.set(clock.now() + timedelta(minutes=20))
    kim.mark_read()
    await kim.send_voice(3)
    answer = await kim.wait_for(lambda m: "vx:home::" in buttons_data(m))
    assert "🎙" in (answer.text or "")
    assert await scalar(settings.database_url, select(VoiceRecording.id)) is None
