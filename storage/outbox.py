"""The outbox's queries: queueing pushed messages, and everything the delivery worker and
the broadcast reporter read or change while they deliver them. Never commits: the unit of
work does, except `mark_sent`, which runs on the worker's own connection (see there)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.base import Repository
from storage.models import Broadcast, Outbox, OutboxStatus, User

# Outbox rows not delivered yet: a worker may hold a claim (SENDING) that a crash would
# hand back to the queue.
UNDELIVERED = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)

_OUTBOX = cast(Table, Outbox.__table__)
# The hot path of a broadcast: the same change as `OutboxRepository.finish(..., SENT)`,
# built once and run as one prepared UPDATE, without an ORM session around it.
_SENT_KEY = (
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.dedup_key == bindparam("dedup_key"),
        _OUTBOX.c.status == OutboxStatus.SENT.value,
    )
    .limit(1)
)
_CLAIMED = select(_OUTBOX.c.id).where(
    _OUTBOX.c.id == bindparam("row_id"),
    _OUTBOX.c.status == OutboxStatus.SENDING.value,
    _OUTBOX.c.claimed_by == bindparam("worker"),
)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("now"),
        last_error=None,
        attempts=_OUTBOX.c.attempts + 1,
    )
)


class OutboxRepository(Repository):
    """Messages to push. `claim` hands due rows to one worker; on PostgreSQL any number of
    workers share the work without overlap (FOR UPDATE SKIP LOCKED)."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.queued = False  # whether this unit of work put a message in the outbox

    def enqueue(
        self,
        *,
        chat_id: int,
        key: str,
        params: dict[str, Any] | None = None,
        recipient_id: int | None = None,
        programme_id: int | None = None,
        due_at: datetime,
        priority: int = 1,
        dedup_key: str | None = None,
    ) -> Outbox:
        row = Outbox(
            chat_id=chat_id,
            key=key,
            params=params or {},
            recipient_id=recipient_id,
            programme_id=programme_id,
            due_at=due_at,
            priority=priority,
            dedup_key=dedup_key,
            status=OutboxStatus.PENDING.value,
        )
        self.session.add(row)
        self.queued = True
        return row

    async def claim(self, worker: str, now: datetime, limit: int) -> list[Outbox]:
        """Mark up to `limit` due rows as being sent by `worker` and return them."""
        due = (
            select(Outbox.id)
            .where(Outbox.status == OutboxStatus.PENDING.value, Outbox.due_at <= now)
            .order_by(Outbox.priority, Outbox.due_at, Outbox.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(due)).all())
        if not ids:
            return []
        # Only the rows this very statement took: another round of the same worker (a
        # second `run_once` in the same process) may have taken some between the two
        # statements, and its claims carry the same name.
        taken = await self.session.scalars(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.SENDING.value, claimed_by=worker, claimed_at=now)
            .returning(Outbox.id)
        )
        ids = list(taken.all())
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Outbox)
            .where(Outbox.id.in_(ids))
            .order_by(Outbox.priority, Outbox.due_at, Outbox.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def release_stale(self, before: datetime) -> int:
        """Rows a crashed worker had claimed go back to the queue (they may repeat once)."""
        result = await self.session.execute(
            update(Outbox)
            .where(Outbox.status == OutboxStatus.SENDING.value, Outbox.claimed_at < before)
            .values(status=OutboxStatus.PENDING.value, claimed_by=None, claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def finish(
        self,
        row_id: int,
        status: OutboxStatus,
        now: datetime,
        error: str | None = None,
        *,
        worker: str | None = None,
    ) -> bool:
        """Record a row's outcome. Delivered is a fact and always recorded; any other
        outcome only while `worker` still holds the claim: a row handed back meanwhile
        (release_stale) belongs to its new claimant, whose outcome counts. False when
        nothing was recorded."""
        where = [Outbox.id == row_id]
        if status is not OutboxStatus.SENT and worker is not None:
            where += [Outbox.status == OutboxStatus.SENDING.value, Outbox.claimed_by == worker]
        result = await self.session.execute(
            update(Outbox)
            .where(*where)
            .values(
                status=status.value,
                sent_at=now if status is OutboxStatus.SENT else None,
                last_error=(error or None) and error[:200],
                attempts=Outbox.attempts + 1,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def retry_later(
        self, row_id: int, due_at: datetime, error: str, *, worker: str | None = None
    ) -> None:
        """Back to the queue for a later try, while `worker` still holds the claim."""
        where = [Outbox.id == row_id]
        if worker is not None:
            where += [Outbox.status == OutboxStatus.SENDING.value, Outbox.claimed_by == worker]
        await self.session.execute(
            update(Outbox)
            .where(*where)
            .values(
                status=OutboxStatus.PENDING.value,
                due_at=due_at,
                claimed_by=None,
                claimed_at=None,
                attempts=Outbox.attempts + 1,
                last_error=error[:200],
            )
        )

    async def cancel_by_dedup_prefix(self, prefix: str) -> int:
        """Withdraw the undelivered rows whose dedup key starts with `prefix`: waiting, or
        claimed by a worker that has not sent them yet (it looks again just before
        sending: `still_claimed`)."""
        result = await self.session.execute(
            update(Outbox)
            .where(
                Outbox.status.in_(UNDELIVERED),
                Outbox.dedup_key.startswith(prefix, autoescape=True),
            )
            .values(status=OutboxStatus.CANCELLED.value)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def waiting_for(self, person_id: int, keys: Iterable[str]) -> list[Outbox]:
        """A person's rows of these kinds not yet claimed for sending (domain/quiet.py
        plans them again when the person changes their own time)."""
        query = select(Outbox).where(
            Outbox.recipient_id == person_id,
            Outbox.status == OutboxStatus.PENDING.value,
            Outbox.key.in_(list(keys)),
        )
        return list((await self.session.scalars(query)).all())

    async def withdraw_addressed_to(self, person_id: int, chat_id: int) -> int:
        """Delete every row for this person, delivered or not: its chat id is theirs."""
        result = await self.session.execute(
            delete(Outbox).where(or_(Outbox.recipient_id == person_id, Outbox.chat_id == chat_id))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def forget_mentions(
        self,
        *,
        telegram_id: int,
        person_id: int | None = None,
        pair_ids: Sequence[int],
        meetup_ids: Sequence[int],
        entry_ids: Sequence[int],
    ) -> int:
        """Rows to anyone that speak of a person (their pairs, meetups, hour entries, their
        messages to the coordinators or Telegram id): undelivered ones are cancelled, and
        every one loses its params, which carry names, typed places and the ids of their
        messages. Returns how many were cancelled."""
        params = Outbox.params
        # Compared as text: a Telegram id overflows PostgreSQL's INTEGER.
        mentions = [params["other_telegram_id"].as_string() == str(telegram_id)]
        if person_id is not None:
            mentions.append(params["person_id"].as_integer() == person_id)
        for key, ids in (("pair_id", pair_ids), ("meetup_id", meetup_ids), ("entry_id", entry_ids)):
            if ids:
                mentions.append(params[key].as_integer().in_(list(ids)))
        cancelled = await self.session.execute(
            update(Outbox)
            .where(or_(*mentions), Outbox.status.in_(UNDELIVERED))
            .values(status=OutboxStatus.CANCELLED.value, params={})
        )
        await self.session.execute(update(Outbox).where(or_(*mentions)).values(params={}))
        return int(getattr(cancelled, "rowcount", 0) or 0)

    async def has_dedup_key(self, dedup_key: str) -> bool:
        found = await self.session.scalar(
            select(Outbox.id).where(Outbox.dedup_key == dedup_key).limit(1)
        )
        return found is not None

    async def last_sent_to(self, recipient_id: int) -> Outbox | None:
        """The last message delivered to a person: what their "something unclear?" is
        most likely about (one person's rows, by the recipient index)."""
        return await self.session.scalar(
            select(Outbox)
            .where(Outbox.recipient_id == recipient_id, Outbox.status == OutboxStatus.SENT.value)
            .order_by(Outbox.sent_at.desc(), Outbox.id.desc())
            .limit(1)
        )

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(
            select(func.min(Outbox.due_at)).where(Outbox.status == OutboxStatus.PENDING.value)
        )

    @staticmethod
    async def was_sent(results: AsyncConnection, dedup_key: str) -> bool:
        """Whether the row with this dedup key was delivered."""
        found = await results.scalar(_SENT_KEY, {"dedup_key": dedup_key})
        await results.commit()
        return found is not None

    @staticmethod
    async def still_claimed(results: AsyncConnection, row_id: int, worker: str) -> bool:
        """Whether `worker` still holds the row: not withdrawn meanwhile (a cancelled
        meetup, an erased person) nor handed to another worker."""
        found = await results.scalar(_CLAIMED, {"row_id": row_id, "worker": worker})
        await results.commit()  # ends the read; the send comes next
        return found is not None

    @staticmethod
    async def mark_sent(results: AsyncConnection, row_id: int, now: datetime) -> None:
        """Record one delivered row on the worker's results connection (one per batch;
        opening a session per message would cost more than the UPDATE itself). The
        caller commits the connection right after, so a crash repeats at most the
        message in flight."""
        await results.execute(_MARK_SENT, {"row_id": row_id, "now": now})

    async def claimants(self) -> list[str]:
        """Names of the workers that hold claims (rows being sent) right now."""
        names = await self.session.scalars(
            select(Outbox.claimed_by).where(Outbox.status == OutboxStatus.SENDING.value).distinct()
        )
        return [name for name in names.all() if name]

    async def release_claims_of(self, workers: Sequence[str]) -> int:
        """Rows claimed by these (stopped) workers go back to the queue."""
        result = await self.session.execute(
            update(Outbox)
            .where(Outbox.status == OutboxStatus.SENDING.value, Outbox.claimed_by.in_(workers))
            .values(status=OutboxStatus.PENDING.value, claimed_by=None, claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def most_urgent_due(self, now: datetime) -> int | None:
        """The best (lowest) priority among the rows due and not claimed, if any."""
        return await self.session.scalar(
            select(func.min(Outbox.priority)).where(
                Outbox.status == OutboxStatus.PENDING.value, Outbox.due_at <= now
            )
        )

    async def hand_back(self, row_ids: Iterable[int], worker: str) -> int:
        """The rows of `worker`'s batch it has not sent yet go back to the queue."""
        result = await self.session.execute(
            update(Outbox)
            .where(
                Outbox.id.in_(list(row_ids)),
                Outbox.status == OutboxStatus.SENDING.value,
                Outbox.claimed_by == worker,
            )
            .values(status=OutboxStatus.PENDING.value, claimed_by=None, claimed_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def broadcast_texts(self, broadcast_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Every version of these broadcasts' texts (stored once with the broadcast, not in
        each of its rows), by broadcast id."""
        result = await self.session.execute(
            select(Broadcast.id, Broadcast.texts).where(Broadcast.id.in_(list(broadcast_ids)))
        )
        return {broadcast_id: dict(texts or {}) for broadcast_id, texts in result.all()}

    async def contact_languages(self, person_ids: Iterable[int]) -> dict[int, str]:
        """The current contact language of each recipient, by person id."""
        result = await self.session.execute(
            select(User.id, User.contact_language).where(User.id.in_(list(person_ids)))
        )
        return {person_id: language for person_id, language in result.all()}

    async def contact_languages_by_telegram_id(self, telegram_ids: Iterable[int]) -> dict[int, str]:
        """The contact language of each person, by Telegram id (broadcast authors are
        remembered by theirs)."""
        result = await self.session.execute(
            select(User.telegram_id, User.contact_language).where(
                User.telegram_id.in_(list(telegram_ids))
            )
        )
        return {telegram_id: language for telegram_id, language in result.all()}
