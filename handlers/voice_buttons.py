"""Buttons of the 🔊 voice notes: the listen button under a key message, and the
coordinators' recordings library (handlers/voices.py)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from domain import voices
from domain.speech import Synthesiser
from domain.voices import VoiceKey
from handlers.keyboards import per_language

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

# Found once per process (a PATH look-up); tests swap it for one without programs.
SPEECH = Synthesiser.from_system()


class ListenCb(CallbackData, prefix="say"):
    """🔊 under a key message: its recording, else the message read aloud."""

    key: VoiceKey


class VoicesAction(StrEnum):
    HOME = "home"  # the languages
    LANGUAGE = "lang"  # the key messages in `locale`
    MESSAGE = "msg"  # one key message in `locale`: record, listen, delete
    LISTEN = "play"
    DELETE = "del"


class VoicesCb(CallbackData, prefix="vx"):
    action: VoicesAction
    locale: str = ""
    key: str = ""


Rows = Sequence[list[InlineKeyboardButton]]


def listen_button_row(key: VoiceKey, locale: str, *, recorded: bool = False) -> Rows:
    """The 🔊 button as a keyboard row, or no row where there is nothing to play: no
    recording of `key` in `locale` and no offline voice for the language. Notices are
    rendered without the database: whether a recording existed is in their params
    (domain.voices.recorded_for, asked when they were queued)."""
    if not recorded and not SPEECH.can_speak(locale):
        return []
    return _listen_keyboard(key).inline_keyboard


@per_language
def _listen_keyboard(key: VoiceKey) -> InlineKeyboardMarkup:
    """The 🔊 row as a keyboard, made once per language of the screen and key (see
    `per_language`): it was rebuilt on every /start and button press."""
    label = "🔊 " + _("Listen")
    button = InlineKeyboardButton(text=label, callback_data=ListenCb(key=key).pack())
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def listen_row(uow: UnitOfWork, user: User | None, key: VoiceKey, locale: str) -> Rows:
    """The 🔊 row for a screen shown now: there when an offline voice or a coordinator's
    recording exists for the language (someone not registered yet: the default
    programme's recordings)."""
    if SPEECH.can_speak(locale):
        return listen_button_row(key, locale)
    programme_id = user.programme_id if user else (await uow.programmes.default()).id
    recorded = await voices.recording(uow, programme_id, key, locale) is not None
    return listen_button_row(key, locale, recorded=recorded)


def voices_button() -> InlineKeyboardButton:
    """The coordinators' way into the recordings library."""
    return InlineKeyboardButton(
        text="🎙 " + _("Voices"), callback_data=VoicesCb(action=VoicesAction.HOME).pack()
    )
