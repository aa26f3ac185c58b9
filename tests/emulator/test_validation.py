"""Every request is checked against api.json and Telegram's limits."""

from __future__ import annotations

from typing import Any

import pytest

from emulator import Emulator

from .conftest import BotHttp


def keyboard(callback_data: str) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": "Go", "callback_data": callback_data}]]}


async def test_unknown_method_is_404(emu: Emulator, http: BotHttp) -> None:
    answer = await http.call("sendTelepathy", chat_id=1)
    assert (answer.status, answer.body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_wrong_token_is_401(emu: Emulator, http: BotHttp) -> None:
    answer = await http.call("getMe", token="999:wrong")
    assert (answer.status, answer.description) == (401, "Unauthorized")


async def test_method_names_ignore_case_and_get_works(emu: Emulator, http: BotHttp) -> None:
    assert (await http.call("GETME")).result["is_bot"] is True
    async with http.session.get(http.url("getMe")) as response:
        assert response.status == 200
    emu.user(1001)
    async with http.session.get(
        http.url("sendMessage"), params={"chat_id": "1001", "text": "hi"}
    ) as response:
        assert (await response.json())["result"]["text"] == "hi"


async def test_missing_required_parameter(emu: Emulator, http: BotHttp) -> None:
    answer = await http.call("sendMessage", text="hello")
    assert (answer.status, answer.description) == (400, "Bad Request: chat_id is required")
    emu.user(1001)
    answer = await http.call("sendMessage", chat_id=1001)
    assert answer.description == "Bad Request: message text is empty"
    answer = await http.call("sendMessage", chat_id=1001, text="")
    assert answer.description == "Bad Request: message text is empty"


async def test_unknown_parameter(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    answer = await http.call("sendMessage", chat_id=1001, text="hi", colour="red")
    assert (answer.status, answer.description) == (400, "Bad Request: unknown parameter colour")


async def test_legacy_parameters_telegram_still_accepts(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    answer = await http.call("sendMessage", chat_id=1001, text="hi", disable_web_page_preview=True)
    assert answer.status == 200


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"chat_id": 1.5, "text": "x"}, "Bad Request: chat_id must be Integer or String"),
        ({"chat_id": 1001, "text": 5}, "Bad Request: text must be a String"),
        (
            {"chat_id": 1001, "text": "x", "disable_notification": "yes"},
            "Bad Request: disable_notification must be a Boolean",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_markup": {"inline_keyboard": {"a": 1}}},
            'Bad Request: can\'t parse reply_markup: field "inline_keyboard" must be an Array',
        ),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": 7, "callback_data": "a"}]]},
            },
            'Bad Request: can\'t parse reply_markup: field "inline_keyboard[0][0].text" '
            "must be a String",
        ),
        (
            {
                "chat_id": 1001,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "colour": "red"}]]},
            },
            'Bad Request: can\'t parse reply_markup: field "inline_keyboard[0][0].colour" '
            "is not a field of InlineKeyboardButton",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_markup": {"keyboard": [[{"txt": "a"}]]}},
            'Bad Request: can\'t parse reply_markup: field "keyboard[0][0].txt" '
            "is not a field of KeyboardButton",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}},
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"chat_id": 1001, "text": "x", "reply_markup": {"buttons": []}},
            "Bad Request: reply_markup must be InlineKeyboardMarkup or ReplyKeyboardMarkup or "
            "ReplyKeyboardRemove or ForceReply",
        ),
    ],
)
async def test_wrong_types_are_400(
    emu: Emulator, http: BotHttp, params: dict[str, Any], description: str
) -> None:
    emu.user(1001)
    answer = await http.call("sendMessage", **params)
    assert (answer.status, answer.description) == (400, description)


