"""Contact-language detection for short chat messages.

The bot uses this to *suggest* a contact language from what a person types
(and from the Telegram client's ``language_code``); the person confirms with
one tap. The measure that matters is: never switch someone to a wrong
language. So :class:`Detection` carries ``sure``, and ``sure`` is only set
when the bench data (``bench/data/langid.tsv``, ``python bench/langid.py``)
shows that answers of that kind are right at least 98 % of the time, for
single words, two-word messages and sentences alike.

How a text is decided, cheapest evidence first:

1. Links, mentions, digits, emoji, Brussels place names and chat tokens that
   every language uses ("ok", "hi", "super") are dropped: they say nothing
   about the language. Nothing left means ``language=None``.
2. The script with the most letters picks the candidates. Ethiopic script is
   Tigrinya (lingua has no Tigrinya). Letters that only one candidate
   language uses decide on their own: і ї є ґ (Ukrainian), ы э ё
   (Russian), پ ژ ک ی (Persian keyboard) versus ة ى ي ك (Arabic keyboard).
3. Otherwise lingua, restricted to the candidates of that script, gives
   confidence values; the answer is sure when the top value clears a
   threshold that depends on the number of words (tuned on the bench data).
4. When the text is not clear enough, a prior (the client's language) weighs
   in on the best guess, which stays unsure; the prior never makes an answer
   sure on its own.

The lingua detector is heavy (see :data:`DEFAULT_MODE`), so it is built once
per process, lazily, by :func:`get_detector`; never per request.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from lingua import Language, LanguageDetectorBuilder
from lingua import LanguageDetector as _LinguaDetector

__all__ = [
    "DEFAULT_MODE",
    "SUPPORTED_LANGUAGES",
    "AccuracyMode",
    "Detection",
    "LanguageDetector",
    "detect",
    "get_detector",
    "normalize_language_code",
]

SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "nl", "en", "fr", "ar", "tr", "ro", "uk", "ru", "es", "pl", "fa", "ti",
)  # fmt: skip

AccuracyMode = Literal["high", "low"]

# Measured by bench/langid.py on this project's chat data, 11 lingua models:
# - high accuracy: 320-410 MB resident (more than the 270 MB DESIGN expected),
#   about a second to build, 50-120 us a text; sure on 67 % of single words,
#   82 % of two-word messages and 94 % of sentences, with no wrong sure answer.
# - low accuracy: about 22 MB, 30-40 us a text, but confidently wrong on short
#   texts ("adiós" -> Polish at 0.997, "ce-ai pățit?" -> Turkish at 0.999), so
#   even at a 0.95 threshold it is sure less often (51 %, 72 %, 89 %) and
#   still wrong about 1 time in 100-200.
# Chat messages are short and a wrong switch is the failure that matters, so
# high accuracy is the default; the memory is paid once per process.
DEFAULT_MODE: AccuracyMode = "high"

_LINGUA_LANGUAGES: dict[str, Language] = {
    "nl": Language.DUTCH,
    "en": Language.ENGLISH,
    "fr": Language.FRENCH,
    "ar": Language.ARABIC,
    "tr": Language.TURKISH,
    "ro": Language.ROMANIAN,
    "uk": Language.UKRAINIAN,
    "ru": Language.RUSSIAN,
    "es": Language.SPANISH,
    "pl": Language.POLISH,
    "fa": Language.PERSIAN,
}
_CODE_OF: dict[Language, str] = {lang: code for code, lang in _LINGUA_LANGUAGES.items()}


@dataclass(frozen=True)
class Detection:
    """The outcome of detecting the language of one text.

    ``language`` is the best guess among :data:`SUPPORTED_LANGUAGES`, or
    None when the text has nothing to go on (digits, emoji, "ok").
    ``confidence`` is in [0, 1]. ``sure`` means: good enough to switch the
    person's language without asking.
    """

    language: str | None
    confidence: float
    sure: bool


# --- language codes ---------------------------------------------------------

# Codes Telegram clients (IETF tags) may send for a supported language under
# another name: Dari and the Persian macrolanguage are Persian here.
_CODE_ALIASES: dict[str, str] = {
    "prs": "fa",
    "pes": "fa",
    "fas": "fa",
    "per": "fa",
    "tir": "ti",
    "nld": "nl",
    "dut": "nl",
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "ara": "ar",
    "arb": "ar",
    "tur": "tr",
    "ron": "ro",
    "rum": "ro",
    "mo": "ro",
    "ukr": "uk",
    "rus": "ru",
    "spa": "es",
    "pol": "pl",
}


def normalize_language_code(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` (an IETF tag) to a supported code.

    "en-GB" -> "en", "fa-IR" -> "fa", "prs" (Dari) -> "fa"; an unsupported
    language ("pt-BR") or nothing gives None.
    """
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _CODE_ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else None


