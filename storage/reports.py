"""The funder report's questions to the database: each figure is one aggregate query.

Nothing here loads people, pairs or ledger rows as objects. Every method sends one SELECT
(GROUP BY; for the percentiles, a window over the durations that returns only the values
at the ranks they need) scoped to one programme, and returns plain tuples; the rules that
turn them into figures are in `domain.reports`. The ledger is read through two covering
indexes (storage.models.pairs, HourEntry): confirmed minutes per pair, and by time.

Times are UTC and a period is `[start, end)`. Months are the programme's local months:
the domain passes their boundaries in UTC (`month_starts`: the start of every month of the
period after the first), and a CASE numbers each row's month (0, 1, ...) the same way on
SQLite and PostgreSQL (the ledger's hours take a branch per month instead: see `hours`).
Rows are numbered in a subquery and grouped outside it, because PostgreSQL does not see
two copies of a CASE with bound parameters as the same expression.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from storage.base import Repository
from storage.models import (
    SKIPPED,
    CheckIn,
    CheckInMoment,
    HourEntry,
    HourStatus,
    Meetup,
    MeetupStatus,
    Pair,
    PairStatus,
    Role,
    RoleChange,
    RoleChangeStatus,
    User,
    UserStatus,
)

# The people a programme recruits (coordinators are staff, not recruits); a person who has
# not chosen a role yet (role NULL) was recruited too.
RECRUIT_ROLES = (Role.NEWCOMER.value, Role.BUDDY.value)
CONFIRMED = HourStatus.CONFIRMED.value
# Meetups that were due to take place: they did, or the other did not come (a no-show).
DUE_MEETUPS = (MeetupStatus.DONE.value, MeetupStatus.MISSED.value)
# A person's "before" and "after": the check-in at onboarding and the one at the end.
BEFORE, AFTER = CheckInMoment.ONBOARDING.value, CheckInMoment.END.value
FOLLOW_UPS = (CheckInMoment.MONTH_3.value, CheckInMoment.MONTH_6.value)
# An early end for a reason other than "completed" is a drop-out.
COMPLETED_REASON = "completed"


class Answered(NamedTuple):
    """One question over the same people before and after."""

    n: int  # answered it both times
    before: float | None  # mean, over those n
    after: float | None
    skipped: int  # skipped it at either moment


class FollowUps(NamedTuple):
    """Follow-ups of one moment and role, of those who gave one answer to "doing now"."""

    moment: str
    role: str
    doing: str | None  # None: not answered yet
    asked: int
    contact_yes: int
    contact_no: int
    contact_skipped: int


class PlaceRow(NamedTuple):
    """Pairs of one contact language and municipality (of their newcomer)."""

    language: str | None
    municipality: str | None
    started: int  # in the period
    pairs: int  # that existed during the period
    minutes: int  # confirmed, done in the period
    with_hours: int  # pairs with any of those minutes
    reached: tuple[int, ...]  # pairs with at least each limit of minutes by its end


class PairRow(NamedTuple):
    pair_id: int
    status: str
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    target_hours: int
    minutes_total: int  # confirmed by the period's end
    minutes_in_period: int


class days_between(FunctionElement[float]):
    """`later - earlier` in days (with fractions), on SQLite and PostgreSQL."""

    type = Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(days_between)
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


def month_of(column: Any, month_starts: Sequence[datetime]) -> ColumnElement[int]:
    """The number of the period's month a time falls in: 0 before `month_starts[0]`, 1
    before `month_starts[1]`, ... (rows outside the period are filtered out elsewhere).
    The CASE halves the months at each level, so a row is compared a few times only (a
    flat CASE over three years compares it 18 times on average)."""
    return _month_between(column, month_starts, 0, len(month_starts))


def _month_between(
    column: Any, month_starts: Sequence[datetime], low: int, high: int
) -> ColumnElement[int]:
    """The month, knowing that it is between `low` and `high` (both included)."""
    if low == high:
        return literal(low)
    middle = (low + high) // 2  # months low..middle start before month_starts[middle]
    return case(
        (column < month_starts[middle], _month_between(column, month_starts, low, middle)),
        else_=_month_between(column, month_starts, middle + 1, high),
    )


def _number(answer: ColumnElement[Any]) -> ColumnElement[float]:
    """An answer read out as text (as_string), as a number; NULL when skipped or not
    given."""
    return case((answer == SKIPPED, None), else_=cast(answer, Float))


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _pairs_in_period(programme_id: int, start: datetime, end: datetime) -> ColumnElement[bool]:
    """Pairs that existed during the period: started before its end, not over before it."""
    return and_(
        Pair.programme_id == programme_id,
        Pair.started_at < end,
        or_(Pair.ended_at.is_(None), Pair.ended_at >= start),
    )


def _confirmed_minutes(programme_id: int, start: datetime, end: datetime) -> Any:
    """Confirmed minutes per pair, in one pass over the ledger (a subquery: pair_id,
    `total` done before the period's end, `done` within the period)."""
    return (
        select(
            HourEntry.pair_id,
            func.sum(HourEntry.minutes).label("total"),
            func.sum(case((HourEntry.started_at >= start, HourEntry.minutes), else_=0)).label(
                "done"
            ),
        )
        .where(
            HourEntry.programme_id == programme_id,
            HourEntry.status == CONFIRMED,
            HourEntry.started_at < end,
        )
        .group_by(HourEntry.pair_id)
        .subquery()
    )


def joined_as() -> ColumnElement[Any]:
    """The role a person was recruited as: the one before their first confirmed change of
    role (a newcomer who became a buddy stays a newcomer recruit of the month they joined,
    domain/role_change.py), else their role now. One indexed look-up per person."""
    before = (
        select(RoleChange.from_role)
        .where(
            RoleChange.person_id == User.id,
            RoleChange.status == RoleChangeStatus.CONFIRMED.value,
        )
        .order_by(RoleChange.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(before, User.role)


class ReportRepository(Repository):
    """The report's aggregate queries; every one names the programme it reads."""

    async def _rows(self, query: Executable) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in (await self.session.execute(query)).all()]

    # --- people -----------------------------------------------------------------------

    async def recruits(
        self, programme_id: int, start: datetime, end: datetime, month_starts: Sequence[datetime]
    ) -> list[tuple[int, str | None, str | None, int]]:
        """(month number, channel, role, people) of the people who joined in the period:
        by channel and role, and by month, from one pass over the people."""
        numbered = (
            select(
                month_of(User.created_at, month_starts).label("month"),
                User.recruited_via.label("channel"),
                joined_as().label("role"),
            )
            .where(
                User.programme_id == programme_id,
                _in(User.created_at, start, end),
                or_(User.role.is_(None), User.role.in_(RECRUIT_ROLES)),
            )
            .subquery()
        )
        rows = await self._rows(
            select(numbered.c.month, numbered.c.channel, numbered.c.role, func.count()).group_by(
                numbered.c.month, numbered.c.channel, numbered.c.role
            )
        )
        return [(int(month), channel, role, int(n)) for month, channel, role, n in rows]

    async def channel_funnel(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[tuple[str | None, int, int, int]]:
        """(channel, people, profiles confirmed, matched) of the people who joined in the
        period, by the channel they came through: how far each channel's recruits got."""
        in_a_pair = exists().where(or_(Pair.newcomer_id == User.id, Pair.buddy_id == User.id))
        rows = await self._rows(
            select(
                User.recruited_via,
                func.count(),
                _count_if(User.profile_done_at.is_not(None)),
                _count_if(in_a_pair),
            )
            .where(
                User.programme_id == programme_id,
                _in(User.created_at, start, end),
                or_(User.role.is_(None), User.role.in_(RECRUIT_ROLES)),
            )
            .group_by(User.recruited_via)
        )
        return [
            (channel, int(n), int(done or 0), int(matched or 0))
            for channel, n, done, matched in rows
        ]

    async def waiting_now(self, programme_id: int) -> int:
        """Newcomers on the waiting list now."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.programme_id == programme_id,
                User.role == Role.NEWCOMER.value,
                User.status == UserStatus.WAITING.value,
            )
        )
        return int(count or 0)

    async def days_to_first_match(
        self, programme_id: int, start: datetime, end: datetime, percents: Sequence[int]
    ) -> tuple[int, dict[int, float]]:
        """Days from joining the waiting list to the first pair, of the newcomers whose
        first pair started in the period (a rematch keeps the first waiting date, so a
        later pair is left out): how many, and the values at the ranks (0-based, in
        ascending order) that the percentiles `percents` fall between, so that they can
        be interpolated without fetching every value."""
        earlier = aliased(Pair)
        first_pair = ~exists(
            select(earlier.id).where(
                earlier.newcomer_id == Pair.newcomer_id,
                or_(
                    earlier.started_at < Pair.started_at,
                    and_(earlier.started_at == Pair.started_at, earlier.id < Pair.id),
                ),
            )
        )
        days = days_between(Pair.started_at, User.waiting_since)
        ranked = (
            select(
                days.label("days"),
                (func.row_number().over(order_by=days) - 1).label("rank"),
                func.count().over().label("n"),
            )
            .join(User, User.id == Pair.newcomer_id)
            .where(
                Pair.programme_id == programme_id,
                _in(Pair.started_at, start, end),
                User.waiting_since.is_not(None),
                User.waiting_since <= Pair.started_at,
                first_pair,
            )
            .subquery()
        )
        # Integer arithmetic rounds down on both backends: the rank below each percentile.
        below = [(ranked.c.n - 1) * percent // 100 for percent in percents]
        wanted = [rank for low in below for rank in (low, low + 1)]
        rows = await self._rows(
            select(ranked.c.rank, ranked.c.n, ranked.c.days).where(ranked.c.rank.in_(wanted))
        )
        count = int(rows[0][1]) if rows else 0
        return count, {int(rank): float(value) for rank, _n, value in rows}

    # --- pairs --------------------------------------------------------------------------

    async def matches_by_month(
        self, programme_id: int, start: datetime, end: datetime, month_starts: Sequence[datetime]
    ) -> list[tuple[int, int]]:
        """(month number, pairs started) in the period."""
        numbered = (
            select(month_of(Pair.started_at, month_starts).label("month"))
            .where(Pair.programme_id == programme_id, _in(Pair.started_at, start, end))
            .subquery()
        )
        rows = await self._rows(select(numbered.c.month, func.count()).group_by(numbered.c.month))
        return [(int(month), int(count)) for month, count in rows]

    async def pair_statuses(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int]]:
        """(status now, pairs) of the pairs that existed during the period."""
        rows = await self._rows(
            select(Pair.status, func.count())
            .where(_pairs_in_period(programme_id, start, end))
            .group_by(Pair.status)
        )
        return [(status, int(count)) for status, count in rows]

    async def dropouts(
        self, programme_id: int, start: datetime, end: datetime, stages: Sequence[int]
    ) -> list[tuple[int, int]]:
        """(stage, pairs) of the pairs that ended early in the period, by their confirmed
        minutes at the end: stage 0 without any, then one stage per limit in `stages`
        (minutes below it), the last one at or above the last limit."""
        total = func.coalesce(
            select(func.sum(HourEntry.minutes))
            .where(
                HourEntry.programme_id == programme_id,  # the covering index leads with it
                HourEntry.status == CONFIRMED,
                HourEntry.pair_id == Pair.id,
            )
            .correlate(Pair)
            .scalar_subquery(),
            0,
        )
        stage = case(
            (total <= 0, 0),
            *((total < limit, index) for index, limit in enumerate(stages, start=1)),
            else_=len(stages) + 1,
        )
        staged = (
            select(stage.label("stage"))
            .where(
                Pair.programme_id == programme_id,
                Pair.status == PairStatus.ENDED.value,
                _in(Pair.ended_at, start, end),
                func.coalesce(Pair.end_reason, "") != COMPLETED_REASON,
            )
            .subquery()
        )
        rows = await self._rows(select(staged.c.stage, func.count()).group_by(staged.c.stage))
        return [(int(stage), int(count)) for stage, count in rows]

    # --- hours and meetups --------------------------------------------------------------

    async def hours(
        self, programme_id: int, start: datetime, end: datetime, month_starts: Sequence[datetime]
    ) -> list[tuple[int, str, int, int]]:
        """(month number, activity kind, confirmed minutes, entries) of the hours done in
        the period: by kind, and by month. One statement, a branch per month (UNION ALL):
        each reads its own stretch of the ledger's time index and groups a handful of
        kinds, three times faster than numbering a million rows' months with a CASE."""
        bounds = [start, *month_starts, end]
        rows = await self._rows(
            union_all(
                *(
                    select(
                        literal_column(str(month)).label("month"),
                        HourEntry.activity_kind,
                        func.sum(HourEntry.minutes),
                        func.count(),
                    )
                    .where(
                        HourEntry.programme_id == programme_id,
                        HourEntry.status == CONFIRMED,
                        _in(HourEntry.started_at, low, high),
                    )
                    .group_by(HourEntry.activity_kind)
                    for month, (low, high) in enumerate(pairwise(bounds))
                )
            )
        )
        return [(int(month), kind, int(minutes or 0), int(n)) for month, kind, minutes, n in rows]

    async def meetups_due(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int]]:
        """(done or missed, meetups) of the meetups planned in the period."""
        rows = await self._rows(
            select(Meetup.status, func.count())
            .where(
                Meetup.programme_id == programme_id,
                _in(Meetup.starts_at, start, end),
                Meetup.status.in_(DUE_MEETUPS),
            )
            .group_by(Meetup.status)
        )
        return [(status, int(count)) for status, count in rows]

    # --- check-ins ----------------------------------------------------------------------

    async def before_after(
        self, programme_id: int, start: datetime, end: datetime, questions: Sequence[str]
    ) -> dict[str, dict[str, Answered]]:
        """By role, each question over the people whose end check-in opened in the period
        (their last one there) and who had an onboarding check-in. Each answer is read
        out of its JSON once, in a subquery, and counted outside it."""
        before, after = aliased(CheckIn), aliased(CheckIn)
        last_end = (
            select(func.max(CheckIn.id))
            .where(
                CheckIn.person_id == after.person_id,
                CheckIn.moment == AFTER,
                _in(CheckIn.created_at, start, end),
            )
            .correlate(after)
            .scalar_subquery()
        )
        answers = (
            select(
                after.role.label("role"),
                *(before.answers[q].as_string().label(f"b{i}") for i, q in enumerate(questions)),
                *(after.answers[q].as_string().label(f"a{i}") for i, q in enumerate(questions)),
            )
            .join(before, and_(before.person_id == after.person_id, before.moment == BEFORE))
            .where(
                after.programme_id == programme_id,
                after.moment == AFTER,
                _in(after.created_at, start, end),
                after.id == last_end,
            )
            .subquery()
        )
        columns: list[ColumnElement[Any]] = []
        for index in range(len(questions)):
            then, now = answers.c[f"b{index}"], answers.c[f"a{index}"]
            both = and_(_number(then).is_not(None), _number(now).is_not(None))
            columns += [
                func.count(case((both, 1))),
                func.avg(case((both, _number(then)))),
                func.avg(case((both, _number(now)))),
                _count_if(or_(then == SKIPPED, now == SKIPPED)),
            ]
        rows = await self._rows(select(answers.c.role, *columns).group_by(answers.c.role))
        found: dict[str, dict[str, Answered]] = {}
        for role, *values in rows:
            found[str(role)] = {
                question: Answered(
                    int(values[4 * at] or 0),
                    _float(values[4 * at + 1]),
                    _float(values[4 * at + 2]),
                    int(values[4 * at + 3] or 0),
                )
                for at, question in enumerate(questions)
            }
        return found

    async def end_evaluation(
        self, programme_id: int, start: datetime, end: datetime
    ) -> tuple[int, float | None, int, int, int, int]:
        """Over the end check-ins opened in the period: (ratings, mean rating, ratings
        skipped, recommend answers, of which yes, recommend skipped)."""
        answers = (
            select(
                CheckIn.answers["programme_rating"].as_string().label("rating"),
                CheckIn.answers["would_recommend"].as_string().label("recommend"),
            )
            .where(
                CheckIn.programme_id == programme_id,
                CheckIn.moment == AFTER,
                _in(CheckIn.created_at, start, end),
            )
            .subquery()
        )
        rating, recommend = _number(answers.c.rating), _number(answers.c.recommend)
        row = (
            await self.session.execute(
                select(
                    func.count(rating),
                    func.avg(rating),
                    _count_if(answers.c.rating == SKIPPED),
                    func.count(recommend),
                    _count_if(recommend == 1),
                    _count_if(answers.c.recommend == SKIPPED),
                )
            )
        ).one()
        mean = float(row[1]) if row[1] is not None else None
        return int(row[0]), mean, int(row[2]), int(row[3]), int(row[4]), int(row[5])

    async def outflow(self, programme_id: int, start: datetime, end: datetime) -> list[FollowUps]:
        """Follow-ups (3 and 6 months after the end) opened in the period, grouped by
        moment, role and what they do now, with the answers to "still in contact"."""
        still = CheckIn.answers["still_in_contact"].as_string()
        answers = (
            select(
                CheckIn.moment,
                CheckIn.role,
                CheckIn.answers["doing_now"].as_string().label("doing"),
                still.label("still"),
            )
            .where(
                CheckIn.programme_id == programme_id,
                CheckIn.moment.in_(FOLLOW_UPS),
                _in(CheckIn.created_at, start, end),
            )
            .subquery()
        )
        rows = await self._rows(
            select(
                answers.c.moment,
                answers.c.role,
                answers.c.doing,
                func.count(),
                _count_if(answers.c.still == "1"),
                _count_if(answers.c.still == "0"),
                _count_if(answers.c.still == SKIPPED),
            ).group_by(answers.c.moment, answers.c.role, answers.c.doing)
        )
        return [
            FollowUps(moment, role, doing, int(n), int(yes), int(no), int(skipped))
            for moment, role, doing, n, yes, no, skipped in rows
        ]

    # --- by contact language and municipality ------------------------------------------

    async def people_by_place(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, str | None, int, int]]:
        """(contact language, municipality, people who joined in the period, newcomers
        waiting now), from one pass over the people."""
        joined = and_(
            _in(User.created_at, start, end),
            or_(User.role.is_(None), User.role.in_(RECRUIT_ROLES)),
        )
        waiting = and_(User.role == Role.NEWCOMER.value, User.status == UserStatus.WAITING.value)
        rows = await self._rows(
            select(User.contact_language, User.municipality, _count_if(joined), _count_if(waiting))
            .where(User.programme_id == programme_id)
            .group_by(User.contact_language, User.municipality)
        )
        return [(language, place, int(n), int(w)) for language, place, n, w in rows]

    async def pairs_by_place(
        self, programme_id: int, start: datetime, end: datetime, limits: Sequence[int]
    ) -> list[PlaceRow]:
        """The pairs that existed during the period, by their newcomer's contact language
        and municipality (None once the newcomer erased their data), from one pass over
        the ledger: see PlaceRow. `limits` are confirmed minutes (10, 20, 40 hours)."""
        totals = _confirmed_minutes(programme_id, start, end)
        total, done = func.coalesce(totals.c.total, 0), func.coalesce(totals.c.done, 0)
        rows = await self._rows(
            select(
                User.contact_language,
                User.municipality,
                _count_if(Pair.started_at >= start),
                func.count(),
                func.coalesce(func.sum(done), 0),
                _count_if(done > 0),
                *(_count_if(total >= limit) for limit in limits),
            )
            .select_from(Pair)
            .outerjoin(User, User.id == Pair.newcomer_id)
            .outerjoin(totals, totals.c.pair_id == Pair.id)
            .where(_pairs_in_period(programme_id, start, end))
            .group_by(User.contact_language, User.municipality)
        )
        return [
            PlaceRow(
                language=language,
                municipality=place,
                started=int(started),
                pairs=int(pairs),
                minutes=int(minutes),
                with_hours=int(with_hours),
                reached=tuple(int(n) for n in reached),
            )
            for language, place, started, pairs, minutes, with_hours, *reached in rows
        ]

    # --- the pair-level sheet -----------------------------------------------------------

    async def pair_lines(
        self, programme_id: int, start: datetime, end: datetime, slice_size: int = 2000
    ) -> AsyncIterator[list[PairRow]]:
        """One line per pair that existed during the period, nothing about its people, in
        slices (a large programme has tens of thousands: each slice is read and shaped
        while the event loop serves others in between)."""
        totals = _confirmed_minutes(programme_id, start, end)
        result = await self.session.stream(
            select(
                Pair.id,
                Pair.status,
                Pair.started_at,
                Pair.ended_at,
                Pair.end_reason,
                Pair.target_hours,
                func.coalesce(totals.c.total, 0),
                func.coalesce(totals.c.done, 0),
            )
            .select_from(Pair)
            .outerjoin(totals, totals.c.pair_id == Pair.id)
            .where(_pairs_in_period(programme_id, start, end))
            .order_by(Pair.id)
        )
        async for rows in result.partitions(slice_size):
            yield [PairRow(*row) for row in rows]
