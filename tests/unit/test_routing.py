"""The root router's index (handlers/routing.py) only leaves out conversation areas that
could not take the update: for every button prefix, conversation state and command the
handlers name (and some nobody names), each handler of an area the index skips has a
state, command or button filter that aiogram itself evaluates to False. Which handler
answers an update is therefore the same as in aiogram's own walk; the e2e tests show it
over the whole stack."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Chat, Message, User

import bot  # noqa: F401  (aiogram's types, as the bot imports them)
from handlers import admin, build_router
from handlers.routing import RootRouter, _handlers, _original, _states_of

SENDER = User(id=7, is_bot=False, first_name="Kim")
CHAT = Chat(id=7, type="private")


@pytest.fixture(scope="module")
def root() -> RootRouter:
    router = build_router(admin.create_router())
    assert isinstance(router, RootRouter)
    router._index()
    return router


def _button(data: str) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=SENDER, chat_instance="c", data=data)


def _message(text: str) -> Message:
    return Message(message_id=1, date=0, chat=CHAT, from_user=SENDER, text=text)  # type: ignore[arg-type]


def _is_guard(callback: Any) -> bool:
    return isinstance(callback, (Command, CallbackQueryFilter)) or _states_of(callback) is not None


async def _guard_refuses(handler: HandlerObject, event: Any, raw_state: str | None) -> bool:
    """aiogram's own verdict: one of the handler's state/command/button filters says no."""
    for filter_object in handler.filters or []:
        if _is_guard(_original(filter_object)):
            # No mention in these texts: a command filter never asks the bot its name.
            verdict = await filter_object.call(event, raw_state=raw_state, bot=None)
            if not verdict:
                return True
    return False


def _tried(root: RootRouter, kind: str, event: Any, raw_state: str | None) -> list[str]:
    key = root._key(kind, event, {"raw_state": raw_state})
    return [area.router.name for area in root._areas or [] if root._could_take(area, kind, key)]


async def test_a_skipped_area_has_no_handler_that_could_take_a_button(root: RootRouter) -> None:
    prefixes = {prefix for _sep, prefix in root._prefixes}
    datas = [f"{prefix}{sep}x{sep}y" for sep, prefix in root._prefixes]
    datas += [f"{prefix}:" for prefix in prefixes] + ["nobody:names:this", "pick|dur|60|log"]
    for data in datas:
        event = _button(data)
        key = root._key("callback_query", event, {})
        for area in root._areas or []:
            if root._could_take(area, "callback_query", key):
                continue
            for handler in _handlers(area.router, "callback_query"):
                assert await _guard_refuses(handler, event, None), (data, area.router.name)


async def test_a_skipped_area_has_no_handler_that_could_take_a_message(root: RootRouter) -> None:
    states: list[str | None] = [*root._states, None, "Nobody:names_this"]
    texts = [f"{prefix}{name}" for prefix, name in root._commands]
    texts += ["hello", "/nothing", "/START", "  "]
    for raw_state in states:
        for text in texts:
            event = _message(text)
            key = root._key("message", event, {"raw_state": raw_state})
            for area in root._areas or []:
                if root._could_take(area, "message", key):
                    continue
                for handler in _handlers(area.router, "message"):
                    refused = await _guard_refuses(handler, event, raw_state)
                    assert refused, (raw_state, text, area.router.name)


def test_a_language_button_and_start_try_few_areas(root: RootRouter) -> None:
    button = _tried(root, "callback_query", _button("lang:nl:onb"), None)
    assert "handlers.onboarding" in button
    assert "handlers.meetups" not in button and "handlers.admin" not in button
    assert len(button) <= 6, button
    start = _tried(root, "message", _message("/start"), None)
    assert "handlers.onboarding" in start and "handlers.fallback" in start
    assert "handlers.placements" not in start and "handlers.hours" not in start


def test_every_filter_runs_on_the_event_loop(root: RootRouter) -> None:
    def routers(router: Any) -> Any:
        yield router
        for sub in router.sub_routers:
            yield from routers(sub)

    for router in routers(root):
        for observer in router.observers.values():
            filters = list(observer._handler.filters or [])
            filters += [f for handler in observer.handlers for f in handler.filters or []]
            assert all(f.awaitable for f in filters), router.name