# --- scripts and letter rules -----------------------------------------------


class _Script(Enum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"
    ETHIOPIC = "ethiopic"
    OTHER = "other"


_SCRIPT_CANDIDATES: dict[_Script, tuple[str, ...]] = {
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
class _Thresholds:
    """When a lingua answer counts as sure (tuned with bench/langid.py)."""

    min_letters: int
    # Minimum confidence of lingua's top candidate for 1, 2 and 3+ words when
    # the script leaves many candidates (Latin: 7)...
    many_candidates: tuple[float, float, float]
    # ...and when it leaves two (Cyrillic, Arabic): chance is 0.5 there, and
    # the letter rules have already taken the texts that are easy to tell
    # apart, so what is left is mostly vocabulary both languages share.
    two_candidates: tuple[float, float, float]
    # When the text alone is not enough, the prior's confidence is multiplied
    # by this before picking the best guess (odds that the client language is
    # the one typed in, against any one other language).
    prior_weight: float
    # How much less confidence is needed when lingua's top choice is the prior.
    prior_bonus: float

    def confidence_needed(self, words: int, candidates: int, *, agrees_with_prior: bool) -> float:
        table = self.two_candidates if candidates <= 2 else self.many_candidates
        needed = table[min(words, 3) - 1]
        return needed - self.prior_bonus if agrees_with_prior else needed


_THRESHOLDS: dict[AccuracyMode, _Thresholds] = {
    "high": _Thresholds(
        min_letters=3,
        many_candidates=(0.75, 0.65, 0.60),
        two_candidates=(0.80, 0.75, 0.70),
        prior_weight=5.0,
        prior_bonus=0.05,
    ),
    # Low accuracy is confidently wrong far more often on short texts.
    "low": _Thresholds(
        min_letters=3,
        many_candidates=(0.95, 0.95, 0.95),
        two_candidates=(0.90, 0.95, 0.90),
        prior_weight=5.0,
        prior_bonus=0.0,
    ),
}


@dataclass(frozen=True)
class _Words:
    script: _Script
    words: tuple[str, ...]
    letters: int
    # Latin letters used for a language that has its own script.
    romanized: bool


def _words_of(text: str) -> _Words | None:
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


def _rule_language(script: _Script, words: tuple[str, ...]) -> str | None:
    """A language that the letters alone decide, or None."""
    if script is _Script.ETHIOPIC:
        return "ti"  # whether it is sure: see _looks_amharic
    if script is _Script.CYRILLIC:
        uk, ru = _has_any(words, _UKRAINIAN_ONLY), _has_any(words, _RUSSIAN_ONLY)
        if uk != ru:
            return "uk" if uk else "ru"
    if script is _Script.ARABIC:
        fa, ar = _has_any(words, _PERSIAN_ONLY), _has_any(words, _ARABIC_ONLY)
        if fa != ar:
            return "fa" if fa else "ar"
    return None


def _looks_amharic(words: tuple[str, ...]) -> bool:
    if _has_any(words, _TIGRINYA_LETTERS):
        return False
    return any(word.strip("።፣፤፥፧?!") in _AMHARIC_WORDS for word in words)


def _has_foreign_letters(script: _Script, words: tuple[str, ...]) -> bool:
    foreign = _FOREIGN_LETTERS.get(script)
    if foreign is None:
        return False
    if script is _Script.CYRILLIC and any(_BULGARIAN_HARD_SIGN.search(w) for w in words):
        return True
    return _has_any((word.lower() for word in words), foreign)


def _lingua_input(script: _Script, words: tuple[str, ...]) -> tuple[str, bool]:
    """The text to give lingua, and whether lingua's answer may be trusted."""
    if _has_foreign_letters(script, words):
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


class LanguageDetector:
    """Detects the contact language of short chat messages.

    Wraps a lingua detector restricted to the supported languages it knows
    (all but Tigrinya), plus script rules. Building one loads the language
    models (see :data:`DEFAULT_MODE`): use :func:`get_detector`.
    """

    def __init__(self, mode: AccuracyMode = DEFAULT_MODE, *, preload: bool = True) -> None:
        """Build the lingua detector; ``preload`` loads every model now."""
        if mode not in _THRESHOLDS:
            raise ValueError(f"unknown accuracy mode {mode!r}")
        self.mode: AccuracyMode = mode
        self._thresholds = _THRESHOLDS[mode]
        builder = LanguageDetectorBuilder.from_languages(*_LINGUA_LANGUAGES.values())
        if mode == "low":
            builder = builder.with_low_accuracy_mode()
        if preload:
            builder = builder.with_preloaded_language_models()
        self._lingua: _LinguaDetector = builder.build()

    def detect(self, text: str, prior: str | None = None) -> Detection:
        """Detect the language of ``text``.

        ``prior`` is the Telegram client's ``language_code`` (any IETF tag).
        A text that is clear on its own is answered from the text. Otherwise
        the prior weighs in on the best guess (and ``confidence`` includes
        it), and the answer is unsure. A prior that agrees with lingua's top
        choice lowers the confidence needed a little; it never makes a text
        sure on its own.
        """
        prior_code = normalize_language_code(prior)
        found = _words_of(text)
        if found is None:
            return Detection(None, 0.0, False)
        script, words = found.script, found.words
        candidates = _SCRIPT_CANDIDATES.get(script)
        ruled = _rule_language(script, words)
        if ruled == "ti" and _looks_amharic(words):
            return Detection("ti", 0.5, False)
        if ruled is not None and not _has_foreign_letters(script, words):
            return Detection(ruled, 1.0, True)
        if candidates is None:
            return Detection(None, 0.0, False)

        lingua_text, trusted = _lingua_input(script, words)
        scores = self._scores(lingua_text, candidates)
        top = max(scores, key=lambda code: scores[code])
        thresholds = self._thresholds
        needed = thresholds.confidence_needed(
            len(words), len(candidates), agrees_with_prior=top == prior_code
        )
        if (
            trusted
            and not found.romanized
            and found.letters >= thresholds.min_letters
            and scores[top] >= needed
        ):
            return Detection(top, scores[top], True)
        if prior_code in scores:
            # Unsure: the client language wins unless lingua all but rules it out.
            weighted = {
                code: value * (thresholds.prior_weight if code == prior_code else 1.0)
                for code, value in scores.items()
            }
            total = sum(weighted.values())
            best = max(weighted, key=lambda code: weighted[code])
            return Detection(best, weighted[best] / total, False)
        return Detection(top, scores[top], False)

    def _scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """lingua's confidence values over ``candidates``, summing to 1."""
        values = {code: 0.0 for code in candidates}
        for value in self._lingua.compute_language_confidence_values(text):
            code = _CODE_OF.get(value.language)
            if code in values:
                values[code] = value.value
        total = sum(values.values())
        if total <= 0.0:
            return {code: 1.0 / len(candidates) for code in candidates}
        return {code: value / total for code, value in values.items()}


_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


def get_detector() -> LanguageDetector:
    """The process-wide detector, built on first use (in :data:`DEFAULT_MODE`).

    The first call takes about a second in high-accuracy mode; an async
    caller may warm it up at start with ``await asyncio.to_thread(get_detector)``.
    """
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                _detector = LanguageDetector()
    return _detector


def detector_ready() -> bool:
    """Whether the process-wide detector is built (so using it will not block)."""
    return _detector is not None


def detect(text: str, prior: str | None = None) -> Detection:
    """Detect the language of ``text`` with the process-wide detector."""
    return get_detector().detect(text, prior)
