"""A typed message (plain text and the Telegram app's entities) as Telegram HTML: every
"<", ">" and "&" escaped, the formatting re-created, offsets counted in UTF-16 units.

The emulator's parser (Telegram's rules) reads the HTML back: the text must be exactly
what was typed and the entities exactly the kept ones."""

from __future__ import annotations

from typing import Any

import pytest

from domain.broadcasts import MAX_TEXT, typed_text
from domain.errors import DomainError
from domain.formatting import to_html, utf16_length
from emulator.formatting import parse_html


def entity(kind: str, text: str, part: str, **extra: Any) -> dict[str, Any]:
    """The entity of `kind` over the first `part` of `text`, as Telegram counts."""
    start = text.index(part)
    return {
        "type": kind,
        "offset": utf16_length(text[:start]),
        "length": utf16_length(part),
        **extra,
    }


def read_back(html: str) -> tuple[str, list[dict[str, Any]]]:
    return parse_html(html)


def test_plain_text_with_markup_characters_is_escaped_not_read() -> None:
    text = "Kom zaterdag <3 & neem 5 < 10 vrienden mee! <b>niet vet</b> &amp; a>b"
    html = to_html(text)
    assert html == (
        "Kom zaterdag &lt;3 &amp; neem 5 &lt; 10 vrienden mee! "
        "&lt;b&gt;niet vet&lt;/b&gt; &amp;amp; a&gt;b"
    )
    assert read_back(html) == (text, [])
    assert typed_text(text) == html


def test_bold_and_link_after_emoji_count_utf16_units() -> None:
    text = "🎉🎉 Lentefeest! Kom naar het 🌳 park & breng <3 mee"
    bold = entity("bold", text, "Lentefeest")
    link = entity("text_link", text, "park", url="https://example.org/park?a=1&b=2")
    assert bold["offset"] == 5  # two emoji of two units each and a space
    html = to_html(text, [link, bold])
    assert "<b>Lentefeest</b>" in html
    assert '🌳 <a href="https://example.org/park?a=1&amp;b=2">park</a> &amp; breng &lt;3' in html
    assert read_back(html) == (text, [bold, link])


def test_characters_outside_the_bmp_inside_and_around_entities() -> None:
    text = "𝐀𝐁 x 😀y 𓀀 z"
    italic = entity("italic", text, "𝐁 x 😀")  # starts after one non-BMP letter
    code = entity("code", text, "𓀀")
    html = to_html(text, [italic, code])
    assert html == "𝐀<i>𝐁 x 😀</i>y <code>𓀀</code> z"
    assert read_back(html) == (text, [italic, code])


def test_arabic_text_with_bold_and_link() -> None:
    text = "مرحبا بالجميع! تعالوا إلى الحفل يوم السبت <3"
    bold = entity("bold", text, "مرحبا")
    link = entity("text_link", text, "الحفل", url="https://example.org/feest")
    html = to_html(text, [bold, link])
    assert html == (
        '<b>مرحبا</b> بالجميع! تعالوا إلى <a href="https://example.org/feest">الحفل</a>'
        " يوم السبت &lt;3"
    )
    assert read_back(html) == (text, [bold, link])


def test_nested_entities_and_every_kept_kind() -> None:
    text = "vet schuin onder door geheim code blok citaat lang"
    kept = [
        entity("bold", text, "vet schuin"),
        entity("italic", text, "schuin"),
        entity("underline", text, "onder"),
        entity("strikethrough", text, "door"),
        entity("spoiler", text, "geheim"),
        entity("code", text, "code"),
        entity("pre", text, "blok", language="python"),
        entity("blockquote", text, "citaat"),
        entity("expandable_blockquote", text, "lang"),
    ]
    html = to_html(text, kept)
    assert html.startswith("<b>vet <i>schuin</i></b> <u>onder</u> <s>door</s>")
    assert '<pre><code class="language-python">blok</code></pre>' in html
    assert "<blockquote expandable>lang</blockquote>" in html
    assert read_back(html) == (text, kept)


def test_mentions_custom_emoji_and_detected_kinds_keep_only_their_text() -> None:
    text = "Hoi Amal @kim 👍 zie https://x.org #feest /help"
    dropped = [
        entity("text_mention", text, "Amal", user={"id": 5, "is_bot": False, "first_name": "A"}),
        entity("mention", text, "@kim"),
        entity("custom_emoji", text, "👍", custom_emoji_id="5368324170671202286"),
        entity("url", text, "https://x.org"),
        entity("hashtag", text, "#feest"),
        entity("bot_command", text, "/help"),
        entity("text_link", text, "zie", url="tg://user?id=5"),
        entity("date_time", text, "Hoi", unix_time=1),
    ]
    assert to_html(text, dropped) == text


def test_entities_that_overlap_without_nesting_are_split() -> None:
    text = "een twee drie"
    bold = entity("bold", text, "een twee")
    italic = entity("italic", text, "twee drie")
    html = to_html(text, [bold, italic])
    assert html == "<b>een <i>twee</i></b><i> drie</i>"
    plain, entities = read_back(html)
    assert plain == text
    assert {(e["type"], e["offset"], e["length"]) for e in entities} == {
        ("bold", 0, 8),
        ("italic", 4, 4),
        ("italic", 8, 5),
    }


def test_entities_outside_the_text_are_clipped_or_ignored() -> None:
    text = "ab😀"
    html = to_html(
        text,
        [
            {"type": "bold", "offset": 1, "length": 99},
            {"type": "italic", "offset": 10, "length": 2},
            {"type": "underline", "offset": 0, "length": 0},
        ],
    )
    assert html == "a<b>b😀</b>"


def test_length_is_counted_on_the_typed_text_not_the_markup() -> None:
    assert typed_text("<" * MAX_TEXT) == "&lt;" * MAX_TEXT
    long_emoji = "😀" * (MAX_TEXT // 2)
    assert typed_text(long_emoji, [{"type": "bold", "offset": 0, "length": MAX_TEXT}])
    with pytest.raises(DomainError) as refused:
        typed_text("&" * (MAX_TEXT + 1))
    assert refused.value.key == "text_too_long"
    with pytest.raises(DomainError) as empty:
        typed_text("  \n ")
    assert empty.value.key == "text_empty"
