"""The funder report: what changed for people in a period, aggregated, never personal.

A coordinator chooses a period (this month, the last full quarter, this year, or two days
of their own); every figure is about their own programme only, in its time zone:

- Recruits: people who joined (consented) in the period, by channel (`recruited_via`, the
  deep link they came through) and role; coordinators are staff, not recruits. By
  channel also how far they got: profiles confirmed and people matched (by now).
- Waiting list: its length now, and the time to match of newcomers whose *first* pair
  started in the period (from joining the waiting list to the pair's start; a rematch
  keeps the first waiting date, so it would count the first pair's time twice).
- Pairs that existed during the period (started before its end, not over before its
  start), by their status now; pairs started in it are the matches.
- Drop-out stage: pairs ended early in the period (status "ended", for a reason other
  than "completed") by their confirmed hours at the end: before any hours, under 10,
  10–20, 20–40, 40 or more.
- Hours: confirmed hours done in the period, by activity kind and by month; the share of
  the period's pairs with at least 10, 20 and 40 confirmed hours by its end; no-shows
  (meetups planned in the period whose partner did not come, of those due to happen).
- Check-ins: for people whose end check-in opened in the period (their last one there)
  and who answered at onboarding, each question's mean before and after, and the mean
  change, over the people who answered it both times (n); "skipped" is never a value, it
  is counted apart. The end evaluation (rating, would recommend) and the follow-ups 3 and
  6 months after the end (what they do now, still in contact) opened in the period.
- Feedback: the "how was it?" questions after meetups and after events asked in the
  period, by answer (😀 🙂 😐 🙁), not answered yet, and with a word; counts only.
- Duo volunteering (domain/placements.py): duos linked to a host organisation in the
  period (confirmed there, or confirmed hours there), how many organisations, and the
  confirmed hours and duos by host. Organisations are named: they are not people.
- By contact language and by municipality (the newcomer's, for a pair's figures).

Small numbers: a count of 1 to 4 people in the tables by language or municipality is not
shown (`None`, printed "<5"), nor are hours of 1 to 4 pairs there, nor a mean of fewer
than 5 answers anywhere: with so few people a figure can point at one of them.

The pair-level lines carry a pseudonym, the HMAC of the pair's id under a key of the
programme's own (made on the first report and kept in its settings): stable from report to
report, meaningless outside, and never a name or a Telegram id.

Every figure comes from one aggregate query (`storage.reports`), some queries serving two
figures from one pass (by channel and by month; by language and by municipality, and the
milestones); this module only shapes them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

from domain.checkins import CORE, DOING_NOW
from domain.errors import DomainError
from domain.feedback import ANSWERS as FEEDBACK_ANSWERS
from domain.placements import Volunteering, volunteering
from domain.staff import require_coordinator
from storage.feedback import AnswerCount
from storage.models import CheckInMoment, FeedbackSubject, PairStatus, Programme, Role, User
from storage.reports import Answered, FollowUps, PairRow, PlaceRow
from storage.uow import UnitOfWork

# Fewer people than this in a cell and the cell is not shown.
MIN_CELL = 5
# Confirmed hours a pair may reach: the milestones shown, and the drop-out stages' limits.
MILESTONES = (10, 20, 40)
GOAL_HOURS = 40
# What counts as "doing something" three or six months on.
ACTIVE_NOW = ("club_leisure", "volunteering", "course", "work")
ROLES = (Role.NEWCOMER.value, Role.BUDDY.value)
QUESTIONS: tuple[str, ...] = tuple(q for role in ROLES for q in CORE[role])
FOLLOW_UPS = (CheckInMoment.MONTH_3.value, CheckInMoment.MONTH_6.value)
FEEDBACK_SUBJECTS = (FeedbackSubject.MEETUP.value, FeedbackSubject.EVENT.value)
# A custom period: from this day on, and at most this long.
EARLIEST_DAY = date(2000, 1, 1)
LONGEST_YEARS = 5
DAY_FORMAT = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
PSEUDONYM_SETTING = "report_key"
# Pair lines are read and shaped in slices, so the event loop is never held for long.
SLICE = 2000


class PeriodKind(StrEnum):
    MONTH = "month"  # this month, up to today
    QUARTER = "quarter"  # the last full calendar quarter
    YEAR = "year"  # this year, up to today
    CUSTOM = "custom"  # two days chosen by the coordinator


@dataclass(frozen=True)
class Period:
    """Whole days in the programme's time zone, `first` to `last` included."""

    first: date
    last: date
    kind: PeriodKind = PeriodKind.CUSTOM

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The period in UTC: from the first day's midnight to the midnight after the
        last day (excluded)."""
        return _midnight(self.first, tz), _midnight(self.last + timedelta(days=1), tz)

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = _next_month(month)
        return months

    def month_starts(self, tz: tzinfo) -> list[datetime]:
        """In UTC, where each month after the first begins (the boundaries between them)."""
        return [_midnight(month, tz) for month in self.months()[1:]]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def today_in(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()


def preset(kind: PeriodKind, today: date) -> Period:
    """This month or this year up to today, or the last full quarter."""
    if kind is PeriodKind.MONTH:
        return Period(today.replace(day=1), today, kind)
    if kind is PeriodKind.YEAR:
        return Period(date(today.year, 1, 1), today, kind)
    if kind is PeriodKind.QUARTER:
        this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last = this_quarter - timedelta(days=1)
        return Period(date(last.year, last.month - 2, 1), last, kind)
    raise DomainError("invalid_choice")


def parse_day(text: str) -> date:
    """A day typed as YYYY-MM-DD; "report_date_format" for anything else, and
    "report_no_such_day" for a day the calendar does not have (2026-02-30)."""
    found = DAY_FORMAT.match(text or "")
    if found is None:
        raise DomainError("report_date_format")
    year, month, day = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("report_no_such_day", day=text.strip()) from None


def check_first_day(first: date, today: date) -> date:
    """The first day of a custom period: not in the future, not before EARLIEST_DAY."""
    if first > today:
        raise DomainError("report_date_future")
    if first < EARLIEST_DAY:
        raise DomainError("report_date_too_early", day=EARLIEST_DAY.isoformat())
    return first


def custom(first: date, last: date, today: date) -> Period:
    """A period of the coordinator's own days, checked: none in the future, the last not
    before the first, at most LONGEST_YEARS long."""
    check_first_day(first, today)
    if last > today:
        raise DomainError("report_date_future")
    if last < first:
        raise DomainError("report_date_order")
    if last >= _years_after(first, LONGEST_YEARS):
        raise DomainError("report_period_too_long", years=LONGEST_YEARS)
    return Period(first, last, PeriodKind.CUSTOM)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def day_code(day: date) -> int:
    """A day as a number for a button (20260131)."""
    return day.year * 10000 + day.month * 100 + day.day


def day_from_code(code: int) -> date:
    """The day a button carries; "stale_button" when it is not one (forged data)."""
    try:
        return date(code // 10000, code // 100 % 100, code % 100)
    except ValueError:
        raise DomainError("stale_button") from None


# --- the figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Recruits:
    channel: str | None  # the deep link's channel; None: came without one
    role: str | None  # None: has not chosen yet
    people: int


@dataclass(frozen=True)
class ChannelFunnel:
    """How far the people who joined through one channel got: joined, confirmed their
    profile, were matched (by now)."""

    channel: str | None  # None: came without a link
    recruits: int
    onboarded: int
    matched: int


@dataclass(frozen=True)
class Month:
    first_day: date
    newcomers: int = 0
    buddies: int = 0
    undecided: int = 0  # joined without choosing a role yet
    matches: int = 0
    minutes: int = 0

    @property
    def recruits(self) -> int:
        return self.newcomers + self.buddies + self.undecided

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class Matching:
    waiting_now: int
    matched: int  # newcomers whose first pair started in the period
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class PairFigures:
    """The period's pairs by status now, and how many of them started in it."""

    active: int = 0
    paused: int = 0
    ended: int = 0
    completed: int = 0
    started: int = 0

    @property
    def total(self) -> int:
        return self.active + self.paused + self.ended + self.completed


