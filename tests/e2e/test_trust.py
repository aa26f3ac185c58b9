"""Trust under stress: a slow or failing Telegram loses no update, groups and channels
never see personal data, and an unreadable update does not stall the others."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import select

from emulator import Emulator, SimulatedUser
from storage.models import Outbox
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, onboard, scalar, tap

APOLOGY = "😕"
ADMIN_RIGHTS = (
    "can_be_edited", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
    "can_post_stories", "can_edit_stories", "can_delete_stories", "is_anonymous",
    "can_send_welcome_messages",
)  # fmt: skip
GROUPS = {-1001234: "group", -1001235: "supergroup", -1001236: "channel"}
COMMANDS = [
    "start", "help", "profile", "language", "meetup", "meetups", "log", "progress",
    "privacy", "mydata", "forget", "coord", "waiting", "matchall", "pairs", "coordinators",
    "invite", "broadcast", "broadcasts", "events", "newevent",
]  # fmt: skip
BUTTONS = [
    "menu:home", "menu:progress", "menu:meetups", "menu:help", "co:wl:0:0", "co:home:0:0",
    "co:okall:0:0", "co:pairs:0:0", "lang:en:onb", "consent:yes", "forget:yes", "sum:confirm:",
    "bc:new:0", "ev:list:0", "rsvp:1:going", "hrs:ok:1", "meet:ok:1", "preq:end", "pick:x",
]  # fmt: skip


async def _starts_answered(users: list[SimulatedUser], timeout: float) -> list[str]:
    """Every user's first answer; the texts, once all arrived."""
    replies = await asyncio.gather(
        *(u.wait_for(lambda m: bool(m.inline_keyboard), timeout=timeout) for u in users)
    )
    for reply in replies:
        assert "lang:en:onb" in buttons_data(reply), reply.text
    return [m.text or "" for u in users for m in u.messages]


@pytest.mark.long
async def test_a_send_held_35_seconds_delays_nobody_else(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    users = [emulator.user(70_000 + i, f"P{i}", "en") for i in range(50)]
    emulator.slow_next(35, count=1, method="sendMessage")
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(u.command("start") for u in users))
    others = users[1:]
    # Everyone but the person whose answer Telegram holds is answered at once ...
    answered = await asyncio.gather(
        *(u.wait_for(lambda m: bool(m.inline_keyboard), timeout=45) for u in users),
        return_exceptions=True,
    )
    assert not [a for a in answered if isinstance(a, BaseException)]
    quick = [u for u in others if u.messages]
    assert len(quick) >= 48
    texts = await _starts_answered(users, timeout=5)
    assert not [t for t in texts if APOLOGY in t]  # ... and nobody got the apology
    assert asyncio.get_running_loop().time() - started < 45


@pytest.mark.long
async def test_one_call_in_five_failing_loses_nobody(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    users = [emulator.user(71_000 + i, f"Q{i}", "en") for i in range(50)]
    emulator.fail_randomly(0.2, seed=7)
    await asyncio.gather(*(u.command("start") for u in users))
    texts = await _starts_answered(users, timeout=40)
    emulator.clear_faults()
    assert not [t for t in texts if APOLOGY in t]
    failed = [r for r in emulator.requests if r.injected]
    assert failed, "the faults were injected"


def _group_message(chat_id: int, sender: dict[str, Any], text: str, message_id: int) -> dict:
    chat: dict[str, Any] = {"id": chat_id, "type": GROUPS[chat_id], "title": "Some group"}
    message: dict[str, Any] = {"message_id": message_id, "date": 1_767_000_000, "chat": chat}
    if GROUPS[chat_id] == "channel":
        return {"channel_post": {**message, "sender_chat": chat, "text": text}}
    message.update(from_=sender, text=text)
    message["from"] = message.pop("from_")
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"message": message}


