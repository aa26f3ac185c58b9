"""/privacy, /mydata and /forget: what we keep, a copy of it, and erasing it; and what
the partner and the coordinators are told when someone erased themselves (no name)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain import privacy as service
from domain.clock import Clock
from handlers import keyboards
from handlers.callbacks import Answer, ForgetCb, MenuAction, MenuCb
from handlers.common import on_button
from handlers.coordinator_buttons import pair_file_markup
from handlers.filters import Registered, WithMessage
from handlers.i18n import isolate
from handlers.notice_registry import notice
from handlers.texts import back_on_waiting_list

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


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
        ]
    )


def privacy_rights_text() -> str:
    """The second part, kept apart so that each message stays short."""
    return "\n\n".join(
        [
            _(
                "Messages you send through me to your buddy pair or the coordinators are "
                "passed on by Telegram; I do not keep them."
            ),
            _("/mydata sends you a file with everything we keep about you."),
            _("/forget erases your data. Hours you spent together stay only as anonymous numbers."),
        ]
    )


async def privacy_command(message: Message, user: User | None = None) -> None:
    """/privacy and "🔒 My data": the notice, with buttons for what it says one can do."""
    if user is None:  # nothing kept yet: the way on is to begin
        markup = keyboards.welcome_back()
    else:
        markup = keyboards.privacy_actions(profile_done=user.profile_done_at is not None)
    await show_privacy(message, markup)


async def show_privacy(message: Message, markup: InlineKeyboardMarkup | None) -> None:
    await message.answer(privacy_text())
    await message.answer(privacy_rights_text(), reply_markup=markup)


async def mydata_command(message: Message, uow: UnitOfWork, user: User) -> None:
    exported = await service.export(uow, user)
    payload = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    await message.answer_document(
        BufferedInputFile(payload, filename="my-data.json"),
        caption=_("This is everything we keep about you."),
    )


async def forget_command(message: Message) -> None:
    await message.answer(
        _("Do you really want to erase your data? You will leave the programme."),
        reply_markup=keyboards.forget_confirm(),
    )


async def nothing_kept(message: Message) -> None:
    """/mydata from someone the programme keeps nothing about."""
    await message.answer(_("We keep no data about you."), reply_markup=keyboards.welcome_back())


async def nothing_to_forget(message: Message, state: FSMContext) -> None:
    """/forget before consent: even the language chosen so far is dropped."""
    await state.clear()
    await message.answer(_("We keep no data about you."), reply_markup=keyboards.welcome_back())


async def forget_confirmed(
    message: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock
) -> None:
    await service.forget(uow, user, clock.now())
    await state.clear()
    await message.edit_text(
        _(
            "Your data is erased. Thank you for your time with us. "
            "You are always welcome back: /start"
        ),
        reply_markup=keyboards.welcome_back(),
    )


async def forget_declined(message: Message, user: User) -> None:
    way_on = keyboards.home_only() if user.profile_done_at else keyboards.welcome_back()
    await message.edit_text(_("Good, nothing was erased."), reply_markup=way_on)


async def forget_after_erasure(message: Message) -> None:
    """The confirm button pressed again once the data is gone (or by a stranger)."""
    await message.edit_text(_("We keep no data about you."), reply_markup=keyboards.welcome_back())


def create_router() -> Router:
    """A fresh router for /privacy, /mydata and /forget (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(privacy_command, Command("privacy"))
    router.message.register(mydata_command, Command("mydata"), Registered())
    router.message.register(forget_command, Command("forget"), Registered())
    router.message.register(nothing_kept, Command("mydata"))
    router.message.register(nothing_to_forget, Command("forget"))
    member = (Registered(), WithMessage())
    yes, no = ForgetCb.filter(F.answer == Answer.YES), ForgetCb.filter(F.answer == Answer.NO)
    # The buttons under the privacy notice (the menu's "🔒 My data").
    buttons = ((MenuAction.MYDATA, mydata_command), (MenuAction.FORGET, forget_command))
    for action, screen in buttons:
        router.callback_query.register(
            on_button(screen), MenuCb.filter(F.action == action), *member
        )
    router.callback_query.register(on_button(forget_confirmed), yes, *member)
    router.callback_query.register(on_button(forget_declined), no, *member)
    router.callback_query.register(
        on_button(forget_after_erasure), ForgetCb.filter(), WithMessage()
    )
    return router


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
        lines.append(back_on_waiting_list())
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
    return Rendered(text="⏹ " + text.format(pair=pair), reply_markup=pair_file_markup(pair))
