"""aiogram must talk to the emulator without a single rejected request."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from emulator import Emulator


def make_bot(emu: Emulator) -> Bot:
    assert emu.base_url is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(emu.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Nederlands", callback_data="lang:nl"),
                InlineKeyboardButton(text="English", callback_data="lang:en"),
            ],
            [InlineKeyboardButton(text="Website", url="https://example.org")],
        ]
    )


async def test_aiogram_bot_sends_keyboard_and_document(emu: Emulator) -> None:
    user = emu.user(1001, "Amal", "ar")
    bot = make_bot(emu)
    try:
        me = await bot.get_me()
        sent = await bot.send_message(
            user.id, "<b>Welkom</b>, kies je taal", reply_markup=language_keyboard()
        )
        document = await bot.send_document(
            user.id,
            BufferedInputFile(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="meetup.ics"),
            caption="Your <i>meetup</i>",
            reply_markup=language_keyboard(),
        )
        edited = await bot.edit_message_text(
            "Taal: Nederlands", chat_id=user.id, message_id=sent.message_id
        )
        await bot.set_my_commands(
            [BotCommand(command="start", description="Begin")],
            scope=BotCommandScopeChat(chat_id=user.id),
            language_code="nl",
        )
        await bot.send_chat_action(user.id, "typing")
        file = await bot.get_file(document.document.file_id)  # type: ignore[union-attr]
        assert file.file_path is not None
        downloaded = await bot.download_file(file.file_path)
    finally:
        await bot.session.close()

    assert me.username == "buddy_test_bot"
    assert sent.reply_markup is not None
    assert user.messages[0].text == "Taal: Nederlands"
    assert user.messages[0].html == "Taal: Nederlands"
    assert isinstance(edited, Message) and edited.edit_date is not None
    assert user.messages[0].edited == 1
    assert user.messages[1].document is not None
    assert user.messages[1].document.filename == "meetup.ics"
    assert user.messages[1].document.mime_type == "text/calendar"
    assert user.messages[1].caption == "Your meetup"
    assert user.messages[1].buttons == ["Nederlands", "English", "Website"]
    assert downloaded is not None and downloaded.read().startswith(b"BEGIN:VCALENDAR")
    assert emu.commands[("chat:1001", "nl")] == [("start", "Begin")]
    assert user.chat_actions == ["typing"]
    emu.assert_no_rejections()
    assert emu.rejected == []


async def test_aiogram_sees_telegram_errors(emu: Emulator) -> None:
    user = emu.user(1002, "Bram", "nl")
    bot = make_bot(emu)
    try:
        sent = await bot.send_message(user.id, "Hallo")
        with pytest.raises(TelegramBadRequest, match="message is not modified"):
            await bot.edit_message_text("Hallo", chat_id=user.id, message_id=sent.message_id)
        emu.too_many_next(retry_after=3, method="sendMessage")
        with pytest.raises(TelegramRetryAfter) as retry:
            await bot.send_message(user.id, "again")
        assert retry.value.retry_after == 3
        emu.block(user.id)
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(user.id, "still there?")
    finally:
        await bot.session.close()
    assert [r.description for r in emu.rejected] == [
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    ]


async def test_aiogram_dispatcher_polls_and_answers_buttons(emu: Emulator) -> None:
    router = Router(name="languages")

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"Welkom! Code: {command.args}", reply_markup=language_keyboard())

    @router.callback_query(F.data.startswith("lang:"))
    async def choose(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.answer("Opgeslagen")
        await query.message.edit_text(f"Taal: <b>{query.data}</b>")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = make_bot(emu)
    user = emu.user(1003, "Chen", None)
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot, polling_timeout=1, handle_signals=False, close_bot_session=True
        )
    )
    try:
        await user.command("start", "nc-bon")
        welcome = await user.next_message()
        assert welcome.text == "Welkom! Code: nc-bon"
        await user.press("Nederlands")
        answer = await user.next_callback_answer()
        edited = await user.wait_for(lambda m: (m.text or "").startswith("Taal:"))
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert answer.text == "Opgeslagen"
    assert edited is welcome and edited.text == "Taal: lang:nl"
    assert edited.entities == [{"type": "bold", "offset": 6, "length": 7}]
    assert edited.reply_markup is None
    emu.assert_no_rejections()
