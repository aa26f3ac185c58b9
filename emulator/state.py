"""The emulator's in-memory world: chats, the bot's messages, stored files and the update queue."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Update kinds Telegram leaves out unless a bot asks for them in allowed_updates.
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Wakes every coroutine waiting for "something changed".

    ``notify()`` is synchronous, so state changes made from plain methods can wake waiters.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake all current waiters."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self) -> None:
        """Wait for the next notify()."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)

    async def wait_at_most(self, seconds: float) -> None:
        """Wait for the next notify(), but no longer than ``seconds``."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.wait()


@dataclass(eq=False, slots=True)
class StoredFile:
    """A file the bot uploaded (or referenced by URL), kept for getFile and for tests."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str
    mime_type: str
    data: bytes = field(repr=False)
    width: int = 0
    height: int = 0
    # What Telegram files it as: "document", "photo", "voice" or "sticker".
    kind: str = "document"
    duration: int = 0
    emoji: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def as_document(self) -> dict[str, Any]:
        """The Document object Telegram returns for it."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def as_photo_size(self) -> dict[str, Any]:
        """The PhotoSize object Telegram returns for it."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def as_voice(self) -> dict[str, Any]:
        """The Voice object Telegram returns for it."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "duration": self.duration,
            "mime_type": self.mime_type,
            "file_size": self.size,
        }

    def as_sticker(self) -> dict[str, Any]:
        """The Sticker object Telegram returns for it (a regular sticker)."""
        sticker: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "type": "regular",
            "width": self.width,
            "height": self.height,
            "is_animated": self.mime_type == "application/x-tgsticker",
            "is_video": self.mime_type == "video/webm",
        }
        if self.emoji:
            sticker["emoji"] = self.emoji
        sticker["file_size"] = self.size
        return sticker

    def as_file(self) -> dict[str, Any]:
        """The File object getFile returns for it."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(eq=False, slots=True)
class BotMessage:
    """A message the bot sent to a chat, in its current state (after edits).

    ``text`` and ``caption`` are plain text (HTML tags stripped, references decoded);
    ``html`` keeps the raw text the bot sent with ``parse_mode=HTML``. ``kind`` is "text",
    "document", "photo", "voice", "location", "sticker", or the method's name for the
    senders without behaviour of their own ("sendPoll"...). The media are in ``document``,
    ``photo_file`` (``photo_sizes`` for every size of a copied photo), ``voice``,
    ``location`` and ``sticker`` (the last three as the Bot API objects).
    ``message_thread_id`` is the forum topic (None: a private chat or the General topic);
    ``copied_from`` and ``forwarded_from`` are ``(chat_id, message_id)`` of the original.
    """

    message_id: int
    chat: dict[str, Any] = field(repr=False)
    sender: dict[str, Any] = field(repr=False)
    date: int
    kind: str
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_html: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo_file: StoredFile | None = None
    reply_to_message_id: int | None = None
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False
    message_thread_id: int | None = None
    photo_sizes: list[StoredFile] = field(default_factory=list, repr=False)
    voice: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    sticker: dict[str, Any] | None = None
    copied_from: tuple[int, int] | None = None
    forwarded_from: tuple[int, int] | None = None
    forward_origin: dict[str, Any] | None = field(default=None, repr=False)
    # The replied message as Telegram shows it (a topic's creation message when implicit).
    reply_to_message: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def chat_id(self) -> int:
        """The id of the chat the message is in."""
        return int(self.chat["id"])

    @property
    def photo(self) -> bytes | None:
        """The bytes of the photo, for photo messages."""
        return self.photo_file.data if self.photo_file is not None else None

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's button objects by row (empty without one)."""
        if self.reply_markup is None:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    @property
    def button_rows(self) -> list[list[str]]:
        """Button texts by row, of the inline keyboard or else the reply keyboard."""
        if self.reply_markup is None:
            return []
        rows = self.reply_markup.get("inline_keyboard") or self.reply_markup.get("keyboard") or []
        return [[_button_text(button) for button in row] for row in rows]

    @property
    def buttons(self) -> list[str]:
        """All button texts, row after row."""
        return [text for row in self.button_rows for text in row]

    def to_api(self) -> dict[str, Any]:
        """The Message object as Telegram returns and forwards it."""
        message: dict[str, Any] = {"message_id": self.message_id}
        if self.message_thread_id is not None:
            message["message_thread_id"] = self.message_thread_id
        message.update({"from": self.sender, "chat": self.chat, "date": self.date})
        if self.forward_origin is not None:
            message["forward_origin"] = self.forward_origin
            message.update(legacy_forward_fields(self.forward_origin))
        if self.message_thread_id is not None:
            message["is_topic_message"] = True
        if self.reply_to_message is not None:
            message["reply_to_message"] = self.reply_to_message
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.document is not None:
            message["document"] = self.document.as_document()
        if self.photo_sizes:
            message["photo"] = [size.as_photo_size() for size in self.photo_sizes]
        elif self.photo_file is not None:
            message["photo"] = [self.photo_file.as_photo_size()]
        if self.sticker is not None:
            message["sticker"] = self.sticker
        if self.voice is not None:
            message["voice"] = self.voice
        if self.caption is not None:
            message["caption"] = self.caption
            if self.caption_entities:
                message["caption_entities"] = self.caption_entities
        if self.location is not None:
            message["location"] = self.location
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


