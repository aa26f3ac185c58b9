"""The local playground: the bot against the built-in Telegram emulator, no token needed.

`python -m bot run` without BOT_TOKEN lands here: it starts the emulator and the bot in
one process, plays a short scripted conversation so you see the bot answer, then lets you
chat from the terminal (when there is one) until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

from bot.app import build_app, run_polling
from bot.settings import Settings

LOCAL_TOKEN = "123456789:LOCAL-emulator-not-a-real-token"
SETTLE_SECONDS = 0.6
FIRST_ANSWER_SECONDS = 15.0


def _render(message: Any) -> str:
    text = message.text or message.caption or ""
    lines = [
        f"  🤖 {line}" if i == 0 else f"     {line}" for i, line in enumerate(text.splitlines())
    ]
    rows = getattr(message, "button_rows", None) or []
    number = 0
    for row in rows:
        labels = []
        for label in row:
            number += 1
            labels.append(f"[{number}] {label}")
        lines.append("     " + "  ".join(labels))
    document = getattr(message, "document", None)
    if document is not None:
        lines.append(f"     📎 {getattr(document, 'filename', 'file')}")
    return "\n".join(lines)


async def _settle(user: Any, before: dict[int, tuple[str, int]]) -> None:
    """Wait for the bot's answer (up to FIRST_ANSWER_SECONDS), then until it stops
    answering, and print what is new or changed."""
    loop = asyncio.get_running_loop()
    seen = dict(before)
    deadline = loop.time() + FIRST_ANSWER_SECONDS
    while _snapshot(user) == before and loop.time() < deadline:  # noqa: ASYNC110 (polls the chat)
        await asyncio.sleep(0.05)
    last_change = loop.time()
    while loop.time() - last_change < SETTLE_SECONDS:
        await asyncio.sleep(0.05)
        for message in user.messages:
            key = (message.text or message.caption or "", getattr(message, "edited", 0))
            if seen.get(message.message_id) != key:
                seen[message.message_id] = key
                last_change = loop.time()
    for message in user.messages:
        key = (message.text or message.caption or "", getattr(message, "edited", 0))
        if before.get(message.message_id) != key:
            print(_render(message), flush=True)


def _snapshot(user: Any) -> dict[int, tuple[str, int]]:
    return {
        m.message_id: (m.text or m.caption or "", getattr(m, "edited", 0)) for m in user.messages
    }


async def _say(user: Any, text: str) -> None:
    before = _snapshot(user)
    print(f"\n  🧑 {user.first_name}: {text}", flush=True)
    await user.send(text)
    await _settle(user, before)


async def _press(user: Any, label: str) -> None:
    before = _snapshot(user)
    print(f"\n  🧑 {user.first_name} taps [{label}]", flush=True)
    await user.press(label)
    await _settle(user, before)


def _buttons(user: Any) -> list[str]:
    for message in reversed(user.messages):
        rows = getattr(message, "button_rows", None)
        if rows:
            return [label for row in rows for label in row]
    return []


async def play_demo(emulator: Any) -> None:
    """A newcomer starts the bot, confirms their language and reads the consent notice."""
    user = emulator.user(user_id=900001, first_name="Amal", language_code="en")
    await _say(user, "/start")
    confirm = next((b for b in _buttons(user) if b.startswith("✅")), None)
    if confirm:
        await _press(user, confirm)


async def chat(emulator: Any) -> None:
    """Talk to the bot from the terminal: type text, or a button's number to tap it."""
    user = emulator.user(user_id=900002, first_name="You", language_code=None)
    print(
        "\nYour turn. Type a message (try /start), or the number of a button to tap it. "
        "Ctrl-D or Ctrl-C to stop.",
        flush=True,
    )
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        line = line.strip()
        if not line:
            continue
        buttons = _buttons(user)
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            await _press(user, buttons[int(line) - 1])
        else:
            await _say(user, line)


async def run_playground(settings: Settings, *, mode: str = "run", with_demo: bool = True) -> int:
    from emulator import Emulator

    emulator = Emulator(token=LOCAL_TOKEN)
    base_url = await emulator.start(host="127.0.0.1", port=0)
    print(
        "\n" + "=" * 72 + "\n"
        "  Running LOCALLY: no BOT_TOKEN is set, so the bot talks to the built-in\n"
        f"  Telegram emulator at {base_url} (nothing leaves this machine).\n"
        "  To use a real bot: create one with @BotFather, then put\n"
        "  BOT_TOKEN=<your token> in a .env file (see .env.example) and run again.\n" + "=" * 72,
        flush=True,
    )
    app = await build_app(settings, token=LOCAL_TOKEN, api_url=base_url)
    polling = asyncio.create_task(run_polling(app, handle_signals=False))
    try:
        if mode in ("run", "demo") and with_demo:
            print("\nA short demo conversation:", flush=True)
            await play_demo(emulator)
        if mode == "chat" or (mode == "run" and sys.stdin.isatty()):
            await chat(emulator)
        elif mode == "run":
            print(f"\nThe bot keeps running against {base_url}. Ctrl-C to stop.", flush=True)
            await polling
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        await app.dispatcher.stop_polling() if app.dispatcher._running_lock.locked() else None
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await polling
        await emulator.stop()
    return 0
