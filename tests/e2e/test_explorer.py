"""Explore like a person: in every language, people tap every button they can reach and
send junk (words, a voice note, a sticker, a photo) along the way.

It asserts, for every press and every message: the button is answered (never a silent
spinner), no "something went wrong", no message over 60 words, no message or button in
English to someone of another language (runs of four English words of the catalog), no
request Telegram would refuse, and a screen with buttons on every answer to junk (no
dead end).

Bounds (CI's whole suite stays under ten minutes): onboarding with junk at each question in
all twelve languages; then, for a newcomer in a pair, a breadth-first walk from the home
menu: every button of each new kind of screen (by the shape of its buttons), up to
`DEPTH` screens deep, at most `PER_SCREEN` buttons a screen and `BUDGET` presses a
language. Its counts are printed at the end (pytest -s shows them).
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from domain.langid import SUPPORTED_LANGUAGES
from emulator import BotMessage, Emulator, SimulatedUser
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, seed_pair

pytestmark = [pytest.mark.long, pytest.mark.timeout(240)]

LOCALES = Path(__file__).resolve().parents[2] / "locales"

WORD_LIMIT = 60
DEPTH = 3
PER_SCREEN = 10
BUDGET = 45  # presses from the home menu in the DEEP languages
SHALLOW = 12  # elsewhere: the home screen's buttons and a few behind them
# Left to right, right to left, and a script and language without an offline voice.
DEEP = ("nl", "ar", "ti")
LANES = 4  # languages explored at the same time (the bot answers chats concurrently)
# Buttons the explorer leaves alone (by the start of their data): erasing the person ends
# the walk; a coordinator's confirmed step that ends, deactivates or removes someone, or
# sends to everyone, would change the world the other lanes explore.
NEVER_PRESS = (
    "forget:yes",
    "co:okall:",
    "co:ovy:",
    "co:dey:",
    "co:ex:",
    "co:cpy:",
    "co:crm:",
    "bc:send:",
    "ev:save:",
    "vx:del:",
)
COORDINATOR_BUDGET = 40
OOPS = "😕"  # how the bot starts "something went wrong" (handlers/errors.py)
SETTLE = 0.12  # seconds without a new request: the bot is done answering


@dataclass
class Findings:
    screens: int = 0
    presses: int = 0
    junk: int = 0
    silent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    too_long: list[str] = field(default_factory=list)
    dead_ends: list[str] = field(default_factory=list)
    wrong_language: list[str] = field(default_factory=list)

    def failures(self) -> dict[str, list[str]]:
        return {
            "silent buttons": self.silent,
            "errors": self.errors,
            "over 60 words": self.too_long,
            "dead ends": self.dead_ends,
            "messages in another language": self.wrong_language,
        }


def shape(message: BotMessage) -> tuple[str, ...]:
    """The kind of screen: its buttons' data without ids and values."""
    return tuple(
        sorted({re.sub(r"\d+", "#", data).rsplit(":", 1)[0] for data in buttons_data(message)})
    )


def state_of(user: SimulatedUser) -> dict[int, tuple[int, bool]]:
    return {m.message_id: (m.edited, m.deleted) for m in user.history}


