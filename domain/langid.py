"""Contact-language detection for short chat messages.

The bot uses this to *suggest* a contact language from what a person types
(and from the Telegram client's ``language_code``); the person confirms with
one tap. The measure that matters is: never switch someone to a wrong
language. So :class:`Detection` carries ``sure``, and ``sure`` is only set
when the bench data (``bench/data/langid*.tsv``, ``python bench/langid.py``)
shows that answers of that kind are right at least 98 % of the time, for
single words, two-word messages and sentences alike, and a text in a language
the bot does not speak (German, Swahili, Sorani...) is never sure.

How a text is decided, cheapest evidence first:

1. Links, mentions, digits, emoji, Brussels place names and chat tokens that
   every language uses ("ok", "hi", "super") are dropped: they say nothing
   about the language. Nothing left means ``language=None``.
2. The script with the most letters picks the candidates. Letters or frequent
   words that only one candidate language uses decide on their own
   (:mod:`domain.scripts`): і ї є ґ (Ukrainian), ы э ё (Russian), ъ as a vowel
   (Bulgarian); Afghan words (Dari), and in Arabic script the letters only one
   offered language writes, computed from the catalogs
   (:func:`domain.scripts.decisive_letters`: Pashto's ټ ډ ړ ږ ښ ګ ڼ ې ۍ, Arabic's
   ة ك ى, Persian's گ; not پ ژ ک ی, which Pashto writes too); ș ț (Romanian), "xw"
   and Kurmanji or Lingala words. Ethiopic script (lingua reads none of it):
   Tigrinya's ቐ ኸ ኣ ሓ and words versus Amharic's words and verb endings, and
   either one's marker words (see 3); a text with neither is unsure, and the
   client's language guesses.
3. Otherwise lingua, restricted to the candidates of that script, gives
   confidence values; the answer is sure when the top value clears a
   threshold that depends on the number of words (tuned on the bench data),
   or when lingua's top choice is the language of a marker word in the text:
   a calendar word (CLDR) or frequent word (the bot's catalog) that no other
   language has (:func:`domain.scripts.marker_words`; nothing tuned).
   lingua has no model for Pashto, Kurmanji or Lingala, so its confidence cannot
   speak for a single word one of them could have written (every letter in its
   alphabet, where it writes it: Pashto's ي only at a word's end; in Latin script
   with one of its characteristic letters, ê î û ş ç for Kurmanji, none for Lingala,
   whose own words have open syllables:
   :func:`domain.scripts.unseen_could_write`): such a word is sure only with a
   marker word, or a word of the lexicon (catalog and CLDR calendar words) of
   lingua's top language alone among the registered ones
   (:func:`domain.scripts.own_word_language`).
4. When the text is not clear enough, a prior (the client's language) weighs
   in on the best guess, which stays unsure; the prior never makes an answer
   sure on its own.

The lingua detector is heavy (see :data:`DEFAULT_MODE`), so it is built once
per process, lazily, by :func:`get_detector`; never per request. The bot asks
it through :mod:`domain.detection`, which keeps it in a child process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

from lingua import Language, LanguageDetectorBuilder
from lingua import LanguageDetector as _LinguaDetector

from domain.languages import (
    language,
    language_for_tag,
    offered_codes,
    registered_codes,
    registry,
)
from domain.scripts import (
    _Script,
    has_foreign_letters,
    lingua_input,
    looks_amharic,
    marker_language,
    own_word_language,
    rule_language,
    script_candidates,
    unseen_could_write,
    words_of,
)

__all__ = [
    "DEFAULT_MODE",
    "SUPPORTED_LANGUAGES",
    "AccuracyMode",
    "Detection",
    "LanguageDetector",
    "get_detector",
    "normalize_language_code",
]

# The offered contact languages, in the registry's order (locales/languages.toml): a
# detection only ever names one of these.
SUPPORTED_LANGUAGES: tuple[str, ...] = offered_codes()

AccuracyMode = Literal["high", "low"]

# Measured by bench/langid.py on this project's chat data, 11 lingua models (before issue
# 15; with its 22 languages lingua has 17 models, German as a decoy: about 440 MB):
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


# Languages no registry entry names that people in Brussels write to the bot: German is
# Belgium's third official language, and lingua reads German words as Dutch with
# confidence ("Entschuldigung": Dutch at 0.89). Detected, never answered: a German text
# is unsure. German costs about 10 MB resident (16 models: +432 MB; 17: +437-446 MB).
LINGUA_DECOYS: dict[str, tuple[str, str]] = {"de": ("GERMAN", "latin")}


def _lingua_languages(codes: tuple[str, ...]) -> dict[str, Language]:
    """The lingua models for `codes`, by the registry's `lingua` field (and the decoys')."""
    found = {
        lang.code: getattr(Language, lang.lingua)
        for lang in registry()
        if lang.lingua and lang.code in codes
    }
    found.update(
        (code, getattr(Language, name))
        for code, (name, _) in LINGUA_DECOYS.items()
        if code in codes
    )
    return found


def _variant_of(found: Detection, prior_code: str | None) -> Detection:
    """A regional variant the text cannot tell apart from its parent (Dari, fa_AF, and
    Persian) is the client's choice: Persian detected for a Dari client is Dari."""
    if found.language is None or prior_code is None or prior_code == found.language:
        return found
    entry = language(prior_code)
    if entry is not None and entry.fallback == found.language:
        return Detection(prior_code, found.confidence, found.sure)
    return found


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


