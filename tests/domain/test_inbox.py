"""Being heard, at the service level (domain/inbox.py, concerns.py, pair_messages.py):
where people's messages go, who may answer, the life of a concern, who may write to whom."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain import concerns, inbox, pair_messages
from domain.errors import DomainError, NotAllowed
from domain.notices import Notice
from storage.models import (
    AuditLog,
    Concern,
    ConcernKind,
    ConcernStatus,
    PairStatus,
    Role,
    User,
)
from tests.domain.conftest import Duo, World

GROUP = -1001112223334


def sending(chat: int, message_id: int, now: datetime, group: int | None = None) -> Any:
    return lambda uow, me: inbox.send_to_coordinators(
        uow, me, inbox.Copy(chat, message_id), now, group_chat_id=group
    )


def reporting(kind: ConcernKind, now: datetime, group: int | None = None) -> Any:
    return lambda uow, me: concerns.report(uow, me, kind, now, details=None, group_chat_id=group)


async def test_without_a_group_each_coordinator_gets_the_message_outside_quiet_hours(
    world: World, duo: Duo, now: datetime
) -> None:
    kim = await world.coordinator("Kim")
    lea = await world.coordinator("Lea")
    assert await world.act(duo.newcomer_id, sending(1, 42, now)) == 2
    rows = await world.outbox(Notice.INBOX_MESSAGE.value)
    assert sorted(row.recipient_id for row in rows) == sorted([kim.id, lea.id])
    row = rows[0]
    assert (row.params["from_chat"], row.params["message_id"]) == (1, 42)
    assert row.params["pair_id"] == duo.pair_id and row.params["name"] == "Amal"
    # The words themselves are nowhere in the row.
    assert set(row.params) >= {"person_id", "role", "language", "open_concerns"}


async def test_with_a_group_the_message_goes_there_once_in_the_programmes_language(
    world: World, duo: Duo, now: datetime
) -> None:
    await world.coordinator("Kim")
    assert await world.act(duo.newcomer_id, sending(1, 42, now, GROUP)) == 1
    (row,) = await world.outbox(Notice.INBOX_MESSAGE.value)
    assert row.chat_id == GROUP and row.recipient_id is None
    assert row.params["topic"] is True and row.params["locale"] == "nl"


async def test_nobody_to_hear_is_said_rather_than_pretending(
    world: World, duo: Duo, now: datetime
) -> None:
    error = await world.refused(duo.newcomer_id, sending(1, 42, now))
    assert error.key == "no_coordinator"


async def test_only_a_coordinator_of_the_programme_answers_and_not_to_a_blocked_person(
    world: World, duo: Duo, now: datetime
) -> None:
    kim = await world.coordinator("Kim")

    def answering(person_id: int) -> Any:
        return lambda uow, me: inbox.answer(
            uow, me, person_id, inbox.Copy(me.telegram_id, 7), now, coordinator_name="Kim"
        )

    refused = await world.refused(duo.buddy_id, answering(duo.newcomer_id))
    assert isinstance(refused, NotAllowed)
    elsewhere = await world.coordinator("Max", programme_id=await world.programme("other"))
    assert (await world.refused(elsewhere.id, answering(duo.newcomer_id))).key == "other_programme"
    await world.act(kim.id, answering(duo.newcomer_id))
    (row,) = await world.outbox(Notice.INBOX_REPLY.value)
    assert row.recipient_id == duo.newcomer_id and row.params["coordinator_name"] == "Kim"
    assert row.params["undelivered"]["chat_id"] == kim.telegram_id
    async with world.uow() as uow:
        amal = await world.member(uow, duo.newcomer_id)
        amal.reachable = False
        await uow.commit()
    assert (await world.refused(kim.id, answering(duo.newcomer_id))).key == "person_unreachable"
    assert [a.action for a in await world.rows(AuditLog)] == ["inbox.answer"]


async def test_a_concern_moves_open_acknowledged_closed_telling_the_reporter_only(
    world: World, duo: Duo, now: datetime, clock: Any
) -> None:
    kim = await world.coordinator("Kim")
    concern = await world.act(duo.newcomer_id, reporting(ConcernKind.PARTNER, now))
    assert concern.pair_id == duo.pair_id and concern.status == ConcernStatus.OPEN.value
    await world.act(kim.id, lambda uow, me: concerns.acknowledge(uow, me, concern.id, now))
    await world.act(kim.id, lambda uow, me: concerns.acknowledge(uow, me, concern.id, now))
    await world.act(kim.id, lambda uow, me: concerns.close(uow, me, concern.id, now))
    stored = await world.get(Concern, concern.id)
    assert stored.status == ConcernStatus.CLOSED.value and stored.closed_by == kim.id
    told = [row.key for row in await world.outbox(recipient_id=duo.newcomer_id)]
    assert told == [Notice.CONCERN_ACKNOWLEDGED.value, Notice.CONCERN_CLOSED.value]
    assert await world.outbox(recipient_id=duo.buddy_id) == []
    actions = [a.action for a in await world.rows(AuditLog)]
    assert actions == ["concern.reported", "concern.acknowledged", "concern.closed"]
    # A partner (or anyone not a coordinator) cannot take it on.
    refused = await world.refused(
        duo.buddy_id, lambda uow, me: concerns.close(uow, me, concern.id, now)
    )
    assert isinstance(refused, NotAllowed)


async def test_an_urgent_concern_ignores_quiet_hours_and_a_day_of_silence_reminds_once(
    world: World, duo: Duo, clock: Any
) -> None:
    kim = await world.coordinator("Kim")
    night = datetime(2026, 3, 2, 22, 30, tzinfo=clock.now().tzinfo)
    await world.act(duo.newcomer_id, reporting(ConcernKind.UNSAFE, night, GROUP))
    urgent = await world.outbox(Notice.CONCERN_REPORTED.value)
    assert {row.chat_id for row in urgent} == {GROUP, kim.telegram_id}
    assert all(row.due_at == night and row.priority == 0 for row in urgent)
    await world.act(duo.newcomer_id, reporting(ConcernKind.OTHER, night))
    later = night + timedelta(hours=23)
    async with world.uow() as uow:
        assert await concerns.remind_unacknowledged(uow, later) == 0
        await uow.commit()
    async with world.uow() as uow:
        assert await concerns.remind_unacknowledged(uow, night + timedelta(hours=25)) == 2
        await uow.commit()
    async with world.uow() as uow:
        assert await concerns.remind_unacknowledged(uow, night + timedelta(hours=26)) == 0
        await uow.commit()
    reminders = await world.outbox(Notice.CONCERN_REMINDER.value)
    assert len(reminders) == 2 and all(row.recipient_id == kim.id for row in reminders)


async def test_reporting_about_a_partner_needs_a_pair(world: World, now: datetime) -> None:
    await world.coordinator("Kim")
    loner = await world.person(Role.NEWCOMER, "Nadia")
    error = await world.refused(loner.id, reporting(ConcernKind.PARTNER, now))
    assert error.key == "no_pair"


async def test_only_the_two_of_an_active_pair_write_to_each_other(
    world: World, duo: Duo, now: datetime
) -> None:
    other = await world.duo("Olena", "Jan")

    async def pair_for(person_id: int, pair_id: int) -> Any:
        async with world.uow() as uow:
            me: User = await world.member(uow, person_id)
            return await pair_messages.pair_for_writing(uow, me, pair_id)

    assert await pair_for(other.newcomer_id, duo.pair_id) is None
    pair = await pair_for(duo.newcomer_id, duo.pair_id)
    assert pair is not None

    def writing(pair_id: int) -> Any:
        async def step(uow: Any, me: User) -> User:
            found = await uow.pairs.get(pair_id)
            return await pair_messages.write(uow, me, found, inbox.Copy(me.telegram_id, 5), now)

        return step

    partner = await world.act(duo.newcomer_id, writing(duo.pair_id))
    assert partner.id == duo.buddy_id
    (row,) = await world.outbox(Notice.PAIR_MESSAGE.value)
    assert row.recipient_id == duo.buddy_id and row.params["sender_name"] == "Amal"
    await world.set_pair_status(duo.pair_id, PairStatus.PAUSED)
    refused = await world.refused(duo.buddy_id, writing(duo.pair_id))
    assert refused.key == "relay_closed"
    assert isinstance(refused, DomainError)


async def test_erasing_a_person_removes_their_concerns_and_what_was_queued_about_them(
    world: World, now: datetime
) -> None:
    from domain import privacy
    from storage.models import InboxThread, Outbox

    await world.coordinator("Kim")
    nadia = await world.person(Role.NEWCOMER, "Nadia")  # no pair: only person_id names her
    await world.act(nadia.id, sending(nadia.telegram_id, 3, now))
    await world.act(nadia.id, reporting(ConcernKind.OTHER, now))
    async with world.uow() as uow:
        uow.inbox.add(InboxThread(programme_id=nadia.programme_id, person_id=nadia.id))
        await uow.commit()
    exported = await world.act(nadia.id, lambda uow, me: privacy.export(uow, me))
    assert [c["kind"] for c in exported["concerns"]] == ["other"]
    await world.act(nadia.id, lambda uow, me: privacy.forget(uow, me, now))
    assert await world.rows(Concern) == []
    assert await world.rows(InboxThread) == []
    about_her = [
        row for row in await world.rows(Outbox) if row.key.startswith(("inbox", "concern"))
    ]
    assert about_her and all(row.params == {} and row.status == "cancelled" for row in about_her)
