"""Methods with behaviour: edits, deletions, callback answers, files, commands."""

from __future__ import annotations

import struct
import zlib

import aiohttp

from emulator import Emulator

from .conftest import BotHttp

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


async def test_edit_with_identical_content_is_not_modified(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    sent = (await http.call("sendMessage", chat_id=1001, text="Hi", reply_markup=KEYBOARD)).result
    same = await http.call(
        "editMessageText",
        chat_id=1001,
        message_id=sent["message_id"],
        text="Hi",
        reply_markup=KEYBOARD,
    )
    assert (same.status, same.description) == (400, NOT_MODIFIED)
    # The same text in HTML is the same content too.
    same_html = await http.call(
        "editMessageText",
        chat_id=1001,
        message_id=sent["message_id"],
        text="<b></b>Hi",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    assert same_html.description == NOT_MODIFIED
    # Leaving reply_markup out removes the keyboard: that is a modification.
    edited = await http.call(
        "editMessageText", chat_id=1001, message_id=sent["message_id"], text="Hi"
    )
    assert edited.status == 200 and "reply_markup" not in edited.result
    assert user.last.reply_markup is None and user.last.edited == 1


async def test_edit_unknown_message(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    answer = await http.call("editMessageText", chat_id=1001, message_id=99, text="x")
    assert (answer.status, answer.description) == (400, "Bad Request: message to edit not found")
    own = await user.send("mine")
    answer = await http.call("editMessageText", chat_id=1001, message_id=own, text="x")
    assert answer.description == "Bad Request: message can't be edited"
    answer = await http.call("editMessageText", text="x")
    assert answer.description == "Bad Request: message identifier is not specified"


async def test_edit_reply_markup_and_caption(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    sent = (await http.call("sendMessage", chat_id=1001, text="Pick")).result
    answer = await http.call(
        "editMessageReplyMarkup", chat_id=1001, message_id=sent["message_id"], reply_markup=KEYBOARD
    )
    assert answer.result["reply_markup"] == KEYBOARD
    assert user.last.buttons == ["Yes"]
    again = await http.call(
        "editMessageReplyMarkup", chat_id=1001, message_id=sent["message_id"], reply_markup=KEYBOARD
    )
    assert again.description == NOT_MODIFIED
    document = await http.multipart(
        "sendDocument", {"document": ("a.txt", b"a")}, chat_id=1001, caption="old"
    )
    answer = await http.call(
        "editMessageCaption",
        chat_id=1001,
        message_id=document.result["message_id"],
        caption="<i>new</i>",
        parse_mode="HTML",
    )
    assert answer.result["caption"] == "new"
    assert user.last.caption == "new" and user.last.caption_html == "<i>new</i>"


async def test_delete_message(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    sent = (await http.call("sendMessage", chat_id=1001, text="bye")).result
    assert (await http.call("deleteMessage", chat_id=1001, message_id=sent["message_id"])).result
    assert user.messages == [] and user.history[0].deleted
    again = await http.call("deleteMessage", chat_id=1001, message_id=sent["message_id"])
    assert again.description == "Bad Request: message to delete not found"


async def test_answer_callback_query(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await http.call("sendMessage", chat_id=1001, text="Sure?", reply_markup=KEYBOARD)
    query_id = await user.press("Yes")
    answer = await http.call(
        "answerCallbackQuery", callback_query_id=query_id, text="Saved", show_alert=True
    )
    assert answer.result is True
    assert [(a.text, a.show_alert) for a in user.callback_answers] == [("Saved", True)]
    twice = await http.call("answerCallbackQuery", callback_query_id=query_id)
    assert (twice.status, twice.description) == (400, QUERY_TOO_OLD)
    unknown = await http.call("answerCallbackQuery", callback_query_id="12345")
    assert unknown.description == QUERY_TOO_OLD


async def test_answer_to_an_expired_query() -> None:
    async with Emulator(callback_query_ttl=0.0) as emu, aiohttp.ClientSession() as session:
        assert emu.base_url is not None
        http = BotHttp(session, emu.base_url, emu.token)
        user = emu.user(1001)
        await http.call("sendMessage", chat_id=1001, text="Sure?", reply_markup=KEYBOARD)
        query_id = await user.press("Yes")
        late = await http.call("answerCallbackQuery", callback_query_id=query_id)
    assert late.description == QUERY_TOO_OLD


async def test_multipart_document_is_stored_and_downloadable(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    content = b"%PDF-1.4 buddy handbook"
    # aiogram style: the parameter names a part with attach://
    answer = await http.multipart(
        "sendDocument",
        {"xyz123": ("handbook.pdf", content)},
        chat_id="1001",
        document="attach://xyz123",
        caption="Your <b>handbook</b>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    assert answer.status == 200, answer.body
    document = answer.result["document"]
    assert document["file_name"] == "handbook.pdf"
    assert document["mime_type"] == "application/pdf"
    assert document["file_size"] == len(content)
    assert answer.result["caption"] == "Your handbook"
    assert answer.result["caption_entities"] == [{"type": "bold", "offset": 5, "length": 8}]
    stored = user.last.document
    assert stored is not None and (stored.filename, stored.data) == ("handbook.pdf", content)
    file = (await http.call("getFile", file_id=document["file_id"])).result
    async with http.session.get(f"{http.base_url}/file/bot{emu.token}/{file['file_path']}") as r:
        assert (r.status, await r.read()) == (200, content)
    # Sending the part under the parameter's own name works too, and so does a file_id.
    direct = await http.multipart("sendDocument", {"document": ("b.txt", b"b")}, chat_id=1001)
    assert direct.result["document"]["file_name"] == "b.txt"
    again = await http.call("sendDocument", chat_id=1001, document=document["file_id"])
    assert again.result["document"]["file_id"] == document["file_id"]
    wrong = await http.call("sendDocument", chat_id=1001, document="no-such-file")
    assert wrong.description == "Bad Request: wrong file identifier/HTTP URL specified"
    missing = await http.call("getFile", file_id="nope")
    assert missing.description == "Bad Request: invalid file_id"


async def test_send_photo(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    image = png(40, 30)
    answer = await http.multipart("sendPhoto", {"photo": ("chart.png", image)}, chat_id=1001)
    (size,) = answer.result["photo"]
    assert (size["width"], size["height"], size["file_size"]) == (40, 30, len(image))
    assert user.last.photo == image
    not_image = await http.multipart("sendPhoto", {"photo": ("x.png", b"text")}, chat_id=1001)
    assert not_image.description == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_commands_per_scope_and_language(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    english = [{"command": "start", "description": "Start"}]
    dutch = [
        {"command": "start", "description": "Beginnen"},
        {"command": "help", "description": "Hulp"},
    ]
    assert (await http.call("setMyCommands", commands=english)).result is True
    await http.call("setMyCommands", commands=dutch, language_code="nl")
    await http.call(
        "setMyCommands",
        commands=english,
        scope={"type": "chat", "chat_id": 1001},
        language_code="nl",
    )
    assert emu.commands[("default", "")] == [("start", "Start")]
    assert emu.commands[("default", "nl")] == [("start", "Beginnen"), ("help", "Hulp")]
    assert emu.commands[("chat:1001", "nl")] == [("start", "Start")]
    assert (await http.call("getMyCommands", language_code="nl")).result == dutch
    assert (await http.call("getMyCommands", language_code="ar")).result == []
    await http.call("deleteMyCommands", language_code="nl")
    assert ("default", "nl") not in emu.commands
    bad = await http.call("setMyCommands", commands=[{"command": "Start!", "description": "x"}])
    assert bad.description == "Bad Request: BOT_COMMAND_INVALID"
    bad_scope = await http.call("setMyCommands", commands=english, scope={"type": "chat"})
    assert bad_scope.status == 400


async def test_chat_action_menu_button_and_get_chat(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    assert (await http.call("sendChatAction", chat_id=1001, action="typing")).result is True
    assert user.chat_actions == ["typing"]
    wrong = await http.call("sendChatAction", chat_id=1001, action="dancing")
    assert wrong.description == "Bad Request: wrong parameter action in request"
    await http.call("setChatMenuButton", chat_id=1001, menu_button={"type": "commands"})
    assert emu.menu_buttons[1001] == {"type": "commands"}
    assert (await http.call("getChatMenuButton", chat_id=1001)).result == {"type": "commands"}
    chat = (await http.call("getChat", chat_id=1001)).result
    assert (chat["id"], chat["type"], chat["first_name"]) == (1001, "private", "Amal")


async def test_reply_to_missing_message(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    own = await user.send("question")
    ok = await http.call(
        "sendMessage", chat_id=1001, text="answer", reply_parameters={"message_id": own}
    )
    assert ok.status == 200 and user.last.reply_to_message_id == own
    missing = await http.call(
        "sendMessage", chat_id=1001, text="answer", reply_parameters={"message_id": 77}
    )
    assert missing.description == "Bad Request: message to be replied not found"