async def answered(
    user: SimulatedUser, before: dict[int, tuple[int, bool]], timeout: float = 15
) -> None:
    """Wait for the bot's answer to a message, then until it is done. The first words
    typed before a language is chosen start the language models: that can take many
    seconds on a busy machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not changed(user, before):  # noqa: ASYNC110
        await asyncio.sleep(0.03)
    await settled(user)


def activity(user: SimulatedUser) -> tuple[int, ...]:
    history = user.history
    return (
        len(history),
        sum(m.edited for m in history),
        len(user.callback_answers),
        len(user.chat_actions),
    )


async def settled(user: SimulatedUser) -> None:
    """Wait until the bot sent nothing more to this person for SETTLE seconds."""
    deadline = time.monotonic() + 10
    seen, quiet_since = activity(user), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.03)
        now = activity(user)
        if now != seen:
            seen, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= SETTLE:
            return


def changed(user: SimulatedUser, before: dict[int, tuple[int, bool]]) -> list[BotMessage]:
    return [
        m
        for m in user.messages
        if m.message_id not in before or before[m.message_id] != (m.edited, m.deleted)
    ]


_SOURCE_BREAKS = re.compile(r"\{[^}]*\}|<[^>]+>|[\n“”\"()]")


@functools.cache
def english_tells(code: str) -> tuple[str, ...]:
    """Runs of four or more English words from the messages this language translates
    differently: one of them in a message to a person of this language means a message
    reached them untranslated (names, places and numbers are never four English words)."""
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    tells = set()
    for message in catalog:
        if not message.id or message.context or isinstance(message.id, tuple):
            continue
        if not message.string or message.string == message.id:
            continue
        for part in _SOURCE_BREAKS.split(message.id):
            words = part.split()
            if len(words) >= 4:
                tells.add(" ".join(words))
    return tuple(sorted(tells, key=len, reverse=True))


def check(found: Findings, where: str, messages: list[BotMessage]) -> None:
    code = where.split(" ", 1)[0]
    for message in messages:
        text = message.text or message.caption or ""
        if text.startswith(OOPS):
            found.errors.append(f"{where}: {text[:80]}")
        if len(text.split()) > WORD_LIMIT:
            found.too_long.append(f"{where}: {len(text.split())} words: {text[:60]}")
        flat = " ".join(text.split())
        labels = " ".join(b.get("text", "") for row in message.inline_keyboard for b in row)
        for tell in english_tells(code) if code != "en" else ():
            if tell in flat or tell in labels:
                found.wrong_language.append(f"{where}: English {tell!r} in {flat[:60]!r}")
                break


def is_answered(user: SimulatedUser, query: str, since: int) -> bool:
    return any(answer.query_id == query for answer in user.callback_answers[since:])


async def press(
    emulator: Emulator, user: SimulatedUser, found: Findings, message_id: int, data: str
) -> list[BotMessage]:
    before, answers = state_of(user), len(user.callback_answers)
    query = await user.press_data(data, message=message_id)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not is_answered(user, query, answers):  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    await settled(user)
    found.presses += 1
    where = f"{user.language_code} {data}"
    if not is_answered(user, query, answers):
        found.silent.append(where)
    for answer in user.callback_answers[answers:]:
        if (answer.text or "").startswith(OOPS):
            found.errors.append(f"{where}: {answer.text}")
    news = changed(user, before)
    check(found, where, news)
    return news


JUNK = ("text", "voice", "sticker", "photo")


async def junk(emulator: Emulator, user: SimulatedUser, found: Findings, where: str) -> None:
    """Send each kind of junk: every one gets an answer with a way on (a button)."""
    for kind in JUNK:
        before = state_of(user)
        if kind == "text":
            await user.send("qwzx 123 ??")
        elif kind == "voice":
            await user.send_voice(2)
        elif kind == "sticker":
            await user.send_sticker()
        else:
            await user.send_photo()
        await answered(user, before, timeout=90 if where == "welcome" else 15)
        found.junk += 1
        news = changed(user, before)
        label = f"{user.language_code} {kind} at {where}"
        check(found, label, news)
        if not news:
            found.errors.append(f"{label}: no answer at all")
        elif not any(m.inline_keyboard for m in news) and not any(
            m.inline_keyboard for m in user.messages[-3:]
        ):
            found.dead_ends.append(f"{label}: {(news[-1].text or '')[:60]}")


async def onboarding(emulator: Emulator, user: SimulatedUser, found: Findings, code: str) -> None:
    """Through onboarding by the first choice of each question, junk on the way, and the
    side buttons (🔊, other language, back) pressed where they are."""
    before = state_of(user)
    await user.command("start")
    await answered(user, before)
    welcome = next(m for m in reversed(user.messages) if m.inline_keyboard)
    check(found, f"{code} /start", [welcome])
    await junk(emulator, user, found, "welcome")
    path = [f"lang:{code}:onb", "consent:yes", "step:role:newcomer"]
    side = {"say:welcome", "say:consent", "lang:_pick:onb", "menu:privacy"}
    for data in path:
        screen = next(m for m in reversed(user.messages) if m.inline_keyboard)
        for extra in sorted(side & set(buttons_data(screen))):
            await press(emulator, user, found, screen.message_id, extra)
        screen = next(m for m in reversed(user.messages) if data in buttons_data(m))
        await press(emulator, user, found, screen.message_id, data)
        found.screens += 1
    await junk(emulator, user, found, "name")
    before = state_of(user)
    await user.send("Amal")
    await answered(user, before)
    check(found, f"{code} name", changed(user, before))
    for _ in range(12):  # each remaining question: its first choice, then Done if there is one
        screen = next(m for m in reversed(user.messages) if m.inline_keyboard)
        data = buttons_data(screen)
        if any(d.startswith("sum:confirm") for d in data):
            await press(emulator, user, found, screen.message_id, "sum:confirm:")
            break
        found.screens += 1
        choice = next(d for d in data if d.startswith("step:") and ":_" not in d)
        await press(emulator, user, found, screen.message_id, choice)
        if any(d.endswith(":_done") for d in data):
            done = next(d for d in data if d.endswith(":_done"))
            await press(emulator, user, found, screen.message_id, done)
    await junk(emulator, user, found, "home")


async def walk(
    emulator: Emulator, user: SimulatedUser, found: Findings, budget: int, command: str = "start"
) -> None:
    """Breadth-first from the home menu (`command` opens it): every button of each new kind
    of screen."""
    before = state_of(user)
    await user.command(command)
    await answered(user, before)
    home = next(m for m in reversed(user.messages) if m.inline_keyboard)
    seen = {shape(home)}
    queue: deque[tuple[int, list[str], int]] = deque([(home.message_id, buttons_data(home), 0)])
    spent = 0
    while queue and spent < budget:
        message_id, data, depth = queue.popleft()
        found.screens += 1
        for button in [d for d in data if d and not d.startswith(NEVER_PRESS)][:PER_SCREEN]:
            if spent >= budget:
                break
            current = next((m for m in user.messages if m.message_id == message_id), None)
            if current is None or button not in buttons_data(current):
                continue  # the screen changed since: that button is gone, as for a person
            spent += 1
            for news in await press(emulator, user, found, message_id, button):
                if news.inline_keyboard and depth < DEPTH and shape(news) not in seen:
                    seen.add(shape(news))
                    queue.append((news.message_id, buttons_data(news), depth + 1))


async def explore(
    emulator: Emulator, database_url: str, found: Findings, number: int, code: str
) -> None:
    """One language: a newcomer through onboarding, then a newcomer in a pair around the
    menu (deep in DEEP languages, the home screen's buttons and one level in the others)."""
    newcomer = emulator.user(7000 + number, "Amal", code)
    await onboarding(emulator, newcomer, found, code)
    paired, _buddy, _pair = await seed_pair(
        database_url,
        emulator,
        newcomer=(7100 + number, "Amal", code),
        buddy=(7200 + number, "Bram", code),
    )
    await walk(emulator, paired, found, BUDGET if code in DEEP else SHALLOW)


async def test_every_button_answers_in_every_language(
    running_bot: RunningBot,
    emulator: Emulator,
    settings,
    no_rejections,
) -> None:
    found = Findings()
    started = time.monotonic()
    lanes = asyncio.Semaphore(LANES)

    async def lane(number: int, code: str) -> None:
        async with lanes:
            await explore(emulator, settings.database_url, found, number, code)

    async def coordinator() -> None:
        async with lanes:
            kim = emulator.user(COORDINATOR_ID, "Kim", "en")
            await walk(emulator, kim, found, COORDINATOR_BUDGET, command="coord")

    await asyncio.gather(
        coordinator(), *(lane(n, code) for n, code in enumerate(SUPPORTED_LANGUAGES))
    )
    print(
        f"\nexplorer: {len(SUPPORTED_LANGUAGES)} languages, {found.screens} screens, "
        f"{found.presses} buttons pressed, {found.junk} junk messages, "
        + ", ".join(f"{len(v)} {k}" for k, v in found.failures().items())
        + f", {time.monotonic() - started:.0f}s"
    )
    failures = {kind: items[:10] for kind, items in found.failures().items() if items}
    assert not failures, failures
