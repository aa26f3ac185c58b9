"""Each person's own time, end to end on the real bot with a clock the test moves: quiet
hours, a day off and the time zone set with buttons under the profile ("🌙 My time"); a
nudge due on 21 July (the Belgian national day) waits for the next day, while the reminder
of a meetup on that day goes out, even at 08:30 inside quiet hours of 22:00–09:00; a
person in Toronto gets reminders at their own times, in their own clock; a typed time zone
that does not exist gets a clear answer and changes nothing; /mydata shows it all."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.settings import Settings
from domain import meetups
from domain.clock import FrozenClock
from domain.notices import Notice
from emulator import Emulator, SimulatedUser
from emulator.state import BotMessage
from handlers.my_time_buttons import MyTimeAction, MyTimeCb
from storage.db import create_engine, create_session_factory
from storage.models import Outbox
from storage.uow import UnitOfWork
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, latest_with_keyboard, menu, person, seed_pair, tap
from tests.e2e.test_meetups import deliver

BRUSSELS = ZoneInfo("Europe/Brussels")
TORONTO = ZoneInfo("America/Toronto")


def at(month: int, day: int, hour: int, minute: int = 0, tz: ZoneInfo = BRUSSELS) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=tz)


def button(action: MyTimeAction, value: object = "") -> str:
    return MyTimeCb(action=action, value=str(value)).pack()


async def open_my_time(user: SimulatedUser) -> BotMessage:
    """From the home screen: the profile, then "🌙 My time"."""
    await menu(user)
    await tap(user, "menu:profile", expect=button(MyTimeAction.OPEN))
    return await tap(user, button(MyTimeAction.OPEN), expect=button(MyTimeAction.QUIET, 0))


async def choose(user: SimulatedUser, action: MyTimeAction, value: object = "") -> BotMessage:
    await tap(user, button(action, value))
    return latest_with_keyboard(user)


async def plan_meetup(
    database_url: str, proposer: SimulatedUser, accepter: SimulatedUser, starts_at: datetime
) -> None:
    """One proposes, the other accepts, through the meetup service (the meetup flow has
    its own end-to-end tests); the reminders are queued as the bot would queue them."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    now = starts_at - timedelta(days=20)
    async with UnitOfWork(sessions) as uow:
        first = await uow.users.by_telegram_id(proposer.id)
        assert first is not None
        meetup = await meetups.propose(
            uow, first, starts_at=starts_at, minutes=90, place="Park", kind="sport", now=now
        )
        await uow.commit()
    async with UnitOfWork(sessions) as uow:
        second = await uow.users.by_telegram_id(accepter.id)
        assert second is not None
        await meetups.accept(uow, second, meetup.id, now)
        await uow.commit()
    await engine.dispose()


async def due_of(database_url: str, key: Notice, chat_id: int) -> list[datetime]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        query = select(Outbox.due_at).where(Outbox.key == key.value, Outbox.chat_id == chat_id)
        dues = sorted((await session.scalars(query)).all())
    await engine.dispose()
    return dues


def texts(user: SimulatedUser, mark: str) -> list[str]:
    return [m.text or "" for m in user.messages if (m.text or "").startswith(mark)]


