"""Simulated Telegram users: they type, press buttons and read what the bot answered."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from emulator import media
from emulator.api import BotApi
from emulator.state import BotMessage, CallbackAnswer, ChatState

ButtonLabel = str | re.Pattern[str]
_T = TypeVar("_T")


def _label_matches(label: str, wanted: ButtonLabel, exact: bool) -> bool:
    if isinstance(wanted, re.Pattern):
        return wanted.search(label) is not None
    return label == wanted if exact else wanted in label


def _label(button: Any) -> str:
    return str(button.get("text", "")) if isinstance(button, dict) else str(button)


class SimulatedUser:
    """A user in a private chat with the bot, driven by a test.

    Use it from the event loop that runs the emulator. Every wait is woken by the
    emulator as soon as the bot acts; none of them polls.
    """

    def __init__(self, api: BotApi, chat: ChatState) -> None:
        self._api = api
        self._chat = chat

    def __repr__(self) -> str:
        return f"SimulatedUser(id={self.id}, first_name={self.first_name!r})"

    # --- who ---------------------------------------------------------------------

    @property
    def id(self) -> int:
        """The user's id, which is also the id of the private chat."""
        return self._chat.id

    @property
    def chat_id(self) -> int:
        """The id of the private chat with the bot."""
        return self._chat.id

    @property
    def first_name(self) -> str:
        """The user's first name."""
        return str(self._chat.user["first_name"])

    @property
    def language_code(self) -> str | None:
        """The language of the user's Telegram app, or None when Telegram does not send one."""
        code = self._chat.user.get("language_code")
        return str(code) if code is not None else None

    @property
    def user(self) -> dict[str, Any]:
        """The User object Telegram sends in this user's updates."""
        return self._chat.user

    # --- what the bot sent -------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages in the chat, oldest first, as they are now (deleted ones left out)."""
        return [message for message in self._chat.history if not message.deleted]

    @property
    def history(self) -> list[BotMessage]:
        """Every message the bot ever sent to the chat, deleted ones included."""
        return list(self._chat.history)

    @property
    def last(self) -> BotMessage:
        """The bot's latest message; LookupError when there is none."""
        messages = self.messages
        if not messages:
            raise LookupError(f"the bot has not sent anything to user {self.id}")
        return messages[-1]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's callback queries, in order."""
        return list(self._chat.callback_answers)

    @property
    def chat_actions(self) -> list[str]:
        """The chat actions ("typing", ...) the bot sent to this chat."""
        return list(self._chat.chat_actions)

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """The reply keyboard the user sees now, as button texts by row."""
        keyboard = self._chat.reply_keyboard
        if keyboard is None:
            return []
        return [[_label(button) for button in row] for row in keyboard.get("keyboard", [])]

    # --- acting ------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        entities: Sequence[dict[str, Any]] = (),
        reply_to: int | None = None,
    ) -> int:
        """Send a text message to the bot (a /command gets its bot_command entity).

        ``entities`` is the formatting the Telegram app would send with it (MessageEntity
        dicts, offsets in UTF-16 code units): bold, links and so on, as typed in the app;
        ``emulator.formatting.parse_html`` makes them from HTML. ``reply_to`` makes it a
        reply to that message of the chat (the bot's or the user's own), which the update
        shows as ``reply_to_message``.
        """
        return self._api.user_message(self._chat, text, entities=entities, reply_to=reply_to)

    async def edit(self, message_id: int, text: str) -> None:
        """Edit one of the user's own text messages (as the app's "Edit" does)."""
        self._api.user_edit(self._chat, message_id, text)

    async def send_voice(self, duration: int = 3, *, reply_to: int | None = None) -> int:
        """Send a voice note (OGG/Opus, ``duration`` seconds); returns its message_id."""
        return self._post(media.voice(self._api, duration), reply_to)

    async def send_photo(self, caption: str | None = None, *, reply_to: int | None = None) -> int:
        """Send a photo (in three sizes, as Telegram keeps it); returns its message_id."""
        return self._post(media.photo(self._api, caption), reply_to)

    async def send_document(
        self,
        file_name: str = "file.pdf",
        caption: str | None = None,
        *,
        reply_to: int | None = None,
    ) -> int:
        """Send a file as a document; returns its message_id."""
        return self._post(media.document(self._api, file_name, caption), reply_to)

    async def forward(self, text: str, sender_name: str = "Someone") -> int:
        """Forward someone else's text message to the bot (its sender hidden, as most
        people's privacy settings make it); returns its message_id."""
        origin = {"type": "hidden_user", "sender_user_name": sender_name, "date": 1_700_000_000}
        return self._post({"text": text, "forward_origin": origin}, None)

    async def send_location(
        self, latitude: float, longitude: float, *, reply_to: int | None = None
    ) -> int:
        """Send a location; returns its message_id."""
        return self._post(media.location(latitude, longitude), reply_to)

    async def send_venue(self, latitude: float, longitude: float, title: str, address: str) -> int:
        """Send a place picked from the map (a venue); returns its message_id."""
        return self._post(media.venue(latitude, longitude, title, address), None)

    async def send_sticker(self, emoji: str = "👍", *, reply_to: int | None = None) -> int:
        """Send a regular static sticker; returns its message_id."""
        return self._post(media.sticker(self._api, emoji), reply_to)

    def _post(self, content: dict[str, Any], reply_to: int | None) -> int:
        return self._api.incoming_message(self._chat, self._chat.user, content, reply_to=reply_to)

    async def command(self, name: str, args: str | None = None) -> int:
        """Send ``/name args``; ``command("start", "nc-bon")`` is ``send("/start nc-bon")``."""
        text = "/" + name.lstrip("/")
        return await self.send(f"{text} {args}" if args else text)

    async def press(
        self,
        text: ButtonLabel,
        *,
        message: BotMessage | int | None = None,
        exact: bool = True,
    ) -> str | None:
        """Press the button labelled ``text`` and return the callback query id.

        Looks at the inline keyboards of the bot's messages, newest first (or only at
        ``message``), then at the reply keyboard the user sees, which sends the label as a
        text message (and returns None). ``exact=False`` matches a substring, a compiled
        pattern is searched. Raises LookupError listing the buttons there are.
        """
        candidates = [self._message(message)] if message is not None else self.messages[::-1]
        for candidate in candidates:
            for row in candidate.inline_keyboard:
                for button in row:
                    if _label_matches(_label(button), text, exact):
                        return self._press_inline(candidate, button)
        if message is None:
            for label in (label for row in self.reply_keyboard for label in row):
                if _label_matches(label, text, exact):
                    await self.send(label)
                    return None
        raise LookupError(self._no_button(text, candidates))

    async def press_data(self, data: str, *, message: BotMessage | int | None = None) -> str:
        """Send a callback query with arbitrary (possibly forged) ``data``; returns its id.

        It comes from ``message``, else the latest message with an inline keyboard, else
        the latest message.
        """
        if message is not None:
            target = self._message(message)
        else:
            with_keyboard = [m for m in self.messages if m.inline_keyboard]
            target = with_keyboard[-1] if with_keyboard else self.last
        return self._api.callback_query(self._chat, target, data)

    def block(self, *, notify: bool = True) -> None:
        """Block the bot: sends to this user answer 403 from now on."""
        self._api.set_blocked(self.id, True, notify=notify)

    def unblock(self, *, notify: bool = True) -> None:
        """Unblock the bot."""
        self._api.set_blocked(self.id, False, notify=notify)

    def mark_read(self) -> None:
        """Treat everything so far as seen by next_message() and wait_for()."""
        self._chat.read_cursor = len(self._chat.history)
        self._chat.answers_cursor = len(self._chat.callback_answers)
        self._chat.action_mark = len(self._chat.events)

    # --- waiting -----------------------------------------------------------------

    # The waits take timeout= (rather than asking callers for asyncio.timeout) so that the
    # error names what was awaited and shows the chat's latest messages.
    async def next_message(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next new bot message not yet returned by next_message(), waiting for it."""
        chat = self._chat

        def unread() -> BotMessage | None:
            if chat.read_cursor < len(chat.history):
                chat.read_cursor += 1
                return chat.history[chat.read_cursor - 1]
            return None

        return await self._wait(unread, timeout, "new message from the bot")

    async def wait_for(
        self,
        predicate: Callable[[BotMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        include_earlier: bool = False,
    ) -> BotMessage:
        """Wait until a bot message sent or edited since the user's last action matches.

        ``include_earlier=True`` also accepts messages already in the chat. A predicate
        that raises TypeError or AttributeError (``"x" in m.text`` on a document) counts
        as no match.
        """
        chat = self._chat
        position = chat.action_mark
        earlier = list(self.messages) if include_earlier else []

        def matches(message: BotMessage) -> bool:
            try:
                return not message.deleted and bool(predicate(message))
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

        return await self._wait(found, timeout, "bot message matching the predicate")

    async def next_callback_answer(self, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        """The next answer to this user's callback queries not yet returned, waiting for it."""
        chat = self._chat

        def unread() -> CallbackAnswer | None:
            if chat.answers_cursor < len(chat.callback_answers):
                chat.answers_cursor += 1
                return chat.callback_answers[chat.answers_cursor - 1]
            return None

        return await self._wait(unread, timeout, "answer to a callback query")

    # --- helpers -----------------------------------------------------------------

    async def _wait(self, check: Callable[[], _T | None], seconds: float, what: str) -> _T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0 or self._api.closed:
                raise TimeoutError(
                    f"user {self.id}: no {what} within {seconds}s; {self._summary()}"
                )
            await self._chat.changed.wait_at_most(remaining)

    def _summary(self) -> str:
        recent = self.messages[-3:]
        if not recent:
            return "the bot has sent nothing to this chat"
        shown = "; ".join(
            f"#{m.message_id} {m.kind}: {(m.text or m.caption or '')[:80]!r}" for m in recent
        )
        return f"latest bot messages: {shown}"

    def _message(self, ref: BotMessage | int) -> BotMessage:
        message_id = ref.message_id if isinstance(ref, BotMessage) else ref
        message = self._chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no bot message #{message_id} in the chat with user {self.id}")
        return message

    def _press_inline(self, message: BotMessage, button: dict[str, Any]) -> str:
        data = button.get("callback_data")
        if data is None:
            kind = next((key for key in button if key not in ("text", "style")), "unknown")
            raise ValueError(
                f"button {button.get('text')!r} is a {kind} button: pressing it sends nothing "
                "to the bot"
            )
        return self._api.callback_query(self._chat, message, str(data))

    def _no_button(self, wanted: ButtonLabel, candidates: list[BotMessage]) -> str:
        shown = wanted.pattern if isinstance(wanted, re.Pattern) else wanted
        lines = [f"no button {shown!r} for user {self.id}."]
        keyboards = [m for m in candidates if m.inline_keyboard][:5]
        for message in keyboards:
            lines.append(f"  message #{message.message_id}: {message.button_rows}")
        if self.reply_keyboard:
            lines.append(f"  reply keyboard: {self.reply_keyboard}")
        if len(lines) == 1:
            lines.append("  the chat has no keyboard at all")
        return "\n".join(lines)
