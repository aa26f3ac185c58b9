"""The error router: domain errors become a localized answer; anything else an apology."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from domain.errors import DomainError
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def _chat_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.message is not None:
        return update.message.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


async def _answer_callback(bot: Bot, event: ErrorEvent, text: str | None) -> None:
    query = event.update.callback_query
    if query is None:
        return
    try:
        await bot.answer_callback_query(query.id, text=text, show_alert=bool(text))
    except Exception:  # the query may have expired; the chat message below still explains
        log.debug("could not answer callback %s", query.id)


async def domain_error(event: ErrorEvent, bot: Bot, locale: str) -> None:
    assert isinstance(event.exception, DomainError)
    text = error_text(event.exception.key, event.exception.params, locale)
    chat_id = _chat_id(event)
    if event.update.callback_query is not None:
        await _answer_callback(bot, event, text)
    elif chat_id is not None:
        await bot.send_message(chat_id, text)


async def blocked(event: ErrorEvent, uow: UnitOfWork) -> None:
    chat_id = _chat_id(event)
    log.info("update %s: the person blocked the bot; marked unreachable", event.update.update_id)
    if chat_id is not None:
        await uow.users.set_reachable(chat_id, False)


async def unexpected(event: ErrorEvent, bot: Bot) -> None:
    log.error(
        "update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    chat_id = _chat_id(event)
    await _answer_callback(bot, event, None)
    if chat_id is None:
        return
    try:
        await bot.send_message(
            chat_id,
            "😕 "
            + _(
                "Sorry, something went wrong on our side. Everything you saved before is "
                "safe. Please try again."
            ),
        )
    except Exception:
        log.warning("could not tell chat about the failure of update %s", event.update.update_id)


def create_router() -> Router:
    """A fresh error router (one per Dispatcher): domain errors, blocked chats, the rest."""
    router = Router(name=__name__)
    router.errors.register(domain_error, ExceptionTypeFilter(DomainError))
    router.errors.register(blocked, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(unexpected)
    return router
