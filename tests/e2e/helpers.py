"""Helpers for end-to-end tests: press buttons by their callback data, finish onboarding,
read what the database holds."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from emulator import BotMessage, Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import User
from tests.conftest import COORDINATOR_ID, TOKEN


def data_of(button: dict[str, Any]) -> str:
    return str(button.get("callback_data", ""))


def buttons_data(message: BotMessage) -> list[str]:
    return [data_of(b) for row in message.inline_keyboard for b in row]


def ticked(message: BotMessage) -> set[str]:
    """The values of a multi-select question shown as chosen (✅) on this keyboard."""
    return {
        data_of(b).rsplit(":", 1)[-1]
        for row in message.inline_keyboard
        for b in row
        if str(b.get("text", "")).startswith("✅")
    }


def latest_with_keyboard(user: SimulatedUser) -> BotMessage:
    for message in reversed(user.messages):
        if message.inline_keyboard:
            return message
    raise AssertionError(f"no message with buttons; last: {user.last.text!r}")


async def tap(
    user: SimulatedUser, data: str, timeout: float = 5.0, *, expect: str | None = None
) -> BotMessage:
    """Press the button carrying `data` on the newest keyboard that has it (a person
    scrolls up to a question the bot asked before a later message), as the person's
    finger would, and wait for the bot's reaction (a new or edited message); with
    `expect`, for a message with a button whose data starts with it."""
    latest = latest_with_keyboard(user)
    for message in reversed(user.messages):
        for row in message.inline_keyboard:
            for button in row:
                if data_of(button) == data:
                    await user.press(button["text"], message=message)
                    if expect is not None:
                        return await user.wait_for(
                            lambda m: any(d.startswith(expect) for d in buttons_data(m)),
                            timeout=timeout,
                        )
                    return await user.wait_for(lambda _m: True, timeout=timeout)
    raise AssertionError(f"no button {data!r} on any keyboard; latest: {buttons_data(latest)}")


async def menu(user: SimulatedUser) -> BotMessage:
    """Open the person's home screen (/start) and return it, with the menu's buttons."""
    await user.command("start")
    return await user.wait_for(lambda m: "menu:profile" in buttons_data(m))


async def say(user: SimulatedUser, text: str, timeout: float = 5.0) -> BotMessage:
    """Type `text` and wait for the bot's answer."""
    await user.send(text)
    return await user.wait_for(lambda _m: True, timeout=timeout)


def script_share(text: str, script: str) -> float:
    """Share of letters in `text` whose Unicode name starts with `script` (ARABIC, CYRILLIC)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if unicodedata.name(c, "").startswith(script)) / len(letters)


async def onboard(
    user: SimulatedUser,
    *,
    language: str,
    role: str | None = "newcomer",
    name: str = "Amal",
    municipality: str = "21015",
    languages: Sequence[str] = ("ar", "fr"),
    interests: Sequence[str] = ("sport", "dutch_practice"),
    availability: Sequence[str] = ("weekend",),
    dutch_level: str = "beginner",
    gender: str = "woman",
    gender_preference: str = "none",
    capacity: str = "1",
    start_args: str | None = None,
) -> BotMessage:
    """Walk through onboarding with buttons and return the bot's home message."""
    await user.command("start", start_args)
    first = await user.wait_for(lambda m: bool(m.inline_keyboard))
    if f"lang:{language}:onb" in buttons_data(first):
        await tap(user, f"lang:{language}:onb")
    else:
        raise AssertionError(f"no button for {language}: {buttons_data(first)}")
    await tap(user, "consent:yes")
    if role is not None:
        await tap(user, f"step:role:{role}")
    await say(user, name)
    await tap(user, f"step:municipality:{municipality}")
    for code in languages:
        if code not in ticked(latest_with_keyboard(user)):  # the contact language comes ticked
            await tap(user, f"step:languages:{code}")
    for code in ticked(latest_with_keyboard(user)) - set(languages):
        await tap(user, f"step:languages:{code}")
    await tap(user, "step:languages:_done")
    for kind in interests:
        await tap(user, f"step:interests:{kind}")
    await tap(user, "step:interests:_done")
    for slot in availability:
        await tap(user, f"step:availability:{slot}")
    await tap(user, "step:availability:_done")
    await tap(user, f"step:dutch_level:{dutch_level}")
    effective_role = role or ("buddy" if (start_args or "").startswith("bd-") else "newcomer")
    await tap(user, f"step:gender:{gender}")
    if effective_role == "buddy":
        await tap(user, f"step:capacity:{capacity}")
    else:
        await tap(user, f"step:gender_preference:{gender_preference}")
    summary = latest_with_keyboard(user)
    assert "sum:confirm:" in buttons_data(summary), buttons_data(summary)
    await user.press(
        next(b["text"] for r in summary.inline_keyboard for b in r if data_of(b) == "sum:confirm:"),
        message=summary,
    )
    return await user.wait_for(lambda m: "menu:" in " ".join(buttons_data(m)))


async def person(database_url: str, telegram_id: int) -> User | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(select(User).where(User.telegram_id == telegram_id))
            ).first()
            if row is None:
                return None
            return User(**row._mapping)
    finally:
        await engine.dispose()


async def scalar(database_url: str, statement: Any) -> Any:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(statement)).scalar()
    finally:
        await engine.dispose()


async def seed_pair(
    database_url: str,
    emulator: Any,
    *,
    newcomer: tuple[int, str, str] = (8001, "Amal", "ar"),
    buddy: tuple[int, str, str] = (8002, "Bram", "nl"),
    started_at: Any = None,
) -> tuple[SimulatedUser, SimulatedUser, int]:
    """A newcomer and a buddy who finished onboarding and were matched, written straight
    to the database (matching has its own tests); returns both users and the pair id."""
    from datetime import UTC, datetime

    from sqlalchemy.ext.asyncio import async_sessionmaker

    from storage.models import Pair, Programme

    moment = started_at or datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    people = []
    async with sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        for (telegram_id, name, language), role in ((newcomer, "newcomer"), (buddy, "buddy")):
            person = User(
                telegram_id=telegram_id,
                programme_id=programme.id,
                role=role,
                status="matched",
                contact_language=language,
                first_name=name,
                municipality="21015",
                languages=[language, "fr"],
                interests=["culture", "sport"],
                availability=["weekend"],
                dutch_level="beginner",
                gender="unsaid",
                gender_preference="none",
                capacity=1 if role == "buddy" else None,
                consent_at=moment,
                profile_done_at=moment,
                waiting_since=moment,
            )
            session.add(person)
            people.append(person)
        await session.flush()
        pair = Pair(
            programme_id=programme.id,
            newcomer_id=people[0].id,
            buddy_id=people[1].id,
            status="active",
            target_hours=40,
            started_at=moment,
        )
        session.add(pair)
        await session.commit()
        pair_id = pair.id
    await engine.dispose()
    return (
        emulator.user(newcomer[0], newcomer[1], newcomer[2]),
        emulator.user(buddy[0], buddy[1], buddy[2]),
        pair_id,
    )


def bot_process_env(
    database_url: str, emulator: Emulator, data_dir: Path, **settings: str
) -> dict[str, str]:
    """The environment of a real `python -m bot run` process against this emulator (the
    crash tests kill it with SIGKILL); `settings` add or override variables."""
    return {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emulator.base_url or "",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "COORDINATOR_IDS": str(COORDINATOR_ID),
        **settings,
    }
