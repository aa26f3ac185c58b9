"""Small helpers shared by the handler modules."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.text_decorations import html_decoration

from handlers.i18n import isolate


def q(value: object, locale: str) -> str:
    """Escape text a person typed before it goes into an HTML message, and isolate it
    so a Latin name stays readable in a right-to-left sentence."""
    return isolate(html_decoration.quote(str(value)), locale)


def message_of(callback: CallbackQuery) -> Message | None:
    """The message a button belongs to, when the bot can still edit it. In a handler,
    prefer the `WithMessage()` filter (handlers/filters.py), which injects it."""
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        return None
    return message
