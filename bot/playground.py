"""The local playground: the bot against the built-in Telegram emulator, no token needed.

`python -m bot run` without BOT_TOKEN lands here: it starts the emulator and the bot in
one process, plays a short scripted conversation so you see the bot answer, then lets you
chat from the terminal (when there is one) until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import timedelta
from pathlib import Path
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


# --- `python -m bot demo`: several people and a clock -----------------------------------

DEMO_HELP = """Commands:
  people          who is here (the arrow marks whom you are)
  as N            be person N (or: as Amal)
  +1d  +2h  +30m  move the clock on: reminders, nudges and check-ins come due
  show            what this person received lately
  N               tap button N of the latest message;  anything else is typed to the bot
  quit            stop"""


class Demo:
    """The playground with people: the simulation's stage (the bot, the emulator, the
    clock) and one person at a time at the keyboard."""

    def __init__(self, simulation: Any, people: list[tuple[Any, str]]) -> None:
        self.simulation = simulation
        self.people = people  # (simulated user, role), the coordinator first
        self.current = 1 if len(people) > 1 else 0
        self.shown: dict[int, dict[int, tuple[str, int]]] = {
            user.id: _snapshot(user) for user, _ in people
        }

    @property
    def user(self) -> Any:
        return self.people[self.current][0]

    def prompt(self) -> str:
        moment = self.simulation.clock.now().astimezone(_brussels())
        return f"[{moment:%a %d %b %H:%M}] {self.user.first_name}> "

    def list_people(self) -> None:
        for number, (user, role) in enumerate(self.people, start=1):
            arrow = "→" if number - 1 == self.current else " "
            print(f" {arrow} {number}. {user.first_name} ({role})", flush=True)

    def switch(self, who: str) -> None:
        who = who.strip()
        for number, (user, _role) in enumerate(self.people, start=1):
            if who == str(number) or who.lower() == user.first_name.lower():
                self.current = number - 1
                print(f"You are now {user.first_name}.", flush=True)
                self.show_new(self.user)
                return
        print(f"Nobody called {who!r}: see `people`.", flush=True)

    def show_new(self, user: Any) -> None:
        seen = self.shown[user.id]
        for message in user.messages:
            key = (message.text or message.caption or "", getattr(message, "edited", 0))
            if seen.get(message.message_id) != key:
                print(_render(message), flush=True)
        self.shown[user.id] = _snapshot(user)

    def show_recent(self) -> None:
        for message in self.user.messages[-5:]:
            print(_render(message), flush=True)
        self.shown[self.user.id] = _snapshot(self.user)

    async def advance(self, text: str) -> None:
        amount, unit = int(text[1:-1]), text[-1]
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
            unit, timedelta(minutes=amount)
        )
        clock = self.simulation.clock
        target = clock.now() + delta
        tick = 0
        while clock.now() < target:
            clock.set(min(target, clock.now() + timedelta(hours=1)))
            await self.simulation.planners(tick)
            tick += 1
        others = []
        for user, _role in self.people:
            new = sum(1 for m in user.messages if self.shown[user.id].get(m.message_id) is None)
            if new and user is not self.user:
                others.append(f"{user.first_name} {new}")
        print(f"⏩ {self.prompt().split(']')[0][1:]}", flush=True)
        if others:
            print("📬 New for " + ", ".join(others), flush=True)
        self.show_new(self.user)

    async def act(self, line: str) -> None:
        buttons = _buttons(self.user)
        if line.isdigit() and 1 <= int(line) <= len(buttons):
            await self.user.press(buttons[int(line) - 1])
        else:
            await self.user.send(line)
        await self.simulation.settle()
        self.show_new(self.user)

    async def handle(self, line: str) -> bool:
        """One line from the keyboard; False to stop."""
        if line in ("quit", "exit"):
            return False
        if line in ("help", "?"):
            print(DEMO_HELP, flush=True)
        elif line == "people":
            self.list_people()
        elif line.startswith("as "):
            self.switch(line[3:])
        elif line == "show":
            self.show_recent()
        elif len(line) > 2 and line[0] == "+" and line[-1] in "dhm" and line[1:-1].isdigit():
            await self.advance(line)
        else:
            await self.act(line)
        return True


def _brussels() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Brussels")


async def _seed_demo(simulation: Any) -> None:
    """A week of a small programme, then a meetup tomorrow for the first pair, so that
    moving the clock a day shows its reminder."""
    simulation.cast()
    tick = 0
    while simulation.clock.now() < simulation.end:
        await simulation.hour(tick)
        tick += 1
        simulation.clock.advance(timedelta(hours=1))
    pair = next((p for _, p in sorted(simulation.pairs.items()) if not p.planner.silent), None)
    if pair is None:
        return
    await simulation.plan_meetup(pair, simulation.clock.now(), ahead=(1, 1))
    await simulation.settle()
    partner = pair.other(pair.planner).user
    for message in reversed(partner.messages):
        accept = [d for d in _data(message) if d.startswith("meet:accept:")]
        if accept:
            await simulation.press(partner, accept[0], message=message)
            print(
                f"{pair.planner.user.first_name} and {partner.first_name} (pair "
                f"#{pair.pair_id}) meet tomorrow: be one of them and try +1d.",
                flush=True,
            )
            break
    await simulation.settle()


def _data(message: Any) -> list[str]:
    return [str(b.get("callback_data", "")) for row in message.inline_keyboard for b in row]


async def _people_of(simulation: Any) -> list[tuple[Any, str]]:
    """The coordinator and everyone in the database, in the emulator."""
    from sqlalchemy import select

    from storage.models import Pair, User

    assert simulation.engine is not None
    async with simulation.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(User.telegram_id, User.first_name, User.role, User.contact_language)
                .where(User.telegram_id.is_not(None), User.role.in_(("newcomer", "buddy")))
                .order_by(User.id)
            )
        ).all()
        pairs = (
            await connection.execute(
                select(Pair.id, Pair.newcomer_id, Pair.buddy_id).where(Pair.status == "active")
            )
        ).all()
        ids = dict(
            (await connection.execute(select(User.telegram_id, User.id))).all()  # type: ignore[arg-type]
        )
    pair_of = {person: pair for pair, newcomer, buddy in pairs for person in (newcomer, buddy)}
    people = [(simulation.coordinator, "coordinator")]
    for telegram_id, name, role, language in rows:
        user = simulation.emulator.user(telegram_id, name or "?", language)
        pair = pair_of.get(ids.get(telegram_id))
        people.append((user, f"{role}, pair #{pair}" if pair else str(role)))
    return people


async def run_demo(settings: Settings, *, database: str | None = None) -> int:
    """`python -m bot demo`: the bot on the emulator with a clock the user moves; people
    from a simulation's database (`--database`), or a small programme seeded now."""
    from datetime import datetime

    from bot.simulation import (
        Simulation,
        clock_file,
        simulation_settings,
    )

    if database is None:
        path = (settings.data_dir / "demo.sqlite3").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        local = simulation_settings(settings, path)
        simulation = Simulation(local, duos=3, months=0, seed=7, days=7)
    else:
        path = Path(database).resolve()  # noqa: ASYNC240 (once, before anything runs)
        if not path.exists():
            print(f"DEMO: no database at {path}; run `python -m bot simulate` first.")
            return 2
        local = settings.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{path}",
                "data_dir": path.parent / (path.stem + ".data"),
                "redis_url": None,
                "coordinator_chat_id": None,
                "send_rate": 1000.0,
            }
        )
        from bot.simulation import COORDINATOR_ID

        local = local.model_copy(update={"coordinator_ids": [COORDINATOR_ID]})
        simulation = Simulation(local, duos=0, months=0, seed=0, days=0)
        saved = clock_file(local.database_url)
        if saved.exists():
            simulation.clock.set(datetime.fromisoformat(saved.read_text().strip()))
    print("Starting the bot on the local emulator with a simulated clock...", flush=True)
    await simulation.start()
    try:
        if database is None:
            await _seed_demo(simulation)
        demo = Demo(simulation, await _people_of(simulation))
        print(f"\nThe playground ({path}).\n{DEMO_HELP}\n", flush=True)
        demo.list_people()
        loop = asyncio.get_running_loop()
        while True:
            print(demo.prompt(), end="", flush=True)
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if line.strip() and not await demo.handle(line.strip()):
                break
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        await simulation.stop()
    return 0
