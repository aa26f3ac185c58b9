"""Resident memory of a running bot, with the language detector in its own process versus
built inside the bot (how it was before: the baseline, measured in the same run).

    python bench/memory.py

Each side runs in a fresh process: the real bot (SQLite, against the local emulator)
starts, then a person whose Telegram client sends no language types "привіт, як справи?"
at the language step, so the detector is used. Memory is read from /proc (VmRSS) once
the answer came: the bot's process, and the detector's child where there is one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import summary_line  # noqa: E402

TOKEN = "123456:bench-token"


def resident_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(in_process: bool) -> dict[str, float]:
    from bot.app import build_app, run_polling
    from bot.settings import Settings
    from domain.detection import shared_detector
    from domain.langid import get_detector
    from emulator import Emulator
    from storage.migrate import upgrade

    emulator = Emulator(token=TOKEN)
    await emulator.start()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(_env_file=None, bot_token=None, database_url=url, data_dir=folder)  # type: ignore[call-arg]
    app = await build_app(settings, token=TOKEN, api_url=emulator.base_url or "", migrate=False)
    if in_process:
        get_detector()  # what the bot built at start before
    task = asyncio.create_task(run_polling(app, handle_signals=False))
    person = emulator.user(5001, "Olena", None)
    await person.command("start")
    await person.wait_for(lambda m: bool(m.inline_keyboard), timeout=60)
    after_start = resident_mb()
    person.mark_read()
    await person.send("привіт, як справи?")
    await person.wait_for(lambda m: True, timeout=60)
    child = shared_detector()._process
    result = {
        "after_start_mb": after_start,
        "bot_mb": resident_mb(),
        "child_mb": resident_mb(child.pid) if child is not None and not in_process else 0.0,
    }
    await app.dispatcher.stop_polling()
    await task
    await shared_detector().stop()
    await emulator.stop()
    return result


def run_side(in_process: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--side", "baseline" if in_process else "now"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", choices=["baseline", "now"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(asyncio.run(measure(in_process=args.side == "baseline"))))
        return
    baseline, now = run_side(in_process=True), run_side(in_process=False)
    print(f"{'':36} {'after start':>12} {'after detecting':>16} {'detector child':>15}")
    for name, side in (
        ("detector built in the bot (baseline)", baseline),
        ("detector in a child", now),
    ):
        print(
            f"{name:36} {side['after_start_mb']:>9.0f} MB {side['bot_mb']:>13.0f} MB "
            f"{side['child_mb']:>12.0f} MB"
        )
    print(
        summary_line(
            "memory",
            {
                "bot_mb": round(now["bot_mb"]),
                "child_mb": round(now["child_mb"]),
                "baseline_mb": round(baseline["bot_mb"]),
                "ratio": now["bot_mb"] / baseline["bot_mb"],
            },
        )
    )


if __name__ == "__main__":
    main()