def normalize_language_code(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` (an IETF tag) to a supported code.

    "en-GB" -> "en", "fa-IR" -> "fa", "prs" or "fa-AF" (Dari) -> "fa_AF"; an
    unsupported language ("de-DE") or nothing gives None.
    """
    return language_for_tag(code, SUPPORTED_LANGUAGES)


@dataclass(frozen=True)
class _Thresholds:
    """When a lingua answer counts as sure (tuned with bench/langid.py)."""

    # Minimum confidence of lingua's top candidate for 1, 2 and 3+ words when
    # the script leaves many candidates (Latin: 7)...
    many_candidates: tuple[float, float, float]
    # ...and when it leaves two (Cyrillic, Arabic): chance is 0.5 there, and
    # the letter rules have already taken the texts that are easy to tell
    # apart, so what is left is mostly vocabulary both languages share.
    two_candidates: tuple[float, float, float]
    # How much less confidence is needed when lingua's top choice is the prior.
    prior_bonus: float
    # The same in both accuracy modes: a text with fewer letters is never sure...
    min_letters: int = 3
    # ...and when the text alone is not enough, the prior's confidence is multiplied
    # by this before picking the best guess (odds that the client language is
    # the one typed in, against any one other language).
    prior_weight: float = 5.0
    # Among many candidates (Latin: 13 since issue 15) the confidence of a single word
    # spreads thin even when lingua has no doubt: "agora" is Portuguese at 0.66 with
    # Spanish next at 0.06. Such a word is sure too when its top value is at least
    # `lead` times the runner-up's and at least `lead_floor` (None: never).
    lead: float | None = None
    lead_floor: float = 0.5

    def leads(self, words: int, candidates: int, top: float, runner_up: float) -> bool:
        """Whether a single word's top value is far enough ahead of the next one."""
        if self.lead is None or words != 1 or candidates <= 2:
            return False
        return top >= self.lead_floor and top >= self.lead * runner_up

    def confidence_needed(self, words: int, candidates: int, *, agrees_with_prior: bool) -> float:
        table = self.two_candidates if candidates <= 2 else self.many_candidates
        needed = table[min(words, 3) - 1]
        return needed - self.prior_bonus if agrees_with_prior else needed


# How many times likelier than the likeliest decoy language the top answer must be to
# be sure (bench/langid.py --languages offered, foreign texts).
_DECOY_MARGIN = 1.5

_THRESHOLDS: dict[AccuracyMode, _Thresholds] = {
    "high": _Thresholds(
        many_candidates=(0.75, 0.65, 0.60),
        # Arabic or Persian (Pashto and Dari are decided by rules). A single word Pashto
        # could have written never goes by these (see unseen_could_write).
        two_candidates=(0.80, 0.75, 0.70),
        prior_bonus=0.05,
        # The nearest wrong word on the bench data leads by 4.9 ("porfa": Somali 0.57,
        # Spanish 0.12): 6 keeps a margin.
        lead=6.0,
    ),
    # Low accuracy is confidently wrong far more often on short texts.
    "low": _Thresholds(
        many_candidates=(0.95, 0.95, 0.95),
        two_candidates=(0.90, 0.95, 0.90),
        prior_bonus=0.0,
    ),
}


class LanguageDetector:
    """Detects the contact language of short chat messages.

    Wraps a lingua detector restricted to the supported languages it knows
    (all but Tigrinya, Amharic, Pashto, Dari, Kurmanji and Lingala) and the decoys,
    plus script rules. Building one loads the language
    models (see :data:`DEFAULT_MODE`): use :func:`get_detector`.
    """

    def __init__(
        self,
        mode: AccuracyMode = DEFAULT_MODE,
        *,
        preload: bool = True,
        languages: tuple[str, ...] | None = None,
        decoys: tuple[str, ...] | None = None,
    ) -> None:
        """Build the lingua detector; ``preload`` loads every model now. ``languages``
        (default: the offered ones) are the only answers it may give; the benchmark and
        tests pass every registered language to measure the ones not offered yet.
        ``decoys`` (default: the registered languages not in ``languages``, and
        :data:`LINGUA_DECOYS`) are detected too, so that a German text is recognised as
        such and answered "unsure" instead of being taken for Dutch."""
        if mode not in _THRESHOLDS:
            raise ValueError(f"unknown accuracy mode {mode!r}")
        self.mode: AccuracyMode = mode
        self.languages: tuple[str, ...] = languages or SUPPORTED_LANGUAGES
        if decoys is None:
            decoys = tuple(code for code in registered_codes() if code not in self.languages)
            decoys += tuple(LINGUA_DECOYS)
        # Everything detected: the answers, then the decoys.
        self._known: tuple[str, ...] = (*self.languages, *decoys)
        self._thresholds = _THRESHOLDS[mode]
        self._candidates = script_candidates(self._known)
        for code, (_, script) in LINGUA_DECOYS.items():
            if code in decoys:
                found = self._candidates.get(_Script(script), ())
                self._candidates[_Script(script)] = (*found, code)
        lingua_languages = _lingua_languages(self._known)
        self._code_of = {lang: code for code, lang in lingua_languages.items()}
        builder = LanguageDetectorBuilder.from_languages(*lingua_languages.values())
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
        prior_code = language_for_tag(prior, self.languages)
        found = _variant_of(self._detect(text, prior_code), prior_code)
        if found.language is not None and found.language not in self.languages:
            # A decoy won: the text is in a language the bot does not speak (yet).
            return Detection(prior_code, 0.0, False)
        return found

    def _detect(self, text: str, prior_code: str | None) -> Detection:
        found = words_of(text)
        if found is None:
            return Detection(None, 0.0, False)
        script, words = found.script, found.words
        candidates = self._candidates.get(script)
        ruled = rule_language(script, words, self._known, self.languages)
        if ruled == "ti" and looks_amharic(words):
            return Detection("ti", 0.5, False)
        if ruled is not None and not has_foreign_letters(script, words, self._known):
            return Detection(ruled, 1.0, True)
        if candidates is None:
            return self._guess(script.value, words, prior_code)

        lingua_text, trusted = lingua_input(script, words, self._known)
        every = self._scores(lingua_text, candidates)
        top = max(every, key=lambda code: every[code])
        # The thresholds were tuned over the answers: weigh the answers among
        # themselves, and let a decoy close behind the top one make it unsure.
        scores = {code: v for code, v in every.items() if code in self.languages} or every
        decoy = max((v for code, v in every.items() if code not in scores), default=0.0)
        total = sum(scores.values()) or 1.0
        scores = {code: v / total for code, v in scores.items()}
        thresholds = self._thresholds
        needed = thresholds.confidence_needed(
            len(words), len(scores), agrees_with_prior=top == prior_code
        )
        runner_up = sorted(scores.values())[-2] if len(scores) > 1 else 0.0
        if script is _Script.CYRILLIC and top == "ru" and _has_shcha(words):
            trusted = False  # lingua reads щ as Russian; Ukrainian and Bulgarian write it
        # A single word a language lingua has no model for could have written (Pashto
        # "باران", Kurmanji "pirtûk"): lingua's confidence is among the languages it
        # reads only, so it cannot make the word sure; a marker word still can (below).
        unseen = len(words) == 1 and unseen_could_write(script, words[0], self._known)
        if (
            trusted
            and not unseen
            and not found.romanized
            and found.letters >= thresholds.min_letters
            and top in scores
            and (
                scores[top] >= needed
                or thresholds.leads(len(words), len(scores), scores[top], runner_up)
            )
            and every[top] >= _DECOY_MARGIN * decoy
        ):
            return Detection(top, scores[top], True)
        if (
            trusted
            and not found.romanized
            and found.letters >= thresholds.min_letters
            and top in scores
            and (
                marker_language(words, self.languages) == top
                or (len(words) == 1 and own_word_language(words[0], self.languages) == top)
            )
            and every[top] >= _DECOY_MARGIN * decoy
        ):
            # Two sources that know nothing of each other agree: a word only this language
            # has (CLDR's calendar words, the catalog's frequent words: see
            # domain.scripts.marker_words; for a single word, any word of its lexicon alone
            # among those own_word_language keeps, whether or not the unseen language could
            # have written it) and lingua's first choice.
            return Detection(top, scores[top], True)
        top = max(scores, key=lambda code: scores[code])
        if prior_code in scores:
            # Unsure: the client language wins unless lingua all but rules it out.
            weighted = {
                code: value * (thresholds.prior_weight if code == prior_code else 1.0)
                for code, value in scores.items()
            }
            total = sum(weighted.values()) or 1.0
            best = max(weighted, key=lambda code: weighted[code])
            return Detection(best, weighted[best] / total, False)
        return Detection(top, scores[top], False)

    def _guess(self, script: str, words: tuple[str, ...], prior_code: str | None) -> Detection:
        """An unsure guess for a script lingua does not read (Ethiopic, when neither
        Tigrinya nor Amharic has evidence of its own): the client's language if it is
        written in that script, else Amharic when its words are there, else the first."""
        answers = [
            lang.code
            for lang in registry()
            if lang.script == script and lang.code in self.languages
        ]
        if not answers:
            return Detection(None, 0.0, False)
        if prior_code in answers:
            return Detection(prior_code, 0.5, False)
        if "am" in answers and looks_amharic(words):
            return Detection("am", 0.5, False)
        return Detection(answers[0], 1.0 / len(answers), False)

    def _scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """lingua's confidence values over ``candidates``, summing to 1."""
        values = {code: 0.0 for code in candidates}
        for value in self._lingua.compute_language_confidence_values(text):
            code = self._code_of.get(value.language)
            if code in values:
                values[code] = value.value
        total = sum(values.values())
        if total <= 0.0:
            return {code: 1.0 / len(candidates) for code in candidates}
        return {code: value / total for code, value in values.items()}


def _has_shcha(words: tuple[str, ...]) -> bool:
    return any("щ" in word.lower() for word in words)


_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


def get_detector() -> LanguageDetector:
    """The process-wide detector, built on first use (in :data:`DEFAULT_MODE`).

    The first call takes a second or two in high-accuracy mode and holds
    Python's global lock meanwhile: the running bot keeps it in a process of
    its own (:mod:`domain.detection`).
    """
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                _detector = LanguageDetector()
    return _detector
