"""The Bot object and the rules for talking to the Bot API: back off on 429, retry 5xx."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)

EDIT_METHODS = (EditMessageText, EditMessageReplyMarkup, EditMessageCaption)


class ResilientRequests(BaseRequestMiddleware):
    """Waits `retry_after` on 429 and retries server errors with a short backoff.

    Re-rendering a screen that did not change is normal: Telegram's
    `message is not modified` is swallowed for edits.
    """

    def __init__(self, max_attempts: int = 5, base_delay: float = 0.5) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt >= self.max_attempts:
                    raise
                log.warning(
                    "Telegram asked to wait %ss (%s)", error.retry_after, method.__api_method__
                )
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt >= self.max_attempts or isinstance(method, GetUpdates):
                    raise
                delay = self.base_delay * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s); retrying in %.1fs", method.__api_method__, error, delay
                )
                await asyncio.sleep(delay)
            except TelegramBadRequest as error:
                if isinstance(method, EDIT_METHODS) and "message is not modified" in error.message:
                    return Response[Any](ok=True, result=True)  # type: ignore[return-value]
                raise


def create_bot(token: str, api_url: str, *, session_timeout: float = 60.0) -> Bot:
    """A Bot speaking to `api_url` (Telegram, a local Bot API server or the emulator)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=session_timeout)
    session.middleware(ResilientRequests())
    return Bot(
        token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
