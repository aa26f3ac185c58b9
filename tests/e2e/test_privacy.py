"""Privacy in the chat: /mydata sends everything we keep, /forget erases it (hours stay
only as anonymous numbers, the pair ends, the partner and coordinators are told without a
name, and no table, queued message or log line keeps the person), and asking a
coordinator to change a pair."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain import privacy as privacy_service
from domain.clock import FrozenClock
from domain.ics import parse_meetup
from emulator import Emulator
from storage.db import create_engine, create_session_factory
from storage.models import (
    AuditLog,
    Base,
    FsmRecord,
    HourEntry,
    Meetup,
    Outbox,
    Pair,
    User,
)
from storage.uow import UnitOfWork
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, scalar, seed_pair, tap
from tests.e2e.test_hours import log_hours
from tests.e2e.test_meetups import plan, wait_document


async def test_mydata_sends_everything_we_keep(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    user = emulator.user(9501, "Amal", "en")
    await onboard(user, language="en", name="Amal", languages=("ar", "fr"))
    await user.command("mydata")
    sent = await user.wait_for(lambda m: m.document is not None)
    assert sent.document is not None and sent.document.filename == "my-data.json"
    exported = json.loads(sent.document.data)
    profile = exported["profile"]
    assert profile["first_name"] == "Amal"
    assert sorted(profile["languages"]) == ["ar", "fr"]
    assert profile["telegram_id"] == 9501 and profile["consent_at"]


async def test_forget_erases_the_person_and_keeps_anonymous_hours(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9601, "Amal", "en"), buddy=(9602, "Bram", "en")
    )
    await log_hours(amal, "2026-03-01", "10:00", 60)
    await amal.command("forget")
    await amal.wait_for(lambda m: "forget:yes" in buttons_data(m))
    done = await tap(amal, "forget:yes")
    assert "erased" in (done.text or "")
    assert await person(settings.database_url, 9601) is None
    # No command to type to come back: a button leads to a fresh welcome.
    assert "menu:resume" in buttons_data(done), buttons_data(done)
    # The pair and its hours stay, without the person.
    assert (
        await scalar(settings.database_url, select(Pair.newcomer_id).where(Pair.id == pair_id))
        is None
    )
    assert await scalar(settings.database_url, select(func.sum(HourEntry.minutes))) == 60
    assert (
        await scalar(
            settings.database_url, select(HourEntry.logged_by).where(HourEntry.pair_id == pair_id)
        )
        is None
    )
    # Nothing is queued for the erased person, and no conversation state is left.
    assert (
        await scalar(
            settings.database_url,
            select(func.count()).select_from(Outbox).where(Outbox.chat_id == 9601),
        )
        == 0
    )
    assert (
        await scalar(
            settings.database_url,
            select(func.count()).select_from(FsmRecord).where(FsmRecord.key.contains("9601")),
        )
        == 0
    )
    # /mydata now says there is nothing.
    amal.mark_read()
    await amal.command("mydata")
    nothing = await amal.next_message()
    assert nothing.document is None and "no data" in (nothing.text or "")
    assert bram is not None
    # The goodbye's button begins again, in the person's phone language.
    await tap(amal, "menu:resume", expect="lang:en:onb")

    # A buddy with no meetup planned gets the way to plan one, not a command to type.
    await bram.command("meetups")
    none = await bram.wait_for(lambda m: "No meetups planned" in (m.text or ""))
    assert "menu:meetup" in buttons_data(none), buttons_data(none)


async def test_a_person_asks_the_coordinator_to_change_their_pair(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coordinator = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coordinator.command("coord")
    await coordinator.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal, _bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9701, "Amal", "en"), buddy=(9702, "Bram", "en")
    )
    await amal.command("start")
    await amal.wait_for(lambda m: "menu:pair" in buttons_data(m))
    await tap(amal, "menu:pair", expect="preq:")
    await tap(amal, "preq:end")
    notice = await coordinator.wait_for(lambda m: f"#{pair_id}" in (m.text or ""), timeout=10)
    assert "Amal" in (notice.text or "") and "end" in (notice.text or "")
    assert (
        await scalar(settings.database_url, select(Pair.status)) == "active"
    )  # the coordinator decides


# Someone whose every trace is easy to look for: a 9-digit Telegram id, a name, a place
# they type for a meetup and words they type after a command they may not use.
ERASED_ID = 987_654_321
ERASED_NAME = "Zyxwvut"
TYPED_PLACE = "Bibliotheek Vrolpex"
TYPED_ARGUMENT = "Qwerplox"
BUDDY_ID = 9802
TRACES = (str(ERASED_ID), ERASED_NAME, "Vrolpex", TYPED_ARGUMENT)


async def traces_in_database(database_url: str, needles: Sequence[str]) -> list[str]:
    """Every column value, of every row of every table, that contains one of `needles`."""
    engine = create_engine(database_url)
    found = []
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                for row in (await connection.execute(select(table))).all():
                    for column, value in zip(table.columns, row, strict=True):
                        text = str(value)
                        found += [
                            f"{table.name}.{column.name}: {text[:120]}"
                            for needle in needles
                            if needle in text
                        ]
    finally:
        await engine.dispose()
    return found


async def buddy_places(database_url: str, now: datetime) -> dict[int, int]:
    """Free places of the buddies a coordinator is offered, by Telegram id."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            coordinator = await uow.users.by_telegram_id(COORDINATOR_ID)
            assert coordinator is not None
            load = await uow.pairs.open_counts(coordinator.programme_id)
            buddies = await uow.pairs.candidate_buddies(coordinator.programme_id)
            places = {b.telegram_id: (b.capacity or 1) - load.get(b.id, 0) for b in buddies}
            return {telegram_id: free for telegram_id, free in places.items() if free > 0}
    finally:
        await engine.dispose()


