"""The funder report's figures: a programme with known answers (tests/report_programme.py)
gives exactly the figures worked out by hand below, each from an aggregate query."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from domain import reports
from domain.errors import DomainError
from domain.reports import (
    Change,
    Dropouts,
    GroupRow,
    Matching,
    Milestones,
    Month,
    NoShows,
    Outflow,
    PairFigures,
    Period,
    PeriodKind,
    Recruits,
    Report,
)
from storage.db import SessionFactory
from storage.models import Programme
from tests.domain.conftest import World
from tests.report_programme import PAIRS, PERIOD, Seeded, seed

TZ = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def seeded(sessions: SessionFactory) -> Seeded:
    async with sessions() as session:
        return await seed(session)


async def build(world: World, coordinator_id: int, period: Period = PERIOD) -> Report:
    async with world.uow() as uow:
        coordinator = await world.member(uow, coordinator_id)
        report = await reports.build(uow, coordinator, period, TZ, NOW)
        await uow.commit()
        return report


async def test_people_and_the_waiting_list(world: World, seeded: Seeded) -> None:
    coordinator = await world.coordinator()
    report = await build(world, coordinator.id)
    # N1, N2, N3 and N7 (00:30 on 1 January in Brussels) by "bon", N4 by a flyer, N5
    # without a link; B1 and B2; U1 without a role yet. N6 joined at 00:30 on 1 March.
    assert report.recruits == [
        Recruits(None, "buddy", 1),
        Recruits(None, "newcomer", 1),
        Recruits("bon", None, 1),
        Recruits("bon", "buddy", 1),
        Recruits("bon", "newcomer", 4),
        Recruits("flyer", "newcomer", 1),
    ]
    assert report.recruited == 9
    # First pairs in the period: 4 (P2), 10 (P1), 20 (P3) and 50 (P4) days after joining
    # the waiting list; N0's rematch (P5) is not a first match.
    assert report.matching == Matching(
        waiting_now=3,  # N4, N5, N6
        matched=4,
        median_days=pytest.approx(15.0),  # halfway between 10 and 20
        p90_days=pytest.approx(41.0),  # 20 + 0.7 * (50 - 20)
    )


async def test_pairs_their_hours_and_no_shows(world: World, seeded: Seeded) -> None:
    coordinator = await world.coordinator()
    report = await build(world, coordinator.id)
    # P0 (ended in January), P1-P5, P7 (ended in February); P6 was over before.
    assert report.pairs == PairFigures(active=3, paused=1, ended=2, completed=1, started=5)
    # P7 ended before any confirmed hour; P0 with 6 (300 + 60, the pending 120 not).
    assert report.dropouts == Dropouts(before_any=1, under_10=1)
    # Confirmed by the period's end: P0 6 h, P1 12 h (not the hour of 1 March), P2 41 h,
    # P3 1.5 h, P4 20 h, P5 and P7 none.
    assert report.milestones == Milestones(pairs=7, at_10=3, at_20=2, at_40=1)
    assert report.milestones.share(report.milestones.at_40) == pytest.approx(1 / 7)
    # Confirmed hours done in the period, by kind (most first) and month.
    assert [(k.kind, k.minutes, k.entries) for k in report.kinds] == [
        ("culture", 1800, 2),
        ("dutch_practice", 1260, 1),
        ("volunteering", 1200, 1),
        ("sport", 270, 3),  # P0's hour at 00:30 on 1 January, P1's two hours, P3's 90 min
    ]
    assert report.hours == 75.5
    assert report.months == [
        Month(date(2026, 1, 1), newcomers=3, buddies=1, undecided=1, matches=2, minutes=1380),
        Month(date(2026, 2, 1), newcomers=3, buddies=1, undecided=0, matches=3, minutes=3150),
    ]
    assert report.no_shows == NoShows(took_place=2, missed=2)


async def test_check_ins_before_and_after_the_same_people(world: World, seeded: Seeded) -> None:
    coordinator = await world.coordinator()
    report = await build(world, coordinator.id)
    # Newcomers C1-C6 (C1's later end check-in counts; C7 has no "before", C8's end was
    # before the period). Fewer than 5 people answering both times: no mean shown.
    assert report.changes == [
        Change("newcomer", "dutch_confidence", 5, pytest.approx(2.4), pytest.approx(3.6), 1),
        Change("newcomer", "knows_where", 5, pytest.approx(1.8), pytest.approx(3.2), 1),
        Change("newcomer", "people_to_ask", 4, None, None, 1),
        Change("buddy", "learnt_cultures", 2, None, None, 0),
        Change("buddy", "feels_connected", 2, None, None, 0),
        Change("buddy", "worth_time", 2, None, None, 0),
    ]
    assert report.changes[0].change == pytest.approx(1.2)
    assert report.changes[1].change == pytest.approx(1.4)
    assert report.changes[2].change is None
    evaluation = report.evaluation
    # Ratings 3, 5, 4, 4, 5, 2, 4 (C4 skipped); would recommend 5 of 7 (C5 skipped).
    assert (evaluation.ratings, evaluation.ratings_skipped) == (7, 1)
    assert evaluation.mean_rating == pytest.approx(27 / 7)
    assert (evaluation.recommend_answers, evaluation.recommend_yes) == (7, 5)
    assert evaluation.recommend_skipped == 1
    assert evaluation.recommend_share == pytest.approx(5 / 7)
    # F1-F7 three months on (F8's was before the period), G1 six months on.
    three, six = report.outflow
    assert three == Outflow(
        "month_3",
        "newcomer",
        asked=7,
        doing={"work": 1, "club_leisure": 1, "nothing_yet": 1, "course": 1, "volunteering": 1},
        doing_skipped=1,
        contact_yes=4,
        contact_no=1,
        contact_skipped=1,
    )
    assert (three.answered, three.active, three.contact_share) == (5, 4, pytest.approx(0.8))
    assert six == Outflow("month_6", "buddy", asked=1, doing={"other": 1}, contact_no=1)
    assert six.contact_share is None  # one answer: not shown


async def test_by_language_and_municipality_small_cells_are_hidden(
    world: World, seeded: Seeded
) -> None:
    coordinator = await world.coordinator()
    report = await build(world, coordinator.id)
    # None: 1 to 4 people (shown "<5"). Pairs by their newcomer's language and place.
    assert report.by_language == [
        GroupRow("ar", None, 0, 5, 6, None, 75.5),  # recruits N1 N2 N3 N7; P0-P5
        GroupRow("fr", None, 0, 0, 0, 0, 0.0),  # U1
        GroupRow("nl", None, 0, 0, 0, 0, 0.0),  # B1, B2
        GroupRow("ti", 0, 0, 0, None, 0, 0.0),  # P7 (N9)
        GroupRow("uk", None, None, 0, 0, 0, 0.0),  # N4, N5; waiting N4 N5 N6
    ]
    assert report.by_municipality == [
        GroupRow("21004", 5, 0, None, None, None, None),  # N1 N2 N3 N7 B1; P1-P4 (4 pairs)
        GroupRow("21001", 0, 0, None, None, 0, None),  # P0 and P5 (N0)
        GroupRow("21015", None, None, 0, 0, 0, 0.0),  # N4 N5; waiting N4 N5 N6
        GroupRow("other", 0, 0, 0, None, 0, 0.0),  # P7
        GroupRow(None, None, 0, 0, 0, 0, 0.0),  # B2, U1
    ]


async def test_pair_lines_are_pseudonymised_and_stable(world: World, seeded: Seeded) -> None:
    coordinator = await world.coordinator()
    first = await build(world, coordinator.id)
    again = await build(world, coordinator.id)
    lines = {line.pseudonym: line for line in first.pair_lines}
    assert len(lines) == 7  # P0-P5 and P7, each its own pseudonym
    assert [line.pseudonym for line in again.pair_lines] == list(lines)
    totals = sorted((line.minutes_total, line.minutes_in_period) for line in lines.values())
    assert totals == [(0, 0), (0, 0), (90, 90), (360, 60), (720, 720), (1200, 1200), (2460, 2460)]
    for pseudonym in lines:  # ten characters of base32: capitals and 2-7, never a name
        assert re.fullmatch(r"P-[A-Z2-7]{10}", pseudonym), pseudonym
    # The key is the programme's own, kept in its settings: another key, other pseudonyms.
    async with world.uow() as uow:
        programme = await uow.programmes.get(seeded.programme_id)
        assert programme is not None
        key = bytes.fromhex(programme.settings[reports.PSEUDONYM_SETTING])
    assert {reports.pseudonym(key, seeded.pairs[p]) for p in PAIRS if p != "P6"} == set(lines)
    assert reports.pseudonym(b"another key", seeded.pairs["P1"]) not in lines


async def test_each_figure_is_an_aggregate_and_no_query_reads_who_people_are(
    world: World, sessions: SessionFactory
) -> None:
    coordinator = await world.coordinator()
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    async def statements_of_build() -> tuple[Report, list[str]]:
        async with world.uow() as uow:
            member = await world.member(uow, coordinator.id)
            statements.clear()
            report = await reports.build(uow, member, PERIOD, TZ, NOW)
            await uow.commit()
        return report, list(statements)

    engine = sessions.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await statements_of_build()  # the first report makes the programme's key
        empty, on_empty = await statements_of_build()
        async with sessions() as session:
            await seed(session)
        full, on_full = await statements_of_build()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert empty.recruited == 0 and full.recruited == 9
    # The same statements whatever the programme's size: no query per person or pair.
    assert on_full == on_empty
    ledger = [s for s in on_full if "hour_entry" in s or "check_in" in s]
    assert ledger and all("GROUP BY" in s or "count(" in s for s in ledger)
    for statement in on_full:
        lowered = statement.lower()
        assert "first_name" not in lowered and "telegram_id" not in lowered, statement
        assert "username" not in lowered, statement


async def test_another_programmes_coordinator_sees_only_their_programme(
    world: World, seeded: Seeded
) -> None:
    async with world.uow() as uow:
        other = await uow.programmes.by_slug("elsewhere")
        assert isinstance(other, Programme)
        other_id = other.id
    coordinator = await world.coordinator("Ana", programme_id=other_id)
    report = await build(world, coordinator.id)
    assert report.recruited == 2
    assert report.hours == 10
    assert report.pairs == PairFigures(ended=1, started=1)
    assert report.dropouts == Dropouts(from_10_to_20=1)  # 10 hours when it ended
    assert [o.asked for o in report.outflow] == [1]


async def test_only_coordinators_make_reports(world: World, seeded: Seeded) -> None:
    newcomer = seeded.people["N1"]
    with pytest.raises(DomainError) as refused:
        await build(world, newcomer)
    assert refused.value.key == "coordinators_only"


# --- periods --------------------------------------------------------------------------


def test_the_preset_periods() -> None:
    today = date(2026, 3, 2)
    assert reports.preset(PeriodKind.MONTH, today) == Period(
        date(2026, 3, 1), today, PeriodKind.MONTH
    )
    assert reports.preset(PeriodKind.QUARTER, today) == Period(
        date(2025, 10, 1), date(2025, 12, 31), PeriodKind.QUARTER
    )
    assert reports.preset(PeriodKind.QUARTER, date(2026, 5, 15)) == Period(
        date(2026, 1, 1), date(2026, 3, 31), PeriodKind.QUARTER
    )
    assert reports.preset(PeriodKind.YEAR, today) == Period(
        date(2026, 1, 1), today, PeriodKind.YEAR
    )


def test_a_period_is_whole_days_in_the_programmes_time_zone() -> None:
    assert PERIOD.bounds(TZ) == (
        datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
    )
    summer = Period(date(2026, 6, 1), date(2026, 7, 31))
    assert summer.month_starts(TZ) == [datetime(2026, 6, 30, 22, 0, tzinfo=UTC)]
    assert summer.months() == [date(2026, 6, 1), date(2026, 7, 1)]
    assert Period(date(2025, 11, 15), date(2026, 1, 2)).months() == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("31/01/2026", "report_date_format"),
        ("yesterday", "report_date_format"),
        ("", "report_date_format"),
        ("2026-02-30", "report_no_such_day"),
        ("2026-13-01", "report_no_such_day"),
    ],
)
def test_a_day_that_cannot_be_read_is_refused_with_its_reason(text: str, key: str) -> None:
    with pytest.raises(DomainError) as refused:
        reports.parse_day(text)
    assert refused.value.key == key


def test_custom_periods_are_checked() -> None:
    today = date(2026, 3, 2)
    assert reports.parse_day(" 2026-01-31 ") == date(2026, 1, 31)
    assert reports.custom(date(2026, 1, 1), date(2026, 1, 1), today).days == 1
    cases = [
        ((date(2026, 2, 1), date(2026, 1, 1)), "report_date_order"),
        ((date(2026, 1, 1), date(2026, 3, 3)), "report_date_future"),
        ((date(2026, 3, 3), date(2026, 3, 4)), "report_date_future"),
        ((date(2020, 1, 1), date(2026, 1, 1)), "report_period_too_long"),
        ((date(1999, 12, 31), date(2000, 1, 2)), "report_date_too_early"),
    ]
    for (first, last), key in cases:
        with pytest.raises(DomainError) as refused:
            reports.custom(first, last, today)
        assert refused.value.key == key, (first, last)
    assert reports.day_from_code(reports.day_code(date(2026, 1, 31))) == date(2026, 1, 31)
    with pytest.raises(DomainError):
        reports.day_from_code(20261399)


def test_percentiles_interpolate_between_ranks() -> None:
    values = {0: 4.0, 1: 10.0, 2: 20.0, 3: 50.0}
    assert reports.percentile(4, values, 50) == 15.0
    assert reports.percentile(4, values, 90) == pytest.approx(41.0)
    assert reports.percentile(1, {0: 7.0}, 90) == 7.0
    assert reports.percentile(0, {}, 50) is None
