"""Simulated forum supergroups: members write in topics, tests read what the bot posted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import EllipsisType
from typing import Any

from emulator import media
from emulator.api import BotApi, text_content
from emulator.errors import ApiError
from emulator.state import BotMessage, GroupState

# ``thread_id=...`` (the default) means every topic; None means the General topic.
ThreadFilter = int | None | EllipsisType


class SimulatedGroup:
    """A forum supergroup with the bot and simulated users in it, driven by a test.

    Its members are user ids (with their profiles when made with ``emu.user(...)``).
    Topics are keyed by their ``message_thread_id``; ``thread_id=None`` is the General
    topic. Use it from the event loop that runs the emulator.
    """

    def __init__(self, api: BotApi, chat: GroupState) -> None:
        self._api = api
        self._chat = chat
        self._read: set[int] = set()

    def __repr__(self) -> str:
        return f"SimulatedGroup(id={self.id}, title={self.title!r})"

    # --- what it is ------------------------------------------------------------------

    @property
    def id(self) -> int:
        """The chat id (negative)."""
        return self._chat.id

    @property
    def chat_id(self) -> int:
        """The chat id, as for a SimulatedUser."""
        return self._chat.id

    @property
    def title(self) -> str:
        """The group's title."""
        return self._chat.title

    @property
    def chat(self) -> dict[str, Any]:
        """The Chat object Telegram sends in this group's updates."""
        return self._chat.as_chat()

    @property
    def members(self) -> list[int]:
        """The ids of the simulated users in the group (administrators included)."""
        return sorted(self._chat.members)

    @property
    def topics(self) -> dict[int, dict[str, Any]]:
        """The topics that exist: ``{message_thread_id: {"name", "icon_color", "closed"}}``."""
        return {
            thread_id: {"name": topic.name, "icon_color": topic.icon_color, "closed": topic.closed}
            for thread_id, topic in self._chat.topics.items()
            if not topic.deleted
        }

    def topic_id(self, name: str) -> int:
        """The id of the topic called ``name`` (the newest one); LookupError if none."""
        found = [tid for tid, topic in self.topics.items() if topic["name"] == name]
        if not found:
            raise LookupError(f"no topic {name!r} in {self.title}; topics: {self.topics}")
        return found[-1]

    # --- what the bot posted -----------------------------------------------------------

    def messages(self, thread_id: ThreadFilter = ...) -> list[BotMessage]:
        """The bot's messages in the group, oldest first, deleted ones left out; only those
        of one topic when ``thread_id`` is given (None: the General topic)."""
        return [
            message
            for message in self._chat.history
            if not message.deleted and _in_thread(message.message_thread_id, thread_id)
        ]

    def posts(self, thread_id: ThreadFilter = ...) -> list[dict[str, Any]]:
        """Every other message, as Message objects: what members sent and the service
        messages (``forum_topic_created``...), oldest first."""
        return [
            message
            for _, message in sorted(self._chat.user_messages.items())
            if _in_thread(message.get("message_thread_id"), thread_id)
        ]

    async def next_message(
        self,
        *,
        thread_id: ThreadFilter = ...,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> BotMessage:
        """The oldest bot message in the group (in one topic, when ``thread_id`` is given)
        not yet returned by next_message(), waiting for it."""

        def unread() -> BotMessage | None:
            for message in self._chat.history:
                if message.message_id not in self._read and _in_thread(
                    message.message_thread_id, thread_id
                ):
                    self._read.add(message.message_id)
                    return message
            return None

        return await self._wait(unread, timeout, "new bot message", thread_id)

    async def wait_for(
        self,
        predicate: Callable[[BotMessage], bool],
        *,
        thread_id: ThreadFilter = ...,
        timeout: float = 5.0,  # noqa: ASYNC109
        include_earlier: bool = False,
    ) -> BotMessage:
        """Wait until a bot message sent or edited in the group (in one topic, when
        ``thread_id`` is given) since the last action of any simulated person matches.

        Any person's action counts, in the group or in a private chat with the bot, as the
        bot relays between them. ``include_earlier=True`` also accepts messages already
        there. A predicate that raises TypeError or AttributeError counts as no match.
        """
        chat = self._chat
        position = chat.action_mark
        earlier = self.messages(thread_id) if include_earlier else []

        def matches(message: BotMessage) -> bool:
            if message.deleted or not _in_thread(message.message_thread_id, thread_id):
                return False
            try:
                return bool(predicate(message))
            except (TypeError, AttributeError):
                return False

        def found() -> BotMessage | None:
            nonlocal position, earlier
            for message in earlier:
                if matches(message):
                    return message
            earlier = []
            while position < len(chat.events):
                position += 1
                if matches(chat.events[position - 1]):
                    return chat.events[position - 1]
            return None

        return await self._wait(found, timeout, "bot message matching the predicate", thread_id)

    async def press_data(self, user_id: int, data: str, *, message: BotMessage) -> str:
        """A member presses a button (or sends forged ``data``) on one of the bot's messages
        in the group; returns the query id. The answer goes to the member's
        ``callback_answers``."""
        return self._api.group_callback_query(self._chat, user_id, message, data)

    async def _wait(
        self,
        check: Callable[[], BotMessage | None],
        seconds: float,
        what: str,
        thread_id: ThreadFilter,
    ) -> BotMessage:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self._api.closed:
                raise TimeoutError(
                    f"group {self.id}: no {what}{_where(thread_id)} within {seconds}s; "
                    f"{self._summary(thread_id)}"
                )
            await self._chat.changed.wait_at_most(remaining)

    def mark_read(self) -> None:
        """Treat everything so far as seen by next_message() and wait_for()."""
        self._read.update(message.message_id for message in self._chat.history)
        self._chat.action_mark = len(self._chat.events)

    # --- members acting ------------------------------------------------------------------

    async def send(
        self,
        user_id: int,
        text: str,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member writes ``text`` in a topic (None: General, or the topic of ``reply_to``);
        returns the message_id. A /command gets its bot_command entity."""
        return self._post(user_id, text_content(text), thread_id, reply_to)

    async def send_voice(
        self,
        user_id: int,
        *,
        duration: int = 3,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member sends a voice note; returns its message_id."""
        return self._post(user_id, media.voice(self._api, duration), thread_id, reply_to)

    async def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member sends a photo; returns its message_id."""
        return self._post(user_id, media.photo(self._api, caption), thread_id, reply_to)

    async def send_document(
        self,
        user_id: int,
        *,
        file_name: str = "file.pdf",
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member sends a document; returns its message_id."""
        content = media.document(self._api, file_name, caption)
        return self._post(user_id, content, thread_id, reply_to)

    async def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member sends a location; returns its message_id."""
        return self._post(user_id, media.location(latitude, longitude), thread_id, reply_to)

    async def send_sticker(
        self,
        user_id: int,
        *,
        emoji: str = "👍",
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """A member sends a sticker; returns its message_id."""
        return self._post(user_id, media.sticker(self._api, emoji), thread_id, reply_to)

    async def create_topic(self, user_id: int, name: str, *, icon_color: int | None = None) -> int:
        """A member creates a topic (its ``forum_topic_created`` message reaches the bot);
        returns its message_thread_id."""
        sender = self._member(user_id)
        try:
            topic = self._api.open_topic(self._chat, sender, name, icon_color)
        except ApiError as exc:
            raise ValueError(exc.description) from None
        self._api.mark_action(self._chat)
        return topic.message_thread_id

    # --- helpers ---------------------------------------------------------------------------

    def _member(self, user_id: int) -> dict[str, Any]:
        if user_id not in self._chat.members:
            raise ValueError(f"user {user_id} is not a member of {self.title}")
        return self._api.person(user_id)

    def _post(
        self,
        user_id: int,
        content: dict[str, Any],
        thread_id: int | None,
        reply_to: int | None,
    ) -> int:
        chat = self._chat
        sender = self._member(user_id)
        topic = chat.topic(thread_id) if thread_id is not None else None
        if topic is not None and topic.closed and user_id not in chat.admins:
            if topic.creator_id != user_id:
                raise PermissionError(
                    f"TOPIC_CLOSED: user {user_id} can't write in the closed topic {thread_id}"
                )
        return self._api.incoming_message(
            chat, sender, content, thread_id=thread_id, reply_to=reply_to
        )

    def _summary(self, thread_id: ThreadFilter) -> str:
        recent = self.messages(thread_id)[-3:]
        if not recent:
            return f"the bot has posted nothing{_where(thread_id)}"
        shown = "; ".join(
            f"#{m.message_id} (topic {m.message_thread_id}) {m.kind}: "
            f"{(m.text or m.caption or '')[:80]!r}"
            for m in recent
        )
        return f"latest bot messages: {shown}"


def _in_thread(actual: Any, wanted: ThreadFilter) -> bool:
    return wanted is ... or actual == wanted


def _where(thread_id: ThreadFilter) -> str:
    if thread_id is ...:
        return ""
    return " in the General topic" if thread_id is None else f" in topic {thread_id}"
