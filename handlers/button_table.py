"""Named button actions, registered where their handler is written.

A module keeps one `ButtonTable` for its CallbackData class; each handler says which action
it answers (`@BUTTONS.on(MeetAction.ACCEPT)`), so "what happens when I press Accept" is
found by searching for the action. `create_router()` then calls `BUTTONS.register(router)`,
which adds one handler per action, `Cb.filter(F.action == action)`, behind the table's
guards (the router is fresh each time: tests build many Dispatchers in one process). With
`answering` (handlers/flow_answers.py) every press is answered, a refusal as an alert.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData

Handler = Callable[..., Awaitable[Any]]


class ButtonTable:
    """The actions of one CallbackData class and their handlers, in the order written."""

    def __init__(
        self,
        callback_data: type[CallbackData],
        *guards: Any,
        answering: Callable[[Handler], Handler] | None = None,
    ) -> None:
        self.callback_data = callback_data
        self.guards = guards
        self.answering = answering
        self.handlers: list[tuple[Enum, Handler]] = []

    def on(self, *actions: Enum) -> Callable[[Handler], Handler]:
        """Record `handler` for each of `actions`; the handler itself is left unchanged."""

        def record(handler: Handler) -> Handler:
            self.handlers.extend((action, handler) for action in actions)
            return handler

        return record

    def register(self, router: Router) -> None:
        for action, handler in self.handlers:
            if self.answering is not None:
                handler = self.answering(handler)
            router.callback_query.register(
                handler, self.callback_data.filter(F.action == action), *self.guards
            )
