"""Injected faults, flood limits and the log of rejected requests."""

from __future__ import annotations

import time

import aiohttp
import pytest

from emulator import Emulator, RateLimit

from .conftest import BotHttp


async def test_blocked_user_answers_403(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    emu.block(1001)
    answer = await http.call("sendMessage", chat_id=1001, text="hello?")
    assert (answer.status, answer.body) == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    (update,) = (await http.call("getUpdates")).result
    member = update["my_chat_member"]
    assert (member["old_chat_member"]["status"], member["new_chat_member"]["status"]) == (
        "member",
        "kicked",
    )
    emu.unblock(1001)
    assert (await http.call("sendMessage", chat_id=1001, text="welcome back")).status == 200
    # A deliberate fault is not a mistake of the bot.
    assert emu.rejected == []


async def test_fail_next_injects_server_errors(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    emu.fail_next("sendMessage", status=502, count=2)
    for _ in range(2):
        answer = await http.call("sendMessage", chat_id=1001, text="x")
        assert (answer.status, answer.description) == (502, "Bad Gateway")
    assert (await http.call("getMe")).status == 200
    assert (await http.call("sendMessage", chat_id=1001, text="x")).status == 200
    assert len(user.messages) == 1
    emu.fail_next(status=500)
    # Without a method the fault hits the bot's next call, never its background polling.
    assert (await http.call("getUpdates")).status == 200
    assert (await http.call("getMe")).status == 500
    with pytest.raises(ValueError, match="5xx"):
        emu.fail_next(status=404)


async def test_slow_next_delays_the_answer(emu: Emulator, http: BotHttp) -> None:
    emu.slow_next(0.3, method="getMe")
    started = time.monotonic()
    assert (await http.call("getMe")).status == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await http.call("getMe")
    assert time.monotonic() - started < 0.3


async def test_too_many_next(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    emu.too_many_next(retry_after=7, method="sendMessage")
    answer = await http.call("sendMessage", chat_id=1001, text="x")
    assert (answer.status, answer.body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        },
    )
    assert emu.rejected == []


async def test_rate_limit_answers_429_and_keeps_stats() -> None:
    limit = RateLimit(global_per_second=2, per_chat_per_second=1)
    async with Emulator(rate_limit=limit) as emu, aiohttp.ClientSession() as session:
        assert emu.base_url is not None
        http = BotHttp(session, emu.base_url, emu.token)
        for user_id in (1, 2, 3):
            emu.user(user_id)
        assert (await http.call("sendMessage", chat_id=1, text="a")).status == 200
        same_chat = await http.call("sendMessage", chat_id=1, text="b")
        assert (same_chat.status, same_chat.body["parameters"]) == (429, {"retry_after": 1})
        assert same_chat.description == "Too Many Requests: retry after 1"
        assert (await http.call("sendMessage", chat_id=2, text="a")).status == 200
        overall = await http.call("sendMessage", chat_id=3, text="a")
        assert overall.status == 429 and overall.body["parameters"]["retry_after"] >= 1
        # Edits count as outgoing messages too; other methods do not.
        assert (await http.call("sendChatAction", chat_id=1, action="typing")).status == 200
    assert emu.stats.sent == 2 and emu.stats.throttled == 2
    assert emu.stats.max_per_second_overall == 2
    assert emu.stats.max_per_second_per_chat == 1
    assert emu.rejected == []


async def test_stats_are_kept_without_a_limit(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    emu.user(1002)
    for _ in range(3):
        await http.call("sendMessage", chat_id=1001, text="x")
    await http.call("sendMessage", chat_id=1002, text="x")
    assert emu.stats.max_per_second_by_chat == {1001: 3, 1002: 1}
    assert emu.stats.max_per_second_overall == 4
    emu.rate_limit = RateLimit(per_chat_per_second=1)
    assert (await http.call("sendMessage", chat_id=1001, text="x")).status == 429


async def test_rejected_lists_every_invalid_request(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    emu.assert_no_rejections()
    await http.call("sendMessage", chat_id=1001, text="fine")
    await http.call("sendMessage", chat_id=1001, text="x", colour="red")
    await http.call("noSuchMethod")
    assert [(r.method, r.status) for r in emu.rejected] == [
        ("sendMessage", 400),
        ("noSuchMethod", 404),
    ]
    assert emu.rejected[0].description == "Bad Request: unknown parameter colour"
    assert emu.rejected[0].params["colour"] == "red"
    assert [r.method for r in emu.requests] == ["sendMessage", "sendMessage", "noSuchMethod"]
    with pytest.raises(AssertionError, match="unknown parameter colour"):
        emu.assert_no_rejections()
