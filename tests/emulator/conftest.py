"""Fixtures for the emulator's own tests: a running emulator and an HTTP client for it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from emulator import Emulator


@dataclass
class Answer:
    """Status and JSON body of one Bot API answer."""

    status: int
    body: dict[str, Any]

    @property
    def result(self) -> Any:
        assert self.body["ok"] is True, self.body
        return self.body["result"]

    @property
    def description(self) -> str:
        return str(self.body["description"])


class BotHttp:
    """Calls the emulator over real HTTP, as JSON, urlencoded form or multipart."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.session = session
        self.base_url = base_url
        self.token = token

    def url(self, method: str, token: str | None = None) -> str:
        return f"{self.base_url}/bot{token or self.token}/{method}"

    async def call(self, method: str, *, token: str | None = None, **params: Any) -> Answer:
        async with self.session.post(self.url(method, token), json=params) as response:
            return Answer(response.status, await response.json())

    async def form(self, method: str, **params: Any) -> Answer:
        """Send like aiogram does without files: every value a string, objects as JSON."""
        data = {key: _as_text(value) for key, value in params.items()}
        async with self.session.post(self.url(method), data=data) as response:
            return Answer(response.status, await response.json())

    async def multipart(
        self, method: str, files: dict[str, tuple[str, bytes]], **params: Any
    ) -> Answer:
        form = aiohttp.FormData()
        for key, value in params.items():
            form.add_field(key, _as_text(value))
        for key, (filename, data) in files.items():
            form.add_field(key, data, filename=filename)
        async with self.session.post(self.url(method), data=form) as response:
            return Answer(response.status, await response.json())


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def http(emu: Emulator) -> AsyncIterator[BotHttp]:
    assert emu.base_url is not None
    async with aiohttp.ClientSession() as session:
        yield BotHttp(session, emu.base_url, emu.token)
