"""Saved before shown: the real bot process is killed with SIGKILL right after each
acknowledgement during onboarding and started again; every acknowledged answer is in
the database, and the conversation goes on from where it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from emulator import Emulator, SimulatedUser
from storage.models import FsmRecord, User
from tests.e2e.helpers import bot_process_env, buttons_data, person, scalar
from tests.processes import BotProcess

PERSON = 74_001


async def stored(database_url: str) -> tuple[User | None, dict[str, Any]]:
    user = await person(database_url, PERSON)
    records = await scalar(
        database_url, select(FsmRecord.data).where(FsmRecord.key.like(f"%{PERSON}%"))
    )
    return user, dict(records or {})


async def press(user: SimulatedUser, data: str) -> None:
    """Tap `data` on the newest keyboard and wait for the bot's acknowledgement."""
    for message in reversed(user.messages):
        if data in buttons_data(message):
            button = next(
                b for r in message.inline_keyboard for b in r if b.get("callback_data") == data
            )
            user.mark_read()
            await user.press(button["text"], message=message)
            await user.wait_for(lambda _m: True, timeout=20)
            return
    raise AssertionError(f"no button {data}: {buttons_data(user.last)}")


@pytest.mark.long
@pytest.mark.timeout(480)  # fifteen process starts; on a busy CI machine each takes seconds
async def test_kill_9_after_every_acknowledgement_loses_no_answer(
    clean_database: str, emulator: Emulator, compiled_locales: Path, tmp_path: Path
) -> None:
    env = bot_process_env(clean_database, emulator, compiled_locales, LOG_LEVEL="INFO")
    bot = BotProcess(env, tmp_path / "bot.log")
    newcomer = emulator.user(PERSON, "Zofia", "fr")
    Check = Callable[[User | None, dict[str, Any]], bool]

    def has(field: str, value: str) -> Check:
        def check(user: User | None, _data: dict[str, Any]) -> bool:
            stored_value = getattr(user, field, None) if user is not None else None
            return (
                value in stored_value if isinstance(stored_value, list) else stored_value == value
            )

        return check

    steps: list[tuple[str, Check]] = [
        ("lang:fr:onb", lambda _u, d: d.get("language") == "fr"),
        ("consent:yes", lambda u, _d: u is not None and u.consent_at is not None),
        ("step:role:newcomer", has("role", "newcomer")),
        ("name:Zofia", has("first_name", "Zofia")),
        ("step:municipality:21015", has("municipality", "21015")),
        ("step:languages:pl", has("languages", "pl")),  # French, the contact language, is ticked
        ("step:languages:_done", has("languages", "fr")),
        ("step:interests:sport", has("interests", "sport")),
        ("step:interests:_done", has("interests", "sport")),
        ("step:availability:weekend", has("availability", "weekend")),
        ("step:availability:_done", has("availability", "weekend")),
        ("step:dutch_level:beginner", has("dutch_level", "beginner")),
        ("step:gender:woman", has("gender", "woman")),
        ("step:gender_preference:none", has("gender_preference", "none")),
        ("sum:confirm:", lambda u, _d: u is not None and u.profile_done_at is not None),
    ]
    try:
        await bot.start()
        await newcomer.command("start")
        await newcomer.wait_for(lambda m: bool(m.inline_keyboard), timeout=20)
        for action, check in steps:
            if action.startswith("name:"):
                newcomer.mark_read()
                await newcomer.send(action.removeprefix("name:"))
                await newcomer.wait_for(lambda _m: True, timeout=20)
            else:
                await press(newcomer, action)
            await bot.kill()  # right after the acknowledgement reached the person
            user, data = await stored(clean_database)
            assert check(user, data), (action, user and user.__dict__, data)
            await bot.start()
        # Killed once more after the last acknowledgement: the profile is complete and the
        # person finds their menu with the next thing they send.
        newcomer.mark_read()
        await newcomer.command("start")
        home = await newcomer.wait_for(lambda m: "menu:" in " ".join(buttons_data(m)), timeout=20)
        assert home.inline_keyboard
    finally:
        await bot.stop()
