"""Forum supergroups (a topic per person), media from people, copyMessage and forwardMessage."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, Message

from emulator import Emulator, SimulatedGroup, SimulatedUser
from emulator.media import ogg_opus

from .conftest import BotHttp

GROUP = -1001234567890
BOT_ID = 123456
MEDIA_KINDS = ("text", "voice", "photo", "document", "location", "sticker")


async def take_updates(http: BotHttp) -> list[dict[str, Any]]:
    """Every pending update, confirmed so the next call sees only newer ones."""
    updates: list[dict[str, Any]] = (await http.call("getUpdates")).result
    if updates:
        await http.call("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
    return updates


async def take_messages(http: BotHttp) -> list[dict[str, Any]]:
    return [update["message"] for update in await take_updates(http)]


def coordinators(emu: Emulator, **options: Any) -> tuple[SimulatedGroup, SimulatedUser]:
    coordinator = emu.user(2001, "Coco", "nl")
    return emu.forum_group(members=[coordinator.id], **options), coordinator


async def new_topic(http: BotHttp, name: str = "Amal (1001)", **params: Any) -> int:
    answer = await http.call("createForumTopic", chat_id=GROUP, name=name, **params)
    return int(answer.result["message_thread_id"])


async def send_every_kind(user: SimulatedUser | SimulatedGroup, **where: Any) -> dict[str, int]:
    """One message of each kind, from a user (private chat) or a member of a group."""
    if isinstance(user, SimulatedUser):
        return {
            "text": await user.send("Hallo"),
            "voice": await user.send_voice(duration=7),
            "photo": await user.send_photo(caption="my room"),
            "document": await user.send_document("letter.pdf", caption="from the city"),
            "location": await user.send_location(52.37, 4.89),
            "sticker": await user.send_sticker(),
        }
    member = where.pop("member")
    return {
        "text": await user.send(member, "Hallo", **where),
        "voice": await user.send_voice(member, duration=7, **where),
        "photo": await user.send_photo(member, caption="my room", **where),
        "document": await user.send_document(
            member, file_name="letter.pdf", caption="from the city", **where
        ),
        "location": await user.send_location(member, 52.37, 4.89, **where),
        "sticker": await user.send_sticker(member, **where),
    }


# --- forum topics ---------------------------------------------------------------------


async def test_create_topic_posts_its_service_message(emu: Emulator, http: BotHttp) -> None:
    group, _ = coordinators(emu)
    answer = await http.call("createForumTopic", chat_id=GROUP, name="Amal (1001)")
    topic = answer.result
    assert set(topic) == {"message_thread_id", "name", "icon_color"}
    assert topic["name"] == "Amal (1001)" and topic["icon_color"] == 7322096
    thread = topic["message_thread_id"]
    assert group.topics == {thread: {"name": "Amal (1001)", "icon_color": 7322096, "closed": False}}
    assert group.topic_id("Amal (1001)") == thread

    (service,) = await take_messages(http)
    assert service["message_id"] == thread
    assert service["message_thread_id"] == thread and service["is_topic_message"] is True
    assert service["from"]["id"] == BOT_ID
    assert service["chat"] == {
        "id": GROUP,
        "title": "Coordinators",
        "type": "supergroup",
        "is_forum": True,
    }
    assert service["forum_topic_created"] == {"name": "Amal (1001)", "icon_color": 7322096}
    assert "reply_to_message" not in service
    assert group.messages() == []  # a service message is not one the bot sent
    assert group.posts(thread) == [service]

    colored = await http.call("createForumTopic", chat_id=GROUP, name="B", icon_color=16478047)
    assert colored.result["icon_color"] == 16478047
    long_name = await http.call("createForumTopic", chat_id=GROUP, name="x" * 200)
    assert long_name.result["name"] == "x" * 128
    emu.assert_no_rejections()


async def test_bot_posts_in_a_topic(emu: Emulator, http: BotHttp) -> None:
    group, _ = coordinators(emu)
    thread = await new_topic(http)
    await http.call("sendMessage", chat_id=GROUP, text="General news")
    sent = (
        await http.call(
            "sendMessage", chat_id=GROUP, message_thread_id=thread, text="<b>New</b> person",
            parse_mode="HTML",
        )
    ).result  # fmt: skip
    assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
    # Telegram shows a message in a topic as a reply to the topic's creation message.
    assert sent["reply_to_message"]["forum_topic_created"]["name"] == "Amal (1001)"
    assert sent["chat"]["is_forum"] is True and sent["from"]["id"] == BOT_ID

    assert [m.text for m in group.messages()] == ["General news", "New person"]
    assert [m.text for m in group.messages(thread)] == ["New person"]
    assert [m.text for m in group.messages(None)] == ["General news"]
    assert group.messages(thread)[0].message_thread_id == thread
    found = await group.wait_for(lambda m: "person" in (m.text or ""), thread_id=thread)
    assert found.html == "<b>New</b> person"
    with pytest.raises(TimeoutError, match="in topic"):
        await group.wait_for(lambda m: "news" in (m.text or ""), thread_id=thread, timeout=0.05)

    document = await http.multipart(
        "sendDocument", {"document": ("card.txt", b"hi")}, chat_id=GROUP, message_thread_id=thread
    )
    assert document.result["message_thread_id"] == thread
    voice = await http.multipart(
        "sendVoice", {"voice": ("v.ogg", ogg_opus(2, 1))}, chat_id=GROUP,
        message_thread_id=thread, duration=2,
    )  # fmt: skip
    assert voice.result["voice"]["duration"] == 2
    assert [m.kind for m in group.messages(thread)] == ["text", "document", "voice"]
    emu.assert_no_rejections()


async def test_member_message_in_a_topic_reaches_the_bot(emu: Emulator, http: BotHttp) -> None:
    group, coordinator = coordinators(emu)
    thread = await new_topic(http)
    bot_post = (
        await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="Hi Amal")
    ).result
    await take_updates(http)

    first = await group.send(coordinator.id, "/note 1001", thread_id=thread)
    (message,) = await take_messages(http)
    assert message["message_id"] == first
    assert message["chat"] == group.chat and message["chat"]["type"] == "supergroup"
    assert message["from"] == coordinator.user
    assert message["message_thread_id"] == thread and message["is_topic_message"] is True
    assert message["reply_to_message"]["message_id"] == thread
    assert message["reply_to_message"]["forum_topic_created"]["name"] == "Amal (1001)"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]

    # A reply names the replied message and, without thread_id, goes to its topic.
    await group.send(coordinator.id, "Thanks", reply_to=bot_post["message_id"])
    (reply,) = await take_messages(http)
    assert reply["message_thread_id"] == thread
    assert reply["reply_to_message"]["text"] == "Hi Amal"
    assert "reply_to_message" not in reply["reply_to_message"]

    await group.send(coordinator.id, "In General")
    (general,) = await take_messages(http)
    assert "message_thread_id" not in general and "is_topic_message" not in general
    assert "reply_to_message" not in general

    await group.send_voice(coordinator.id, thread_id=thread)
    await group.send_photo(coordinator.id, caption="scan", thread_id=thread)
    voice, photo = await take_messages(http)
    assert voice["voice"]["mime_type"] == "audio/ogg" and voice["message_thread_id"] == thread
    assert photo["caption"] == "scan" and len(photo["photo"]) == 3

    with pytest.raises(LookupError, match="no topic"):
        await group.send(coordinator.id, "x", thread_id=9999)
    with pytest.raises(ValueError, match="not a member"):
        await group.send(4242, "x")
    # The bot's answer waits for the member's last action.
    await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="Noted")
    assert (await group.wait_for(lambda m: m.text == "Noted")).message_thread_id == thread


async def test_topic_errors(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    coordinators(emu)
    not_forum = await http.call("createForumTopic", chat_id=1001, name="x")
    assert not_forum.status == 400
    assert not_forum.description == "Bad Request: the chat is not a forum"
    unknown = await http.call("createForumTopic", chat_id=-1009999, name="x")
    assert unknown.description == "Bad Request: chat not found"
    to_unknown = await http.call("sendMessage", chat_id=-1009999, text="x")
    assert to_unknown.description == "Bad Request: chat not found"

    thread = await new_topic(http)
    for missing in (thread + 50, 1):  # 1: the General topic is no topic to name
        answer = await http.call("sendMessage", chat_id=GROUP, message_thread_id=missing, text="x")
        assert answer.description == "Bad Request: message thread not found"
    copy = await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=GROUP, message_id=thread,
        message_thread_id=thread + 50,
    )  # fmt: skip
    assert copy.description == "Bad Request: message thread not found"
    # A private chat with a bot without forum topic mode ignores message_thread_id.
    private = await http.call("sendMessage", chat_id=1001, message_thread_id=77, text="hi")
    assert private.status == 200 and "message_thread_id" not in private.result
    bad_color = await http.call("createForumTopic", chat_id=GROUP, name="x", icon_color=123)
    assert bad_color.description == "Bad Request: TOPIC_ICON_COLOR_INVALID"
    blank = await http.call("createForumTopic", chat_id=GROUP, name="   ")
    assert blank.description == "Bad Request: title must be non-empty"


async def test_topics_need_the_right_to_manage_them(emu: Emulator, http: BotHttp) -> None:
    emu.user(2001)
    no_right = emu.forum_group(members=[2001], bot_rights={"can_manage_topics": False})
    answer = await http.call("createForumTopic", chat_id=GROUP, name="x")
    assert answer.description == "Bad Request: not enough rights to create a topic"
    # A topic a person created: the bot can't close it without the right, nor post once closed.
    thread = await no_right.create_topic(2001, "Their topic")
    assert no_right.topics[thread]["name"] == "Their topic"
    (created,) = await take_messages(http)
    assert created["from"]["id"] == 2001 and "forum_topic_created" in created
    close = await http.call("closeForumTopic", chat_id=GROUP, message_thread_id=thread)
    assert close.description == "Bad Request: not enough rights to close or open the topic"
    edit = await http.call("editForumTopic", chat_id=GROUP, message_thread_id=thread, name="y")
    assert edit.description == "Bad Request: not enough rights to edit the topic"

    emu.forum_group(bot_rights={})  # the same group, now with the usual rights
    assert no_right.topics[thread]["name"] == "Their topic"
    assert (await http.call("closeForumTopic", chat_id=GROUP, message_thread_id=thread)).result
    emu.forum_group(members=[2001], bot_rights={"can_manage_topics": False})
    closed = await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="x")
    assert closed.description == "Bad Request: TOPIC_CLOSED"
    with pytest.raises(ValueError, match="not administrator rights"):
        emu.forum_group(bot_rights={"can_fly": True})

    plain = emu.forum_group(-1002, "Plain", bot_is_admin=False)
    answer = await http.call("createForumTopic", chat_id=plain.id, name="x")
    assert answer.description == "Bad Request: not enough rights to create a topic"
    outside = emu.forum_group(-1003, "Elsewhere", bot_is_member=False)
    for method, params in (
        ("sendMessage", {"text": "x"}),
        ("createForumTopic", {"name": "x"}),
        ("getChat", {}),
    ):
        answer = await http.call(method, chat_id=outside.id, **params)
        assert (answer.status, answer.description) == (
            403,
            "Forbidden: bot is not a member of the supergroup chat",
        )


async def test_edit_close_reopen_and_delete_topics(emu: Emulator, http: BotHttp) -> None:
    group, coordinator = coordinators(emu)
    thread = await new_topic(http)
    posted = await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="x")
    await group.send(coordinator.id, "reply", thread_id=thread)
    await take_updates(http)

    edit = await http.call("editForumTopic", chat_id=GROUP, message_thread_id=thread, name="Amal")
    assert edit.result is True and group.topics[thread]["name"] == "Amal"
    same = await http.call("editForumTopic", chat_id=GROUP, message_thread_id=thread, name="Amal")
    assert same.description == "Bad Request: TOPIC_NOT_MODIFIED"
    assert (await http.call("closeForumTopic", chat_id=GROUP, message_thread_id=thread)).result
    assert group.topics[thread]["closed"] is True
    again = await http.call("closeForumTopic", chat_id=GROUP, message_thread_id=thread)
    assert again.description == "Bad Request: TOPIC_NOT_MODIFIED"
    # The bot created the topic, so it still posts there; a plain member can't.
    in_closed = await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="y")
    assert in_closed.status == 200
    with pytest.raises(PermissionError, match="TOPIC_CLOSED"):
        await group.send(coordinator.id, "hello?", thread_id=thread)
    assert (await http.call("reopenForumTopic", chat_id=GROUP, message_thread_id=thread)).result
    assert group.topics[thread]["closed"] is False

    services = await take_messages(http)
    assert [m.get("forum_topic_edited") for m in services[:1]] == [{"name": "Amal"}]
    assert "forum_topic_closed" in services[1] and "forum_topic_reopened" in services[2]
    assert all(m["message_thread_id"] == thread for m in services)
    assert services[1]["reply_to_message"]["message_id"] == thread

    invalid = await http.call("closeForumTopic", chat_id=GROUP, message_thread_id=0)
    assert invalid.description == "Bad Request: invalid forum topic identifier specified"
    missing = await http.call("reopenForumTopic", chat_id=GROUP, message_thread_id=thread + 99)
    assert missing.description == "Bad Request: TOPIC_ID_INVALID"

    assert (await http.call("deleteForumTopic", chat_id=GROUP, message_thread_id=thread)).result
    assert group.topics == {} and group.messages(thread) == [] and group.posts(thread) == []
    assert group.messages() == [] and emu.pending_updates == 0  # deletion sends no update
    gone = await http.call(
        "sendMessage", chat_id=GROUP, message_thread_id=thread, text="x",
    )  # fmt: skip
    assert gone.description == "Bad Request: message thread not found"
    copy_gone = await http.call(
        "copyMessage", chat_id=1, from_chat_id=GROUP, message_id=posted.result["message_id"]
    )
    assert copy_gone.status == 400

    emu.forum_group(members=[2001], bot_rights={"can_delete_messages": False})
    other = await new_topic(http, "Bram")
    denied = await http.call("deleteForumTopic", chat_id=GROUP, message_thread_id=other)
    assert denied.description == "Bad Request: not enough rights to delete the topic"


async def test_get_chat_and_members(emu: Emulator, http: BotHttp) -> None:
    stranger = emu.user(3003)
    group, coordinator = coordinators(emu)
    chat = (await http.call("getChat", chat_id=GROUP)).result
    assert (chat["id"], chat["type"], chat["title"], chat["is_forum"]) == (
        GROUP,
        "supergroup",
        "Coordinators",
        True,
    )
    me = (await http.call("getChatMember", chat_id=GROUP, user_id=BOT_ID)).result
    assert me["status"] == "administrator" and me["user"]["id"] == BOT_ID
    assert me["can_manage_topics"] is True and me["can_delete_messages"] is True
    member = (await http.call("getChatMember", chat_id=GROUP, user_id=coordinator.id)).result
    assert (member["status"], member["user"]) == ("member", coordinator.user)
    left = (await http.call("getChatMember", chat_id=GROUP, user_id=stranger.id)).result
    assert left["status"] == "left"
    unknown = await http.call("getChatMember", chat_id=GROUP, user_id=9)
    assert unknown.description == "Bad Request: user not found"

    emu.forum_group(members=[2001], admins=[3003], bot_rights={"can_manage_topics": False})
    me = (await http.call("getChatMember", chat_id=GROUP, user_id=BOT_ID)).result
    assert me["can_manage_topics"] is False
    admin = (await http.call("getChatMember", chat_id=GROUP, user_id=3003)).result
    assert admin["status"] == "administrator" and group.members == [2001, 3003]
    emu.forum_group(members=[2001], bot_is_admin=False)
    me = (await http.call("getChatMember", chat_id=GROUP, user_id=BOT_ID)).result
    assert me == {"status": "member", "user": emu.bot_user}


async def test_privacy_mode_when_the_bot_is_no_admin(emu: Emulator, http: BotHttp) -> None:
    group, coordinator = coordinators(emu, bot_is_admin=False)
    await group.send(coordinator.id, "just chatting")
    await group.send(coordinator.id, "/help@other_bot")
    assert await take_updates(http) == []
    explicit = await group.send(coordinator.id, "/help@buddy_test_bot")
    posted = (await http.call("sendMessage", chat_id=GROUP, text="Hi")).result
    reply = await group.send(coordinator.id, "hi bot", reply_to=posted["message_id"])
    general = await group.send(coordinator.id, "/help")
    assert [m["message_id"] for m in await take_messages(http)] == [explicit, reply, general]


async def test_reset_forgets_groups(emu: Emulator, http: BotHttp) -> None:
    coordinators(emu)
    await new_topic(http)
    emu.reset()
    assert emu.groups == []
    answer = await http.call("sendMessage", chat_id=GROUP, text="x")
    assert answer.description == "Bad Request: chat not found"


# --- media from people -------------------------------------------------------------------


async def test_users_send_media(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    ids = await send_every_kind(user)
    messages = await take_messages(http)
    assert [m["message_id"] for m in messages] == list(ids.values())
    text, voice, photo, document, location, sticker = messages
    assert text["text"] == "Hallo" and text["chat"]["type"] == "private"
    assert voice["voice"]["duration"] == 7 and voice["voice"]["mime_type"] == "audio/ogg"
    assert voice["voice"]["file_size"] > 0
    assert [(s["width"], s["height"]) for s in photo["photo"]] == [(90, 68), (320, 240), (800, 600)]
    assert photo["caption"] == "my room"
    assert document["document"]["file_name"] == "letter.pdf"
    assert document["document"]["mime_type"] == "application/pdf"
    assert document["caption"] == "from the city"
    assert location["location"] == {"latitude": 52.37, "longitude": 4.89}
    assert sticker["sticker"]["type"] == "regular" and sticker["sticker"]["emoji"] == "👍"
    assert sticker["sticker"]["is_animated"] is False and sticker["sticker"]["is_video"] is False
    assert (sticker["sticker"]["width"], sticker["sticker"]["height"]) == (512, 512)

    # The bot can fetch what people sent.
    file = (await http.call("getFile", file_id=voice["voice"]["file_id"])).result
    async with http.session.get(f"{http.base_url}/file/bot{emu.token}/{file['file_path']}") as r:
        assert r.status == 200 and (await r.read()).startswith(b"OggS")

    answer = (await http.call("sendMessage", chat_id=user.id, text="Which day?")).result
    reply = await user.send("Monday", reply_to=answer["message_id"])
    (message,) = await take_messages(http)
    assert message["message_id"] == reply
    assert message["reply_to_message"]["text"] == "Which day?"
    with pytest.raises(LookupError):
        await user.send("?", reply_to=999)
    # Replying to a user's media keeps working as for text.
    echo = await http.call(
        "sendMessage", chat_id=user.id, text="got it", reply_parameters={"message_id": ids["voice"]}
    )
    assert echo.result["reply_to_message"]["voice"]["duration"] == 7
    assert (await http.call("deleteMessage", chat_id=user.id, message_id=ids["sticker"])).result
    emu.assert_no_rejections()


async def test_bot_sends_voice_location_and_sticker(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    voice = await http.multipart(
        "sendVoice", {"voice": ("note.ogg", ogg_opus(4, 9))}, chat_id=1001, duration=4,
        caption="listen",
    )  # fmt: skip
    assert voice.result["voice"]["mime_type"] == "audio/ogg"
    assert voice.result["voice"]["duration"] == 4 and voice.result["caption"] == "listen"
    assert user.last.kind == "voice" and user.last.voice == voice.result["voice"]
    not_audio = await http.multipart("sendVoice", {"voice": ("a.wav", b"RIFFxxxxWAVE")}, chat_id=1)
    assert not_audio.description == "Bad Request: chat not found"
    as_document = await http.multipart(
        "sendVoice", {"voice": ("a.wav", b"RIFFxxxxWAVE")}, chat_id=1001
    )
    assert "document" in as_document.result and user.last.kind == "document"

    await user.send_voice(duration=5)
    await user.send_sticker()
    await user.send_photo()
    sent = await take_messages(http)
    again = await http.call("sendVoice", chat_id=1001, voice=sent[0]["voice"]["file_id"])
    assert again.result["voice"]["file_id"] == sent[0]["voice"]["file_id"]
    sticker = await http.call("sendSticker", chat_id=1001, sticker=sent[1]["sticker"]["file_id"])
    assert sticker.result["sticker"]["file_id"] == sent[1]["sticker"]["file_id"]
    assert user.last.kind == "sticker" and user.last.sticker is not None
    wrong = await http.call("sendVoice", chat_id=1001, voice=sent[2]["photo"][-1]["file_id"])
    assert wrong.description == "Bad Request: can't use file of type Photo as Voice"

    location = await http.call("sendLocation", chat_id=1001, latitude=52.1, longitude=5.1)
    assert location.result["location"] == {"latitude": 52.1, "longitude": 5.1}
    assert user.last.kind == "location"
    assert user.last.location == {"latitude": 52.1, "longitude": 5.1}
    off_map = await http.call("sendLocation", chat_id=1001, latitude=95, longitude=5)
    assert off_map.description == "Bad Request: invalid location specified"


# --- copies and forwards ------------------------------------------------------------------


async def test_copy_every_kind_from_a_private_chat_into_a_topic(
    emu: Emulator, http: BotHttp
) -> None:
    user = emu.user(1001, "Amal", "ar")
    group, _ = coordinators(emu)
    thread = await new_topic(http)
    ids = await send_every_kind(user)
    originals = {m["message_id"]: m for m in await take_messages(http)}

    for message_id in ids.values():
        answer = await http.call(
            "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=message_id,
            message_thread_id=thread,
        )  # fmt: skip
        assert set(answer.result) == {"message_id"}
    copies = group.messages(thread)
    assert [m.kind for m in copies] == list(MEDIA_KINDS)
    assert [m.copied_from for m in copies] == [(user.id, i) for i in ids.values()]
    assert all(m.message_thread_id == thread and m.forward_origin is None for m in copies)
    text, voice, photo, document, location, sticker = copies
    assert text.text == "Hallo"
    assert voice.voice == originals[ids["voice"]]["voice"]
    assert [s.file_id for s in photo.photo_sizes] == [
        s["file_id"] for s in originals[ids["photo"]]["photo"]
    ]
    assert photo.photo is not None and photo.caption == "my room"
    assert document.document is not None and document.document.filename == "letter.pdf"
    assert document.caption == "from the city"
    assert location.location == {"latitude": 52.37, "longitude": 4.89}
    assert sticker.sticker == originals[ids["sticker"]]["sticker"]
    api_view = photo.to_api()
    assert api_view["message_thread_id"] == thread and len(api_view["photo"]) == 3

    # A new caption replaces the original, an empty one removes it; text takes none.
    await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=ids["voice"],
        message_thread_id=thread, caption="<b>Amal</b> says", parse_mode="HTML",
    )  # fmt: skip
    assert group.messages(thread)[-1].caption == "Amal says"
    assert group.messages(thread)[-1].caption_entities == [
        {"type": "bold", "offset": 0, "length": 4}
    ]
    await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=ids["photo"],
        message_thread_id=thread, caption="",
    )  # fmt: skip
    assert group.messages(thread)[-1].caption is None
    await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=ids["text"],
        message_thread_id=thread, caption="ignored",
    )  # fmt: skip
    assert group.messages(thread)[-1].text == "Hallo"
    assert group.messages(thread)[-1].caption is None
    emu.assert_no_rejections()


async def test_copy_every_kind_from_a_topic_to_a_private_chat(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    group, coordinator = coordinators(emu)
    thread = await new_topic(http)
    ids = await send_every_kind(group, member=coordinator.id, thread_id=thread)
    for message_id in ids.values():
        answer = await http.call(
            "copyMessage", chat_id=user.id, from_chat_id=GROUP, message_id=message_id
        )
        assert answer.status == 200
    copies = user.messages
    assert [m.kind for m in copies] == list(MEDIA_KINDS)
    assert [m.copied_from for m in copies] == [(GROUP, i) for i in ids.values()]
    assert all(m.message_thread_id is None for m in copies)
    assert copies[1].voice is not None and copies[1].voice["duration"] == 7
    assert copies[4].location == {"latitude": 52.37, "longitude": 4.89}
    assert copies[5].sticker is not None and copies[5].sticker["type"] == "regular"

    # The bot's own messages copy too, into the General topic or back to the user.
    own = await http.call("sendLocation", chat_id=user.id, latitude=1.5, longitude=2.5)
    await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=own.result["message_id"]
    )
    (general,) = group.messages(None)
    assert general.kind == "location" and general.location == {"latitude": 1.5, "longitude": 2.5}
    # With reply_parameters the copy answers a member's message in the topic.
    reply = await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=own.result["message_id"],
        reply_parameters={"message_id": ids["text"]},
    )  # fmt: skip
    copied = group.messages()[-1]
    assert copied.message_id == reply.result["message_id"]
    assert copied.message_thread_id == thread and copied.reply_to_message_id == ids["text"]
    emu.assert_no_rejections()


async def test_copy_errors(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001)
    group, _ = coordinators(emu)
    thread = await new_topic(http)
    own = await user.send("hello")
    missing = await http.call("copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=999)
    assert (missing.status, missing.description) == (
        400,
        "Bad Request: message to copy not found",
    )
    service = await http.call("copyMessage", chat_id=user.id, from_chat_id=GROUP, message_id=thread)
    assert service.description == "Bad Request: the message can't be copied"
    no_source = await http.call("copyMessage", chat_id=GROUP, from_chat_id=-1005, message_id=own)
    assert no_source.description == "Bad Request: chat not found"
    forward = await http.call("forwardMessage", chat_id=GROUP, from_chat_id=user.id, message_id=9)
    assert forward.description == "Bad Request: message to forward not found"
    await group.send(2001, "for Amal", thread_id=thread)
    emu.block(user.id)
    blocked = await http.call(
        "copyMessage", chat_id=user.id, from_chat_id=GROUP, message_id=thread + 1
    )
    assert (blocked.status, blocked.description) == (403, "Forbidden: bot was blocked by the user")
    assert user.messages == []


async def test_forward_message(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    group, _ = coordinators(emu)
    thread = await new_topic(http)
    voice = await user.send_voice()
    original = (await take_messages(http))[-1]
    forwarded = await http.call(
        "forwardMessage", chat_id=GROUP, from_chat_id=user.id, message_id=voice,
        message_thread_id=thread,
    )  # fmt: skip
    result = forwarded.result
    assert result["forward_origin"] == {
        "type": "user",
        "sender_user": user.user,
        "date": original["date"],
    }
    assert result["forward_from"] == user.user and result["forward_date"] == original["date"]
    assert result["voice"] == original["voice"] and result["message_thread_id"] == thread
    (message,) = group.messages(thread)
    assert message.kind == "voice" and message.forwarded_from == (user.id, voice)
    assert message.copied_from is None
    # A forward of the forward keeps the first origin.
    again = await http.call(
        "forwardMessage", chat_id=user.id, from_chat_id=GROUP, message_id=result["message_id"]
    )
    assert again.result["forward_origin"]["sender_user"] == user.user


async def test_validation_still_rejects_bad_parameters(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    coordinators(emu)
    no_name = await http.call("createForumTopic", chat_id=GROUP)
    assert no_name.description == "Bad Request: name is required"
    bad_thread = await http.call(
        "sendMessage", chat_id=GROUP, text="x", message_thread_id="general"
    )
    assert bad_thread.description == "Bad Request: message_thread_id must be an Integer"
    unknown = await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=1001, message_id=1, thread="x"
    )
    assert unknown.description == "Bad Request: unknown parameter thread"
    no_message = await http.call("copyMessage", chat_id=GROUP, from_chat_id=1001)
    assert no_message.description == "Bad Request: message_id is required"
    no_voice = await http.call("sendVoice", chat_id=1001)
    assert no_voice.description == "Bad Request: voice is required"
    bad_latitude = await http.call("sendLocation", chat_id=1001, latitude="north", longitude=1.0)
    assert bad_latitude.description == "Bad Request: latitude must be a Float"
    caption_of = await http.call(
        "copyMessage", chat_id=GROUP, from_chat_id=1001, message_id=1, caption_entities="x"
    )
    assert caption_of.status == 400
    assert len(emu.rejected) == 7


# --- aiogram -------------------------------------------------------------------------


def make_bot(emu: Emulator) -> Bot:
    assert emu.base_url is not None
    return Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))


async def test_aiogram_relays_between_a_person_and_a_topic(emu: Emulator) -> None:
    user = emu.user(1001, "Amal", "ar")
    group, coordinator = coordinators(emu)
    bot = make_bot(emu)
    try:
        topic = await bot.create_forum_topic(GROUP, "Amal (1001)")
        ids = await send_every_kind(user)
        for message_id in ids.values():
            await bot.copy_message(
                GROUP, user.id, message_id, message_thread_id=topic.message_thread_id
            )
        answer = await group.send_voice(coordinator.id, thread_id=topic.message_thread_id)
        back = await bot.copy_message(user.id, GROUP, answer)
        updates = await bot.get_updates()
        sent = await bot.send_voice(
            GROUP,
            BufferedInputFile(ogg_opus(1, 5), filename="hello.ogg"),
            message_thread_id=topic.message_thread_id,
        )
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await bot.send_message(GROUP, "x", message_thread_id=4242)
        emu.block(user.id)
        with pytest.raises(TelegramForbiddenError, match="blocked"):
            await bot.copy_message(user.id, GROUP, answer)
    finally:
        await bot.session.close()

    messages = [u.message for u in updates]
    assert all(isinstance(m, Message) for m in messages)
    service = messages[0]
    assert service is not None and service.forum_topic_created is not None
    by_kind = {m.content_type: m for m in messages[1:] if m is not None}
    assert set(by_kind) == {"text", "voice", "photo", "document", "location", "sticker"}
    coordinator_voice = messages[-1]
    assert coordinator_voice is not None and coordinator_voice.is_topic_message
    assert coordinator_voice.reply_to_message is not None
    assert coordinator_voice.reply_to_message.forum_topic_created is not None
    assert [m.kind for m in group.messages(topic.message_thread_id)] == [*MEDIA_KINDS, "voice"]
    assert user.last.message_id == back.message_id and user.last.kind == "voice"
    assert sent.voice is not None and sent.message_thread_id == topic.message_thread_id
    assert [r.description for r in emu.rejected] == ["Bad Request: message thread not found"]


async def test_group_waits_follow_any_persons_last_action(emu: Emulator, http: BotHttp) -> None:
    user = emu.user(1001, "Amal", "ar")
    group, coordinator = coordinators(emu)
    thread = await new_topic(http)
    for _ in range(2):
        voice = await user.send_voice()
        await http.call(
            "copyMessage", chat_id=GROUP, from_chat_id=user.id, message_id=voice,
            message_thread_id=thread,
        )  # fmt: skip
        relayed = await group.wait_for(lambda m: m.kind == "voice", thread_id=thread)
        assert relayed.copied_from == (user.id, voice)
    first, second = group.messages(thread)
    assert await group.next_message() is first
    assert await group.next_message(thread_id=thread) is second
    with pytest.raises(TimeoutError, match="no new bot message"):
        await group.next_message(timeout=0.05)
    await group.send(coordinator.id, "ok", thread_id=thread)
    await http.call("sendMessage", chat_id=GROUP, message_thread_id=thread, text="done")
    assert (await group.next_message(thread_id=thread)).text == "done"
    group.mark_read()
    with pytest.raises(TimeoutError):
        await group.wait_for(lambda m: True, timeout=0.05)


async def test_administrators_and_member_count(emu: Emulator, http: BotHttp) -> None:
    emu.user(1001)
    emu.user(3003, "Ada")
    coordinators(emu, admins=[3003])
    admins = (await http.call("getChatAdministrators", chat_id=GROUP)).result
    assert [(a["user"]["id"], a["status"]) for a in admins] == [
        (BOT_ID, "administrator"),
        (3003, "administrator"),
    ]
    assert (await http.call("getChatMemberCount", chat_id=GROUP)).result == 3
    private = await http.call("getChatAdministrators", chat_id=1001)
    assert private.description == "Bad Request: there are no administrators in the private chat"


async def test_deleting_members_messages_needs_the_right(emu: Emulator, http: BotHttp) -> None:
    group, coordinator = coordinators(emu, bot_rights={"can_delete_messages": False})
    thread = await new_topic(http)
    own = (await http.call("sendMessage", chat_id=GROUP, text="mine")).result["message_id"]
    theirs = await group.send(coordinator.id, "theirs", thread_id=thread)
    denied = await http.call("deleteMessages", chat_id=GROUP, message_ids=[own, theirs])
    assert denied.description == "Bad Request: message can't be deleted"
    assert len(group.messages()) == 1 and len(group.posts(thread)) == 2
    assert (await http.call("deleteMessage", chat_id=GROUP, message_id=own)).result is True
    assert emu.forum_group(GROUP, bot_rights={}) is group
    assert (await http.call("deleteMessage", chat_id=GROUP, message_id=theirs)).result is True
    creation = await http.call("deleteMessage", chat_id=GROUP, message_id=thread)
    assert creation.description == "Bad Request: message can't be deleted"
    assert group.messages() == [] and [m["message_id"] for m in group.posts()] == [thread]


async def test_members_without_a_profile_get_a_stand_in(emu: Emulator, http: BotHttp) -> None:
    group = emu.forum_group(members=[7777])
    await group.send(7777, "psst")
    (message,) = await take_messages(http)
    assert message["from"] == {"id": 7777, "is_bot": False, "first_name": "User 7777"}
    member = (await http.call("getChatMember", chat_id=GROUP, user_id=7777)).result
    assert member["status"] == "member"
    # No private chat: the bot can't write to them.
    answer = await http.call("sendMessage", chat_id=7777, text="hi")
    assert answer.description == "Bad Request: chat not found"


async def test_a_later_forum_group_call_looks_the_group_up(emu: Emulator, http: BotHttp) -> None:
    group, coordinator = coordinators(emu, bot_rights={"can_pin_messages": False})
    thread = await new_topic(http)
    again = emu.forum_group(GROUP)
    assert again is group and group.members == [coordinator.id] and thread in group.topics
    assert group.title == "Coordinators" and emu.groups == [group]
    me = (await http.call("getChatMember", chat_id=GROUP, user_id=BOT_ID)).result
    assert me["can_pin_messages"] is False
    emu.forum_group(GROUP, "Renamed", members=[7777], bot_is_member=False)
    assert group.title == "Renamed" and group.members == [coordinator.id, 7777]
    assert (await http.call("getChat", chat_id=GROUP)).status == 403
    emu.forum_group(GROUP, bot_is_member=True)
    assert (await http.call("getChat", chat_id=GROUP)).result["title"] == "Renamed"


async def test_aiogram_parses_group_members_forwards_and_topics(emu: Emulator) -> None:
    user = emu.user(1001, "Amal", "ar")
    stranger = emu.user(3003)
    group, coordinator = coordinators(emu)
    bot = make_bot(emu)
    try:
        chat = await bot.get_chat(GROUP)
        me = await bot.get_chat_member(GROUP, BOT_ID)
        member = await bot.get_chat_member(GROUP, coordinator.id)
        left = await bot.get_chat_member(GROUP, stranger.id)
        admins = await bot.get_chat_administrators(GROUP)
        topic = await bot.create_forum_topic(GROUP, "Amal", icon_color=9367192)
        assert await bot.edit_forum_topic(GROUP, topic.message_thread_id, name="Amal (1001)")
        assert await bot.close_forum_topic(GROUP, topic.message_thread_id)
        assert await bot.reopen_forum_topic(GROUP, topic.message_thread_id)
        sticker = await user.send_sticker()
        forwarded = await bot.forward_message(
            GROUP, user.id, sticker, message_thread_id=topic.message_thread_id
        )
        location = await bot.send_location(user.id, 52.0, 4.0)
        again = await bot.send_sticker(GROUP, forwarded.sticker.file_id)  # type: ignore[union-attr]
        updates = await bot.get_updates()
    finally:
        await bot.session.close()
    assert chat.is_forum and chat.type == "supergroup"
    assert me.status == "administrator" and getattr(me, "can_manage_topics", None) is True
    assert (member.status, left.status) == ("member", "left")
    assert [a.user.id for a in admins] == [BOT_ID]
    assert forwarded.forward_origin is not None and forwarded.forward_origin.type == "user"
    assert forwarded.sticker is not None and forwarded.is_topic_message
    assert location.location is not None and again.sticker is not None
    service = [u.message for u in updates if u.message and u.message.chat.id == GROUP]
    kinds = ["forum_topic_created", "forum_topic_edited", "forum_topic_closed"]
    kinds.append("forum_topic_reopened")
    assert [next(k for k in kinds if getattr(m, k) is not None) for m in service] == kinds
    assert group.topics[topic.message_thread_id]["name"] == "Amal (1001)"
    emu.assert_no_rejections()
