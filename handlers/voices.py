"""Voice notes for people who read little.

🔊 under a key message sends the recording a coordinator made of it in the person's
language (a Telegram file_id: nothing downloaded), or else the message read aloud by
espeak-ng (domain/speech.py). A language with neither gets a plain "not yet" in the chat,
never a reading in the wrong voice.

/voices (or 🎙 on the coordinator's home screen) is the recordings library: per language,
which key messages are recorded, and a way to record, hear or delete each.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import voices as service
from domain.clock import Clock
from domain.langid import SUPPORTED_LANGUAGES
from domain.speech import SpeechFailed
from domain.voices import VoiceKey
from handlers import voice_buttons
from handlers.coordinator_buttons import IsCoordinator, home_button
from handlers.filters import WithMessage
from handlers.i18n import endonym
from handlers.onboarding_screens import consent_text, greeting
from handlers.voice_buttons import ListenCb, VoicesAction, VoicesCb

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

# Categories left out of what espeak-ng reads: emoji and other symbols, and the invisible
# direction marks around names (it would spell some of them out).
_UNSPOKEN = frozenset({"So", "Sk", "Cf", "Co", "Cs"})


# How long after "record this message" a voice note is taken as its recording.
RECORDING_WINDOW = timedelta(minutes=15)


class VoicesForm(StatesGroup):
    recording = State()  # data: voice_key, voice_locale


def key_title(key: VoiceKey) -> str:
    """The key message as the library names it."""
    titles = {
        VoiceKey.WELCOME: _("Welcome"),
        VoiceKey.CONSENT: _("Consent"),
        VoiceKey.PROGRAMME: _("How it works"),
        VoiceKey.INTRODUCTION: _("Introduction to the buddy"),
        VoiceKey.REMINDER: _("Meetup reminder"),
    }
    return titles[key]


def key_text(key: VoiceKey) -> str:
    """What the recorder reads aloud, in the current language ("…" where a name or a
    number goes)."""
    texts = {
        VoiceKey.WELCOME: greeting,
        VoiceKey.CONSENT: consent_text,
        VoiceKey.PROGRAMME: lambda: _(
            "You are number {position} on the waiting list. A coordinator is looking for a "
            "buddy who fits you and will let you know here."
        ).format(position="…"),
        VoiceKey.INTRODUCTION: lambda: _("🤝 Good news! {name} will be your buddy.").format(
            name="…"
        ),
        VoiceKey.REMINDER: lambda: _("⏰ Tomorrow you meet {name}:").format(name="…"),
    }
    return texts[key]()


def spoken(text: str) -> str:
    """`text` as espeak-ng should read it: without emoji, symbols or direction marks."""
    kept = "".join(c for c in text if unicodedata.category(c) not in _UNSPOKEN)
    return " ".join(kept.split())


async def play(bot: Bot, chat_id: int, file_id: str | None, text: str, locale: str) -> None:
    """Send the recording, else `text` read aloud, else say there is no voice yet."""
    if file_id is not None:
        await bot.send_voice(chat_id, file_id)
        return
    synthesiser = voice_buttons.SPEECH
    if not synthesiser.can_speak(locale):
        await bot.send_message(
            chat_id, "🔇 " + _("Sorry, I cannot read aloud in your language yet.")
        )
        return
    await bot.send_chat_action(chat_id, "record_voice")
    try:
        ogg = await synthesiser.speak(spoken(text), locale)
    except SpeechFailed:
        await bot.send_message(
            chat_id, "🔇 " + _("Sorry, the voice did not work. Please try again later.")
        )
        return
    await bot.send_voice(chat_id, BufferedInputFile(ogg, filename="message.ogg"))


# --- 🔊 under a key message ---------------------------------------------------------------


async def listen(
    callback: CallbackQuery,
    callback_data: ListenCb,
    bot: Bot,
    uow: UnitOfWork,
    locale: str,
    user: User | None = None,
) -> None:
    """🔊: the message the button is under, heard in the person's language."""
    await callback.answer("🔊")
    programme_id = user.programme_id if user else (await uow.programmes.default()).id
    file_id = await service.recording(uow, programme_id, callback_data.key, locale)
    message = callback.message
    text = ""
    if isinstance(message, Message):
        text = message.text or message.caption or ""
    await play(bot, callback.from_user.id, file_id, text or key_text(callback_data.key), locale)


# --- the recordings library ------------------------------------------------------------------


def _button(
    text: str, action: VoicesAction, locale: str = "", key: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=VoicesCb(action=action, locale=locale, key=key).pack()
    )


async def _show(
    message: Message, text: str, rows: list[list[InlineKeyboardButton]], *, edit: bool
) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=rows)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


async def show_languages(message: Message, *, edit: bool) -> None:
    """The library's first screen: one button per language."""
    text = (
        "🎙 <b>"
        + _("Voices")
        + "</b>\n\n"
        + _(
            "People who read little can listen to the key messages. Choose a language to "
            "record them in it."
        )
    )
    buttons = [_button(endonym(code), VoicesAction.LANGUAGE, code) for code in SUPPORTED_LANGUAGES]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    await _show(message, text, [*rows, [home_button()]], edit=edit)


