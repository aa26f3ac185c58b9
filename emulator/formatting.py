"""Telegram text formatting: parse_mode=HTML into plain text and MessageEntity objects.

Follows the rules of Telegram's own parser (tdlib ``parse_html``): only the documented
tags, only ``&lt; &gt; &amp; &quot;`` and numeric character references, every tag closed
in order, and its error wording ("Unsupported start tag ... at byte offset N").
Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "code", "pre", "blockquote", "tg-emoji", "tg-time",
    }
)  # fmt: skip
_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REFERENCE_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_NAME_TOKEN_RE = re.compile(r"[a-zA-Z0-9.\-_]+")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
PARSE_MODES = ("html", "markdown", "markdownv2")


class EntityParseError(ValueError):
    """Malformed formatted text; the message is Telegram's reason."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class _OpenTag:
    name: str
    attributes: dict[str, str]
    start: int
    language: str | None = None


def _reference(source: str, index: int) -> tuple[str | None, int]:
    match = _REFERENCE_RE.match(source, index)
    if match is None:
        return None, index
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
        return None, index
    named = _NAMED_REFERENCES.get(body)
    return (named, match.end()) if named is not None else (None, index)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and the entities of an HTML-formatted message.

    Raises ``EntityParseError`` with Telegram's reason when the markup is invalid.
    """
    out: list[str] = []
    offset = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "&":
            decoded, end = _reference(source, i)
            if decoded is None:
                decoded, end = "&", i + 1  # Telegram keeps an unknown '&' as it is
            out.append(decoded)
            offset += utf16_len(decoded)
            i = end
            continue
        if char != "<":
            out.append(char)
            offset += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            i += 1
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(source, begin)}"
                )
            name_start = i
            while i < n and not source[i].isspace() and source[i] != ">":
                i += 1
            end_name = source[name_start:i].lower()
            while i < n and source[i].isspace():
                i += 1
            if i >= n or source[i] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(source, begin)}"
                )
            i += 1
            tag = stack.pop()
            if end_name and end_name != tag.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                    f'expected "</{tag.name}>", found "</{end_name}>"'
                )
            entity = _close(tag, offset, stack)
            if entity is not None:
                entities.append(entity)
            continue

        name_start = i
        while i < n and not source[i].isspace() and source[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(source, begin)}"
            )
        name = source[name_start:i].lower()
        if name not in SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, begin)}'
            )
        attributes, i = _attributes(source, i, name, begin)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        stack.append(_OpenTag(name, attributes, offset))
    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1].name}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _attributes(source: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse the attributes of a start tag from ``i``; return them and the index after '>'."""
    n = len(source)
    attributes: dict[str, str] = {}
    unclosed = EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    while True:
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed
        if source[i] == ">":
            return attributes, i + 1
        name_start = i
        while i < n and not source[i].isspace() and source[i] not in "=>":
            i += 1
        name = source[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, begin)}"
            )
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed
        if source[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attributes[name] = ""
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(source, begin)}"
            )
        i += 1
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed
        quote = source[i]
        if quote in "\"'":
            i += 1
            value: list[str] = []
            while i < n and source[i] != quote:
                decoded, end = _reference(source, i) if source[i] == "&" else (None, i)
                if decoded is None:
                    decoded, end = source[i], i + 1
                value.append(decoded)
                i = end
            if i >= n:
                raise unclosed
            i += 1
            attributes[name] = "".join(value)
        else:
            match = _NAME_TOKEN_RE.match(source, i)
            if match is None:
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(source, i)}"
                )
            attributes[name] = match.group(0)
            i = match.end()


def _close(tag: _OpenTag, end: int, stack: list[_OpenTag]) -> dict[str, Any] | None:
    """The entity of a closed tag, or None when it carries no formatting."""
    language = tag.attributes.get("class", "")
    if (
        tag.name == "code"
        and language.startswith("language-")
        and stack
        and stack[-1].name == "pre"
    ):
        # <pre><code class="language-x"> is one pre entity with a language.
        stack[-1].language = language.removeprefix("language-")
        return None
    length = end - tag.start
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if tag.name == "a":
        href = tag.attributes.get("href", "")
        if not href:
            return None
        entity.update(type="text_link", url=href)
    elif tag.name == "blockquote":
        expandable = "expandable" in tag.attributes
        entity["type"] = "expandable_blockquote" if expandable else "blockquote"
    elif tag.name == "tg-emoji":
        emoji_id = tag.attributes.get("emoji-id")
        if not emoji_id:
            raise EntityParseError("Custom emoji entity must have an emoji-id attribute")
        entity.update(type="custom_emoji", custom_emoji_id=emoji_id)
    elif tag.name == "tg-time":
        unix = tag.attributes.get("unix", "")
        if not unix.isdigit():
            raise EntityParseError("Date-time entity must have a unix attribute")
        entity.update(type="date_time", unix_time=int(unix))
        if "format" in tag.attributes:
            entity["date_time_format"] = tag.attributes["format"]
    else:
        entity["type"] = _ENTITY_TYPES[tag.name]
        if tag.name == "pre" and tag.language:
            entity["language"] = tag.language
    return {"type": entity.pop("type"), **entity}


def command_entities(text: str) -> list[dict[str, Any]]:
    """``bot_command`` entities for the /commands in a user's text, as Telegram adds them."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND_RE.finditer(text)
    ]
