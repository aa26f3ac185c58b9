"""Webhook mode: Telegram (the emulator) posts updates with the secret header; the bot
answers them, and a request without the right secret is refused."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import aiohttp
from pydantic import SecretStr

from bot.app import build_app, run_webhook
from emulator import Emulator
from tests.conftest import TOKEN
from tests.e2e.helpers import buttons_data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_updates_are_answered_and_the_secret_is_checked(
    settings, emulator: Emulator, clock, no_rejections
) -> None:
    port = free_port()
    webhook = settings.model_copy(
        update={
            "webhook_url": f"http://127.0.0.1:{port}/telegram",
            "webhook_secret": SecretStr("s3cret-for-tests"),
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
        }
    )
    app = await build_app(
        webhook, token=TOKEN, api_url=emulator.base_url or "", clock=clock, migrate=False
    )
    server = asyncio.create_task(run_webhook(app))
    try:
        for _ in range(100):
            if emulator.webhook is not None:
                break
            await asyncio.sleep(0.05)
        assert emulator.webhook is not None
        user = emulator.user(9801, "Nour", "en")
        await user.command("start")
        reply = await user.next_message(timeout=10)
        assert "lang:en:onb" in buttons_data(reply)
        # Someone who does not know the secret cannot feed the bot updates.
        async with aiohttp.ClientSession() as http:
            forged = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 9801, "type": "private"},
                    "text": "/start",
                },
            }
            async with http.post(f"http://127.0.0.1:{port}/telegram", json=forged) as response:
                assert response.status == 401
            async with http.post(
                f"http://127.0.0.1:{port}/telegram",
                json=forged,
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            ) as response:
                assert response.status == 401
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
