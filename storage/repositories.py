"""Repositories: queries in the programme's words. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.base import Repository, RowRepository
from storage.db import Write
from storage.models import (
    AuditLog,
    Broadcast,
    CoordinatorInvite,
    Event,
    HourEntry,
    HourStatus,
    Pair,
    PairStatus,
    PersonNote,
    ProcessedUpdate,
    Programme,
    ProgrammeCoordinator,
    Role,
    User,
    UserStatus,
)
from storage.models.base import utcnow
from storage.outbox import UNDELIVERED, OutboxRepository

# OutboxRepository lives in storage/outbox.py; it stays importable from here.
__all__ = [
    "UNDELIVERED",
    "AuditRepository",
    "OutboxRepository",
    "ProgrammeRepository",
    "UpdateRepository",
    "UserRepository",
]


class ProgrammeRepository(RowRepository[Programme]):
    model = Programme

    async def default(self) -> Programme:
        programme = await self.session.scalar(
            select(Programme).where(Programme.is_default.is_(True)).limit(1)
        )
        if programme is None:  # a database migrated without its seed row
            programme = Programme(slug="default", name="Buddy programme", is_default=True)
            self.session.add(programme)
            await self.session.flush()
        return programme

    async def by_slug(self, slug: str) -> Programme | None:
        return await self.session.scalar(select(Programme).where(Programme.slug == slug))

    async def all(self) -> Sequence[Programme]:
        """Every programme, oldest first (a deployment hosts a handful, not thousands)."""
        result = await self.session.scalars(select(Programme).order_by(Programme.id))
        return result.all()

    async def slugs_starting(self, prefix: str) -> set[str]:
        """Slugs taken that start with `prefix` (to make a new one unique)."""
        result = await self.session.scalars(
            select(Programme.slug).where(Programme.slug.startswith(prefix, autoescape=True))
        )
        return set(result.all())

    async def coordinated_by(self, person_id: int) -> Sequence[Programme]:
        """The programmes a staff member coordinates, oldest first."""
        result = await self.session.scalars(
            select(Programme)
            .join(ProgrammeCoordinator, ProgrammeCoordinator.programme_id == Programme.id)
            .where(ProgrammeCoordinator.person_id == person_id)
            .order_by(Programme.id)
        )
        return result.all()

    async def is_coordinated_by(self, programme_id: int, person_id: int) -> bool:
        found = await self.session.scalar(
            select(ProgrammeCoordinator.id).where(
                ProgrammeCoordinator.programme_id == programme_id,
                ProgrammeCoordinator.person_id == person_id,
            )
        )
        return found is not None

    async def add_coordinator(self, programme_id: int, person_id: int) -> None:
        """Record that the person coordinates the programme (once)."""
        if not await self.is_coordinated_by(programme_id, person_id):
            self.session.add(ProgrammeCoordinator(programme_id=programme_id, person_id=person_id))
            await self.session.flush()

    async def remove_coordinator(self, programme_id: int, person_id: int) -> None:
        await self.session.execute(
            delete(ProgrammeCoordinator).where(
                ProgrammeCoordinator.programme_id == programme_id,
                ProgrammeCoordinator.person_id == person_id,
            )
        )

    async def staff(self, programme_id: int) -> Sequence[User]:
        """Coordinators and admins who coordinate the programme or work in it now."""
        members = select(ProgrammeCoordinator.person_id).where(
            ProgrammeCoordinator.programme_id == programme_id
        )
        result = await self.session.scalars(
            select(User)
            .where(
                User.role.in_([Role.COORDINATOR.value, Role.ADMIN.value]),
                or_(User.programme_id == programme_id, User.id.in_(members)),
            )
            .order_by(User.id)
        )
        return result.all()

    async def summary(self) -> dict[int, dict[str, float]]:
        """Per programme id: people (newcomers and buddies not inactive), waiting
        newcomers, active pairs and confirmed hours; four GROUP BY queries."""
        found: dict[int, dict[str, float]] = {}

        def put(rows: Any, key: str) -> None:
            for programme_id, value in rows:
                found.setdefault(programme_id, {})[key] = float(value or 0)

        people = User.role.in_([Role.NEWCOMER.value, Role.BUDDY.value])
        put(
            await self.session.execute(
                select(User.programme_id, func.count())
                .where(people, User.status != UserStatus.INACTIVE.value)
                .group_by(User.programme_id)
            ),
            "people",
        )
        put(
            await self.session.execute(
                select(User.programme_id, func.count())
                .where(User.role == Role.NEWCOMER.value, User.status == UserStatus.WAITING.value)
                .group_by(User.programme_id)
            ),
            "waiting",
        )
        put(
            await self.session.execute(
                select(Pair.programme_id, func.count())
                .where(Pair.status == PairStatus.ACTIVE.value)
                .group_by(Pair.programme_id)
            ),
            "pairs",
        )
        put(
            await self.session.execute(
                select(HourEntry.programme_id, func.sum(HourEntry.minutes))
                .where(HourEntry.status == HourStatus.CONFIRMED.value)
                .group_by(HourEntry.programme_id)
            ),
            "minutes",
        )
        return found


def _waiting_newcomer(programme_id: int) -> tuple[ColumnElement[bool], ...]:
    """Who is on a programme's waiting list: its newcomers still waiting for a buddy."""
    return (
        User.programme_id == programme_id,
        User.role == Role.NEWCOMER.value,
        User.status == UserStatus.WAITING.value,
    )


