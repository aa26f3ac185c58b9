"""Tables as a spreadsheet (XLSX, one sheet per table) and CSV files (one per table, in a
ZIP), written in a process of their own.

openpyxl is pure Python here (without lxml): a 20,000-row sheet is more than a second of
Python's global lock. In a thread of the bot that stalled everything else: the thread
keeps releasing the lock for its temporary file and taking it straight back, so the event
loop waited for it up to 0.8 s, and the report's queries, which hand their results between
threads, ran at half speed. So the bot starts a small child (`python -m domain.spreadsheet`,
which imports openpyxl and nothing of the bot) for each set of files, sends it each table
as soon as it is ready (the largest first, while the other figures are still being
counted; a large table in parts), and gets both files back when it says "finish". Frames on
the pipes: an 8-byte length, then a pickle of plain values (only between the bot and its
own child).
"""

from __future__ import annotations

import asyncio
import csv
import io
import pickle
import re
import struct
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | float | date | None
FRAME = struct.Struct("!Q")
FINISH = b""  # the empty frame: no more tables
ANSWER_SECONDS = 120.0  # from "finish" to both files, at most
PART_ROWS = 1000
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Table:
    """One table: a sheet of the spreadsheet and a CSV file."""

    slug: str  # the CSV file's name, the same in every language
    title: str
    headers: list[str]
    rows: list[Sequence[Cell]]


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_UNSAFE.sub(" ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name.lower() in used:
        suffix = f" {number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Files:
    """The spreadsheet (write-only: rows stream to temporary files, memory stays flat) and
    the CSV files (UTF-8 with a BOM, so that spreadsheet programs read the accents), with
    a sheet and a file number for each of `order` (slug, title). Tables come in any order;
    a table may come in parts (the same slug again: more rows)."""

    def __init__(self, order: Sequence[tuple[str, str]]) -> None:
        self._workbook = Workbook(write_only=True)
        used: set[str] = set()
        self._order = [slug for slug, _title in order]
        self._sheets: dict[str, WriteOnlyWorksheet] = {
            slug: self._workbook.create_sheet(_sheet_name(title, used)) for slug, title in order
        }
        self._texts: dict[str, io.StringIO] = {}
        self._bold = Font(bold=True)

    def add(self, table: Table) -> None:
        sheet = self._sheets[table.slug]
        text = self._texts.get(table.slug)
        if text is None:  # the table's first part: its title and headings
            self._texts[table.slug] = text = io.StringIO()
            csv.writer(text).writerow(table.headers)
            self._start_sheet(sheet, table)
        for row in table.rows:
            sheet.append(list(row))
        csv.writer(text).writerows(
            [value.isoformat() if isinstance(value, date) else value for value in row]
            for row in table.rows
        )

    def _bold_cell(self, sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = self._bold
        return cell

    def _start_sheet(self, sheet: WriteOnlyWorksheet, table: Table) -> None:
        for column, header in enumerate(table.headers):
            width = min(60, max(12, len(header) + 2)) if column else 40
            sheet.column_dimensions[_column_letter(column)].width = width
        sheet.append([self._bold_cell(sheet, table.title)])
        sheet.append([self._bold_cell(sheet, header) for header in table.headers])

    def finish(self) -> tuple[bytes, bytes]:
        """The spreadsheet and the ZIP of CSV files (numbered in `order`)."""
        zip_buffer = io.BytesIO()
        with zipfile.ZipFile(zip_buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number, slug in enumerate(self._order, start=1):
                text = self._texts.get(slug)
                if text is not None:
                    archive.writestr(f"{number:02d}-{slug}.csv", "\ufeff" + text.getvalue())
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        return buffer.getvalue(), zip_buffer.getvalue()


def files_of(order: Sequence[tuple[str, str]], tables: Sequence[Table]) -> tuple[bytes, bytes]:
    """The spreadsheet and the ZIP of CSV files of these tables, in this process."""
    files = Files(order)
    for table in tables:
        files.add(table)
    return files.finish()


# --- the bot's side ---------------------------------------------------------------------


class SpreadsheetProcess:
    """One child process writing one set of files: `add()` each table, then `finish()`;
    `close()` in every case (it ends a child that is still there)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls, order: Sequence[tuple[str, str]]) -> SpreadsheetProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "domain.spreadsheet",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        child = cls(process)
        await child._send(pickle.dumps(list(order)))
        return child

    async def _send(self, payload: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(FRAME.pack(len(payload)) + payload)
        await stdin.drain()

    async def add(self, table: Table) -> None:
        """Send a table, a large one in parts of PART_ROWS rows: each is pickled in a few
        milliseconds, so the event loop is never held (a 20,000-row table at once held
        Python's lock for 50-80 ms, even in a worker thread)."""
        for first in range(0, max(1, len(table.rows)), PART_ROWS):
            part = replace(table, rows=table.rows[first : first + PART_ROWS])
            await self._send(pickle.dumps(part, pickle.HIGHEST_PROTOCOL))

    async def finish(self) -> tuple[bytes, bytes]:
        """Both files, once the child wrote them."""
        await self._send(FINISH)
        stdout = self._process.stdout
        assert stdout is not None
        async with asyncio.timeout(ANSWER_SECONDS):
            spreadsheet = await _read_frame(stdout)
            archive = await _read_frame(stdout)
            await self._process.wait()
        return spreadsheet, archive

    async def close(self) -> None:
        if self._process.returncode is None:
            self._process.kill()
            await self._process.wait()


async def _read_frame(stream: asyncio.StreamReader) -> bytes:
    (length,) = FRAME.unpack(await stream.readexactly(FRAME.size))
    return await stream.readexactly(length)


# --- the child's side -------------------------------------------------------------------


def _read(stream: BinaryIO) -> bytes:
    header = stream.read(FRAME.size)
    if len(header) < FRAME.size:
        raise EOFError("the bot went away")
    (length,) = FRAME.unpack(header)
    return stream.read(length)


def _write(stream: BinaryIO, payload: bytes) -> None:
    stream.write(FRAME.pack(len(payload)) + payload)
    stream.flush()


def main(source: BinaryIO, target: BinaryIO) -> None:
    """The child: the order of the tables, then tables until FINISH; both files back."""
    order: Any = pickle.loads(_read(source))
    files = Files(order)
    while (payload := _read(source)) != FINISH:
        files.add(pickle.loads(payload))
    spreadsheet, archive = files.finish()
    _write(target, spreadsheet)
    _write(target, archive)


if __name__ == "__main__":
    main(sys.stdin.buffer, sys.stdout.buffer)
