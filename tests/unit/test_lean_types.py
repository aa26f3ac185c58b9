"""aiogram's types imported through `bot` build their validators on first use, and work
as usual: an update with nested types parses, a method with a keyboard serialises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import bot  # noqa: F401  (imports aiogram's types first, lazily)
from aiogram import types
from aiogram.methods import SendMessage
from aiogram.methods.base import Response

assert types.Update.__pydantic_complete__, "Update is built at start"
assert not types.Location.__pydantic_complete__, "a type nobody used yet is not built"
update = types.Update.model_validate({
    "update_id": 1,
    "callback_query": {
        "id": "1", "chat_instance": "c", "data": "co:wl:0:0",
        "from": {"id": 7, "is_bot": False, "first_name": "Kim"},
        "message": {
            "message_id": 3, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "hi",
            "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "y"}]]},
        },
    },
})
assert update.callback_query.message.reply_markup.inline_keyboard[0][0].text == "x"
keyboard = types.InlineKeyboardMarkup(
    inline_keyboard=[[types.InlineKeyboardButton(text="a", callback_data="b")]]
)
sent = SendMessage(chat_id=7, text="hi", reply_markup=keyboard).model_dump(exclude_none=True)
assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
answer = Response[types.Message].model_validate(
    {"ok": True, "result": {"message_id": 4, "date": 0, "chat": {"id": 7, "type": "private"}}}
)
assert answer.result.chat.id == 7
place = types.Location.model_validate({"latitude": 50.85, "longitude": 4.35})
assert place.longitude == 4.35 and types.Location.__pydantic_complete__

import gc
built = id(Response[types.Message])
gc.collect()
assert id(Response[types.Message]) == built, "the answer's class survives a collection"

from aiogram.utils.keyboard import InlineKeyboardBuilder
builder = InlineKeyboardBuilder()
for n in range(5):
    builder.button(text=str(n), callback_data=f"n:{n}")
builder.adjust(2)
rows = builder.export()
assert [[b.text for b in row] for row in rows] == [["0", "1"], ["2", "3"], ["4"]]
rows[0][0].text = "changed"
assert builder.export()[0][0].text == "0", "an exported button is a copy"
print("ok")
"""


def test_types_build_on_first_use_and_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
