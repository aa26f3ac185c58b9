"""Recruitment and waiting-list care: a programme's own channels, the people a planner
looks at (by a window of dates, never the whole table), what is left of someone who
never finished their profile, and the pace at which buddies' places come free."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select

from storage.base import Repository
from storage.models import (
    CLOSED_PAIR,
    FsmRecord,
    Outbox,
    Pair,
    Programme,
    RecruitmentChannel,
    Role,
    User,
    UserStatus,
)


class RecruitmentRepository(Repository):
    # --- channels ----------------------------------------------------------------------

    async def channels(self, programme_id: int) -> list[str]:
        """The codes of the channels the programme's coordinators added, oldest first."""
        result = await self.session.scalars(
            select(RecruitmentChannel.code)
            .where(RecruitmentChannel.programme_id == programme_id)
            .order_by(RecruitmentChannel.id)
        )
        return list(result.all())

    async def add_channel(self, programme_id: int, code: str) -> RecruitmentChannel:
        row = RecruitmentChannel(programme_id=programme_id, code=code)
        self.session.add(row)
        await self.session.flush()
        return row

    # --- the planner's people ----------------------------------------------------------

    async def programmes(self) -> Sequence[Programme]:
        """Every programme (a deployment has a handful)."""
        return (await self.session.scalars(select(Programme).order_by(Programme.id))).all()

    async def newcomers_waiting_since(
        self, programme_id: int, start: datetime, end: datetime
    ) -> Sequence[User]:
        """Reachable newcomers still on the list who joined it in [start, end)."""
        result = await self.session.scalars(
            select(User)
            .where(
                User.programme_id == programme_id,
                User.role == Role.NEWCOMER.value,
                User.status == UserStatus.WAITING.value,
                User.reachable.is_(True),
                User.waiting_since >= start,
                User.waiting_since < end,
            )
            .order_by(User.id)
        )
        return result.all()

    async def waiting_positions(self, programme_id: int, ids: Sequence[int]) -> dict[int, int]:
        """The 1-based place of each of these newcomers on the programme's waiting list
        (as `UserRepository.waiting_position` counts it), in one query."""
        if not ids:
            return {}
        ranked = (
            select(
                User.id.label("id"),
                func.row_number().over(order_by=(User.waiting_since, User.id)).label("place"),
            )
            .where(
                User.programme_id == programme_id,
                User.role == Role.NEWCOMER.value,
                User.status == UserStatus.WAITING.value,
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(ranked.c.id, ranked.c.place).where(ranked.c.id.in_(list(ids)))
        )
        return {int(person_id): int(place) for person_id, place in rows.all()}

    async def buddy_rows(self, programme_id: int) -> list[tuple[Any, ...]]:
        """What matching needs of the buddies who may take a newcomer (the columns only:
        thousands of them are read without making an object of each)."""
        rows = await self.session.execute(
            select(
                User.id,
                User.languages,
                User.municipality,
                User.interests,
                User.availability,
                User.gender,
                User.capacity,
            )
            .where(
                User.programme_id == programme_id,
                User.role == Role.BUDDY.value,
                User.status.in_([UserStatus.WAITING.value, UserStatus.MATCHED.value]),
                User.reachable.is_(True),
            )
            .order_by(User.id)
        )
        return [tuple(row) for row in rows.all()]

    async def unfinished_since(
        self, programme_id: int, start: datetime, end: datetime
    ) -> Sequence[User]:
        """People who consented in [start, end) and have not confirmed their profile."""
        result = await self.session.scalars(
            select(User)
            .where(
                User.programme_id == programme_id,
                User.status == UserStatus.ONBOARDING.value,
                User.profile_done_at.is_(None),
                User.reachable.is_(True),
                User.consent_at >= start,
                User.consent_at < end,
            )
            .order_by(User.id)
        )
        return result.all()

    async def abandoned(self, programme_id: int, before: datetime, limit: int) -> Sequence[User]:
        """Unfinished profiles of people who consented before `before`."""
        result = await self.session.scalars(
            select(User)
            .where(
                User.programme_id == programme_id,
                User.status == UserStatus.ONBOARDING.value,
                User.profile_done_at.is_(None),
                User.consent_at < before,
            )
            .order_by(User.id)
            .limit(limit)
        )
        return result.all()

    async def stale_conversation_keys(self, before: datetime, limit: int) -> list[str]:
        """Keys of conversation records untouched since before `before` (the table only
        holds conversations under way, so it stays small)."""
        result = await self.session.scalars(
            select(FsmRecord.key).where(FsmRecord.updated_at < before).limit(limit)
        )
        return list(result.all())

    async def is_known(self, telegram_id: int) -> bool:
        found = await self.session.scalar(
            select(User.id).where(User.telegram_id == telegram_id).limit(1)
        )
        return found is not None

    async def conversation_keys_of(self, telegram_id: int) -> list[str]:
        """The keys of every conversation record of this Telegram user (keys end in
        `:<chat>:<user>:<destiny>`)."""
        result = await self.session.scalars(
            select(FsmRecord.key).where(FsmRecord.key.like(f"%:{int(telegram_id)}:%"))
        )
        return [key for key in result.all() if user_of_key(key) == telegram_id]

    async def drop_conversations(self, keys: Sequence[str]) -> int:
        if not keys:
            return 0
        result = await self.session.execute(
            delete(FsmRecord)
            .where(FsmRecord.key.in_(list(keys)))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def dedup_keys_among(self, keys: Sequence[str]) -> set[str]:
        """Which of these dedup keys a queued message already carries (one query)."""
        if not keys:
            return set()
        result = await self.session.scalars(
            select(Outbox.dedup_key).where(Outbox.dedup_key.in_(list(keys)))
        )
        return {key for key in result.all() if key is not None}

    async def drop_stranger_messages(self, chat_id: int) -> int:
        """Outbox rows to a chat of nobody known (a reply kept before they consented)."""
        result = await self.session.execute(
            delete(Outbox).where(Outbox.chat_id == chat_id, Outbox.recipient_id.is_(None))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- the forecast ------------------------------------------------------------------

    async def places_freed_since(self, programme_id: int, since: datetime) -> int:
        """Places that came free since `since`: new buddies' capacity, plus pairs that
        ended (a buddy of an ended pair takes someone else)."""
        new_places = await self.session.scalar(
            select(func.coalesce(func.sum(func.coalesce(User.capacity, 1)), 0)).where(
                User.programme_id == programme_id,
                User.role == Role.BUDDY.value,
                User.profile_done_at >= since,
            )
        )
        ended = await self.session.scalar(
            select(func.count())
            .select_from(Pair)
            .where(
                and_(
                    Pair.programme_id == programme_id,
                    Pair.status.in_(CLOSED_PAIR),
                    Pair.ended_at >= since,
                    Pair.buddy_id.is_not(None),
                )
            )
        )
        return int(new_places or 0) + int(ended or 0)


def user_of_key(key: str) -> int | None:
    """The Telegram user a conversation record belongs to (aiogram's storage keys read
    `fsm:<bot>:<chat>:<user>:<destiny>`), or None for a key of another shape."""
    parts = key.split(":")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None
