"""Writing to the coordinators and their answers, in private chats and in the coordinators'
forum group (see domain.inbox for the rules).

- A person taps "💬 Write to the coordinator" (menu, /help) and sends anything; or a
  message no flow expected gets the one-tap offer to send it on (handlers.fallback).
- A coordinator answers in the person's topic of the forum group, or with "↩️ Answer"
  (or Telegram's own reply) under the person's message in their private chat.
- In the forum group the bot reads only what is written in people's topics; nothing else
  said there reaches any other handler, and nothing about a person is ever shown there
  beyond their own thread.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    TelegramObject,
)
from aiogram.utils.i18n import gettext as _

from domain import inbox
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.pairs import pair_in_programme
from domain.staff import is_coordinator, person_in_programme
from handlers.common import q
from handlers.coordinator_buttons import CoordAction, CoordCb, IsCoordinator
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import (
    HelpAction,
    HelpCb,
    Inbox,
    StaffAction,
    StaffInboxCb,
    cancel_keyboard,
    menu_button,
)
from handlers.onboarding_screens import show_home
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# What a person (or a coordinator) can send that Telegram can copy as it is.
RELAYABLE = frozenset(
    {
        ContentType.TEXT,
        ContentType.VOICE,
        ContentType.AUDIO,
        ContentType.VIDEO_NOTE,
        ContentType.VIDEO,
        ContentType.PHOTO,
        ContentType.DOCUMENT,
        ContentType.STICKER,
        ContentType.ANIMATION,
        ContentType.LOCATION,
        ContentType.VENUE,
        ContentType.CONTACT,
    }
)
SPOKEN = frozenset({ContentType.VOICE, ContentType.AUDIO, ContentType.VIDEO_NOTE})
NOT_COMMAND = ~F.text.startswith("/")
CAN_RELAY = F.content_type.in_(RELAYABLE)


def group_id(settings: Any) -> int | None:
    """The coordinators' forum group (COORDINATOR_CHAT_ID), if there is one."""
    return getattr(settings, "coordinator_chat_id", None)


def sent_keyboard() -> InlineKeyboardMarkup:
    """After a message went on: write more, or back to the menu."""
    write = InlineKeyboardButton(
        text="💬 " + _("Write again"), callback_data=HelpCb(action=HelpAction.WRITE).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[write], [menu_button()]])


def sent_text() -> str:
    return "✅ " + _("Sent to the coordinator. The answer will come here, in this chat.")


# --- people -------------------------------------------------------------------------------


async def pass_on(
    uow: UnitOfWork, user: User, chat_id: int, message_id: int, clock: Clock, settings: Any
) -> None:
    """Send one of the person's own messages (in their chat with the bot) on to the
    coordinators."""
    await inbox.send_to_coordinators(
        uow, user, inbox.Copy(chat_id, message_id), clock.now(), group_chat_id=group_id(settings)
    )