@dataclass(frozen=True)
class Dropouts:
    """Pairs that ended early in the period, by their confirmed hours at the end."""

    before_any: int = 0
    under_10: int = 0
    from_10_to_20: int = 0
    from_20_to_40: int = 0
    at_40_or_more: int = 0

    @property
    def total(self) -> int:
        return (
            self.before_any
            + self.under_10
            + self.from_10_to_20
            + self.from_20_to_40
            + self.at_40_or_more
        )


@dataclass(frozen=True)
class Milestones:
    pairs: int
    at_10: int
    at_20: int
    at_40: int

    def share(self, reached: int) -> float | None:
        return reached / self.pairs if self.pairs else None


@dataclass(frozen=True)
class KindHours:
    kind: str
    minutes: int
    entries: int

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class NoShows:
    took_place: int
    missed: int

    @property
    def due(self) -> int:
        return self.took_place + self.missed

    @property
    def share(self) -> float | None:
        return self.missed / self.due if self.due else None


@dataclass(frozen=True)
class Change:
    """One question, the same people before (onboarding) and after (the end). The means
    are None when fewer than MIN_CELL people answered it both times."""

    role: str
    question: str
    n: int
    before: float | None
    after: float | None
    skipped: int

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Evaluation:
    ratings: int
    mean_rating: float | None  # None under MIN_CELL ratings
    ratings_skipped: int
    recommend_answers: int
    recommend_yes: int
    recommend_skipped: int

    @property
    def recommend_share(self) -> float | None:
        if self.recommend_answers < MIN_CELL:
            return None
        return self.recommend_yes / self.recommend_answers


