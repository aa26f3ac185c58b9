"""Coordinator commands and buttons from anyone else, and coordinator buttons that are out
of date.

Someone who is not a coordinator gets a localized "only for coordinators", audited without
their Telegram id or what they typed after the command. A coordinator pressing an old
coordinator button (data no longer understood) is told it is out of date. The pickers of
coordinators' forms (their contexts in `COORDINATOR_PICKER_CONTEXTS`) count as coordinator
buttons too.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from domain import privacy as privacy_service
from handlers.coordinator_buttons import (
    COORDINATOR_COMMANDS,
    COORDINATOR_PICKER_CONTEXTS,
    COORDINATOR_PREFIXES,
    CoordCb,
    IsCoordinator,
)
from handlers.pickers import PickCb
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
# The pickers of coordinators' forms, as `_button_prefix` names them.
_COORDINATOR_PICKERS = frozenset(
    PickCb.__prefix__ + PickCb.__separator__ + context for context in COORDINATOR_PICKER_CONTEXTS
)


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


def _button_prefix(callback: CallbackQuery) -> str:
    """The button's prefix; for a picker of a coordinator's form ("pick|dur|60|cres"),
    "pick|" and its context, a name from a fixed list as well."""
    data = callback.data or ""
    if data.startswith(PickCb.__prefix__ + PickCb.__separator__):
        context = data.rsplit(PickCb.__separator__, 1)[-1]
        if context in COORDINATOR_PICKER_CONTEXTS:
            return PickCb.__prefix__ + PickCb.__separator__ + context
    return data.split(CoordCb.__separator__, 1)[0]


def _is_coordinator_button(callback: CallbackQuery) -> bool:
    return _button_prefix(callback) in COORDINATOR_PREFIXES | _COORDINATOR_PICKERS


def _is_our_button(callback: CallbackQuery) -> bool:
    return _button_prefix(callback) == CoordCb.__prefix__


async def outdated_button(callback: CallbackQuery, locale: str) -> None:
    await callback.answer(error_text("stale_button", {}, locale), show_alert=True)


async def refuse_command(message: Message, uow: UnitOfWork, user: User | None, locale: str) -> None:
    await _refuse(uow, user, message.chat.id, "/" + _command_name(message))
    await message.answer(error_text("coordinators_only", {}, locale))


async def refuse_button(
    callback: CallbackQuery, uow: UnitOfWork, user: User | None, locale: str
) -> None:
    await _refuse(uow, user, callback.from_user.id, _button_prefix(callback))
    await callback.answer(error_text("coordinators_only", {}, locale), show_alert=True)


def create_router() -> Router:
    """Include after every coordinator router (it takes what they left: old data from a
    coordinator, anything from anyone else)."""
    router = Router(name=__name__)
    router.callback_query.register(outdated_button, IsCoordinator(), _is_our_button)
    router.message.register(refuse_command, ~IsCoordinator(), _is_coordinator_command)
    router.callback_query.register(refuse_button, ~IsCoordinator(), _is_coordinator_button)
    return router