async def test_form_bodies_parse_scalars_and_json_strings(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    answer = await http.form(
        "sendMessage",
        chat_id="1001",
        text="hi",
        disable_notification="true",
        reply_markup=keyboard("a"),
    )
    assert answer.status == 200, answer.body
    assert user.last.buttons == ["Go"]
    bad = await http.form("sendMessage", chat_id="1001", text="hi", message_thread_id="seven")
    assert (bad.status, bad.description) == (400, "Bad Request: message_thread_id must be Integer")
    broken = await http.form("sendMessage", chat_id="1001", text="hi", reply_markup="{not json")
    assert broken.description == "Bad Request: can't parse reply keyboard markup JSON object"


async def test_text_length_limit(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    assert (await http.call("sendMessage", chat_id=1001, text="a" * 4096)).status == 200
    answer = await http.call("sendMessage", chat_id=1001, text="a" * 4097)
    assert (answer.status, answer.description) == (400, "Bad Request: message is too long")
    # The limit applies after entity parsing: tags do not count.
    html = "<b>" + "a" * 4096 + "</b>"
    answer = await http.call("sendMessage", chat_id=1001, text=html, parse_mode="HTML")
    assert answer.status == 200
    assert len(user.last.text or "") == 4096 and user.last.html == html


async def test_caption_length_limit(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    files = {"document": ("a.txt", b"hello")}
    ok = await http.multipart("sendDocument", files, chat_id=1001, caption="c" * 1024)
    assert ok.status == 200
    answer = await http.multipart("sendDocument", files, chat_id=1001, caption="c" * 1025)
    assert answer.description == "Bad Request: message caption is too long"


async def test_callback_data_limit(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    ok = await http.call("sendMessage", chat_id=1001, text="x", reply_markup=keyboard("d" * 64))
    assert ok.status == 200
    too_long = await http.call(
        "sendMessage", chat_id=1001, text="x", reply_markup=keyboard("d" * 65)
    )
    assert (too_long.status, too_long.description) == (400, "Bad Request: BUTTON_DATA_INVALID")
    # 64 bytes, not characters: 33 two-byte letters are too many.
    too_many_bytes = await http.call(
        "sendMessage", chat_id=1001, text="x", reply_markup=keyboard("é" * 33)
    )
    assert too_many_bytes.description == "Bad Request: BUTTON_DATA_INVALID"
    empty = await http.call("sendMessage", chat_id=1001, text="x", reply_markup=keyboard(""))
    assert empty.description == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=>x</a>", "Unexpected end of name token at byte offset 8"),
    ],
)
async def test_malformed_html_is_400(emu: Emulator, http: BotHttp, html: str, reason: str) -> None:
    emu.user(1001)
    answer = await http.call("sendMessage", chat_id=1001, text=html, parse_mode="HTML")
    assert (answer.status, answer.description) == (
        400,
        f"Bad Request: can't parse entities: {reason}",
    )


async def test_supported_html_becomes_entities(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    html = (
        "<b>B</b><strong>S</strong><i>I</i><em>E</em><u>U</u><ins>N</ins><s>S</s><strike>K</strike>"
        '<del>D</del><a href="https://example.org/?a=1&amp;b=2">L</a><code>C</code>'
        '<pre><code class="language-python">P</code></pre><span class="tg-spoiler">X</span>'
        "<tg-spoiler>Y</tg-spoiler><blockquote>Q</blockquote><blockquote expandable>R</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;3 &#128512; &unknown;'
    )
    answer = await http.call("sendMessage", chat_id=1001, text=html, parse_mode="HTML")
    assert answer.status == 200, answer.body
    assert user.last.text == "BSIEUNSKDLCPXYQR👍 <3 😀 &unknown;"
    types = [entity["type"] for entity in user.last.entities]
    assert types == [
        "bold", "bold", "italic", "italic", "underline", "underline", "strikethrough",
        "strikethrough", "strikethrough", "text_link", "code", "pre", "spoiler", "spoiler",
        "blockquote", "expandable_blockquote", "custom_emoji",
    ]  # fmt: skip
    link = user.last.entities[9]
    assert link["url"] == "https://example.org/?a=1&b=2"
    assert user.last.entities[11] == {
        "type": "pre",
        "offset": 11,
        "length": 1,
        "language": "python",
    }
    # Offsets count UTF-16 code units: the emoji before "<3" takes two.
    assert user.last.entities[-1] == {
        "type": "custom_emoji",
        "offset": 16,
        "length": 2,
        "custom_emoji_id": "5368324170671202286",
    }


async def test_unsupported_parse_mode(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    answer = await http.call("sendMessage", chat_id=1001, text="x", parse_mode="BBCode")
    assert answer.description == "Bad Request: unsupported parse_mode"


async def test_unknown_chat(emu: Emulator, http: BotHttp) -> None:
    answer = await http.call("sendMessage", chat_id=424242, text="x")
    assert (answer.status, answer.description) == (400, "Bad Request: chat not found")


async def test_other_methods_are_validated_and_answer_true(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    assert (await http.call("setMyDescription", description="Buddy bot")).result is True
    assert (await http.call("setMyDescription", descriptoin="typo")).status == 400
    answer = await http.call("pinChatMessage", chat_id=1001)
    assert answer.description == "Bad Request: message_id is required"