class UserRepository(RowRepository[User]):
    model = User

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        return await self.session.scalar(select(User).where(User.telegram_id == telegram_id))

    async def delete(self, user: User) -> None:
        await self.session.delete(user)
        await self.session.flush()

    async def waiting_newcomers(self, programme_id: int) -> Sequence[User]:
        """Newcomers on the waiting list, longest wait first."""
        result = await self.session.scalars(
            select(User)
            .where(*_waiting_newcomer(programme_id))
            .order_by(User.waiting_since, User.id)
        )
        return result.all()

    async def waiting_position(self, user: User) -> int:
        """1-based place of a waiting newcomer on their programme's list."""
        assert user.waiting_since is not None
        ahead = await self.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                *_waiting_newcomer(user.programme_id),
                (User.waiting_since < user.waiting_since)
                | ((User.waiting_since == user.waiting_since) & (User.id < user.id)),
            )
        )
        return int(ahead or 0) + 1

    async def count_waiting_newcomers(self, programme_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(User).where(*_waiting_newcomer(programme_id))
        )
        return int(count or 0)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> None:
        await self.session.execute(
            update(User).where(User.telegram_id == telegram_id).values(reachable=reachable)
        )

    async def forget_staff_traces(self, telegram_id: int) -> None:
        """Columns that remember which coordinator did something hold a Telegram id, not a
        person row: an erased coordinator must leave it in none of them."""
        for column in (
            Pair.matched_by,
            Broadcast.author_id,
            Broadcast.report_chat_id,
            Event.created_by,
            CoordinatorInvite.created_by,
            CoordinatorInvite.used_by,
            PersonNote.author_id,
        ):
            await self.session.execute(
                update(column.class_).where(column == telegram_id).values({column.key: None})
            )

    async def save(self, user: User) -> User:
        """Write the person's changes now (a new person gets their id); no commit."""
        self.session.add(user)
        await self.session.flush()
        return user


@cache
def _claim_statement(dialect: str) -> Any:
    """Built once per dialect (every update runs it; building costs more than running):
    INSERT ... ON CONFLICT DO NOTHING into the table, values bound at execution."""
    table = cast(Table, ProcessedUpdate.__table__)
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    return sqlite_insert(table).on_conflict_do_nothing()


CLAIMED = "update handled before"  # the reason of a claim that changed no row


class UpdateRepository(Repository):
    """Remembers handled update ids so that a redelivered update is handled once."""

    @staticmethod
    def claim_write(update_id: int, dialect: str) -> Write:
        """Mark the update handled, in the transaction of its effects, as a write of the
        commit (`UnitOfWork.commit_update`): it changes no row (NoRow(CLAIMED)) when the
        update was handled before, and nothing is committed. A second instance handling
        the same id at the same moment waits for the first one's commit (unique key), then
        finds it taken."""
        return Write(
            _claim_statement(dialect),
            {"update_id": update_id, "processed_at": utcnow()},
            reason=CLAIMED,
        )

    async def prune(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class AuditRepository(Repository):
    def record(
        self,
        action: str,
        *,
        programme_id: int | None,
        actor_id: int | None,
        **details: Any,
    ) -> None:
        self.session.add(
            AuditLog(programme_id=programme_id, actor_id=actor_id, action=action, details=details)
        )

    def by(self, actor: User, action: str, **details: Any) -> None:
        """Record what a person (mostly a coordinator) did in their own programme."""
        self.record(action, programme_id=actor.programme_id, actor_id=actor.telegram_id, **details)

    async def count_about_pair(self, action: str, pair_id: int) -> int:
        """How many rows of `action` name this pair (e.g. a pair's change requests)."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == action, AuditLog.details["pair_id"].as_integer() == pair_id)
        )
        return int(count or 0)

    def change_status(
        self, target: Pair | User, status: str, action: str, *, by: User, **details: Any
    ) -> None:
        """Set a pair's or a person's status and record who did it, in one step: a status
        change by a coordinator is never left unaudited."""
        target.status = status
        self.record(action, programme_id=target.programme_id, actor_id=by.telegram_id, **details)

    async def pseudonymise(
        self, *, telegram_id: int, person_id: int, alias: str, pseudonym: str
    ) -> int:
        """Rows by or about a person keep their action; the person becomes `pseudonym`.

        A person appears as the actor's Telegram id, as `alias` in `details["actor"]`
        (refused attempts), or by their row id in `details` (person_id, newcomer_id,
        buddy_id). Rare enough (one /forget) to read the candidates and rewrite them here.
        An id key becomes null and the pseudonym goes under the key without `_id`, so that
        the id keys stay numbers (the query above casts them to integers).
        """
        keys = ("person_id", "newcomer_id", "buddy_id")
        rows = await self.session.scalars(
            select(AuditLog).where(
                or_(
                    AuditLog.actor_id == telegram_id,
                    AuditLog.details["actor"].as_string() == alias,
                    *(AuditLog.details[key].as_integer() == person_id for key in keys),
                )
            )
        )
        changed = 0
        for row in rows.all():
            details = dict(row.details)
            if row.actor_id == telegram_id or details.get("actor") == alias:
                row.actor_id = None
                details["actor"] = pseudonym
            for key in keys:
                if details.get(key) == person_id:
                    details[key] = None
                    details[key.removesuffix("_id")] = pseudonym
            row.details = details  # a new dict: JSON columns do not track changes inside
            changed += 1
        return changed
