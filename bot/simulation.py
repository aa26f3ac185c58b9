"""Six months in a few minutes: the programme simulated end to end, to measure what the
bot asks of one coordinator and how many messages people get.

The real bot runs against the local emulator on a clock the simulation moves an hour at
a time. Simulated newcomers and buddies onboard with the buttons, plan meetups, log and
confirm hours, forget, dispute, drop out, write to the coordinator and sometimes report a
concern; one simulated coordinator does only what the bot asks of them (matching from the
suggestions, the inbox, disputes, closing completed pairs), plus one broadcast a month
and one event. Everything random comes from `random.Random(seed)`, and each hour ends
only once the bot is idle, so one seed gives the same figures every run.

The periodic planners (nudges, check-ins, concern reminders) and the outbox are driven
from here at their intervals on the simulated clock; the scheduler's own jobs run on
real time and the background delivery worker is stopped, so nothing is sent outside a
simulated hour. The per-chat pacing of background sends (one a second, real time) does
not apply: every delivery happens through `OutboxWorker.run_once` in the foreground.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import BotApp, build_app, run_polling
from bot.settings import Settings
from domain.clock import FrozenClock
from handlers.coordinator_buttons import END_REASONS
from storage.db import create_engine
from storage.models import Concern, HourEntry, Outbox, Pair, User

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Brussels
TOKEN = "123456789:SIMULATION-not-a-real-token"
COORDINATOR_ID = 700_000_001
NEWCOMER_BASE = 710_000_000
BUDDY_BASE = 720_000_000
TARGET_MINUTES = 40 * 60
HOUR = timedelta(hours=1)

# Contact languages of newcomers and of buddies, in rough shares (DOMAIN.md: Maghreb and
# Turkey, Congo (French), Romania, Poland, Ukraine, Syria, Afghanistan, Eritrea; expats
# in English). Buddies are "less-new Brusselaars": Dutch, French, English.
NEWCOMER_LANGUAGES = {
    "ar": 22,
    "fr": 16,
    "en": 11,
    "ro": 8,
    "uk": 8,
    "tr": 7,
    "es": 6,
    "pl": 6,
    "fa": 6,
    "ru": 5,
    "ti": 5,
}
BUDDY_LANGUAGES = {"nl": 55, "fr": 30, "en": 15}
# Inhabitants (thousands, Statbel 2023) by NIS code, and where newcomers and buddies
# live more often than that (newcomers in the north-west, buddies in the south-east).
POPULATION = {
    "21001": 121, "21002": 34, "21003": 25, "21004": 196, "21005": 48, "21006": 43,
    "21007": 56, "21008": 25, "21009": 87, "21010": 53, "21011": 22, "21012": 98,
    "21013": 50, "21014": 27, "21015": 133, "21016": 84, "21017": 25, "21018": 59,
    "21019": 42,
}  # fmt: skip
NEWCOMER_LEAN = {"21001": 1.5, "21004": 1.3, "21012": 1.7, "21013": 1.3, "21014": 2.0, "21015": 1.7}
BUDDY_LEAN = {"21002": 1.4, "21005": 1.3, "21009": 1.5, "21016": 1.4, "21018": 1.4, "21019": 1.5}
FIRST_NAMES = {
    "ar": ["Amal", "Youssef", "Fatima", "Omar", "Salma", "Karim"],
    "fr": ["Aline", "Patrick", "Grâce", "Junior", "Chantal", "Didier"],
    "en": ["Emily", "Raj", "Grace", "Tom", "Priya", "Daniel"],
    "ro": ["Ioana", "Mihai", "Elena", "Andrei"],
    "uk": ["Olena", "Taras", "Iryna", "Dmytro"],
    "tr": ["Elif", "Mehmet", "Ayşe", "Emre"],
    "es": ["Lucía", "Carlos", "María", "Javier"],
    "pl": ["Agnieszka", "Piotr", "Kasia", "Tomasz"],
    "fa": ["Zahra", "Ahmad", "Maryam", "Reza"],
    "ru": ["Anna", "Sergei", "Natalia", "Ivan"],
    "ti": ["Selam", "Yonas", "Helen", "Dawit"],
    "nl": ["Bram", "Els", "Jan", "Lotte", "Pieter", "Sofie"],
}
QUESTIONS = {
    "ar": "مرحبا، متى يمكنني أن ألتقي بمرافقي؟",
    "fr": "Bonjour, est-ce que je peux changer l'heure de notre rencontre ?",
    "en": "Hi, where can I find Dutch conversation tables near me?",
    "nl": "Dag, mag ik met mijn duo ook naar een voorstelling gaan?",
}
PLACES = ["Muntpunt", "Warandepark", "GC De Markten", "Bibliotheek Schaarbeek", "Jubelpark"]


@dataclass
class Figures:
    """What a run measured (see `summary_line` for the machine-readable form)."""

    duos: int
    months: int
    seed: int
    coordinator_actions_by_week: list[int]
    newcomer_messages_median: float
    newcomer_messages_p95: float
    buddy_messages_median: float
    buddy_messages_p95: float
    median_days_to_match: float
    pairs: int
    share_at_target: float
    concerns: int
    concerns_answered_in_24h: float
    wall_seconds: float
    actions_by_kind: dict[str, int] = field(default_factory=dict)
    newcomer_pushes_by_kind: dict[str, int] = field(default_factory=dict)
    stuck: dict[str, int] = field(default_factory=dict)

    @property
    def median_week(self) -> float:
        return statistics.median(self.coordinator_actions_by_week or [0])

    @property
    def worst_week(self) -> int:
        return max(self.coordinator_actions_by_week or [0])

    def deterministic(self) -> dict[str, Any]:
        """Everything but the wall time: equal for two runs with one seed."""
        values = dict(self.__dict__)
        values.pop("wall_seconds")
        return values

    def table(self) -> str:
        ranked = sorted(self.actions_by_kind.items(), key=lambda item: (-item[1], item[0]))
        costly = ", ".join(f"{kind} {count}" for kind, count in ranked[:6])
        top = sorted(self.newcomer_pushes_by_kind.items(), key=lambda item: (-item[1], item[0]))
        pushes = ", ".join(f"{kind} {count}" for kind, count in top[:6])
        newcomer = f"{self.newcomer_messages_median:g} / {self.newcomer_messages_p95:g}"
        buddy = f"{self.buddy_messages_median:g} / {self.buddy_messages_p95:g}"
        concerns = f"{self.concerns} / {self.concerns_answered_in_24h:.0%}"
        rows = [
            ("duos / months / seed", f"{self.duos} / {self.months} / {self.seed}"),
            ("coordinator actions, median week", f"{self.median_week:g}"),
            ("coordinator actions, worst week", str(self.worst_week)),
            ("coordinator actions by week", " ".join(map(str, self.coordinator_actions_by_week))),
            ("pushed messages a week, newcomer median / p95", newcomer),
            ("pushed messages a week, buddy median / p95", buddy),
            ("median days to match", f"{self.median_days_to_match:.1f}"),
            ("pairs / share at 40 hours", f"{self.pairs} / {self.share_at_target:.0%}"),
            ("concerns / answered within 24 h", concerns),
            ("what costs the coordinator most", costly),
            ("what newcomers get most (sent)", pushes),
            ("flows that found no expected button", json.dumps(self.stuck, sort_keys=True)),
            ("wall time", f"{self.wall_seconds:.0f} s"),
        ]  # fmt: skip
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def percentile(values: list[int], share: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return float(ordered[index])


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _reacts_to(data: str) -> bool:
    """The buttons of pushed messages people answer: a proposal, "did it happen?", the
    other's hours, a check-in question, an invitation (going), a nudge."""
    if data.startswith("rsvp:"):
        return data.endswith(":going")
    return data.startswith(("meet:accept:", "hrs:yes:", "hrs:ok:", "ck:", "meet:new"))


