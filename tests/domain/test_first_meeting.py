"""The first meeting (domain/first_meeting.py) at the service level, on SQLite with a
frozen clock: the guide and the questions are outbox rows of the pair's first agreed
meetup, withdrawn when it moves, is cancelled or did not happen; the answers are kept
once; a "no" is a change request the coordinators see, audited; refusals change nothing;
/mydata shows the answers and /forget erases them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from domain import first_meeting, meetups, privacy
from domain.first_meeting import ASK_AFTER, GUIDE_BEFORE
from storage.models import (
    AuditLog,
    FirstMeetingAnswer,
    FirstMeetingQuestion,
    FirstMeetingReply,
    Meetup,
)
from tests.domain.conftest import (
    Action,
    Duo,
    World,
    accept,
    accepted_meetup,
    changing,
    not_happening,
    on,
    propose,
)

SATURDAY_AFTERNOON = timedelta(days=5, hours=5)  # from Monday 09:00 UTC: Saturday 15:00 Brussels
FEELS, GO_ON = FirstMeetingQuestion.FEELS_RIGHT, FirstMeetingQuestion.GO_ON
YES, NO = FirstMeetingReply.YES, FirstMeetingReply.NO


def answering(
    meetup_id: int, question: FirstMeetingQuestion, reply: FirstMeetingReply, now: datetime
) -> Action:
    return lambda uow, person: first_meeting.answer(uow, person, meetup_id, question, reply, now)


async def first_meeting_rows(world: World, meetup_id: int) -> list[tuple[str | None, datetime]]:
    """The pending guide and question rows of this meetup, as (dedup key, due), sorted."""
    prefix = f"first-meeting:{meetup_id}:"
    rows = await world.outbox()
    return sorted(
        (r.dedup_key, r.due_at) for r in rows if r.dedup_key and r.dedup_key.startswith(prefix)
    )


def planned(
    meetup_id: int, sequence: int, duo: Duo, guide_at: datetime, ask_at: datetime
) -> list[tuple[str | None, datetime]]:
    prefix = f"first-meeting:{meetup_id}:s{sequence}"
    return sorted(
        (f"{prefix}:{what}:{member}", due)
        for member in (duo.newcomer_id, duo.buddy_id)
        for what, due in (("guide", guide_at), ("ask", ask_at))
    )


async def held_first_meeting(world: World, duo: Duo, now: datetime) -> int:
    """The pair's first meeting, agreed and over: the clock stands after its end."""
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    world.clock.set(starts_at + timedelta(hours=2) + ASK_AFTER)
    return meetup_id


# --- the guide and the questions are planned with the first agreed meetup ----------------


async def test_accepting_the_first_meetup_plans_the_guide_and_the_questions_for_both(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)

    end = starts_at + timedelta(minutes=120)
    assert await first_meeting_rows(world, meetup_id) == planned(
        meetup_id, 0, duo, starts_at - GUIDE_BEFORE, end + ASK_AFTER
    )
    guides = await world.outbox("first_meeting.guide")
    by_reader = {row.recipient_id: row.params for row in guides}
    assert by_reader[duo.newcomer_id]["name"] == "Bram"
    assert by_reader[duo.buddy_id]["name"] == "Amal"
    assert (by_reader[duo.newcomer_id]["role"], by_reader[duo.buddy_id]["role"]) == (
        "newcomer",
        "buddy",
    )
    assert by_reader[duo.newcomer_id]["languages"] == ["en"]  # both speak English
    # Useless once the meeting started: dropped rather than sent late.
    assert {row.params["expires_at"] for row in guides} == {starts_at.isoformat()}
    # A later meetup is no first meeting: nothing more is planned.
    later = await accepted_meetup(world, duo, starts_at + timedelta(days=7), 60)
    assert await first_meeting_rows(world, later) == []
    assert (await world.get(Meetup, later)).is_introduction is False


