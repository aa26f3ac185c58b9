"""Fixtures for service-level tests: a migrated database per test, a frozen clock, and a
programme with a coordinator, a newcomer, a buddy and their active Pair written straight
through the models (onboarding and matching have their own tests)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from domain import hours, meetups
from domain.clock import FrozenClock
from domain.errors import DomainError
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.models import (
    Base,
    HourEntry,
    Meetup,
    Outbox,
    OutboxStatus,
    Pair,
    PairStatus,
    Programme,
    Role,
    User,
    UserStatus,
)
from storage.uow import UnitOfWork

Action = Callable[[UnitOfWork, User], Awaitable[Any]]
Row = TypeVar("Row", bound=Base)
_telegram_ids = itertools.count(70_000)


@pytest.fixture
async def sessions(clean_database: str) -> AsyncIterator[SessionFactory]:
    """A session factory on the migrated database, emptied for this test."""
    engine = create_engine(clean_database)
    yield create_session_factory(engine)
    await engine.dispose()


@dataclass
class Duo:
    """The ids of an active pair and its two people."""

    pair_id: int
    newcomer_id: int
    buddy_id: int


class World:
    """Writes people and pairs directly, and reads back what the services wrote."""

    def __init__(self, sessions: SessionFactory, clock: FrozenClock) -> None:
        self.sessions = sessions
        self.clock = clock

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    @staticmethod
    async def member(uow: UnitOfWork, person_id: int) -> User:
        """The person loaded in this unit of work, as a middleware would hand it over."""
        person = await uow.users.get(person_id)
        assert person is not None
        return person

    async def programme(self, slug: str) -> int:
        """Another programme of the same deployment (a fresh install has only one)."""
        async with self.uow() as uow:
            programme = Programme(slug=slug, name=slug.title())
            uow.session.add(programme)
            await uow.commit()
            return programme.id

    async def person(
        self,
        role: Role,
        name: str,
        *,
        status: UserStatus = UserStatus.WAITING,
        programme_id: int | None = None,
    ) -> User:
        """A person who finished onboarding, in the default programme unless told."""
        onboarded = self.clock.now() - timedelta(days=30)
        async with self.uow() as uow:
            if programme_id is None:
                programme_id = (await uow.programmes.default()).id
            person = User(
                telegram_id=next(_telegram_ids),
                programme_id=programme_id,
                role=role.value,
                status=status.value,
                contact_language="en",
                timezone="Europe/Brussels",
                first_name=name,
                municipality="21004",
                languages=["en"],
                interests=["sport"],
                availability=["weekend"],
                consent_at=onboarded,
                profile_done_at=onboarded,
                waiting_since=onboarded,
            )
            uow.users.add(person)
            await uow.commit()
            return person

    async def coordinator(self, name: str = "Kim", *, programme_id: int | None = None) -> User:
        return await self.person(
            Role.COORDINATOR, name, status=UserStatus.MATCHED, programme_id=programme_id
        )

    async def duo(
        self,
        newcomer: str = "Amal",
        buddy: str = "Bram",
        *,
        started_at: datetime | None = None,
        target_hours: int = 40,
    ) -> Duo:
        """A newcomer and a buddy in an active pair that started `started_at` (default:
        a day before the clock's now)."""
        first = await self.person(Role.NEWCOMER, newcomer, status=UserStatus.MATCHED)
        second = await self.person(Role.BUDDY, buddy, status=UserStatus.MATCHED)
        async with self.uow() as uow:
            pair = Pair(
                programme_id=first.programme_id,
                newcomer_id=first.id,
                buddy_id=second.id,
                status=PairStatus.ACTIVE.value,
                target_hours=target_hours,
                started_at=started_at or self.clock.now() - timedelta(days=1),
            )
            uow.session.add(pair)
            await uow.commit()
            return Duo(pair_id=pair.id, newcomer_id=first.id, buddy_id=second.id)

    async def set_pair_status(self, pair_id: int, status: PairStatus) -> None:
        async with self.uow() as uow:
            pair = await uow.pairs.get(pair_id)
            assert pair is not None
            pair.status = status.value
            await uow.commit()

    async def act(self, person_id: int, action: Action) -> Any:
        """Run `action` as the person in one unit of work and commit, as one update would."""
        async with self.uow() as uow:
            result = await action(uow, await self.member(uow, person_id))
            await uow.commit()
            return result

    async def refused(self, person_id: int, action: Action) -> DomainError:
        """Run `action`, expect a DomainError, and commit what is left: the handler turns
        the error into an answer and the middleware commits, so whatever a refused action
        wrote would stay."""
        async with self.uow() as uow:
            with pytest.raises(DomainError) as caught:
                await action(uow, await self.member(uow, person_id))
            await uow.commit()
        return caught.value

    async def log(
        self, person_id: int, started_at: datetime, minutes: int = 60, kind: str = "sport"
    ) -> HourEntry:
        """The person logs hours now (domain.hours.log) and the update commits."""
        now = self.clock.now()
        entry: HourEntry = await self.act(
            person_id,
            lambda uow, person: hours.log(
                uow, person, started_at=started_at, minutes=minutes, kind=kind, now=now
            ),
        )
        return entry

    async def confirm(self, person_id: int, entry_id: int) -> HourEntry:
        now = self.clock.now()
        entry: HourEntry = await self.act(
            person_id, lambda uow, person: hours.confirm(uow, person, entry_id, now)
        )
        return entry

    async def progress(self, person_id: int) -> hours.Progress:
        now = self.clock.now()
        result: tuple[object, hours.Progress] = await self.act(
            person_id, lambda uow, person: hours.progress(uow, person, now)
        )
        return result[1]

    async def plan_nudges(self) -> int:
        """One run of the periodic planner of nudges, committed."""
        async with self.uow() as uow:
            queued = await hours.plan_nudges(uow, self.clock.now())
            await uow.commit()
            return queued

    async def get(self, model: type[Row], row_id: int) -> Row:
        async with self.sessions() as session:
            row = await session.get(model, row_id)
            assert row is not None
            return row

    async def rows(self, model: type[Row]) -> list[Row]:
        """Every row of a table, oldest first."""
        async with self.sessions() as session:
            query = select(model).order_by(model.id)  # type: ignore[attr-defined]
            return list((await session.scalars(query)).all())

    async def outbox(
        self,
        key: str | None = None,
        *,
        recipient_id: int | None = None,
        status: OutboxStatus | None = OutboxStatus.PENDING,
    ) -> list[Outbox]:
        """Outbox rows, oldest first, filtered by message key, recipient and status."""
        query = select(Outbox).order_by(Outbox.id)
        if key is not None:
            query = query.where(Outbox.key == key)
        if recipient_id is not None:
            query = query.where(Outbox.recipient_id == recipient_id)
        if status is not None:
            query = query.where(Outbox.status == status.value)
        async with self.sessions() as session:
            return list((await session.scalars(query)).all())


# --- actions, as a handler would call the services -------------------------------------


def logging_hours(
    started_at: datetime, minutes: int = 60, kind: str = "sport", *, now: datetime
) -> Action:
    return lambda uow, person: hours.log(
        uow, person, started_at=started_at, minutes=minutes, kind=kind, now=now
    )


def deciding(decide: Any, entry_id: int, now: datetime) -> Action:
    """hours.confirm or hours.dispute of this entry."""
    return lambda uow, person: decide(uow, person, entry_id, now)


def correcting(entry_id: int, minutes: int, now: datetime) -> Action:
    return lambda uow, person: hours.correct(uow, person, entry_id, minutes, now)


def proposing(
    starts_at: datetime, now: datetime, minutes: int = 120, place: str = "Park", kind: str = "sport"
) -> Action:
    return lambda uow, person: meetups.propose(
        uow, person, starts_at=starts_at, minutes=minutes, place=place, kind=kind, now=now
    )


async def propose(
    world: World, person_id: int, starts_at: datetime, minutes: int = 120, kind: str = "culture"
) -> Meetup:
    action = proposing(starts_at, world.clock.now(), minutes, "Bib Muntpunt", kind)
    meetup: Meetup = await world.act(person_id, action)
    return meetup


def on(service: Any, meetup_id: int, now: datetime) -> Action:
    """meetups.accept, decline or cancel of this meetup."""
    return lambda uow, person: service(uow, person, meetup_id, now)


def changing(meetup_id: int, starts_at: datetime, now: datetime, minutes: int = 90) -> Action:
    return lambda uow, person: meetups.change(
        uow,
        person,
        meetup_id,
        starts_at=starts_at,
        minutes=minutes,
        place="Park",
        kind="sport",
        now=now,
    )


async def accept(world: World, person_id: int, meetup_id: int) -> Meetup:
    meetup: Meetup = await world.act(person_id, on(meetups.accept, meetup_id, world.clock.now()))
    return meetup


async def accepted_meetup(world: World, duo: Duo, starts_at: datetime, minutes: int = 120) -> int:
    meetup = await propose(world, duo.newcomer_id, starts_at, minutes)
    await accept(world, duo.buddy_id, meetup.id)
    return meetup.id


async def scheduled(world: World, meetup_id: int) -> list[tuple[str | None, datetime]]:
    """The pending rows of this meetup (reminders, calendar files, the question
    afterwards) as (dedup key, due time), sorted."""
    rows = await world.outbox()
    prefix = f"meetup:{meetup_id}:"
    return sorted(
        (r.dedup_key, r.due_at) for r in rows if r.dedup_key and r.dedup_key.startswith(prefix)
    )


def took_place(meetup_id: int, minutes: int, now: datetime) -> Action:
    return lambda uow, p: hours.meetup_took_place(uow, p, meetup_id, minutes, now)


def not_happening(meetup_id: int, reason: str, now: datetime) -> Action:
    return lambda uow, p: hours.meetup_did_not_happen(uow, p, meetup_id, reason, now)


@pytest.fixture
def world(sessions: SessionFactory, clock: FrozenClock) -> World:
    return World(sessions, clock)


@pytest.fixture
async def duo(world: World) -> Duo:
    return await world.duo()


@pytest.fixture
def now(clock: FrozenClock) -> datetime:
    """The frozen moment (tests.conftest.START, a Monday morning in Brussels)."""
    return clock.now()
