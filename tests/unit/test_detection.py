"""The language detector's own process: the same answers as the detector itself, never a
wait on the bot's event loop, and let go when idle or dead."""

from __future__ import annotations

import asyncio

import pytest

from domain.detection import DetectorProcess
from domain.langid import Detection, get_detector

TEXTS = [("привіт, як справи?", None), ("Hallo allemaal, hoe gaat het?", "nl"), ("ok", "ar")]


async def test_warms_up_off_the_loop_and_answers_as_the_detector_itself_does() -> None:
    detector = DetectorProcess()
    ticks = 0
    try:
        assert not detector.ready
        detector.warm_up()
        while not detector.ready:  # the models are built in the child meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
            assert ticks < 3000, "the detector never became ready"
        assert ticks > 5  # the loop kept running while they were built
        for text, prior in TEXTS:
            answer, expected = (
                await detector.detect(text, prior),
                get_detector().detect(text, prior),
            )
            assert (answer.language, answer.sure) == (expected.language, expected.sure), text
            assert answer.confidence == pytest.approx(expected.confidence), text
    finally:
        await detector.stop()


async def test_an_idle_child_is_replaced_and_a_dead_one_gives_the_buttons() -> None:
    detector = DetectorProcess(idle_seconds=0.3)
    try:
        assert (await detector.detect("Hallo allemaal, hoe gaat het?")).language == "nl"
        first = detector._process
        await asyncio.sleep(0.6)
        assert not detector.ready  # let go after the idle time
        assert first is not None and first.returncode is not None
        assert (await detector.detect("Hallo allemaal, hoe gaat het?")).language == "nl"
        process = detector._process
        assert process is not None and process is not first
        process.kill()  # dies with the next question on its way
        assert await detector.detect("привіт") == Detection(None, 0.0, False)  # buttons then
        assert process.returncode is not None
        assert not detector.ready  # the next question starts a new child
    finally:
        await detector.stop()


def test_the_idle_time_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings
    from domain.detection import IDLE_SECONDS, shared_detector

    monkeypatch.setenv("DETECTOR_IDLE_SECONDS", "42.5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    try:
        assert shared_detector(settings.detector_idle_seconds).idle_seconds == 42.5
        assert shared_detector().idle_seconds == 42.5  # the bot's one child, as set
    finally:
        shared_detector(IDLE_SECONDS)


@pytest.mark.parametrize("text", ["123", "?!", "👋🙂", "  "])
async def test_text_without_letters_is_unsure_at_once_without_starting_the_models(
    text: str,
) -> None:
    detector = DetectorProcess()
    loads = DetectorProcess.loads
    answer = await detector.detect(text)
    assert (answer.language, answer.sure) == (None, False)
    assert DetectorProcess.loads == loads and not detector.ready  # no child was started