async def test_a_first_meeting_less_than_a_day_ahead_gets_its_guide_at_once(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + timedelta(hours=6)  # 16:00 in Brussels today
    meetup_id = await accepted_meetup(world, duo, starts_at, 60)
    guides = [due for key, due in await first_meeting_rows(world, meetup_id) if ":guide:" in key]
    assert guides == [now, now]


async def test_after_a_declined_introduction_the_next_meetup_is_the_first_meeting(
    world: World, duo: Duo, now: datetime
) -> None:
    declined = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    await world.act(duo.buddy_id, on(meetups.decline, declined.id, now))
    second = await propose(world, duo.buddy_id, now + SATURDAY_AFTERNOON + timedelta(days=1))
    assert second.is_introduction is True
    [proposal] = [
        r for r in await world.outbox("meetup.proposed") if r.params["meetup_id"] == second.id
    ]
    assert proposal.params["intro"] is True  # "proposes your introduction meeting"
    await accept(world, duo.newcomer_id, second.id)
    assert len(await first_meeting_rows(world, second.id)) == 4


async def test_the_meetup_agreed_first_is_the_first_meeting_whichever_was_proposed_first(
    world: World, duo: Duo, now: datetime
) -> None:
    proposed_first = await propose(world, duo.newcomer_id, now + SATURDAY_AFTERNOON)
    proposed_next = await propose(world, duo.newcomer_id, now + timedelta(days=2))
    assert (proposed_first.is_introduction, proposed_next.is_introduction) == (True, False)
    await accept(world, duo.buddy_id, proposed_next.id)
    await accept(world, duo.buddy_id, proposed_first.id)

    assert (await world.get(Meetup, proposed_next.id)).is_introduction is True
    assert (await world.get(Meetup, proposed_first.id)).is_introduction is False
    assert len(await first_meeting_rows(world, proposed_next.id)) == 4
    assert await first_meeting_rows(world, proposed_first.id) == []


async def test_moving_cancelling_or_missing_the_meeting_withdraws_guide_and_questions(
    world: World, duo: Duo, now: datetime
) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    # Moved: withdrawn, and planned again (a higher sequence) once the new time is accepted.
    new_time = starts_at + timedelta(days=1)
    await world.act(duo.newcomer_id, changing(meetup_id, new_time, now, minutes=60))
    assert await first_meeting_rows(world, meetup_id) == []
    await accept(world, duo.buddy_id, meetup_id)
    assert await first_meeting_rows(world, meetup_id) == planned(
        meetup_id, 1, duo, new_time - GUIDE_BEFORE, new_time + timedelta(minutes=60) + ASK_AFTER
    )
    # It did not happen: no questions about it.
    world.clock.set(new_time + timedelta(hours=1))
    await world.act(duo.buddy_id, not_happening(meetup_id, "no_show", world.clock.now()))
    assert await first_meeting_rows(world, meetup_id) == []
    # Cancelled before it: likewise.
    other = await world.duo("Chen", "Dirk")
    theirs = await accepted_meetup(world, other, world.clock.now() + SATURDAY_AFTERNOON)
    await world.act(other.buddy_id, on(meetups.cancel, theirs, world.clock.now()))
    assert await first_meeting_rows(world, theirs) == []


# --- the answers --------------------------------------------------------------------------


async def test_two_yeses_are_kept_and_nobody_else_hears_of_them(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    meetup_id = await held_first_meeting(world, duo, now)
    later = world.clock.now()
    before = {r.id for r in await world.outbox(status=None)}
    await world.act(duo.newcomer_id, answering(meetup_id, FEELS, YES, later))
    result = await world.act(duo.newcomer_id, answering(meetup_id, GO_ON, YES, later))

    assert result.answers == {"feels_right": "yes", "go_on": "yes"}
    assert result.next_question() is None and result.any_no is False
    rows = await world.rows(FirstMeetingAnswer)
    assert [(r.person_id, r.pair_id, r.meetup_id, r.question, r.answer) for r in rows] == [
        (duo.newcomer_id, duo.pair_id, meetup_id, "feels_right", "yes"),
        (duo.newcomer_id, duo.pair_id, meetup_id, "go_on", "yes"),
    ]
    assert [r for r in await world.outbox(status=None) if r.id not in before] == []
    async with world.uow() as uow:
        assert await uow.audit.count_about_pair("pair.change_requested", duo.pair_id) == 0
    assert coordinator.id not in {r.recipient_id for r in await world.outbox(status=None)}


@pytest.mark.parametrize("question", [GO_ON, FEELS])
async def test_a_no_reaches_the_coordinators_as_a_change_request(
    world: World, duo: Duo, now: datetime, question: FirstMeetingQuestion
) -> None:
    coordinator = await world.coordinator()
    meetup_id = await held_first_meeting(world, duo, now)
    before = {r.id for r in await world.outbox(status=None)}
    result = await world.act(duo.buddy_id, answering(meetup_id, question, NO, world.clock.now()))

    assert result.any_no is True
    [request] = await world.outbox("coordinator.change_request", recipient_id=coordinator.id)
    assert request.params["reason"] == f"first_meeting:{question.value}"
    assert (request.params["pair_id"], request.params["name"]) == (duo.pair_id, "Bram")
    assert request.params["kind"] == "change"
    # The same audit row as a member's own request: the pair file counts it.
    async with world.uow() as uow:
        assert await uow.audit.count_about_pair("pair.change_requested", duo.pair_id) == 1
    audit = [row for row in await world.rows(AuditLog) if row.action == "pair.change_requested"]
    assert audit[0].details["reason"] == f"first_meeting:{question.value}"
    # The partner is told nothing: the only new row is the coordinator's.
    new = [r for r in await world.outbox(status=None) if r.id not in before]
    assert [r.recipient_id for r in new] == [coordinator.id]


async def test_answering_twice_changes_nothing(world: World, duo: Duo, now: datetime) -> None:
    coordinator = await world.coordinator()
    meetup_id = await held_first_meeting(world, duo, now)
    later = world.clock.now()
    await world.act(duo.newcomer_id, answering(meetup_id, GO_ON, NO, later))
    for reply in (NO, YES):
        error = await world.refused(duo.newcomer_id, answering(meetup_id, GO_ON, reply, later))
        assert error.key == "entry_decided"
    rows = await world.rows(FirstMeetingAnswer)
    assert [(r.question, r.answer) for r in rows] == [("go_on", "no")]
    assert len(await world.outbox("coordinator.change_request", recipient_id=coordinator.id)) == 1


async def test_forged_and_early_answers_are_refused(world: World, duo: Duo, now: datetime) -> None:
    starts_at = now + SATURDAY_AFTERNOON
    meetup_id = await accepted_meetup(world, duo, starts_at, 120)
    other = await world.duo("Chen", "Dirk")
    # Before the meeting ended: too early.
    error = await world.refused(duo.newcomer_id, answering(meetup_id, FEELS, YES, now))
    assert error.key == "first_meeting_not_yet"
    world.clock.set(starts_at + timedelta(hours=5))
    later = world.clock.now()
    # Someone of another pair, with this pair's meetup in a forged button.
    error = await world.refused(other.newcomer_id, answering(meetup_id, FEELS, NO, later))
    assert error.key == "not_your_pair"
    # A meetup that does not exist, and a later meetup that is no first meeting.
    assert (await world.refused(duo.newcomer_id, answering(999, FEELS, YES, later))).key == (
        "not_found"
    )
    next_one = await accepted_meetup(world, duo, later + timedelta(days=1), 60)
    world.clock.set(later + timedelta(days=2))
    error = await world.refused(duo.newcomer_id, answering(next_one, FEELS, YES, world.clock.now()))
    assert error.key == "stale_button"
    assert await world.rows(FirstMeetingAnswer) == []
    assert await world.outbox("coordinator.change_request") == []


async def test_my_data_shows_the_answers_and_forget_erases_them(
    world: World, duo: Duo, now: datetime
) -> None:
    meetup_id = await held_first_meeting(world, duo, now)
    later = world.clock.now()
    await world.act(duo.newcomer_id, answering(meetup_id, FEELS, NO, later))
    await world.act(duo.buddy_id, answering(meetup_id, FEELS, YES, later))

    exported = await world.act(duo.newcomer_id, lambda uow, me: privacy.export(uow, me))
    assert exported["first_meeting_answers"] == [
        {"question": "feels_right", "answer": "no", "answered_at": later.isoformat()}
    ]
    await world.act(duo.newcomer_id, lambda uow, me: privacy.forget(uow, me, later))
    rows = await world.rows(FirstMeetingAnswer)
    assert [(r.person_id, r.answer) for r in rows] == [(duo.buddy_id, "yes")]
    async with world.sessions() as session:
        gone = await session.scalar(
            select(FirstMeetingAnswer).where(FirstMeetingAnswer.person_id == duo.newcomer_id)
        )
    assert gone is None
