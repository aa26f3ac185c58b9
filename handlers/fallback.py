"""Last in line: anything no other handler took gets a helpful answer, never silence."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers import keyboards
from handlers.routing import HandlerSet
from handlers.texts import error_text
from storage.models import User

router = HandlerSet(__name__)


@router.callback_query()
async def unknown_button(callback: CallbackQuery, locale: str) -> None:
    await callback.answer(error_text("stale_button", {}, locale), show_alert=True)


@router.message()
async def anything_else(message: Message, user: User | None) -> None:
    if user is None:
        await message.answer(_("Hello! Send /start to begin."))
        return
    if user.profile_done_at is None:
        await message.answer(_("Send /start to continue where you stopped."))
        return
    await message.answer(
        _("I did not understand that. Please choose from the menu, or send /help."),
        reply_markup=keyboards.main_menu(),
    )
