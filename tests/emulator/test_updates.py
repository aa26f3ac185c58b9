"""getUpdates (offsets, long polling) and webhooks behave as Telegram's do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator import Emulator

from .conftest import BotHttp


def ids(updates: list[dict[str, Any]]) -> list[int]:
    return [update["update_id"] for update in updates]


async def test_offset_confirms_updates(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    for text in ("one", "two", "three"):
        await user.send(text)
    first = (await http.call("getUpdates")).result
    # Ids keep growing across emulator restarts, as Telegram's do: compare from the first.
    base = ids(first)[0] - 1
    assert ids(first) == [base + 1, base + 2, base + 3]
    assert [u["message"]["text"] for u in first] == ["one", "two", "three"]
    # Not confirmed yet: the same updates come again.
    assert ids((await http.call("getUpdates")).result) == [base + 1, base + 2, base + 3]
    assert ids((await http.call("getUpdates", limit=2)).result) == [base + 1, base + 2]
    # offset=base+3 confirms the first two for good.
    assert ids((await http.call("getUpdates", offset=base + 3)).result) == [base + 3]
    assert ids((await http.call("getUpdates")).result) == [base + 3]
    assert (await http.call("getUpdates", offset=base + 4)).result == []
    assert emu.pending_updates == 0


async def test_negative_offset_keeps_the_last_updates(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    for n in range(5):
        await user.send(f"m{n}")
    last_two = ids((await http.call("getUpdates", offset=-2)).result)
    assert [u["message"]["text"] for u in (await http.call("getUpdates")).result] == ["m3", "m4"]
    assert last_two[1] == last_two[0] + 1


async def test_update_shapes(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar", username="amal")
    await user.command("start", "nc-bon")
    sent = await http.call(
        "sendMessage",
        chat_id=1001,
        text="Kies",
        reply_markup={"inline_keyboard": [[{"text": "NL", "callback_data": "lang:nl"}]]},
    )
    query_id = await user.press("NL")
    message, callback = (await http.call("getUpdates")).result
    assert message["message"]["text"] == "/start nc-bon"
    assert message["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["message"]["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Amal",
        "username": "amal",
        "language_code": "ar",
    }
    assert message["message"]["chat"] == {
        "id": 1001,
        "type": "private",
        "first_name": "Amal",
        "username": "amal",
    }
    assert callback["callback_query"]["id"] == query_id
    assert callback["callback_query"]["data"] == "lang:nl"
    assert callback["callback_query"]["message"] == sent.result
    assert callback["callback_query"]["chat_instance"]
    # Message ids grow per chat, shared by the user's and the bot's messages.
    assert (message["message"]["message_id"], sent.result["message_id"]) == (1, 2)


async def test_language_code_may_be_missing(emu: Emulator, http: BotHttp) -> None:
    await emu.user(1001, "Noor", None).send("hoi")
    (update,) = (await http.call("getUpdates")).result
    assert "language_code" not in update["message"]["from"]


async def test_long_poll_wakes_on_new_update(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    started = time.monotonic()
    poll = asyncio.create_task(http.call("getUpdates", timeout=10))
    await asyncio.sleep(0.2)  # let the request reach the emulator and start waiting
    assert not poll.done()
    await user.send("wake up")
    answer = await asyncio.wait_for(poll, 2)
    assert [u["message"]["text"] for u in answer.result] == ["wake up"]
    assert time.monotonic() - started < 2


async def test_long_poll_times_out_empty(emu: Emulator, http: BotHttp) -> None:
    started = time.monotonic()
    assert (await http.call("getUpdates", timeout=1)).result == []
    assert 0.9 < time.monotonic() - started < 3


async def test_long_poll_returns_promptly_on_shutdown() -> None:
    emu = Emulator()
    base_url = await emu.start()
    async with aiohttp.ClientSession() as session:
        http = BotHttp(session, base_url, emu.token)
        poll = asyncio.create_task(http.call("getUpdates", timeout=30))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        await emu.stop()
        answer = await asyncio.wait_for(poll, 2)
    assert answer.result == []
    assert time.monotonic() - started < 2


async def test_newer_poll_terminates_older_one(emu: Emulator, http: BotHttp) -> None:
    older = asyncio.create_task(http.call("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    newer = asyncio.create_task(http.call("getUpdates", timeout=10))
    answer = await asyncio.wait_for(older, 2)
    assert answer.status == 409
    assert answer.description.startswith("Conflict: terminated by other getUpdates request")
    await emu.user(1001).send("for the newer poll")
    assert len((await asyncio.wait_for(newer, 2)).result) == 1


async def test_allowed_updates_filters_new_updates(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await http.call("sendMessage", chat_id=1001, text="x")
    assert (await http.call("getUpdates", allowed_updates=["callback_query"])).result == []
    await user.send("ignored")
    await user.press_data("kept")
    (update,) = (await http.call("getUpdates")).result
    assert update["callback_query"]["data"] == "kept"
    # An empty list restores Telegram's default set.
    await http.call("getUpdates", offset=update["update_id"] + 1, allowed_updates=[])
    await user.send("delivered again")
    assert [u["message"]["text"] for u in (await http.call("getUpdates")).result] == [
        "delivered again"
    ]


async def test_duplicate_delivery_with_polling(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    emu.duplicate_next_update()
    await user.send("twice")
    first = (await http.call("getUpdates")).result
    # The bot confirms the update, and Telegram still sends it once more.
    again = (await http.call("getUpdates", offset=first[-1]["update_id"] + 1)).result
    assert again == first
    assert (await http.call("getUpdates", offset=first[-1]["update_id"] + 1)).result == []
    await user.send("once")
    assert [u["message"]["text"] for u in (await http.call("getUpdates")).result] == ["once"]


@dataclass
class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 that records what it gets."""

    url: str = ""
    received: asyncio.Queue[tuple[dict[str, Any], str | None]] = field(
        default_factory=asyncio.Queue
    )
    statuses: list[int] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((await request.json(), secret))
        status = self.statuses.pop(0) if self.statuses else 200
        body = self.replies.pop(0) if self.replies else {}
        return web.json_response(body, status=status)

    async def next(self) -> tuple[dict[str, Any], str | None]:
        return await asyncio.wait_for(self.received.get(), 3)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


