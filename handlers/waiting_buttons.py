"""The buttons of waiting-list care and of sharing a recruitment link: the newcomer's
answers to "still looking?", and what a member's menu offers besides the usual (a paused
newcomer: "I'm ready again"; a buddy: "Invite a buddy")."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from storage.models import Role, User, UserStatus


class WaitAction(StrEnum):
    YES = "yes"  # still looking
    PAUSE = "pause"
    STOP = "stop"  # asks to confirm
    STOP_CONFIRMED = "stopy"
    READY = "ready"  # a paused newcomer is back on the list
    CONTINUE = "cont"  # go on with an unfinished profile


class WaitCb(CallbackData, prefix="wl"):
    action: WaitAction


class ShareCb(CallbackData, prefix="share"):
    """A buddy's "Invite a buddy": the link to share (`what` 0: the buddy link)."""

    what: int = 0


def wait_button(text: str, action: WaitAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=WaitCb(action=action).pack())


def member_rows(user: User | None) -> list[list[InlineKeyboardButton]]:
    """The menu's extra rows for this person (none for most)."""
    if user is None:
        return []
    if user.role == Role.NEWCOMER.value and user.status == UserStatus.PAUSED.value:
        return [[wait_button("▶️ " + _("I'm ready again"), WaitAction.READY)]]
    if user.role == Role.BUDDY.value and user.status in (
        UserStatus.WAITING.value,
        UserStatus.MATCHED.value,
    ):
        return [
            [InlineKeyboardButton(text="📣 " + _("Invite a buddy"), callback_data=ShareCb().pack())]
        ]
    return []
