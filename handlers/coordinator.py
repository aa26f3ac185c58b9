"""Coordinators: the waiting list, suggestions with reasons, matches and pairs.

The whole router is behind the coordinator filter; `refusals` (included after it) answers
everyone else who sends a coordinator command or presses a coordinator button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from aiogram import Bot, F
from aiogram.filters import BaseFilter, Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain import coordination as service
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.errors import DomainError
from handlers.callbacks import CoordCb, coordinator_prefixes
from handlers.common import message_of, q
from handlers.i18n import endonym, fmt_date, fmt_number, isolate
from handlers.onboarding import summary_text
from handlers.routing import HandlerSet
from handlers.texts import (
    end_reason_label,
    error_text,
    municipality_label,
    reason_text,
    role_name,
    status_label,
)
from storage.models import EndReason, PairStatus, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# Every coordinator command; other modules extend it (the refusal router reads it when
# the routers are built, and a test sends each one as a newcomer and as a buddy).
COORDINATOR_COMMANDS: list[str] = [
    "coord",
    "waiting",
    "matchall",
    "pairs",
    "coordinators",
    "invite",
]
# Buttons other areas add to the home screen, each built in the current language.
HOME_BUTTONS: list[Callable[[], InlineKeyboardButton]] = []
PAGE = 10
END_REASONS = [reason.value for reason in EndReason]


class IsCoordinator(BaseFilter):
    """Passes for active coordinators (and admins) only."""

    async def __call__(self, event: Any, user: User | None = None) -> bool:
        return service.is_coordinator(user)


router = HandlerSet(__name__)
router.message.filter(IsCoordinator())
router.callback_query.filter(IsCoordinator())
refusals = HandlerSet(__name__ + ".refusals")
invites = HandlerSet(__name__ + ".invites")


class CoordinatorInput(StatesGroup):
    note = State()


def _button(text: str, action: str, id: int = 0, arg: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=CoordCb(action=action, id=id, arg=arg).pack()
    )


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


async def _send(target: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await target.answer(text, reply_markup=markup)


# --- home ---------------------------------------------------------------------------------


async def show_home(
    target: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    view = await service.overview(uow, user, clock.now())
    lines = ["<b>" + _("Coordination") + "</b>", ""]
    if not view.waiting:
        lines.append(_("Nobody is waiting. 🎉"))
    else:
        lines.append(
            ngettext(
                "{count} newcomer is waiting for a buddy.",
                "{count} newcomers are waiting for a buddy.",
                len(view.waiting),
            ).format(count=isolate(len(view.waiting), locale))
        )
    if view.waiting:
        longest = view.waiting[0]
        lines.append(
            ngettext(
                "The longest wait: {count} day.",
                "The longest wait: {count} days.",
                longest.days_waiting,
            ).format(count=isolate(longest.days_waiting, locale))
        )
        languages = ", ".join(
            f"{endonym(code)} {isolate(n, locale)}" for code, n in view.by_language
        )
        places = ", ".join(
            f"{municipality_label(code, locale) if code != '?' else '?'} {isolate(n, locale)}"
            for code, n in view.by_municipality
        )
        lines.append(_("By language: {list}").format(list=languages))
        lines.append(_("By municipality: {list}").format(list=places))
    rare = await service.rarely_meeting(uow, user, clock.now(), tz)
    if rare:
        lines.append("")
        lines.append(
            ngettext(
                "{count} pair met fewer than 2 times this month: {pairs}",
                "{count} pairs met fewer than 2 times this month: {pairs}",
                len(rare),
            ).format(
                count=isolate(len(rare), locale),
                pairs=", ".join(f"#{pair.id}" for pair in rare[:20]),
            )
        )
    free = sum(b.free_places for b in view.buddies)
    lines.append("")
    lines.append(
        ngettext(
            "{count} buddy has free places ({places} in total).",
            "{count} buddies have free places ({places} in total).",
            len(view.buddies),
        ).format(count=isolate(len(view.buddies), locale), places=isolate(free, locale))
    )
    markup = _markup(
        [
            _button("📋 " + _("Waiting list"), "wl"),
            _button("🧩 " + _("Propose all matches"), "all"),
        ],
        [_button("🤝 " + _("Pairs"), "pairs"), _button("👥 " + _("Coordinators"), "cl")],
        [make() for make in HOME_BUTTONS],
    )
    await _send(target, "\n".join(lines), markup)


@router.message(CommandStart())
@router.message(Command("coord"))
async def home_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    await show_home(message, uow, user, clock, tz, locale)


# --- waiting list and one newcomer ---------------------------------------------------------


async def show_waiting(
    target: Message, uow: UnitOfWork, user: User, clock: Clock, locale: str, page: int = 0
) -> None:
    view = await service.overview(uow, user, clock.now())
    if not view.waiting:
        await _send(target, _("Nobody is waiting. 🎉"))
        return
    pages = max(1, (len(view.waiting) + PAGE - 1) // PAGE)
    page = min(max(page, 0), pages - 1)
    chunk = view.waiting[page * PAGE : (page + 1) * PAGE]
    lines = ["<b>" + _("Waiting list") + "</b> (" + f"{page + 1}/{pages}" + ")", ""]
    buttons = []
    for number, waiting in enumerate(chunk, start=page * PAGE + 1):
        person = waiting.person
        days = ngettext("{count} day", "{count} days", waiting.days_waiting).format(
            count=isolate(waiting.days_waiting, locale)
        )
        where = municipality_label(person.municipality, locale) if person.municipality else "?"
        lines.append(
            f"{number}. {q(person.first_name or '?', locale)} · {endonym(person.contact_language)}"
            f" · {where} · {days}"
        )
        buttons.append(_button(f"{number}. {person.first_name or '?'}", "nc", person.id))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    navigation = []
    if page > 0:
        navigation.append(_button("⬅️", "wl", page - 1))
    if page < pages - 1:
        navigation.append(_button("➡️", "wl", page + 1))
    await _send(target, "\n".join(lines), _markup(*rows, navigation))


@router.message(Command("waiting"))
async def waiting_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    await show_waiting(message, uow, user, clock, locale)


async def show_person(
    target: Message, uow: UnitOfWork, user: User, person_id: int, tz: tzinfo, locale: str
) -> None:
    person = await service.person_in_programme(uow, user, person_id)
    notes = await service.notes(uow, user, person.id)
    lines = [summary_text(person, locale), ""]
    lines.append(
        _("Role: {role} · status: {status}").format(
            role=role_name(person.role), status=status_label(person.status)
        )
    )
    lines.append(_("Language: {language}").format(language=endonym(person.contact_language)))
    if person.waiting_since and person.status == "waiting":
        lines.append(
            _("Waiting since {date}").format(date=fmt_date(person.waiting_since, locale, tz))
        )
    if not person.reachable:
        lines.append("⚠️ " + _("This person blocked the bot."))
    if notes:
        lines.append("")
        lines.append("<b>" + _("Notes") + "</b>")
        for note in notes[-5:]:
            lines.append(
                f"• {fmt_date(note.created_at, locale, tz, 'short')}: {q(note.text, locale)}"
            )
    rows = []
    if person.role == "newcomer" and person.status == "waiting":
        rows.append([_button("🔎 " + _("Suggestions"), "sg", person.id)])
    rows.append([_button("📝 " + _("Add a note"), "nt", person.id)])
    if person.status != "inactive" and person.id != user.id:
        rows.append([_button("🚫 " + _("Deactivate"), "de", person.id)])
    await _send(target, "\n".join(lines), _markup(*rows))


async def show_suggestions(
    target: Message, uow: UnitOfWork, user: User, newcomer_id: int, clock: Clock, locale: str
) -> None:
    newcomer, ranked = await service.suggestions(uow, user, newcomer_id, clock.now())
    name = q(newcomer.first_name or "?", locale)
    if not ranked:
        await _send(target, _("No buddy fits {name} right now.").format(name=name))
        return
    lines = ["<b>" + _("Best buddies for {name}").format(name=name) + "</b>", ""]
    buttons = []
    for number, suggestion in enumerate(ranked, start=1):
        lines.append(
            _("{number}. {name}: score {score}").format(
                number=number,
                name=q(suggestion.buddy.first_name or "?", locale),
                score=fmt_number(suggestion.score.total, locale),
            )
        )
        for reason in suggestion.score.reasons:
            sign = "+" if reason.points > 0 else "−" if reason.points < 0 else "·"
            lines.append(f"   {sign} {reason_text(reason.key, reason.params, locale)}")
        buttons.append(
            [
                _button(
                    "✅ " + _("Choose {name}").format(name=suggestion.buddy.first_name or "?"),
                    "mt",
                    newcomer.id,
                    suggestion.buddy.id,
                )
            ]
        )
    await _send(target, "\n".join(lines), _markup(*buttons))


async def confirm_one(
    target: Message,
    uow: UnitOfWork,
    user: User,
    newcomer_id: int,
    buddy_id: int,
    clock: Clock,
    locale: str,
) -> bool:
    pair = await service.confirm_match(uow, user, newcomer_id, buddy_id, clock.now())
    newcomer = await uow.users.get(newcomer_id)
    buddy = await uow.users.get(buddy_id)
    await _send(
        target,
        "✅ "
        + _("{newcomer} and {buddy} are now a pair. Both will get an introduction.").format(
            newcomer=q(newcomer.first_name if newcomer else "?", locale),
            buddy=q(buddy.first_name if buddy else "?", locale),
        ),
    )
    return pair is not None


async def show_proposals(
    target: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock, locale: str
) -> None:
    proposals = await service.propose_all(uow, user, clock.now())
    if not proposals:
        await _send(
            target, _("There is nothing to propose: no waiting newcomer fits a free buddy.")
        )
        return
    await state.update_data(proposals=[[p.newcomer.id, p.buddy.id] for p in proposals])
    total = sum(p.score.total for p in proposals)
    lines = [
        "<b>" + _("Proposed matches") + "</b>",
        ngettext(
            "{count} pair, total score {score}.",
            "{count} pairs, total score {score}.",
            len(proposals),
        ).format(count=isolate(len(proposals), locale), score=fmt_number(total, locale)),
        "",
    ]
    buttons = []
    for number, proposal in enumerate(proposals, start=1):
        if number <= 30:
            lines.append(
                f"{number}. {q(proposal.newcomer.first_name or '?', locale)} ↔ "
                f"{q(proposal.buddy.first_name or '?', locale)} "
                f"({fmt_number(proposal.score.total, locale)})"
            )
            buttons.append(_button(f"✅ {number}", "ok", proposal.newcomer.id, proposal.buddy.id))
    if len(proposals) > 30:
        lines.append(_("… and {count} more.").format(count=isolate(len(proposals) - 30, locale)))
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([_button("✅ " + _("Confirm all"), "okall")])
    await _send(target, "\n".join(lines), _markup(*rows))


@router.message(Command("matchall"))
async def propose_command(
    message: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock, locale: str
) -> None:
    await show_proposals(message, uow, user, state, clock, locale)


async def confirm_all(
    target: Message, uow: UnitOfWork, user: User, state: FSMContext, clock: Clock, locale: str
) -> None:
    stored = (await state.get_data()).get("proposals") or []
    made = skipped = 0
    for newcomer_id, buddy_id in stored:
        try:
            async with uow.session.begin_nested():
                await service.confirm_match(uow, user, int(newcomer_id), int(buddy_id), clock.now())
            made += 1
        except DomainError:
            skipped += 1
    await state.update_data(proposals=[])
    text = ngettext(
        "✅ {count} pair was made. Everyone gets an introduction.",
        "✅ {count} pairs were made. Everyone gets an introduction.",
        made,
    ).format(count=isolate(made, locale))
    if skipped:
        text += "\n" + ngettext(
            "{count} proposal was no longer possible and was skipped.",
            "{count} proposals were no longer possible and were skipped.",
            skipped,
        ).format(count=isolate(skipped, locale))
    await _send(target, text)


# --- pairs ----------------------------------------------------------------------------------


async def show_pairs(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    pairs = await service.open_pairs(uow, user)
    if not pairs:
        await _send(target, _("There are no active pairs yet."))
        return
    lines = ["<b>" + _("Pairs") + "</b>", ""]
    buttons = []
    for pair, newcomer, buddy in pairs[:40]:
        paused = " ⏸" if pair.status == PairStatus.PAUSED.value else ""
        label = f"{newcomer.first_name if newcomer else '–'} ↔ {buddy.first_name if buddy else '–'}"
        lines.append(f"#{pair.id} {q(label, locale)}{paused}")
        buttons.append([_button(f"#{pair.id} {label}", "pr", pair.id)])
    await _send(target, "\n".join(lines), _markup(*buttons))


@router.message(Command("pairs"))
async def pairs_command(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    await show_pairs(message, uow, user, locale)


async def show_pair(
    target: Message, uow: UnitOfWork, user: User, pair_id: int, tz: tzinfo, locale: str
) -> None:
    pair = await service.pair_in_programme(uow, user, pair_id)
    newcomer = await uow.users.get(pair.newcomer_id) if pair.newcomer_id else None
    buddy = await uow.users.get(pair.buddy_id) if pair.buddy_id else None
    lines = [
        f"<b>#{pair.id}</b> {q(newcomer.first_name if newcomer else '–', locale)} ↔ "
        f"{q(buddy.first_name if buddy else '–', locale)}",
        _("Started on {date}").format(date=fmt_date(pair.started_at, locale, tz)),
    ]
    if pair.status == PairStatus.PAUSED.value and pair.paused_until:
        lines.append(
            "⏸ " + _("Paused until {date}").format(date=fmt_date(pair.paused_until, locale, tz))
        )
    rows: list[list[InlineKeyboardButton]] = []
    if pair.status == PairStatus.ACTIVE.value:
        rows.append(
            [
                _button("⏸ " + _("2 weeks"), "pa", pair.id, 2),
                _button("⏸ " + _("1 month"), "pa", pair.id, 4),
                _button("⏸ " + _("2 months"), "pa", pair.id, 8),
            ]
        )
    elif pair.status == PairStatus.PAUSED.value:
        rows.append([_button("▶️ " + _("Resume"), "rs", pair.id)])
    rows.append(
        [_button("⏹ " + _("End"), "en", pair.id), _button("🔁 " + _("Rematch"), "rm", pair.id)]
    )
    if newcomer:
        rows.append([_button("👤 " + (newcomer.first_name or "?"), "pp", newcomer.id)])
    if buddy:
        rows[-1].append(_button("👤 " + (buddy.first_name or "?"), "pp", buddy.id))
    await _send(target, "\n".join(lines), _markup(*rows))


def _end_reasons(pair_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, reason in enumerate(END_REASONS):
        builder.button(
            text=end_reason_label(reason), callback_data=CoordCb(action="ex", id=pair_id, arg=index)
        )
    builder.adjust(1)
    return builder.as_markup()


# --- coordinators -----------------------------------------------------------------------


async def show_coordinators(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    people = await service.coordinators(uow, user)
    lines = ["<b>" + _("Coordinators") + "</b>", ""]
    rows = []
    for person in people:
        lines.append(f"• {q(person.first_name or str(person.telegram_id), locale)}")
        if person.id != user.id:
            rows.append(
                [_button("➖ " + (person.first_name or str(person.telegram_id)), "crm", person.id)]
            )
    rows.append([_button("➕ " + _("Invite a coordinator"), "inv")])
    await _send(target, "\n".join(lines), _markup(*rows))


@router.message(Command("coordinators"))
async def coordinators_command(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    await show_coordinators(message, uow, user, locale)


async def make_invite(
    target: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    invite = await service.create_invite(uow, user, clock.now())
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=coord-{invite.token}"
    await _send(
        target,
        _("Send this one-time link to the new coordinator. It works for 7 days:") + f"\n{link}",
    )


@router.message(Command("invite"))
async def invite_command(
    message: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    await make_invite(message, bot, uow, user, clock, locale)


# --- notes ------------------------------------------------------------------------------------


@router.message(CoordinatorInput.note, F.text, ~F.text.startswith("/"))
async def note_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    person_id = int((await state.get_data()).get("note_for") or 0)
    try:
        await service.add_note(uow, user, person_id, message.text or "", clock.now())
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await state.set_state(None)
    await message.answer("📝 " + _("The note is saved. Only coordinators can see it."))


# --- every coordinator button ------------------------------------------------------------


@router.callback_query(CoordCb.filter())
async def pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    bot: Bot,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    bootstrap_coordinators: frozenset[int],
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    if message is None:
        await callback.answer()
        return
    action, ident, arg = callback_data.action, callback_data.id, callback_data.arg
    try:
        match action:
            case "wl":
                await show_waiting(message, uow, user, clock, locale, page=ident)
            case "nc" | "pp":
                await show_person(message, uow, user, ident, tz, locale)
            case "sg":
                await show_suggestions(message, uow, user, ident, clock, locale)
            case "mt" | "ok":
                await confirm_one(message, uow, user, ident, arg, clock, locale)
            case "all":
                await show_proposals(message, uow, user, state, clock, locale)
            case "okall":
                await confirm_all(message, uow, user, state, clock, locale)
            case "pairs":
                await show_pairs(message, uow, user, locale)
            case "pr":
                await show_pair(message, uow, user, ident, tz, locale)
            case "pa":
                await service.pause_pair(uow, user, ident, arg, clock.now())
                await message.answer("⏸ " + _("The pair is paused. Both were told."))
            case "rs":
                await service.resume_pair(uow, user, ident, clock.now())
                await message.answer("▶️ " + _("The pair is active again. Both were told."))
            case "en":
                await service.pair_in_programme(uow, user, ident)
                await message.answer(_("Why does this pair end?"), reply_markup=_end_reasons(ident))
            case "ex":
                if not 0 <= arg < len(END_REASONS):
                    raise DomainError("invalid_choice")
                await service.end_pair(uow, user, ident, END_REASONS[arg], clock.now())
                await message.answer("⏹ " + _("The pair has ended. Both were told."))
            case "rm":
                await service.end_pair(
                    uow, user, ident, EndReason.NOT_A_GOOD_MATCH.value, clock.now(), rematch=True
                )
                await message.answer(
                    "🔁 "
                    + _(
                        "The pair has ended; the newcomer is back at the front of the waiting list."
                    )
                )
            case "nt":
                await service.person_in_programme(uow, user, ident)
                await state.set_state(CoordinatorInput.note)
                await state.update_data(note_for=ident)
                await message.answer(_("Type the note (only coordinators will see it):"))
            case "de":
                person = await service.person_in_programme(uow, user, ident)
                await message.answer(
                    _("Deactivate {name}? Their pairs end and they leave every list.").format(
                        name=q(person.first_name or "?", locale)
                    ),
                    reply_markup=_markup([_button("🚫 " + _("Yes, deactivate"), "dey", person.id)]),
                )
            case "dey":
                await service.deactivate(uow, user, ident, clock.now())
                await message.answer("🚫 " + _("Deactivated."))
            case "cl":
                await show_coordinators(message, uow, user, locale)
            case "inv":
                await make_invite(message, bot, uow, user, clock, locale)
            case "crm":
                await service.remove_coordinator(uow, user, ident, bootstrap_coordinators)
                await message.answer(_("This person is no longer a coordinator."))
            case "home":
                await show_home(message, uow, user, clock, tz, locale)
            case _:
                raise DomainError("invalid_choice")
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()


# --- joining as a coordinator ------------------------------------------------------------


@invites.message(CommandStart(deep_link=True, magic=F.args.startswith("coord-")))
async def accept_invite(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    clock: Clock,
    i18n: I18n,
    user: User | None,
    tz: tzinfo,
    locale: str,
) -> None:
    token = (command.args or "")[len("coord-") :]
    try:
        person = await service.accept_invite(
            uow,
            telegram_id=message.chat.id,
            token=token,
            language=user.contact_language if user else locale,
            now=clock.now(),
        )
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    i18n.current_locale = person.contact_language
    await message.answer("👋 " + _("Welcome! You are now a coordinator of this programme."))
    await show_home(message, uow, person, clock, tz, person.contact_language)


# --- everyone else ----------------------------------------------------------------------------


async def _refuse(uow: UnitOfWork, user: User | None, telegram_id: int, attempt: str) -> None:
    """`attempt` is a known command or button prefix: what follows it is the person's."""
    privacy_service.audit_refusal(
        uow, "refused.coordinator_only", user, telegram_id, attempt=attempt
    )
    log.info("refused coordinator action %s to a non-coordinator", attempt)


def _command_name(message: Message) -> str:
    text = message.text or ""
    if not text.startswith("/") or len(text) < 2:
        return ""
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


def _is_coordinator_command(message: Message) -> bool:
    return _command_name(message) in COORDINATOR_COMMANDS


@refusals.message(_is_coordinator_command)
async def refuse_command(message: Message, uow: UnitOfWork, user: User | None, locale: str) -> None:
    await _refuse(uow, user, message.chat.id, "/" + _command_name(message))
    await message.answer(error_text("coordinators_only", {}, locale))


def _button_prefix(callback: CallbackQuery) -> str:
    return (callback.data or "").split(":", 1)[0]


def _is_coordinator_button(callback: CallbackQuery) -> bool:
    return _button_prefix(callback) in coordinator_prefixes()


@refusals.callback_query(_is_coordinator_button)
async def refuse_button(
    callback: CallbackQuery, uow: UnitOfWork, user: User | None, locale: str
) -> None:
    await _refuse(uow, user, callback.from_user.id, _button_prefix(callback))
    await callback.answer(error_text("coordinators_only", {}, locale), show_alert=True)
