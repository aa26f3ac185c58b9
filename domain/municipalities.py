"""The 19 municipalities of the Brussels-Capital Region.

Loaded once, lazily, from ``domain/data/brussels-municipalities.json`` (see
``domain/data/README.md`` for where the data comes from). Municipalities are
identified by their NIS code (``"21004"`` is Brussel / Bruxelles); a person who
lives outside the region has the code ``OTHER`` ("elsewhere"), which is not a
municipality and never anybody's neighbour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

OTHER = "other"
"""The code for "elsewhere": outside the 19 municipalities (or not said)."""

_DATA_FILE = "brussels-municipalities.json"


@dataclass(frozen=True)
class Municipality:
    """One Brussels municipality, with both official names."""

    nis: str
    nl: str
    fr: str
    lat: float
    lon: float
    neighbours: frozenset[str]
    """NIS codes of the municipalities that share a border with this one."""


@cache
def _load() -> tuple[Municipality, ...]:
    # importlib.resources rather than a path next to __file__ so that this also
    # works from a wheel or a zipped install.
    text = resources.files("domain").joinpath("data").joinpath(_DATA_FILE).read_text("utf-8")
    raw: list[dict[str, Any]] = json.loads(text)
    # The data file names neighbours by their Dutch name (readable for people
    # who check it against a map); internally everything is keyed by NIS code.
    nis_by_dutch_name = {str(item["nl"]): str(item["nis"]) for item in raw}
    municipalities = []
    for item in raw:
        municipalities.append(
            Municipality(
                nis=str(item["nis"]),
                nl=str(item["nl"]),
                fr=str(item["fr"]),
                lat=float(item["lat"]),
                lon=float(item["lon"]),
                neighbours=frozenset(nis_by_dutch_name[str(dutch)] for dutch in item["neighbours"]),
            )
        )
    return tuple(sorted(municipalities, key=lambda m: m.nl))


@cache
def _by_nis() -> dict[str, Municipality]:
    return {m.nis: m for m in _load()}


def all_municipalities() -> tuple[Municipality, ...]:
    """All 19 municipalities, sorted by Dutch name (the order of the picker)."""
    return _load()


def by_nis(code: str | None) -> Municipality | None:
    """The municipality with this NIS code, or None (also for ``OTHER``)."""
    if code is None:
        return None
    return _by_nis().get(code)


def name(nis: str, locale: str) -> str:
    """The municipality's name for a reader in ``locale``.

    Dutch readers get the Dutch name, French readers the French one. Everyone
    else sees both ("Elsene / Ixelles") when they differ, because newcomers meet
    both on street signs and letters. ``OTHER`` and unknown codes are returned
    unchanged: the caller translates "elsewhere" itself.
    """
    municipality = by_nis(nis)
    if municipality is None:
        return nis
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    if language == "nl":
        return municipality.nl
    if language == "fr":
        return municipality.fr
    if municipality.nl == municipality.fr:
        return municipality.nl
    return f"{municipality.nl} / {municipality.fr}"


def are_neighbours(a: str | None, b: str | None) -> bool:
    """Whether the municipalities with NIS codes ``a`` and ``b`` share a border.

    A municipality is not its own neighbour; ``OTHER``, None and unknown codes
    are nobody's neighbour.
    """
    municipality = by_nis(a)
    return municipality is not None and b is not None and b in municipality.neighbours