async def test_a_holiday_holds_the_nudge_but_not_the_reminder_of_a_meetup_that_day(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    clock.set(at(7, 1, 10))
    amal, bram, _pair = await seed_pair(
        settings.database_url,
        emulator,
        newcomer=(8301, "Amal", "en"),
        buddy=(8302, "Bram", "en"),
        started_at=at(6, 20, 10),
    )
    screen = await open_my_time(amal)
    assert "21:00–08:00" in (screen.text or "")
    screen = await choose(amal, MyTimeAction.QUIET, 1)
    assert "22:00–09:00" in (screen.text or "")
    assert any(
        b["text"].startswith("✅") and b["callback_data"] == button(MyTimeAction.QUIET, 1)
        for row in screen.inline_keyboard
        for b in row
    )
    screen = await choose(amal, MyTimeAction.DAY_OFF, 5)  # Saturdays off
    assert "Saturday" in (screen.text or "")
    await tap(amal, button(MyTimeAction.ZONES), expect=button(MyTimeAction.ZONE, 0))
    screen = await choose(amal, MyTimeAction.ZONE, 0)
    assert "Europe/Brussels" in (screen.text or "")
    stored = await person(settings.database_url, amal.id)
    assert stored is not None
    assert (stored.quiet_from, stored.quiet_until, stored.days_off) == (22, 9, [5])
    assert stored.timezone == "Europe/Brussels"

    # A meetup on the national day at 10:30: reminders the day before and at 08:30.
    await plan_meetup(settings.database_url, bram, amal, at(7, 21, 10, 30))
    clock.set(at(7, 20, 10, 30))
    await deliver(running_bot)
    assert len(texts(amal, "⏰")) == 1

    # 21 July, 08:30: the pair has been silent for 20 days. The nudge waits for the next
    # day's end of quiet hours; the reminder of today's meetup goes out now.
    clock.set(at(7, 21, 8, 30))
    assert running_bot.app is not None
    await running_bot.app.plan_nudges()
    await deliver(running_bot)
    assert len(texts(amal, "⏰")) == 2
    assert texts(amal, "👋") == []
    assert await due_of(settings.database_url, Notice.PAIR_NUDGE, amal.id) == [at(7, 22, 9)]
    for moment in (at(7, 21, 18), at(7, 22, 8, 30)):
        clock.set(moment)
        await deliver(running_bot)
        assert texts(amal, "👋") == [], moment
    clock.set(at(7, 22, 9))
    await deliver(running_bot)
    assert len(texts(amal, "👋")) == 1

    # /mydata shows what she set.
    await amal.command("mydata")
    sent = await amal.wait_for(lambda m: m.document is not None)
    assert sent.document is not None
    profile = json.loads(sent.document.data)["profile"]
    assert (profile["quiet_from"], profile["quiet_until"], profile["days_off"]) == (22, 9, [5])
    assert profile["away_until"] is None and profile["timezone"] == "Europe/Brussels"


async def test_a_person_in_another_time_zone_gets_reminders_at_their_own_times(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    clock.set(at(9, 1, 10))
    dana, bram, _pair = await seed_pair(
        settings.database_url,
        emulator,
        newcomer=(8401, "Dana", "en"),
        buddy=(8402, "Bram", "en"),
        started_at=at(8, 25, 10),
    )
    await open_my_time(dana)
    await tap(dana, button(MyTimeAction.ZONES), expect=button(MyTimeAction.ZONE_OTHER))
    await tap(dana, button(MyTimeAction.ZONE_OTHER))
    dana.mark_read()
    await dana.send("Mars/Olympus")
    refused = await dana.wait_for(lambda m: "Mars/Olympus" in (m.text or ""))
    assert "do not know" in (refused.text or "")
    assert (await person(settings.database_url, dana.id)).timezone is None  # type: ignore[union-attr]
    dana.mark_read()
    await dana.send("america/toronto")
    saved = await dana.wait_for(lambda m: "America/Toronto" in (m.text or ""))
    assert button(MyTimeAction.QUIET, 0) in buttons_data(saved)
    await open_my_time(bram)
    await tap(bram, button(MyTimeAction.ZONES), expect=button(MyTimeAction.ZONE, 0))
    await choose(bram, MyTimeAction.ZONE, 0)

    # 16 September, 21:00 in Brussels is 15:00 in Toronto. The reminder the day before is
    # due at 21:00 Brussels time: an afternoon for Dana, the night for Bram.
    await plan_meetup(settings.database_url, bram, dana, at(9, 16, 21))
    assert (await due_of(settings.database_url, Notice.MEETUP_REMINDER, dana.id))[0] == at(
        9, 15, 15, tz=TORONTO
    )
    clock.set(at(9, 15, 21))
    await deliver(running_bot)
    [reminder] = texts(dana, "⏰")
    assert "3:00" in reminder and "9:00" not in reminder  # her clock, not Brussels'
    assert texts(bram, "⏰") == []
    clock.set(at(9, 16, 8))  # the end of Bram's quiet hours
    await deliver(running_bot)
    [his] = texts(bram, "⏰")
    assert "9:00" in his


async def test_away_until_a_picked_date_and_back_and_forged_buttons_change_nothing(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections: None,
) -> None:
    clock.set(at(3, 2, 10))
    amal, _bram, _pair = await seed_pair(
        settings.database_url, emulator, newcomer=(8501, "Amal", "en"), started_at=at(3, 1, 10)
    )
    screen = await open_my_time(amal)
    for forged in ("mytime:quiet:9", "mytime:day:7", "mytime:for:3", "mytime:zone:x"):
        amal.mark_read()
        await amal.press_data(forged, message=screen)
        answer = await amal.next_callback_answer()
        assert answer.show_alert and "not valid" in (answer.text or "")
    stored = await person(settings.database_url, amal.id)
    assert stored is not None
    assert (stored.quiet_from, stored.days_off, stored.timezone) == (21, [], None)

    await tap(amal, button(MyTimeAction.AWAY), expect=button(MyTimeAction.AWAY_DATE))
    calendar = await tap(amal, button(MyTimeAction.AWAY_DATE), expect="pick|day|")
    assert "pick|day|2027-03-02|away" not in buttons_data(calendar)  # today is not "back"
    april = await tap(amal, "pick|month|2027-04|away", expect="pick|day|2027-04-")
    assert "pick|day|2027-04-02|away" in buttons_data(april)
    await tap(amal, "pick|day|2027-04-02|away")
    screen = latest_with_keyboard(amal)
    assert "Apr 2, 2027" in (screen.text or "")
    stored = await person(settings.database_url, amal.id)
    assert stored is not None and stored.away_until is not None
    assert stored.away_until.isoformat() == "2027-04-02"

    # The pause ends by itself: on 2 April the screen no longer says "away".
    clock.set(at(4, 2, 9))
    screen = await open_my_time(amal)
    assert "Apr 2" not in (screen.text or "")
    clock.set(at(3, 5, 9))
    await tap(amal, button(MyTimeAction.AWAY), expect=button(MyTimeAction.BACK_NOW))
    screen = await choose(amal, MyTimeAction.BACK_NOW)
    assert "Apr 2" not in (screen.text or "")
    assert (await person(settings.database_url, amal.id)).away_until is None  # type: ignore[union-attr]
