"""Shared helpers for the benchmark scripts: timing statistics and the summary line.

Every benchmark ends with one machine-readable line, `bench NAME: key=value ...`, with
plain numbers; `bench/all.py` collects these lines with `SUMMARY`.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence

SUMMARY = re.compile(r"^bench [\w.-]+: ")


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