def legacy_forward_fields(origin: dict[str, Any]) -> dict[str, Any]:
    """The older forward fields the Bot API server still writes beside ``forward_origin``."""
    fields: dict[str, Any] = {}
    if origin.get("type") == "user":
        fields["forward_from"] = origin["sender_user"]
    elif origin.get("type") == "chat":
        fields["forward_from_chat"] = origin["sender_chat"]
    elif origin.get("type") == "hidden_user":
        fields["forward_sender_name"] = origin["sender_user_name"]
    fields["forward_date"] = origin["date"]
    return fields


def _button_text(button: Any) -> str:
    if isinstance(button, dict):
        return str(button.get("text", ""))
    return str(button)


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to one of a user's callback queries."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


class BotCommandEntry(NamedTuple):
    """One command of a bot's menu; compares equal to a ``(command, description)`` tuple."""

    command: str
    description: str


@dataclass(eq=False, kw_only=True)
class ChatBase:
    """What every chat the bot is in keeps: the bot's messages and everyone else's.

    ``user_messages`` holds, as Message objects (dicts), the messages that did not come
    from the bot's send methods: what people sent, and service messages.
    """

    history: list[BotMessage] = field(default_factory=list)
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    chat_actions: list[str] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None
    # Every new or edited bot message, in order: what wait_for() looks through.
    events: list[BotMessage] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal)
    read_cursor: int = 0
    action_mark: int = 0
    last_message_id: int = 0

    @property
    def id(self) -> int:
        """The chat id."""
        raise NotImplementedError

    def as_chat(self) -> dict[str, Any]:
        """The Chat object of this chat."""
        raise NotImplementedError

    def next_message_id(self) -> int:
        """Allocate the next message id; user and bot messages share one sequence."""
        self.last_message_id += 1
        return self.last_message_id

    def add_bot_message(self, message: BotMessage) -> None:
        """Record a new bot message and wake waiting tests."""
        self.history.append(message)
        self.bot_messages[message.message_id] = message
        if message.reply_markup is not None:
            if "keyboard" in message.reply_markup:
                self.reply_keyboard = message.reply_markup
            elif "remove_keyboard" in message.reply_markup:
                self.reply_keyboard = None
        self.events.append(message)
        self.changed.notify()

    def record_edit(self, message: BotMessage) -> None:
        """Record that a bot message changed and wake waiting tests."""
        self.events.append(message)
        self.changed.notify()

    def message_dict(self, message_id: int) -> dict[str, Any] | None:
        """Any message of the chat that still exists, as a Message object."""
        bot_message = self.bot_messages.get(message_id)
        if bot_message is not None:
            return None if bot_message.deleted else bot_message.to_api()
        return self.user_messages.get(message_id)

    def thread_of(self, message_id: int) -> int | None:
        """The forum topic a message of this chat is in (None: none or unknown)."""
        message = self.message_dict(message_id)
        if message is None:
            return None
        thread = message.get("message_thread_id")
        return int(thread) if thread is not None else None


@dataclass(eq=False)
class ChatState(ChatBase):
    """A private chat between the bot and one simulated user."""

    user: dict[str, Any]
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    answers_cursor: int = 0

    @property
    def id(self) -> int:
        """The chat id (the user's id, as in every private chat)."""
        return int(self.user["id"])

    def as_chat(self) -> dict[str, Any]:
        """The Chat object of this private chat."""
        chat: dict[str, Any] = {"id": self.id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if key in self.user:
                chat[key] = self.user[key]
        return chat


# The six colours createForumTopic accepts, in the order the Bot API lists them.
TOPIC_ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)

