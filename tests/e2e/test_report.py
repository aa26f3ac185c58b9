"""The funder report end to end: the coordinator chooses a period (by button or typed
days), sees the progress edited in place, gets a short summary, the chart, the spreadsheet
and the CSV files; what the files hold matches the database and never names anyone."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib.text
from openpyxl import load_workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from domain import reports
from domain.reports import PeriodKind
from emulator import BotMessage, Emulator, SimulatedUser
from handlers import report_files
from handlers.report_buttons import ReportAction, ReportCb
from storage.db import create_engine, create_session_factory
from storage.models import AuditLog, HourEntry, Pair, User
from storage.uow import UnitOfWork
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, onboard, scalar, tap
from tests.report_programme import PERIOD, Seeded, seed

TZ = ZoneInfo("Europe/Brussels")
OPEN = ReportCb(action=ReportAction.OPEN).pack()
CUSTOM = ReportCb(action=ReportAction.CUSTOM).pack()
THIS_YEAR = ReportCb(action=ReportAction.PRESET, kind=PeriodKind.YEAR).pack()
WAIT = 60.0  # a report takes seconds: a child process writes the files


async def seeded(database_url: str) -> Seeded:
    engine = create_engine(database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            return await seed(session)
    finally:
        await engine.dispose()


async def coordinator(emulator: Emulator) -> SimulatedUser:
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: OPEN in buttons_data(m))
    return coord


def is_file(message: BotMessage, ending: str) -> bool:
    return message.document is not None and message.document.filename.endswith(ending)


async def report_messages(coord: SimulatedUser) -> dict[str, Any]:
    """Wait for the whole report (the CSV files come last), then sort what came."""
    await coord.wait_for(lambda m: is_file(m, ".csv.zip"), timeout=WAIT)
    progress = await coord.wait_for(
        lambda m: (m.text or "").startswith("✅"), timeout=10, include_earlier=True
    )
    after = [m for m in coord.messages if m.message_id > progress.message_id]
    return {
        "progress": progress,
        "texts": [m.text or "" for m in after if m.kind == "text"],
        "chart": next(m for m in after if m.kind == "photo"),
        "xlsx": next(m for m in after if is_file(m, ".xlsx")),
        "zip": next(m for m in after if is_file(m, ".csv.zip")),
    }


def sheets(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows, by title, without its two heading rows."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True))[2:] for sheet in book}


def csv_files(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }


async def database_totals(database_url: str, programme_id: int) -> dict[str, float]:
    """The same totals, counted straight from the tables (not through the report's code)."""
    start, end = PERIOD.bounds(TZ)
    in_period = and_(
        Pair.programme_id == programme_id,
        Pair.started_at < end,
        or_(Pair.ended_at.is_(None), Pair.ended_at >= start),
    )
    confirmed = and_(HourEntry.programme_id == programme_id, HourEntry.status == "confirmed")
    return {
        "recruits": await scalar(
            database_url,
            select(func.count()).where(
                User.programme_id == programme_id,
                User.created_at >= start,
                User.created_at < end,
                or_(User.role.is_(None), User.role.in_(["newcomer", "buddy"])),
            ),
        ),
        "hours": await scalar(
            database_url,
            select(func.sum(HourEntry.minutes)).where(
                confirmed, HourEntry.started_at >= start, HourEntry.started_at < end
            ),
        )
        / 60,
        "pairs": await scalar(
            database_url, select(func.count()).select_from(Pair).where(in_period)
        ),
        "pair_hours": await scalar(
            database_url,
            select(func.sum(HourEntry.minutes))
            .join(Pair, Pair.id == HourEntry.pair_id)
            .where(confirmed, HourEntry.started_at < end, in_period),
        )
        / 60,
    }


def column_sum(rows: list[tuple[Any, ...]], column: int) -> float:
    return sum(float(row[column]) for row in rows if row[column] not in (None, "", "<5"))


async def chart_texts(running_bot: RunningBot, database_url: str) -> list[str]:
    """Every text the chart of the same report draws (title, labels, ticks, legend)."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            person = await uow.users.by_telegram_id(COORDINATOR_ID)
            report = await reports.build(uow, person, PERIOD, TZ, START)
    finally:
        await engine.dispose()
    assert running_bot.app is not None
    i18n = running_bot.app.i18n
    with i18n.context(), i18n.use_locale("en"):
        figure = report_files.chart(report, "en")
    figure.canvas.draw()
    return [text.get_text() for text in figure.findobj(matplotlib.text.Text)]


async def test_a_report_for_typed_days_matches_the_database_and_names_nobody(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    programme = await seeded(settings.database_url)
    coord = await coordinator(emulator)
    await tap(coord, OPEN)
    prompt = await tap(coord, CUSTOM)
    assert "YYYY-MM-DD" in (prompt.text or "")
    for wrong, answer in (
        ("01/01/2026", "cannot read that date"),
        ("2026-02-30", "no such day"),
        ("2027-01-01", "not come yet"),
    ):
        await coord.send(wrong)
        reply = await coord.wait_for(lambda m: bool(m.text))
        assert answer in (reply.text or ""), wrong
    await coord.send("2026-01-01")
    await coord.wait_for(lambda m: "Last day" in (m.text or ""))
    await coord.send("2025-12-01")
    reply = await coord.wait_for(lambda m: bool(m.text))
    assert "comes before the first day" in (reply.text or "")
    await coord.send("2026-02-28")
    got = await report_messages(coord)

    # The progress message was edited in place, into the last word.
    assert got["progress"].edited >= 2
    assert "Report ready" in (got["progress"].text or "")
    # A short summary: several messages, each under 60 words.
    texts = got["texts"]
    assert len(texts) == 4 and all(len(text.split()) < 60 for text in texts), texts
    summary = "\n".join(texts)
    assert "75.5" in summary  # confirmed hours
    assert "+1.2 (n = 5)" in summary  # confidence speaking Dutch, before and after
    assert "4 of 5" in summary  # three months on: in a club, volunteering, a course or work
    assert got["chart"].photo is not None and got["chart"].photo.startswith(b"\x89PNG")

    # The spreadsheet and the CSV files hold the same totals as the database.
    expected = await database_totals(settings.database_url, programme.programme_id)
    book = sheets(got["xlsx"].document.data)
    assert len(book) == len(report_files.TITLES)  # a sheet per table
    assert column_sum(book["Recruits by channel and role"], 2) == expected["recruits"] == 9
    assert column_sum(book["Confirmed hours by activity"], 1) == expected["hours"] == 75.5
    lines = book["Pairs (pseudonymised)"]
    assert len(lines) == expected["pairs"] == 7
    assert column_sum(lines, 6) == expected["pair_hours"] == 80.5
    assert {row[0] for row in lines} == {line.pseudonym for line in await pair_lines(settings)}
    months = book["Month by month"]
    assert column_sum(months, 5) == expected["hours"]
    assert "<5" in [cell for row in book["By contact language"] for cell in row]
    files = csv_files(got["zip"].document.data)
    assert len(files) == len(report_files.TITLES)
    activities = next(rows for name, rows in files.items() if name.endswith("activities.csv"))
    assert sum(float(row[1]) for row in activities[1:]) == expected["hours"]

    # Nobody is named: no first name, no Telegram id, in any file or in the chart.
    written = [
        *(str(cell) for rows in book.values() for row in rows for cell in row),
        *book,
        *(cell for rows in files.values() for row in rows for cell in row),
        *(await chart_texts(running_bot, settings.database_url)),
    ]
    everything = "\n".join(written)
    for name in programme.names:
        assert name not in everything, name
    for telegram_id in programme.telegram_ids:
        assert str(telegram_id) not in everything, telegram_id

    audited = await scalar(
        settings.database_url,
        select(AuditLog.details).where(AuditLog.action == "report.requested"),
    )
    assert audited == {"kind": "custom", "first": "2026-01-01", "last": "2026-02-28"}


async def pair_lines(settings: Any) -> list[reports.PairLine]:
    engine = create_engine(settings.database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            person = await uow.users.by_telegram_id(COORDINATOR_ID)
            return (await reports.build(uow, person, PERIOD, TZ, START)).pair_lines
    finally:
        await engine.dispose()


async def test_this_year_by_button_from_the_report_command(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("report")
    chooser = await coord.wait_for(lambda m: THIS_YEAR in buttons_data(m))
    assert "Which period?" in (chooser.text or "")
    await tap(coord, THIS_YEAR)
    got = await report_messages(coord)
    summary = sheets(got["xlsx"].document.data)["Summary"]
    days = {row[0]: row[1] for row in summary}
    first, last = days["First day"], days["Last day"]
    assert isinstance(first, datetime) and isinstance(last, datetime)
    assert (first.date().isoformat(), last.date().isoformat()) == ("2026-01-01", "2026-03-02")


async def test_non_coordinators_cannot_open_a_report(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    newcomer = emulator.user(7401, "Sam", "en")
    await onboard(newcomer, language="en", name="Sam")
    newcomer.mark_read()
    await newcomer.command("report")
    answer = await newcomer.wait_for(lambda m: "coordinators" in (m.text or "").lower())
    assert "only for coordinators" in (answer.text or "").lower()
    forged = [
        OPEN,
        THIS_YEAR,
        CUSTOM,
        ReportCb(action=ReportAction.LAST, first=20260101, last=20260228).pack(),
    ]
    for data in forged:
        newcomer.mark_read()
        await newcomer.press_data(data)
        refused = await newcomer.next_callback_answer()
        assert "coordinators" in (refused.text or "").lower(), data
    attempts = await scalar(
        settings.database_url,
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "refused.coordinator_only"),
    )
    assert attempts == 1 + len(forged)
    requested = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "report.requested"),
    )
    assert requested == 0
    assert not any(m.kind in ("document", "photo") for m in newcomer.messages)
