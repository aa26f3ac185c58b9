"""Dutch practice (domain/dutch_practice.py) with a frozen clock: who sees phrases and how
often, more Dutch after the 20-hour check-in when confidence grew, and the buddies'
monthly tip, once per month."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain import checkins, dutch_practice
from domain.dutch_practice import Level, Screen
from domain.errors import DomainError
from domain.notices import Notice
from storage.models import CheckIn, CheckInMoment, Role, User, UserStatus
from tests.domain.conftest import Duo, World

BRUSSELS = ZoneInfo("Europe/Brussels")


def someone(role: Role, level: str | None = None, person_id: int = 7) -> User:
    return User(id=person_id, role=role.value, dutch_practice=level)


def test_levels_by_role_and_choice() -> None:
    assert dutch_practice.level_of(someone(Role.NEWCOMER)) is Level.NORMAL
    assert dutch_practice.level_of(someone(Role.NEWCOMER, "off")) is Level.OFF
    assert dutch_practice.level_of(someone(Role.NEWCOMER, "bogus")) is Level.NORMAL
    assert dutch_practice.level_of(someone(Role.BUDDY)) is None
    assert dutch_practice.level_of(someone(Role.COORDINATOR, "more")) is None


def test_off_never_more_always_normal_about_half_and_varied() -> None:
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(60)]
    shown = {
        level: sum(
            dutch_practice.shows_phrase(someone(Role.NEWCOMER, level), screen, day)
            for day in days
            for screen in Screen
        )
        for level in ("off", "normal", "more")
    }
    total = len(days) * len(Screen)
    assert shown == {"off": 0, "normal": total // 2, "more": total}
    assert not any(
        dutch_practice.shows_phrase(someone(Role.BUDDY, "more"), s, d) for s in Screen for d in days
    )
    # The same screen does not show a phrase every day, and the phrase changes day by day.
    amal = someone(Role.NEWCOMER)
    assert len({dutch_practice.shows_phrase(amal, Screen.HOME, day) for day in days}) == 2
    assert len({dutch_practice.pick(9, Screen.HOME, day, amal.id) for day in days}) == 9


def test_a_level_is_one_of_three_and_only_a_newcomers() -> None:
    amal = someone(Role.NEWCOMER)
    assert dutch_practice.set_level(amal, "more") is Level.MORE
    assert amal.dutch_practice == "more" and dutch_practice.confirms_in_dutch(amal)
    for person, value in ((amal, "lots"), (someone(Role.BUDDY), "more")):
        try:
            dutch_practice.set_level(person, value)
        except DomainError as error:
            assert error.key == "invalid_choice"
        else:
            raise AssertionError("refused expected")
    assert amal.dutch_practice == "more"


async def _answer_all(world: World, person_id: int, check_in: CheckIn, first: str) -> None:
    now = world.clock.now()
    for index in range(len(check_in.questions)):
        value = first if index == 0 else "3"
        await world.act(
            person_id,
            lambda uow, me, i=index, v=value: checkins.answer(uow, me, check_in.id, i, v, now),
        )


async def _check_in(world: World, duo: Duo, moment: CheckInMoment) -> CheckIn:
    async with world.uow() as uow:
        person = await world.member(uow, duo.newcomer_id)
        pair = await uow.pairs.get(duo.pair_id) if moment is not CheckInMoment.ONBOARDING else None
        made = await checkins.open_check_in(uow, person, moment, pair, world.clock.now())
        await uow.commit()
    assert made is not None
    return made


async def test_more_dutch_after_twenty_hours_when_confidence_grew(world: World, duo: Duo) -> None:
    start = await _check_in(world, duo, CheckInMoment.ONBOARDING)
    await _answer_all(world, duo.newcomer_id, start, first="2")
    assert await world.outbox(Notice.DUTCH_MORE.value) == []
    twenty = await _check_in(world, duo, CheckInMoment.HOURS_20)
    await _answer_all(world, duo.newcomer_id, twenty, first="4")
    amal = await world.get(User, duo.newcomer_id)
    assert amal.dutch_practice == "more"
    (told,) = await world.outbox(Notice.DUTCH_MORE.value)
    assert told.recipient_id == duo.newcomer_id


async def test_no_more_dutch_when_confidence_did_not_grow_or_it_was_turned_off(
    world: World, duo: Duo
) -> None:
    start = await _check_in(world, duo, CheckInMoment.ONBOARDING)
    await _answer_all(world, duo.newcomer_id, start, first="4")
    twenty = await _check_in(world, duo, CheckInMoment.HOURS_20)
    await _answer_all(world, duo.newcomer_id, twenty, first="4")
    assert (await world.get(User, duo.newcomer_id)).dutch_practice is None
    # Grown, but they had turned it off themselves: their choice stays.
    other = await world.duo("Nadia", "Sofie")
    async with world.uow() as uow:
        (await world.member(uow, other.newcomer_id)).dutch_practice = "off"
        await uow.commit()
    start = await _check_in(world, other, CheckInMoment.ONBOARDING)
    await _answer_all(world, other.newcomer_id, start, first="1")
    twenty = await _check_in(world, other, CheckInMoment.HOURS_20)
    await _answer_all(world, other.newcomer_id, twenty, first="5")
    assert (await world.get(User, other.newcomer_id)).dutch_practice == "off"
    assert await world.outbox(Notice.DUTCH_MORE.value) == []


async def test_one_tip_a_month_per_buddy(world: World, duo: Duo, clock: Any) -> None:
    async def plan_at(moment: datetime) -> int:
        async with world.uow() as uow:
            queued = await dutch_practice.plan_tips(uow, moment, BRUSSELS)
            await uow.commit()
        return queued

    march = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert await plan_at(march) == 1
    assert await plan_at(march + timedelta(hours=6)) == 0
    assert await plan_at(datetime(2026, 3, 31, 21, 0, tzinfo=UTC)) == 0  # still March here
    assert await plan_at(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == 1  # April in Brussels
    rows = await world.outbox(Notice.DUTCH_TIP.value)
    assert [row.recipient_id for row in rows] == [duo.buddy_id, duo.buddy_id]
    assert rows[0].params["tip"] != rows[1].params["tip"]
    # Quiet hours: the tip planned at half past midnight waits for the morning.
    assert rows[1].due_at.astimezone(BRUSSELS).hour == 8
    # No tip for a buddy whose pair is not active.
    await world.person(Role.BUDDY, "Free", status=UserStatus.WAITING)
    assert await plan_at(datetime(2026, 5, 2, 12, 0, tzinfo=UTC)) == 1
