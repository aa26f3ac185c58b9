"""Calls without files go to the Bot API as JSON (delivery.telegram.json_body) with the
values aiogram would have form-encoded; a call with a file stays multipart. The e2e suite
proves the emulator (which checks every value's type against the official description)
takes them; here the values are compared with aiogram's own encoding, field by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
from aiogram.methods import (
    AnswerCallbackQuery,
    CreateChatInviteLink,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from delivery.telegram import create_bot, json_body

BOT = create_bot("123456:test", "http://127.0.0.1:9")
MARKUP = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="✅ Nederlands", callback_data="lang:nl:onb")],
        [InlineKeyboardButton(text="🔒 Meer", url="https://example.org/privacy")],
    ]
)


def form_fields(method: TelegramMethod[Any]) -> dict[str, str]:
    """What aiogram sends as a form: text fields, objects and numbers JSON-encoded."""
    form = BOT.session.build_form_data(BOT, method)
    # aiohttp encodes an enum by its value (parse_mode is aiogram's ParseMode)
    return {
        options["name"]: value.value if isinstance(value, Enum) else value
        for options, _headers, value in form._fields
    }


def read_as_telegram(form: dict[str, str], typed: dict[str, Any]) -> dict[str, Any]:
    """The form's fields read with the types the JSON body gives them."""
    return {
        name: text if isinstance(typed.get(name), str) else json.loads(text)
        for name, text in form.items()
    }


@pytest.mark.parametrize(
    "method",
    [
        SendMessage(chat_id=7, text="Welkom <b>Kim</b> مرحبا\n", reply_markup=MARKUP),
        SendMessage(chat_id=7, text="stil", disable_notification=False),
        EditMessageText(chat_id=7, message_id=3, text="Klaar", reply_markup=MARKUP),
        AnswerCallbackQuery(callback_query_id="42", text="ok", show_alert=True),
        AnswerCallbackQuery(callback_query_id="42"),
        SendVoice(chat_id=7, voice="AwACAgQAAxkBAAI", caption="🔊"),
        CreateChatInviteLink(chat_id=-100, expire_date=datetime(2030, 1, 2, tzinfo=UTC)),
    ],
    ids=lambda method: method.__api_method__,
)
def test_json_carries_what_the_form_carried(method: TelegramMethod[Any]) -> None:
    body = json_body(BOT, method)
    assert body is not None
    sent = json.loads(body)
    assert sent == read_as_telegram(form_fields(method), sent)
    assert sent.get("parse_mode", "HTML") == "HTML"  # the bot's default filled in


def test_a_file_goes_as_multipart() -> None:
    upload = BufferedInputFile(b"{}", filename="my-data.json")
    assert json_body(BOT, SendDocument(chat_id=7, document=upload)) is None
