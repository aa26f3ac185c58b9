"""Shared helpers for the benchmark scripts: timing statistics and the summary line.

Every benchmark ends with one machine-readable line, `bench NAME: key=value ...`, with
plain numbers; `bench/all.py` collects these lines with `SUMMARY`.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

SUMMARY = re.compile(r"^bench [\w.-]+: ")
PROBE_SECONDS = 0.010  # how often the loop-lag probe wakes


def median(values: Sequence[float]) -> float:
    """The median of `values` (which must not be empty)."""
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` percentile (0..1) with linear interpolation between closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def plain(value: float | int | str) -> str:
    """A number as a plain token: no thousands separators, no exponent, trimmed zeros."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return "0" if value == 0 else str(value)
        # At least three decimals and four significant digits, never an exponent.
        decimals = max(3, 3 - math.floor(math.log10(abs(value))))
        return f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return value


def summary_line(name: str, values: Mapping[str, float | int | str]) -> str:
    """`bench NAME: key=value ...`, the last line every benchmark prints."""
    return f"bench {name}: " + " ".join(f"{key}={plain(value)}" for key, value in values.items())


class LagProbe:
    """A task that sleeps PROBE_SECONDS again and again; how late it wakes is how long
    something else held the event loop."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.wakes = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(PROBE_SECONDS)
            self.worst = max(self.worst, loop.time() - before - PROBE_SECONDS)
            self.wakes += 1

    def __enter__(self) -> LagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def worst_ms(self) -> float:
        return self.worst * 1000


async def bulk_insert(
    engine: AsyncEngine, table: str, columns: Sequence[str], chunks: Iterable[list[tuple[Any, ...]]]
) -> None:
    """Rows already encoded for the driver, fast: executemany per chunk on SQLite, COPY on
    PostgreSQL (whose id sequence is then moved past explicit ids)."""
    if engine.dialect.name == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        async with engine.connect() as connection:
            for chunk in chunks:
                await connection.exec_driver_sql(statement, chunk)
            await connection.commit()
        return
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        for chunk in chunks:
            await driver.copy_records_to_table(table, records=chunk, columns=list(columns))
        if "id" in columns:
            await driver.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
