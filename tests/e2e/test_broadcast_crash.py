"""Crash safety: the real bot process (`python -m bot run`) is killed with SIGKILL in the
middle of a broadcast to 2,000 people and started again. Everybody gets the message;
only the message in flight at the moment of the kill can arrive twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from emulator import Emulator, RateLimit, SimulatedUser
from storage.models import Broadcast
from tests.conftest import COORDINATOR_ID
from tests.e2e.helpers import bot_process_env, scalar
from tests.e2e.test_broadcasts import bc, seed_members, write_broadcast
from tests.processes import BotProcess

RECIPIENTS = 2000
RATE = 300  # Telegram's limit scaled up (paid broadcasts), so the test takes seconds
KILL_AFTER = 700
IN_FLIGHT = 1  # the delivery worker sends one message at a time
TEXT = "Belangrijk: de <b>nieuwjaarsreceptie</b> is verplaatst naar zaterdag."


async def wait_until_answering(coord: SimulatedUser) -> None:
    """The bot is up once it answers (start-up takes a few seconds)."""
    await coord.command("broadcasts")
    await coord.wait_for(lambda m: "/broadcast" in (m.text or ""), timeout=40)


@pytest.mark.long
async def test_kill_9_mid_broadcast_and_restart_loses_nobody(
    clean_database: str, emulator: Emulator, compiled_locales: Path, tmp_path: Path
) -> None:
    emulator.rate_limit = RateLimit(global_per_second=RATE, per_chat_per_second=1)
    ids = await seed_members(
        clean_database, emulator, RECIPIENTS, languages=("nl", "fr", "en"), quiet_hours=False
    )
    chats = [user for user in emulator.users if user.id in set(ids)]
    env = bot_process_env(
        clean_database, emulator, compiled_locales, SEND_RATE=str(RATE), LOG_LEVEL="WARNING"
    )
    log = tmp_path / "bot.log"
    bot = BotProcess(env, log)
    await bot.start(wait=False)
    try:
        coord = emulator.user(COORDINATOR_ID, "Kim", "en")
        await wait_until_answering(coord)
        await write_broadcast(coord, ("all", ""), {"nl": TEXT})
        preview = coord.last
        await coord.press_data(bc("send"), message=preview)

        def delivered() -> int:
            return sum(len(chat.history) for chat in chats)

        while delivered() < KILL_AFTER:
            assert bot.running, bot.tail()
            await asyncio.sleep(0.02)
        await bot.kill()
        at_kill = delivered()
        assert at_kill < RECIPIENTS

        await bot.start(wait=False)
        report = await send_and_wait_for_report_after_restart(coord, preview.message_id, log)
    finally:
        await bot.stop()

    counts = [len(chat.history) for chat in chats]
    missing = sum(1 for count in counts if count == 0)
    duplicates = sum(count - 1 for count in counts if count > 1)
    print(
        f"\nkill -9 after {at_kill} of {RECIPIENTS} messages: missing={missing} "
        f"duplicates={duplicates} (in-flight concurrency {IN_FLIGHT})"
    )
    assert missing == 0
    assert duplicates <= IN_FLIGHT
    assert all("nieuwjaarsreceptie" in (chat.history[0].text or "") for chat in chats)
    assert await scalar(clean_database, select(Broadcast.status)) == "done"
    assert f"Sent: {RECIPIENTS}" in report


async def send_and_wait_for_report_after_restart(
    coord: SimulatedUser, message_id: int, log: Path
) -> str:
    """The restarted bot finishes the broadcast and edits the same message into the report."""
    message = await coord.wait_for(
        lambda m: m.message_id == message_id and "Delivery report" in (m.text or ""),
        timeout=60,
        include_earlier=True,
    )
    return message.text or ""
