"""The profile a person builds during onboarding: its fields, their choices, their order."""

from __future__ import annotations

import enum
import re
import unicodedata

from domain.errors import DomainError
from domain.languages import registered_codes
from domain.matching import ACTIVITY_KINDS, AVAILABILITY_SLOTS, GENDERS

# The activity kinds, availability slots and genders are the ones matching scores on.
AVAILABILITY = AVAILABILITY_SLOTS
DUTCH_LEVELS = ("none", "beginner", "conversation", "fluent")
GENDER_PREFERENCES = ("none", "woman", "man")
CAPACITIES = ("1", "2", "3")
# Every registered language, offered or not: a buddy who speaks Lingala helps a Lingala
# speaker even before the bot writes Lingala (locales/languages.toml).
SPOKEN_LANGUAGES = registered_codes()
ELSEWHERE = "other"
NAME_MAX = 40  # letters: longer than any first name, shorter than a sentence
NAME_WORDS = 3  # "Anna", "Mohammed Ali", "Marie-Claire de"; more is a sentence


class Step(enum.StrEnum):
    """Onboarding steps after consent, in the order they are asked."""

    ROLE = "role"
    NAME = "name"
    MUNICIPALITY = "municipality"
    LANGUAGES = "languages"
    INTERESTS = "interests"
    AVAILABILITY = "availability"
    DUTCH_LEVEL = "dutch_level"
    GENDER = "gender"  # everyone's own gender, optional: wording, and for buddies matching
    GENDER_PREFERENCE = "gender_preference"  # newcomers: the buddy they prefer, optional
    CAPACITY = "capacity"  # buddies: how many newcomers at once


__all__ = ["ACTIVITY_KINDS", "AVAILABILITY", "GENDERS"]

MULTI_SELECT = frozenset({Step.LANGUAGES, Step.INTERESTS, Step.AVAILABILITY})


def steps_for(role: str | None) -> tuple[Step, ...]:
    common = (
        Step.ROLE,
        Step.NAME,
        Step.MUNICIPALITY,
        Step.LANGUAGES,
        Step.INTERESTS,
        Step.AVAILABILITY,
        Step.DUTCH_LEVEL,
    )
    if role == "buddy":
        return (*common, Step.GENDER, Step.CAPACITY)
    # A newcomer's own gender lets the messages address them in the right grammatical
    # form (Arabic, French, Ukrainian...); "I prefer not to say" keeps them neutral.
    return (*common, Step.GENDER, Step.GENDER_PREFERENCE)


_LINK = re.compile(r"(https?:|www\.|t\.me|\.com\b|\.be\b|@|/)", re.IGNORECASE)
_NAME_PUNCTUATION = frozenset(" -'’.")


_DIRECTION_MARKS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner
# A joiner means something only between two letters: elsewhere, or doubled, it goes.
_JOINER_RUN = re.compile(r"[\u200c\u200d]+")


def _keep_inner_joiners(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
        inner = all(side and unicodedata.category(side)[0] in "LM" for side in (before, after))
        return match.group()[0] if inner else ""

    return _JOINER_RUN.sub(one, text)


def validate_first_name(text: str | None) -> str:
    """A first name: at most NAME_WORDS words and NAME_MAX characters, letters (any
    script), spaces, hyphens; no links. A whole sentence ("my name is Nadia and I live in
    Molenbeek...") is refused kindly: only the first name, please."""
    # Direction marks some keyboards add are invisible and mean nothing in a stored name
    # (it is isolated wherever it is shown); the joiners are part of how Persian, Dari,
    # Pashto (ZWNJ: "علی‌رضا") and some Indic names are spelt, so they stay, inside a word.
    name = " ".join(_keep_inner_joiners((text or "").translate(_DIRECTION_MARKS)).split())
    if not name:
        raise DomainError("name_empty")
    if len(name) > NAME_MAX or len(name.split(" ")) > NAME_WORDS:
        raise DomainError("name_too_long", limit=NAME_MAX)
    if _LINK.search(name):
        raise DomainError("name_link")
    for char in name:
        category = unicodedata.category(char)
        if not (
            category.startswith("L")
            or category.startswith("M")
            or char in _NAME_PUNCTUATION
            or char in _JOINERS
        ):
            raise DomainError("name_letters")
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise DomainError("name_letters")
    return name
