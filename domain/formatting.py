"""A typed message as Telegram HTML: the plain text, escaped, with the formatting of its
entities (as the Telegram app sent them) re-created as tags.

Coordinators type plain text: "<3", "5 < 10" and "&" are just characters, escaped here,
never read as markup. Only the formatting a bot may send back is kept (bold, italic,
underline, strikethrough, spoiler, code, pre, links, quotes); mentions of people, custom
emoji, dates and what Telegram detects by itself (URLs, @names, commands) stay as their
text. Entity offsets and lengths are in UTF-16 code units, as in the Bot API, so emoji
and other characters outside the BMP count twice.

Written here rather than taken from aiogram's `html_decoration.unparse`, which (3.31)
leaves "&" unescaped in link addresses, writes a pre block's language where Telegram
does not read it, and repeats text when two entities overlap without nesting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_SIMPLE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "blockquote": "blockquote",
}
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,64}")
# A link to a person's account is a mention of them in disguise; it is not kept.
_MENTION_LINK = re.compile(r"\s*tg://(user|openmessage)\b", re.IGNORECASE)


def escape(text: str, *, quote: bool = False) -> str:
    """`text` safe inside Telegram HTML (and inside a quoted attribute with `quote`)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def utf16_length(text: str) -> int:
    """Telegram counts text length and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Span:
    start: int  # UTF-16 code units
    end: int
    opening: str
    closing: str
    order: int


def _tags(entity: Mapping[str, Any]) -> tuple[str, str] | None:
    """The opening and closing tag of a formatting entity; None for any other kind."""
    kind = str(entity.get("type", ""))
    if kind in _SIMPLE_TAGS:
        name = _SIMPLE_TAGS[kind]
        return f"<{name}>", f"</{name}>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    if kind == "pre":
        language = str(entity.get("language") or "")
        if _LANGUAGE.fullmatch(language):
            return f'<pre><code class="language-{language}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_link":
        url = str(entity.get("url") or "")
        if not url or _MENTION_LINK.match(url):
            return None
        return f'<a href="{escape(url, quote=True)}">', "</a>"
    return None


def _spans(text: str, entities: Iterable[Mapping[str, Any]]) -> list[_Span]:
    """The kept entities as spans within the text (clipped to it; empty ones dropped)."""
    total = utf16_length(text)
    spans = []
    for order, entity in enumerate(entities):
        tags = _tags(entity)
        try:
            start = max(0, int(entity.get("offset", 0)))
            end = min(total, start + int(entity.get("length", 0)))
        except (TypeError, ValueError):
            continue
        if tags is not None and start < end:
            spans.append(_Span(start, end, tags[0], tags[1], order))
    # Where several open at one place, the longest first, so that the shorter nest inside.
    spans.sort(key=lambda span: (span.start, -span.end, span.order))
    return spans


def to_html(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> str:
    """`text` escaped, with the kept formatting of `entities` as properly nested tags (an
    entity that overlaps another without nesting is split in two)."""
    pending = _spans(text, entities)
    out: list[str] = []
    stack: list[_Span] = []
    position = 0  # in UTF-16 units, before the next character

    def close_until(point: int) -> None:
        # Close every span that ends here; spans above one that must close are closed
        # too, then opened again (they go on past this point).
        while any(span.end <= point for span in stack):
            reopen = []
            while stack:
                span = stack.pop()
                out.append(span.closing)
                if span.end <= point:
                    break
                reopen.append(span)
            for span in reversed(reopen):
                out.append(span.opening)
                stack.append(span)

    def open_from(point: int) -> None:
        while pending and pending[0].start <= point:
            span = pending.pop(0)
            if span.end > point:
                out.append(span.opening)
                stack.append(span)

    for char in text:
        close_until(position)
        open_from(position)
        out.append(escape(char))
        position += utf16_length(char)
    close_until(position)
    while stack:
        out.append(stack.pop().closing)
    return "".join(out)
