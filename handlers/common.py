"""Small helpers shared by the handler modules."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.dispatcher.event.handler import CallableObject
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.text_decorations import html_decoration

from domain.errors import DomainError
from handlers.i18n import isolate
from handlers.texts import error_text

# A handler (or a screen a handler shows): aiogram injects its parameters by name.
Handler = Callable[..., Awaitable[Any]]


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


def on_button(screen: Handler) -> Handler:
    """A button that opens the same screen as a command: `screen(message, ...)` is the
    command's handler, and the button shows it under its own message (register it behind
    `WithMessage()`). The screen's other parameters are injected by name, as aiogram does
    for a handler."""
    target = CallableObject(screen)
    # Per router (one per Dispatcher): message ids are a chat's own, and a new app (a
    # restart, a test's fresh emulator) starts with nothing remembered.
    recent: _Taps = OrderedDict()

    async def pressed(callback: CallbackQuery, message: Message, **data: Any) -> None:
        await callback.answer()
        if _double_tap(recent, callback, message):
            return  # the screen is on its way already: one is enough
        await target.call(message, **data)

    pressed.__name__ = pressed.__qualname__ = f"{screen.__name__}_pressed"
    return pressed


# A quick second tap on the same button (a slow connection, an impatient thumb) is
# answered but shows its screen once. Remembered per router (see on_button): across
# instances a double tap still shows two, as it always did.
DOUBLE_TAP_SECONDS = 2.0
_TAPS_KEPT = 10_000
_Taps = OrderedDict[tuple[int, int, str], tuple[float, str]]


def _double_tap(recent: _Taps, callback: CallbackQuery, message: Message) -> bool:
    """Whether this press repeats, within DOUBLE_TAP_SECONDS, a press of the same button
    on the same message. The same callback query again (the update handled a second
    time after a lost database race) is not a repeat."""
    key = (message.chat.id, message.message_id, callback.data or "")
    now = time.monotonic()
    earlier = recent.get(key)
    if earlier is not None and earlier[1] != callback.id and now - earlier[0] < DOUBLE_TAP_SECONDS:
        return True
    recent[key] = (now, callback.id)
    recent.move_to_end(key)
    while len(recent) > _TAPS_KEPT:
        recent.popitem(last=False)
    return False


async def answer_step(
    callback: CallbackQuery, locale: str, step: Callable[[], Awaitable[object] | object]
) -> bool:
    """Run the domain step behind a button and answer the button: quietly when the step
    worked, with the reason in an alert when the programme's rules refused it (a
    `DomainError`, which then changed nothing). Returns whether the step worked."""
    try:
        result = step()
        if isinstance(result, Awaitable):
            await result
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return False
    await callback.answer()
    return True


async def language_switched(
    callback: CallbackQuery, i18n: I18n, locale: str, choose: Callable[[], Awaitable[str] | str]
) -> str | None:
    """A language button: `choose()` checks (and may save) the language, and the rest of
    this update speaks it. The button is answered either way; None when it was refused."""
    chosen: list[str] = []

    async def step() -> None:
        code = choose()
        chosen.append(await code if isinstance(code, Awaitable) else code)

    if not await answer_step(callback, locale, step):
        return None
    i18n.current_locale = chosen[0]
    return chosen[0]
