"""Benchmark: a broadcast at Telegram's rate limit, and how fast the bot still answers.

    python bench/broadcast.py [--recipients 10000] [--limit 300] [--samples 40]

The real bot runs as its own process (`python -m bot run`, a fresh SQLite database)
against the emulator in this process, which enforces the rate limit (`--limit` a second
overall, scaled up from Telegram's 30 so the run takes under a minute, and one a second
per chat); the bot's SEND_RATE is the same number. `--recipients` people are written
straight into the database; a coordinator then writes and sends a broadcast to all of
them through the bot's own buttons.

Measured:
- the achieved rate: broadcast messages the emulator accepted, from the first to the
  last, per second, and as a share of the limit (goal >= 0.95);
- the latency of a reply: a person sends /help and waits for the answer, first with the
  bot idle (the baseline), then again and again while the broadcast runs; p95 of each
  and their ratio (goal: p95 under 100 ms during the broadcast).
Also: 429s the emulator had to send (the bot should stay under the limit on its own),
the busiest second overall and per chat, messages missing or repeated.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bench._common import median, percentile, summary_line  # noqa: E402
from emulator import Emulator, RateLimit, SimulatedUser  # noqa: E402
from storage.db import create_engine  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.models import Programme, User  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-emulator"
COORDINATOR_ID = 4242
TALKER_ID = 4343  # the first of TALKERS people talking to the bot
TALKERS = 6  # each waits over a second between messages: Telegram's per-chat limit
FIRST_ID = 1_000_000
LANGUAGES = ("nl", "fr", "ar", "uk", "en", "tr", "ro", "es")
TEXT = "📣 <b>Lentefeest</b> op zaterdag in het Warandepark. Iedereen is welkom!"
REPLY_INTERVAL = 0.2  # people talking to the bot during the broadcast: 5 messages a second


def _callback(action: str, kind: str = "", value: str = "") -> str:
    return f"bc:{action}:{kind}:{value}"


async def seed(database_url: str, emulator: Emulator, recipients: int) -> list[int]:
    """Recipients with a finished profile and no quiet hours, written in bulk."""
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    ids = [FIRST_ID + index for index in range(recipients)]
    async with engine.begin() as connection:
        programme_id = await connection.scalar(
            select(Programme.id).where(Programme.is_default.is_(True))
        )
        rows = []
        for index, telegram_id in enumerate(ids):
            language = LANGUAGES[index % len(LANGUAGES)]
            emulator.user(telegram_id, f"P{index}", language)
            rows.append(
                {
                    "telegram_id": telegram_id,
                    "programme_id": programme_id,
                    "role": "buddy" if index % 3 == 0 else "newcomer",
                    "status": "waiting",
                    "contact_language": language,
                    "first_name": f"P{index}",
                    "municipality": "21015",
                    "languages": [language],
                    "interests": ["sport"],
                    "availability": ["weekend"],
                    "consent_at": now,
                    "profile_done_at": now,
                    "waiting_since": now - timedelta(days=1),
                    "reachable": True,
                    "quiet_from": 0,
                    "quiet_until": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await connection.execute(insert(User), rows)
    await engine.dispose()
    return ids


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=log.parent, stdout=sink, stderr=sink
        )


async def latency_ms(user: SimulatedUser) -> float:
    """Send /help and wait for the answer; milliseconds."""
    user.mark_read()
    started = time.perf_counter()
    await user.command("help")
    await user.next_message(timeout=30)
    return (time.perf_counter() - started) * 1000


def buttons(message: object) -> list[str]:
    keyboard = getattr(message, "inline_keyboard", [])
    return [str(b.get("callback_data", "")) for row in keyboard for b in row]


async def press(user: SimulatedUser, data: str, timeout: float = 30) -> None:  # noqa: ASYNC109
    message = next(m for m in reversed(user.messages) if data in buttons(m))
    user.mark_read()
    await user.press_data(data, message=message)
    await user.wait_for(lambda _m: True, timeout=timeout)


async def run(recipients: int, limit: int, samples: int) -> dict[str, float | int]:
    emulator = Emulator(
        token=TOKEN, rate_limit=RateLimit(global_per_second=limit, per_chat_per_second=1)
    )
    await emulator.start()
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        workdir = Path(folder)
        database_url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        phases: dict[str, float] = {}
        started = time.perf_counter()
        await upgrade_async(database_url)
        ids = await seed(database_url, emulator, recipients)
        phases["seed"] = time.perf_counter() - started
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": emulator.base_url or "",
            "DATABASE_URL": database_url,
            "DATA_DIR": str(workdir / "data"),
            "COORDINATOR_IDS": str(COORDINATOR_ID),
            "SEND_RATE": str(limit),
            "LOG_LEVEL": "WARNING",
        }
        log = workdir / "bot.log"
        process = await start_bot(env, log)
        try:
            coord = emulator.user(COORDINATOR_ID, "Kim", "en")
            talkers = [emulator.user(TALKER_ID + n, f"Sam{n}", "en") for n in range(TALKERS)]
            started = time.perf_counter()
            await coord.command("broadcasts")
            await coord.wait_for(lambda m: "/broadcast" in (m.text or ""), timeout=60)
            phases["bot start"] = time.perf_counter() - started

            turn = 0

            async def reply_ms() -> float:
                nonlocal turn
                turn += 1
                return await latency_ms(talkers[turn % TALKERS])

            for _ in range(TALKERS):  # warm up (first requests build sessions and caches)
                await reply_ms()
                await asyncio.sleep(REPLY_INTERVAL)
            baseline = []
            for _ in range(samples):
                baseline.append(await reply_ms())
                await asyncio.sleep(REPLY_INTERVAL)

            await coord.command("broadcast")
            await coord.wait_for(lambda m: _callback("seg", "all") in buttons(m), timeout=30)
            await press(coord, _callback("seg", "all"))
            await coord.wait_for(lambda m: "Dutch" in (m.text or ""), include_earlier=True)
            coord.mark_read()
            await coord.send(TEXT)
            await coord.wait_for(lambda m: _callback("preview") in buttons(m), timeout=30)
            await press(coord, _callback("preview"))
            await coord.wait_for(lambda m: _callback("send") in buttons(m), include_earlier=True)
            await asyncio.sleep(1.1)  # Telegram's per-chat window of the coordinator's chat
            preview = coord.last
            chats = [user for user in emulator.users if user.id >= FIRST_ID]

            def delivered() -> int:
                return sum(1 for chat in chats if chat.history)

            coord.mark_read()
            send_started = time.perf_counter()
            await coord.press_data(_callback("send"), message=preview)
            during = []
            while delivered() < recipients:
                if time.perf_counter() - send_started > recipients / limit * 3 + 60:
                    raise TimeoutError("the broadcast did not finish")
                during.append(await reply_ms())
                await asyncio.sleep(REPLY_INTERVAL)
            phases["broadcast"] = time.perf_counter() - send_started
            await coord.wait_for(
                lambda m: (
                    m.message_id == preview.message_id and "Delivery report" in (m.text or "")
                ),
                timeout=30,
                include_earlier=True,
            )
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), timeout=20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        recipient_ids = set(ids)
        sent_times = sorted(
            record.time
            for record in emulator.requests_for("sendMessage")
            if record.ok and record.params.get("chat_id") in recipient_ids
        )
        counts = [len(chat.history) for chat in chats]
        stats = emulator.stats
        throttled = [
            record.time
            for record in emulator.requests
            if record.status == 429 and not record.injected
        ]
        outgoing = [
            record.time
            for record in emulator.requests
            if record.ok and record.method.startswith(("send", "edit"))
        ]
        await emulator.stop()
    span = sent_times[-1] - sent_times[0]
    achieved = (len(sent_times) - 1) / span if span > 0 else 0.0
    window = (sent_times[0], sent_times[-1])
    all_in_window = sum(1 for moment in outgoing if window[0] <= moment <= window[1])
    throttled_during = sum(1 for moment in throttled if window[0] <= moment <= window[1])
    reply_p95 = percentile(during, 0.95)
    baseline_p95 = percentile(baseline, 0.95)
    print(f"{'phase':<22}{'seconds':>10}")
    for name, seconds in phases.items():
        print(f"{name:<22}{seconds:>10.2f}")
    print()
    print(f"{'':<34}{'median ms':>10}{'p95 ms':>10}{'samples':>9}")
    print(
        f"{'reply, bot idle (baseline)':<34}{median(baseline):>10.1f}{baseline_p95:>10.1f}"
        f"{len(baseline):>9}"
    )
    print(
        f"{'reply during the broadcast':<34}{median(during):>10.1f}{reply_p95:>10.1f}"
        f"{len(during):>9}"
    )
    print()
    print(f"recipients {recipients}, limit {limit}/s overall and 1/s per chat")
    print(
        f"broadcast messages accepted: {len(sent_times)} in {span:.2f} s = {achieved:.1f}/s "
        f"({achieved / limit:.1%} of the limit)"
    )
    print(
        f"every message of the bot in that time (replies, progress edits too): "
        f"{all_in_window / span if span > 0 else 0:.1f}/s"
    )
    print(
        f"429s the emulator had to send: {throttled_during} during the broadcast, "
        f"{len(throttled)} in all (the coordinator's quick replies while writing it); "
        f"busiest second: {stats.max_per_second_overall} overall, "
        f"{stats.max_per_second_per_chat} in one chat"
    )
    print(
        f"missing: {sum(1 for c in counts if c == 0)}, "
        f"repeated: {sum(c - 1 for c in counts if c > 1)}"
    )
    return {
        "recipients": recipients,
        "limit_per_second": limit,
        "achieved_per_second": round(achieved, 1),
        "share": round(achieved / limit, 4),
        "reply_p95_ms": round(reply_p95, 1),
        "baseline_reply_p95_ms": round(baseline_p95, 1),
        "ratio": round(reply_p95 / baseline_p95, 2) if baseline_p95 else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=300, help="messages a second overall")
    parser.add_argument("--samples", type=int, default=40, help="baseline replies")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.recipients, args.limit, args.samples))
    print(summary_line("broadcast", result))


if __name__ == "__main__":
    main()
