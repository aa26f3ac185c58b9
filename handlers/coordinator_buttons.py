"""The coordinator's buttons and keyboards, the role filter and the lists other areas extend.

Every coordinator button is a `CoordCb` whose `action` names what it does; the values are
the short codes buttons already in chats carry, so those keep working. Codes no longer in
use ("pp", "ok") fail to parse and get the "out of date" answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from aiogram import F, Router
from aiogram.filters import BaseFilter, Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject
from aiogram.utils.i18n import gettext as _

from domain.pairs import PAUSE_WEEKS
from domain.staff import is_coordinator
from handlers.broadcast_buttons import BcAction, BcCb
from handlers.common import Handler, on_button
from handlers.event_buttons import EvAction, EvCb
from handlers.filters import WithMessage
from handlers.texts import end_reason_label
from storage.models import EndReason, Pair, PairStatus, User

# Every coordinator command (the refusal router answers anybody else who sends one, and a
# test sends each as a newcomer and as a buddy).
COORDINATOR_COMMANDS: tuple[str, ...] = (
    "coord",
    "waiting",
    "matchall",
    "pairs",
    "coordinators",
    "invite",
    "broadcast",
    "broadcasts",
    "newevent",
    "events",
)
# End reasons by their index in an END_WITH_REASON button (an index keeps the data short).
END_REASONS = [reason.value for reason in EndReason]


class CoordAction(StrEnum):
    HOME = "home"
    WAITING = "wl"  # id: page
    PERSON = "nc"  # id: person
    SUGGESTIONS = "sg"  # id: newcomer
    CONFIRM = "mt"  # id: newcomer, arg: buddy
    PROPOSE_ALL = "all"
    CONFIRM_ALL = "okall"
    PAIRS = "pairs"
    PAIR = "pr"  # id: pair
    PAUSE = "pa"  # id: pair, arg: weeks
    RESUME = "rs"  # id: pair
    END = "en"  # id: pair; asks for the reason
    END_WITH_REASON = "ex"  # id: pair, arg: index in END_REASONS
    REMATCH = "rm"  # id: pair
    NOTE = "nt"  # id: person
    DEACTIVATE = "de"  # id: person; asks to confirm
    DEACTIVATE_CONFIRMED = "dey"  # id: person
    COORDINATORS = "cl"
    INVITE = "inv"
    REMOVE_COORDINATOR = "crm"  # id: person


class CoordCb(CallbackData, prefix="co"):
    """Every coordinator button. `id` names a person, pair or page; `arg` a second value."""

    action: CoordAction
    id: int = 0
    arg: int = 0


class IsCoordinator(BaseFilter):
    """Passes for active coordinators (and admins) only."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return is_coordinator(user)


def coordinator_router(
    name: str,
    *,
    commands: Mapping[str, Handler] | None = None,
    buttons: Mapping[CoordAction, Handler],
) -> Router:
    """A router for coordinators only: `commands` maps a command (without "/") to its
    handler, `buttons` each CoordAction to what the button does; the button is answered
    and its message passed first, as a command's message is (see `on_button`), so a
    screen serves a command and a button alike."""
    router = Router(name=name)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator(), WithMessage())
    for command, handler in (commands or {}).items():
        router.message.register(handler, Command(command))
    for action, pressed in buttons.items():
        router.callback_query.register(on_button(pressed), CoordCb.filter(F.action == action))
    return router


