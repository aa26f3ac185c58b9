"""Waiting-list care in the chat (domain/waiting.py): the check at 2, 6 and 12 weeks with
its answers, the reminder of an unfinished profile, "I'm ready again", and what the
coordinators are told (a newcomer left the list; no buddy fits one who waited long)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain import waiting
from domain.clock import Clock
from domain.notices import Notice
from handlers.common import answer_step, q
from handlers.coordinator_buttons import CoordAction, button, home_button
from handlers.filters import Registered, WithMessage
from handlers.i18n import isolate
from handlers.inbox_buttons import menu_button
from handlers.links_buttons import links_button
from handlers.notice_registry import notice
from handlers.onboarding import start_member, start_resume
from handlers.texts import block_count_text
from handlers.waiting_buttons import WaitAction, WaitCb, wait_button
from storage.models import User
from storage.uow import UnitOfWork

# --- what is pushed -----------------------------------------------------------------------


def _still_looking_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [wait_button("👍 " + _("Yes, still looking"), WaitAction.YES)],
            [
                wait_button("⏸ " + _("Pause"), WaitAction.PAUSE),
                wait_button("🚪 " + _("Stop"), WaitAction.STOP),
            ],
        ]
    )


@notice(Notice.WAITING_CHECK)
def check(params: dict[str, Any], locale: str) -> Rendered:
    weeks = int(params.get("weeks") or 0)
    text = "\n\n".join(
        [
            ngettext(
                "Hello {name}! You have been on the waiting list for {weeks} week.",
                "Hello {name}! You have been on the waiting list for {weeks} weeks.",
                weeks,
            ).format(name=q(params.get("name") or "", locale), weeks=isolate(weeks, locale)),
            _("You are number {position}. We are still looking for a buddy who fits you.").format(
                position=isolate(int(params.get("position") or 0), locale)
            ),
            "<b>" + _("Are you still looking for a buddy?") + "</b>",
        ]
    )
    return Rendered(text=text, reply_markup=_still_looking_keyboard())


@notice(Notice.PROFILE_UNFINISHED)
def unfinished(params: dict[str, Any], locale: str) -> Rendered:
    days = int(params.get("days") or 30)
    text = "\n\n".join(
        [
            _("Hello! You started signing up for the buddy programme."),
            _("A few answers are still missing. Tap “Continue” to finish: it takes two minutes."),
            ngettext(
                "If you do not finish, we erase your answers after {days} day.",
                "If you do not finish, we erase your answers after {days} days.",
                days,
            ).format(days=isolate(days, locale)),
        ]
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[wait_button("▶️ " + _("Continue"), WaitAction.CONTINUE)]]
    )
    return Rendered(text=text, reply_markup=markup)


def _newcomer_buttons(newcomer_id: int, name: str) -> list[Any]:
    return [
        button("👤 " + (name or "?"), CoordAction.PERSON, newcomer_id),
        button("📋 " + _("Waiting list"), CoordAction.WAITING),
        home_button(),
    ]


@notice(Notice.COORDINATOR_WAITING_LEFT)
def left(params: dict[str, Any], locale: str) -> Rendered:
    weeks = int(params.get("weeks") or 0)
    text = "🚪 " + ngettext(
        "{name} left the waiting list after {weeks} week: they no longer look for a buddy.",
        "{name} left the waiting list after {weeks} weeks: they no longer look for a buddy.",
        weeks,
    ).format(name=q(params.get("name") or "?", locale), weeks=isolate(weeks, locale))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button("📋 " + _("Waiting list"), CoordAction.WAITING), home_button()],
        ]
    )
    return Rendered(text=text, reply_markup=markup)


def blocker_text(key: str, count: int, name: str, locale: str) -> str:
    """How many buddies one block keeps from the newcomer `name` (isolated already)."""
    shown = isolate(count, locale)
    match key:
        case waiting.LANGUAGE:
            return ngettext(
                "{count} buddy with a free place speaks none of the languages of {name}.",
                "{count} buddies with a free place speak none of the languages of {name}.",
                count,
            ).format(count=shown, name=name)
        case waiting.AVAILABILITY:
            return ngettext(
                "{count} buddy with a free place is free at other times than {name}.",
                "{count} buddies with a free place are free at other times than {name}.",
                count,
            ).format(count=shown, name=name)
        case waiting.MUNICIPALITY:
            return ngettext(
                "{count} buddy with a free place lives in another municipality.",
                "{count} buddies with a free place live in another municipality.",
                count,
            ).format(count=shown)
    return block_count_text(key, count, name, locale)


@notice(Notice.COORDINATOR_NEWCOMER_BLOCKED)
def blocked(params: dict[str, Any], locale: str) -> Rendered | None:
    newcomer_id = int(params.get("newcomer_id") or 0)
    if not newcomer_id:
        return None  # the planner's own mark: nothing to send
    raw_name = str(params.get("name") or "?")
    name = q(raw_name, locale)
    weeks, buddies = int(params.get("weeks") or 0), int(params.get("buddies") or 0)
    counts: dict[str, int] = dict(params.get("counts") or {})
    lines = [
        "⏳ "
        + ngettext(
            "{name} has waited {weeks} week and no buddy fits.",
            "{name} has waited {weeks} weeks and no buddy fits.",
            weeks,
        ).format(name=name, weeks=isolate(weeks, locale))
    ]
    if not buddies:
        lines.append(_("No buddy can take a newcomer at the moment."))
    for key in waiting.BLOCKS:
        if counts.get(key):
            lines.append("• " + blocker_text(key, counts[key], name, locale))
    rows = [
        [button("🔎 " + _("Suggestions"), CoordAction.SUGGESTIONS, newcomer_id)],
        [links_button()],
        _newcomer_buttons(newcomer_id, raw_name),
    ]
    return Rendered(text="\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


# --- the newcomer's answers ---------------------------------------------------------------


def _menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])


async def still_looking(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    positions: list[int] = []

    async def step() -> None:
        positions.append(await waiting.still_looking(uow, user))

    if await answer_step(callback, locale, step):
        await message.edit_text(
            "👍 "
            + _(
                "Thank you! You stay number {position} on the list. "
                "We will write when we find a buddy."
            ).format(position=isolate(positions[0], locale)),
            reply_markup=_menu(),
        )


async def pause(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    if await answer_step(callback, locale, lambda: waiting.pause(uow, user)):
        await message.edit_text(
            "⏸ "
            + _(
                "Paused: we do not look for a buddy for you now, and you keep your place. "
                "Tap “I'm ready again” in the menu when you are."
            ),
            reply_markup=_menu(),
        )


async def stop_asked(callback: CallbackQuery, message: Message, user: User, locale: str) -> None:
    await callback.answer()
    await message.edit_text(
        _("Leave the waiting list? We will stop looking for a buddy for you."),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [wait_button("🚪 " + _("Yes, leave the list"), WaitAction.STOP_CONFIRMED)],
                [wait_button("👍 " + _("No, keep my place"), WaitAction.YES)],
            ]
        ),
    )


async def stopped(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    if await answer_step(callback, locale, lambda: waiting.stop(uow, user, clock.now())):
        await message.edit_text(
            "🚪 "
            + _(
                "You left the waiting list. Thank you for letting us know. "
                "You can still write to a coordinator from the menu."
            ),
            reply_markup=_menu(),
        )


async def ready(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    positions: list[int] = []

    async def step() -> None:
        positions.append(await waiting.ready_again(uow, user))

    if await answer_step(callback, locale, step):
        await message.answer(
            "▶️ "
            + _("Welcome back! You are number {position} on the waiting list again.").format(
                position=isolate(positions[0], locale)
            ),
            reply_markup=_menu(),
        )


async def resume(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """ "Continue" under the reminder: the next question, or the menu once finished."""
    await callback.answer()
    if user.profile_done_at is not None:
        await start_member(message, state, uow, user, locale)
        return
    await start_resume(message, state, user, locale)


def create_router() -> Router:
    router = Router(name=__name__)
    member = (Registered(), WithMessage())
    for action, handler in (
        (WaitAction.YES, still_looking),
        (WaitAction.PAUSE, pause),
        (WaitAction.STOP, stop_asked),
        (WaitAction.STOP_CONFIRMED, stopped),
        (WaitAction.READY, ready),
        (WaitAction.CONTINUE, resume),
    ):
        router.callback_query.register(handler, WaitCb.filter(F.action == action), *member)
    return router
