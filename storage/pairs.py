"""The pair, the programme's central record: a newcomer and a buddy.

Also the questions matching asks about pairs: how many open pairs each buddy has, who was
paired before (never again), and which buddies can take someone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSessionTransaction
from sqlalchemy.orm import aliased

from storage.base import Repository
from storage.models import CLOSED_PAIR, ERASED_END_REASON, Pair, PairStatus, Role, User, UserStatus

# A pair that still counts: it holds a buddy's place and the newcomer is not waiting.
OPEN_PAIR = (PairStatus.ACTIVE.value, PairStatus.PAUSED.value)


class PairRepository(Repository):
    async def get(self, pair_id: int) -> Pair | None:
        """The pair with this id, or None."""
        return await self.session.get(Pair, pair_id)

    async def add(self, pair: Pair) -> Pair:
        """Store a new pair and give it its id."""
        self.session.add(pair)
        await self.session.flush()
        return pair

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: one pair among several may fail without undoing the others."""
        return self.session.begin_nested()

    async def open_of(self, person_id: int) -> Pair | None:
        """The person's open pair, the most recent one for a buddy with several."""
        return await self.session.scalar(
            select(Pair)
            .where(
                Pair.status.in_(OPEN_PAIR),
                or_(Pair.newcomer_id == person_id, Pair.buddy_id == person_id),
            )
            .order_by(Pair.started_at.desc())
            .limit(1)
        )

    async def all_open_of(self, person_id: int) -> list[Pair]:
        """Every open pair of a person, oldest first."""
        result = await self.session.scalars(
            select(Pair)
            .where(
                Pair.status.in_(OPEN_PAIR),
                or_(Pair.newcomer_id == person_id, Pair.buddy_id == person_id),
            )
            .order_by(Pair.started_at)
        )
        return list(result.all())

    async def active(self, programme_id: int | None = None) -> list[Pair]:
        """Active pairs (of one programme, or of all), by id."""
        query = select(Pair).where(Pair.status == PairStatus.ACTIVE.value)
        if programme_id is not None:
            query = query.where(Pair.programme_id == programme_id)
        return list((await self.session.scalars(query.order_by(Pair.id))).all())

    async def closed_between(self, start: datetime, end: datetime) -> list[Pair]:
        """Pairs that ended or were completed between `start` and `end` (not erased ones:
        nobody is left to ask)."""
        query = select(Pair).where(
            Pair.status.in_(CLOSED_PAIR),
            Pair.ended_at > start,
            Pair.ended_at <= end,
            or_(Pair.end_reason.is_(None), Pair.end_reason != ERASED_END_REASON),
        )
        return list((await self.session.scalars(query.order_by(Pair.id))).all())

    async def open_counts(self, programme_id: int) -> dict[int, int]:
        """Open pairs per buddy id: the places each buddy already gives."""
        rows = await self.session.execute(
            select(Pair.buddy_id, func.count())
            .where(Pair.programme_id == programme_id, Pair.status.in_(OPEN_PAIR))
            .group_by(Pair.buddy_id)
        )
        return {buddy_id: count for buddy_id, count in rows.all() if buddy_id is not None}

    async def ended_partners(self, programme_id: int) -> dict[int, set[int]]:
        """For each person, everyone they were in an ended pair with (never proposed again),
        whatever their roles are now: a newcomer who became a buddy is never proposed with
        their former buddy. Only pairs whose two people can both still be matched (waiting
        or matched) are read: the others cannot meet in a proposal, and most closed pairs
        are of people who left, so this stays small as the programme grows."""
        newcomer, buddy = aliased(User), aliased(User)
        matchable = (UserStatus.WAITING.value, UserStatus.MATCHED.value)
        rows = await self.session.execute(
            select(Pair.newcomer_id, Pair.buddy_id)
            .join(newcomer, newcomer.id == Pair.newcomer_id)
            .join(buddy, buddy.id == Pair.buddy_id)
            .where(
                Pair.programme_id == programme_id,
                Pair.status.in_(CLOSED_PAIR),
                newcomer.status.in_(matchable),
                buddy.status.in_(matchable),
            )
        )
        partners: dict[int, set[int]] = {}
        for newcomer_id, buddy_id in rows.all():
            if newcomer_id is not None and buddy_id is not None:
                partners.setdefault(newcomer_id, set()).add(buddy_id)
                partners.setdefault(buddy_id, set()).add(newcomer_id)
        return partners

    async def candidate_buddies(self, programme_id: int) -> Sequence[User]:
        """Reachable buddies of a programme who may take (another) newcomer, by id."""
        result = await self.session.scalars(
            select(User)
            .where(
                User.programme_id == programme_id,
                User.role == Role.BUDDY.value,
                User.status.in_([UserStatus.WAITING.value, UserStatus.MATCHED.value]),
                User.reachable.is_(True),
            )
            .order_by(User.id)
        )
        return result.all()

    async def ever_of(self, person_id: int) -> list[Pair]:
        """Every pair the person was ever in, open or ended, by id."""
        result = await self.session.scalars(
            select(Pair)
            .where(or_(Pair.newcomer_id == person_id, Pair.buddy_id == person_id))
            .order_by(Pair.id)
        )
        return list(result.all())

    async def save(self, pair: Pair) -> Pair:
        """Write the pair's changes now, so the queries that follow see them; no commit."""
        self.session.add(pair)
        await self.session.flush()
        return pair
