"""Dutch practice on a newcomer's screens, its setting, and the messages about it.

A screen that may carry a phrase passes its text through `with_dutch(...)`: the one place
that decides (domain/dutch_practice.py) and writes the line "🇳🇱 Dag! = Hello!", so a
message never gets two. Only the home screen, progress, meetup confirmations and the pair
screen call it: consent, concerns and errors never do.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from delivery.outbox import Rendered
from domain import dutch_practice as service
from domain.dutch_practice import Level, Screen
from domain.notices import Notice
from handlers import keyboards
from handlers.callbacks import DutchAction, DutchCb, MenuAction, MenuCb
from handlers.common import answer_step
from handlers.dutch_practice_phrases import CONFIRMATIONS, Confirmation, phrases_for
from handlers.filters import Registered, WithMessage
from handlers.i18n import is_rtl, isolate
from handlers.notice_registry import notice

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User

FLAG = "🇳🇱"
MAX_WORDS = 60  # no message over 60 words: a screen already near it goes without a phrase
_TAG = re.compile(r"<[^<>]*>")
RLM = "\u200f"  # starts a right-to-left line that begins with Dutch (a left-to-right word)


def _dutch(text: str, locale: str) -> str:
    """Dutch words in bold, isolated: left-to-right text inside a right-to-left line."""
    return "<b>" + isolate(text, locale) + "</b>"


def _line_start(locale: str) -> str:
    return RLM if is_rtl(locale) else ""


def phrase_line(user: User, screen: Screen, locale: str, day: date) -> str:
    """ "🇳🇱 Dag! = Hello!": today's phrase of the screen's themes for this person."""
    phrases = phrases_for(screen)
    phrase = phrases[service.pick(len(phrases), screen, day, user.id)]
    return f"{_line_start(locale)}{FLAG} {_dutch(phrase.dutch, locale)} = {phrase.meaning}"


def with_dutch(
    text: str,
    user: User | None,
    screen: Screen,
    locale: str,
    day: date | None = None,
    *,
    confirmation: Confirmation | None = None,
) -> str:
    """`text` with at most one Dutch line, as the person's setting asks. A confirmation
    (`confirmation`, e.g. "Sent!") comes in Dutch above its translation for someone on
    "more Dutch"; otherwise the screen may end with a phrase."""
    if confirmation is not None and service.confirms_in_dutch(user):
        head = f"{_line_start(locale)}{FLAG} {_dutch(CONFIRMATIONS[confirmation], locale)}"
        return head + "\n" + text
    day = day or datetime.now(UTC).date()
    if user is None or not service.shows_phrase(user, screen, day):
        return text
    with_phrase = text + "\n\n" + phrase_line(user, screen, locale, day)
    return with_phrase if _words(with_phrase) <= MAX_WORDS else text


def _words(text: str) -> int:
    return len(_TAG.sub(" ", text).split())


# --- the setting (under /language) --------------------------------------------------------

LEVEL_LABELS = {
    Level.OFF: lambda: "🚫 " + _("No Dutch words"),
    Level.NORMAL: lambda: "🙂 " + _("Some Dutch words"),
    Level.MORE: lambda: "🌷 " + _("More Dutch"),
}


def setting_keyboard(current: Level) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for level, label in LEVEL_LABELS.items():
        text = ("✅ " if level is current else "") + label()
        builder.button(text=text, callback_data=DutchCb(action=DutchAction.SET, level=level.value))
    builder.button(text="🏠 " + _("Menu"), callback_data=MenuCb(action=MenuAction.HOME))
    builder.adjust(1)
    return builder.as_markup()


def setting_text(note: str = "") -> str:
    text = (
        "🇳🇱 <b>"
        + _("Dutch practice")
        + "</b>\n\n"
        + _(
            "Some of your screens show a short Dutch word or phrase with its meaning. "
            "How much Dutch would you like?"
        )
    )
    return (note + "\n\n" + text) if note else text


async def show_setting(callback: CallbackQuery, message: Message, user: User) -> None:
    """ "🇳🇱 Dutch practice": the three levels, the current one ticked. Buddies and
    coordinators have no setting: they hear what they get instead."""
    await callback.answer()
    level = service.level_of(user)
    if level is None:
        await message.answer(
            "🇳🇱 "
            + _(
                "Dutch words on the screens are for newcomers. Buddies get a tip each month "
                "for practising Dutch with their newcomer."
            ),
            reply_markup=keyboards.home_only(),
        )
        return
    await message.answer(setting_text(), reply_markup=setting_keyboard(level))


async def level_chosen(
    callback: CallbackQuery, callback_data: DutchCb, message: Message, user: User, locale: str
) -> None:
    """A level tapped: saved (a wrong value or a buddy changes nothing), the screen shown
    again with the new tick."""
    if not await answer_step(
        callback, locale, lambda: service.set_level(user, callback_data.level)
    ):
        return
    level = service.level_of(user) or Level.NORMAL
    note = "✅ " + with_dutch(
        _("Saved."), user, Screen.HOME, locale, confirmation=Confirmation.SAVED
    )
    await message.edit_text(setting_text(note), reply_markup=setting_keyboard(level))


# --- pushed messages ------------------------------------------------------------------------


@notice(Notice.DUTCH_MORE)
def more_dutch(params: dict[str, Any], locale: str) -> Rendered:
    """After the 20-hour check-in, to a newcomer whose Dutch confidence grew."""
    builder = InlineKeyboardBuilder()
    builder.button(text="🇳🇱 " + _("Dutch practice"), callback_data=DutchCb(action=DutchAction.SHOW))
    text = "🌷 " + _(
        "Your Dutch is growing! You will now see more Dutch words, and short answers in "
        "Dutch with the translation below. You can change this here."
    )
    return Rendered(text=text, reply_markup=builder.as_markup())


def tips() -> tuple[str, ...]:
    """The buddies' monthly tips (service.TIP_COUNT of them), in the current language."""
    return (
        _("Say a few sentences in Dutch at the start of each meetup, then switch if needed."),
        _("Speak slowly and use short sentences. Wait a little before you help."),
        _("Read a menu, a poster or a timetable together in Dutch."),
        _("Teach one new Dutch word at each meetup, and use it again the next time."),
        _("Visit a library or community centre: many have Dutch conversation tables."),
        _("Do not correct every mistake. Repeat the right words in your answer instead."),
        _("Send a short message in Dutch before you meet, like 'Tot straks!'."),
        _("Do something together that needs a little Dutch: shopping, cooking, a game."),
    )


@notice(Notice.DUTCH_TIP)
def monthly_tip(params: dict[str, Any], locale: str) -> Rendered:
    """A buddy's tip of the month for practising Dutch with their newcomer."""
    all_tips = tips()
    tip = all_tips[int(params.get("tip", 0)) % len(all_tips)]
    return Rendered(text="🇳🇱 <b>" + _("Dutch tip of the month") + "</b>\n\n" + tip)


def create_router() -> Router:
    """The Dutch practice setting (one per Dispatcher)."""
    router = Router(name=__name__)
    member = (Registered(profile_done=True), WithMessage())
    router.callback_query.register(
        show_setting, DutchCb.filter(F.action == DutchAction.SHOW), *member
    )
    router.callback_query.register(
        level_chosen, DutchCb.filter(F.action == DutchAction.SET), *member
    )
    return router