@dataclass(frozen=True)
class Outflow:
    """The follow-ups of one moment (month_3 or month_6) and role."""

    moment: str
    role: str
    asked: int
    doing: dict[str, int] = field(default_factory=dict)  # answer -> people
    doing_skipped: int = 0
    contact_yes: int = 0
    contact_no: int = 0
    contact_skipped: int = 0

    @property
    def answered(self) -> int:
        """People who said what they do now."""
        return sum(self.doing.values())

    @property
    def active(self) -> int:
        """Of those, people in a club, volunteering, a course or work."""
        return sum(self.doing.get(answer, 0) for answer in ACTIVE_NOW)

    @property
    def contact_answers(self) -> int:
        return self.contact_yes + self.contact_no

    @property
    def contact_share(self) -> float | None:
        if self.contact_answers < MIN_CELL:
            return None
        return self.contact_yes / self.contact_answers


@dataclass(frozen=True)
class FeedbackFigures:
    """The "how was it?" questions about one subject (meetups or events) asked in the
    period: how many got each answer (1 🙁, 2 😐, 3 🙂, 4 😀), how many none yet, and how
    many answers came with a word."""

    subject: str
    answers: dict[int, int] = field(default_factory=dict)
    unanswered: int = 0
    comments: int = 0

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def asked(self) -> int:
        return self.answered + self.unanswered


@dataclass(frozen=True)
class GroupRow:
    """One contact language or municipality (None: not known, or erased). A count of 1 to
    4 is None (shown "<5"); hours are None when 1 to 4 pairs did them."""

    group: str | None
    recruits: int | None
    waiting: int | None
    matched: int | None
    pairs: int | None
    at_goal: int | None
    hours: float | None


class PairLine(NamedTuple):
    """One pair, pseudonymised: nothing about its people. A tuple of plain values (tens of
    thousands of them are made at once: the garbage collector can leave such tuples out
    of its rounds, where it would walk every dataclass)."""

    pseudonym: str
    status: str
    started: date
    ended: date | None
    end_reason: str | None
    target_hours: int
    minutes_total: int  # confirmed by the period's end
    minutes_in_period: int


