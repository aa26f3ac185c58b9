"""Buttons of being heard: writing to the coordinators, reporting a concern, writing to
one's partner, and the coordinators' answers and concern steps."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import MenuAction, MenuCb
from handlers.i18n import isolate
from storage.models import ConcernKind


class Inbox(StatesGroup):
    """Steps that take whatever the person sends next (text, voice note, photo...)."""

    writing = State()  # to the coordinators
    concern_details = State()  # data: kind
    to_partner = State()  # data: pair
    answering = State()  # a coordinator's answer; data: person


class HelpAction(StrEnum):
    WRITE = "w"  # write to the coordinators
    SEND = "s"  # id: the person's own message to send on
    CONCERN = "c"  # the concern kinds
    CANCEL = "x"


class HelpCb(CallbackData, prefix="hp"):
    """A person's buttons for reaching the coordinators (their own messages only)."""

    action: HelpAction
    id: int = 0


class ConcernCb(CallbackData, prefix="cn"):
    """A concern kind, or `send` to report without words."""

    kind: str


SEND_NOW = "_send"


class RelayCb(CallbackData, prefix="rl"):
    """Write to one's partner through the bot (`pair`: the pair it is for)."""

    pair: int


class PassOnCb(CallbackData, prefix="pm"):
    """Send one of the person's own messages (`message`: its id in their chat with the bot)
    to their partner (`pair`)."""

    pair: int
    message: int


class StaffAction(StrEnum):
    ANSWER = "r"  # id: person
    ACKNOWLEDGE = "a"  # id: concern
    CLOSE = "c"  # id: concern
    PAIR_FILE = "pf"  # id: pair (from the forum group: the file goes to the private chat)


class StaffInboxCb(CallbackData, prefix="ib"):
    """A coordinator's buttons on people's messages and concerns."""

    action: StaffAction
    id: int


def _row(*buttons: InlineKeyboardButton) -> list[InlineKeyboardButton]:
    return list(buttons)


def send_offer(message_id: int) -> InlineKeyboardMarkup:
    """Send what the person just wrote to the coordinators, or go back to the menu."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _row(
                InlineKeyboardButton(
                    text="📨 " + _("Send it to the coordinator"),
                    callback_data=HelpCb(action=HelpAction.SEND, id=message_id).pack(),
                )
            ),
            _row(menu_button()),
        ]
    )


def send_offer_in_pair(
    message_id: int, pair_id: int, partner_name: str, locale: str
) -> InlineKeyboardMarkup:
    """Send what the person just wrote to their partner or to the coordinators, or go back
    to the menu."""
    to_partner = InlineKeyboardButton(
        text="✉️ " + _("Send it to {name}").format(name=isolate(partner_name, locale)),
        callback_data=PassOnCb(pair=pair_id, message=message_id).pack(),
    )
    offer = send_offer(message_id)
    return InlineKeyboardMarkup(inline_keyboard=[[to_partner], *offer.inline_keyboard])


def menu_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text="🏠 " + _("Menu"), callback_data=MenuCb(action=MenuAction.HOME).pack()
    )


def cancel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _row(
                InlineKeyboardButton(
                    text="✖ " + _("Cancel"), callback_data=HelpCb(action=HelpAction.CANCEL).pack()
                )
            )
        ]
    )


def reach_buttons() -> list[list[InlineKeyboardButton]]:
    """The two ways to reach a person: write to the coordinator, report a concern."""
    return [
        _row(
            InlineKeyboardButton(
                text="💬 " + _("Write to the coordinator"),
                callback_data=HelpCb(action=HelpAction.WRITE).pack(),
            )
        ),
        _row(
            InlineKeyboardButton(
                text="🚩 " + _("Report a concern"),
                callback_data=HelpCb(action=HelpAction.CONCERN).pack(),
            )
        ),
    ]


def concern_kinds(*, role: str | None, has_pair: bool) -> InlineKeyboardMarkup:
    rows = []
    if has_pair:
        about = _("About my newcomer") if role == "buddy" else _("About my buddy")
        rows.append(
            _row(
                InlineKeyboardButton(
                    text="👥 " + about, callback_data=ConcernCb(kind=ConcernKind.PARTNER).pack()
                )
            )
        )
    rows.append(
        _row(
            InlineKeyboardButton(
                text="⚠️ " + _("I feel unsafe"),
                callback_data=ConcernCb(kind=ConcernKind.UNSAFE).pack(),
            )
        )
    )
    rows.append(
        _row(
            InlineKeyboardButton(
                text="🤝 " + _("I need help with something else"),
                callback_data=ConcernCb(kind=ConcernKind.OTHER).pack(),
            )
        )
    )
    rows.append(_row(menu_button()))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def concern_details_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _row(
                InlineKeyboardButton(
                    text="📨 " + _("Send without words"),
                    callback_data=ConcernCb(kind=SEND_NOW).pack(),
                )
            ),
            _row(
                InlineKeyboardButton(
                    text="✖ " + _("Cancel"), callback_data=HelpCb(action=HelpAction.CANCEL).pack()
                )
            ),
        ]
    )


def answer_coordinator_keyboard() -> InlineKeyboardMarkup:
    """Under a coordinator's message to a person."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _row(
                InlineKeyboardButton(
                    text="↩️ " + _("Answer"), callback_data=HelpCb(action=HelpAction.WRITE).pack()
                )
            )
        ]
    )


def write_to_partner(pair_id: int, name: str, locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text="✉️ " + _("Write to {name}").format(name=isolate(name, locale)),
        callback_data=RelayCb(pair=pair_id).pack(),
    )


def write_buttons(
    pair_id: int, name: str, username: str | None, locale: str
) -> list[list[InlineKeyboardButton]]:
    """Ways to write to one's partner: through the bot always, and straight to their chat
    when they have a public Telegram username."""
    rows = [[write_to_partner(pair_id, name, locale)]]
    if username:
        rows.append(
            [
                InlineKeyboardButton(
                    text="💬 " + _("Open a chat with {name}").format(name=isolate(name, locale)),
                    url=f"https://t.me/{username}",
                )
            ]
        )
    return rows


def staff_button(text: str, action: StaffAction, id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=StaffInboxCb(action=action, id=id).pack())


def answer_button(person_id: int, name: str, locale: str) -> InlineKeyboardButton:
    return staff_button(
        "↩️ " + _("Answer {name}").format(name=isolate(name, locale)), StaffAction.ANSWER, person_id
    )


def concern_keyboard(
    concern_id: int, *, person_id: int | None, name: str, locale: str
) -> InlineKeyboardMarkup:
    """A coordinator's steps for a concern (and an answer button outside the forum group,
    where writing in the topic is the answer)."""
    rows = [
        _row(
            staff_button("👀 " + _("I take it on"), StaffAction.ACKNOWLEDGE, concern_id),
            staff_button("✅ " + _("Close"), StaffAction.CLOSE, concern_id),
        )
    ]
    if person_id is not None:
        rows.append(_row(answer_button(person_id, name, locale)))
    return InlineKeyboardMarkup(inline_keyboard=rows)
