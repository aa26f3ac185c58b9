"""How a renderer of pushed messages is declared: `@notice(Notice.X)` on a function of
(params, locale) that returns the message. The mark changes nothing at import time;
`handlers.notices` collects the marked functions of the modules it lists, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from delivery.outbox import Rendered
from domain.notices import Notice

NoticeFunction = Callable[[dict[str, Any], str], Rendered | None]
_MARK = "__notice__"


def notice(kind: Notice) -> Callable[[NoticeFunction], NoticeFunction]:
    """Mark a function as the renderer of `kind`."""

    def mark(function: NoticeFunction) -> NoticeFunction:
        setattr(function, _MARK, Notice(kind))
        return function

    return mark


def collect(*modules: ModuleType) -> dict[Notice, NoticeFunction]:
    """The renderers marked with `@notice` in these modules, by kind; two renderers of
    one kind are a mistake found at start-up."""
    found: dict[Notice, NoticeFunction] = {}
    for module in modules:
        for value in vars(module).values():
            kind = getattr(value, _MARK, None)
            if not isinstance(kind, Notice) or found.get(kind) is value:
                continue
            if kind in found:
                raise ValueError(f"two renderers for {kind}: {found[kind]} and {value}")
            found[kind] = value
    return found


def zone(params: dict[str, Any]) -> ZoneInfo:
    """The time zone to show a row's times in: `tz`, which is the recipient's when the row
    was written with one, else the programme's (filled in by `handlers.notices`)."""
    return ZoneInfo(str(params["tz"]))
