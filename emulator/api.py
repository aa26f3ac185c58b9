"""What the Bot API does: validation, limits, faults, and the methods with real behaviour.

``BotApi`` is independent of HTTP: the server hands it a method name and parameters
and sends back the ``ApiResponse``. Simulated users act on it through ``user_message``
and ``callback_query``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import logging
import mimetypes
import re
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from emulator.errors import ApiError, bad_request
from emulator.faults import FaultPlan
from emulator.formatting import (
    PARSE_MODES,
    EntityParseError,
    command_entities,
    parse_html,
    utf16_len,
)
from emulator.limits import RateLimit, RateLimiter
from emulator.spec import ApiSpec, MethodSpec, RequestParams, RequestValidator, Upload, load_spec
from emulator.state import (
    DEFAULT_ADMIN_RIGHTS,
    DEFAULT_BOT_RIGHTS,
    TOPIC_ICON_COLORS,
    BotCommandEntry,
    BotMessage,
    CallbackAnswer,
    ChatBase,
    ChatState,
    ForumTopicState,
    GroupState,
    StoredFile,
    UpdateQueue,
    WebhookConfig,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_CODE_RE = re.compile(r"[a-z]{2}")
_OTHER_MESSAGE_METHODS = frozenset(
    {"copymessage", "copymessages", "forwardmessage", "forwardmessages"}
)
_JPEG_SIZE_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
MAX_TOPIC_NAME_LENGTH = 128
NOT_A_MEMBER = "Forbidden: bot is not a member of the supergroup chat"
# Message fields that make a service message: these can't be copied or forwarded.
SERVICE_FIELDS = frozenset(
    {
        "forum_topic_created", "forum_topic_edited", "forum_topic_closed",
        "forum_topic_reopened", "general_forum_topic_hidden", "general_forum_topic_unhidden",
        "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
        "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
        "pinned_message", "migrate_to_chat_id", "migrate_from_chat_id",
    }
)  # fmt: skip
# The kinds of message whose copy takes a new caption.
_CAPTIONED_KINDS = frozenset({"document", "photo", "voice"})
# Where getFile's file_path puts each kind of file, as TDLib names the directories.
_FILE_DIRECTORIES = {"document": "documents", "photo": "photos", "voice": "voice"}


@dataclass(slots=True)
class RequestRecord:
    """One answered Bot API request, as kept in ``BotApi.requests``.

    ``method`` is the official spelling when the method exists; ``params`` are the
    validated values (uploads as ``Upload``) or the raw ones when validation failed;
    ``time`` is when the request arrived (``time.time()``); ``status`` 499 marks a
    request whose client went away first; ``source`` is "webhook-reply" for a method a
    webhook answered with.
    """

    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    time: float
    duration: float = 0.0
    injected: bool = False
    source: str = "http"

    @property
    def ok(self) -> bool:
        """Whether Telegram would have answered ``"ok": true``."""
        return self.status == 200


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """HTTP status and JSON body of an answer."""

    status: int
    body: dict[str, Any]


@dataclass(slots=True)
class _CallbackQuery:
    chat: ChatState
    created: float
    answered: bool = False


Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def is_outgoing_message(method: str) -> bool:
    """Whether a call (lower-case name) sends or edits a message: what flood limits count."""
    if method.startswith("send"):
        return method != "sendchataction" and not method.endswith("draft")
    return method.startswith("editmessage") or method in _OTHER_MESSAGE_METHODS


def scope_key(scope: dict[str, Any] | None) -> str:
    """A readable key for a BotCommandScope: "default", "all_private_chats", "chat:1001"..."""
    if not scope:
        return "default"
    kind = str(scope["type"])
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member":
        return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
    return kind


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image ((0, 0) for WebP); None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 0, 0
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in _JPEG_SIZE_MARKERS:
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + int(length)
    return None


def audio_type(data: bytes) -> str | None:
    """The MIME type of OGG, MP3 or M4A audio; None for anything else."""
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def _sticker_type(data: bytes, guessed: str) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if data.startswith(b"\x1f\x8b"):
        return "application/x-tgsticker"
    return guessed


def text_content(text: str, entities: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The text fields of a person's message: the formatting `entities` the app sent
    (offsets in UTF-16 code units; ValueError when one does not fit the text), with the
    bot_command entities Telegram adds."""
    content: dict[str, Any] = {"text": text}
    size = utf16_len(text)
    for entity in entities:
        offset, length = entity.get("offset"), entity.get("length")
        if not (isinstance(offset, int) and isinstance(length, int)) or not (
            "type" in entity and 0 <= offset and 0 < length and offset + length <= size
        ):
            raise ValueError(f"entity {entity!r} does not fit a text of {size} UTF-16 units")
    entities = sorted(
        [*copy.deepcopy(list(entities)), *command_entities(text)],
        key=lambda e: (e["offset"], -e["length"]),
    )
    if entities:
        content["entities"] = entities
    return content


def administrator(user: dict[str, Any], rights: dict[str, bool]) -> dict[str, Any]:
    """A ChatMemberAdministrator with these rights.

    It also has ``can_send_welcome_messages``, which Bot API 10.3 made required (aiogram
    3.31 rejects an administrator without it) although ``api.json`` (10.1) lacks it.
    """
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "can_send_welcome_messages": False,
        **rights,
    }


def replied_message(
    chat: ChatBase, reply_to: int | None, thread_id: int | None
) -> dict[str, Any] | None:
    """The ``reply_to_message`` Telegram shows: the replied message or, in a topic without
    an explicit reply, the topic's creation message; never with its own reply_to_message."""
    target = reply_to if reply_to is not None else thread_id
    if target is None:
        return None
    message = chat.message_dict(target)
    if message is None:
        return None
    return {key: value for key, value in message.items() if key != "reply_to_message"}


