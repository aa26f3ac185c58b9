"""Language detection for the running bot, in a process of its own.

The lingua models take about 350 MB and a second or two to build, and lingua holds
Python's global lock while it builds them: built inside the bot, they would stall every
conversation for that time and stay in its memory for good. So they live in a small
child process (`python -m domain.detection`), started when the bot first meets someone
whose language it does not know, and stopped after IDLE_SECONDS without a question.
The bot talks to it over a pipe, one JSON line each way, without ever blocking its event
loop. When the child is not there or not ready yet, callers that cannot wait get None
and ask the person with buttons instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from domain.langid import Detection

log = logging.getLogger(__name__)

IDLE_SECONDS = 15 * 60.0  # default: the models are let go after this long without a question
ANSWER_SECONDS = 30.0  # the first answer includes building the models
READY = "ready"


class DetectorProcess:
    """The child process that holds the language models; one per bot process."""

    loads = 0  # detector processes started in this process, ever

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._process: asyncio.subprocess.Process | None = None
        self._ready = False
        self._lock = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None
        self._stopping: asyncio.Task[None] | None = None  # kept: a task nobody holds may vanish
        self._warming: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """Whether the models are built, so an answer comes in milliseconds."""
        return self._ready and self._process is not None and self._process.returncode is None

    def warm_up(self) -> None:
        """Start the child in the background (nothing waits for it)."""
        if self._warming is None or self._warming.done():
            self._warming = asyncio.get_running_loop().create_task(self._warm())

    async def _warm(self) -> None:
        async with self._lock:
            try:
                await self._started()
            except Exception as error:  # the next question tries again
                log.warning("language detector did not start (%s)", type(error).__name__)
        self._rearm()

    async def detect(self, text: str, prior: str | None = None) -> Detection:
        """The language of `text` (see `domain.langid.LanguageDetector.detect`); unsure
        and without a language when the child cannot answer. Text without a letter
        ("123", "?", an emoji) tells no language: answered at once, without waiting for
        the models."""
        if not any(character.isalpha() for character in text):
            return Detection(None, 0.0, False)
        try:
            async with self._lock:
                process = await self._started()
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps([text, prior]).encode() + b"\n")
                await process.stdin.drain()
                line = await asyncio.wait_for(process.stdout.readline(), ANSWER_SECONDS)
            language, confidence, sure = json.loads(line)
            return Detection(language, float(confidence), bool(sure))
        except Exception as error:  # the person is asked with buttons instead
            log.warning("language detection unavailable (%s)", type(error).__name__)
            await self.stop()
            return Detection(None, 0.0, False)
        finally:
            self._rearm()

    async def _started(self) -> asyncio.subprocess.Process:
        if self._process is not None and self._process.returncode is None:
            return self._process
        self._ready = False
        DetectorProcess.loads += 1  # the models are built anew in the child: a metric
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "domain.detection",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), ANSWER_SECONDS)
        if line.decode().strip() != READY:
            raise RuntimeError("the language detector did not start")
        self._ready = True
        return process

    def _rearm(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(self.idle_seconds, self._stop_idle)

    def _stop_idle(self) -> None:
        self._stopping = asyncio.get_running_loop().create_task(self.stop())

    async def stop(self) -> None:
        """Let the models go (the next question starts the child again); waits for a
        question being answered."""
        async with self._lock:
            await self._stop()

    async def _stop(self) -> None:
        process, self._process, self._ready = self._process, None, False
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()


_shared: DetectorProcess | None = None


def shared_detector(idle_seconds: float | None = None) -> DetectorProcess:
    """This process's detector child (one is enough however many bots it runs); with
    `idle_seconds` (the DETECTOR_IDLE_SECONDS setting), how long it may stay unused."""
    global _shared
    if _shared is None:
        _shared = DetectorProcess()
    if idle_seconds is not None:
        _shared.idle_seconds = idle_seconds
    return _shared


def _serve() -> None:
    """The child: build the models, say so, then answer one line per question."""
    from domain.langid import get_detector

    detector = get_detector()
    print(READY, flush=True)
    for line in sys.stdin:
        text, prior = json.loads(line)
        found = detector.detect(text, prior)
        print(json.dumps([found.language, found.confidence, found.sure]), flush=True)


if __name__ == "__main__":
    _serve()
