"""Community events end to end: a coordinator creates and announces an event, people
answer with buttons, the capacity holds with a waiting list that moves up, reminders
are planned, and the coordinator messages only the people going."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from domain.clock import FrozenClock
from emulator import Emulator, SimulatedUser
from handlers.event_buttons import EvCb, RsvpCb
from handlers.pickers import PickCb
from storage.models import Event, Outbox, Rsvp
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, say, scalar, tap
from tests.e2e.test_broadcasts import bc, coordinator, seed_members, send_and_wait_for_report

EVENT_DAY = date(2026, 3, 5)  # three days after the tests' clock


def ev(action: str, id: int = 0, value: str = "") -> str:
    return EvCb(action=action, id=id, value=value).pack()


def pick(kind: str, value: str) -> str:
    return PickCb(kind=kind, value=value, ctx="event").pack()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"send_rate": 150.0})


async def create_event(coord: SimulatedUser, database_url: str, capacity: str = "10") -> int:
    await coord.command("newevent")
    await coord.wait_for(lambda m: "title" in (m.text or "").lower())
    await say(coord, "Lentefeest in het park")
    await coord.wait_for(lambda m: pick("day", EVENT_DAY.isoformat()) in buttons_data(m))
    await tap(coord, pick("day", EVENT_DAY.isoformat()))
    await coord.wait_for(lambda m: pick("time", "18:00") in buttons_data(m))
    await tap(coord, pick("time", "18:00"))
    await say(coord, "Warandepark, bij de fontein")
    await coord.wait_for(lambda m: ev("cap", value=capacity) in buttons_data(m))
    await tap(coord, ev("cap", value=capacity))
    await say(coord, "Picknick & spelletjes <3\nBreng iets mee om te delen (5 < 10 euro).")
    await coord.wait_for(lambda m: ev("save") in buttons_data(m))
    await tap(coord, ev("lang", value="fr"))
    await say(coord, "Fête du printemps au parc\nPique-nique et jeux.")
    await coord.wait_for(lambda m: ev("save") in buttons_data(m))
    await tap(coord, ev("save"))
    view = await coord.wait_for(
        lambda m: "Lentefeest" in (m.text or "") and "ev:ann" in str(buttons_data(m))
    )
    event_id = await scalar(database_url, select(Event.id))
    assert ev("ann", event_id) in buttons_data(view)
    return int(event_id)


@pytest.mark.long
async def test_capacity_waiting_list_reminders_and_messages_to_the_people_going(
    running_bot: RunningBot,
    emulator: Emulator,
    settings: Settings,
    clock: FrozenClock,
    no_rejections,
) -> None:
    ids = await seed_members(settings.database_url, emulator, 12, languages=("nl", "fr", "en"))
    users = {user.id: user for user in emulator.users}
    coord = await coordinator(emulator)
    event_id = await create_event(coord, settings.database_url)

    await tap(coord, ev("ann", event_id))
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    await tap(coord, bc("seg", "all"))
    await coord.wait_for(lambda m: bc("send") in buttons_data(m))
    report = await send_and_wait_for_report(coord)
    assert "Sent: 12" in report

    going = RsvpCb(event=event_id, answer="going").pack()
    invitation_of = {}
    for index, telegram_id in enumerate(ids):
        person = users[telegram_id]
        invitation = await person.wait_for(lambda m: going in buttons_data(m), include_earlier=True)
        if index % 3 == 1:  # French speakers got the French version
            assert "Fête du printemps" in (invitation.text or "")
        else:
            assert "Lentefeest" in (invitation.text or "")
        if index % 3 == 0:  # typed plain: "&", "<3" and "<" arrive as typed
            assert "Picknick & spelletjes <3\n" in (invitation.text or "")
            assert "(5 < 10 euro)" in (invitation.text or "")
        invitation_of[telegram_id] = invitation.message_id
        person.mark_read()
        await person.press_data(going, message=invitation)
        answer = await person.next_callback_answer()
        if index < 10:
            assert not answer.show_alert, answer.text
        else:
            # On the waiting list, told their place (in their own language).
            assert answer.show_alert and str(index - 9) in (answer.text or "")
    url = settings.database_url
    in_count = select(func.count()).select_from(Rsvp).where(Rsvp.answer == "going")
    assert await scalar(url, in_count.where(Rsvp.waitlisted.is_(False))) == 10
    assert await scalar(url, in_count.where(Rsvp.waitlisted.is_(True))) == 2
    reminders = select(func.count()).select_from(Outbox).where(Outbox.key == "event.reminder")
    assert await scalar(url, reminders.where(Outbox.status == "pending")) == 10

    # Someone with a place cancels: the first person waiting moves up and is told.
    leaver, first_waiting, second_waiting = users[ids[3]], users[ids[10]], users[ids[11]]
    leaver.mark_read()
    await leaver.press_data(RsvpCb(event=event_id, answer="no").pack())
    await leaver.next_callback_answer()
    told = await first_waiting.wait_for(
        lambda m: m.message_id != invitation_of[ids[10]] and "Fête du printemps" in (m.text or ""),
        timeout=10,
    )  # in their own language (French)
    assert (told.text or "").startswith("🎉")
    assert await scalar(url, in_count.where(Rsvp.waitlisted.is_(False))) == 10
    assert await scalar(url, in_count.where(Rsvp.waitlisted.is_(True))) == 1
    assert await scalar(url, reminders.where(Outbox.status == "pending")) == 10
    assert await scalar(url, reminders.where(Outbox.status == "cancelled")) == 1
    moved_up = select(func.count()).select_from(Outbox).where(Outbox.key == "event.moved_up")
    assert await scalar(url, moved_up) == 1
    assert len(second_waiting.messages) == 1  # only the invitation

    # The coordinator's view lists who is going and who waits.
    await coord.command("events")
    await coord.wait_for(lambda m: ev("view", event_id) in buttons_data(m))
    view = await tap(coord, ev("view", event_id))
    assert "P10" in (view.text or "") and "10 of 10" in (view.text or "")
    assert "P3," not in (view.text or "")

    # A message to the people going reaches exactly those ten.
    for user in users.values():
        user.mark_read()
    await tap(coord, ev("msg", event_id))
    await coord.wait_for(lambda m: "Dutch" in (m.text or ""))
    # "picknickdeken" typed in bold in the app (an entity after an emoji: UTF-16 offsets).
    await coord.send(
        "Tot morgen 🧺! Vergeet je picknickdeken niet.",
        entities=[{"type": "bold", "offset": 26, "length": 13}],
    )
    await coord.wait_for(lambda m: bc("preview") in buttons_data(m))
    await tap(coord, bc("preview"))
    await coord.wait_for(lambda m: bc("send") in buttons_data(m))
    report = await send_and_wait_for_report(coord)
    assert "Sent: 10" in report
    got_it = {
        telegram_id
        for telegram_id in ids
        if any("picknickdeken" in (m.text or "") for m in users[telegram_id].messages)
    }
    going_now = {i for n, i in enumerate(ids) if n < 11 and n != 3}
    assert got_it == going_now
    dutch = next(m for m in users[ids[0]].messages if "picknickdeken" in (m.text or ""))
    assert dutch.text == "Tot morgen 🧺! Vergeet je picknickdeken niet."
    assert dutch.entities == [{"type": "bold", "offset": 26, "length": 13}]

    # The day before, at the time of the event, the people going get their reminder.
    clock.set(datetime(2026, 3, 4, 17, 1, tzinfo=UTC))  # 18:01 in Brussels
    reminded = await first_waiting.wait_for(lambda m: "⏰" in (m.text or ""), timeout=10)
    assert "Fête du printemps" in (reminded.text or "")
    for _ in range(50):
        sent = reminders.where(Outbox.status == "sent")
        if await scalar(url, sent) == 10:
            break
        await asyncio.sleep(0.1)
    assert await scalar(url, reminders.where(Outbox.status == "sent")) == 10
    assert not any("⏰" in (m.text or "") for m in leaver.messages)


async def test_bad_event_input_changes_nothing(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    coord = await coordinator(emulator)
    await coord.command("newevent")
    await coord.wait_for(lambda m: "title" in (m.text or "").lower())
    too_long = await say(coord, "x" * 200)
    assert "too long" in (too_long.text or "")
    await say(coord, "Taalcafé")
    await coord.wait_for(lambda m: "Which day" in (m.text or ""), include_earlier=True)
    typed = await say(coord, "morgen")  # a button is expected
    assert "buttons" in (typed.text or "")
    coord.mark_read()
    await coord.press_data(pick("day", "2020-01-01"))  # forged: a day in the past
    assert (await coord.next_callback_answer()).show_alert
    coord.mark_read()
    await coord.press_data(ev("view", 999))  # forged: no such event
    assert (await coord.next_callback_answer()).show_alert
    await tap(coord, ev("cancel"))
    assert await scalar(settings.database_url, select(func.count()).select_from(Event)) == 0


async def test_only_people_the_event_was_offered_to_can_answer(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    url = settings.database_url
    ids = await seed_members(url, emulator, 4, languages=("fr", "nl"))
    users = {user.id: user for user in emulator.users}
    coord = await coordinator(emulator)
    event_id = await create_event(coord, url)
    # Announced to the French speakers only.
    await tap(coord, ev("ann", event_id))
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    await tap(coord, bc("menu", "language"))
    await tap(coord, bc("seg", "language", "fr"))
    await coord.wait_for(lambda m: bc("send") in buttons_data(m))
    assert "Sent: 2" in await send_and_wait_for_report(coord)
    going = RsvpCb(event=event_id, answer="going").pack()
    invited, outsider = users[ids[0]], users[ids[1]]  # French, Dutch
    invitation = await invited.wait_for(lambda m: going in buttons_data(m), include_earlier=True)
    assert not any(going in buttons_data(m) for m in outsider.messages)
    # Someone who joins after the announcement was not offered it either.
    [late_id] = await seed_members(url, emulator, 1, first_id=90_500, languages=("fr",))
    late = next(user for user in emulator.users if user.id == late_id)

    # Refused as any forged button is, in the person's own language.
    for person, not_found in ((outsider, "niet vinden"), (late, "pas trouvé")):
        await person.command("help")  # a chat with the bot, and a message to press under
        help_message = await person.next_message()
        for answer in ("going", "maybe", "no"):  # forged: no invitation carried them
            person.mark_read()
            await person.press_data(
                RsvpCb(event=event_id, answer=answer).pack(), message=help_message
            )
            refused = await person.next_callback_answer()
            assert refused.show_alert and not_found in (refused.text or ""), refused.text
        assert person.messages == [help_message]  # nothing was edited or sent
    rsvps = select(func.count()).select_from(Rsvp)
    assert await scalar(url, rsvps) == 0
    assert (
        await scalar(
            url, select(func.count()).select_from(Outbox).where(Outbox.key == "event.reminder")
        )
        == 0
    )

    # The person it was announced to answers as before.
    invited.mark_read()
    await invited.press_data(going, message=invitation)
    accepted = await invited.next_callback_answer()
    assert not accepted.show_alert and "place est réservée" in (accepted.text or "")
    assert await scalar(url, rsvps) == 1
