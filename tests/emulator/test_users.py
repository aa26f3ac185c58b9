"""Simulated users press buttons and read the bot's messages."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from emulator import Emulator

from .conftest import BotHttp


def keyboard(*rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": text, "callback_data": data} for text, data in row] for row in rows
        ]
    }


async def callback_data(http: BotHttp) -> list[str]:
    updates = (await http.call("getUpdates")).result
    return [u["callback_query"]["data"] for u in updates if "callback_query" in u]


async def test_press_finds_the_button_on_the_latest_message(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await http.call(
        "sendMessage", chat_id=1001, text="old", reply_markup=keyboard([("Nederlands", "old:nl")])
    )
    await http.call(
        "sendMessage",
        chat_id=1001,
        text="new",
        reply_markup=keyboard([("Nederlands", "lang:nl"), ("English", "lang:en")], [("Back", "b")]),
    )
    assert user.last.button_rows == [["Nederlands", "English"], ["Back"]]
    await user.press("Nederlands")
    await user.press("Eng", exact=False)
    await user.press(re.compile(r"^Ba"))
    await user.press("Nederlands", message=user.messages[0])
    assert await callback_data(http) == ["lang:nl", "lang:en", "b", "old:nl"]


async def test_press_explains_what_buttons_there_are(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    with pytest.raises(LookupError, match="no keyboard at all"):
        await user.press("Anything")
    await http.call(
        "sendMessage", chat_id=1001, text="Pick", reply_markup=keyboard([("Arabic", "ar")])
    )
    with pytest.raises(LookupError, match=r"(?s)no button 'Dutch'.*\[\['Arabic'\]\]"):
        await user.press("Dutch")


async def test_url_buttons_send_nothing(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    markup = {"inline_keyboard": [[{"text": "Site", "url": "https://example.org"}]]}
    await http.call("sendMessage", chat_id=1001, text="Visit", reply_markup=markup)
    with pytest.raises(ValueError, match="url button"):
        await user.press("Site")


async def test_reply_keyboard_buttons_send_their_text(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    markup = {"keyboard": [[{"text": "Share contact"}, "Skip"]], "resize_keyboard": True}
    await http.call("sendMessage", chat_id=1001, text="Contact?", reply_markup=markup)
    assert user.reply_keyboard == [["Share contact", "Skip"]]
    assert await user.press("Skip") is None
    (update,) = (await http.call("getUpdates")).result
    assert update["message"]["text"] == "Skip"
    await http.call(
        "sendMessage", chat_id=1001, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    assert user.reply_keyboard == []


async def test_press_data_forges_callback_data(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await http.call("sendMessage", chat_id=1001, text="k", reply_markup=keyboard([("A", "a")]))
    await http.call("sendMessage", chat_id=1001, text="plain")
    await user.press_data("admin:delete-everything")
    (update,) = (await http.call("getUpdates")).result
    assert update["callback_query"]["data"] == "admin:delete-everything"
    assert update["callback_query"]["message"]["text"] == "k"


async def test_next_message_returns_each_new_message_once(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    with pytest.raises(LookupError):
        _ = user.last
    await http.call("sendMessage", chat_id=1001, text="one")
    await http.call("sendMessage", chat_id=1001, text="two")
    assert (await user.next_message()).text == "one"
    assert (await user.next_message()).text == "two"
    later = asyncio.create_task(user.next_message(timeout=2))
    await asyncio.sleep(0)
    await http.call("sendMessage", chat_id=1001, text="three")
    assert (await later).text == "three"
    with pytest.raises(TimeoutError, match=r"no new message from the bot within 0\.1s"):
        await user.next_message(timeout=0.1)
    assert [m.text for m in user.messages] == ["one", "two", "three"]


async def test_wait_for_sees_edits_since_the_last_action(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    sent = (await http.call("sendMessage", chat_id=1001, text="Step 1")).result
    await user.send("next")
    with pytest.raises(TimeoutError):
        await user.wait_for(lambda m: m.text == "Step 1", timeout=0.1)
    assert (await user.wait_for(lambda m: m.text == "Step 1", include_earlier=True)).text
    waiting = asyncio.create_task(user.wait_for(lambda m: "2" in (m.text or ""), timeout=2))
    await asyncio.sleep(0)
    await http.call("editMessageText", chat_id=1001, message_id=sent["message_id"], text="Step 2")
    edited = await waiting
    assert (edited.message_id, edited.text, edited.edited) == (sent["message_id"], "Step 2", 1)


async def test_wait_for_ignores_messages_without_text(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await user.send("file please")
    await http.multipart("sendDocument", {"document": ("a.txt", b"a")}, chat_id=1001)
    await http.call("sendMessage", chat_id=1001, text="here it is")
    assert (await user.wait_for(lambda m: "here" in (m.text or ""))).text == "here it is"


async def test_callback_answers_can_be_awaited(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    await http.call("sendMessage", chat_id=1001, text="k", reply_markup=keyboard([("A", "a")]))
    query_id = await user.press("A")
    waiting = asyncio.create_task(user.next_callback_answer(timeout=2))
    await asyncio.sleep(0)
    await http.call("answerCallbackQuery", callback_query_id=query_id, text="Done")
    answer = await waiting
    assert (answer.query_id, answer.text, answer.show_alert) == (query_id, "Done", False)


async def test_users_are_stable_and_mark_read(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    assert emu.user(1001, "Amal", "ar") is user
    assert (user.id, user.first_name, user.language_code) == (1001, "Amal", "ar")
    await http.call("sendMessage", chat_id=1001, text="seen")
    user.mark_read()
    with pytest.raises(TimeoutError):
        await user.next_message(timeout=0.05)


async def test_control_api_drives_users_over_http(emu: Emulator, http: BotHttp) -> None:
    control = f"{http.base_url}/_emulator"
    async with http.session.post(
        f"{control}/users/2001/send", json={"text": "/start", "first_name": "Lina"}
    ) as response:
        assert (await response.json()) == {"message_id": 1}
    (update,) = (await http.call("getUpdates")).result
    assert update["message"]["from"]["first_name"] == "Lina"
    await http.call(
        "sendMessage",
        chat_id=2001,
        text="<b>Hoi</b>",
        parse_mode="HTML",
        reply_markup=keyboard([("OK", "ok")]),
    )
    async with http.session.get(f"{control}/users/2001/messages") as response:
        (message,) = await response.json()
    assert (message["text"], message["html"]) == ("Hoi", "<b>Hoi</b>")
    async with http.session.post(f"{control}/users/2001/press", json={"text": "OK"}) as response:
        assert (await response.json())["callback_query_id"]
    async with http.session.post(f"{control}/users/2001/press", json={"text": "Nope"}) as response:
        assert response.status == 404 and "no button 'Nope'" in await response.text()
    async with http.session.get(f"{control}/users/3003/messages") as response:
        assert response.status == 404
    await http.call("sendMessage", chat_id=2001, text="x", colour="red")
    async with http.session.get(f"{control}/requests", params={"rejected": "1"}) as response:
        (rejected,) = await response.json()
    assert rejected["description"] == "Bad Request: unknown parameter colour"


async def test_send_carries_the_formatting_entities_of_the_app(
    emu: Emulator, http: BotHttp
) -> None:
    user = emu.user(1010)
    bold = {"type": "bold", "offset": 3, "length": 2}  # "🎉 " is 3 UTF-16 units
    link = {"type": "text_link", "offset": 6, "length": 4, "url": "https://example.org/"}
    await user.send("🎉 ok hier /help", entities=[link, bold])
    updates = (await http.call("getUpdates")).result
    message = updates[-1]["message"]
    assert message["text"] == "🎉 ok hier /help"
    assert message["entities"] == [
        bold,
        link,
        {"type": "bot_command", "offset": 11, "length": 5},
    ]
    for wrong in (
        {"type": "bold", "offset": 15, "length": 2},  # past the end
        {"type": "bold", "offset": 0, "length": 0},
        {"offset": 0, "length": 1},
    ):
        with pytest.raises(ValueError):
            await user.send("🎉 ok hier /help", entities=[wrong])
