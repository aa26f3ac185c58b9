"""Outer middlewares: per-update unit of work, the current person, the locale."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.methods import SendMessage
from aiogram.types import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    Update,
)
from aiogram.types import User as TelegramUser
from aiogram.types.update import UpdateTypeLookupError
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from bot.fsm import SqlStorage, bind_conversations
from bot.settings import Settings
from delivery.replies import holding_calls
from domain import notify, staff
from domain.clock import Clock
from domain.detection import DetectorProcess
from handlers.i18n import supported_locale
from storage.conversations import StaleConversation
from storage.db import SessionFactory
from storage.uow import UnitOfWork, is_retryable

log = logging.getLogger(__name__)

TRANSACTION_ATTEMPTS = 5  # a lost race is retried; a bug still ends in the apology
RETRY_DELAY = 0.05  # seconds, grows with each attempt and is jittered

# The person behind an update, when DatabaseMiddleware read them with the conversation.
PERSON_READ = "person_read_with_conversation"

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PrivateChatsOnly(BaseMiddleware):
    """The first of our middlewares: only updates from private chats reach the handlers.

    Everything the bot says is about one person (their profile, hours, data export, the
    waiting list for a coordinator), so nothing is ever answered in a group or channel
    (except the coordinators' own forum group, where each person has their topic):
    a command or a button there gets one neutral line pointing to the private chat, and
    when the bot is added to a group or channel it leaves. Updates that carry nothing we
    can read (see `delivery.telegram.TolerantSession`) stop here too.
    """

    def __init__(
        self, i18n: I18n, default_locale: str, coordinator_chat_id: int | None = None
    ) -> None:
        self.i18n = i18n
        self.default_locale = default_locale
        # The coordinators' private forum group (COORDINATOR_CHAT_ID), the one group the
        # bot works in: handlers.inbox reads only people's topics there.
        self.coordinator_chat_id = coordinator_chat_id

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and not _has_payload(event):
            log.info("update %s has nothing readable; skipped", event.update_id)
            return None
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        if self.coordinator_chat_id is not None and chat.id == self.coordinator_chat_id:
            return await handler(event, data)
        bot: Bot = data["bot"]
        if isinstance(event, Update):
            await self._outside_private(bot, event, chat)
        return None

    async def _outside_private(self, bot: Bot, update: Update, chat: Chat) -> None:
        """At most one neutral line, never a name or a figure."""
        sender = update.event.from_user if hasattr(update.event, "from_user") else None
        locale = supported_locale(sender.language_code if sender else None)
        with self.i18n.context(), self.i18n.use_locale(locale or self.default_locale):
            line = _("I only work in a private chat. Tap the button to write to me there.")
            button = _("Open the private chat")
        try:
            if update.my_chat_member is not None:
                status = update.my_chat_member.new_chat_member.status
                if status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
                    log.info("added to a %s; leaving it", chat.type)
                    await bot.leave_chat(chat.id)
            elif update.callback_query is not None:
                await bot.answer_callback_query(
                    update.callback_query.id, text=line, show_alert=True
                )
            elif update.message is not None and _addressed_to_bot(update.message):
                me = await bot.me()
                await update.message.answer(
                    line,
                    reply_markup=InlineKeyboardMarkup(
                        inline_keyboard=[
                            [InlineKeyboardButton(text=button, url=f"https://t.me/{me.username}")]
                        ]
                    ),
                )
        except TelegramAPIError as error:  # not allowed to write there: nothing to add
            log.info("could not answer in a %s: %s", chat.type, error.message)


def _has_payload(update: Update) -> bool:
    try:
        update.event_type  # noqa: B018 - raises when the update carries nothing we know
    except UpdateTypeLookupError:
        return False
    return True


def _addressed_to_bot(message: Message) -> bool:
    """A command, or a reply to one of the bot's messages: not every line of a group chat."""
    text = message.text or message.caption or ""
    replied = message.reply_to_message
    return text.startswith("/") or (
        replied is not None and replied.from_user is not None and replied.from_user.is_bot
    )


class ConversationLock(FSMContextMiddleware):
    """aiogram's FSM middleware without its early read: it takes the per-chat lock (held
    until the update's transaction committed, so a fast second tap never sees stale
    state) and puts the conversation into `data["state"]`; the state itself is read by
    `DatabaseMiddleware`, inside the update's transaction (one read per update)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = self.resolve_event_context(data["bot"], data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await handler(event, data)
        async with self.events_isolation.lock(key=context.key):
            data["state"] = context
            return await handler(event, data)


class DatabaseMiddleware(BaseMiddleware):
    """One transaction per update: commit once after the handler, then send its replies.

    - Bot API calls the handler makes are held (`delivery.replies`) and sent after the commit,
      so the write lock is never held while Telegram answers, and nothing is shown as
      saved before it is.
    - The conversation state is read once, here, and written once, at the commit.
    - A redelivered update (same id) is recognised at the end, by the one statement that
      records it in the same commit as its effects: the update's work is then rolled back
      and nothing is sent. No write lock is taken before the handler has finished; two
      instances racing on one id meet at that statement.
    - A transaction that loses a race (SQLite busy, a PostgreSQL serialisation failure or
      deadlock, a unique key taken meanwhile, a conversation changed meanwhile) is rolled
      back and the update handled again from scratch: nothing was sent yet, so a retry is
      invisible to the person.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        deduplicate: bool = True,
        on_commit: Callable[[], None] | None = None,
        attempts: int = TRANSACTION_ATTEMPTS,
    ) -> None:
        self.session_factory = session_factory
        self.deduplicate = deduplicate
        self.on_commit = on_commit
        self.attempts = attempts

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = event.update_id if self.deduplicate and isinstance(event, Update) else None
        state: FSMContext | None = data.get("state")
        # The database FSM storage rolls back with the transaction; Redis does not, so a
        # retry starts from the conversation state the first attempt saw.
        snapshot = await _fsm_snapshot(state)
        for attempt in range(1, self.attempts + 1):
            with holding_calls() as held:
                try:
                    async with UnitOfWork(self.session_factory) as uow:
                        with bind_conversations(uow.conversations):
                            data["uow"] = uow
                            await _read_conversation(uow, state, data)
                            result = await handler(event, data)
                            if update_id is None:
                                await uow.commit()
                            elif not await uow.commit_update(update_id):
                                log.info("update %s was handled before; ignored", update_id)
                                held.clear()
                                return None
                            queued = uow.queued_messages
                except (OperationalError, IntegrityError, DBAPIError, StaleConversation) as error:
                    if attempt == self.attempts or not is_retryable(error):
                        raise
                    held.clear()
                    await _fsm_restore(state, snapshot)
                    delay = RETRY_DELAY * attempt * (0.5 + random.random())
                    log.info(
                        "update %s lost a race in the database (%s); again in %.2fs",
                        update_id,
                        _race_name(error),
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
            if queued and self.on_commit is not None:
                self.on_commit()  # wake the delivery worker for what was just queued
            bot: Bot | None = data.get("bot")
            if bot is not None:
                clock: Clock | None = data.get("clock")
                now = clock.now() if clock is not None else datetime.now(UTC)
                await held.send(bot, self._mark_unreachable, partial(self._keep_reply, now=now))
            return result
        return None  # not reached: the last attempt returns or raises

    async def _keep_reply(self, method: SendMessage, now: datetime) -> None:
        """Telegram is down longer than the retries: the reply waits in the outbox."""
        if not isinstance(method.chat_id, int):
            return
        markup = method.reply_markup
        kept = None
        if isinstance(markup, InlineKeyboardMarkup):
            kept = markup.model_dump(exclude_none=True)
        async with UnitOfWork(self.session_factory) as uow:
            await notify.queue_reply(uow, method.chat_id, method.text, kept, now)
            await uow.commit()
        if self.on_commit is not None:
            self.on_commit()

    async def _mark_unreachable(self, chat_id: int) -> None:
        async with UnitOfWork(self.session_factory) as uow:
            await uow.users.set_reachable(chat_id, False)
            await uow.commit()


async def _read_conversation(
    uow: UnitOfWork, state: FSMContext | None, data: dict[str, Any]
) -> None:
    """The conversation state for aiogram's state filters (`raw_state`); from the
    database, together with the person behind the update (for CurrentUserMiddleware)."""
    if state is None:
        return
    sender: TelegramUser | None = data.get("event_from_user")
    if isinstance(state.storage, SqlStorage) and sender is not None:
        data[PERSON_READ] = await state.storage.read_with_person(
            uow.conversations, state.key, sender.id
        )
    data["raw_state"] = await state.get_state()


def _race_name(error: Exception) -> str:
    original = getattr(error, "orig", None)
    return type(original).__name__ if original is not None else type(error).__name__


async def _fsm_snapshot(state: FSMContext | None) -> tuple[str | None, dict[str, Any]] | None:
    if state is None or isinstance(state.storage, SqlStorage):
        return None
    return await state.get_state(), await state.get_data()


async def _fsm_restore(
    state: FSMContext | None, snapshot: tuple[str | None, dict[str, Any]] | None
) -> None:
    if state is not None and snapshot is not None:
        await state.set_state(snapshot[0])
        await state.set_data(snapshot[1])


class CurrentUserMiddleware(BaseMiddleware):
    """Puts the person behind the update (or None before consent) into `data["user"]`.

    Coordinators and admins named in the settings exist from their first update on.
    """

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.bootstrap_ids = frozenset(settings.coordinator_ids)
        self.admin_ids = frozenset(settings.admin_ids)
        self.default_locale = settings.default_locale
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        uow: UnitOfWork = data["uow"]
        sender: TelegramUser | None = data.get("event_from_user")
        if PERSON_READ in data:  # read with the conversation, by DatabaseMiddleware
            user = data.pop(PERSON_READ)
        else:
            user = await uow.users.by_telegram_id(sender.id) if sender else None
        if (
            sender is not None
            and sender.id in self.bootstrap_ids
            and not staff.is_coordinator(user)
        ):
            language = supported_locale(sender.language_code) or self.default_locale
            user = await staff.ensure_bootstrap_coordinator(
                uow, sender.id, language, self.clock.now()
            )
        if sender is not None and sender.id in self.admin_ids and not staff.is_admin(user):
            language = supported_locale(sender.language_code) or self.default_locale
            user = await staff.ensure_bootstrap_admin(uow, sender.id, language, self.clock.now())
        if user is not None and sender is not None and user.username != sender.username:
            user.username = sender.username  # written only when it changed
        data["user"] = user
        return await handler(event, data)


def _text_of(event: TelegramObject) -> str | None:
    """What the person wrote themselves (a forwarded message is someone else's words)."""
    message = event.message if isinstance(event, Update) else event
    if not isinstance(message, Message) or message.forward_origin is not None:
        return None
    return message.text or message.caption


class LocaleMiddleware(I18nMiddleware):
    """The person's stored contact language, then the one chosen during onboarding, then
    Telegram's `language_code` when supported, then what they typed, then the default."""

    def __init__(self, i18n: I18n, detector: DetectorProcess) -> None:
        super().__init__(i18n=i18n)
        self.detector = detector

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = await self.resolve(event, data)
        data["locale"] = locale
        return locale

    async def resolve(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user = data.get("user")
        if user is not None and user.contact_language:
            return str(user.contact_language)
        state: FSMContext | None = data.get("state")
        if state is not None:
            chosen = (await state.get_data()).get("language")
            if chosen:
                return str(chosen)
        sender: TelegramUser | None = data.get("event_from_user")
        from_client = supported_locale(sender.language_code if sender else None)
        if from_client:
            return from_client
        # Someone whose language we do not know: their words may tell, once the detector
        # is up. It is started now (in its own process), so it is ready when they type.
        if not self.detector.ready:
            self.detector.warm_up()
            return self.i18n.default_locale
        text = _text_of(event)
        if text and not text.startswith("/"):
            detection = await self.detector.detect(text)
            if detection.sure and detection.language:
                return detection.language
        return self.i18n.default_locale
