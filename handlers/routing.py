"""The root router: an update goes only to the conversation areas that could take it.

aiogram tries every router in order, and in each router every handler's filters, until
one matches: for a button or `/start` that is some 30 routers and 50 filter checks per
update, most of them failing on a button prefix, a conversation state or a command that
the update cannot have. `RootRouter` asks each area first, from an index built once from
the areas' own filters, whether any of its handlers could match:

- a button (callback query) goes only to areas with a handler for its `CallbackData`
  prefix, or with a handler that does not say which prefix it takes;
- a message goes only to areas with a handler whose state filter accepts the
  conversation's state and whose command filter accepts the message's command (or with
  a handler that has neither).

The index only leaves out areas none of whose handlers could match, so which handler
answers is unchanged, in aiogram's order. What is skipped is only filters that would
have failed or whose result would not be used (the filters of this code base only read
the update and the person). An area with an outer middleware of its own is always tried.

aiogram also runs every synchronous filter in a worker thread (`asyncio.to_thread`):
a conversation state, a magic filter `F...` or a small function of ours cost a thread
hand-off each, several per update. `run_filters_on_loop` makes them plain calls: they
are pure and quick.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

ANY: None = None  # a handler that does not say which prefixes, states or commands it takes
_OTHER = object()  # a state or command no handler names
_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class _Guard:
    """What one handler can take: `ANY`, or the states / commands / prefixes it names."""

    states: frozenset[str | None] | None = ANY
    commands: frozenset[tuple[str, str]] | None = ANY  # (prefix character, casefolded name)
    prefixes: frozenset[tuple[str, str]] | None = ANY  # (separator, CallbackData prefix)


@dataclass
class _Area:
    """One sub-router of the root and what its handlers (its own sub-routers' too) take."""

    router: Router
    guards: dict[str, list[_Guard]]
    plain: dict[str, bool]  # no outer middleware anywhere in it: aiogram's wrapping skipped


class RootRouter(Router):
    """A router whose sub-routers are tried only when they could take the update."""

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._areas: list[_Area] | None = None
        self._states: frozenset[str | None] = frozenset()
        self._commands: frozenset[tuple[str, str]] = frozenset()
        self._separators: tuple[str, ...] = ()
        self._prefixes: frozenset[tuple[str, str]] = frozenset()
        self._taking: dict[tuple[str, Any], tuple[_Area, ...]] = {}

    async def _propagate_event(
        self,
        observer: TelegramEventObserver | None,
        update_type: str,
        event: TelegramObject,
        **kwargs: Any,
    ) -> Any:
        own = observer is not None and (observer.handlers or observer._handler.filters)
        if own or update_type not in _INDEXED:
            return await super()._propagate_event(observer, update_type, event, **kwargs)
        areas = self._areas
        if areas is None or len(areas) != len(self.sub_routers):
            areas = self._index()
        key = self._key(update_type, event, kwargs)
        for area in self._candidates(areas, update_type, key):
            router = area.router
            if area.plain[update_type]:
                # What Router.propagate_event does, without wrapping no middleware.
                response = await router._propagate_event(
                    observer=router.observers[update_type],
                    update_type=update_type,
                    event=event,
                    **{**kwargs, "event_router": router},
                )
            else:
                response = await router.propagate_event(
                    update_type=update_type, event=event, **kwargs
                )
            if response is not UNHANDLED:
                return response
        return UNHANDLED

    def _key(self, update_type: str, event: TelegramObject, kwargs: dict[str, Any]) -> Any:
        """What the guards look at, reduced to the values some handler names."""
        if update_type == "callback_query":
            data = event.data if isinstance(event, CallbackQuery) else None
            if not data:
                return frozenset()
            heads = ((sep, data.split(sep, 1)[0]) for sep in self._separators)
            return frozenset(head for head in heads if head in self._prefixes)
        state = kwargs.get("raw_state")
        command = _command_of(event) if isinstance(event, Message) else None
        return (
            state if state in self._states else _OTHER,
            command if command in self._commands else _OTHER,
        )

    def _candidates(self, areas: list[_Area], update_type: str, key: Any) -> tuple[_Area, ...]:
        """The areas that could take an update of this type and key, in order: decided
        once per key (asking each of some 30 areas per update cost more than the rest of
        the routing)."""
        found = self._taking.get((update_type, key))
        if found is None:
            found = tuple(area for area in areas if self._could_take(area, update_type, key))
            if len(self._taking) >= _CACHE_LIMIT:
                self._taking.clear()
            self._taking[(update_type, key)] = found
        return found

    def _could_take(self, area: _Area, update_type: str, key: Any) -> bool:
        return any(_admits(guard, update_type, key) for guard in area.guards[update_type])

    def _index(self) -> list[_Area]:
        """Built on the first update, when every router has its handlers."""
        areas = []
        for router in self.sub_routers:
            guards = {
                kind: [_guard_of(handler) for handler in _handlers(router, kind)]
                for kind in _INDEXED
            }
            plain = {kind: not _has_outer_middleware(router, kind) for kind in _INDEXED}
            for kind in _INDEXED:
                if not plain[kind]:
                    guards[kind] = [_Guard()]  # its middleware runs for every update
            areas.append(_Area(router, guards, plain))
        every = [guard for area in areas for kind in _INDEXED for guard in area.guards[kind]]
        self._states = frozenset(s for g in every if g.states is not None for s in g.states)
        self._commands = frozenset(c for g in every if g.commands is not None for c in g.commands)
        self._prefixes = frozenset(p for g in every if g.prefixes is not None for p in g.prefixes)
        self._separators = tuple(sorted({sep for sep, _prefix in self._prefixes}))
        self._taking.clear()
        self._areas = areas
        return areas


_INDEXED = ("message", "callback_query")


def _admits(guard: _Guard, update_type: str, key: Any) -> bool:
    if update_type == "callback_query":
        return guard.prefixes is None or bool(guard.prefixes & key)
    state, command = key
    if guard.states is not None and state not in guard.states:
        return False
    return guard.commands is None or command in guard.commands


def _command_of(message: Message) -> tuple[str, str] | None:
    """(prefix character, casefolded name) of a command, as aiogram's Command reads it."""
    text = message.text or message.caption
    if not text:
        return None
    words = text.split(maxsplit=1)
    if not words:
        return None
    first = words[0]
    return first[0], first[1:].partition("@")[0].casefold()


def _handlers(router: Router, kind: str) -> Iterator[HandlerObject]:
    yield from router.observers[kind].handlers
    for sub in router.sub_routers:
        yield from _handlers(sub, kind)


def _has_outer_middleware(router: Router, kind: str) -> bool:
    return bool(router.observers[kind].outer_middleware) or any(
        _has_outer_middleware(sub, kind) for sub in router.sub_routers
    )


def _guard_of(handler: HandlerObject) -> _Guard:
    """The first state, command and button-prefix filter of a handler; any other filter
    only narrows what it takes further, so leaving it out keeps the guard wide enough."""
    states = commands = prefixes = ANY
    for filter_object in handler.filters or []:
        callback = _original(filter_object)
        if states is None:
            states = _states_of(callback)
        if commands is None and isinstance(callback, Command):
            commands = _commands_of(callback)
        if prefixes is None and isinstance(callback, CallbackQueryFilter):
            data = callback.callback_data
            prefixes = frozenset({(data.__separator__, data.__prefix__)})
    return _Guard(states, commands, prefixes)


def _states_of(callback: Any) -> frozenset[str | None] | None:
    if isinstance(callback, State):
        return None if callback.state == "*" else frozenset({callback.state})
    if isinstance(callback, StatesGroup):
        return frozenset(type(callback).__all_states_names__)
    if inspect.isclass(callback) and issubclass(callback, StatesGroup):
        return frozenset(callback.__all_states_names__)
    if isinstance(callback, StateFilter):
        names: set[str | None] = set()
        for allowed in callback.states:
            if allowed is None or isinstance(allowed, str):
                if allowed == "*":
                    return None
                names.add(allowed)
                continue
            inner = _states_of(allowed)
            if inner is None:
                return None
            names |= inner
        return frozenset(names)
    return None


def _commands_of(command: Command) -> frozenset[tuple[str, str]] | None:
    names = []
    for name in command.commands:
        if not isinstance(name, str):
            return None  # a pattern: any name may match
        names.append(name.casefold())
    return frozenset((prefix, name) for prefix in command.prefix for name in names)


# --- synchronous filters on the event loop --------------------------------------------


def _original(filter_object: FilterObject) -> Any:
    callback = filter_object.callback
    return getattr(callback, "__wrapped_filter__", callback)


def run_filters_on_loop(router: Router) -> None:
    """Every synchronous filter of the router and its sub-routers becomes a plain call on
    the event loop instead of a hand-off to a worker thread (see the module doc)."""
    for observer in router.observers.values():
        for filter_object in _filter_objects(observer):
            if not filter_object.awaitable:
                filter_object.callback = _on_loop(filter_object.callback)
                filter_object.awaitable = True
    for sub in router.sub_routers:
        run_filters_on_loop(sub)


def _filter_objects(observer: TelegramEventObserver) -> Iterator[FilterObject]:
    yield from observer._handler.filters or []
    for handler in observer.handlers:
        yield from handler.filters or []


def _on_loop(callback: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return callback(*args, **kwargs)

    call.__wrapped_filter__ = callback  # type: ignore[attr-defined]  # what the index reads
    return call
