"""Recruitment links (domain/recruitment.py): `/links` or "🔗 Recruitment links" on the
coordinator's home shows the channels; a channel, then a role, gives the deep link and
its QR code as a PNG for print, with the programme's name under it. A coordinator may
name a new channel. Buddies share a "become a buddy" link from their menu."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from domain import recruitment
from domain.errors import DomainError
from handlers.common import q
from handlers.coordinator_buttons import coordinator_router, home_button
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import menu_button
from handlers.links_buttons import LinkAction, LinkCb, link_button
from handlers.links_qr import qr_png
from handlers.texts import error_text
from handlers.waiting_buttons import ShareCb
from storage.models import Role, User
from storage.uow import UnitOfWork

_CHANNEL_LABELS = {
    "school": __("School"),
    "market": __("Market"),
    "bon": __("Bon"),
    "partner": __("Partner organisation"),
    "flyer": __("Flyer"),
    recruitment.SHARED_BY_BUDDY: __("Shared by a buddy"),
}
_ROLES = {"nc": Role.NEWCOMER.value, "bd": Role.BUDDY.value}


class LinkForm(StatesGroup):
    channel_name = State()


def channel_label(code: str) -> str:
    """A usual channel's name in the reader's language; a channel a coordinator added
    keeps the code made from the name they typed."""
    label = _CHANNEL_LABELS.get(code)
    return str(label) if label is not None else code


def _role_label(role: str) -> str:
    return _("Newcomers") if role == Role.NEWCOMER.value else _("Buddies")


async def show_channels(message: Message, uow: UnitOfWork, user: User) -> None:
    """Where a link will be shared: one button per channel, and a new one."""
    codes = await recruitment.channels(uow, user)
    buttons = [link_button(channel_label(code), LinkAction.CHANNEL, code) for code in codes]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([link_button("➕ " + _("New channel"), LinkAction.NEW)])
    rows.append([home_button()])
    await message.answer(
        "🔗 <b>"
        + _("Recruitment links")
        + "</b>\n\n"
        + _(
            "Where will the link or QR code be shared? The report counts who joins "
            "through each channel."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def show_roles(message: Message, channel: str, *, edit: bool = False) -> None:
    rows = [
        [
            link_button("👋 " + _("Newcomers"), LinkAction.MAKE, channel, "nc"),
            link_button("🤝 " + _("Buddies"), LinkAction.MAKE, channel, "bd"),
        ],
        [link_button("⬅️ " + _("Channels"), LinkAction.LIST)],
    ]
    text = _("Channel: {channel}. Who is the link for?").format(channel=channel_label(channel))
    markup = InlineKeyboardMarkup(inline_keyboard=rows)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def channel_chosen(callback: CallbackQuery, callback_data: LinkCb, message: Message) -> None:
    await callback.answer()
    await show_roles(message, callback_data.channel, edit=True)


async def make_link(
    callback: CallbackQuery,
    callback_data: LinkCb,
    message: Message,
    bot: Bot,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """The link as text (to copy into an e-mail) and as a QR code PNG for print."""
    role = _ROLES.get(callback_data.role)
    if role is None:
        raise DomainError("invalid_choice")
    made = await recruitment.link(uow, user, role, callback_data.channel)
    await callback.answer()
    me = await bot.me()
    url = recruitment.deep_link(me.username or "", made.payload)
    png = await asyncio.to_thread(qr_png, url, made.programme.name)
    caption = "\n".join(
        [
            "<b>"
            + _("{channel} · {role}").format(
                channel=channel_label(made.channel), role=_role_label(role)
            )
            + "</b>",
            url,
            _("The QR code is sized for print, with the name of {programme} under it.").format(
                programme=q(made.programme.name, locale)
            ),
        ]
    )
    await message.answer_document(
        BufferedInputFile(png, filename=f"qr-{made.payload}.png"),
        caption=caption,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[link_button("⬅️ " + _("Channels"), LinkAction.LIST), home_button()]]
        ),
    )


async def list_pressed(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, state: FSMContext
) -> None:
    await callback.answer()
    await state.set_state(None)
    await show_channels(message, uow, user)


async def ask_channel_name(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(LinkForm.channel_name)
    await message.answer(
        _("Type the name of the new channel, for example “Library Molenbeek”."),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[link_button("✖️ " + _("Cancel"), LinkAction.LIST)]]
        ),
    )


async def channel_name_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    """A usable name becomes the channel (the form closes); otherwise the form stays open
    and says why."""
    try:
        code = await recruitment.add_channel(uow, user, message.text)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await state.set_state(None)
    await show_roles(message, code)


# --- a buddy's "Invite a buddy" -----------------------------------------------------------


async def share(
    callback: CallbackQuery, message: Message, bot: Bot, uow: UnitOfWork, user: User
) -> None:
    """The "become a buddy" link, with Telegram's own share button."""
    made = await recruitment.buddy_share(uow, user)
    await callback.answer()
    me = await bot.me()
    url = recruitment.deep_link(me.username or "", made.payload)
    invitation = _("Become a buddy of a newcomer in Brussels, with me:")
    share_url = (
        f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(invitation, safe='')}"
    )
    await message.answer(
        "📣 "
        + _("Know someone who would like to be a buddy too? Send them this link:")
        + "\n"
        + url,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="📤 " + _("Share"), url=share_url)],
                [menu_button()],
            ]
        ),
    )


def create_router() -> Router:
    """The coordinators' links (commands and buttons for coordinators only)."""
    router = coordinator_router(__name__, commands={"links": show_channels}, buttons={})
    router.callback_query.register(list_pressed, LinkCb.filter(F.action == LinkAction.LIST))
    router.callback_query.register(channel_chosen, LinkCb.filter(F.action == LinkAction.CHANNEL))
    router.callback_query.register(make_link, LinkCb.filter(F.action == LinkAction.MAKE))
    router.callback_query.register(ask_channel_name, LinkCb.filter(F.action == LinkAction.NEW))
    router.message.register(
        channel_name_typed, LinkForm.channel_name, F.text, ~F.text.startswith("/")
    )
    return router


def create_share_router() -> Router:
    """A buddy's share button."""
    router = Router(name=__name__ + ".share")
    router.callback_query.register(
        share, ShareCb.filter(), Registered(profile_done=True), WithMessage()
    )
    return router
