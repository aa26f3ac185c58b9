"""Repositories for broadcasts and community events: who is in a segment, how far a
broadcast got (counted from its outbox rows), events and their answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update

from storage.base import RowRepository
from storage.models import (
    Broadcast,
    BroadcastStatus,
    Event,
    HourEntry,
    HourStatus,
    Outbox,
    OutboxStatus,
    Pair,
    PairStatus,
    Role,
    Rsvp,
    User,
    UserStatus,
)

# People a segment can reach: newcomers and buddies with a finished profile, not gone.
MEMBER_ROLES = (Role.NEWCOMER.value, Role.BUDDY.value)
MEMBER_STATUSES = (UserStatus.WAITING.value, UserStatus.MATCHED.value, UserStatus.PAUSED.value)
OPEN_PAIRS = (PairStatus.ACTIVE.value, PairStatus.PAUSED.value)
GOING = "going"


@dataclass(frozen=True)
class DeliveryCounts:
    """Where the outbox rows of one broadcast are; `held` are pending rows due later
    (quiet hours), `queued` pending or being sent now."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0
    queued: int = 0
    held: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed + self.cancelled

    @property
    def open(self) -> int:
        return self.queued + self.held


class BroadcastRepository(RowRepository[Broadcast]):
    model = Broadcast

    async def recent(self, programme_id: int, limit: int) -> Sequence[Broadcast]:
        result = await self.session.scalars(
            select(Broadcast)
            .where(Broadcast.programme_id == programme_id)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(limit)
        )
        return result.all()

    async def sending(self) -> Sequence[Broadcast]:
        result = await self.session.scalars(
            select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING.value)
        )
        return result.all()

    async def counts(
        self, broadcast_ids: Sequence[int], now: datetime
    ) -> dict[int, DeliveryCounts]:
        """Delivery counts per broadcast, straight from its outbox rows."""
        if not broadcast_ids:
            return {}
        later = and_(Outbox.status == OutboxStatus.PENDING.value, Outbox.due_at > now)
        # Grouped in an outer query: PostgreSQL would not match the CASE of the SELECT
        # and of the GROUP BY, whose parameters are bound separately.
        rows_by_bucket = (
            select(Outbox.broadcast_id, case((later, "held"), else_=Outbox.status).label("bucket"))
            .where(Outbox.broadcast_id.in_(broadcast_ids))
            .subquery()
        )
        rows = await self.session.execute(
            select(rows_by_bucket.c.broadcast_id, rows_by_bucket.c.bucket, func.count()).group_by(
                rows_by_bucket.c.broadcast_id, rows_by_bucket.c.bucket
            )
        )
        raw: dict[int, dict[str, int]] = {}
        for broadcast_id, status, count in rows.all():
            raw.setdefault(int(broadcast_id), {})[str(status)] = int(count)
        result = {}
        for broadcast_id in broadcast_ids:
            by = raw.get(broadcast_id, {})
            result[broadcast_id] = DeliveryCounts(
                sent=by.get(OutboxStatus.SENT.value, 0),
                blocked=by.get(OutboxStatus.BLOCKED.value, 0),
                failed=by.get(OutboxStatus.FAILED.value, 0),
                cancelled=by.get(OutboxStatus.CANCELLED.value, 0),
                queued=by.get(OutboxStatus.PENDING.value, 0)
                + by.get(OutboxStatus.SENDING.value, 0),
                held=by.get("held", 0),
            )
        return result

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Mark a broadcast done once; False when it was not sending any more."""
        result = await self.session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING.value)
            .values(status=BroadcastStatus.DONE.value, finished_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    # --- segments ------------------------------------------------------------------------

    def _members(self, programme_id: int, kind: str, value: str) -> Select[User]:
        conditions: list[ColumnElement[bool]] = [
            User.programme_id == programme_id,
            User.role.in_(MEMBER_ROLES),
            User.status.in_(MEMBER_STATUSES),
            User.profile_done_at.is_not(None),
        ]
        match kind:
            case "all":
                pass
            case "newcomers":
                conditions.append(User.role == Role.NEWCOMER.value)
            case "buddies":
                conditions.append(User.role == Role.BUDDY.value)
            case "waiting":
                conditions += [
                    User.role == Role.NEWCOMER.value,
                    User.status == UserStatus.WAITING.value,
                ]
            case "language":
                conditions.append(User.contact_language == value)
            case "municipality":
                conditions.append(User.municipality == value)
            case "below_hours":
                conditions.append(User.id.in_(self._people_below(programme_id, int(value) * 60)))
            case "event":
                conditions.append(
                    User.id.in_(
                        select(Rsvp.person_id).where(
                            Rsvp.event_id == int(value),
                            Rsvp.answer == GOING,
                            Rsvp.waitlisted.is_(False),
                        )
                    )
                )
            case _:
                raise ValueError(f"unknown segment kind {kind!r}")
        return select(User).where(*conditions)

    def _people_below(self, programme_id: int, minutes: int) -> Any:
        """Both people of every open pair with fewer confirmed minutes than `minutes`."""
        confirmed = (
            select(HourEntry.pair_id, func.sum(HourEntry.minutes).label("minutes"))
            .where(HourEntry.status == HourStatus.CONFIRMED.value)
            .group_by(HourEntry.pair_id)
            .subquery()
        )
        below = (
            select(Pair.newcomer_id, Pair.buddy_id)
            .outerjoin(confirmed, confirmed.c.pair_id == Pair.id)
            .where(
                Pair.programme_id == programme_id,
                Pair.status.in_(OPEN_PAIRS),
                func.coalesce(confirmed.c.minutes, 0) < minutes,
            )
            .subquery()
        )
        return select(below.c.newcomer_id).union(select(below.c.buddy_id))

    async def segment(self, programme_id: int, kind: str, value: str) -> Sequence[User]:
        """Everyone reachable in the segment, in a stable order."""
        result = await self.session.scalars(
            self._members(programme_id, kind, value)
            .where(User.reachable.is_(True))
            .order_by(User.id)
        )
        return result.all()

    async def segment_languages(
        self, programme_id: int, kind: str, value: str
    ) -> tuple[dict[str, int], int]:
        """Reachable people of the segment by contact language, and how many are left out
        because they blocked the bot."""
        members = self._members(programme_id, kind, value).subquery()
        rows = await self.session.execute(
            select(members.c.contact_language, members.c.reachable, func.count()).group_by(
                members.c.contact_language, members.c.reachable
            )
        )
        languages: dict[str, int] = {}
        unreachable = 0
        for language, reachable, count in rows.all():
            if reachable:
                languages[str(language)] = languages.get(str(language), 0) + int(count)
            else:
                unreachable += int(count)
        return languages, unreachable

    async def programme_values(self, programme_id: int, column: str) -> dict[str, int]:
        """Reachable members by contact language or municipality (for the segment buttons)."""
        field = User.contact_language if column == "language" else User.municipality
        rows = await self.session.execute(
            select(field, func.count())
            .where(
                User.programme_id == programme_id,
                User.role.in_(MEMBER_ROLES),
                User.status.in_(MEMBER_STATUSES),
                User.profile_done_at.is_not(None),
                User.reachable.is_(True),
                field.is_not(None),
            )
            .group_by(field)
            .order_by(func.count().desc())
        )
        return {str(key): int(count) for key, count in rows.all()}


class EventRepository(RowRepository[Event]):
    model = Event

    async def get(self, event_id: int, *, lock: bool = False) -> Event | None:
        """The event; `lock` serialises answers to it (FOR UPDATE on PostgreSQL, SQLite
        serialises writers anyway)."""
        statement = select(Event).where(Event.id == event_id)
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def upcoming(self, programme_id: int, since: datetime, limit: int) -> Sequence[Event]:
        result = await self.session.scalars(
            select(Event)
            .where(Event.programme_id == programme_id, Event.starts_at >= since)
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
        return result.all()

    async def rsvp(self, event_id: int, person_id: int) -> Rsvp | None:
        return await self.session.scalar(
            select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.person_id == person_id)
        )

    def add_rsvp(self, rsvp: Rsvp) -> None:
        self.session.add(rsvp)

    async def delete_rsvp(self, rsvp: Rsvp) -> None:
        await self.session.delete(rsvp)
        await self.session.flush()

    async def rsvps_of(self, person_id: int) -> Sequence[Rsvp]:
        """Every answer a person gave, oldest first."""
        result = await self.session.scalars(
            select(Rsvp).where(Rsvp.person_id == person_id).order_by(Rsvp.answered_at, Rsvp.id)
        )
        return result.all()

    async def was_invited(self, event_id: int, person_id: int, key: str) -> bool:
        """Whether an invitation (an outbox row with `key` for this event) may have been
        shown to the person: sent, being sent (its result is recorded just after the
        send, and a quick tap can come first), or tried at least once (a timeout may hide
        a delivery). Rows not tried yet (held for quiet hours, or cancelled before) were
        never on their screen; blocked ones could not be."""
        found = await self.session.scalar(
            select(Outbox.id)
            .where(
                Outbox.recipient_id == person_id,
                Outbox.key == key,
                Outbox.params["event_id"].as_integer() == event_id,
                or_(
                    Outbox.status == OutboxStatus.SENDING.value,
                    and_(Outbox.attempts > 0, Outbox.status != OutboxStatus.BLOCKED.value),
                ),
            )
            .limit(1)
        )
        return found is not None

    async def going_count(self, event_id: int) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.answer == GOING, Rsvp.waitlisted.is_(False))
        )
        return int(count or 0)

    async def first_waiting(self, event_id: int) -> Rsvp | None:
        """The person longest on the waiting list."""
        return await self.session.scalar(
            select(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.answer == GOING, Rsvp.waitlisted.is_(True))
            .order_by(Rsvp.answered_at, Rsvp.id)
            .limit(1)
        )

    async def waiting_position(self, rsvp: Rsvp) -> int:
        ahead = await self.session.scalar(
            select(func.count())
            .select_from(Rsvp)
            .where(
                Rsvp.event_id == rsvp.event_id,
                Rsvp.answer == GOING,
                Rsvp.waitlisted.is_(True),
                or_(
                    Rsvp.answered_at < rsvp.answered_at,
                    and_(Rsvp.answered_at == rsvp.answered_at, Rsvp.id < rsvp.id),
                ),
            )
        )
        return int(ahead or 0) + 1

    async def answers(self, event_id: int) -> Sequence[tuple[Rsvp, User]]:
        """Every answer with its person: going first, then the waiting list in order."""
        rows = await self.session.execute(
            select(Rsvp, User)
            .join(User, User.id == Rsvp.person_id)
            .where(Rsvp.event_id == event_id)
            .order_by(Rsvp.answered_at, Rsvp.id)
        )
        return [(rsvp, person) for rsvp, person in rows.all()]

    async def tally(self, event_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """Per event: going (with a place), waiting, maybe, no."""
        if not event_ids:
            return {}
        bucket = case(
            (and_(Rsvp.answer == GOING, Rsvp.waitlisted.is_(True)), "waiting"),
            else_=Rsvp.answer,
        )
        answers = (
            select(Rsvp.event_id, bucket.label("bucket"))
            .where(Rsvp.event_id.in_(event_ids))
            .subquery()
        )
        rows = await self.session.execute(
            select(answers.c.event_id, answers.c.bucket, func.count()).group_by(
                answers.c.event_id, answers.c.bucket
            )
        )
        result: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
        for event_id, answer, count in rows.all():
            result[int(event_id)][str(answer)] = int(count)
        return result

    async def outbox_row(self, dedup_key: str) -> Outbox | None:
        return await self.session.scalar(select(Outbox).where(Outbox.dedup_key == dedup_key))

    async def cancel_outbox_row(self, dedup_key: str) -> None:
        """Cancel one pending pushed message by its exact dedup key."""
        await self.session.execute(
            update(Outbox)
            .where(Outbox.dedup_key == dedup_key, Outbox.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.CANCELLED.value)
        )


__all__ = ["BroadcastRepository", "DeliveryCounts", "EventRepository"]
