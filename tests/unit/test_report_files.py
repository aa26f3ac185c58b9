"""The report's jobs and files without the bot: one report per chat at a time, tables that
come in parts, and the child process that writes the spreadsheet."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import date

from openpyxl import load_workbook

from domain.spreadsheet import SpreadsheetProcess, Table, files_of
from handlers.report import ReportJobs

ORDER = [("first", "First table"), ("pairs", "A title far longer than Excel's 31 characters")]
CUT = ORDER[1][1][:31]  # a sheet's name: 31 characters at most
Rows = list[tuple[object, ...]]


def table(slug: str, rows: list[tuple[object, ...]]) -> Table:
    return Table(slug, dict(ORDER)[slug], ["Name", "Day", "Hours"], rows)


def read(
    spreadsheet: bytes, archive: bytes
) -> tuple[dict[str, list[tuple[object, ...]]], dict[str, str]]:
    book = load_workbook(io.BytesIO(spreadsheet), read_only=True)
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        texts = {name: files.read(name).decode("utf-8-sig") for name in files.namelist()}
    return sheets, texts


async def test_one_report_per_chat_and_the_same_update_is_not_a_second_one() -> None:
    jobs = ReportJobs(at_once=1)
    release = asyncio.Event()
    ran: list[str] = []

    def job(name: str):  # type: ignore[no-untyped-def]
        async def run() -> None:
            ran.append(name)
            await release.wait()

        return run

    jobs.start(1, update_id=10, job=job("first"))
    assert jobs.busy(1, update_id=11) and not jobs.busy(1, update_id=10)
    assert not jobs.busy(2, update_id=11)
    jobs.start(1, update_id=10, job=job("again"))  # the same update handled again
    jobs.start(2, update_id=12, job=job("other chat"))  # waits for a free slot
    await asyncio.sleep(0.01)
    assert ran == ["first"]
    release.set()
    await asyncio.sleep(0.01)
    assert ran == ["first", "other chat"]
    assert not jobs.busy(1, update_id=11)
    await jobs.stop()


def test_tables_in_parts_make_one_sheet_and_one_csv_file() -> None:
    spreadsheet, archive = files_of(
        ORDER,
        [
            table("pairs", [("P-AAAA", date(2026, 1, 2), 1.5)]),
            table("first", [("x", None, 0)]),
            table("pairs", [("P-BBBB", date(2026, 2, 3), 2)]),
        ],
    )
    sheets, texts = read(spreadsheet, archive)
    assert list(sheets) == ["First table", CUT]
    pairs = sheets[CUT]
    assert pairs[0][0] == ORDER[1][1] and pairs[1] == ("Name", "Day", "Hours")
    assert [row[0] for row in pairs[2:]] == ["P-AAAA", "P-BBBB"]
    assert sorted(texts) == ["01-first.csv", "02-pairs.csv"]
    assert texts["02-pairs.csv"].splitlines() == [
        "Name,Day,Hours",
        "P-AAAA,2026-01-02,1.5",
        "P-BBBB,2026-02-03,2",
    ]


async def test_the_child_process_writes_the_same_files() -> None:
    rows = [(f"P-{n:05d}", date(2026, 1, 1), n) for n in range(2500)]  # three parts
    writer = await SpreadsheetProcess.start(ORDER)
    try:
        await writer.add(table("pairs", rows))
        await writer.add(table("first", []))
        from_child = await writer.finish()
    finally:
        await writer.close()
    sheets, texts = read(*from_child)
    assert len(sheets[CUT]) == 2 + 2500
    assert texts["01-first.csv"].splitlines() == ["Name,Day,Hours"]
    assert texts == read(*files_of(ORDER, [table("pairs", rows), table("first", [])]))[1]
