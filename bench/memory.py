"""Resident memory of the running bot: after start, after the first language detection,
and after serving the coordinator's screens 10 times with 1,000 and with 100,000 people
in the database; against the detector built inside the bot (how it was before: the
baseline), measured in the same run.

    python bench/memory.py [--people 1000,100000] [--rounds 10]

Each case runs in a fresh process: the real bot (SQLite, against the local emulator)
starts on a database seeded with that many people (`bench/screens.py`'s seed). Then:

- *after start*: nobody has written yet; the language detector's process is not running
  (it starts only when someone of unknown language appears).
- *after detecting*: a person whose Telegram client sends no language sends /start and
  types "привіт, як справи?" at the language step, so the detector is started and used.
  The bot's process and the detector's child are read separately (VmRSS in /proc).
- *screens*: a coordinator opens /coord, the waiting list and the pair list, `--rounds`
  times; the bot's memory is read after the first round and after the last. Meanwhile a
  second person keeps sending /start, and a loop-lag probe runs in the bot's event loop:
  their worst reply time and the worst lag are printed with the screens' answer times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import LagProbe, median, summary_line  # noqa: E402

TOKEN = "123456:bench-token"
COORDINATOR = 4242
WAIT = 120.0


def resident_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _progress(step: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {step}", file=sys.stderr, flush=True)


def _buttons(message: Any) -> list[str]:
    return [str(b.get("callback_data", "")) for row in message.inline_keyboard for b in row]


async def _answer_ms(user: Any, act: Any, predicate: Any) -> float:
    user.mark_read()
    started = time.perf_counter()
    await act()
    await user.wait_for(predicate, timeout=WAIT)
    return (time.perf_counter() - started) * 1000


async def _chatter(person: Any, replies: list[float]) -> None:
    """A second person who keeps writing (about twice a second, within Telegram's one
    message a second per chat for the answers) while the coordinator works: their reply
    times. Cancelled when the screens are done."""
    while True:
        replies.append(await _answer_ms(person, lambda: person.command("start"), lambda m: True))
        await asyncio.sleep(0.5)


async def measure(in_process: bool, people: int, rounds: int) -> dict[str, Any]:
    from emulator import Emulator

    emulator = Emulator(token=TOKEN)
    await emulator.start()
    # The emulator shares this process (so the probe sees the bot's own event loop): what
    # it and Python take before the bot is imported is printed apart.
    emulator_mb = resident_mb()

    from bench.screens import seed
    from bot.app import build_app, run_polling
    from bot.settings import Settings
    from domain.detection import shared_detector
    from domain.langid import get_detector
    from storage.migrate import upgrade

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    await seed(url, people)
    _progress(f"seeded {people} people")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=None,
        database_url=url,
        data_dir=folder,
        coordinator_ids=[COORDINATOR],
    )
    app = await build_app(settings, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    if in_process:
        get_detector()  # what the bot built at start before
    task = asyncio.create_task(run_polling(app, handle_signals=False))
    coordinator = emulator.user(COORDINATOR, "Kim", "nl")
    await _answer_ms(
        coordinator, lambda: coordinator.command("coord"), lambda m: "co:wl:0:0" in _buttons(m)
    )
    detector = shared_detector()
    _progress("started")
    result: dict[str, Any] = {
        "emulator_mb": emulator_mb,
        "scipy_loaded": "scipy" in sys.modules,
        "after_start_mb": resident_mb(),
        "child_at_start": detector._process is not None,
    }

    person = emulator.user(5001, "Olena", None)
    await person.command("start")
    await person.wait_for(lambda m: bool(m.inline_keyboard), timeout=WAIT)
    person.mark_read()
    await person.send("привіт, як справи?")
    await person.wait_for(lambda m: True, timeout=WAIT)
    child = detector._process
    _progress("detected")
    result["bot_mb"] = resident_mb()
    result["child_mb"] = resident_mb(child.pid) if child is not None and not in_process else 0.0

    if rounds:
        chatter = emulator.user(5002, "Sam", "en")
        replies: list[float] = []
        screens: dict[str, list[float]] = {"coord": [], "waiting": [], "pairs": []}
        chatting = asyncio.create_task(_chatter(chatter, replies))
        with LagProbe() as lag:
            for round_ in range(rounds):
                screens["coord"].append(
                    await _answer_ms(
                        coordinator,
                        lambda: coordinator.command("coord"),
                        lambda m: "co:wl:0:0" in _buttons(m),
                    )
                )
                screens["waiting"].append(
                    await _answer_ms(
                        coordinator, lambda: coordinator.press_data("co:wl:0:0"), lambda m: True
                    )
                )
                screens["pairs"].append(
                    await _answer_ms(
                        coordinator, lambda: coordinator.command("pairs"), lambda m: True
                    )
                )
                if round_ == 0:
                    result["first_round_mb"] = resident_mb()
                _progress(f"round {round_ + 1}")
        chatting.cancel()
        result["last_round_mb"] = resident_mb()
        result["lag_ms"] = lag.worst_ms
        result["chatter_worst_ms"] = max(replies, default=0.0)
        result["chatter_replies"] = len(replies)
        for name, samples in screens.items():
            result[f"{name}_ms"] = median(samples)
            result[f"{name}_worst_ms"] = max(samples)
    await app.dispatcher.stop_polling()
    await task
    await detector.stop()
    await emulator.stop()
    return result


def run_case(in_process: bool, people: int, rounds: int) -> dict[str, Any]:
    command = [
        sys.executable, __file__, "--case", "baseline" if in_process else "now",
        "--people", str(people), "--rounds", str(rounds),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if output.returncode != 0:
        sys.stderr.write(output.stderr[-4000:])
        output.check_returncode()
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", default="1000,100000", help="sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--case", choices=["baseline", "now"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) for size in args.people.split(",")]
    if args.case:
        result = asyncio.run(measure(args.case == "baseline", sizes[0], args.rounds))
        print(json.dumps(result))
        return
    baseline = run_case(True, sizes[0], 0)
    cases = {size: run_case(False, size, args.rounds) for size in sizes}
    small, large = cases[sizes[0]], cases[sizes[-1]]

    print("resident memory (MB)")
    print(f"{'':44} {'after start':>11} {'detecting':>10} {'detector':>9}")
    print(
        f"{'before: detector built in the bot, ' + format(sizes[0], ',') + ' people':44} "
        f"{baseline['after_start_mb']:>11.0f} {baseline['bot_mb']:>10.0f} {'(inside)':>9}"
    )
    for size, case in cases.items():
        print(
            f"{'now: detector in a child, ' + format(size, ',') + ' people':44} "
            f"{case['after_start_mb']:>11.0f} {case['bot_mb']:>10.0f} {case['child_mb']:>9.0f}"
        )
    not_running = "no" if any(c["child_at_start"] for c in cases.values()) else "yes"
    scipy = "yes" if small["scipy_loaded"] else "no"
    print(
        f"(the detector column is its own process; not running after start: {not_running};"
        f" SciPy imported at start: {scipy}; Python with the emulator alone, in the bot's"
        f" process: {small['emulator_mb']:.0f} MB)"
    )
    print()
    print(f"coordinator screens, {args.rounds} rounds (bot process; the detector child apart)")
    print(
        f"{'people':>8} {'round 1':>8} {'round ' + str(args.rounds):>9} {'/coord':>8} "
        f"{'waiting':>8} {'pairs':>8} {'worst':>8} {'loop lag':>9} {'2nd person':>11}"
    )
    for size, case in cases.items():
        worst = max(case[f"{n}_worst_ms"] for n in ("coord", "waiting", "pairs"))
        print(
            f"{size:>8,} {case['first_round_mb']:>6.0f}MB {case['last_round_mb']:>7.0f}MB "
            f"{case['coord_ms']:>6.0f}ms {case['waiting_ms']:>6.0f}ms {case['pairs_ms']:>6.0f}ms "
            f"{worst:>6.0f}ms {case['lag_ms']:>7.0f}ms {case['chatter_worst_ms']:>9.0f}ms"
        )
    print("(screen times: median from the command to the answer in the chat, through the")
    print(" emulator; worst: the slowest of all; 2nd person: their slowest reply meanwhile)")
    print(
        summary_line(
            "memory",
            {
                "after_start_mb": round(small["after_start_mb"]),
                "emulator_mb": round(small["emulator_mb"]),
                "bot_mb": round(small["bot_mb"]),
                "child_mb": round(small["child_mb"]),
                "baseline_mb": round(baseline["bot_mb"]),
                "ratio": small["bot_mb"] / baseline["bot_mb"],
                "screens_small_mb": round(small["last_round_mb"]),
                "screens_large_mb": round(large["last_round_mb"]),
                "growth_people_mb": round(large["last_round_mb"] - small["last_round_mb"]),
                "growth_rounds_mb": round(large["last_round_mb"] - large["first_round_mb"]),
                "coord_ms": large["coord_ms"],
                "waiting_ms": large["waiting_ms"],
                "pairs_ms": large["pairs_ms"],
                "loop_lag_ms": max(c["lag_ms"] for c in cases.values()),
                "chatter_worst_ms": max(c["chatter_worst_ms"] for c in cases.values()),
            },
        )
    )


if __name__ == "__main__":
    main()
