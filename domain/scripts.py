"""What a text's letters and words tell before any language model: the script, letters
only one candidate language uses, chat tokens and place names that say nothing, romanised
text. `domain.langid` decides with these first and asks lingua only for the rest."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

# --- scripts and letter rules -----------------------------------------------


class _Script(Enum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"
    ETHIOPIC = "ethiopic"
    OTHER = "other"


SCRIPT_CANDIDATES: dict[_Script, tuple[str, ...]] = {
    _Script.LATIN: ("nl", "en", "fr", "tr", "ro", "es", "pl"),
    _Script.CYRILLIC: ("uk", "ru"),
    _Script.ARABIC: ("ar", "fa"),
}


# Arabic script leaves out short vowels and Ethiopic writes a syllable per
# letter: a word has about half the letters it has in Latin transliteration,
# so "ሰላም Sara" is a Tigrinya message with a name in it.
_SCRIPT_WEIGHT: dict[_Script, int] = {_Script.ARABIC: 2, _Script.ETHIOPIC: 2}


def _script_of(char: str) -> _Script:
    cp = ord(char)
    if cp < 0x250 or 0x1E00 <= cp <= 0x1EFF:
        return _Script.LATIN
    if 0x400 <= cp <= 0x52F:
        return _Script.CYRILLIC
    if (
        0x600 <= cp <= 0x6FF
        or 0x750 <= cp <= 0x77F
        or 0x8A0 <= cp <= 0x8FF
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFF
    ):
        return _Script.ARABIC
    if 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
        return _Script.ETHIOPIC
    return _Script.OTHER


# Letters of languages we do not support, in the scripts we read: a text with
# one is never sure (German, Portuguese, Nordic, Czech, Baltic...; Belarusian,
# Serbian, Macedonian, Bulgarian; Pashto, Urdu, Sorani Kurdish).
_FOREIGN_LETTERS: dict[_Script, frozenset[str]] = {
    _Script.LATIN: frozenset("ßäãõåæøðþřěůčšžőűāēīūėųįľĺŕġħ"),
    _Script.CYRILLIC: frozenset("ўђћџјљњѓќѕ"),
    _Script.ARABIC: frozenset("ټډړږښګڼۍېځڅٹڈڑںےہۂۃھڕڵۆێە"),
}
# Amharic shares the Ethiopic script with Tigrinya. Tigrinya alone writes the
# ቐ and ኸ series and ኣ for a word-initial a; these everyday Amharic words
# (is, are, how, thank you, yes, I, fine, what) are not Tigrinya.
_TIGRINYA_LETTERS = frozenset(
    [chr(cp) for cp in range(0x1250, 0x125E)] + [chr(cp) for cp in range(0x12B8, 0x12C6)] + ["ኣ"]
)
_AMHARIC_WORDS = frozenset("ነው ናቸው ነህ ነሽ ነኝ እንዴት አመሰግናለሁ አዎ እኔ ደህና ምን".split())

_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэёЫЭЁ")
# Russian writes ъ only before е ё ю я ("объявление"); Bulgarian writes it
# as a vowel anywhere ("съм"), and Bulgarian is not supported.
_BULGARIAN_HARD_SIGN = re.compile(r"ъ(?![еёюяЕЁЮЯ])", re.IGNORECASE)
# What a Persian keyboard types for ye and kaf, and letters Arabic lacks.
# چ and گ are left out: Gulf and Iraqi Arabic write them too.
_PERSIAN_ONLY = frozenset("پژکی")
# What an Arabic keyboard types for ye and kaf, and the ta marbuta.
_ARABIC_ONLY = frozenset("ةيكى")

# A word: letters, joined by apostrophes, hyphens, Persian zero-width
# non-joiners and Arabic or Latin combining marks.
_WORD = re.compile(
    r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u200c\u200d]"
    r"|['’ʼ\-](?=[^\W\d_]))*"
)
_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|[@#/]\w+", re.IGNORECASE)

# Chat tokens used the same way in every supported language: they must not
# make anybody's language switch. Compared case-insensitively.
_NEUTRAL_TOKENS = frozenset(
    """
    ok okay okey oke oké okk okok k kk hi hii hey heyy hello helo bye byebye
    ciao salam salaam lol haha hahaha hahah hihi hehe xd xx mdr ptdr
    super top cool wow oh ah oops sorry thx tnx pls plz np weekend week-end
    buddy buddies taxi bus tram metro whatsapp telegram facebook instagram google maps
    """.split()
)
# Common words of Arabic, Persian, Russian, Ukrainian and Tigrinya written in
# Latin letters. Latin-script models read them as Turkish or English ("kifak" ->
# Turkish at 0.92), so a text that has one is never sure.
_ROMANIZED_MARKERS = frozenset(
    """
    kifak kifik kifkon shukran shokran habibi habibti yalla yallah inshallah
    inchallah mashallah wallah wallahi hamdulillah alhamdulillah lhamdulillah
    marhaba ahlan bukra mnih
    khubi khoobi khubam khoobam chetori chetory mamnun mamnoon kheyli kheili kheily
    azizam
    privet spasibo khorosho horosho harasho davai zdravstvuyte
    pryvit dyakuyu diakuiu dyakuju duzhe spravy
    kemey kemay aleka aleki aleku yekenyeley yekenyelay
    """.split()
)
# Arabic chat alphabet: digits for letters Latin lacks ("3likom", "ma3a"),
# but not times and units ("5min", "7uur").
_ARABIZI = re.compile(
    r"(?<!\w)[235679](?!(?:min|uur|jaar|ans|euro|eur|sec|km|kg|hrs|hours|heures|eme|ème)\b)"
    r"[a-z]{3,}|[a-z][235679][a-z]",
    re.IGNORECASE,
)
# Brussels place names: people write them as they are signposted, whatever
# language they write in, so they say nothing about the language ("I live in
# Schaerbeek" reads as Dutch to an n-gram model otherwise).
_PLACE_TOKENS = frozenset(
    """
    anderlecht schaerbeek schaarbeek molenbeek etterbeek evere ganshoren jette
    koekelberg auderghem oudergem ixelles elsene uccle ukkel laeken heembeek
    woluwe watermael boitsfort watermaal bosvoorde berchem agathe agatha
    saint-gilles sint-gillis saint-josse sint-joost ten-noode ten-node
    molenbeek-saint-jean sint-jans-molenbeek woluwe-saint-lambert
    woluwe-saint-pierre sint-lambrechts-woluwe sint-pieters-woluwe
    watermael-boitsfort watermaal-bosvoorde berchem-sainte-agathe
    sint-agatha-berchem neder-over-heembeek flagey midi zuid bockstael
    """.split()
)
_IGNORED_TOKENS = _NEUTRAL_TOKENS | _PLACE_TOKENS

# Dutch (and French) write a diaeresis on a vowel after a vowel
# ("coördinator", "België", "naïef"); lingua reads ö as certainly Turkish.
_DIAERESIS_AFTER_VOWEL = re.compile(r"(?<=[aeiouyAEIOUY])[ëïöüËÏÖÜ]")
# Ukrainians on a Russian layout type a Latin i for і.
_LATIN_I_IN_CYRILLIC = re.compile(
    r"(?<=[\u0400-\u04ff])[iI]|(?<=[\u0400-\u04ff]['’ʼ])[iI]|[iI](?=[\u0400-\u04ff])"
)
# lingua treats щ as Russian-only, and alef with hamza as Arabic-only; both
# are common in Ukrainian and Persian respectively.
_HAMZA_ALEF = str.maketrans({"أ": "ا", "إ": "ا"})


@dataclass(frozen=True)
class _Words:
    script: _Script
    words: tuple[str, ...]
    letters: int
    # Latin letters used for a language that has its own script.
    romanized: bool


def words_of(text: str) -> _Words | None:
    """The words of the dominant script, without the ones that carry no signal."""
    text = _NOISE.sub(" ", unicodedata.normalize("NFC", text))
    text = _LATIN_I_IN_CYRILLIC.sub("і", text)
    romanized = _ARABIZI.search(text) is not None
    by_script: dict[_Script, list[str]] = {}
    letters: dict[_Script, int] = {}
    for match in _WORD.finditer(text):
        word = match.group()
        folded = word.casefold()
        if folded in _IGNORED_TOKENS:
            continue
        romanized = romanized or folded in _ROMANIZED_MARKERS
        script = _script_of(word[0])
        by_script.setdefault(script, []).append(word)
        letters[script] = letters.get(script, 0) + sum(ch.isalpha() for ch in word)
    if not letters:
        return None
    script = max(letters, key=lambda s: letters[s] * _SCRIPT_WEIGHT.get(s, 1))
    return _Words(
        script, tuple(by_script[script]), letters[script], romanized and script is _Script.LATIN
    )


def _has_any(words: Iterable[str], chars: frozenset[str]) -> bool:
    return any(ch in chars for word in words for ch in word)


def rule_language(script: _Script, words: tuple[str, ...]) -> str | None:
    """A language that the letters alone decide, or None."""
    if script is _Script.ETHIOPIC:
        return "ti"  # whether it is sure: see looks_amharic
    if script is _Script.CYRILLIC:
        uk, ru = _has_any(words, _UKRAINIAN_ONLY), _has_any(words, _RUSSIAN_ONLY)
        if uk != ru:
            return "uk" if uk else "ru"
    if script is _Script.ARABIC:
        fa, ar = _has_any(words, _PERSIAN_ONLY), _has_any(words, _ARABIC_ONLY)
        if fa != ar:
            return "fa" if fa else "ar"
    return None


def looks_amharic(words: tuple[str, ...]) -> bool:
    if _has_any(words, _TIGRINYA_LETTERS):
        return False
    return any(word.strip("።፣፤፥፧?!") in _AMHARIC_WORDS for word in words)


def has_foreign_letters(script: _Script, words: tuple[str, ...]) -> bool:
    foreign = _FOREIGN_LETTERS.get(script)
    if foreign is None:
        return False
    if script is _Script.CYRILLIC and any(_BULGARIAN_HARD_SIGN.search(w) for w in words):
        return True
    return _has_any((word.lower() for word in words), foreign)


def lingua_input(script: _Script, words: tuple[str, ...]) -> tuple[str, bool]:
    """The text to give lingua, and whether lingua's answer may be trusted."""
    if has_foreign_letters(script, words):
        return " ".join(words), False
    if script is _Script.LATIN:
        return _DIAERESIS_AFTER_VOWEL.sub(lambda m: _strip_marks(m.group()), " ".join(words)), True
    if script is _Script.ARABIC:
        return " ".join(words).translate(_HAMZA_ALEF), True
    if script is _Script.CYRILLIC:
        plain = tuple(word for word in words if "щ" not in word.lower())
        if plain:
            return " ".join(plain), True
        # Only words with щ: spell it the Ukrainian way for a guess, unsure.
        return " ".join(words).replace("щ", "шч").replace("Щ", "Шч"), False
    return " ".join(words), True


def _strip_marks(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0]
