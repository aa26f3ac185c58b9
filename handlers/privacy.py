"""/privacy, /mydata and /forget: what we keep, a copy of it, and erasing it."""

from __future__ import annotations

import json

from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services import onboarding as onboarding_service
from bot.services import privacy as service
from handlers import keyboards
from handlers.callbacks import ForgetCb
from handlers.common import message_of
from handlers.routing import HandlerSet
from storage.models import User
from storage.uow import UnitOfWork

router = HandlerSet(__name__)


def privacy_text() -> str:
    return "\n\n".join(
        [
            "<b>" + _("Your data") + "</b>",
            _(
                "We keep only what helps us find you a good match and run the programme: "
                "your first name, municipality, languages, interests, free time, Dutch "
                "level and your preferences."
            ),
            _("Only the coordinators of your programme see it. We never sell or share it."),
            _("/mydata sends you a file with everything we keep about you."),
            _("/forget erases your data. Hours you spent together stay only as anonymous numbers."),
        ]
    )


@router.message(Command("privacy"))
async def privacy_command(message: Message) -> None:
    await message.answer(privacy_text())


@router.message(Command("mydata"))
async def mydata_command(message: Message, uow: UnitOfWork, user: User | None) -> None:
    if user is None:
        await message.answer(_("We keep no data about you."))
        return
    exported = await service.export(uow, user)
    payload = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    await message.answer_document(
        BufferedInputFile(payload, filename="my-data.json"),
        caption=_("This is everything we keep about you."),
    )


@router.message(Command("forget"))
async def forget_command(message: Message, user: User | None, state: FSMContext) -> None:
    if user is None:
        await state.clear()
        await message.answer(_("We keep no data about you."))
        return
    await message.answer(
        _("Do you really want to erase your data? You will leave the programme."),
        reply_markup=keyboards.forget_confirm(),
    )


@router.callback_query(ForgetCb.filter())
async def forget_answered(
    callback: CallbackQuery,
    callback_data: ForgetCb,
    uow: UnitOfWork,
    user: User | None,
    state: FSMContext,
) -> None:
    message = message_of(callback)
    await callback.answer()
    if message is None:
        return
    if user is None:
        await message.edit_text(_("We keep no data about you."))
        return
    if callback_data.answer != "yes":
        await message.edit_text(_("Good, nothing was erased."))
        return
    await onboarding_service.forget(uow, user)
    await state.clear()
    await uow.commit()  # erased before we say so
    await message.edit_text(
        _(
            "Your data is erased. Thank you for your time with us. "
            "You are always welcome back: /start"
        )
    )