async def show_language(
    message: Message, uow: UnitOfWork, user: User, locale: str, *, edit: bool
) -> None:
    """The key messages in `locale`: ✅ recorded, 🤖 read by the computer, ✖ no voice."""
    recorded = await service.recorded_keys(uow, user, locale)
    machine = voice_buttons.SPEECH.can_speak(locale)
    rows = []
    for key in VoiceKey:
        mark = "✅" if key.value in recorded else "🤖" if machine else "✖"
        rows.append([_button(f"{mark} {key_title(key)}", VoicesAction.MESSAGE, locale, key.value)])
    text = f"🎙 <b>{endonym(locale)}</b>\n\n" + _(
        "Tap a message to record it. ✅ recorded, 🤖 read by the computer, ✖ no voice yet."
    )
    back = _button("⬅️ " + _("Back"), VoicesAction.HOME)
    await _show(message, text, [*rows, [back, home_button()]], edit=edit)


async def voices_command(message: Message) -> None:
    await show_languages(message, edit=False)


async def library_pressed(
    callback: CallbackQuery,
    callback_data: VoicesCb,
    message: Message,
    state: FSMContext,
    bot: Bot,
    i18n: I18n,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
) -> None:
    """Every button of the library (coordinators only)."""
    action, locale, key = callback_data.action, callback_data.locale, callback_data.key
    if action is VoicesAction.HOME:
        await callback.answer()
        await state.clear()
        await show_languages(message, edit=True)
        return
    if locale not in SUPPORTED_LANGUAGES or (
        action is not VoicesAction.LANGUAGE and key not in set(VoiceKey)
    ):
        await callback.answer(_("This button is no longer active."), show_alert=True)
        return
    if action is VoicesAction.LANGUAGE:
        await callback.answer()
        await state.clear()
        await show_language(message, uow, user, locale, edit=True)
        return
    voice_key = VoiceKey(key)
    with i18n.use_locale(locale):
        sample = key_text(voice_key)
    file_id = await service.recording(uow, user.programme_id, key, locale)
    if action is VoicesAction.LISTEN:
        await callback.answer("🔊")
        await play(bot, callback.from_user.id, file_id, sample, locale)
        return
    if action is VoicesAction.DELETE:
        await service.remove(uow, user, key, locale)
        await callback.answer("🗑 " + _("Deleted."))
        await state.clear()
        await show_language(message, uow, user, locale, edit=True)
        return
    await callback.answer()
    await state.set_state(VoicesForm.recording)
    await state.update_data(
        voice_key=key, voice_locale=locale, voice_asked_at=clock.now().isoformat()
    )
    # The message to read comes as a message of its own, with the buttons under it: with
    # the heading and the instruction it would pass 60 words (the consent does).
    await message.edit_text(
        "\n\n".join(
            [
                f"🎙 <b>{key_title(voice_key)}</b> · {endonym(locale)}",
                _("Send a voice note of this message, read in this language:"),
            ]
        )
    )
    rows = []
    if file_id is not None:
        rows.append(
            [
                _button("🔊 " + _("Listen"), VoicesAction.LISTEN, locale, key),
                _button("🗑 " + _("Delete"), VoicesAction.DELETE, locale, key),
            ]
        )
    rows.append([_button("⬅️ " + _("Back"), VoicesAction.LANGUAGE, locale), home_button()])
    await _show(message, "<i>" + sample + "</i>", rows, edit=False)


async def recording_received(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock
) -> None:
    """The coordinator's voice note: kept (its file_id) as the recording, then the list."""
    data = await state.get_data()
    key, locale = str(data.get("voice_key")), str(data.get("voice_locale"))
    asked_at = datetime.fromisoformat(str(data.get("voice_asked_at") or "2000-01-01T00:00+00:00"))
    if clock.now() - asked_at > RECORDING_WINDOW:
        # Asked long ago (and left by another button): this voice note is meant for
        # something else, and must not replace a recording by surprise.
        await state.clear()
        await message.answer(
            "🎙 " + _("To record a message, choose it again under Voices."),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[voice_buttons.voices_button()]]),
        )
        return
    voice = message.voice or message.audio
    assert voice is not None  # the filter lets only voice notes and audio through
    await service.record(uow, user, key, locale, voice.file_id, voice.duration or 0, clock.now())
    await state.clear()
    await message.answer("✅ " + _("Saved. People who tap 🔊 will hear your voice."))
    await show_language(message, uow, user, locale, edit=False)


async def recording_expected(message: Message) -> None:
    await message.answer(
        "🎙 " + _("Please send a voice note: hold the microphone button and read the message."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[home_button()]]),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(listen, ListenCb.filter())
    coordinator = IsCoordinator()
    router.message.register(voices_command, Command("voices"), coordinator)
    router.callback_query.register(library_pressed, VoicesCb.filter(), coordinator, WithMessage())
    recording = StateFilter(VoicesForm.recording)
    router.message.register(
        recording_received, recording, F.content_type.in_({"voice", "audio"}), coordinator
    )
    router.message.register(recording_expected, recording, ~F.text.startswith("/"), coordinator)
    return router
