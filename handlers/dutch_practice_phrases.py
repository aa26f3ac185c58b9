"""The curated Dutch phrases a newcomer may see on their screens (domain/dutch_practice.py).

Data, kept in Python so that `python -m bot i18n extract` finds every meaning: the
meaning is an English msgid marked with `__()` (lazy: it is read in the newcomer's
language when shown), and each catalog translates it. The Dutch is never translated.

Short, everyday, tied to the programme's themes: greeting, meeting, time, places,
activities; and short confirmations, which a newcomer who asked for more Dutch (or whose
confidence grew) reads in Dutch with the translation below. Written for this project,
not yet reviewed by a teacher of Dutch as a second language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n.lazy_proxy import LazyProxy

from domain.dutch_practice import Screen


class Theme(StrEnum):
    GREETING = "greeting"
    MEETING = "meeting"
    TIME = "time"
    PLACES = "places"
    ACTIVITIES = "activities"


@dataclass(frozen=True)
class Phrase:
    dutch: str
    theme: Theme
    meaning: LazyProxy  # an English msgid, read in the person's language


PHRASES: tuple[Phrase, ...] = (
    Phrase("Dag!", Theme.GREETING, __("Hello!")),
    Phrase("Goedemorgen!", Theme.GREETING, __("Good morning!")),
    Phrase("Hoe gaat het?", Theme.GREETING, __("How are you?")),
    Phrase("Goed, dank je!", Theme.GREETING, __("Fine, thank you!")),
    Phrase("Welkom!", Theme.GREETING, __("Welcome!")),
    Phrase("Tot straks!", Theme.GREETING, __("See you soon!")),
    Phrase("Tot ziens!", Theme.GREETING, __("Goodbye!")),
    Phrase("Dank je wel!", Theme.GREETING, __("Thank you very much!")),
    Phrase("Hoe heet jij?", Theme.MEETING, __("What is your name?")),
    Phrase("Aangenaam!", Theme.MEETING, __("Nice to meet you!")),
    Phrase("Zullen we afspreken?", Theme.MEETING, __("Shall we meet?")),
    Phrase("Ik kom eraan.", Theme.MEETING, __("I am on my way.")),
    Phrase("Ik ben er.", Theme.MEETING, __("I am here.")),
    Phrase("Sorry, ik ben te laat.", Theme.MEETING, __("Sorry, I am late.")),
    Phrase("Kun je dat herhalen?", Theme.MEETING, __("Can you say that again?")),
    Phrase("Een beetje trager, alsjeblieft.", Theme.MEETING, __("A bit slower, please.")),
    Phrase("Ik begrijp het.", Theme.MEETING, __("I understand.")),
    Phrase("vandaag", Theme.TIME, __("today")),
    Phrase("morgen", Theme.TIME, __("tomorrow")),
    Phrase("volgende week", Theme.TIME, __("next week")),
    Phrase("om drie uur", Theme.TIME, __("at three o'clock")),
    Phrase("het weekend", Theme.TIME, __("the weekend")),
    Phrase("Hoe laat?", Theme.TIME, __("What time?")),
    Phrase("Ik heb tijd.", Theme.TIME, __("I have time.")),
    Phrase("het station", Theme.PLACES, __("the station")),
    Phrase("de bibliotheek", Theme.PLACES, __("the library")),
    Phrase("het park", Theme.PLACES, __("the park")),
    Phrase("het gemeenschapscentrum", Theme.PLACES, __("the community centre")),
    Phrase("Waar is de ingang?", Theme.PLACES, __("Where is the entrance?")),
    Phrase("links, rechts", Theme.PLACES, __("left, right")),
    Phrase("de markt", Theme.PLACES, __("the market")),
    Phrase("wandelen", Theme.ACTIVITIES, __("to go for a walk")),
    Phrase("koffie drinken", Theme.ACTIVITIES, __("to have a coffee")),
    Phrase("samen koken", Theme.ACTIVITIES, __("to cook together")),
    Phrase("sporten", Theme.ACTIVITIES, __("to do sport")),
    Phrase("naar een concert gaan", Theme.ACTIVITIES, __("to go to a concert")),
    Phrase("Dat was leuk!", Theme.ACTIVITIES, __("That was fun!")),
    Phrase("Goed gedaan!", Theme.ACTIVITIES, __("Well done!")),
    Phrase("Volhouden!", Theme.ACTIVITIES, __("Keep going!")),
)


class Confirmation(StrEnum):
    """Short confirmations that may come in Dutch, with the translation below."""

    SENT = "sent"
    AGREED = "agreed"
    SAVED = "saved"


CONFIRMATIONS: dict[Confirmation, str] = {
    Confirmation.SENT: "Verstuurd!",
    Confirmation.AGREED: "Afgesproken!",
    Confirmation.SAVED: "Opgeslagen!",
}

# The themes each screen draws from: what the person is doing there.
SCREEN_THEMES: dict[Screen, tuple[Theme, ...]] = {
    Screen.HOME: (Theme.GREETING, Theme.TIME),
    Screen.PROGRESS: (Theme.ACTIVITIES,),
    Screen.MEETUP: (Theme.MEETING, Theme.TIME, Theme.PLACES),
    Screen.PAIR: (Theme.MEETING, Theme.GREETING),
}


def phrases_for(screen: Screen) -> tuple[Phrase, ...]:
    themes = SCREEN_THEMES[screen]
    return tuple(phrase for phrase in PHRASES if phrase.theme in themes)
