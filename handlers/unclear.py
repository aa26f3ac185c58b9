""" "🗣️ Something unclear?" under /language: which of the bot's messages was hard to
understand goes to the coordinators, with its key and the person's language.

How the message is named (the bot keeps no copy of what it said in a direct reply):
- The person replies to the message (or forwards it to the bot): its text is matched
  against the person's catalog, and the msgids found are the key. This works for direct
  replies and pushed messages alike, with nothing recorded while people use the bot.
- Or they tap "🔔 My last notification": the key of the last outbox row delivered to them
  (messages the bot sent on its own, the likeliest to arrive without context).
When nothing in the catalog matches (a coordinator's broadcast, a name only), the start of
the bot's own text goes instead. The person's own words are never sent.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, MessageOriginUser
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from delivery.outbox import Rendered
from domain import unclear as service
from domain.notices import Notice
from handlers.callbacks import MenuAction, MenuCb, UnclearAction, UnclearCb
from handlers.filters import Registered, WithMessage
from handlers.i18n import endonym
from handlers.inbox import group_id
from handlers.inbox_notices import _topic as person_topic
from handlers.inbox_notices import about_lines
from handlers.notice_registry import notice

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from domain.clock import Clock
    from storage.models import User
    from storage.uow import UnitOfWork


class Unclear(StatesGroup):
    which = State()  # waiting for a reply to (or a forward of) one of the bot's messages


# Placeholders and HTML tags split a catalog string into the literal pieces that appear
# as they are in a sent message.
_SPLIT = re.compile(r"\{[^{}]*\}|<[^<>]*>|%\(?\w*\)?[sd]")
_MIN_PIECE = 12  # shorter pieces ("Menu", "Yes") match too many messages


def _pieces(text: str) -> list[str]:
    return [piece.strip() for piece in _SPLIT.split(text) if len(piece.strip()) >= _MIN_PIECE]


@lru_cache(maxsize=32)
def _index(translations: gettext.NullTranslations) -> tuple[tuple[str, str], ...]:
    """(literal piece, msgid) for every message of a catalog, translated and source
    wording: built once per language, the first time someone asks."""
    catalog: dict[Any, str] = getattr(translations, "_catalog", {})
    pairs = []
    for key, translated in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or not isinstance(msgid, str):
            continue  # the header
        msgid = msgid.split("\x04", 1)[-1]  # a context's msgid is "context\x04msgid"
        for piece in {*_pieces(translated), *_pieces(msgid)}:
            pairs.append((piece, msgid))
    return tuple(pairs)


def keys_in(text: str, i18n: I18n, locale: str) -> list[str]:
    """The msgids whose wording is in `text` (a message the bot sent in `locale`), the
    longest matches first."""
    translations = i18n.locales.get(locale)
    if translations is None or not text:
        return []
    found: dict[str, int] = {}
    for piece, msgid in _index(translations):
        if piece in text and len(piece) > found.get(msgid, 0):
            found[msgid] = len(piece)
    return sorted(found, key=lambda msgid: -found[msgid])[: service.MAX_KEYS]


def which_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text="🔔 " + _("My last notification"),
        callback_data=UnclearCb(action=UnclearAction.LAST),
    )
    builder.button(text="✖️ " + _("Cancel"), callback_data=UnclearCb(action=UnclearAction.STOP))
    builder.adjust(1)
    return builder.as_markup()


def thanks_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🏠 " + _("Menu"), callback_data=MenuCb(action=MenuAction.HOME))
    return builder.as_markup()


def thanks_text() -> str:
    return "🙏 " + _("Thank you! A coordinator will look at the wording of that message.")


async def ask_which(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    """ "🗣️ Something unclear?": which message?"""
    await callback.answer()
    await state.set_state(Unclear.which)
    await message.answer(
        "🗣️ "
        + _(
            "Which message is unclear? Reply to it (swipe it to the left) or forward it "
            "to me. Or tap a button."
        ),
        reply_markup=which_keyboard(),
    )


def _bot_message(message: Message, bot: Bot) -> Message | None:
    """The bot's own message this one replies to or forwards, if it is one."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return replied
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser) and origin.sender_user.id == bot.id:
        return message
    return None


async def message_named(
    message: Message,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    locale: str,
) -> None:
    """A reply to (or a forward of) one of the bot's messages: its key to the
    coordinators. Anything else gets the hint again and changes nothing."""
    named = _bot_message(message, bot)
    if named is None:
        await message.answer(
            "👉 " + _("Please reply to one of my messages, or forward it to me."),
            reply_markup=which_keyboard(),
        )
        return
    text = named.text or named.caption or ""
    await service.report(
        uow,
        user,
        clock.now(),
        keys=keys_in(text, i18n, locale),
        excerpt=text,
        group_chat_id=group_id(settings),
    )
    await state.clear()
    await message.answer(thanks_text(), reply_markup=thanks_keyboard())


async def last_notification(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    locale: str,
) -> None:
    """ "🔔 My last notification": the key of the last message the bot pushed to them."""
    key = await service.last_notification_key(uow, user)
    if key is None:
        await callback.answer(
            _("I have not sent you a notification yet. Reply to a message instead."),
            show_alert=True,
        )
        return
    await service.report(uow, user, clock.now(), keys=[key], group_chat_id=group_id(settings))
    await callback.answer()
    await state.clear()
    await message.edit_text(thanks_text(), reply_markup=thanks_keyboard())


async def stop(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await state.clear()
    await message.edit_text(_("Okay."), reply_markup=thanks_keyboard())


@notice(Notice.COORDINATOR_UNCLEAR)
def unclear_reported(params: dict[str, Any], locale: str) -> Rendered:
    """To the coordinators: which message a person found unclear, in which language."""
    language = str(params.get("message_language") or "")
    lines = [
        "🗣️ <b>"
        + _("A message was unclear ({language}).").format(
            language=endonym(language) if language else "?"
        )
        + "</b>"
    ]
    keys = [str(key) for key in params.get("keys") or []]
    if keys:
        lines += [_("Message keys:")] + [f"<code>{_escape(key)}</code>" for key in keys]
    elif params.get("excerpt"):
        lines += [_("It begins:"), f"<i>{_escape(str(params['excerpt']))}</i>"]
    # In the coordinators' group it goes into the person's topic, like their messages.
    topic = person_topic(params, locale)
    if topic is None:
        lines += about_lines(params, locale)
    return Rendered(text="\n".join(lines), topic=topic)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def create_router() -> Router:
    """ "Something unclear?" (one per Dispatcher); comes before the flows that take any
    message, so a reply in its step is its own."""
    router = Router(name=__name__)
    member = (Registered(), WithMessage())
    router.callback_query.register(
        ask_which, UnclearCb.filter(F.action == UnclearAction.ASK), *member
    )
    router.callback_query.register(
        last_notification, UnclearCb.filter(F.action == UnclearAction.LAST), *member
    )
    router.callback_query.register(stop, UnclearCb.filter(F.action == UnclearAction.STOP), *member)
    router.message.register(message_named, Unclear.which, Registered(), ~F.text.startswith("/"))
    return router