async def scalar_rows(database_url: str, statement: Any, *, whole: bool = False) -> list[Any]:
    """All rows of `statement`: the first column of each, or (`whole`) each row."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            result = await uow.session.execute(statement)
            return [tuple(row) for row in result.all()] if whole else list(result.scalars())
    finally:
        await engine.dispose()


@pytest.mark.long
async def test_forget_leaves_no_trace_of_a_matched_newcomer(
    running_bot: RunningBot,
    emulator: Emulator,
    settings,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    no_rejections,
) -> None:
    caplog.set_level(logging.INFO)
    url = settings.database_url
    newcomer = emulator.user(ERASED_ID, ERASED_NAME, "en")
    await onboard(newcomer, language="en", name=ERASED_NAME, languages=("fr", "en"))
    buddy = emulator.user(BUDDY_ID, "Bram", "en")
    await onboard(buddy, language="en", role="buddy", name="Bram", languages=("fr", "nl"))
    # A coordinator matches them: both are introduced, each with the other's name.
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    erased, bram = await person(url, ERASED_ID), await person(url, BUDDY_ID)
    assert erased is not None and bram is not None
    await tap(coord, "co:wl:0:0")
    await tap(coord, f"co:nc:{erased.id}:0")
    await tap(coord, f"co:sg:{erased.id}:0")
    await tap(coord, f"co:mt:{erased.id}:{bram.id}")
    await buddy.wait_for(lambda m: ERASED_NAME in (m.text or ""), timeout=10)
    pair_id = await scalar(url, select(Pair.id).where(Pair.newcomer_id == erased.id))
    assert BUDDY_ID not in await buddy_places(url, clock.now())  # the only place is taken
    # The newcomer tries a coordinator command, with words of their own after it.
    await newcomer.send(f"/pairs {TYPED_ARGUMENT}")
    await newcomer.wait_for(lambda m: "coordinators" in (m.text or "").lower())
    # They plan a meetup at a place they type; the buddy accepts (calendar files,
    # reminders and the "did it take place?" question are queued for both).
    await newcomer.command("meetup")
    await newcomer.wait_for(lambda m: bool(m.inline_keyboard))
    await plan(newcomer, "2026-03-07", "14:00", 120, TYPED_PLACE, 1)
    proposal = await buddy.wait_for(
        lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
    )
    assert ERASED_NAME in (proposal.text or "") and TYPED_PLACE in (proposal.text or "")
    meetup_id = int(
        next(d for d in buttons_data(proposal) if d.startswith("meet:accept:")).split(":")[2]
    )
    await tap(buddy, f"meet:accept:{meetup_id}")
    await wait_document(buddy, 1)
    # Hours the newcomer noted wait for the buddy's confirmation (a message with the name).
    await log_hours(newcomer, "2026-03-01", "10:00", 60)
    await buddy.wait_for(lambda m: "hrs:ok:" in " ".join(buttons_data(m)), timeout=10)
    pending_before = await scalar(
        url,
        select(func.count())
        .select_from(Outbox)
        .where(Outbox.status == "pending", Outbox.key == "meetup.reminder"),
    )
    assert pending_before == 4  # a day before and two hours before, for each of them
    assert await traces_in_database(url, TRACES)  # the scan does find what is there

    buddy.mark_read()
    coord.mark_read()
    await newcomer.command("forget")
    await newcomer.wait_for(lambda m: "forget:yes" in buttons_data(m))
    done = await tap(newcomer, "forget:yes")
    assert "erased" in (done.text or "")

    # The buddy is told, without the name, and gets the meetup out of their calendar.
    told = await buddy.wait_for(lambda m: "left the programme" in (m.text or ""), timeout=10)
    text = told.text or ""
    assert ERASED_NAME not in text and "ended" in text and "1 planned meetup" in text
    cancellation = (await wait_document(buddy, 2))[-1]
    assert cancellation.document is not None
    assert parse_meetup(cancellation.document.data).method == "CANCEL"
    assert ERASED_NAME not in (cancellation.text or "")
    alert = await coord.wait_for(lambda m: f"#{pair_id}" in (m.text or ""), timeout=10)
    assert "erased their data" in (alert.text or "") and ERASED_NAME not in (alert.text or "")

    # The pair ended as erased; the buddy's place is free again.
    assert await scalar(url, select(Pair.status).where(Pair.id == pair_id)) == "ended"
    assert await scalar(url, select(Pair.end_reason).where(Pair.id == pair_id)) == "erased"
    assert await scalar(url, select(Pair.newcomer_id).where(Pair.id == pair_id)) is None
    assert await buddy_places(url, clock.now()) == {BUDDY_ID: 1}
    assert await scalar(url, select(User.status).where(User.telegram_id == BUDDY_ID)) == ("waiting")
    assert await scalar(url, select(Meetup.status).where(Meetup.id == meetup_id)) == "cancelled"
    # The hours stay, as numbers.
    assert await scalar(url, select(func.sum(HourEntry.minutes))) == 60
    # Nothing still to be sent is for them or speaks of them; reminders are withdrawn.
    undelivered = await scalar_rows(
        url,
        select(Outbox.chat_id, Outbox.key, Outbox.params).where(
            Outbox.status.in_(("pending", "sending"))
        ),
        whole=True,
    )
    for chat_id, key, params in undelivered:
        assert chat_id != ERASED_ID and key not in ("meetup.reminder", "meetup.ask")
        assert not any(trace in str(params) for trace in TRACES), params
    # Audit rows keep the actions, under one pseudonym.
    actors = {
        action: details.get("actor")
        for action, details in await scalar_rows(
            url, select(AuditLog.action, AuditLog.details), whole=True
        )
    }
    assert str(actors["refused.coordinator_only"]).startswith("erased-")
    assert actors["refused.coordinator_only"] == actors["person.erased"]

    # No table keeps their Telegram id, their name or what they typed; nor does any log.
    assert await traces_in_database(url, TRACES) == []
    logged = [trace for trace in TRACES if trace in caplog.text]
    assert logged == [], logged


async def test_a_buddy_who_forgets_sends_their_newcomers_back_to_the_front_of_the_list(
    settings,
) -> None:
    """The erasure service on its own: a buddy with two newcomers erases their data."""
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    now = START + timedelta(days=30)
    try:
        async with UnitOfWork(sessions) as uow:
            programme = await uow.programmes.default()
            people = {}
            for telegram_id, role, waited in (
                (9901, "buddy", 0),
                (9902, "newcomer", 20),
                (9903, "newcomer", 10),
                (9904, "admin", 0),
            ):
                people[telegram_id] = User(
                    telegram_id=telegram_id,
                    programme_id=programme.id,
                    role=role,
                    status="matched" if role != "admin" else "waiting",
                    contact_language="en",
                    first_name=f"N{telegram_id}",
                    capacity=2 if role == "buddy" else None,
                    consent_at=START,
                    profile_done_at=START,
                    waiting_since=START - timedelta(days=waited) if waited else None,
                )
                uow.users.add(people[telegram_id])
            await uow.session.flush()
            buddy = people[9901]
            pairs = [
                Pair(programme_id=programme.id, newcomer_id=people[n].id, buddy_id=buddy.id)
                for n in (9902, 9903)
            ]
            uow.session.add_all(pairs)
            await uow.session.flush()
            # A nudge still to come, to a newcomer, speaking of the pair.
            uow.outbox.enqueue(
                chat_id=9902,
                recipient_id=people[9902].id,
                key="pair.nudge",
                params={"pair_id": pairs[0].id, "days": 15},
                due_at=now + timedelta(hours=1),
            )
            erasure = await privacy_service.forget(uow, buddy, now)
            await uow.commit()
        assert erasure.pairs_ended == 2 and erasure.pseudonym.startswith("erased-")
        async with UnitOfWork(sessions) as uow:
            assert await uow.users.by_telegram_id(9901) is None
            for pair in pairs:
                stored = await uow.session.get(Pair, pair.id)
                assert stored is not None
                assert (stored.status, stored.end_reason, stored.buddy_id) == (
                    "ended",
                    "erased",
                    None,
                )
            for telegram_id, waited in ((9902, 20), (9903, 10)):
                newcomer = await uow.users.by_telegram_id(telegram_id)
                assert newcomer is not None and newcomer.status == "waiting"
                assert newcomer.waiting_since == START - timedelta(days=waited)  # their place
            rows = (await uow.session.scalars(select(Outbox).order_by(Outbox.id))).all()
            nudge = next(row for row in rows if row.key == "pair.nudge")
            assert nudge.status == "cancelled" and nudge.params == {}
            told = sorted((row.chat_id, row.key, row.params.get("rematch")) for row in rows[1:])
            assert told == [
                (9902, "pair.erased", True),
                (9903, "pair.erased", True),
                (9904, "coordinator.pair_erased", None),
                (9904, "coordinator.pair_erased", None),
            ]
            assert all(row.params.get("left") == "buddy" for row in rows[1:])
    finally:
        await engine.dispose()
