"""The HTTP face of the emulator: Bot API routes, file downloads and webhook delivery.

Besides the Bot API, ``/_emulator/...`` routes let a person or a script act as users of a
standalone emulator (``python -m emulator``)::

    POST /_emulator/users/1001/send      {"text": "/start", "first_name": "Amal",
                                          "language_code": "ar"}
    POST /_emulator/users/1001/press     {"text": "Nederlands"} or {"data": "raw:callback"}
    GET  /_emulator/users/1001/messages  the bot's messages in the chat, as Message objects
    GET  /_emulator/requests?rejected=1  the request log (only the rejected requests)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout, web
from aiohttp.multipart import BodyPartReader, MultipartReader

from emulator.api import DEFAULT_TOKEN, BotApi
from emulator.errors import ApiError, bad_request
from emulator.limits import RateLimit
from emulator.spec import RequestParams, Upload
from emulator.state import WebhookConfig
from emulator.users import SimulatedUser

log = logging.getLogger(__name__)

API_KEY = web.AppKey("emulator_api", BotApi)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram accepts uploads up to 50 MB; aiohttp's default request limit is 1 MB.
MAX_REQUEST_BYTES = 60 * 1024 * 1024
WEBHOOK_TIMEOUT_SECONDS = 10.0


def create_app(api: BotApi | None = None, *, token: str = DEFAULT_TOKEN) -> web.Application:
    """The emulator as an aiohttp application, to run with any runner in any event loop.

    Without ``api`` a fresh ``BotApi`` for ``token`` is created; ``app[API_KEY]`` holds it.
    """
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[API_KEY] = api if api is not None else BotApi(token)
    app.router.add_route("*", "/bot{token}/{method}", _handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", _handle_file)
    app.router.add_post(r"/_emulator/users/{user_id:-?\d+}/send", _control_send)
    app.router.add_post(r"/_emulator/users/{user_id:-?\d+}/press", _control_press)
    app.router.add_get(r"/_emulator/users/{user_id:-?\d+}/messages", _control_messages)
    app.router.add_get("/_emulator/requests", _control_requests)
    app.cleanup_ctx.append(_webhook_delivery)
    app.on_shutdown.append(_wake_waiters)
    return app


def run_standalone(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = DEFAULT_TOKEN,
    rate_limit: RateLimit | None = None,
) -> None:
    """Serve the emulator until interrupted (blocking); `rate_limit` enforces flood limits
    (429 with retry_after) as Telegram does."""
    app = create_app(BotApi(token, rate_limit=rate_limit) if rate_limit else None, token=token)
    print(f"Telegram Bot API emulator on http://{host}:{port} (token {token})")
    web.run_app(app, host=host, port=port, handler_cancellation=True, print=None)


# --- requests -----------------------------------------------------------------------


async def read_params(request: web.Request) -> RequestParams:
    """The parameters of a request from its query string and JSON, urlencoded or multipart body."""
    values: dict[str, Any] = dict(request.query)
    textual = set(values)
    uploads: dict[str, Upload] = {}
    if request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            values.update(body)
            textual -= body.keys()
        elif content_type == "multipart/form-data":
            await read_parts(await request.multipart(), values, textual, uploads)
        elif content_type == "application/x-www-form-urlencoded":
            for key, value in (await request.post()).items():
                if isinstance(value, str):
                    values[key] = value
                    textual.add(key)
    return RequestParams(values, frozenset(textual), uploads)


async def read_parts(
    reader: MultipartReader,
    values: dict[str, Any],
    textual: set[str],
    uploads: dict[str, Upload],
) -> None:
    """Collect multipart fields into ``values`` and file parts into ``uploads``."""
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads[part.name] = Upload(part.filename, bytes(await part.read()), content_type)
        else:
            values[part.name] = await part.text()
            textual.add(part.name)


async def _handle_method(request: web.Request) -> web.Response:
    api = request.app[API_KEY]
    params: RequestParams | ApiError
    try:
        params = await read_params(request)
    except ApiError as exc:
        params = exc
    response = await api.handle(
        request.match_info["token"],
        request.match_info["method"],
        params,
        connected=lambda: request.transport is not None,
    )
    return web.json_response(response.body, status=response.status)


async def _handle_file(request: web.Request) -> web.Response:
    api = request.app[API_KEY]
    if request.match_info["token"] != api.token:
        return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
    stored = api.file_by_path(request.match_info["path"])
    if stored is None:
        return web.json_response(ApiError(404, "Not Found").body(), status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type)


async def _wake_waiters(app: web.Application) -> None:
    app[API_KEY].shutdown()


# --- control API ----------------------------------------------------------------------

_json_response = functools.partial(
    web.json_response, dumps=functools.partial(json.dumps, default=repr)
)


async def _control_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def _control_user(request: web.Request, body: dict[str, Any] | None = None) -> SimulatedUser:
    api = request.app[API_KEY]
    user_id = int(request.match_info["user_id"])
    chat = api.chats.get(user_id)
    if body is not None and (chat is None or "first_name" in body):
        chat = api.register_user(
            user_id, str(body.get("first_name", "User")), body.get("language_code", "en")
        )
    if chat is None:
        raise web.HTTPNotFound(text=f"no user {user_id}")
    return SimulatedUser(api, chat)


async def _control_send(request: web.Request) -> web.Response:
    body = await _control_body(request)
    user = _control_user(request, body)
    return _json_response({"message_id": await user.send(str(body.get("text", "")))})


async def _control_press(request: web.Request) -> web.Response:
    body = await _control_body(request)
    user = _control_user(request)
    try:
        if "data" in body:
            query_id: str | None = await user.press_data(str(body["data"]))
        else:
            query_id = await user.press(str(body.get("text", "")))
    except LookupError as exc:
        raise web.HTTPNotFound(text=str(exc)) from None
    except ValueError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return _json_response({"callback_query_id": query_id})


async def _control_messages(request: web.Request) -> web.Response:
    user = _control_user(request)
    return _json_response([{**m.to_api(), "html": m.html} for m in user.messages])


async def _control_requests(request: web.Request) -> web.Response:
    api = request.app[API_KEY]
    records = api.rejected if request.query.get("rejected") else api.requests
    return _json_response(
        [
            {
                "method": r.method,
                "status": r.status,
                "description": r.description,
                "time": r.time,
                "params": r.params,
            }
            for r in records
        ]
    )


# --- webhooks -----------------------------------------------------------------------


async def _webhook_delivery(app: web.Application) -> AsyncIterator[None]:
    api = app[API_KEY]
    api.closed = False
    async with ClientSession() as session:
        task = asyncio.create_task(WebhookDelivery(api, session).run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class WebhookDelivery:
    """Posts pending updates to the webhook one at a time, in order, retrying failures.

    A method in the webhook's answer (aiogram's ``handle_in_background=False``) is
    executed as Telegram does, and logged with ``source="webhook-reply"``.
    """

    def __init__(
        self, api: BotApi, session: ClientSession, *, timeout: float = WEBHOOK_TIMEOUT_SECONDS
    ) -> None:
        self._api = api
        self._session = session
        self._timeout = ClientTimeout(total=timeout)

    async def run(self) -> None:
        """Deliver until cancelled."""
        failures = 0
        while True:
            hook = self._api.webhook
            item = self._api.updates.first() if hook is not None else None
            if hook is None or item is None:
                await self._api.updates.changed.wait()
                continue
            delivered = await self._post(hook, item.payload)
            if delivered and item.duplicate_pending:
                item.duplicate_pending = False
                await self._post(hook, item.payload)
            if delivered:
                self._api.updates.remove(item)
                failures = 0
                continue
            failures += 1
            # Telegram retries a failed delivery later; a short back-off keeps tests fast.
            await self._api.updates.changed.wait_at_most(min(0.05 * 2**failures, 2.0))

    async def _post(self, hook: WebhookConfig, payload: dict[str, Any]) -> bool:
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        try:
            async with self._session.post(
                hook.url, json=payload, headers=headers, timeout=self._timeout
            ) as response:
                if not 200 <= response.status < 300:
                    reason = f"Wrong response from the webhook: {response.status} {response.reason}"
                    self._failed(hook, reason)
                    return False
                reply = await _reply_method(response)
        except (ClientError, TimeoutError) as exc:
            self._failed(hook, f"Connection error: {exc!r}")
            return False
        if reply is not None:
            method, params = reply
            await self._api.handle(self._api.token, method, params, source="webhook-reply")
        return True

    @staticmethod
    def _failed(hook: WebhookConfig, message: str) -> None:
        log.debug("webhook delivery to %s failed: %s", hook.url, message)
        hook.last_error_date = int(time.time())
        hook.last_error_message = message


async def _reply_method(response: ClientResponse) -> tuple[str, RequestParams] | None:
    """The Bot API call a webhook answered with, if any."""
    if response.content_type == "application/json":
        try:
            body = await response.json()
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            method = body.pop("method")
            return method, RequestParams(body)
        return None
    if response.content_type == "multipart/form-data":
        values: dict[str, Any] = {}
        textual: set[str] = set()
        uploads: dict[str, Upload] = {}
        await read_parts(
            MultipartReader(response.headers, response.content), values, textual, uploads
        )
        method = values.pop("method", None)
        if isinstance(method, str):
            textual.discard("method")
            return method, RequestParams(values, frozenset(textual), uploads)
    return None
