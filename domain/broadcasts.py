"""Broadcasts: a coordinator's announcement to a segment of their programme.

The text is what the coordinator typed, plain, with the formatting of the Telegram app
(its entities) made into Telegram HTML by domain.formatting, so "<3" and "&" are just
characters. It is checked here when it is written (the tags, and the length after they
are read, with room for the one-line note of people who get the Dutch text), never when it
is sent; texts stored as HTML before this are sent as they are. Sending writes the
broadcast and one outbox row per reachable recipient in the caller's transaction; the
delivery worker does the rest, and the report is counted from those rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import DomainError
from domain.formatting import to_html
from domain.formatting import utf16_length as utf16_length  # re-exported
from domain.langid import SUPPORTED_LANGUAGES
from domain.municipalities import by_nis
from domain.notices import Notice
from domain.notify import push
from domain.profile import ELSEWHERE
from domain.staff import of_programme, require_coordinator
from storage.community import DeliveryCounts
from storage.models import Broadcast, BroadcastStatus, User
from storage.uow import UnitOfWork

BASE_LANGUAGE = "nl"  # coordinators write in Dutch; other versions are optional
MAX_TEXT = 4096  # Telegram's limit, counted after the formatting tags are read
BROADCAST_PRIORITY = 2  # after replies (0) and notices (1)
BROADCAST_KEY = Notice.BROADCAST
SEGMENT_KINDS = (
    "all",
    "newcomers",
    "buddies",
    "waiting",
    "language",
    "municipality",
    "below_hours",
    "event",
)
HOUR_CHOICES = (5, 10, 20, 30, 40)
HISTORY = 10


@dataclass(frozen=True)
class Segment:
    """Who a broadcast goes to: a kind and, for some kinds, a value (a language code, a
    municipality's NIS code, a number of hours, an event id)."""

    kind: str
    value: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Segment:
        return cls(kind=str(data.get("kind", "")), value=str(data.get("value", "")))


@dataclass(frozen=True)
class Audience:
    """Reachable recipients by contact language, and those left out (blocked the bot)."""

    by_language: dict[str, int]
    unreachable: int

    @property
    def total(self) -> int:
        return sum(self.by_language.values())


@dataclass(frozen=True)
class Delivery:
    """A broadcast with its counts, for the live progress and the report."""

    broadcast: Broadcast
    counts: DeliveryCounts
    left_out: int = 0

    @property
    def finished(self) -> bool:
        return self.broadcast.status != BroadcastStatus.SENDING.value


# --- the text -----------------------------------------------------------------------------

# What Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTRIBUTE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _format_error(source: str, index: int) -> DomainError:
    near = source[max(0, index - 10) : index + 20].replace("\n", " ")
    return DomainError("text_format", near=near)


def plain_text(html: str) -> str:
    """The text Telegram shows for `html` (parse mode HTML), or DomainError("text_format")
    for markup Telegram would refuse: unknown tags, tags not closed in order, a bare "<"."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(html):
        char = html[i]
        if char == "&":
            match = _REFERENCE.match(html, i)
            if match is None:
                out.append("&")  # Telegram keeps an unknown "&" as it is
                i += 1
                continue
            body = match.group(1)
            if body.startswith("#"):
                code = int(body[2:], 16) if body[1:2] in "xX" else int(body[1:])
                if not (0 < code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
                    raise _format_error(html, i)
                out.append(chr(code))
            else:
                out.append(_NAMED[body])
            i = match.end()
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        tag = _TAG.match(html, i)
        if tag is None:
            raise _format_error(html, i)
        closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if name not in _TAGS:
            raise _format_error(html, i)
        if closing:
            if not stack or stack.pop() != name or attributes.strip():
                raise _format_error(html, i)
        else:
            found = {
                key.lower(): (value or "").strip("\"'")
                for key, value in _ATTRIBUTE.findall(attributes)
            }
            if name == "span" and found.get("class") != "tg-spoiler":
                raise _format_error(html, i)
            if name == "tg-emoji" and not found.get("emoji-id"):
                raise _format_error(html, i)
            stack.append(name)
        i = tag.end()
    if stack:
        raise _format_error(html, len(html))
    return "".join(out)


def check_text(html: str | None, *, reserve: int = 0) -> str:
    """A coordinator's text, checked now so that it can never fail at sending time.

    `reserve` is room kept for what is added before it (the note for people who get
    the Dutch text in another language).
    """
    text = (html or "").strip()
    if not text:
        raise DomainError("text_empty")
    plain = plain_text(text).strip()
    if not plain:
        raise DomainError("text_empty")
    limit = MAX_TEXT - reserve
    length = utf16_length(plain)
    if length > limit:
        raise DomainError("text_too_long", length=length, limit=limit)
    return text


def typed_text(
    text: str | None, entities: Sequence[Mapping[str, Any]] = (), *, reserve: int = 0
) -> str:
    """What a coordinator typed (plain text and the Telegram app's formatting entities),
    as checked Telegram HTML for a broadcast."""
    if text is None:
        return check_text(None, reserve=reserve)
    return check_text(to_html(text, entities), reserve=reserve)


# --- segments ---------------------------------------------------------------------------


async def check_segment(uow: UnitOfWork, coordinator: User, segment: Segment) -> Segment:
    """The segment, if its kind and value make sense in the coordinator's programme."""
    require_coordinator(coordinator)
    kind, value = segment.kind, segment.value
    if kind not in SEGMENT_KINDS:
        raise DomainError("invalid_choice")
    if kind in ("all", "newcomers", "buddies", "waiting"):
        return Segment(kind)
    if kind == "language" and value in SUPPORTED_LANGUAGES:
        return segment
    if kind == "municipality" and (value == ELSEWHERE or by_nis(value) is not None):
        return segment
    if kind == "below_hours" and value.isdigit() and int(value) in HOUR_CHOICES:
        return segment
    if kind == "event" and value.isdigit():
        of_programme(coordinator, await uow.events.get(int(value)))  # refused if another's
        return segment
    raise DomainError("invalid_choice")


async def audience(uow: UnitOfWork, coordinator: User, segment: Segment) -> Audience:
    """How many people the segment reaches, by contact language."""
    segment = await check_segment(uow, coordinator, segment)
    by_language, unreachable = await uow.broadcasts.segment_languages(
        coordinator.programme_id, segment.kind, segment.value
    )
    return Audience(by_language=by_language, unreachable=unreachable)


async def choices(uow: UnitOfWork, coordinator: User, column: str) -> dict[str, int]:
    """Contact languages or municipalities present in the programme, with counts."""
    require_coordinator(coordinator)
    return await uow.broadcasts.programme_values(coordinator.programme_id, column)


# --- sending ----------------------------------------------------------------------------


def check_versions(texts: Mapping[str, Any]) -> dict[str, Any]:
    if BASE_LANGUAGE not in texts:
        raise DomainError("text_empty")
    if any(code not in SUPPORTED_LANGUAGES for code in texts):
        raise DomainError("invalid_choice")
    return dict(texts)


async def send(
    uow: UnitOfWork,
    coordinator: User,
    segment: Segment,
    texts: Mapping[str, Any],
    now: datetime,
    *,
    report_chat_id: int | None = None,
    report_message_id: int | None = None,
    key: Notice = BROADCAST_KEY,
    params: dict[str, Any] | None = None,
) -> Broadcast:
    """Write the broadcast and one outbox row per reachable recipient (the caller
    commits, before anything is sent). Quiet hours hold a message until the morning."""
    segment = await check_segment(uow, coordinator, segment)
    versions = check_versions(texts)
    people = await uow.broadcasts.segment(coordinator.programme_id, segment.kind, segment.value)
    if not people:
        raise DomainError("segment_empty")
    _, unreachable = await uow.broadcasts.segment_languages(
        coordinator.programme_id, segment.kind, segment.value
    )
    broadcast = Broadcast(
        programme_id=coordinator.programme_id,
        author_id=coordinator.telegram_id,
        segment={**segment.as_dict(), "key": key, "unreachable": unreachable},
        texts=versions,
        status=BroadcastStatus.SENDING.value,
        total=len(people),
        report_chat_id=report_chat_id,
        report_message_id=report_message_id,
        created_at=now,
        started_at=now,
    )
    uow.broadcasts.add(broadcast)
    await uow.broadcasts.flush()
    for person in people:
        push(
            uow,
            person,
            key,
            params,
            due=now,
            priority=BROADCAST_PRIORITY,
            dedup_key=f"bc:{broadcast.id}:{person.id}",
            broadcast_id=broadcast.id,
        )
    uow.audit.by(
        coordinator,
        "broadcast.sent",
        broadcast_id=broadcast.id,
        segment=segment.as_dict(),
        recipients=len(people),
        languages=sorted(versions),
    )
    return broadcast


# --- progress and reports --------------------------------------------------------------------


def _delivery(broadcast: Broadcast, counts: DeliveryCounts) -> Delivery:
    return Delivery(
        broadcast=broadcast,
        counts=counts,
        left_out=int(broadcast.segment.get("unreachable", 0) or 0),
    )


async def in_progress(uow: UnitOfWork, now: datetime) -> list[Delivery]:
    """Broadcasts still sending (of every programme: the delivery worker's view); one
    whose rows are all handled is marked done here (the caller commits)."""
    broadcasts = await uow.broadcasts.sending()
    counts = await uow.broadcasts.counts([b.id for b in broadcasts], now)
    result = []
    for broadcast in broadcasts:
        current = counts[broadcast.id]
        if current.open == 0 and await uow.broadcasts.finish(broadcast.id, now):
            broadcast.status = BroadcastStatus.DONE.value
            broadcast.finished_at = now
        result.append(_delivery(broadcast, current))
    return result


async def history(uow: UnitOfWork, coordinator: User, now: datetime) -> list[Delivery]:
    """The programme's latest broadcasts with their delivery counts, newest first."""
    require_coordinator(coordinator)
    broadcasts = await uow.broadcasts.recent(coordinator.programme_id, HISTORY)
    counts = await uow.broadcasts.counts([b.id for b in broadcasts], now)
    return [_delivery(b, counts[b.id]) for b in broadcasts]
