"""Feedback after meetups and events (domain/feedback.py) with a frozen clock: who is asked,
at most once in the programme's limit, counted from the stored questions; one answer per
question; words kept, a 🙁 with a word sent to the coordinators; /mydata shows it all and
/forget keeps only anonymous counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain import feedback, privacy
from domain.inbox import Copy
from domain.notices import Notice
from storage.models import Event, Feedback, Meetup, Programme, Rsvp
from tests.domain.conftest import Duo, World, accepted_meetup, took_place

SATURDAY = datetime(2026, 3, 7, 13, 0, tzinfo=UTC)  # 14:00 in Brussels


async def meetup_confirmed(world: World, duo: Duo, starts_at: datetime) -> int:
    """A meetup planned the day before, noted by the newcomer two hours after it began
    and confirmed by the buddy: returns its id."""
    world.clock.set(starts_at - timedelta(days=1))
    meetup_id = await accepted_meetup(world, duo, starts_at, minutes=60)
    world.clock.set(starts_at + timedelta(hours=2))
    now = world.clock.now()
    await world.act(duo.newcomer_id, took_place(meetup_id, 60, now))
    await world.act(duo.buddy_id, took_place(meetup_id, 60, now))
    return meetup_id


async def introduced(world: World, duo: Duo) -> None:
    """The pair's first meeting, three days before SATURDAY: it has questions of its own
    (domain.first_meeting), so "how was it?" is not asked about it."""
    meetup_id = await meetup_confirmed(world, duo, SATURDAY - timedelta(days=3))
    assert (await world.get(Meetup, meetup_id)).is_introduction
    assert await questions(world) == []


async def questions(world: World) -> list[tuple[int | None, str, int | None]]:
    return [(f.person_id, f.subject, f.meetup_id or f.event_id) for f in await world.rows(Feedback)]


def answering(feedback_id: int, value: int, now: datetime) -> Any:
    return lambda uow, me: feedback.answer(uow, me, feedback_id, value, now)


def commenting(feedback_id: int, text: str, now: datetime) -> Any:
    return lambda uow, me: feedback.comment(
        uow, me, feedback_id, text, Copy(me.telegram_id, 77), now, group_chat_id=None
    )


async def test_both_are_asked_once_a_week_at_most(world: World, duo: Duo) -> None:
    await introduced(world, duo)
    first = await meetup_confirmed(world, duo, SATURDAY)
    assert sorted(await questions(world), key=str) == sorted(
        [(duo.newcomer_id, "meetup", first), (duo.buddy_id, "meetup", first)], key=str
    )
    asks = await world.outbox(Notice.FEEDBACK_ASK.value)
    assert sorted(row.recipient_id or 0 for row in asks) == sorted([duo.newcomer_id, duo.buddy_id])
    assert all(row.params["subject"] == "meetup" for row in asks)

    # Another meetup the next day: nobody is asked again within the week.
    await meetup_confirmed(world, duo, SATURDAY + timedelta(days=1))
    assert len(await questions(world)) == 2

    # A week after the first question: asked again.
    third = await meetup_confirmed(world, duo, SATURDAY + timedelta(days=7))
    found = await questions(world)
    assert len(found) == 4 and {q[2] for q in found[2:]} == {third}


async def test_the_programme_setting_sets_the_limit(world: World, duo: Duo) -> None:
    async with world.uow() as uow:
        programme = await uow.programmes.default()
        programme.settings = {**(programme.settings or {}), "feedback_every_days": 14}
        await uow.commit()
    await introduced(world, duo)
    await meetup_confirmed(world, duo, SATURDAY)
    await meetup_confirmed(world, duo, SATURDAY + timedelta(days=8))
    assert len(await questions(world)) == 2  # 8 days are not 14
    await meetup_confirmed(world, duo, SATURDAY + timedelta(days=15))
    assert len(await questions(world)) == 4


async def test_one_answer_a_word_and_a_sad_word_reaches_the_coordinators(
    world: World, duo: Duo
) -> None:
    coordinator = await world.coordinator()
    await introduced(world, duo)
    await meetup_confirmed(world, duo, SATURDAY)
    rows = {f.person_id: f for f in await world.rows(Feedback)}
    mine, theirs = rows[duo.newcomer_id], rows[duo.buddy_id]
    now = world.clock.now()

    # Someone else's question, a made-up id, an answer that is not a face: refused.
    for person_id, action in (
        (duo.buddy_id, answering(mine.id, 4, now)),
        (duo.newcomer_id, answering(9999, 4, now)),
        (duo.newcomer_id, answering(mine.id, 7, now)),
    ):
        error = await world.refused(person_id, action)
        assert error.key in ("not_found", "invalid_choice")
    assert (await world.get(Feedback, mine.id)).answer is None

    first = await world.act(duo.newcomer_id, answering(mine.id, 1, now))
    again = await world.act(duo.newcomer_id, answering(mine.id, 4, now))
    assert not first.unchanged and again.unchanged
    assert (await world.get(Feedback, mine.id)).answer == 1

    # An empty word is refused; a 🙁 with a word goes to the coordinators, once.
    assert (await world.refused(duo.newcomer_id, commenting(mine.id, "  ", now))).key == (
        "feedback_comment_empty"
    )
    assert await world.act(duo.newcomer_id, commenting(mine.id, "It rained.", now)) is True
    again_word = await world.refused(duo.newcomer_id, commenting(mine.id, "More", now))
    assert again_word.key == "feedback_commented"
    told = await world.outbox(Notice.COORDINATOR_FEEDBACK.value)
    assert [(r.recipient_id, r.params["answer"], r.params["message_id"]) for r in told] == [
        (coordinator.id, 1, 77)
    ]
    assert "It rained." not in str(told[0].params)  # Telegram copies it; we keep ids only
    saved = await world.get(Feedback, mine.id)
    assert saved.comment == "It rained." and saved.commented_at == now

    # A happy answer's word is kept, not sent on.
    await world.act(duo.buddy_id, answering(theirs.id, 4, now))
    assert await world.act(duo.buddy_id, commenting(theirs.id, "Great museum", now)) is False
    assert len(await world.outbox(Notice.COORDINATOR_FEEDBACK.value)) == 1


async def test_event_goers_are_asked_after_the_event_once(world: World, duo: Duo) -> None:
    await world.coordinator()
    async with world.uow() as uow:
        programme = await uow.programmes.default()
        event = Event(
            programme_id=programme.id,
            title="Lentefeest",
            texts={"fr": {"title": "Fête", "description": ""}},
            starts_at=SATURDAY,
            place="Park",
            capacity=1,
        )
        uow.session.add(event)
        await uow.flush()
        uow.session.add_all(
            [
                Rsvp(event_id=event.id, person_id=duo.newcomer_id, answer="going"),
                Rsvp(event_id=event.id, person_id=duo.buddy_id, answer="going", waitlisted=True),
            ]
        )
        await uow.commit()
        event_id = event.id

    async def plan(at: datetime) -> int:
        world.clock.set(at)
        async with world.uow() as uow:
            asked = await feedback.plan(uow, world.clock.now())
            await uow.commit()
            return asked

    assert await plan(SATURDAY + timedelta(hours=2)) == 0  # still going on
    assert await plan(SATURDAY + timedelta(hours=3)) == 1
    assert await plan(SATURDAY + timedelta(hours=4)) == 0  # nobody twice
    assert await questions(world) == [(duo.newcomer_id, "event", event_id)]
    (ask,) = await world.outbox(Notice.FEEDBACK_ASK.value)
    assert ask.params["titles"] == {"nl": "Lentefeest", "fr": "Fête"}


async def test_mydata_shows_answers_and_forget_keeps_anonymous_counts(
    world: World, duo: Duo
) -> None:
    await world.coordinator()
    await introduced(world, duo)
    await meetup_confirmed(world, duo, SATURDAY)
    rows = {f.person_id: f for f in await world.rows(Feedback)}
    now = world.clock.now()
    await world.act(duo.newcomer_id, answering(rows[duo.newcomer_id].id, 1, now))
    await world.act(duo.newcomer_id, commenting(rows[duo.newcomer_id].id, "Too noisy", now))

    exported = await world.act(duo.newcomer_id, lambda uow, me: privacy.export(uow, me))
    assert [(f["about"], f["answer"], f["comment"]) for f in exported["feedback"]] == [
        ("meetup", 1, "Too noisy")
    ]

    await world.act(duo.newcomer_id, lambda uow, me: privacy.forget(uow, me, now))
    kept = {f.id: f for f in await world.rows(Feedback)}
    erased = kept[rows[duo.newcomer_id].id]
    assert (erased.person_id, erased.meetup_id, erased.comment) == (None, None, None)
    assert (erased.subject, erased.answer) == ("meetup", 1)  # still counted
    assert kept[rows[duo.buddy_id].id].person_id == duo.buddy_id
    async with world.uow() as uow:
        programme: Programme = await uow.programmes.default()
        counts = await uow.feedback.distribution(
            programme.id, now - timedelta(days=1), now + timedelta(days=1)
        )
    assert {(c.subject, c.answer): c.questions for c in counts} == {
        ("meetup", 1): 1,
        ("meetup", None): 1,
    }
