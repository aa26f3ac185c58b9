"""Notices are rendered without the database: whether a coordinator recorded their voice
is asked when they are queued, so the 🔊 button shows where only a recording speaks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain import voices
from domain.speech import Synthesiser
from domain.voices import VoiceKey
from handlers import voice_buttons
from handlers.i18n import create_i18n
from handlers.meetup_notices import reminder
from tests.domain.conftest import World, accepted_meetup


def _listen(params: dict[str, Any], compiled: Path) -> list[str]:
    """The 🔊 buttons of the reminder rendered from these params, in English."""
    i18n = create_i18n(compiled, "nl")
    with i18n.context(), i18n.use_locale("en"):
        markup = reminder(params, "en").reply_markup
    rows = markup.inline_keyboard if markup is not None else []
    data = [str(button.callback_data or "") for row in rows for button in row]
    return [d for d in data if d.startswith("say:")]


async def test_a_recorded_reminder_gets_its_listen_button_without_an_offline_voice(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(voice_buttons, "SPEECH", Synthesiser(espeak=None, encoder=None))
    kim = await world.coordinator()
    duo = await world.duo()
    first = await accepted_meetup(world, duo, world.clock.now() + timedelta(days=3))
    before = [r for r in await world.outbox("meetup.reminder") if r.params["meetup_id"] == first]
    assert before and not any(r.params["voice"] for r in before)
    assert _listen(before[0].params, tmp_path) == []  # nothing to play: no button

    await world.act(
        kim.id,
        lambda uow, me: voices.record(
            uow, me, VoiceKey.REMINDER.value, "en", "voice-file-1", 3, world.clock.now()
        ),
    )
    second = await accepted_meetup(world, duo, world.clock.now() + timedelta(days=5))
    after = [r for r in await world.outbox("meetup.reminder") if r.params["meetup_id"] == second]
    assert after and all(r.params["voice"] for r in after)
    assert _listen(after[0].params, tmp_path) == ["say:reminder"]
