"""Replies wait for the commit: Bot API calls made while an update is handled are held in
order and sent only once the update's transaction is durable.

So nobody is shown "saved" before it is, and no database write transaction stays open
while the bot waits on Telegram (on SQLite that lock would stop every other update). If
the transaction rolls back, the held calls are dropped: the error router answers instead.
Read-only calls (`get*`) go out at once, since handlers need their answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)


class HeldCalls:
    """The calls one update made, in order; owned by the task that handles the update."""

    def __init__(self) -> None:
        self.calls: list[TelegramMethod[Any]] = []
        self.task = asyncio.current_task()

    def __len__(self) -> int:
        return len(self.calls)

    def clear(self) -> None:
        self.calls.clear()

    async def send(
        self,
        bot: Bot,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        on_undelivered: Callable[[SendMessage], Awaitable[None]] | None = None,
    ) -> None:
        """Send every held call in order. A failed call is logged and the rest still go:
        an expired button answer must not swallow the message that follows it. A message
        Telegram did not take through every retry (an outage) goes to `on_undelivered`,
        which keeps it for later rather than losing it."""
        calls, self.calls = self.calls, []
        for method in calls:
            try:
                await _unread(bot, method)
            except TelegramForbiddenError:
                chat_id = getattr(method, "chat_id", None)
                log.info("%s: the person blocked the bot", method.__api_method__)
                if on_blocked is not None and isinstance(chat_id, int):
                    await on_blocked(chat_id)
            except (TelegramServerError, TelegramNetworkError, TelegramRetryAfter) as error:
                log.warning("%s failed after the commit: %s", method.__api_method__, error)
                if on_undelivered is not None and isinstance(method, SendMessage):
                    await on_undelivered(method)
            except TelegramBadRequest as error:
                log.warning("%s failed after the commit: %s", method.__api_method__, error.message)
                resend = _as_new_message(method)
                if resend is not None:
                    # The screen to replace is gone or too old to edit ("message to edit
                    # not found", "message can't be edited"): the person still gets it.
                    with contextlib.suppress(TelegramAPIError):
                        await _unread(bot, resend)
            except TelegramAPIError as error:
                log.warning("%s failed after the commit: %s", method.__api_method__, error.message)


def _as_new_message(method: TelegramMethod[Any]) -> SendMessage | None:
    """The screen an edit of a chat message was to show, as a message of its own."""
    if not isinstance(method, EditMessageText) or method.chat_id is None or not method.text:
        return None
    return SendMessage(
        chat_id=method.chat_id,
        text=method.text,
        parse_mode=method.parse_mode,
        entities=method.entities,
        link_preview_options=method.link_preview_options,
        reply_markup=method.reply_markup,
    )


_held: ContextVar[HeldCalls | None] = ContextVar("held_calls", default=None)

# Set while a held call is sent: nobody reads what it returns, so the session need not
# build the answer's objects (a Message with its chat, sender and keyboard) from it.
RESULT_UNREAD: ContextVar[bool] = ContextVar("result_unread", default=False)


async def _unread(bot: Bot, method: TelegramMethod[Any]) -> None:
    token = RESULT_UNREAD.set(True)
    try:
        await bot(method)
    finally:
        RESULT_UNREAD.reset(token)


@contextmanager
def holding_calls() -> Iterator[HeldCalls]:
    """Within the block, calls of this task are held instead of sent."""
    held = HeldCalls()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def _is_read_only(method: TelegramMethod[Any]) -> bool:
    return method.__api_method__.startswith("get")


class HoldUntilCommit(BaseRequestMiddleware):
    """Bot session middleware: while the current task holds calls, queue them.

    A held call returns `True` at once; handlers never read what a send returns (the real
    answer comes after the commit, when nobody waits for it). A task started from inside an
    update inherits the context but not the ownership, so its calls go out as usual.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        held = _held.get()
        if held is None or held.task is not asyncio.current_task() or _is_read_only(method):
            return await make_request(bot, method)
        held.calls.append(method)
        return cast(Response[TelegramType], True)