@dataclass(frozen=True)
class Report:
    programme: str
    period: Period
    made_at: datetime
    recruits: list[Recruits]
    months: list[Month]
    matching: Matching
    pairs: PairFigures
    dropouts: Dropouts
    milestones: Milestones
    kinds: list[KindHours]
    no_shows: NoShows
    changes: list[Change]
    evaluation: Evaluation
    outflow: list[Outflow]
    by_language: list[GroupRow]
    by_municipality: list[GroupRow]
    pair_lines: list[PairLine]
    channels: list[ChannelFunnel] = field(default_factory=list)
    feedback: list[FeedbackFigures] = field(default_factory=list)
    volunteering: Volunteering = field(default_factory=Volunteering)

    @property
    def recruited(self) -> int:
        return sum(row.people for row in self.recruits)

    def recruited_as(self, role: str | None) -> int:
        return sum(row.people for row in self.recruits if row.role == role)

    @property
    def minutes(self) -> int:
        """Confirmed minutes done in the period."""
        return sum(kind.minutes for kind in self.kinds)

    @property
    def hours(self) -> float:
        return self.minutes / 60


def percentile(count: int, ranked: dict[int, float], percent: int) -> float | None:
    """The `percent` percentile of `count` values, interpolated between the two closest
    ranks (the usual definition, numpy's default), from the values at those ranks
    (0-based, ascending); None without values."""
    if count == 0:
        return None
    position = (count - 1) * percent / 100
    low = (count - 1) * percent // 100
    high = min(low + 1, count - 1)
    return ranked[low] + (ranked[high] - ranked[low]) * (position - low)


def shown(count: int) -> int | None:
    """A count of people as it may be shown: None (too few) for 1 to MIN_CELL - 1."""
    return None if 0 < count < MIN_CELL else count


def pseudonym(key: bytes, pair_id: int) -> str:
    """The pair's stable pseudonym under the programme's key: "P-" and ten characters of
    base32 (letters and 2-7), so it never reads as a number or a name."""
    digest = hmac.new(key, f"pair:{pair_id}".encode(), hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest)[:10].decode()


def pseudonym_key(programme: Programme) -> bytes:
    """The programme's key for pseudonyms, made (in its settings) on the first report; the
    caller commits it."""
    stored = programme.settings.get(PSEUDONYM_SETTING)
    if isinstance(stored, str) and stored:
        return bytes.fromhex(stored)
    key = secrets.token_bytes(32)
    # A new dict: JSON columns do not notice changes inside one.
    programme.settings = {**programme.settings, PSEUDONYM_SETTING: key.hex()}
    return key


async def build(
    uow: UnitOfWork,
    coordinator: User | None,
    period: Period,
    tz: tzinfo,
    now: datetime,
    *,
    on_pair_lines: Callable[[list[PairLine]], object] | None = None,
) -> Report:
    """Every figure of the report for the coordinator's own programme and `period`.

    The pair lines come first: `on_pair_lines` gets them before the other figures are
    counted (a caller can write them out meanwhile). Read-only, except the programme's
    pseudonym key on the first report: commit after."""
    coordinator = require_coordinator(coordinator)
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None  # a person always belongs to a programme (foreign key)
    key = pseudonym_key(programme)
    pid, reports = programme.id, uow.reports
    start, end = period.bounds(tz)
    month_starts = period.month_starts(tz)
    limits = [hours * 60 for hours in MILESTONES]  # in confirmed minutes
    pair_lines = await _pair_lines(reports.pair_lines(pid, start, end, SLICE), key, tz)
    if on_pair_lines is not None:
        on_pair_lines(pair_lines)

    joined = await reports.recruits(pid, start, end, month_starts)
    hours = await reports.hours(pid, start, end, month_starts)
    months = _months(
        period, joined, await reports.matches_by_month(pid, start, end, month_starts), hours
    )
    matched, days = await reports.days_to_first_match(pid, start, end, (50, 90))
    matching = Matching(
        waiting_now=await reports.waiting_now(pid),
        matched=matched,
        median_days=percentile(matched, days, 50),
        p90_days=percentile(matched, days, 90),
    )
    statuses = dict(await reports.pair_statuses(pid, start, end))
    pairs = PairFigures(
        active=statuses.get(PairStatus.ACTIVE.value, 0),
        paused=statuses.get(PairStatus.PAUSED.value, 0),
        ended=statuses.get(PairStatus.ENDED.value, 0),
        completed=statuses.get(PairStatus.COMPLETED.value, 0),
        started=sum(month.matches for month in months),
    )
    stages = dict(await reports.dropouts(pid, start, end, limits))
    dropouts = Dropouts(*(stages.get(stage, 0) for stage in range(len(MILESTONES) + 2)))
    places = await reports.pairs_by_place(pid, start, end, limits)
    milestones = Milestones(
        sum(place.pairs for place in places),
        *(sum(place.reached[at] for place in places) for at in range(len(MILESTONES))),
    )
    due = dict(await reports.meetups_due(pid, start, end))
    no_shows = NoShows(took_place=due.get("done", 0), missed=due.get("missed", 0))
    changes = _changes(await reports.before_after(pid, start, end, QUESTIONS))
    evaluation = _evaluation(await reports.end_evaluation(pid, start, end))
    outflow = _outflow(await reports.outflow(pid, start, end))
    people = await reports.people_by_place(pid, start, end)
    by_language = _groups(people, places, lambda language, place: language)
    by_municipality = _groups(people, places, lambda language, place: place)
    return Report(
        programme=programme.name,
        period=period,
        made_at=now,
        recruits=_recruits(joined),
        months=months,
        matching=matching,
        pairs=pairs,
        dropouts=dropouts,
        milestones=milestones,
        kinds=_kinds(hours),
        no_shows=no_shows,
        changes=changes,
        evaluation=evaluation,
        outflow=outflow,
        by_language=by_language,
        by_municipality=by_municipality,
        pair_lines=pair_lines,
        channels=_channels(await reports.channel_funnel(pid, start, end)),
        feedback=_feedback(await uow.feedback.distribution(pid, start, end)),
        volunteering=await volunteering(uow, pid, start, end),
    )


