"""The buttons of the coordinators' recruitment links (handlers/links.py): kept apart so
the home screen and alerts can offer "🔗 Links" without importing the screens."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _


class LinkAction(StrEnum):
    LIST = "ls"  # the channels
    CHANNEL = "ch"  # channel: asks for the role
    MAKE = "mk"  # channel, role: the link and its QR code
    NEW = "new"  # asks for a new channel's name


class LinkCb(CallbackData, prefix="ln"):
    """`channel` is the channel's code (24 characters at most), `role` `nc` or `bd`."""

    action: LinkAction
    channel: str = ""
    role: str = ""


def link_button(
    text: str, action: LinkAction, channel: str = "", role: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=LinkCb(action=action, channel=channel, role=role).pack()
    )


def links_button() -> InlineKeyboardButton:
    return link_button("🔗 " + _("Recruitment links"), LinkAction.LIST)
