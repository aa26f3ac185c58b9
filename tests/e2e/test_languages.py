"""The language registry through the real stack: only offered languages are offered,
and people may say they speak any registered language (matching uses it). Issue 15's
languages, Dari among them: tests/e2e/test_new_languages.py."""

from __future__ import annotations

from domain.langid import SUPPORTED_LANGUAGES
from emulator import Emulator
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, onboard, person


async def test_a_phone_in_a_language_not_offered_gets_the_picker_of_offered_ones(
    running_bot: RunningBot, emulator: Emulator, no_rejections
) -> None:
    user = emulator.user(1501, "Jonas", "de")  # German: not a contact language
    await user.command("start")
    picker = await user.next_message()
    offered = {d.split(":")[1] for d in buttons_data(picker) if d.startswith("lang:")}
    assert offered == set(SUPPORTED_LANGUAGES)
    texts = [b["text"] for row in picker.inline_keyboard for b in row]
    assert "Deutsch" not in texts and "فارسی" in texts and "ትግርኛ" in texts


async def test_a_newcomer_may_say_they_speak_lingala(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(1503, "Grace", "fr")
    await onboard(user, language="fr", name="Grace", languages=("fr", "ln"))
    stored = await person(settings.database_url, 1503)
    assert stored is not None and set(stored.languages) == {"fr", "ln"}