def _channels(rows: list[tuple[str | None, int, int, int]]) -> list[ChannelFunnel]:
    """Most recruits first, then by channel."""
    funnels = [ChannelFunnel(*row) for row in rows]
    return sorted(funnels, key=lambda f: (-f.recruits, f.channel or "~"))


def _feedback(rows: list[AnswerCount]) -> list[FeedbackFigures]:
    """Meetups, then events, each with its answers by face (every face, 0 when none)."""
    figures = []
    for subject in FEEDBACK_SUBJECTS:
        found = [row for row in rows if row.subject == subject]
        figures.append(
            FeedbackFigures(
                subject=subject,
                answers={
                    face: sum(row.questions for row in found if row.answer == face)
                    for face in FEEDBACK_ANSWERS
                },
                unanswered=sum(row.questions for row in found if row.answer is None),
                comments=sum(row.comments for row in found),
            )
        )
    return figures


def _recruits(joined: list[tuple[int, str | None, str | None, int]]) -> list[Recruits]:
    """By channel and role, from the rows by month, channel and role."""
    people: Counter[tuple[str | None, str | None]] = Counter()
    for _month, channel, role, count in joined:
        people[(channel, role)] += count
    return [
        Recruits(channel, role, count)
        for (channel, role), count in sorted(
            people.items(), key=lambda item: (item[0][0] or "", item[0][1] or "")
        )
    ]


def _kinds(hours: list[tuple[int, str, int, int]]) -> list[KindHours]:
    """By activity kind, most hours first, from the rows by month and kind."""
    minutes: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    for _month, kind, done, count in hours:
        minutes[kind] += done
        entries[kind] += count
    return sorted(
        (KindHours(kind, minutes[kind], entries[kind]) for kind in minutes),
        key=lambda row: (-row.minutes, row.kind),
    )


def _months(
    period: Period,
    joined: list[tuple[int, str | None, str | None, int]],
    matches: list[tuple[int, int]],
    hours: list[tuple[int, str, int, int]],
) -> list[Month]:
    firsts = period.months()
    counts: list[Counter[str]] = [Counter() for _ in firsts]
    for index, _channel, role, people in joined:
        counts[index][role or ""] += people
    for index, count in matches:
        counts[index]["matches"] += count
    for index, _kind, done, _entries in hours:
        counts[index]["minutes"] += done
    return [
        Month(
            first_day=first,
            newcomers=c[Role.NEWCOMER.value],
            buddies=c[Role.BUDDY.value],
            undecided=c[""],
            matches=c["matches"],
            minutes=c["minutes"],
        )
        for first, c in zip(firsts, counts, strict=True)
    ]


