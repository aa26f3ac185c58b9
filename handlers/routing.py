"""Handlers are declared once per module but every Dispatcher needs routers of its own.

aiogram attaches a Router to exactly one parent, so a module-level Router cannot serve a
second Dispatcher in the same process (a restart in place, several test bots). A
`HandlerSet` records the decorated handlers and builds a fresh Router on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router

_EVENTS = ("message", "callback_query", "error")


class _Registry:
    def __init__(self) -> None:
        self.filters: list[Any] = []
        self.entries: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *filters: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.entries.append((handler, filters, kwargs))
            return handler

        return register

    def filter(self, *filters: Any) -> None:
        """Filters every handler of this event type must pass (router-level)."""
        self.filters.extend(filters)


class HandlerSet:
    """Decorators like a Router's (`@handlers.message(...)`); `build()` makes the Router."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.message = _Registry()
        self.callback_query = _Registry()
        self.error = _Registry()

    def build(self) -> Router:
        router = Router(name=self.name)
        for event in _EVENTS:
            registry: _Registry = getattr(self, event)
            observer = router.observers[event]
            if registry.filters:
                observer.filter(*registry.filters)
            for handler, filters, kwargs in registry.entries:
                observer.register(handler, *filters, **kwargs)
        return router
