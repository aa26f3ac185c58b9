"""Reporting a concern, and the coordinators' steps for it (see domain.concerns)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import concerns
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.inbox import Copy
from domain.pairs import pair_of
from domain.staff import is_coordinator
from handlers.coordinator_buttons import IsCoordinator
from handlers.coordinator_pair_file import file_screen
from handlers.filters import Registered, WithMessage
from handlers.inbox import CAN_RELAY, NOT_COMMAND, InCoordinatorGroup, group_id, sent_keyboard
from handlers.inbox_buttons import (
    SEND_NOW,
    ConcernCb,
    HelpAction,
    HelpCb,
    Inbox,
    StaffAction,
    StaffInboxCb,
    concern_details_keyboard,
    concern_keyboard,
    concern_kinds,
)
from handlers.texts import error_text
from storage.models import Concern, ConcernKind, ConcernStatus, User
from storage.uow import UnitOfWork

KINDS = frozenset(kind.value for kind in ConcernKind)


async def choose_kind(
    callback: CallbackQuery, message: Message, state: FSMContext, uow: UnitOfWork, user: User
) -> None:
    """ "🚩 Report a concern": what it is about, by button."""
    await callback.answer()
    await state.clear()
    has_pair = await pair_of(uow, user) is not None
    await message.answer(
        "🚩 "
        + _("What is it about? Only the coordinators will know.")
        + ("\n" + _("Your buddy pair does not see this.") if has_pair else ""),
        reply_markup=concern_kinds(role=user.role, has_pair=has_pair),
    )


async def kind_chosen(
    callback: CallbackQuery,
    message: Message,
    callback_data: ConcernCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
) -> None:
    if callback_data.kind not in KINDS:
        raise DomainError("invalid_choice")
    kind = ConcernKind(callback_data.kind)
    await callback.answer()
    if kind.urgent:
        # Nobody who feels unsafe waits for a form: the coordinators are alerted now, and
        # whatever the person adds next goes to them too.
        await concerns.report(
            uow, user, kind, clock.now(), details=None, group_chat_id=group_id(settings)
        )
        await state.set_state(Inbox.writing)
        await message.answer(
            "🚨 "
            + _(
                "The coordinators have been alerted now. If you are in danger, call 112. "
                "You can add words or a voice message here."
            ),
            reply_markup=sent_keyboard(),
        )
        return
    await state.set_state(Inbox.concern_details)
    await state.update_data(kind=kind.value)
    await message.answer(
        "✍️ " + _("Tell us more in a few words or a voice message, or send it as it is."),
        reply_markup=concern_details_keyboard(),
    )


async def _reported(
    target: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    details: Copy | None,
) -> None:
    kind = ConcernKind(str((await state.get_data()).get("kind") or ConcernKind.OTHER.value))
    await concerns.report(
        uow, user, kind, clock.now(), details=details, group_chat_id=group_id(settings)
    )
    await state.clear()
    await target.answer(
        "🙏 " + _("Thank you for telling us. A coordinator will answer you here within a day."),
        reply_markup=sent_keyboard(),
    )


async def details_written(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock, settings: Any
) -> None:
    await _reported(
        message, state, uow, user, clock, settings, Copy(message.chat.id, message.message_id)
    )


async def send_without_words(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
) -> None:
    await callback.answer()
    await _reported(message, state, uow, user, clock, settings, None)


# --- coordinators --------------------------------------------------------------------------


def _keyboard_after(concern: Concern, message: Message, locale: str) -> InlineKeyboardMarkup | None:
    """The concern's buttons once it moved on: only "close" once taken on, none once closed;
    an answer button the message had stays."""
    if concern.status == ConcernStatus.CLOSED.value:
        return None
    answer = [
        row
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else [])
        if any(
            (b.callback_data or "").startswith(f"{StaffInboxCb.__prefix__}:{StaffAction.ANSWER}")
            for b in row
        )
    ]
    close = concern_keyboard(concern.id, person_id=None, name="", locale=locale).inline_keyboard[0][
        1:
    ]
    return InlineKeyboardMarkup(inline_keyboard=[close, *answer])


async def concern_step(
    callback: CallbackQuery,
    message: Message,
    callback_data: StaffInboxCb,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    """ "👀 I take it on" and "✅ Close": the reporter is told, the buttons follow."""
    if user is None or not is_coordinator(user):
        privacy_service.audit_refusal(
            uow, "refused.coordinator_only", user, callback.from_user.id, attempt="ib"
        )
        await callback.answer(error_text("coordinators_only", {}, locale), show_alert=True)
        return
    step = (
        concerns.acknowledge if callback_data.action is StaffAction.ACKNOWLEDGE else concerns.close
    )
    concern = await step(uow, user, callback_data.id, clock.now())
    done = (
        _("Closed. The person who reported it was told.")
        if concern.status == ConcernStatus.CLOSED.value
        else _("Taken on. The person who reported it was told.")
    )
    await callback.answer("✅ " + done)
    await message.edit_reply_markup(reply_markup=_keyboard_after(concern, message, locale))


CONCERN_STEPS = StaffInboxCb.filter(F.action.in_({StaffAction.ACKNOWLEDGE, StaffAction.CLOSE}))


async def pair_file_privately(
    callback: CallbackQuery,
    callback_data: StaffInboxCb,
    bot: Bot,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """ "📂 Pair file" in a person's topic: the file opens in the coordinator's private
    chat, never in the group."""
    if user is None or not is_coordinator(user):
        privacy_service.audit_refusal(
            uow, "refused.coordinator_only", user, callback.from_user.id, attempt="ib"
        )
        await callback.answer(error_text("coordinators_only", {}, locale), show_alert=True)
        return
    text, markup = await file_screen(uow, user, callback_data.id, clock, tz, locale)
    await bot.send_message(user.telegram_id, text, reply_markup=markup)
    await callback.answer(_("The pair file is in your private chat with me."))


def create_group_router() -> Router:
    """Concern and pair file buttons pressed in the coordinators' forum group."""
    router = Router(name=__name__ + ".group")
    router.callback_query.filter(InCoordinatorGroup())
    router.callback_query.register(concern_step, CONCERN_STEPS, WithMessage())
    router.callback_query.register(
        pair_file_privately, StaffInboxCb.filter(F.action == StaffAction.PAIR_FILE)
    )
    return router


def create_router() -> Router:
    router = Router(name=__name__)
    member = (Registered(profile_done=True), WithMessage())
    router.callback_query.register(
        choose_kind, HelpCb.filter(F.action == HelpAction.CONCERN), *member
    )
    router.callback_query.register(
        send_without_words,
        ConcernCb.filter(F.kind == SEND_NOW),
        StateFilter(Inbox.concern_details),
        *member,
    )
    router.callback_query.register(kind_chosen, ConcernCb.filter(F.kind != SEND_NOW), *member)
    router.message.register(
        details_written,
        StateFilter(Inbox.concern_details),
        CAN_RELAY,
        NOT_COMMAND,
        Registered(profile_done=True),
    )
    router.callback_query.register(concern_step, CONCERN_STEPS, IsCoordinator(), WithMessage())
    return router