def _buttons(message: Any) -> list[str]:
    return [str(b.get("callback_data", "")) for row in message.inline_keyboard for b in row]


@dataclass
class Person:
    """One simulated newcomer or buddy, with the habits the seed gave them."""

    user: Any
    role: str
    language: str
    municipality: str
    rng: random.Random
    arrives_at: datetime
    delay: tuple[float, float]  # hours before they react: a range
    silent: bool = False  # reads nothing, answers nothing (from onboarding on, or dropped)
    forgets: float = 0.07
    disputes: float = 0.04
    asks_at: datetime | None = None
    concern_at: datetime | None = None
    onboarded_at: datetime | None = None
    seen: int = 0  # messages of the chat already looked at
    todo: list[tuple[datetime, int, str, int]] = field(default_factory=list)
    counted: int = 0  # messages counted up to the last week boundary
    weekly: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.user.id)

    def later(self, now: datetime) -> datetime:
        low, high = self.delay
        moment = now + timedelta(hours=self.rng.uniform(low, high))
        local_hour = (moment.hour + 1) % 24
        if local_hour < 8:  # people sleep: the morning after
            moment += timedelta(hours=8 - local_hour)
        elif local_hour >= 22:
            moment += timedelta(hours=32 - local_hour)
        return moment


@dataclass
class SimPair:
    pair_id: int
    newcomer: Person
    buddy: Person
    planner: Person
    logger: Person
    every_days: float
    minutes: int
    next_plan_at: datetime
    drop_at: datetime | None
    proposed_at: datetime | None = None
    closed: bool = False

    def other(self, person: Person) -> Person:
        return self.buddy if person is self.newcomer else self.newcomer