class BotApi:
    """The emulated Bot API of one bot: its chats, files, update queue, limits and faults."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        rate_limit: RateLimit | None = None,
        bot_username: str = "emulated_bot",
        bot_first_name: str = "Emulated Bot",
        callback_query_ttl: float = 15.0,
        spec: ApiSpec | None = None,
    ) -> None:
        self.token = token
        self.spec = spec or load_spec()
        self._validator = RequestValidator(self.spec)
        prefix = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.chats: dict[int, ChatState] = {}
        self.groups: dict[int, GroupState] = {}
        self.files: dict[str, StoredFile] = {}
        self.updates = UpdateQueue()
        self.faults = FaultPlan()
        self.limiter = RateLimiter(rate_limit)
        self.commands: dict[tuple[str, str], list[BotCommandEntry]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: WebhookConfig | None = None
        self.requests: list[RequestRecord] = []
        self.rejected: list[RequestRecord] = []
        self.callback_query_ttl = callback_query_ttl
        self.closed = False
        self._files_by_path: dict[str, StoredFile] = {}
        self._queries: dict[str, _CallbackQuery] = {}
        self._ids = itertools.count(1)
        self._poll_generation = 0
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmembercount": self._get_chat_member_count,
            "sendvoice": self._send_voice,
            "sendsticker": self._send_sticker,
            "sendlocation": self._send_location,
            "copymessage": self._copy_message,
            "forwardmessage": self._forward_message,
            "createforumtopic": self._create_forum_topic,
            "editforumtopic": self._edit_forum_topic,
            "closeforumtopic": self._close_forum_topic,
            "reopenforumtopic": self._reopen_forum_topic,
            "deleteforumtopic": self._delete_forum_topic,
        }

    # --- requests ---------------------------------------------------------------

    async def handle(
        self,
        token: str,
        method_name: str,
        request: RequestParams | ApiError,
        *,
        source: str = "http",
        connected: Callable[[], bool] | None = None,
    ) -> ApiResponse:
        """Answer one Bot API call; ``request`` is an ``ApiError`` when the body was unreadable.

        ``connected`` tells whether the client still waits for the answer: a request its
        client abandoned (a cancelled long poll) is logged but never counted as rejected.
        """
        received, started = time.time(), time.monotonic()
        name = method_name
        logged: dict[str, Any] = dict(request.values) if isinstance(request, RequestParams) else {}
        injected = False
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            spec = self.spec.method(method_name)
            if spec is None:
                raise ApiError(404, "Not Found")
            name = spec.name
            if isinstance(request, ApiError):
                raise request
            params = self._validator.validate(spec, request)
            logged = params
            response = ApiResponse(200, {"ok": True, "result": await self._execute(spec, params)})
        except ApiError as exc:
            injected = exc.injected
            response = ApiResponse(exc.status, exc.body())
        except asyncio.CancelledError:
            self._record(
                RequestRecord(name, logged, 499, "Client Closed Request", received, source=source)
            )
            raise
        except Exception:
            log.exception("emulator failed while answering %s", name)
            response = ApiResponse(
                500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            )
        status, description = response.status, response.body.get("description")
        if connected is not None and not connected():
            status, description = 499, "Client Closed Request"
        self._record(
            RequestRecord(
                name,
                logged,
                status,
                description,
                received,
                time.monotonic() - started,
                injected,
                source,
            )
        )
        return response

    def _record(self, record: RequestRecord) -> None:
        self.requests.append(record)
        deliberate = record.injected or record.status in (429, 499)
        if 400 <= record.status < 500 and not deliberate:
            self.rejected.append(record)

    async def _execute(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        method = spec.name.lower()
        slow = self.faults.take(method, ("slow",))
        if slow is not None:
            await asyncio.sleep(slow.seconds)
        failure = self.faults.take(method, ("fail", "too_many", "refuse"))
        if failure is not None:
            raise failure.error()
        outgoing = is_outgoing_message(method)
        chat_id = self._chat_key(params.get("chat_id"))
        if (outgoing or method == "sendchataction") and chat_id in self.faults.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user", injected=True)
        if outgoing:
            retry_after = self.limiter.retry_after(chat_id)
            if retry_after is not None:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
        handler = self._handlers.get(method)
        result = await handler(params) if handler is not None else self._default(spec, params)
        if outgoing:
            self.limiter.record(chat_id)
        return result

    # --- chats and messages -----------------------------------------------------

    def _chat_key(self, chat_id: Any) -> int | str | None:
        if isinstance(chat_id, str):
            if chat_id.lstrip("-").isdigit():
                return int(chat_id)
            chat = self._find_chat(chat_id)
            return chat.id if chat is not None else chat_id
        return chat_id if isinstance(chat_id, int) else None

    def _find_chat(self, chat_id: Any) -> ChatBase | None:
        key = chat_id
        if isinstance(chat_id, str):
            if chat_id.lstrip("-").isdigit():
                key = int(chat_id)
            else:
                username = chat_id.removeprefix("@")
                return next(
                    (c for c in self.chats.values() if c.user.get("username") == username), None
                )
        if not isinstance(key, int):
            return None
        found: ChatBase | None = self.chats.get(key)
        return found if found is not None else self.groups.get(key)

    def _chat(self, chat_id: Any) -> ChatBase:
        chat = self._find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if isinstance(chat, GroupState) and chat.bot_status == "left":
            raise ApiError(403, NOT_A_MEMBER)
        return chat

    def _send_chat(self, params: dict[str, Any]) -> ChatBase:
        """The chat a send goes to, with its ``message_thread_id`` checked."""
        chat = self._chat(params["chat_id"])
        self._thread(chat, params)
        return chat

    def _thread(self, chat: ChatBase, params: dict[str, Any]) -> int | None:
        """The forum topic a send goes to (None: the General topic, or not a forum).

        The description gives ``message_thread_id`` "for forum supergroups and private
        chats of bots with forum topic mode enabled only". The emulated bot has no forum
        topic mode (getMe has no ``has_topics_enabled``), so outside forums it is ignored.
        """
        thread_id = params.get("message_thread_id")
        if thread_id is None or not isinstance(chat, GroupState) or not chat.is_forum:
            return None
        topic = chat.topic(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed and not self._manages_topic(chat, topic):
            raise bad_request("TOPIC_CLOSED")
        return int(thread_id)

    def _manages_topic(self, chat: GroupState, topic: ForumTopicState) -> bool:
        return chat.bot_can("can_manage_topics") or topic.creator_id == self.bot_user["id"]

    def _new_message(self, chat: ChatBase, kind: str) -> BotMessage:
        return BotMessage(
            message_id=chat.next_message_id(),
            chat=chat.as_chat(),
            sender=self.bot_user,
            date=int(time.time()),
            kind=kind,
        )

    def _formatted(
        self, params: dict[str, Any], key: str, entities_key: str, limit: int
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        """Plain text, entities and raw HTML (if any) of ``params[key]``, with Telegram's checks."""
        raw = str(params.get(key) or "")
        mode = params.get("parse_mode")
        if mode is not None and mode.lower() not in PARSE_MODES:
            raise bad_request("unsupported parse_mode")
        if mode is not None and mode.lower() == "html":
            try:
                plain, entities = parse_html(raw)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
            html: str | None = raw
        else:
            plain, entities, html = raw, list(params.get(entities_key) or []), None
        if len(plain) > limit:
            too_long = "message is too long" if key == "text" else "message caption is too long"
            raise bad_request(too_long)
        return plain, entities, html

    def _text(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str | None]:
        text, entities, html = self._formatted(params, "text", "entities", MAX_TEXT_LENGTH)
        if not text.strip():
            raise bad_request("message text is empty")
        return text, entities, html

    def _caption(
        self, params: dict[str, Any]
    ) -> tuple[str | None, list[dict[str, Any]], str | None]:
        if not params.get("caption"):
            return None, [], None
        return self._formatted(params, "caption", "caption_entities", MAX_CAPTION_LENGTH)

    def _apply_caption(self, message: BotMessage, params: dict[str, Any]) -> None:
        message.caption, message.caption_entities, message.caption_html = self._caption(params)
        if message.caption is not None:
            message.parse_mode = params.get("parse_mode")

    def _reply_to(self, chat: ChatBase, params: dict[str, Any]) -> int | None:
        target: int | None = None
        allow_missing = bool(params.get("allow_sending_without_reply", False))
        reply = params.get("reply_parameters")
        if reply:
            if reply.get("chat_id") not in (None, chat.id, str(chat.id)):
                return None  # a reply to another chat: nothing here to check it against
            target = reply["message_id"]
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        elif "reply_to_message_id" in params:
            target = params["reply_to_message_id"]
        if target is None:
            return None
        existing = chat.bot_messages.get(target)
        if (existing is not None and not existing.deleted) or target in chat.user_messages:
            return target
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")

    def _publish(self, chat: ChatBase, message: BotMessage, params: dict[str, Any]) -> Any:
        message.reply_markup = params.get("reply_markup")
        message.reply_to_message_id = self._reply_to(chat, params)
        thread = self._thread(chat, params)
        if thread is None and message.reply_to_message_id is not None:
            # A reply goes to the topic of the message it answers.
            thread = chat.thread_of(message.reply_to_message_id)
        message.message_thread_id = thread
        message.reply_to_message = replied_message(chat, message.reply_to_message_id, thread)
        chat.add_bot_message(message)
        return message.to_api()

    def _edit_target(self, params: dict[str, Any]) -> tuple[ChatBase, BotMessage]:
        if "inline_message_id" in params:
            # Inline mode is not emulated, so no inline message can exist.
            raise bad_request("message to edit not found")
        if "chat_id" not in params or "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self._chat(params["chat_id"])
        message = chat.bot_messages.get(params["message_id"])
        if message is None or message.deleted:
            if params["message_id"] in chat.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return chat, message

    @staticmethod
    def _inline_markup(message: BotMessage) -> dict[str, Any] | None:
        markup = message.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None

    @staticmethod
    def _mark_edited(chat: ChatBase, message: BotMessage) -> None:
        message.edited += 1
        message.edit_date = int(time.time())
        chat.record_edit(message)

    # --- files --------------------------------------------------------------------

    def _input_file(
        self, value: Any, kind: str, *, duration: int = 0, emoji: str | None = None
    ) -> StoredFile:
        """The file a send names: an upload, a known file_id or a URL.

        A file sent again by file_id keeps its kind (a voice note sent with sendDocument
        is still a voice note), but a photo can't stand in for another kind, nor another
        kind for a photo. An upload to sendVoice that is not OGG, MP3 or M4A audio becomes
        a document ("other formats may be sent as Audio or Document").
        """
        if isinstance(value, Upload):
            if not value.data:
                raise bad_request("file must be non-empty")
            limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_DOCUMENT_BYTES
            if value.size > limit:
                raise bad_request("file is too big")
            width = height = 0
            if kind == "photo":
                size = image_size(value.data)
                if size is None:
                    raise bad_request("IMAGE_PROCESS_FAILED")
                width, height = size
            guessed = mimetypes.guess_type(value.filename)[0]
            mime = guessed or value.content_type or "application/octet-stream"
            if kind == "photo":
                mime = "image/jpeg"  # Telegram re-encodes every photo as JPEG
            elif kind == "voice":
                audio = audio_type(value.data)
                if audio is None:
                    kind = "document"
                else:
                    mime = audio
            elif kind == "sticker":
                mime = _sticker_type(value.data, mime)
                width = height = 512
            return self.store_file(
                kind,
                value.filename,
                value.data,
                mime,
                width=width,
                height=height,
                duration=duration,
                emoji=emoji,
            )
        if isinstance(value, str):
            existing = self.files.get(value)
            if existing is not None:
                if (existing.kind == "photo") != (kind == "photo"):
                    raise bad_request(
                        f"can't use file of type {existing.kind.title()} as {kind.title()}"
                    )
                return existing
            if value.startswith(("http://", "https://")):
                # The emulator never fetches URLs: the file is recorded without content.
                name = PurePosixPath(urlsplit(value).path).name or "file"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                if kind == "voice":
                    mime = "audio/ogg"
                side = 512 if kind == "sticker" else 0
                return self.store_file(
                    kind,
                    name,
                    b"",
                    mime,
                    width=side,
                    height=side,
                    duration=duration,
                    emoji=emoji,
                )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def store_file(
        self,
        kind: str,
        filename: str,
        data: bytes,
        mime: str,
        *,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
        emoji: str | None = None,
    ) -> StoredFile:
        """Keep a file (the bot's upload or what a simulated user sent) for getFile."""
        number = next(self._ids)
        digest = hashlib.sha256(data).hexdigest()
        suffix = ".jpg" if kind == "photo" else PurePosixPath(filename).suffix
        directory = _FILE_DIRECTORIES.get(kind, f"{kind}s")
        stored = StoredFile(
            file_id=f"{kind}-{number}-{digest[:12]}",
            file_unique_id=f"u{digest[:15]}",
            file_path=f"{directory}/file_{number}{suffix}",
            filename=filename,
            mime_type=mime,
            data=data,
            width=width,
            height=height,
            kind=kind,
            duration=duration,
            emoji=emoji,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        """The stored file served at ``/file/bot<token>/<path>``."""
        return self._files_by_path.get(path)

    # --- methods --------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates.changed.notify()  # a newer getUpdates ends an older one still waiting
        self.updates.set_allowed(params.get("allowed_updates"))
        self.updates.confirm(int(params.get("offset", 0)))
        limit = min(max(int(params.get("limit", 100)), 1), 100)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(int(params.get("timeout", 0)), 0)
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, POLLING_CONFLICT)
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            batch = self.updates.take(limit)
            remaining = deadline - loop.time()
            if batch or self.closed or remaining <= 0:
                return [item.payload for item in batch]
            await self.updates.changed.wait_at_most(remaining)

    async def _set_webhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.updates.set_allowed(params.get("allowed_updates"))
        self.webhook = WebhookConfig(url, secret, max_connections, params.get("ip_address"))
        self.updates.changed.notify()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> Any:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = None
        self.updates.changed.notify()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> Any:
        hook = self.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook is not None else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        allowed = self.updates.allowed_updates
        if allowed is not None:
            info["allowed_updates"] = allowed
        return info

    async def _send_message(self, params: dict[str, Any]) -> Any:
        chat = self._send_chat(params)
        text, entities, html = self._text(params)
        message = self._new_message(chat, "text")
        message.text, message.entities, message.html = text, entities, html
        message.parse_mode = params.get("parse_mode")
        return self._publish(chat, message, params)

    async def _edit_message_text(self, params: dict[str, Any]) -> Any:
        chat, message = self._edit_target(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities, html = self._text(params)
        # Without reply_markup an edit removes the inline keyboard, as Telegram does.
        markup = params.get("reply_markup")
        if (text, entities, markup) == (
            message.text,
            message.entities,
            self._inline_markup(message),
        ):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.html = text, entities, html
        message.parse_mode = params.get("parse_mode")
        message.reply_markup = markup
        self._mark_edited(chat, message)
        return message.to_api()

    async def _edit_message_caption(self, params: dict[str, Any]) -> Any:
        chat, message = self._edit_target(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities, html = self._caption(params)
        markup = params.get("reply_markup")
        current = (message.caption, message.caption_entities, self._inline_markup(message))
        if (caption, entities, markup) == current:
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities, message.caption_html = caption, entities, html
        message.parse_mode = params.get("parse_mode")
        message.reply_markup = markup
        self._mark_edited(chat, message)
        return message.to_api()

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        chat, message = self._edit_target(params)
        markup = params.get("reply_markup")
        if markup == self._inline_markup(message):
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        self._mark_edited(chat, message)
        return message.to_api()

    @staticmethod
    def _check_deletable(chat: ChatBase, message_id: int) -> None:
        """In a group, others' messages need can_delete_messages; a topic's creation
        message can't be deleted at all."""
        other = chat.user_messages.get(message_id)
        if other is not None and isinstance(chat, GroupState):
            if not chat.bot_can("can_delete_messages") or "forum_topic_created" in other:
                raise bad_request("message can't be deleted")

    def _delete_one(self, chat: ChatBase, message_id: int) -> bool:
        message = chat.bot_messages.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            chat.changed.notify()
            return True
        return chat.user_messages.pop(message_id, None) is not None

    async def _delete_message(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        self._check_deletable(chat, params["message_id"])
        if not self._delete_one(chat, params["message_id"]):
            raise bad_request("message to delete not found")
        return True

    async def _delete_messages(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        for message_id in params["message_ids"]:
            self._check_deletable(chat, message_id)
        for message_id in params["message_ids"]:
            self._delete_one(chat, message_id)
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> Any:
        query = self._queries.get(params["callback_query_id"])
        if (
            query is None
            or query.answered
            or time.monotonic() - query.created > self.callback_query_ttl
        ):
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.chat.callback_answers.append(
            CallbackAnswer(
                query_id=params["callback_query_id"],
                text=text,
                show_alert=bool(params.get("show_alert", False)),
                url=params.get("url"),
                cache_time=int(params.get("cache_time", 0)),
            )
        )
        query.chat.changed.notify()
        return True

    def _media_message(self, chat: ChatBase, stored: StoredFile) -> BotMessage:
        """A new bot message carrying ``stored`` as what it is (document, photo...)."""
        message = self._new_message(chat, stored.kind)
        if stored.kind == "photo":
            message.photo_file = stored
        elif stored.kind == "voice":
            message.voice = stored.as_voice()
        elif stored.kind == "sticker":
            message.sticker = stored.as_sticker()
        else:
            message.kind = "document"
            message.document = stored
        return message

    async def _send_file(self, params: dict[str, Any], kind: str, **details: Any) -> Any:
        chat = self._send_chat(params)
        stored = self._input_file(params[kind], kind, **details)
        message = self._media_message(chat, stored)
        if message.kind in _CAPTIONED_KINDS:
            self._apply_caption(message, params)
        return self._publish(chat, message, params)

    async def _send_document(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "document")

    async def _send_photo(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "photo")

    async def _send_voice(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "voice", duration=int(params.get("duration") or 0))

    async def _send_sticker(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "sticker", emoji=params.get("emoji"))

    async def _send_location(self, params: dict[str, Any]) -> Any:
        chat = self._send_chat(params)
        latitude, longitude = params["latitude"], params["longitude"]
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("invalid location specified")
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if key in params:
                location[key] = params[key]
        message = self._new_message(chat, "location")
        message.location = location
        return self._publish(chat, message, params)

    async def _get_file(self, params: dict[str, Any]) -> Any:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.as_file()

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        language = str(params.get("language_code") or "")
        if language and not _LANGUAGE_CODE_RE.fullmatch(language):
            raise bad_request("invalid language code specified")
        scope = params.get("scope")
        if scope and "chat_id" in scope:
            self._chat(scope["chat_id"])
        return scope_key(scope), language

    async def _set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params["commands"]
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands")
        entries: list[BotCommandEntry] = []
        for item in commands:
            if not _COMMAND_NAME_RE.fullmatch(item["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(item["description"].strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            entries.append(BotCommandEntry(item["command"], item["description"]))
        key = self._commands_key(params)
        if entries:
            self.commands[key] = entries
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> Any:
        entries = self.commands.get(self._commands_key(params), [])
        return [entry._asdict() for entry in entries]

    async def _delete_my_commands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.chat_actions.append(params["action"])
        return True

    async def _set_chat_menu_button(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        key = self._chat(chat_id).id if chat_id is not None else None
        self.menu_buttons[key] = params.get("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        key = self._chat(chat_id).id if chat_id is not None else None
        default = self.menu_buttons.get(None, {"type": "default"})
        return self.menu_buttons.get(key, default)

    async def _get_chat(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        extra: dict[str, Any] = {}
        if isinstance(chat, GroupState):
            extra["permissions"] = {
                "can_send_messages": True,
                "can_send_audios": True,
                "can_send_documents": True,
                "can_send_photos": True,
                "can_send_videos": True,
                "can_send_video_notes": True,
                "can_send_voice_notes": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_change_info": False,
                "can_invite_users": True,
                "can_pin_messages": False,
                "can_manage_topics": False,
            }
        return {
            **chat.as_chat(),
            **extra,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _get_chat_member(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        user_id = params["user_id"]
        if isinstance(chat, GroupState):
            return self._group_member(chat, user_id)
        assert isinstance(chat, ChatState)
        if user_id == chat.id:
            return {"status": "member", "user": chat.user}
        if user_id == self.bot_user["id"]:
            return {"status": "member", "user": self.bot_user}
        raise bad_request("user not found")

    async def _get_chat_administrators(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        if not isinstance(chat, GroupState):
            raise bad_request("there are no administrators in the private chat")
        ids = sorted(chat.admins)
        if chat.bot_status == "administrator":
            ids.insert(0, int(self.bot_user["id"]))
        return [self._group_member(chat, user_id) for user_id in ids]

    async def _get_chat_member_count(self, params: dict[str, Any]) -> Any:
        chat = self._chat(params["chat_id"])
        if not isinstance(chat, GroupState):
            return 2
        return len(chat.members) + (chat.bot_status != "left")

    def _group_member(self, chat: GroupState, user_id: int) -> dict[str, Any]:
        """The ChatMember of a supergroup for the bot or a simulated user."""
        if user_id == self.bot_user["id"]:
            if chat.bot_status == "administrator":
                return administrator(self.bot_user, chat.bot_rights)
            return {"status": chat.bot_status, "user": self.bot_user}
        if user_id not in chat.members and user_id not in self.chats:
            raise bad_request("user not found")
        user = self.person(user_id)
        if user_id in chat.admins:
            return administrator(user, DEFAULT_ADMIN_RIGHTS)
        if user_id in chat.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    def person(self, user_id: int) -> dict[str, Any]:
        """The User object of a simulated person: their profile when made with ``user()``,
        else a stand-in (``first_name`` "User <id>")."""
        private = self.chats.get(user_id)
        if private is not None:
            return private.user
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def _default(self, spec: MethodSpec, params: dict[str, Any]) -> Any:
        """Methods without their own behaviour: a generic message for senders, else True."""
        if spec.returns == ("Message",) and "chat_id" in params:
            chat = self._send_chat(params)
            message = self._new_message(chat, spec.name)
            self._apply_caption(message, params)
            return self._publish(chat, message, params)
        return True

    # --- copies and forwards -------------------------------------------------------

    def _original(
        self, params: dict[str, Any], verb: str
    ) -> tuple[ChatBase, ChatBase, dict[str, Any]]:
        """The source chat, the target chat and the Message object a copy or forward takes."""
        source = self._chat(params["from_chat_id"])
        chat = self._send_chat(params)
        message = source.message_dict(params["message_id"])
        if message is None:
            raise bad_request(f"message to {verb} not found")
        if SERVICE_FIELDS & message.keys():
            past = "copied" if verb == "copy" else "forwarded"
            raise bad_request(f"the message can't be {past}")
        return source, chat, message

    def _duplicate(self, chat: ChatBase, source: ChatBase, original: dict[str, Any]) -> BotMessage:
        """A new bot message in ``chat`` with the content of ``original``."""
        bot_message = source.bot_messages.get(int(original["message_id"]))
        if bot_message is not None:
            message = self._new_message(chat, bot_message.kind)
            for name in (
                "text", "html", "parse_mode", "entities", "caption", "caption_html",
                "caption_entities", "voice", "location", "sticker",
            ):  # fmt: skip
                setattr(message, name, copy.deepcopy(getattr(bot_message, name)))
            # The files themselves are shared, as Telegram keeps one file for both.
            message.document, message.photo_file = bot_message.document, bot_message.photo_file
            message.photo_sizes = list(bot_message.photo_sizes)
            return message
        kind = next(
            (key for key in ("text", "voice", "photo", "document", "location", "sticker")
             if key in original),
            "unknown",
        )  # fmt: skip
        message = self._new_message(chat, kind)
        if kind == "text":
            message.text = original["text"]
            message.entities = copy.deepcopy(original.get("entities", []))
        elif kind == "photo":
            sizes = [self.files.get(size["file_id"]) for size in original["photo"]]
            message.photo_sizes = [size for size in sizes if size is not None]
            message.photo_file = message.photo_sizes[-1] if message.photo_sizes else None
        elif kind == "document":
            message.document = self.files.get(original["document"]["file_id"])
        elif kind in ("voice", "location", "sticker"):
            setattr(message, kind, copy.deepcopy(original[kind]))
        if "caption" in original:
            message.caption = original["caption"]
            message.caption_entities = copy.deepcopy(original.get("caption_entities", []))
        return message

    async def _copy_message(self, params: dict[str, Any]) -> Any:
        source, chat, original = self._original(params, "copy")
        message = self._duplicate(chat, source, original)
        message.copied_from = (source.id, int(original["message_id"]))
        if "caption" in params and message.kind in _CAPTIONED_KINDS:
            # A new caption replaces the original; an empty one removes it.
            message.caption, message.caption_entities, message.caption_html = (None, [], None)
            self._apply_caption(message, params)
        self._publish(chat, message, params)
        return {"message_id": message.message_id}

    async def _forward_message(self, params: dict[str, Any]) -> Any:
        source, chat, original = self._original(params, "forward")
        message = self._duplicate(chat, source, original)
        message.forwarded_from = (source.id, int(original["message_id"]))
        # A forward of a forward keeps the first origin.
        message.forward_origin = copy.deepcopy(original.get("forward_origin")) or {
            "type": "user",
            "sender_user": original["from"],
            "date": original["date"],
        }
        return self._publish(chat, message, params)

    # --- forum topics --------------------------------------------------------------

    def _forum(self, params: dict[str, Any]) -> GroupState:
        chat = self._chat(params["chat_id"])
        if not isinstance(chat, GroupState) or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def _existing_topic(self, chat: GroupState, params: dict[str, Any]) -> ForumTopicState:
        thread_id = params["message_thread_id"]
        if thread_id <= 0:
            raise bad_request("invalid forum topic identifier specified")
        topic = chat.topic(thread_id)
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        return topic

    @staticmethod
    def _topic_name(raw: str) -> str:
        return " ".join(raw.split())[:MAX_TOPIC_NAME_LENGTH]

    async def _create_forum_topic(self, params: dict[str, Any]) -> Any:
        chat = self._forum(params)
        if not chat.bot_can("can_manage_topics"):
            raise bad_request("not enough rights to create a topic")
        topic = self.open_topic(
            chat,
            self.bot_user,
            params["name"],
            params.get("icon_color"),
            params.get("icon_custom_emoji_id"),
        )
        return topic.to_api()

    def open_topic(
        self,
        chat: GroupState,
        creator: dict[str, Any],
        name: str,
        icon_color: int | None = None,
        icon_custom_emoji_id: str | None = None,
    ) -> ForumTopicState:
        """Create a topic, with its ``forum_topic_created`` service message (which the bot
        gets); its id is that message's id."""
        name = self._topic_name(name)
        if not name:
            raise bad_request("title must be non-empty")
        if icon_color is None:
            icon_color = TOPIC_ICON_COLORS[len(chat.topics) % len(TOPIC_ICON_COLORS)]
        elif icon_color not in TOPIC_ICON_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        thread_id = chat.next_message_id()
        topic = ForumTopicState(
            message_thread_id=thread_id,
            name=name,
            icon_color=icon_color,
            creator_id=int(creator["id"]),
            icon_custom_emoji_id=icon_custom_emoji_id or None,
        )
        chat.topics[thread_id] = topic
        created: dict[str, Any] = {"name": name, "icon_color": icon_color}
        if topic.icon_custom_emoji_id:
            created["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
        self._service_message(
            chat, {"forum_topic_created": created}, thread_id, thread_id, sender=creator
        )
        chat.changed.notify()
        return topic

    async def _edit_forum_topic(self, params: dict[str, Any]) -> Any:
        chat = self._forum(params)
        topic = self._existing_topic(chat, params)
        if not self._manages_topic(chat, topic):
            raise bad_request("not enough rights to edit the topic")
        name = self._topic_name(params.get("name") or "")
        emoji = params.get("icon_custom_emoji_id")
        if not name and emoji is None:
            return True  # nothing to change: Telegram is not even asked
        edited: dict[str, Any] = {}
        if name and name != topic.name:
            edited["name"] = topic.name = name
        if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
            topic.icon_custom_emoji_id = emoji or None
            edited["icon_custom_emoji_id"] = emoji
        if not edited:
            raise bad_request("TOPIC_NOT_MODIFIED")
        self._service_message(chat, {"forum_topic_edited": edited}, topic.message_thread_id)
        chat.changed.notify()
        return True

    async def _set_topic_closed(self, params: dict[str, Any], closed: bool) -> Any:
        chat = self._forum(params)
        topic = self._existing_topic(chat, params)
        if not self._manages_topic(chat, topic):
            raise bad_request("not enough rights to close or open the topic")
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        field_name = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service_message(chat, {field_name: {}}, topic.message_thread_id)
        chat.changed.notify()
        return True

    async def _close_forum_topic(self, params: dict[str, Any]) -> Any:
        return await self._set_topic_closed(params, True)

    async def _reopen_forum_topic(self, params: dict[str, Any]) -> Any:
        return await self._set_topic_closed(params, False)

    async def _delete_forum_topic(self, params: dict[str, Any]) -> Any:
        chat = self._forum(params)
        topic = self._existing_topic(chat, params)
        if not chat.bot_can("can_delete_messages"):
            raise bad_request("not enough rights to delete the topic")
        topic.deleted = True
        thread_id = topic.message_thread_id
        for message in chat.history:
            if message.message_thread_id == thread_id:
                message.deleted = True
        for message_id, other in list(chat.user_messages.items()):
            if other.get("message_thread_id") == thread_id:
                del chat.user_messages[message_id]
        chat.changed.notify()
        return True

    # --- simulated users ----------------------------------------------------------

    def register_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> ChatState:
        """The private chat with this user (created on first use; the profile is refreshed)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = ChatState(user)
        else:
            chat.user = user
        return chat

    def user_message(
        self,
        chat: ChatState,
        text: str,
        *,
        entities: Sequence[dict[str, Any]] = (),
        reply_to: int | None = None,
    ) -> int:
        """Queue a text message from the chat's user (with the formatting `entities` of
        the app); returns its message_id."""
        content = text_content(text, entities)
        return self.incoming_message(chat, chat.user, content, reply_to=reply_to)

    def incoming_message(
        self,
        chat: ChatBase,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """Post a message from a person (``content``: the text or media fields) and queue
        its update when the bot gets it; returns its message_id.

        In a forum, ``thread_id`` names the topic (None: General, or the topic of the
        ``reply_to`` message). Raises LookupError for a topic or a replied message that
        does not exist.
        """
        thread: int | None = None
        if reply_to is not None and chat.message_dict(reply_to) is None:
            raise LookupError(f"no message #{reply_to} in chat {chat.id} to reply to")
        if isinstance(chat, GroupState) and chat.is_forum:
            if thread_id is not None:
                if chat.topic(thread_id) is None:
                    raise LookupError(f"no topic {thread_id} in chat {chat.id}")
                thread = thread_id
            elif reply_to is not None:
                thread = chat.thread_of(reply_to)
        message = self._post(chat, sender, content, thread, reply_to)
        self.mark_action(chat)
        if self._bot_receives(chat, message, reply_to):
            self._deliver(chat, message)
        return int(message["message_id"])

    def user_edit(self, chat: ChatState, message_id: int, text: str) -> None:
        """The chat's user edits one of their text messages (the app's "Edit"): the bot
        gets an ``edited_message`` update when it asked for those (allowed_updates).
        Raises LookupError for a message that is not theirs or has no text."""
        message = chat.user_messages.get(message_id)
        if message is None or "text" not in message:
            raise LookupError(f"no text message #{message_id} of the user in chat {chat.id}")
        message.pop("entities", None)
        message.update(text_content(text, ()))
        message["edit_date"] = int(time.time())
        self.mark_action(chat)
        self.updates.push({"edited_message": dict(message)})

    def mark_action(self, chat: ChatBase) -> None:
        """A simulated person acted in ``chat``: wait_for() there, and in every group (where
        the bot may relay it), looks only at what the bot does from now on."""
        chat.action_mark = len(chat.events)
        for group in self.groups.values():
            group.action_mark = len(group.events)

    def _post(
        self,
        chat: ChatBase,
        sender: dict[str, Any],
        content: dict[str, Any],
        thread: int | None,
        reply_to: int | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        """Store a message not sent through a send method, as Telegram shows it."""
        if message_id is None:
            message_id = chat.next_message_id()
        message: dict[str, Any] = {"message_id": message_id}
        if thread is not None:
            message["message_thread_id"] = thread
        message.update({"from": sender, "chat": chat.as_chat(), "date": int(time.time())})
        if thread is not None:
            message["is_topic_message"] = True
        # A topic's creation message answers nothing; every other one in it answers it.
        replied = replied_message(chat, reply_to, thread if thread != message_id else None)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        chat.user_messages[message_id] = message
        return message

    def _deliver(self, chat: ChatBase, message: dict[str, Any]) -> None:
        if isinstance(chat, GroupState):
            chat.received.add(int(message["message_id"]))
        self.updates.push({"message": message})

    def _bot_receives(self, chat: ChatBase, message: dict[str, Any], reply_to: int | None) -> bool:
        """Whether the bot gets a person's message (privacy mode, as getMe reports it on).

        In a group where it is no administrator, the bot gets only commands meant for it
        (``/cmd@bot``, or ``/cmd`` when it was the last bot to post there) and replies to
        its messages or to messages it got; the implicit reply to a topic's creation
        message does not count.
        """
        if not isinstance(chat, GroupState):
            return True
        if chat.bot_status == "left":
            return False
        if chat.bot_status == "administrator":
            return True
        text = str(message.get("text") or "")
        if text.startswith("/"):
            _, _, addressee = text.split(maxsplit=1)[0].partition("@")
            if addressee:
                return addressee.lower() == str(self.bot_user["username"]).lower()
            return bool(chat.history)
        return reply_to is not None and (reply_to in chat.bot_messages or reply_to in chat.received)

    def _service_message(
        self,
        chat: GroupState,
        content: dict[str, Any],
        thread: int | None,
        message_id: int | None = None,
        *,
        sender: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A service message (of the bot's action unless ``sender`` says otherwise), which
        the bot gets too, in privacy mode as well."""
        sender = sender if sender is not None else self.bot_user
        message = self._post(chat, sender, content, thread, message_id=message_id)
        if chat.bot_status != "left":
            self._deliver(chat, message)
        return message

    def register_group(
        self,
        chat_id: int,
        title: str | None = None,
        *,
        is_forum: bool = True,
        members: set[int] | None = None,
        admins: set[int] | None = None,
        bot_status: str | None = None,
        bot_rights: dict[str, bool] | None = None,
    ) -> GroupState:
        """A supergroup with the bot in it, made on first use (by default titled "Group",
        with the bot an administrator with the usual rights).

        A later call keeps the group, its topics and messages: ``members`` and ``admins``
        are added, and the title and the bot's status change only when given;
        ``bot_rights`` (the usual rights changed by these) replace the bot's rights.
        """
        if chat_id >= 0:
            raise ValueError("a supergroup's id is negative (-100...)")
        if bot_status not in (None, "administrator", "member", "left"):
            raise ValueError('bot_status is "administrator", "member" or "left"')
        group = self.groups.get(chat_id)
        if group is None:
            group = self.groups[chat_id] = GroupState(group_id=chat_id, title=title or "Group")
        if bot_rights is not None:
            known = set(self.spec.types["ChatAdministratorRights"].fields)
            unknown = set(bot_rights) - known
            if unknown:
                raise ValueError(f"not administrator rights: {sorted(unknown)}")
            group.bot_rights = {**DEFAULT_BOT_RIGHTS, **bot_rights}
        if title is not None:
            group.title = title
        group.is_forum = is_forum
        group.admins |= set(admins or ())
        group.members |= set(members or ()) | group.admins
        if bot_status is not None:
            group.bot_status = bot_status
        return group

    def callback_query(self, chat: ChatState, message: BotMessage, data: str) -> str:
        """Queue a callback query from the chat's user on ``message``; returns the query id."""
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        self._queries[query_id] = _CallbackQuery(chat, time.monotonic())
        self.mark_action(chat)
        instance = hashlib.sha256(f"{self.bot_user['id']}:{chat.id}".encode()).hexdigest()
        self.updates.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": chat.user,
                    "message": message.to_api(),
                    "chat_instance": str(int(instance[:15], 16)),
                    "data": data,
                }
            }
        )
        return query_id

    def group_callback_query(
        self, group: GroupState, user_id: int, message: BotMessage, data: str
    ) -> str:
        """Queue a callback query from a member pressing a button of the bot's ``message``
        in ``group``; the answer is recorded with the member's private chat (made when
        missing), as Telegram shows it to the one who pressed."""
        user = self.person(user_id)
        chat = self.chats.get(user_id) or self.register_user(
            user_id, str(user.get("first_name", f"User {user_id}")), user.get("language_code")
        )
        query_id = str(4_000_000_000_000_000_000 + next(self._ids))
        self._queries[query_id] = _CallbackQuery(chat, time.monotonic())
        self.mark_action(chat)
        instance = hashlib.sha256(f"{self.bot_user['id']}:{group.id}".encode()).hexdigest()
        self.updates.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": message.to_api(),
                    "chat_instance": str(int(instance[:15], 16)),
                    "data": data,
                }
            }
        )
        return query_id

    def set_blocked(self, user_id: int, blocked: bool, *, notify: bool = True) -> None:
        """Block or unblock the bot on behalf of a user, with the my_chat_member update."""
        was_blocked = user_id in self.faults.blocked
        if blocked:
            self.faults.blocked.add(user_id)
        else:
            self.faults.blocked.discard(user_id)
        chat = self.chats.get(user_id)
        if not notify or chat is None or was_blocked == blocked:
            return
        kicked = {"status": "kicked", "user": self.bot_user, "until_date": 0}
        member = {"status": "member", "user": self.bot_user}
        self.updates.push(
            {
                "my_chat_member": {
                    "chat": chat.as_chat(),
                    "from": chat.user,
                    "date": int(time.time()),
                    "old_chat_member": member if blocked else kicked,
                    "new_chat_member": kicked if blocked else member,
                }
            }
        )

    def reset(self, rate_limit: RateLimit | None, callback_query_ttl: float) -> None:
        """Forget every chat, file, request, fault, webhook and command menu, as a new
        instance would; update ids keep growing, as Telegram's do across bots' restarts."""
        self.updates.reset()
        self.chats.clear()
        self.groups.clear()
        self.files.clear()
        self._files_by_path.clear()
        self._queries.clear()
        self.faults = FaultPlan()
        self.limiter = RateLimiter(rate_limit)
        self.commands.clear()
        self.menu_buttons.clear()
        self.webhook = None
        self.requests.clear()
        self.rejected.clear()
        self.callback_query_ttl = callback_query_ttl
        self.closed = False
        self._poll_generation += 1  # a long poll still waiting returns empty

    def shutdown(self) -> None:
        """Let every long poll and waiting test return now."""
        self.closed = True
        self.updates.changed.notify()
        for chat in [*self.chats.values(), *self.groups.values()]:
            chat.changed.notify()
