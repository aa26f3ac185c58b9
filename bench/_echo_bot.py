"""The baseline of bench/pipeline.py: a bare aiogram bot doing the least a bot can do.

`/start` is answered with one line and one button; the button is answered and the
message edited. Same aiogram, same polling and concurrency as BuddyBot, no database,
no middlewares. Run as its own process: `python bench/_echo_bot.py` with BOT_TOKEN and
TELEGRAM_API_URL set.
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

UPDATE_CONCURRENCY = 64  # as bot.app


async def main() -> None:
    server = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=server))
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        button = InlineKeyboardButton(text="Nederlands", callback_data="lang:nl:onb")
        await message.answer(
            "Kies je taal", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
        )

    @dispatcher.callback_query(F.data)
    async def pressed(callback: CallbackQuery) -> None:
        await callback.answer()
        if callback.message is not None:
            await bot.edit_message_text(
                "Welkom", chat_id=callback.message.chat.id, message_id=callback.message.message_id
            )

    await dispatcher.start_polling(
        bot, polling_timeout=20, tasks_concurrency_limit=UPDATE_CONCURRENCY
    )


if __name__ == "__main__":
    asyncio.run(main())
