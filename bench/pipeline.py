"""Benchmark: the update pipeline, against a bare aiogram bot on the same emulator.

    python bench/pipeline.py [--people 1000] [--rounds 1]

Two bots, one after the other, each as its own process polling the emulator in this
process (no rate limit: SEND_RATE lifted, so only handling is measured):
- the baseline, `bench/_echo_bot.py`: aiogram alone, answering `/start` with a button
  and the button by editing the message;
- BuddyBot (`python -m bot run` on a fresh SQLite database), through
  `bench/_counted_bot.py`, which counts the SQL statements it sends.

Each gets a burst of `--people` new people sending `/start` at once, then the same people
pressing the first button (the language) at once. Measured per burst: first replies a
second (from the first message sent to the last person's answer), CPU milliseconds per
update (the bot process's user+system time from /proc, over the burst), and for BuddyBot
SQL statements per update (everything the process sent, the delivery worker included).
Goal (#16): BuddyBot's replies/s at least 0.35 of the baseline's (compass: 0.6).
The last line is the machine-readable summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import summary_line  # noqa: E402
from emulator import Emulator, RateLimit, SimulatedUser  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-emulator"
FIRST_ID = 2_000_000
LANGUAGES = ("nl", "fr", "ar", "uk", "en", "tr", "ro", "es")
TICKS = os.sysconf("SC_CLK_TCK")
BURST_TIMEOUT = 300.0


@dataclass
class Burst:
    name: str
    updates: int
    seconds: float
    cpu_seconds: float
    statements: int | None = None

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / self.updates

    @property
    def statements_per_update(self) -> float | None:
        return None if self.statements is None else self.statements / self.updates


@dataclass
class Run:
    bot: str
    start_cpu_seconds: float = 0.0
    bursts: list[Burst] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Statements:
    """The statement count of a `_counted_bot.py` process, asked for with SIGUSR1."""

    def __init__(self, pid: int, path: Path) -> None:
        self.pid = pid
        self.path = path

    async def now(self) -> int:
        self.path.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        for _ in range(500):
            if self.path.exists() and self.path.read_text():
                return int(self.path.read_text())
            await asyncio.sleep(0.01)
        raise TimeoutError("the bot did not report its statement count")


def first_button(user: SimulatedUser) -> str:
    for message in reversed(user.messages):
        for row in message.inline_keyboard:
            for button in row:
                return str(button["callback_data"])
    raise AssertionError(f"no button for {user.id}")


async def burst(
    name: str,
    users: list[SimulatedUser],
    act: object,
    pid: int,
    statements: Statements | None,
) -> Burst:
    for user in users:
        user.mark_read()
    counted_before = await statements.now() if statements else None
    cpu_before = cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(act(user) for user in users))  # type: ignore[operator]
    await asyncio.gather(*(u.wait_for(lambda _m: True, timeout=BURST_TIMEOUT) for u in users))
    seconds = time.perf_counter() - started
    await asyncio.sleep(0.5)  # what the update's commit woke (the delivery worker) settles
    cpu = cpu_seconds(pid) - cpu_before
    counted = (
        (await statements.now()) - counted_before
        if statements and counted_before is not None
        else None
    )
    return Burst(name, len(users), seconds, cpu, counted)


async def press_first(user: SimulatedUser) -> None:
    await user.press_data(first_button(user))


async def start(user: SimulatedUser) -> None:
    await user.command("start")


async def measure(emulator: Emulator, bot: str, people: int, workdir: Path, offset: int) -> Run:
    emulator.reset()
    database_url = f"sqlite+aiosqlite:///{workdir / f'{bot}.sqlite3'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url or "",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir / "data"),
        "SEND_RATE": "100000",
        "LOG_LEVEL": "WARNING",
        "BENCH_STATEMENTS_FILE": str(workdir / "statements"),
    }
    if bot == "buddybot":
        await upgrade_async(database_url)
        script = Path(os.environ.get("BENCH_BOT_SCRIPT", ROOT / "bench" / "_counted_bot.py"))
    else:
        script = ROOT / "bench" / "_echo_bot.py"
    log = workdir / f"{bot}.log"
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(script), env=env, cwd=workdir, stdout=sink, stderr=sink
        )
    run = Run(bot)
    try:
        warm = emulator.user(FIRST_ID - 1 - offset, "Warm", "nl")
        await warm.command("start")
        await warm.wait_for(lambda m: bool(m.inline_keyboard), timeout=120)
        run.start_cpu_seconds = cpu_seconds(process.pid)
        users = [
            emulator.user(FIRST_ID + offset + n, f"P{n}", LANGUAGES[n % len(LANGUAGES)])
            for n in range(people)
        ]
        statements = Statements(process.pid, workdir / "statements") if bot == "buddybot" else None
        run.bursts.append(await burst("/start", users, start, process.pid, statements))
        run.bursts.append(await burst("button", users, press_first, process.pid, statements))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
    return run


def print_table(runs: list[Run]) -> None:
    print(
        f"{'bot':<10} {'burst':<8} {'updates':>8} {'replies/s':>10} "
        f"{'CPU ms/upd':>11} {'SQL/upd':>8}"
    )
    for run in runs:
        for b in run.bursts:
            sql = "" if b.statements_per_update is None else f"{b.statements_per_update:.1f}"
            print(
                f"{run.bot:<10} {b.name:<8} {b.updates:>8} {b.per_second:>10.0f} "
                f"{b.cpu_ms:>11.2f} {sql:>8}"
            )
    for run in runs:
        print(f"{run.bot}: start-up CPU {run.start_cpu_seconds:.1f} s")


async def run(people: int) -> dict[str, float]:
    emulator = Emulator(
        token=TOKEN, rate_limit=RateLimit(global_per_second=None, per_chat_per_second=None)
    )
    await emulator.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
            workdir = Path(folder)
            echo = await measure(emulator, "echo", people, workdir, 0)
            ours = await measure(emulator, "buddybot", people, workdir, people + 10)
    finally:
        await emulator.stop()
    print_table([echo, ours])
    result: dict[str, float] = {"people": people}
    for ours_burst, echo_burst in zip(ours.bursts, echo.bursts, strict=True):
        key = "start" if ours_burst.name == "/start" else "button"
        result[f"{key}_replies_per_s"] = ours_burst.per_second
        result[f"{key}_baseline_replies_per_s"] = echo_burst.per_second
        result[f"{key}_ratio"] = ours_burst.per_second / echo_burst.per_second
        result[f"{key}_cpu_ms"] = ours_burst.cpu_ms
        result[f"{key}_baseline_cpu_ms"] = echo_burst.cpu_ms
        result[f"{key}_sql_per_update"] = ours_burst.statements_per_update or 0.0
    result["startup_cpu_seconds"] = ours.start_cpu_seconds
    result["baseline_startup_cpu_seconds"] = echo.start_cpu_seconds
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.people))
    ratio = min(result["start_ratio"], result["button_ratio"])
    print(f"replies/s ratio to the bare aiogram bot: {ratio:.2f} (goal >= 0.35, compass 0.6)")
    print(summary_line("pipeline", {**result, "ratio": ratio}))


if __name__ == "__main__":
    main()