def button(text: str, action: CoordAction, id: int = 0, arg: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=CoordCb(action=action, id=id, arg=arg).pack()
    )


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A keyboard of the non-empty rows."""
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def home_keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            button("📋 " + _("Waiting list"), CoordAction.WAITING),
            button("🧩 " + _("Propose all matches"), CoordAction.PROPOSE_ALL),
        ],
        [
            button("🤝 " + _("Pairs"), CoordAction.PAIRS),
            button("👥 " + _("Coordinators"), CoordAction.COORDINATORS),
        ],
        [
            InlineKeyboardButton(
                text="📣 " + _("Broadcast"), callback_data=BcCb(action=BcAction.NEW).pack()
            ),
            InlineKeyboardButton(
                text="🎉 " + _("Events"), callback_data=EvCb(action=EvAction.LIST).pack()
            ),
        ],
    )


def waiting_keyboard(
    people: Sequence[tuple[int, User]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """Two people per row (by their number on the list), then the page arrows."""
    buttons = [
        button(f"{number}. {person.first_name or '?'}", CoordAction.PERSON, person.id)
        for number, person in people
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    navigation = []
    if page > 0:
        navigation.append(button("⬅️", CoordAction.WAITING, page - 1))
    if page < pages - 1:
        navigation.append(button("➡️", CoordAction.WAITING, page + 1))
    return markup(*rows, navigation)


def person_keyboard(person: User, coordinator: User) -> InlineKeyboardMarkup:
    rows = []
    if person.role == "newcomer" and person.status == "waiting":
        rows.append([button("🔎 " + _("Suggestions"), CoordAction.SUGGESTIONS, person.id)])
    rows.append([button("📝 " + _("Add a note"), CoordAction.NOTE, person.id)])
    if person.status != "inactive" and person.id != coordinator.id:
        rows.append([button("🚫 " + _("Deactivate"), CoordAction.DEACTIVATE, person.id)])
    return markup(*rows)


def suggestions_keyboard(newcomer: User, buddies: Sequence[User]) -> InlineKeyboardMarkup:
    return markup(
        *(
            [
                button(
                    "✅ " + _("Choose {name}").format(name=buddy.first_name or "?"),
                    CoordAction.CONFIRM,
                    newcomer.id,
                    buddy.id,
                )
            ]
            for buddy in buddies
        )
    )


def proposals_keyboard(numbered: Sequence[tuple[int, int, int]]) -> InlineKeyboardMarkup:
    """(number, newcomer id, buddy id) of each proposal shown; five to a row."""
    buttons = [
        button(f"✅ {number}", CoordAction.CONFIRM, newcomer_id, buddy_id)
        for number, newcomer_id, buddy_id in numbered
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([button("✅ " + _("Confirm all"), CoordAction.CONFIRM_ALL)])
    return markup(*rows)


def pairs_keyboard(labelled: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    return markup(
        *([button(f"#{pair_id} {label}", CoordAction.PAIR, pair_id)] for pair_id, label in labelled)
    )


def pair_keyboard(pair: Pair, newcomer: User | None, buddy: User | None) -> InlineKeyboardMarkup:
    pause_labels = {2: _("2 weeks"), 4: _("1 month"), 8: _("2 months")}
    rows: list[list[InlineKeyboardButton]] = []
    if pair.status == PairStatus.ACTIVE.value:
        rows.append(
            [
                button("⏸ " + pause_labels[weeks], CoordAction.PAUSE, pair.id, weeks)
                for weeks in PAUSE_WEEKS
            ]
        )
    elif pair.status == PairStatus.PAUSED.value:
        rows.append([button("▶️ " + _("Resume"), CoordAction.RESUME, pair.id)])
    rows.append(
        [
            button("⏹ " + _("End"), CoordAction.END, pair.id),
            button("🔁 " + _("Rematch"), CoordAction.REMATCH, pair.id),
        ]
    )
    people = [
        button("👤 " + (person.first_name or "?"), CoordAction.PERSON, person.id)
        for person in (newcomer, buddy)
        if person is not None
    ]
    return markup(*rows, people)


def end_reasons_keyboard(pair_id: int) -> InlineKeyboardMarkup:
    return markup(
        *(
            [button(end_reason_label(reason), CoordAction.END_WITH_REASON, pair_id, index)]
            for index, reason in enumerate(END_REASONS)
        )
    )


def deactivate_keyboard(person: User) -> InlineKeyboardMarkup:
    return markup(
        [button("🚫 " + _("Yes, deactivate"), CoordAction.DEACTIVATE_CONFIRMED, person.id)]
    )


def coordinators_keyboard(people: Sequence[User], coordinator: User) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                "➖ " + (person.first_name or str(person.telegram_id)),
                CoordAction.REMOVE_COORDINATOR,
                person.id,
            )
        ]
        for person in people
        if person.id != coordinator.id
    ]
    rows.append([button("➕ " + _("Invite a coordinator"), CoordAction.INVITE)])
    return markup(*rows)


# Callback prefixes only coordinators may press; the refusal router answers everyone else.
COORDINATOR_PREFIXES = frozenset(cls.__prefix__ for cls in (CoordCb, BcCb, EvCb))
