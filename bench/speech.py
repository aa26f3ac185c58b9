"""The 🔊 button's offline speech: how long espeak-ng + opusenc take per language, and how
long the event loop is held meanwhile, against running the same programs the blocking
way (subprocess.run on the loop), measured in the same run.

    python bench/speech.py [--repeats 3] [--parallel 4]

Each language reads a key message of about 30 words (the consent's first paragraph, in
English: the voice decides the sounds, not the words). `--parallel` syntheses run at the
same time, as when several people tap 🔊 together; a loop-lag probe (a task that sleeps
10 ms and records how late it wakes) runs throughout. Without espeak-ng or opusenc the
summary says installed=0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import LagProbe, median, percentile, summary_line  # noqa: E402
from domain.speech import ESPEAK_VOICES, Synthesiser  # noqa: E402

TEXT = (
    "I will ask a few short questions: your first name, where you live, your languages, "
    "what you like to do and when you are free. Only the coordinators see your answers."
)


class SlowCallbacks(logging.Handler):
    """asyncio's debug mode reports every callback that held the loop longer than
    `slow_callback_duration`; this keeps the longest. Unlike the lag probe, it does not
    count the time the whole process waited for a CPU on a busy machine."""

    def __init__(self) -> None:
        super().__init__()
        self.longest = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"took ([0-9.]+) seconds", record.getMessage())
        if found:
            self.longest = max(self.longest, float(found.group(1)))

    def __enter__(self) -> SlowCallbacks:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = 0.005
        logging.getLogger("asyncio").addHandler(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.get_running_loop().set_debug(False)
        logging.getLogger("asyncio").removeHandler(self)

    @property
    def longest_ms(self) -> float:
        return self.longest * 1000


def blocking(synthesiser: Synthesiser, locale: str) -> bytes:
    """The baseline: the same two programs, run the simple way, on the loop's thread."""
    assert synthesiser.espeak and synthesiser.encoder
    wave = subprocess.run(
        [synthesiser.espeak, "-v", ESPEAK_VOICES[locale], "--stdout"],
        input=TEXT.encode(),
        capture_output=True,
        check=True,
    ).stdout
    return subprocess.run(
        [synthesiser.encoder, "--quiet", "-", "-"], input=wave, capture_output=True, check=True
    ).stdout


async def run(repeats: int, parallel: int) -> None:
    synthesiser = Synthesiser.from_system()
    if not synthesiser.installed:
        print("espeak-ng or opusenc is not installed")
        print(summary_line("speech", {"installed": 0}))
        return
    locales = list(ESPEAK_VOICES)
    timings: dict[str, list[float]] = {code: [] for code in locales}
    sizes: dict[str, int] = {}
    slots = asyncio.Semaphore(parallel)

    async def one(code: str) -> None:
        async with slots:
            started = time.perf_counter()
            ogg = await synthesiser.speak(TEXT, code)
            timings[code].append((time.perf_counter() - started) * 1000)
            sizes[code] = len(ogg)

    with LagProbe() as idle:  # the machine's own noise: nothing runs but the probe
        await asyncio.sleep(2)
    with LagProbe() as ours, SlowCallbacks() as ours_held:
        for _ in range(repeats):
            await asyncio.gather(*(one(code) for code in locales))
    with LagProbe() as baseline, SlowCallbacks() as baseline_held:
        await asyncio.sleep(0.05)
        for code in locales:
            blocking(synthesiser, code)
            await asyncio.sleep(0.02)  # let the probe see each one
    print(f"{'language':<9}{'median ms':>10}{'worst ms':>10}{'OGG kB':>8}")
    for code in locales:
        print(
            f"{code:<9}{median(timings[code]):>10.0f}{max(timings[code]):>10.0f}"
            f"{sizes[code] / 1024:>8.1f}"
        )
    every = [value for values in timings.values() for value in values]
    print(
        f"longest the event loop was held: {ours_held.longest_ms:.1f} ms (asyncio "
        f"subprocesses) vs {baseline_held.longest_ms:.1f} ms (subprocess.run on the loop, "
        "the baseline)"
    )
    print(
        f"loop-lag probe, worst: {ours.worst_ms:.1f} ms vs {baseline.worst_ms:.1f} ms; idle "
        f"{idle.worst_ms:.1f} ms (the machine's own noise: waiting for a CPU)"
    )
    print(
        summary_line(
            "speech",
            {
                "installed": 1,
                "languages": len(locales),
                "median_ms": median(every),
                "p95_ms": percentile(every, 0.95),
                "loop_held_max_ms": ours_held.longest_ms,
                "baseline_loop_held_max_ms": baseline_held.longest_ms,
                "loop_lag_worst_ms": ours.worst_ms,
                "baseline_loop_lag_worst_ms": baseline.worst_ms,
                "idle_loop_lag_worst_ms": idle.worst_ms,
            },
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=4)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.repeats, arguments.parallel))


if __name__ == "__main__":
    main()