class Simulation:
    """Drives people and the coordinator against the real bot, an hour at a time."""

    def __init__(
        self, settings: Settings, *, duos: int, months: int, seed: int, days: int | None = None
    ) -> None:
        self.settings = settings
        self.duos, self.months, self.seed = duos, months, seed
        self.rng = random.Random(seed)
        self.clock = FrozenClock(START)
        self.end = START + timedelta(days=days if days is not None else round(months * 30.4))
        self.polling: asyncio.Task[None] | None = None
        self.progress = False  # a line a simulated week on stderr
        self.people: list[Person] = []
        self.by_id: dict[int, Person] = {}
        self.pairs: dict[int, SimPair] = {}
        self.pair_of: dict[int, SimPair] = {}
        self.forgotten: dict[int, bool] = {}  # meetup id -> it will not happen
        self.actions: Counter[int] = Counter()  # coordinator actions by week
        self.action_kinds: Counter[str] = Counter()
        self.stuck: Counter[str] = Counter()
        self.quiet_alerts: Counter[int] = Counter()
        self.coordinator_seen = 0
        self.acted = False  # somebody did something this hour
        self.event_done = False
        self.tried: dict[int, int] = {}  # newcomer -> free buddies when last looked at
        self.replies: Counter[int] = Counter()  # messages that answered a person's own step
        self.app: BotApp | None = None
        self.emulator: Any = None
        self.coordinator: Any = None
        self.engine: AsyncEngine | None = None

    # --- the people ---------------------------------------------------------------

    def cast(self) -> None:
        """Newcomers and buddies with their habits; they arrive over the first weeks
        (buddies a little earlier: a programme recruits its volunteers first)."""
        arrivals = min(timedelta(weeks=8), (self.end - START) / 3)
        for index in range(self.duos):
            for role in ("newcomer", "buddy"):
                rng = random.Random(f"{self.seed}:{role}:{index}")
                languages = NEWCOMER_LANGUAGES if role == "newcomer" else BUDDY_LANGUAGES
                lean = NEWCOMER_LEAN if role == "newcomer" else BUDDY_LEAN
                weights = {nis: POPULATION[nis] * lean.get(nis, 1.0) for nis in POPULATION}
                habit = rng.random()
                delay = (
                    (0.0, 3.0)
                    if habit < 0.55
                    else (3.0, 30.0)
                    if habit < 0.85
                    else (24.0, 96.0)
                    if habit < 0.96
                    else (0.0, 0.0)
                )
                offset = arrivals * rng.random() * (0.8 if role == "buddy" else 1.0)
                arrives = START + timedelta(hours=round(offset / HOUR))
                language = _weighted(rng, languages)  # type: ignore[arg-type]
                base = NEWCOMER_BASE if role == "newcomer" else BUDDY_BASE
                name = rng.choice(FIRST_NAMES[language])
                person = Person(
                    user=self.emulator.user(base + index, name, language),
                    role=role,
                    language=language,
                    municipality=_weighted(rng, weights),
                    rng=rng,
                    arrives_at=arrives,
                    delay=delay,
                    silent=habit >= 0.96,
                )
                span = (self.end - arrives).total_seconds()
                if rng.random() < 0.3:
                    person.asks_at = arrives + timedelta(seconds=rng.uniform(0.1, 0.9) * span)
                if rng.random() < 0.03:
                    person.concern_at = arrives + timedelta(seconds=rng.uniform(0.2, 0.9) * span)
                self.people.append(person)
                self.by_id[person.id] = person
        self.people.sort(key=lambda p: (p.arrives_at, p.id))

    # --- driving the bot ------------------------------------------------------------

    async def idle(self) -> None:
        """Until the bot has fetched and handled every update (no reply half-sent): an
        update stays pending in the emulator until the bot asks for the next ones, which
        it does after it started handling them."""
        assert self.app is not None
        tasks = self.app.dispatcher._handle_update_tasks  # aiogram's own set
        await asyncio.sleep(0)
        while self.emulator.pending_updates or tasks:  # noqa: ASYNC110 (nothing to wait on)
            await asyncio.sleep(0.0005)

    async def settle(self) -> None:
        """Idle, and everything due on the outbox delivered."""
        assert self.app is not None and self.engine is not None
        due = (
            select(Outbox.id)
            .where(Outbox.status == "pending", Outbox.due_at <= self.clock.now())
            .limit(1)
        )
        while True:
            await self.idle()
            async with self.engine.connect() as connection:
                if (await connection.execute(due)).first() is None:
                    return
            if not await self.app.outbox.run_once():
                return  # due but not deliverable now (held, or claimed elsewhere)

    def week(self) -> int:
        return int((self.clock.now() - START) / timedelta(weeks=1))

    def count(self, person: Any, kind: str) -> None:
        if person is self.coordinator:
            self.actions[self.week()] += 1
            self.action_kinds[kind] += 1

    async def tap(self, person: Any, data: str | Callable[[str], bool]) -> bool:
        """Press the newest button with `data` (or the first for which it is true)."""
        wanted = data if callable(data) else (lambda d: d == data)
        for message in reversed(person.messages[-12:]):
            for found in _buttons(message):
                if wanted(found):
                    await self.press(person, found, message=message)
                    return True
        return False

    async def press(
        self, user: Any, data: str, *, message: Any = None, kind: str | None = None
    ) -> None:
        """One tap, and the bot's answer to it (counted as a reply, not as a push)."""
        before = len(user.history)
        await user.press_data(data, message=message)
        await self.idle()
        self.replies[user.id] += len(user.history) - before
        self.acted = True
        self.count(user, kind or ":".join(data.replace("|", ":").split(":")[:2]))

    async def command(self, user: Any, name: str, *, kind: str | None = None) -> None:
        await self.type(user, "/" + name, kind or "/" + name)

    async def type(self, user: Any, text: str, kind: str = "typed") -> None:
        before = len(user.history)
        await user.send(text)
        await self.idle()
        self.replies[user.id] += len(user.history) - before
        self.acted = True
        self.count(user, kind)

    def latest(self, person: Any, prefix: str) -> list[str]:
        for message in reversed(person.messages[-6:]):
            found = [d for d in _buttons(message) if d.startswith(prefix)]
            if found:
                return found
        return []

    # --- onboarding -------------------------------------------------------------------

    async def onboard(self, person: Person) -> None:
        user, rng = person.user, person.rng
        person.arrives_at = self.end  # one attempt: who gets stuck stays out
        await self.command(user, "start")
        steps: list[tuple[str, Callable[[list[str]], list[str]]]] = [
            (f"lang:{person.language}:onb", lambda found: found[:1]),
            ("consent:yes", lambda found: found[:1]),
            (f"step:role:{person.role}", lambda found: found[:1]),
        ]
        for prefix, choose in steps:
            found = self.latest(user, prefix)
            if not found:
                self.stuck["onboarding"] += 1
                return
            await self.tap(user, choose(found)[0])
        await self.type(user, user.first_name)
        await self.tap(user, f"step:municipality:{person.municipality}")
        spoken = {person.language, "fr" if rng.random() < 0.6 else "en"}
        if person.role == "buddy":
            spoken |= {"nl"} | ({"ar"} if rng.random() < 0.1 else set())
        for multi, picks in (
            # The contact language comes ticked already: tapping it would untick it.
            ("languages", sorted(spoken - {person.language})),
            ("interests", None),
            ("availability", None),
        ):
            options = [d for d in self.latest(user, f"step:{multi}:") if ":_" not in d]
            chosen = (
                [f"step:{multi}:{code}" for code in picks if f"step:{multi}:{code}" in options]
                if picks is not None
                else rng.sample(options, k=min(len(options), rng.randint(1, 3)))
            )
            for data in chosen:
                await self.tap(user, data)
            await self.tap(user, f"step:{multi}:_done")
        for single in ("dutch_level", "gender", "capacity", "gender_preference"):
            options = [d for d in self.latest(user, f"step:{single}:") if ":_" not in d]
            if options:
                if single == "capacity":
                    options = options[:1]
                elif single == "gender_preference":
                    none = [d for d in options if d.endswith(":none")]
                    options = none if none and rng.random() < 0.8 else options
                await self.tap(user, rng.choice(options))
        if not await self.tap(user, lambda d: d.startswith("sum:confirm")):
            self.stuck["onboarding"] += 1
            return
        person.onboarded_at = self.clock.now()
        person.seen = len(user.history)
        person.counted = len(user.history) - self.replies[person.id]

    # --- what people do -----------------------------------------------------------------

    def read(self, person: Person, now: datetime) -> None:
        """Look at new messages and decide when to react to each (some never do)."""
        history = person.user.history
        for message in history[person.seen :]:
            wanted = next((d for d in _buttons(message) if _reacts_to(d)), None)
            if wanted and not person.silent:
                person.todo.append((person.later(now), message.message_id, wanted, 0))
        person.seen = len(history)

    async def act(self, person: Person, now: datetime) -> None:
        due = sorted(t for t in person.todo if t[0] <= now)
        person.todo = [t for t in person.todo if t[0] > now]
        handled: set[tuple[int, str]] = set()
        for _when, message_id, data, _ in due:
            key = (message_id, data.split(":")[0])
            if key in handled or person.silent:
                continue
            handled.add(key)
            await self.react(person, message_id, data)

    async def react(self, person: Person, message_id: int, data: str) -> None:
        user, rng = person.user, person.rng
        pair = self.pair_of.get(person.id)
        message = next((m for m in user.history if m.message_id == message_id), None)
        if message is None or message.deleted:
            return
        live = _buttons(message)
        if data.startswith("meet:accept:"):
            if data in live:
                meetup = int(data.split(":")[2])
                self.forgotten[meetup] = rng.random() < person.forgets
                await self.press(user, data, message=message)
                if pair is not None:
                    pair.proposed_at = None
        elif data.startswith("hrs:yes:"):
            if pair is None or person is not pair.logger or data not in live:
                return
            meetup = int(data.split(":")[2])
            if self.forgotten.get(meetup):
                await self.press(user, data.replace("hrs:yes", "hrs:no"), message=message)
                await self.tap(user, lambda d: d.startswith("hrs:why:"))
                return
            await self.press(user, data, message=message)
            durations = self.latest(user, "pick|dur|")
            if not durations:
                self.stuck["hours"] += 1
                return
            await self.tap(user, durations[0])
        elif data.startswith("hrs:ok:"):
            if data not in live:
                return
            choice = data if rng.random() >= person.disputes else data.replace("hrs:ok", "hrs:dis")
            await self.press(user, choice, message=message)
        elif data.startswith("ck:"):
            for _ in range(12):
                options = [d for d in _buttons(user.history[-1]) if d.startswith("ck:")]
                if not options or rng.random() < 0.1:
                    return
                await self.press(user, options[0], message=user.history[-1])
        elif data.startswith("rsvp:") and data.endswith(":going") and rng.random() < 0.3:
            await self.press(user, data, message=message)
        elif data.startswith("meet:new") and pair is not None:
            pair.next_plan_at = min(pair.next_plan_at, self.clock.now())

    async def plan_meetup(
        self, pair: SimPair, now: datetime, ahead: tuple[int, int] = (2, 9)
    ) -> None:
        """The planner of the pair proposes the next meetup with the form's buttons."""
        person = pair.planner
        user, rng = person.user, person.rng
        await self.command(user, "meetup")
        soon = await self.days(user, now, ahead, "meet")
        if not soon:
            self.stuck["meetup"] += 1
            pair.next_plan_at = now + timedelta(days=2)
            await self.tap(user, "meet:stop:0")
            return
        await self.tap(user, rng.choice(soon))
        times = [d for d in self.latest(user, "pick|time|") if 10 <= int(d.split("|")[2][:2]) <= 19]
        if not times:
            self.stuck["meetup"] += 1
            return
        await self.tap(user, rng.choice(times))
        durations = self.latest(user, "pick|dur|")
        if not durations:
            self.stuck["meetup"] += 1
            return
        closest = min(durations, key=lambda d: abs(int(d.split("|")[2]) - pair.minutes))
        await self.tap(user, closest)
        await self.type(user, rng.choice(PLACES))
        kinds = self.latest(user, "meet:kind:")
        if kinds:
            await self.tap(user, rng.choice(kinds))
        if not await self.tap(user, "meet:send:0"):
            self.stuck["meetup"] += 1
            return
        pair.proposed_at = now
        pair.next_plan_at = now + timedelta(days=pair.every_days)

    async def days(self, user: Any, now: datetime, ahead: tuple[int, int], ctx: str) -> list[str]:
        """The calendar's day buttons `ahead` days from now, turning to next month once
        when the first of them are there."""
        for turn in range(2):
            found = [
                d
                for d in self.latest(user, "pick|day|")
                if d.endswith("|" + ctx)
                and ahead[0] <= (date.fromisoformat(d.split("|")[2]) - now.date()).days <= ahead[1]
            ]
            following = (now + timedelta(days=ahead[1])).strftime("%Y-%m")
            if found or turn or not await self.tap(user, f"pick|month|{following}|{ctx}"):
                return found
        return []

    async def write_to_coordinator(self, person: Person) -> None:
        user = person.user
        await self.type(user, QUESTIONS.get(person.language, QUESTIONS["en"]))
        await self.tap(user, lambda d: d.startswith("hp:s:"))

    async def report_concern(self, person: Person) -> None:
        user = person.user
        await self.command(user, "start")
        if not await self.tap(user, "hp:c:0"):
            self.stuck["concern"] += 1
            return
        kinds = self.latest(user, "cn:")
        if kinds:
            await self.tap(user, person.rng.choice(kinds))

    # --- the coordinator -------------------------------------------------------------

    async def coordinator_reads(self) -> None:
        """What the bot brought since the last look: answer, resolve, close."""
        coord = self.coordinator
        history = coord.history
        new = history[self.coordinator_seen :]
        self.coordinator_seen = len(history)
        for message in new:
            data = _buttons(message)
            text = message.text or ""
            if any(d.startswith("ib:a:") for d in data):  # a concern: take it on, answer
                await self.press(
                    coord,
                    next(d for d in data if d.startswith("ib:a:")),
                    message=message,
                    kind="concern:take",
                )
                answer = next((d for d in data if d.startswith("ib:r:")), None)
                if answer:
                    await self.press(coord, answer, message=message, kind="inbox:answer")
                    await self.type(coord, "Dank je, ik bel je vandaag nog.", "inbox:typed")
            elif any(d.startswith("ib:r:") for d in data):  # a question
                await self.press(
                    coord,
                    next(d for d in data if d.startswith("ib:r:")),
                    message=message,
                    kind="inbox:answer",
                )
                await self.type(coord, "Dag! Goede vraag, ik stuur je de info.", "inbox:typed")
            elif any(d.startswith("co:cp:") for d in data):  # 40 hours reached: close
                await self.press(
                    coord,
                    next(d for d in data if d.startswith("co:cp:")),
                    message=message,
                    kind="pair:close",
                )
                if await self.tap(coord, lambda d: d.startswith("co:cpy:")):
                    pair = int(next(d for d in data if d.startswith("co:cp:")).split(":")[2])
                    if pair in self.pairs:
                        self.pairs[pair].closed = True
            elif text.startswith("⚠️") and "#" in text and any(d.startswith("co:pr:") for d in data):
                pair_button = next(d for d in data if d.startswith("co:pr:"))
                await self.press(coord, pair_button, message=message, kind="dispute:open")
                if await self.tap(coord, lambda d: d.startswith("co:rv:")):
                    await self.tap(coord, lambda d: d.startswith("co:rt:"))
            elif text.startswith("🔕"):  # a quiet pair: ask them, then end it
                pair = int(text.split("#")[1].split()[0].rstrip(":.,"))
                self.quiet_alerts[pair] += 1
                await self.press(coord, f"co:pr:{pair}:0", kind="quiet:open")
                if self.quiet_alerts[pair] == 1:
                    if await self.tap(coord, f"co:mp:{pair}:0"):
                        await self.type(
                            coord, "Dag allebei, lukt het nog om af te spreken?", "quiet:typed"
                        )
                elif await self.tap(coord, f"co:en:{pair}:0"):
                    # Ended as "no longer available" (END_REASONS), not as completed.
                    await self.tap(coord, f"co:ex:{pair}:{END_REASONS.index('unavailable')}")
                    if pair in self.pairs:
                        self.pairs[pair].closed = True

    async def waiting(self, role: str) -> list[int]:
        """Who waits (the home screen shows how many): their ids, oldest first."""
        assert self.engine is not None
        ids = select(User.id).where(User.role == role, User.status == "waiting").order_by(User.id)
        async with self.engine.connect() as connection:
            return list((await connection.execute(ids)).scalars())

    async def match(self) -> None:
        """The morning look at the home screen; when newcomers wait, each one's
        suggestions, the best one confirmed. A newcomer no buddy fitted is looked at
        again only once more buddies are free."""
        coord = self.coordinator
        await self.command(coord, "coord", kind="coord:home")
        newcomers, buddies = await self.waiting("newcomer"), len(await self.waiting("buddy"))
        if not buddies or not any(self.tried.get(n, -1) < buddies for n in newcomers):
            return  # the home screen says who waits; nobody new to look at
        if not await self.tap(coord, "co:wl:0:0"):
            return
        for data in self.latest(coord, "co:nc:")[:10]:
            newcomer = int(data.split(":")[2])
            if self.tried.get(newcomer, -1) >= buddies:
                continue
            self.tried[newcomer] = buddies
            await self.tap(coord, data)
            if not await self.tap(coord, f"co:sg:{newcomer}:0"):
                continue
            best = self.latest(coord, f"co:mt:{newcomer}:")
            if best:
                await self.tap(coord, best[0])
                buddies -= 1

    async def broadcast(self, month: int) -> None:
        coord = self.coordinator
        await self.command(coord, "broadcast", kind="broadcast")
        if not await self.tap(coord, "bc:seg:all:"):
            self.stuck["broadcast"] += 1
            return
        await self.type(
            coord, f"Nieuws van het buddyproject, maand {month}: tot snel!", "broadcast"
        )
        await self.tap(coord, "bc:preview::")
        if not await self.tap(coord, "bc:send::"):
            self.stuck["broadcast"] += 1

    async def event(self, now: datetime) -> None:
        coord = self.coordinator
        await self.command(coord, "newevent", kind="event")
        await self.type(coord, "Buddyfeest in GC De Markten", "event")
        days = await self.days(coord, now, (7, 20), "event")
        if not days:
            self.stuck["event"] += 1
            return
        await self.tap(coord, days[0])
        times = self.latest(coord, "pick|time|")
        await self.tap(coord, next((t for t in times if "18:00" in t), times[0] if times else ""))
        await self.type(coord, "GC De Markten, Oude Graanmarkt 5", "event")
        capacity = self.latest(coord, "ev:cap:")
        if capacity:
            await self.tap(coord, capacity[-1])
        await self.type(coord, "Hapjes, muziek en spelletjes voor alle duo's.", "event")
        if not await self.tap(coord, lambda d: d.startswith("ev:save")):
            self.stuck["event"] += 1
            return
        if not await self.tap(coord, "bc:send::"):
            if await self.tap(coord, lambda d: d.startswith("ev:ann:")):
                await self.tap(coord, "bc:seg:all:")
                await self.tap(coord, "bc:preview::")
                await self.tap(coord, "bc:send::")

    # --- the hours --------------------------------------------------------------------

    async def refresh_pairs(self) -> None:
        """Pairs the coordinator made: the people know whom they were introduced to."""
        assert self.engine is not None
        newcomer, buddy = User.__table__.alias(), User.__table__.alias()
        statement = (
            select(Pair.id, newcomer.c.telegram_id, buddy.c.telegram_id)
            .join(newcomer, newcomer.c.id == Pair.newcomer_id)
            .join(buddy, buddy.c.id == Pair.buddy_id)
            .where(Pair.status == "active")
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        for pair_id, newcomer_tg, buddy_tg in rows:
            if pair_id in self.pairs:
                continue
            nc, bd = self.by_id.get(newcomer_tg), self.by_id.get(buddy_tg)
            if nc is None or bd is None:
                continue
            rng = random.Random(f"{self.seed}:pair:{pair_id}")
            now = self.clock.now()
            planner = bd if rng.random() < 0.6 else nc
            pair = SimPair(
                pair_id=pair_id,
                newcomer=nc,
                buddy=bd,
                planner=planner,
                logger=nc if rng.random() < 0.5 else bd,
                every_days=rng.uniform(8, 21),
                minutes=rng.choice([90, 120, 120, 150, 180, 240]),
                next_plan_at=now + timedelta(hours=rng.uniform(6, 72)),
                drop_at=now + timedelta(days=rng.uniform(14, 150)) if rng.random() < 0.12 else None,
            )
            if planner.silent:
                pair.planner = pair.other(planner)
            if pair.logger.silent:
                pair.logger = pair.other(pair.logger)
            self.pairs[pair_id] = pair
            self.pair_of[nc.id] = self.pair_of[bd.id] = pair

    # --- the run ----------------------------------------------------------------------

    async def hour(self, tick: int) -> None:
        now = self.clock.now()
        local = (now.hour + 1) % 24
        await self.planners(tick)
        for person in self.people:
            if person.onboarded_at is None and person.arrives_at <= now and 8 <= local < 22:
                await self.onboard(person)
        for person in self.people:
            if person.onboarded_at is None:
                continue
            self.read(person, now)
            await self.act(person, now)
            if person.silent:
                continue
            if person.asks_at and person.asks_at <= now and 8 <= local < 22:
                person.asks_at = None
                await self.write_to_coordinator(person)
            if person.concern_at and person.concern_at <= now:
                person.concern_at = None
                await self.report_concern(person)
        for pair in sorted(self.pairs.values(), key=lambda p: p.pair_id):
            if pair.closed:
                continue
            if pair.drop_at and pair.drop_at <= now:
                pair.drop_at = None
                pair.planner.silent = True  # the one who kept it going stops
            planner = pair.planner
            waiting = pair.proposed_at and now - pair.proposed_at < timedelta(days=7)
            if not planner.silent and not waiting and pair.next_plan_at <= now and 9 <= local < 21:
                await self.plan_meetup(pair, now)
        workday = now.weekday() < 5
        if workday and local in (9, 14):
            await self.coordinator_reads()
            if local == 9:
                await self.match()
                await self.refresh_pairs()
            if local == 9 and now.day <= 7 and now.weekday() == 1:  # first Tuesday
                await self.broadcast(tick // (24 * 30) + 1)
            if local == 14 and not self.event_done and tick >= 24 * 35:
                self.event_done = True
                await self.event(now)
            # The screens they opened themselves are not news: the next look starts here.
            self.coordinator_seen = len(self.coordinator.history)
        if self.acted:
            await self.settle()
            self.acted = False

    def close_week(self) -> None:
        for person in self.people:
            if person.onboarded_at is None:
                continue
            total = len(person.user.history) - self.replies[person.id]
            person.weekly.append(total - person.counted)
            person.counted = total

    async def start(self) -> None:
        """The emulator and the bot on this simulation's clock, background delivery off."""
        from emulator import Emulator

        self.emulator = Emulator(token=TOKEN)
        base_url = await self.emulator.start(host="127.0.0.1", port=0)
        self.app = await build_app(self.settings, token=TOKEN, api_url=base_url, clock=self.clock)
        self.polling = asyncio.create_task(run_polling(self.app, handle_signals=False))
        self.engine = create_engine(self.settings.database_url)
        while self.app.outbox._task is None:
            if self.polling.done():  # it could not start: say why (another poller, ...)
                self.polling.result()
                raise RuntimeError("the bot stopped before it started")
            await asyncio.sleep(0.01)
        await self.app.outbox.stop()  # deliveries happen in `settle`, on the clock
        self.coordinator = self.emulator.user(COORDINATOR_ID, "Kim", "nl")

    async def stop(self) -> None:
        if self.app is not None and self.polling is not None:
            with contextlib.suppress(RuntimeError):
                await self.app.dispatcher.stop_polling()
            await asyncio.wait_for(self.polling, timeout=30)
        if self.engine is not None:
            await self.engine.dispose()
        if self.emulator is not None:
            await self.emulator.stop()

    async def planners(self, tick: int) -> None:
        """The scheduler's periodic jobs at their intervals, on the simulated clock."""
        assert self.app is not None
        if tick % 6 == 0:
            await self.app.plan_nudges()
            await self.app.plan_check_ins()
        if tick % 24 == 0:
            await self.app.prune_processed_updates()
        await self.app.remind_concerns()
        await self.settle()

    async def run(self) -> Figures:
        started = time.perf_counter()
        await self.start()
        try:
            self.cast()
            tick = 0
            while self.clock.now() < self.end:
                await self.hour(tick)
                tick += 1
                self.clock.advance(HOUR)
                if tick % (24 * 7) == 0:
                    self.close_week()
                    if self.progress:
                        week = tick // (24 * 7)
                        print(
                            f"week {week}: {len(self.pairs)} pairs, coordinator "
                            f"{self.actions.get(week - 1, 0)} actions",
                            file=sys.stderr,
                            flush=True,
                        )
            figures = await self.measure(time.perf_counter() - started)
        finally:
            await self.stop()
        return figures

    async def measure(self, wall: float) -> Figures:
        assert self.engine is not None
        async with self.engine.connect() as connection:
            waits = (
                await connection.execute(
                    select(Pair.started_at, User.waiting_since).join(
                        User, User.id == Pair.newcomer_id
                    )
                )
            ).all()
            minutes = (
                await connection.execute(
                    select(HourEntry.pair_id, func.sum(HourEntry.minutes))
                    .where(HourEntry.status == "confirmed")
                    .group_by(HourEntry.pair_id)
                )
            ).all()
            concerns = (
                await connection.execute(select(Concern.created_at, Concern.acknowledged_at))
            ).all()
            pushed = (
                await connection.execute(
                    select(Outbox.key, func.count())
                    .join(User, User.id == Outbox.recipient_id)
                    .where(Outbox.status == "sent", User.role == "newcomer")
                    .group_by(Outbox.key)
                )
            ).all()
        days = [
            (started - since).total_seconds() / 86400
            for started, since in waits
            if started is not None and since is not None
        ]
        at_target = sum(1 for _pair, total in minutes if (total or 0) >= TARGET_MINUTES)
        in_time = sum(
            1
            for created, seen in concerns
            if seen is not None and seen - created <= timedelta(hours=24)
        )
        weeks = [
            self.actions.get(w, 0) for w in range(int((self.end - START) / timedelta(weeks=1)))
        ]
        newcomer = [n for p in self.people if p.role == "newcomer" for n in p.weekly]
        buddy = [n for p in self.people if p.role == "buddy" for n in p.weekly]
        return Figures(
            duos=self.duos,
            months=self.months,
            seed=self.seed,
            coordinator_actions_by_week=weeks,
            newcomer_messages_median=float(statistics.median(newcomer or [0])),
            newcomer_messages_p95=percentile(newcomer, 0.95),
            buddy_messages_median=float(statistics.median(buddy or [0])),
            buddy_messages_p95=percentile(buddy, 0.95),
            median_days_to_match=round(statistics.median(days or [0.0]), 2),
            pairs=len(waits),
            share_at_target=round(at_target / len(waits), 4) if waits else 0.0,
            concerns=len(concerns),
            concerns_answered_in_24h=round(in_time / len(concerns), 4) if concerns else 1.0,
            wall_seconds=round(wall, 1),
            actions_by_kind=dict(self.action_kinds),
            newcomer_pushes_by_kind={key: int(count) for key, count in pushed},
            stuck=dict(self.stuck),
        )


def summary_line(figures: Figures) -> str:
    return (
        f"duos={figures.duos} months={figures.months} "
        f"coordinator_actions_median_week={figures.median_week:g} "
        f"coordinator_actions_worst_week={figures.worst_week} "
        f"newcomer_messages_week_median={figures.newcomer_messages_median:g} "
        f"newcomer_messages_week_p95={figures.newcomer_messages_p95:g} "
        f"buddy_messages_week_p95={figures.buddy_messages_p95:g} "
        f"median_days_to_match={figures.median_days_to_match:g} "
        f"share_at_40_hours={figures.share_at_target:g} "
        f"concerns_answered_24h={figures.concerns_answered_in_24h:g} "
        f"seconds={figures.wall_seconds:g}"
    )


def simulation_settings(settings: Settings, database: Path) -> Settings:
    """The settings of a run: its own fresh database, one coordinator, and a data folder
    of its own beside it (so a simulation runs while another bot polls)."""
    for leftover in (database, *database.parent.glob(database.name + "-*")):
        leftover.unlink(missing_ok=True)
    return settings.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{database}",
            "data_dir": database.parent / (database.stem + ".data"),
            "redis_url": None,
            "coordinator_ids": [COORDINATOR_ID],
            "coordinator_chat_id": None,
            "send_rate": 1000.0,
        }
    )


async def simulate(
    settings: Settings, *, duos: int, months: int, seed: int, progress: bool = False
) -> Figures:
    """Run the simulation on `settings` (their database must be fresh)."""
    simulation = Simulation(settings, duos=duos, months=months, seed=seed)
    simulation.progress = progress
    figures = await simulation.run()
    clock_file(settings.database_url).write_text(simulation.clock.now().isoformat())
    return figures


def clock_file(database_url: str) -> Path:
    """Where a run leaves its simulated 'now', for the demo to go on from."""
    return Path(database_url.split("///", 1)[-1] + ".clock")


def run_cli(settings: Settings, args: Any) -> int:
    """`python -m bot simulate`: run, print the table and the summary line."""
    database = Path(args.database or settings.data_dir / "simulation.sqlite3").resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    local = simulation_settings(settings, database)
    figures = asyncio.run(
        simulate(local, duos=args.duos, months=args.months, seed=args.seed, progress=True)
    )
    print(figures.table())
    print(f"\nThe database is left at {database}: try `python -m bot demo --database {database}`.")
    print("simulation: " + summary_line(figures), flush=True)
    return 0
