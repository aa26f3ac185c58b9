"""The language detector's own process: the same answers as the detector itself, never a
wait on the bot's event loop, and let go when idle or dead."""

from __future__ import annotations

import asyncio

import pytest

from domain.detection import DetectorProcess
from domain.langid import Detection, get_detector

TEXTS = [("привіт, як справи?", None), ("Hallo allemaal, hoe gaat het?", "nl"), ("ok", "ar")]


async def test_answers_as_the_detector_itself_does() -> None:
    detector = DetectorProcess()
    try:
        assert not detector.ready
        for text, prior in TEXTS:
            answer, expected = (
                await detector.detect(text, prior),
                get_detector().detect(text, prior),
            )
            assert (answer.language, answer.sure) == (expected.language, expected.sure), text
            assert answer.confidence == pytest.approx(expected.confidence), text
        assert detector.ready
    finally:
        await detector.stop()


async def test_warming_up_leaves_the_event_loop_free() -> None:
    detector = DetectorProcess()
    ticks = 0
    try:
        detector.warm_up()
        while not detector.ready:  # the models are built in the child meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
            assert ticks < 3000, "the detector never became ready"
        assert ticks > 5  # the loop kept running while they were built
        assert (await detector.detect("привіт", None)).language == "uk"
    finally:
        await detector.stop()


async def test_an_idle_or_dead_child_is_replaced_by_a_new_one() -> None:
    detector = DetectorProcess(idle_seconds=0.3)
    try:
        assert (await detector.detect("Hallo allemaal, hoe gaat het?")).language == "nl"
        await asyncio.sleep(0.6)
        assert not detector.ready  # let go after the idle time
        assert (await detector.detect("Hallo allemaal, hoe gaat het?")).language == "nl"
        process = detector._process
        assert process is not None
        process.kill()  # dies with the next question on its way
        assert await detector.detect("привіт") == Detection(None, 0.0, False)  # buttons then
        assert process.returncode is not None
        assert (await detector.detect("привіт, як справи?")).language == "uk"
    finally:
        await detector.stop()