async def test_webhook_delivery_carries_secret(
    emu: Emulator, http: BotHttp, receiver: Receiver
) -> None:
    user = emu.user(1001)
    answer = await http.call("setWebhook", url=receiver.url, secret_token="s3cret-token_1")
    assert answer.result is True
    await user.send("via webhook")
    update, secret = await receiver.next()
    assert secret == "s3cret-token_1"
    assert update["message"]["text"] == "via webhook"
    info = (await http.call("getWebhookInfo")).result
    assert info["url"] == receiver.url and info["pending_update_count"] == 0
    conflict = await http.call("getUpdates")
    assert conflict.status == 409
    assert conflict.description.startswith("Conflict: can't use getUpdates method while webhook")
    assert (await http.call("deleteWebhook")).result is True
    await user.send("back to polling")
    assert len((await http.call("getUpdates")).result) == 1


async def test_webhook_without_secret_has_no_header(
    emu: Emulator, http: BotHttp, receiver: Receiver
) -> None:
    await http.call("setWebhook", url=receiver.url)
    await emu.user(1001).send("hi")
    _, secret = await receiver.next()
    assert secret is None


async def test_webhook_retries_failures_and_duplicates(
    emu: Emulator, http: BotHttp, receiver: Receiver
) -> None:
    user = emu.user(1001)
    receiver.statuses = [500]
    await http.call("setWebhook", url=receiver.url)
    await user.send("retry me")
    failed, _ = await receiver.next()
    retried, _ = await receiver.next()
    assert failed == retried
    info = (await http.call("getWebhookInfo")).result
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    emu.duplicate_next_update()
    await user.send("twice")
    first, _ = await receiver.next()
    second, _ = await receiver.next()
    assert first == second and first["message"]["text"] == "twice"


async def test_webhook_reply_method_is_executed(
    emu: Emulator, http: BotHttp, receiver: Receiver
) -> None:
    user = emu.user(1001)
    receiver.replies = [{"method": "sendMessage", "chat_id": 1001, "text": "answered inline"}]
    await http.call("setWebhook", url=receiver.url)
    await user.send("hi")
    message = await user.next_message()
    assert message.text == "answered inline"
    assert emu.requests_for("sendMessage")[0].source == "webhook-reply"


async def test_drop_pending_updates(emu: Emulator, http: BotHttp) -> None:
    await emu.user(1001).send("old news")
    await http.call("deleteWebhook", drop_pending_updates=True)
    assert (await http.call("getUpdates")).result == []