def _mean(value: float | None, n: int) -> float | None:
    return value if n >= MIN_CELL else None


def _changes(found: dict[str, dict[str, Answered]]) -> list[Change]:
    """Each role's own questions, in the order they are asked."""
    changes = []
    for role in ROLES:
        for question in CORE[role] if role in found else ():
            answered = found[role][question]
            changes.append(
                Change(
                    role=role,
                    question=question,
                    n=answered.n,
                    before=_mean(answered.before, answered.n),
                    after=_mean(answered.after, answered.n),
                    skipped=answered.skipped,
                )
            )
    return changes


def _evaluation(row: tuple[int, float | None, int, int, int, int]) -> Evaluation:
    ratings, mean, skipped, answers, yes, recommend_skipped = row
    return Evaluation(ratings, _mean(mean, ratings), skipped, answers, yes, recommend_skipped)


def _outflow(rows: list[FollowUps]) -> list[Outflow]:
    """One Outflow per moment and role, from the rows per answer to "doing now"."""
    found: dict[tuple[str, str], Outflow] = {}
    for row in rows:
        was = found.get((row.moment, row.role)) or Outflow(row.moment, row.role, 0)
        doing, skipped = dict(was.doing), was.doing_skipped
        if row.doing in DOING_NOW:
            doing[row.doing] = row.asked
        elif row.doing is not None:  # skipped (or an answer this report does not know)
            skipped += row.asked
        found[(row.moment, row.role)] = Outflow(
            moment=row.moment,
            role=row.role,
            asked=was.asked + row.asked,
            doing=doing,
            doing_skipped=skipped,
            contact_yes=was.contact_yes + row.contact_yes,
            contact_no=was.contact_no + row.contact_no,
            contact_skipped=was.contact_skipped + row.contact_skipped,
        )
    return [
        found[(moment, role)] for moment in FOLLOW_UPS for role in ROLES if (moment, role) in found
    ]


def _groups(
    people: list[tuple[str, str | None, int, int]],
    places: list[PlaceRow],
    group_of: Callable[[str | None, str | None], str | None],
) -> list[GroupRow]:
    """One row per group (a contact language, or a municipality) with anything to show,
    most recruits first; counts of 1 to 4 people hidden."""
    totals: dict[str | None, Counter[str]] = {}
    for language, place, joined, waiting in people:
        found = totals.setdefault(group_of(language, place), Counter())
        found["recruits"] += joined
        found["waiting"] += waiting
    for row in places:
        found = totals.setdefault(group_of(row.language, row.municipality), Counter())
        found["matched"] += row.started
        found["pairs"] += row.pairs
        found["at_goal"] += row.reached[MILESTONES.index(GOAL_HOURS)]
        found["minutes"] += row.minutes
        found["with_hours"] += row.with_hours
    rows = [
        GroupRow(
            group=group,
            recruits=shown(c["recruits"]),
            waiting=shown(c["waiting"]),
            matched=shown(c["matched"]),
            pairs=shown(c["pairs"]),
            at_goal=shown(c["at_goal"]),
            hours=None if shown(c["with_hours"]) is None else c["minutes"] / 60,
        )
        for group, c in totals.items()
        if c["recruits"] or c["waiting"] or c["pairs"]
    ]
    return sorted(rows, key=lambda row: (-(row.recruits or 0), -(row.pairs or 0), row.group or "~"))


async def _pair_lines(
    slices: AsyncIterator[list[PairRow]], key: bytes, tz: tzinfo
) -> list[PairLine]:
    lines = []
    async for rows in slices:
        lines += [
            PairLine(
                pseudonym=pseudonym(key, row.pair_id),
                status=row.status,
                started=row.started_at.astimezone(tz).date(),
                ended=row.ended_at.astimezone(tz).date() if row.ended_at else None,
                end_reason=row.end_reason,
                target_hours=row.target_hours,
                minutes_total=row.minutes_total,
                minutes_in_period=row.minutes_in_period,
            )
            for row in rows
        ]
        await asyncio.sleep(0)  # let other updates run between slices
    return lines
