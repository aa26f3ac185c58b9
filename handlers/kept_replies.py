"""Replies kept while Telegram was down (see `domain.notify.queue_reply`): sent later
exactly as they were written, buttons included."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from delivery.outbox import Rendered
from domain.notices import Notice
from handlers.notice_registry import notice


@notice(Notice.REPLY)
def kept_reply(params: dict[str, Any], _locale: str) -> Rendered:
    markup = params.get("reply_markup")
    return Rendered(
        text=str(params["text"]),
        reply_markup=InlineKeyboardMarkup.model_validate(markup) if markup else None,
    )