async def ask_to_write(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    """ "💬 Write to the coordinator": whatever comes next goes to them."""
    await callback.answer()
    await state.set_state(Inbox.writing)
    await message.answer(
        "✍️ "
        + _("Write your message to the coordinator. You can also send a voice message or a photo."),
        reply_markup=cancel_keyboard(),
    )


async def written(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock, settings: Any
) -> None:
    await pass_on(uow, user, message.chat.id, message.message_id, clock, settings)
    await state.clear()
    await message.answer(sent_text(), reply_markup=sent_keyboard())


async def send_offered(
    callback: CallbackQuery,
    message: Message,
    callback_data: HelpCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
) -> None:
    """ "📨 Send it to the coordinator" under a message the bot could not place. The id is
    of a message in the person's own chat, so nobody can send on another's."""
    await pass_on(uow, user, callback.from_user.id, callback_data.id, clock, settings)
    await callback.answer()
    await message.edit_text(sent_text(), reply_markup=sent_keyboard())


async def spoken_outside_a_flow(
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    locale: str,
    menu: InlineKeyboardMarkup | None = None,
) -> bool:
    """A voice message nobody asked for goes straight to the coordinator: many people who
    read little talk rather than type. False when no coordinator can get it yet: the
    person is told so, under `menu` (their menu, to go on from)."""
    try:
        await pass_on(uow, user, message.chat.id, message.message_id, clock, settings)
    except DomainError as error:
        await message.answer("🎙 " + error_text(error.key, error.params, locale), reply_markup=menu)
        return False
    await message.answer(
        "🎙 " + _("Your voice message went to the coordinator. The answer will come here."),
        reply_markup=sent_keyboard(),
    )
    return True


async def cancelled(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    await callback.answer()
    await state.clear()
    await show_home(message, uow, user, locale)


# --- coordinators --------------------------------------------------------------------------


async def ask_for_answer(
    callback: CallbackQuery,
    message: Message,
    callback_data: StaffInboxCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """ "↩️ Answer" under a person's message: the coordinator's next message goes to them."""
    person = await person_in_programme(uow, user, callback_data.id)
    await callback.answer()
    await state.set_state(Inbox.answering)
    await state.update_data(person=person.id)
    await message.answer(
        "✍️ "
        + _("Write your answer to {name}. A voice message or a photo works too.").format(
            name=q(person.first_name or "?", locale)
        ),
        reply_markup=cancel_keyboard(),
    )


async def ask_for_pair_message(
    callback: CallbackQuery,
    message: Message,
    callback_data: CoordCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
) -> None:
    """ "✉️ Message the pair" on the pair file: the coordinator's next message goes to both."""
    pair = await pair_in_programme(uow, user, callback_data.id)
    await callback.answer()
    await state.set_state(Inbox.answering)
    await state.update_data(pair=pair.id, person=None)
    await message.answer(
        "✍️ " + _("Write your message to both of pair #{number}.").format(number=pair.id),
        reply_markup=cancel_keyboard(),
    )


async def _answer(
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    person_id: int,
    locale: str,
    *,
    in_group: int | None = None,
) -> User:
    return await inbox.answer(
        uow,
        user,
        person_id,
        inbox.Copy(message.chat.id, message.message_id),
        clock.now(),
        coordinator_name=message.from_user.first_name if message.from_user else "",
        answered_in_group=in_group,
    )


async def answer_written(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    data = await state.get_data()
    if data.get("pair"):
        people = await inbox.message_pair(
            uow,
            user,
            int(data["pair"]),
            inbox.Copy(message.chat.id, message.message_id),
            clock.now(),
            coordinator_name=message.from_user.first_name if message.from_user else "",
        )
        names = [q(person.first_name or "?", locale) for person in people]
    else:
        person = await _answer(message, uow, user, clock, int(data.get("person") or 0), locale)
        names = [q(person.first_name or "?", locale)]
    await state.clear()
    await message.answer("✅ " + _("Sent to {name}.").format(name=" · ".join(names)))


class RepliesToPerson(Filter):
    """A coordinator's message that replies (Telegram's own reply) to a person's message
    the bot copied to them: it carries "↩️ Answer" with the person's id."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        replied = message.reply_to_message
        if replied is None or replied.reply_markup is None:
            return False
        for row in replied.reply_markup.inline_keyboard:
            for button in row:
                data = button.callback_data or ""
                if not data.startswith(StaffInboxCb.__prefix__ + ":"):
                    continue
                try:
                    parsed = StaffInboxCb.unpack(data)
                except (TypeError, ValueError):
                    continue
                if parsed.action is StaffAction.ANSWER:
                    return {"person_id": parsed.id}
        return False


async def answer_by_reply(
    message: Message, person_id: int, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    person = await _answer(message, uow, user, clock, person_id, locale)
    await message.answer(
        "✅ " + _("Sent to {name}.").format(name=q(person.first_name or "?", locale))
    )


# --- the coordinators' forum group ---------------------------------------------------------


class InCoordinatorGroup(Filter):
    """The update comes from the coordinators' forum group (COORDINATOR_CHAT_ID)."""

    async def __call__(self, event: TelegramObject, settings: Any, event_chat: Any = None) -> bool:
        chat_id = group_id(settings)
        return chat_id is not None and event_chat is not None and event_chat.id == chat_id


async def answered_in_topic(
    message: Message, bot: Bot, uow: UnitOfWork, user: User | None, clock: Clock, locale: str
) -> None:
    """Something written in a person's topic goes to that person, when a coordinator of
    their programme wrote it. Anything else said in the group stays there."""
    if message.from_user is None or message.from_user.is_bot:
        return
    if not message.is_topic_message or message.message_thread_id is None:
        return  # the General topic: coordinators talking among themselves
    thread = await uow.inbox.by_topic(message.chat.id, message.message_thread_id)
    if thread is None:
        return
    if user is None or not is_coordinator(user) or user.programme_id != thread.programme_id:
        privacy_service.audit_refusal(
            uow, "refused.inbox_topic", user, message.from_user.id, attempt="topic"
        )
        log.info("a message in a person's topic from a non-coordinator was not passed on")
        return
    try:
        await _answer(message, uow, user, clock, thread.person_id, locale, in_group=message.chat.id)
    except DomainError as error:  # said in the topic itself, not in the group's General
        await message.answer(error_text(error.key, error.params, locale))
        return
    # A quiet mark that it is on its way, instead of a message in the thread.
    await bot.set_message_reaction(
        message.chat.id, message.message_id, reaction=[ReactionTypeEmoji(emoji="👍")]
    )


async def ignored(event: TelegramObject) -> None:
    """Everything else in the coordinators' group: service messages, the General topic."""


async def group_button(callback: CallbackQuery) -> None:
    await callback.answer(_("Please use this in your private chat with me."), show_alert=True)


def create_group_router() -> Router:
    """Only updates from the coordinators' forum group; it must come first, so that nothing
    said there reaches another handler."""
    router = Router(name=__name__ + ".group")
    router.message.filter(InCoordinatorGroup())
    router.callback_query.filter(InCoordinatorGroup())
    router.message.register(answered_in_topic, CAN_RELAY, NOT_COMMAND)
    router.message.register(ignored)
    # Concern buttons in the group are handled by handlers.concerns' group router first.
    router.callback_query.register(group_button)
    return router


def create_router() -> Router:
    """Private chats: people writing to the coordinators, coordinators answering."""
    router = Router(name=__name__)
    member = (Registered(profile_done=True),)
    router.callback_query.register(
        ask_to_write, HelpCb.filter(F.action == HelpAction.WRITE), *member, WithMessage()
    )
    router.callback_query.register(
        send_offered, HelpCb.filter(F.action == HelpAction.SEND), *member, WithMessage()
    )
    router.callback_query.register(
        cancelled, HelpCb.filter(F.action == HelpAction.CANCEL), Registered(), WithMessage()
    )
    router.message.register(written, StateFilter(Inbox.writing), CAN_RELAY, NOT_COMMAND, *member)
    router.callback_query.register(
        ask_for_answer,
        StaffInboxCb.filter(F.action == StaffAction.ANSWER),
        IsCoordinator(),
        WithMessage(),
    )
    router.callback_query.register(
        ask_for_pair_message,
        CoordCb.filter(F.action == CoordAction.MESSAGE_PAIR),
        IsCoordinator(),
        WithMessage(),
    )
    router.message.register(
        answer_written, StateFilter(Inbox.answering), CAN_RELAY, NOT_COMMAND, IsCoordinator()
    )
    router.message.register(
        answer_by_reply, RepliesToPerson(), CAN_RELAY, NOT_COMMAND, IsCoordinator()
    )
    return router
