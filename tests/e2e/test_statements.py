"""SQL statements per update: `/start` and a typical button press cost at most four.

Every statement the database driver executes while one update is handled is counted (a
SQLAlchemy `before_cursor_execute` listener), attributed to that update by a context
variable set around `Dispatcher.feed_update`; the delivery worker and the scheduler run
in tasks of their own and are not counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.types import Update
from sqlalchemy import event

from emulator import Emulator
from tests.conftest import RunningBot
from tests.e2e.helpers import menu, seed_pair, tap

MOST = 4  # statements per update (#16)
# Consenting creates the person: their conversation, two reads (are they known yet? the
# programme of their link), the new row, the update's record and the conversation's write.
CONSENT_MOST = 7
# The progress screen: the pair, its ledger summed in one statement, this month's meetups.
PROGRESS_MOST = 5

_counting: ContextVar[list[str] | None] = ContextVar("counting", default=None)


class StatementLog:
    """The statements of each handled update, in order of arrival."""

    def __init__(self) -> None:
        self.updates: list[list[str]] = []

    def take(self) -> list[list[str]]:
        taken, self.updates = self.updates, []
        return taken


@contextmanager
def counting_statements(bot: RunningBot) -> Iterator[StatementLog]:
    app = bot.app
    assert app is not None
    log = StatementLog()
    engine = app.database.session_factory.kw["bind"].sync_engine
    dispatcher = app.dispatcher
    feed: Callable[..., Awaitable[Any]] = dispatcher.feed_update

    async def counted_feed(bot_: Any, update: Update, **kwargs: Any) -> Any:
        statements: list[str] = []
        log.updates.append(statements)
        token = _counting.set(statements)
        try:
            return await feed(bot_, update, **kwargs)
        finally:
            _counting.reset(token)

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements_of_update = _counting.get()
        if statements_of_update is not None:
            statements_of_update.append(" ".join(statement.split())[:120])

    event.listen(engine, "before_cursor_execute", listener)
    dispatcher.feed_update = counted_feed  # type: ignore[method-assign]
    try:
        yield log
    finally:
        dispatcher.feed_update = feed  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", listener)


def _report(updates: list[list[str]]) -> str:
    return "\n".join(f"{len(s)} statements:\n  " + "\n  ".join(s) for s in updates)


async def test_start_and_the_language_button_use_at_most_four_statements(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    user = emulator.user(93_001, "Amal", "ar")
    with counting_statements(running_bot) as log:
        await user.command("start")
        await user.wait_for(lambda m: bool(m.inline_keyboard))
        start = log.take()
        await tap(user, "lang:ar:onb")
        language = log.take()
        await tap(user, "consent:yes")
        consent = log.take()
    for name, updates in (("/start", start), ("language", language)):
        assert len(updates) == 1, name
        assert 0 < len(updates[0]) <= MOST, f"{name}: {_report(updates)}"
    assert len(consent) == 1
    assert 0 < len(consent[0]) <= CONSENT_MOST, _report(consent)


async def test_the_buttons_of_a_person_in_a_pair_use_at_most_four(
    running_bot: RunningBot, emulator: Emulator, database_url: str
) -> None:
    newcomer, _buddy, _pair = await seed_pair(database_url, emulator)
    counted: dict[str, list[list[str]]] = {}
    with counting_statements(running_bot) as log:
        for button in ("menu:progress", "menu:profile", "menu:pair", "menu:meetup"):
            await menu(newcomer)
            counted["/start"] = log.take()
            await tap(newcomer, button)
            counted[button] = log.take()
    for name, updates in counted.items():
        assert len(updates) == 1, name
    limits = {"menu:progress": PROGRESS_MOST}
    over = {n: u for n, u in counted.items() if not 0 < len(u[0]) <= limits.get(n, MOST)}
    assert not over, "\n".join(f"{n}: {_report(u)}" for n, u in over.items())