# What an administrator bot may do unless a test says otherwise.
DEFAULT_BOT_RIGHTS: dict[str, bool] = {
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
# The rights of a person a test makes an administrator.
DEFAULT_ADMIN_RIGHTS: dict[str, bool] = {**DEFAULT_BOT_RIGHTS, "can_promote_members": True}


@dataclass(eq=False, slots=True)
class ForumTopicState:
    """One topic of a forum supergroup; its id is the id of its creation message."""

    message_thread_id: int
    name: str
    icon_color: int
    creator_id: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        """The ForumTopic object."""
        topic: dict[str, Any] = {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass(eq=False)
class GroupState(ChatBase):
    """A supergroup (a forum when ``is_forum``) with simulated users as members.

    ``bot_status`` is "administrator" (with ``bot_rights``), "member" or "left".
    """

    group_id: int
    title: str
    is_forum: bool = True
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    bot_status: str = "administrator"
    bot_rights: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_BOT_RIGHTS))
    topics: dict[int, ForumTopicState] = field(default_factory=dict)
    # Ids of the people's messages the bot received (privacy mode decides which).
    received: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Message 1 created the supergroup: no topic and no later message has that id.
        self.last_message_id = max(self.last_message_id, 1)

    @property
    def id(self) -> int:
        """The chat id (negative, -100...)."""
        return self.group_id

    def as_chat(self) -> dict[str, Any]:
        """The Chat object of this supergroup."""
        chat: dict[str, Any] = {"id": self.group_id, "title": self.title, "type": "supergroup"}
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def bot_can(self, right: str) -> bool:
        """Whether the bot is an administrator with this right."""
        return self.bot_status == "administrator" and bool(self.bot_rights.get(right, False))

    def topic(self, thread_id: int) -> ForumTopicState | None:
        """The topic with this id, unless it was deleted."""
        topic = self.topics.get(thread_id)
        return topic if topic is not None and not topic.deleted else None


@dataclass(eq=False, slots=True)
class QueuedUpdate:
    """An update waiting to be fetched by getUpdates or posted to the webhook."""

    update_id: int
    payload: dict[str, Any]
    duplicate_pending: bool = False
    redelivery: bool = False
    delivered: bool = False


@dataclass(slots=True)
class WebhookConfig:
    """The webhook set with setWebhook."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Pending updates with Telegram's confirmation rules.

    An update stays until getUpdates is called with an offset above its id (or it was
    posted to the webhook). A negative offset keeps only the last ``-offset`` updates.
    """

    def __init__(self) -> None:
        self._items: list[QueuedUpdate] = []
        # Like Telegram's, update ids grow across restarts: a bot that remembers handled ids
        # (to drop redeliveries) must not mistake a new emulator's updates for old ones.
        self._last_id = int(time.time()) * 1000
        self._allowed: frozenset[str] | None = None
        self._duplicates = 0
        self.changed = Signal()

    def __len__(self) -> int:
        return len(self._items)

    def reset(self) -> None:
        """Drop every pending update and setting; the ids go on from the last one."""
        self._items.clear()
        self._allowed = None
        self._duplicates = 0
        self.changed.notify()

    @property
    def allowed_updates(self) -> list[str] | None:
        """The update kinds the bot asked for, or None for Telegram's default set."""
        return sorted(self._allowed) if self._allowed is not None else None

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Apply allowed_updates: None keeps the previous choice, [] restores the default."""
        if kinds is not None:
            self._allowed = frozenset(kinds) if kinds else None

    def duplicate_next(self, count: int = 1) -> None:
        """Deliver each of the next ``count`` updates twice, with the same update_id."""
        self._duplicates += count

    def push(self, payload: dict[str, Any]) -> int | None:
        """Queue an update (``update_id`` is assigned); None when allowed_updates excludes it."""
        kind = next((key for key in payload if key != "update_id"), "")
        allowed = (
            kind not in _NOT_DELIVERED_BY_DEFAULT
            if self._allowed is None
            else kind in self._allowed
        )
        if not allowed:
            return None
        self._last_id += 1
        item = QueuedUpdate(self._last_id, {"update_id": self._last_id, **payload})
        if self._duplicates:
            self._duplicates -= 1
            item.duplicate_pending = True
        self._items.append(item)
        self.changed.notify()
        return item.update_id

    def confirm(self, offset: int) -> None:
        """Forget what getUpdates with this ``offset`` confirms."""
        if offset < 0:
            del self._items[: max(0, len(self._items) + offset)]
            return
        if offset == 0:
            return
        kept: list[QueuedUpdate] = []
        for item in self._items:
            if item.update_id >= offset:
                kept.append(item)
            elif item.duplicate_pending and item.delivered:
                # The duplicate delivery: it comes back once more after being confirmed.
                item.duplicate_pending = False
                item.redelivery = True
                item.delivered = False
                kept.append(item)
            elif item.redelivery and not item.delivered:
                kept.append(item)
        self._items = kept

    def take(self, limit: int) -> list[QueuedUpdate]:
        """The first ``limit`` pending updates, marked as delivered."""
        batch = self._items[:limit]
        for item in batch:
            item.delivered = True
        return batch

    def first(self) -> QueuedUpdate | None:
        """The oldest pending update."""
        return self._items[0] if self._items else None

    def remove(self, item: QueuedUpdate) -> None:
        """Forget an update (posted to the webhook)."""
        if item in self._items:
            self._items.remove(item)

    def clear(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        self._items.clear()