async def test_groups_and_channels_get_nothing_personal(
    running_bot: RunningBot, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    newcomer = emulator.user(72_001, "Zubeida", "en")
    await onboard(newcomer, language="en", name="Zubeida")
    coordinator = emulator.user(COORDINATOR_ID, "Coco", "nl")
    await coordinator.command("coord")
    await coordinator.next_message()
    bot_user = emulator.bot_user
    pushed = 0
    with caplog.at_level(logging.INFO):
        for chat_id, kind in GROUPS.items():
            member = {"user": bot_user, "status": "member"}
            if kind == "channel":
                member["status"] = "administrator"
                member.update({right: True for right in ADMIN_RIGHTS})
            emulator.push_update(
                {
                    "my_chat_member": {
                        "chat": {"id": chat_id, "type": kind, "title": "Some group"},
                        "from": newcomer.user,
                        "date": 1_767_000_000,
                        "old_chat_member": {"user": bot_user, "status": "left"},
                        "new_chat_member": member,
                    }
                }
            )
            for sender in (newcomer.user, coordinator.user):
                for number, command in enumerate(COMMANDS):
                    emulator.push_update(
                        _group_message(chat_id, sender, f"/{command}", 1000 + number)
                    )
                    pushed += 1
                for number, data in enumerate(BUTTONS):
                    emulator.push_update(
                        {
                            "callback_query": {
                                "id": f"{chat_id}-{sender['id']}-{number}",
                                "from": sender,
                                "chat_instance": str(chat_id),
                                "data": data,
                                "message": {
                                    "message_id": 5,
                                    "date": 1_767_000_000,
                                    "chat": {"id": chat_id, "type": kind, "title": "Some group"},
                                    "text": "an old message",
                                },
                            }
                        }
                    )
                    pushed += 1
        # A private message after all of them: once answered, the group updates were handled.
        await newcomer.send("/help")
        await newcomer.wait_for(lambda m: "menu:privacy" in buttons_data(m), timeout=30)
        for _ in range(100):
            if emulator.pending_updates == 0:
                break
            await asyncio.sleep(0.05)
    assert pushed > 100
    to_groups = [r for r in emulator.requests if r.params.get("chat_id") in GROUPS]
    methods = {r.method for r in to_groups}
    assert methods <= {"sendMessage", "leaveChat"}, methods
    texts = {str(r.params.get("text")) for r in to_groups if r.method == "sendMessage"}
    assert texts, "commands in groups get the one neutral line"
    # One neutral line per language of the people who wrote (en and nl): no name, no figure.
    assert len(texts) == 2, texts
    for text in texts:
        assert "Zubeida" not in text and "Coco" not in text
        assert not any(character.isdigit() for character in text)
    left = {r.params.get("chat_id") for r in to_groups if r.method == "leaveChat"}
    assert left == set(GROUPS)
    # Nothing personal reached a group in any other way (documents, photos, edits).
    for record in emulator.requests:
        if record.method in ("sendDocument", "sendPhoto", "editMessageText"):
            assert record.params.get("chat_id") not in GROUPS
    alerts = [r for r in emulator.requests_for("answerCallbackQuery") if r.params.get("text")]
    assert len(alerts) >= len(BUTTONS) * 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def test_an_unreadable_update_is_skipped_and_the_batch_goes_on(
    running_bot: RunningBot, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    first = emulator.user(73_001, "Ana", "en")
    second = emulator.user(73_002, "Bo", "en")
    secret_text = "my secret address is Rue 12"
    with caplog.at_level(logging.DEBUG):
        emulator.api.updates.push(
            {"message": {"message_id": 1, "date": "not a date", "chat": {"id": 73_003},
                         "text": secret_text}}
        )  # fmt: skip
        await first.command("start")
        await second.command("start")
        await first.wait_for(lambda m: bool(m.inline_keyboard), timeout=10)
        await second.wait_for(lambda m: bool(m.inline_keyboard), timeout=10)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "malformed" in logged
    assert secret_text not in logged
    fetches = emulator.requests_for("getUpdates")
    assert len(fetches) < 30  # not the same batch over and over


@pytest.mark.long
async def test_a_reply_telegram_refuses_through_every_retry_arrives_later(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    """Telegram answers 502 to the reply and to all four retries: the answer is not lost,
    it waits in the outbox and arrives, buttons included, once Telegram is back."""
    user = emulator.user(75_001, "Ana", "en")
    emulator.fail_next(method="sendMessage", status=502, count=5)
    await user.command("start")
    reply = await user.wait_for(lambda m: bool(m.inline_keyboard), timeout=30)
    assert "lang:en:onb" in buttons_data(reply)
    failed = [r for r in emulator.requests_for("sendMessage") if r.status == 502]
    assert len(failed) == 5
    assert not [m for m in user.messages if APOLOGY in (m.text or "")]
    # it came through the outbox (recorded just after Telegram took it)
    assert await _settled_status(running_bot, "reply") == "sent"


async def _settled_status(running_bot: RunningBot, key: str, timeout: float = 10.0) -> str:
    """The status of the outbox row of this kind once its worker recorded the result: the
    message reaches the chat before the worker commits that it was sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        status = await scalar(
            running_bot.settings.database_url, select(Outbox.status).where(Outbox.key == key)
        )
        if status not in ("pending", "sending") or loop.time() > deadline:
            return str(status)
        await asyncio.sleep(0.05)


async def test_a_screen_telegram_will_not_edit_arrives_as_a_new_message(
    running_bot: RunningBot, emulator: Emulator
) -> None:
    # The person deleted the message under the button they pressed (or it is too old to
    # edit): the next screen must still reach them, or the conversation ends there.
    user = emulator.user(73_001, "Sara", "en")
    await user.command("start")
    await user.wait_for(lambda m: bool(m.inline_keyboard))
    before = len(user.messages)
    emulator.refuse_next("editMessageText", "Bad Request: message to edit not found")
    consent = await tap(user, "lang:en:onb", expect="consent:")
    refused = [r for r in emulator.requests_for("editMessageText") if r.status == 400]
    assert len(refused) == 1
    assert len(user.messages) == before + 1  # a message of its own, not an edit
    assert "consent:yes" in buttons_data(consent)
    await tap(user, "consent:yes", expect="step:role:")
