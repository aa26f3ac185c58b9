"""Closing a trajectory and the check-ins (domain/pairs.py complete_pair, domain/checkins.py)
with a frozen clock: who is asked what and when, once, outside quiet hours, one reminder,
skips kept as such."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain import checkins, onboarding, trajectories
from domain.errors import NotAllowed
from domain.notices import Notice
from storage.models import (
    SKIPPED,
    AuditLog,
    CheckIn,
    CheckInMoment,
    HourEntry,
    Pair,
    PairStatus,
    Role,
    User,
    UserStatus,
)
from tests.domain.conftest import Duo, World


def completing(pair_id: int, now: datetime) -> Any:
    return lambda uow, me: trajectories.complete_pair(uow, me, pair_id, now)


def answering(check_in_id: int, index: int, value: str, now: datetime) -> Any:
    return lambda uow, me: checkins.answer(uow, me, check_in_id, index, value, now)


async def confirmed_hours(world: World, duo: Duo, hours: int) -> None:
    async with world.uow() as uow:
        uow.session.add(
            HourEntry(
                programme_id=(await uow.programmes.default()).id,
                pair_id=duo.pair_id,
                started_at=world.clock.now() - timedelta(days=2),
                minutes=hours * 60,
                activity_kind="sport",
                logged_by=duo.newcomer_id,
                confirmed_by=duo.buddy_id,
                status="confirmed",
            )
        )
        await uow.commit()


def test_questions_depend_on_role_and_moment() -> None:
    assert checkins.questions_for("newcomer", CheckInMoment.ONBOARDING) == [
        "dutch_confidence",
        "knows_where",
        "people_to_ask",
    ]
    assert checkins.questions_for("buddy", CheckInMoment.END)[-1] == "another_newcomer"
    assert checkins.questions_for("newcomer", CheckInMoment.MONTH_3)[-2:] == [
        "doing_now",
        "still_in_contact",
    ]
    assert checkins.questions_for("coordinator", CheckInMoment.END) == [
        "programme_rating",
        "would_recommend",
    ]


async def test_completing_a_pair_thanks_both_and_asks_the_end_questions(
    world: World, duo: Duo, now: datetime
) -> None:
    kim = await world.coordinator()
    await confirmed_hours(world, duo, 40)
    refused = await world.refused(duo.buddy_id, completing(duo.pair_id, now))
    assert isinstance(refused, NotAllowed)
    await world.act(kim.id, completing(duo.pair_id, now))
    pair = await world.get(Pair, duo.pair_id)
    assert pair.status == PairStatus.COMPLETED.value and pair.end_reason == "completed"
    assert (await world.refused(kim.id, completing(duo.pair_id, now))).key == "pair_ended"
    thanked = await world.outbox(Notice.PAIR_COMPLETED.value)
    assert {row.recipient_id for row in thanked} == {duo.newcomer_id, duo.buddy_id}
    assert all(row.params["minutes"] == 2400 for row in thanked)
    made = {c.person_id: c for c in await world.rows(CheckIn)}
    assert set(made) == {duo.newcomer_id, duo.buddy_id}
    assert made[duo.buddy_id].questions[-1] == "another_newcomer"
    assert all(c.moment == CheckInMoment.END.value for c in made.values())
    assert "pair.completed" in [a.action for a in await world.rows(AuditLog)]
    newcomer = await world.get(User, duo.newcomer_id)
    buddy = await world.get(User, duo.buddy_id)
    assert newcomer.status == UserStatus.INACTIVE.value
    assert buddy.status == UserStatus.WAITING.value


async def test_answers_are_checked_kept_once_and_skips_recorded(
    world: World, duo: Duo, now: datetime
) -> None:
    kim = await world.coordinator()
    await world.act(kim.id, completing(duo.pair_id, now))
    made = {c.person_id: c for c in await world.rows(CheckIn)}
    mine, theirs = made[duo.buddy_id], made[duo.newcomer_id]
    # Someone else's check-in, a value out of range, a question that does not exist.
    assert (await world.refused(duo.buddy_id, answering(theirs.id, 0, "3", now))).key == "not_found"
    assert (await world.refused(duo.buddy_id, answering(mine.id, 0, "9", now))).key == (
        "invalid_choice"
    )
    assert (await world.refused(duo.buddy_id, answering(mine.id, 99, "3", now))).key == (
        "invalid_choice"
    )
    await world.act(duo.buddy_id, answering(mine.id, 0, "4", now))
    await world.act(duo.buddy_id, answering(mine.id, 0, "1", now))  # a second tap: kept as 4
    await world.act(duo.buddy_id, answering(mine.id, 1, SKIPPED, now))
    for index in range(2, len(mine.questions) - 1):
        first = checkins.ANSWERS[mine.questions[index]][0]
        await world.act(duo.buddy_id, answering(mine.id, index, str(first), now))
    await world.act(duo.buddy_id, answering(mine.id, len(mine.questions) - 1, "0", now))
    done = await world.get(CheckIn, mine.id)
    assert done.answers["learnt_cultures"] == 4
    assert done.answers["feels_connected"] == SKIPPED
    assert done.answers["another_newcomer"] == 0
    assert done.answered_at == now
    # No other newcomer for now: the buddy leaves the list of free buddies.
    assert (await world.get(User, duo.buddy_id)).status == UserStatus.INACTIVE.value


async def test_the_onboarding_check_in_is_made_once_and_waits_for_quiet_hours(
    world: World, clock: Any
) -> None:
    night = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # 22:30 in Brussels
    nadia = await world.person(Role.NEWCOMER, "Nadia", status=UserStatus.ONBOARDING)
    async with world.uow() as uow:
        person = await world.member(uow, nadia.id)
        person.profile_done_at = None
        person.dutch_level, person.gender_preference = "beginner", "none"
        person.gender = "woman"
        await uow.commit()
    for _ in range(2):
        await world.act(nadia.id, lambda uow, me: onboarding.confirm_profile(uow, me, night))
    (row,) = await world.outbox(Notice.CHECKIN_ASK.value)
    assert row.recipient_id == nadia.id
    assert row.due_at == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 08:00 in Brussels
    assert len(await world.rows(CheckIn)) == 1


async def test_twenty_hours_asks_both_once(world: World, duo: Duo, now: datetime) -> None:
    entry = await world.log(duo.newcomer_id, now - timedelta(days=3), minutes=12 * 60)
    await world.confirm(duo.buddy_id, entry.id)
    assert await world.rows(CheckIn) == []
    entry = await world.log(duo.buddy_id, now - timedelta(hours=20), minutes=9 * 60)
    await world.confirm(duo.newcomer_id, entry.id)
    made = await world.rows(CheckIn)
    assert sorted(c.person_id for c in made) == sorted([duo.newcomer_id, duo.buddy_id])
    assert {c.moment for c in made} == {CheckInMoment.HOURS_20.value}


async def test_follow_ups_at_three_and_six_months_and_one_reminder(
    world: World, duo: Duo, clock: Any
) -> None:
    kim = await world.coordinator()
    ended = clock.now()
    await world.act(kim.id, completing(duo.pair_id, ended))

    async def plan_at(moment: datetime) -> int:
        async with world.uow() as uow:
            queued = await checkins.plan(uow, moment)
            await uow.commit()
        return queued

    # Three days on, the end check-ins nobody answered get their one reminder.
    assert await plan_at(ended + timedelta(days=3, hours=1)) == 2
    assert await plan_at(ended + timedelta(days=4)) == 0
    assert await plan_at(ended + timedelta(days=90)) == 0
    assert await plan_at(ended + timedelta(days=92)) == 2
    assert await plan_at(ended + timedelta(days=93)) == 0
    # The six-month check-ins, and the one reminder of the unanswered three-month ones.
    assert await plan_at(ended + timedelta(days=183)) == 4
    moments = sorted(c.moment for c in await world.rows(CheckIn))
    assert moments == ["end", "end", "month_3", "month_3", "month_6", "month_6"]
    reminders = [
        r for r in await world.outbox(Notice.CHECKIN_ASK.value) if r.params.get("reminder")
    ]
    assert len(reminders) == 4
