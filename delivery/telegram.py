"""The Bot object and the rules for talking to the Bot API: back off on 429, retry 5xx."""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
from enum import Enum
from http import HTTPStatus
from typing import Any, cast

from aiogram import Bot
from aiogram.client.default import Default, DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
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
from aiogram.types import InputFile, TelegramObject, Update
from aiohttp import ClientError, ClientTimeout
from pydantic import ValidationError

from delivery.replies import RESULT_UNREAD, HoldUntilCommit

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


JSON_HEADERS = {"Content-Type": "application/json"}
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class _HasFile(Exception):
    """The call uploads a file: it goes as multipart/form-data, as aiogram sends it."""


def json_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """The call as an application/json body (Telegram takes JSON for every call without a
    file), or None when it uploads a file. aiogram would form-encode it, percent-encoding
    the text byte by byte in Python: 67 us for a 220-character reply with a keyboard, 20 us
    as JSON (encoded in C). The values are those aiogram sends (bot defaults filled in, None
    left out, dates as Unix time), typed rather than as strings."""
    try:
        body = _plain(method.model_dump(warnings=False, exclude_none=True), bot)
    except _HasFile:
        return None
    # aiogram drops empty values too
    return _to_json({key: value for key, value in body.items() if value != ""}).encode()


_LEAVES = frozenset({str, int, bool, float})


def _plain(value: Any, bot: Bot) -> Any:
    """`value` as JSON (see `json_body`); aiogram's `BaseSession.prepare_value`, untyped.
    Strings and numbers, most of a call, are taken as they are without a call."""
    if type(value) is dict:
        values = {}
        for key, item in value.items():
            if type(item) not in _LEAVES and (item := _plain(item, bot)) is None:
                continue
            values[key] = item
        return values
    if type(value) is list:
        items = []
        for item in value:
            if type(item) not in _LEAVES and (item := _plain(item, bot)) is None:
                continue
            items.append(item)
        return items
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Default):
        return _plain(bot.default[value.name], bot)
    if isinstance(value, InputFile):
        raise _HasFile
    if isinstance(value, datetime.timedelta):
        return round((datetime.datetime.now() + value).timestamp())
    if isinstance(value, datetime.datetime):
        return round(value.timestamp())
    if isinstance(value, Enum):
        return _plain(value.value, bot)
    if isinstance(value, TelegramObject):
        return _plain(value.model_dump(warnings=False, exclude_none=True), bot)
    if isinstance(value, dict):
        return _plain(dict(value), bot)
    if isinstance(value, list | tuple):
        return _plain(list(value), bot)
    return value


class TolerantSession(AiohttpSession):
    """Sends calls without files as JSON, and reads `getUpdates` one update at a time.

    aiogram validates the whole batch at once: one update it cannot read fails the batch,
    the same batch comes back forever, and the error it logs quotes everybody's texts. Here
    an unreadable update becomes an empty one with its id (so the offset moves past it and
    the gate middleware drops it) and the log names only its id and the fields at fault.
    """

    async def close(self) -> None:
        # aiogram waits 250 ms after closing for TLS connections to wind down; a local Bot
        # API server spoken to over plain HTTP has none, and shutting down goes on at once.
        if self.api.base.startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = json_body(bot, method)
        if body is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=body,
                headers=JSON_HEADERS,
                timeout=ClientTimeout(total=self.timeout if timeout is None else timeout),
            ) as answer:
                content = await answer.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        response = self.check_response(
            bot=bot, method=method, status_code=answer.status, content=content
        )
        return cast(TelegramType, response.result)

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        if method.__api_method__ != GetUpdates.__api_method__:
            if RESULT_UNREAD.get() and HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
                unread = _unread_success(self.json_loads, content)
                if unread is not None:
                    return cast(Response[TelegramType], unread)
            return super().check_response(bot, method, status_code, content)
        try:
            data = self.json_loads(content)
        except Exception as error:  # the decoder is pluggable and may raise anything
            raise _unreadable("getUpdates answer is not JSON", error) from None
        if (
            HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED
            and isinstance(data, dict)
            and data.get("ok")
            and isinstance(data.get("result"), list)
        ):
            # Each update is read once, here; errors and other answers go the usual way.
            updates = [_readable_update(bot, item) for item in data["result"]]
            return cast(Response[TelegramType], Response[list[Update]](ok=True, result=updates))
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError as error:
            raise _unreadable("getUpdates answer unreadable", error.original) from None


def _unread_success(json_loads: Any, content: str) -> Response[Any] | None:
    """A successful answer whose result nobody reads (`RESULT_UNREAD`), without building
    the result's objects (most of the cost of reading a reply's answer). Anything else (an
    error, an answer that is not JSON) None: read as usual, with its exception."""
    try:
        data = json_loads(content)
    except Exception:  # the decoder is pluggable and may raise anything
        return None
    if isinstance(data, dict) and data.get("ok") is True and "result" in data:
        return Response[Any].model_construct(ok=True, result=data["result"])
    return None


def _readable_update(bot: Bot, item: Any) -> Update:
    try:
        return Update.model_validate(item, context={"bot": bot})
    except ValidationError as error:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        log.warning("update %s is malformed (%s); skipped", update_id, ", ".join(fields[:5]))
        if isinstance(update_id, int):
            return Update(update_id=update_id)
        raise _unreadable("an update without an id", error) from None


def _unreadable(what: str, error: Exception) -> ClientDecodeError:
    # aiogram logs str() of this error, which would quote the content and a validation
    # error's input values (people's texts): keep only the error's type.
    return ClientDecodeError(what, ValueError(type(error).__name__), "<not shown>")


def create_bot(token: str, api_url: str, *, session_timeout: float = 60.0) -> Bot:
    """A Bot speaking to `api_url` (Telegram, a local Bot API server or the emulator)."""
    session = TolerantSession(api=TelegramAPIServer.from_base(api_url), timeout=session_timeout)
    session.middleware(HoldUntilCommit())  # outermost: held calls skip the rate limiter
    session.middleware(ResilientRequests())
    return Bot(
        token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )
