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
from handlers.inbox_buttons import StaffInboxCb
from handlers.links_buttons import links_button
from handlers.offers_buttons import organisations_button
from handlers.placements_buttons import post_button
from handlers.report_buttons import ReportCb, report_button
from handlers.texts import end_reason_label
from handlers.voice_buttons import voices_button
from storage.models import CLOSED_PAIR, EndReason, Pair, PairStatus, User

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
    "report",
    "verify",
    "voices",
    "links",
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
    COMPLETE = "cp"  # id: pair; asks to confirm
    COMPLETE_CONFIRMED = "cpy"  # id: pair
    REMATCH = "rm"  # id: pair
    NOTE = "nt"  # id: person
    DEACTIVATE = "de"  # id: person; asks to confirm
    DEACTIVATE_CONFIRMED = "dey"  # id: person
    COORDINATORS = "cl"
    INVITE = "inv"
    REMOVE_COORDINATOR = "crm"  # id: person
    # The pair file (handlers/coordinator_pair_file.py); PAIR opens it.
    PAIR_HOURS = "ph"  # id: pair, arg: page of the ledger
    PAIR_MEETUPS = "pm"  # id: pair
    RESOLVE = "rv"  # id: disputed entry; shows how to settle it
    RESOLVE_TAKE = "rt"  # id: disputed entry, arg: 1 the newcomer's hours, 2 the buddy's
    RESOLVE_SET = "rh"  # id: disputed entry; opens the duration picker
    LOG_HOURS = "lh"  # id: pair; opens the form to enter hours for the pair
    LOG_KIND = "lk"  # id: pair, arg: index in ACTIVITY_KINDS
    FORM_CANCEL = "fc"  # id: pair; leaves the pair file's form
    MESSAGE_PAIR = "mp"  # id: pair
    PROOF = "cert"  # id: pair; a new proof of participation for its newcomer
    # When no buddy fits (handlers/coordinator_matching.py).
    OVERRIDE = "ov"  # id: newcomer, arg: buddy; asks to confirm a match anyway
    OVERRIDE_CONFIRMED = "ovy"  # id: newcomer, arg: buddy
    ASK_RELAX = "rx"  # id: newcomer; asks them whether any buddy is fine


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
        [report_button(), voices_button()],
        [links_button()],
        [post_button()],  # duo volunteering (handlers/placements.py)
        [organisations_button()],  # partner organisations and offers (handlers/partners.py)
    )


def waiting_keyboard(
    people: Sequence[tuple[int, int, str | None]], page: int, pages: int
) -> InlineKeyboardMarkup:
    """Two people per row (number on the list, person id, first name), then the page
    arrows."""
    buttons = [
        button(f"{number}. {name or '?'}", CoordAction.PERSON, person_id)
        for number, person_id, name in people
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    navigation = []
    if page > 0:
        navigation.append(button("⬅️", CoordAction.WAITING, page - 1))
    if page < pages - 1:
        navigation.append(button("➡️", CoordAction.WAITING, page + 1))
    return markup(*rows, navigation, [home_button()])


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
        ),
        newcomer_nav_row(newcomer),
    )


def newcomer_nav_row(newcomer: User) -> list[InlineKeyboardButton]:
    """Back to the newcomer's card or the waiting list, and home: the last row of every
    screen about matching one newcomer."""
    return [
        button("⬅️ " + (newcomer.first_name or "?"), CoordAction.PERSON, newcomer.id),
        button("📋 " + _("Waiting list"), CoordAction.WAITING),
        home_button(),
    ]


def no_fit_keyboard(newcomer: User, nearest: Sequence[User], *, ask: bool) -> InlineKeyboardMarkup:
    """No buddy fits: match one of the nearest anyway, with `ask` ask the newcomer to
    widen their wish, back and home."""
    return markup(
        *(
            [
                button(
                    "⚠️ " + _("Match with {name} anyway").format(name=buddy.first_name or "?"),
                    CoordAction.OVERRIDE,
                    newcomer.id,
                    buddy.id,
                )
            ]
            for buddy in nearest
        ),
        (
            [button("💬 " + _("Ask whether any buddy is fine"), CoordAction.ASK_RELAX, newcomer.id)]
            if ask
            else []
        ),
        newcomer_nav_row(newcomer),
    )


def override_keyboard(newcomer: User, buddy: User) -> InlineKeyboardMarkup:
    """Confirm a match anyway, or go back to the suggestions."""
    return markup(
        [
            button(
                "✅ " + _("Yes, match anyway"),
                CoordAction.OVERRIDE_CONFIRMED,
                newcomer.id,
                buddy.id,
            )
        ],
        [button("⬅️ " + _("Suggestions"), CoordAction.SUGGESTIONS, newcomer.id)],
        newcomer_nav_row(newcomer),
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


def pairs_keyboard(
    labelled: Sequence[tuple[int, str]], page: int = 0, pages: int = 1
) -> InlineKeyboardMarkup:
    """A button per pair (id, label), then the page arrows."""
    navigation = []
    if page > 0:
        navigation.append(button("⬅️", CoordAction.PAIRS, page - 1))
    if page < pages - 1:
        navigation.append(button("➡️", CoordAction.PAIRS, page + 1))
    return markup(
        *(
            [button(f"#{pair_id} {label}", CoordAction.PAIR, pair_id)]
            for pair_id, label in labelled
        ),
        navigation,
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
    rows.append([button("🎓 " + _("Close as completed"), CoordAction.COMPLETE, pair.id)])
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


def complete_keyboard(pair_id: int) -> InlineKeyboardMarkup:
    return markup(
        [button("🎓 " + _("Yes, completed"), CoordAction.COMPLETE_CONFIRMED, pair_id)],
        file_nav_row(pair_id),
    )


def target_reached_markup(pair_id: int) -> InlineKeyboardMarkup:
    """Under the alert that a pair reached its target: close it, or look at it first."""
    return markup(
        [button("🎓 " + _("Close as completed"), CoordAction.COMPLETE, pair_id)],
        [button("📂 " + _("Pair file"), CoordAction.PAIR, pair_id)],
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


# --- the pair file -------------------------------------------------------------------------

# The pair file's forms use the shared pickers (handlers/pickers.py) in these contexts, which
# only coordinators may press (the refusal router answers everyone else).
RESOLVE_PICKER = "cres"
LOG_PICKER = "clog"
COORDINATOR_PICKER_CONTEXTS = frozenset({RESOLVE_PICKER, LOG_PICKER})


def home_button() -> InlineKeyboardButton:
    return button("🏠 " + _("Home"), CoordAction.HOME)


def pair_file_markup(pair_id: int) -> InlineKeyboardMarkup:
    """The button under an alert about a pair: its file."""
    return markup([button("📂 " + _("Pair file"), CoordAction.PAIR, pair_id)])


def file_nav_row(pair_id: int) -> list[InlineKeyboardButton]:
    """Back to the pair file, and home: the last row of every screen of the file."""
    return [button("⬅️ " + _("Pair file"), CoordAction.PAIR, pair_id), home_button()]


def pairs_nav_row() -> list[InlineKeyboardButton]:
    """Back to the list of pairs, and home."""
    return [button("⬅️ " + _("Pairs"), CoordAction.PAIRS), home_button()]


def form_cancel_row(pair_id: int) -> list[InlineKeyboardButton]:
    """Under a form of the pair file: leave it (back to the file), or go home."""
    return [button("✖ " + _("Cancel"), CoordAction.FORM_CANCEL, pair_id), home_button()]


def with_rows(
    keyboard: InlineKeyboardMarkup, *rows: list[InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    """`keyboard` with `rows` added below."""
    return markup(*keyboard.inline_keyboard, *rows)


def pair_file_keyboard(
    pair: Pair,
    newcomer: User | None,
    buddy: User | None,
    disputes: Sequence[tuple[int, str]],
    *,
    proof: bool = False,
) -> InlineKeyboardMarkup:
    """The pair file: details, a button per dispute to settle (entry id, label), entering
    hours, a message to the pair, the changes to the pair, both people, with `proof` a
    new proof of participation for the newcomer, back and home."""
    rows = [
        [
            button("📒 " + _("Hours"), CoordAction.PAIR_HOURS, pair.id),
            button("📅 " + _("Meetups"), CoordAction.PAIR_MEETUPS, pair.id),
        ],
        *([button("⚖️ " + label, CoordAction.RESOLVE, entry_id)] for entry_id, label in disputes),
    ]
    message = button("✉️ " + _("Message the pair"), CoordAction.MESSAGE_PAIR, pair.id)
    if pair.status in CLOSED_PAIR:
        rows.append([message])
        rows.append(
            [
                button("👤 " + (person.first_name or "?"), CoordAction.PERSON, person.id)
                for person in (newcomer, buddy)
                if person is not None
            ]
        )
    else:
        rows.append([button("➕ " + _("Log hours"), CoordAction.LOG_HOURS, pair.id), message])
        rows.extend(pair_keyboard(pair, newcomer, buddy).inline_keyboard)
    if proof:
        rows.append([button("📄 " + _("Proof of participation"), CoordAction.PROOF, pair.id)])
    return markup(*rows, pairs_nav_row())


def ledger_keyboard(
    pair_id: int, page: int, pages: int, disputes: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """A page of the ledger: settle a disputed entry shown (entry id, label), the pages."""
    pages_row = []
    if page > 0:
        pages_row.append(button("◀️", CoordAction.PAIR_HOURS, pair_id, page - 1))
    if page < pages - 1:
        pages_row.append(button("▶️", CoordAction.PAIR_HOURS, pair_id, page + 1))
    return markup(
        *([button("⚖️ " + label, CoordAction.RESOLVE, entry_id)] for entry_id, label in disputes),
        pages_row,
        file_nav_row(pair_id),
    )


def resolve_keyboard(
    entry_id: int, pair_id: int, takes: Sequence[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """Settle a dispute: take one side's figure (arg, label), or set the hours."""
    return markup(
        *([button(label, CoordAction.RESOLVE_TAKE, entry_id, arg)] for arg, label in takes),
        [button("⏱ " + _("Set the hours"), CoordAction.RESOLVE_SET, entry_id)],
        file_nav_row(pair_id),
    )


def person_pairs_keyboard(
    person: User, coordinator: User, pair_ids: Sequence[int]
) -> InlineKeyboardMarkup:
    """A person's card with a button to the file of each pair they are in."""
    return with_rows(
        person_keyboard(person, coordinator),
        *(
            [button("📂 " + _("Pair file") + f" #{pair_id}", CoordAction.PAIR, pair_id)]
            for pair_id in pair_ids
        ),
    )


# Callback prefixes only coordinators may press; the refusal router answers everyone else.
COORDINATOR_PREFIXES = frozenset(
    cls.__prefix__ for cls in (CoordCb, BcCb, EvCb, StaffInboxCb, ReportCb)
)
