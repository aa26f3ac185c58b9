"""/privacy, /mydata and /forget: what we keep, a copy of it, and erasing it; and what
the partner and the coordinators are told when someone erased themselves (no name)."""

from __future__ import annotations

import json
from typing import Any

from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain import privacy as service
from domain.clock import Clock
from handlers import keyboards
from handlers.callbacks import ForgetCb
from handlers.common import message_of
from handlers.i18n import isolate
from handlers.notices import notice
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
    clock: Clock,
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
    await service.forget(uow, user, clock.now())
    await state.clear()
    await message.edit_text(
        _(
            "Your data is erased. Thank you for your time with us. "
            "You are always welcome back: /start"
        )
    )


# --- what the others are told ------------------------------------------------------------


@notice(service.PARTNER_NOTICE)
def partner_left(params: dict[str, Any], locale: str) -> Rendered:
    """To the other person of a pair whose partner erased their data: no name, no reason
    beyond "left" (erasing is the partner's own business)."""
    if params.get("left") == "buddy":
        lines = ["👋 " + _("Your buddy has left the programme.")]
    else:
        lines = ["👋 " + _("The newcomer you were paired with has left the programme.")]
    lines.append(_("Your buddy pair has ended. Thank you for the time you spent together!"))
    meetups = int(params.get("meetups", 0))
    if meetups:
        lines.append(
            ngettext(
                "{count} planned meetup is cancelled.",
                "{count} planned meetups are cancelled.",
                meetups,
            ).format(count=isolate(meetups, locale))
        )
    if params.get("rematch"):
        lines.append(
            _(
                "You are back at the front of the waiting list. We will look for a new buddy "
                "for you."
            )
        )
    return Rendered(text="\n\n".join(lines))


@notice(service.COORDINATOR_NOTICE)
def pair_erased(params: dict[str, Any], locale: str) -> Rendered:
    pair = int(params.get("pair_id", 0))
    if params.get("left") == "buddy":
        text = _(
            "Pair #{pair} has ended: the buddy left the programme and erased their data. "
            "The newcomer was told and is back at the front of the waiting list."
        )
    else:
        text = _(
            "Pair #{pair} has ended: the newcomer left the programme and erased their data. "
            "The buddy was told and has a free place again."
        )
    return Rendered(text="⏹ " + text.format(pair=pair) + "\n/pairs")
