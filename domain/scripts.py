"""What a text's letters and words tell before any language model: the script, letters
only one candidate language uses, chat tokens and place names that say nothing, romanised
text. `domain.langid` decides with these first and asks lingua only for the rest."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources

from domain.languages import offered_codes, registry

# --- scripts and letter rules -----------------------------------------------


class _Script(Enum):
    LATIN = "latin"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"
    ETHIOPIC = "ethiopic"
    OTHER = "other"


def script_candidates(offered: tuple[str, ...]) -> dict[_Script, tuple[str, ...]]:
    """The offered languages lingua knows, by script, in the registry's order (Latin: nl
    en fr tr ro es pl ...). Languages lingua lacks (Tigrinya, Amharic, Pashto, Dari,
    Kurdish, Lingala) are decided by the letter and word rules below."""
    found: dict[_Script, list[str]] = {}
    for lang in registry():
        if lang.lingua and lang.code in offered:
            found.setdefault(_Script(lang.script), []).append(lang.code)
    return {script: tuple(codes) for script, codes in found.items()}


SCRIPT_CANDIDATES: dict[_Script, tuple[str, ...]] = script_candidates(offered_codes())


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
    _Script.LATIN: frozenset("ßäãõåæøðþřěůčšžőűāēīūėųįľĺŕġħýňťďəŋ"),
    _Script.CYRILLIC: frozenset("ўђћџјљњѓќѕѝ"),
    _Script.ARABIC: frozenset("ټډړږښګڼۍېځڅٹڈڑںےہۂۃھڕڵۆێە"),
}
# Letters of those that belong to a registered language: foreign only while it is not
# offered (a Pashto text is "foreign" until Pashto is offered, then it is Pashto).
_OWN_LETTERS: dict[str, frozenset[str]] = {
    "pt": frozenset("ãõ"),
    "bg": frozenset("ѝ"),
    # Pashto's own letters (ټ ډ ړ ږ ښ ګ ڼ ځ څ ۍ ې): Persian and Arabic have none of them.
    "ps": frozenset("ټډړږښګڼۍېځڅ"),
}
# Decoys: frequent words of unsupported languages people in Brussels write (German,
# Hungarian, Belarusian, Croatian/Bosnian/Serbian, Sorani "thanks") that no registered
# language uses. A text with one is never sure: lingua would otherwise read "danke schön"
# as Turkish and "Дзякуй" as Ukrainian.
_DECOY_WORDS = frozenset(
    """
    ich nicht und wir uns ist danke bitte schön sehr auch geht haben habe wohne bin
    mein meine dein heute gut guten jetzt immer samstag sonntag treffen bibliothek
    köszönöm szépen vagy hogy vagyok lakom éve igen nem köszi szia
    entschuldigung tschüss später
    дзякуй вельмі калі ласка добры дзень жыву мяне цябе
    hvala laku noć molim
    سوپاس
    """.split()
)
# Everyday Pashto words written without Pashto's own letters (I, am, is, when, yes, thank
# you, tomorrow, today, yesterday, why, here, there, that; home, brother, sister, father,
# mother, child): Persian does not use them, or only in another, rare sense (کور "blind",
# مور "ant"). Not ده or دا ("is", "this"): Egyptian Arabic writes them for "this".
_PASHTO_WORDS = frozenset(
    "زه یم یې دی کله هو مننه سبا نن پرون ولې دلته هلته هغه کور ورور خور پلار مور ماشوم".split()
)
# Amharic shares the Ethiopic script with Tigrinya. Tigrinya alone writes the
# ቐ and ኸ series and ኣ for a word-initial a; these everyday Amharic words
# (is, are, how, thank you, yes, I, fine, what) are not Tigrinya.
_TIGRINYA_LETTERS = frozenset(
    [chr(cp) for cp in range(0x1250, 0x125E)] + [chr(cp) for cp in range(0x12B8, 0x12C6)] + ["ኣ"]
)
_AMHARIC_WORDS = frozenset(
    """ነው ናቸው ነህ ነሽ ነኝ እንዴት አመሰግናለሁ አዎ እኔ ደህና ምን ነዎት እፈልጋለሁ
    አለ የለም ይህ ያ እና ግን ብቻ ጋር ውስጥ ነገ ዛሬ ትናንት ጥሩ ስሜ ስምህ ስምሽ እባክህ
    እባክሽ እባክዎ መቼ የት እንደ ሁሉ ለምን ስራ ወደ እዚህ እዚያ አሁን ደግሞ በጣም ጓደኛ""".split()
)
# Amharic verb endings Tigrinya does not have: first person singular, perfect "-ሁ"
# ("መጣሁ", "አየሁ") and imperfect "-ለሁ" ("እፈልጋለሁ"), plural "-ላለን" ("እንችላለን"),
# perfect "-ኛል"/"-ናል". Tigrinya's first person perfect ends in "-ኩ" ("መጻእኩ"), and it
# writes the h-series rarely: ሁ is in neither its catalog nor its CLDR words.
_AMHARIC_ENDINGS = ("ሁ", "ላለን", "ኛል", "ናል")
# Everyday Tigrinya words that Amharic does not use or spells otherwise (copula and
# "there is", prepositions, question words, days, time, family, food, everyday adjectives):
# when Amharic is offered too, a Tigrinya text needs one of these, or Tigrinya's letters.
_TIGRINYA_WORDS = frozenset(
    """እዩ እየ እዮም እያ ኢኻ ኢኺ ኢና ኢኹም ኣሎ ኣለኹ ኣሎኹ ኣለኻ ኣለኺ የለን የብሉን የብለይን
    ምስ ናብ ካብ ኣብ እዚ እቲ እታ እዛ እዞም እቶም ከመይ እንታይ ኣበይ መዓስ ኣየናይ ክንደይ ስለምንታይ
    መን ሎሚ ጽባሕ ትማሊ ደሓር ሕጂ ኩሉ ኩሎም ገለ ብዙሕ ቁሩብ ጽቡቕ ሕማቕ የቐንየለይ የቐንየልና
    ይቕሬታ እወ ኣይፋልን ደሓን ሰኑይ ሰሉስ ሓሙስ ዓርቢ ቀዳም ሰንበት ሰሙን መዓልቲ ንግሆ ምሸት ለይቲ
    ስራሕ ገዛ ትምህርቲ ቤት-ትምህርቲ ቤተ-መጻሕፍቲ ዓርከይ ዓርኪ ዓርካ ፈታዊ ቆልዑ ቆልዓ ቡን ሻሂ ባኒ
    ዕዳጋ ኣደ ኣቦ ሓው ሓብቲ ኩዕሶ ቆጸራ ብርግጽ ብጣዕሚ ሕያዋይ ጽብቕቲ ምብሳል ምሕንባስ ተረዲኡኒ
    በጃኻ በጃኺ ሽመይ ሽምካ ሽምኪ ምሳኻ ምሳኺ""".split()
)
# Amharic writes the laryngeal-a with the first order (ሀ ሐ አ ዐ); Tigrinya tells ä from a
# after them and writes ሓ; it also writes vowel letters inside a word where Amharic
# glides or geminates (ተረዲኡኒ, ቆልዑ: ኡ ኢ ኤ ኦ after a consonant).
_TIGRINYA_INNER_VOWELS = frozenset("ኡኢኤኦ")
_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэёЫЭЁ")
# Russian writes ъ only before е ё ю я ("объявление"); Bulgarian writes it
# as a vowel anywhere ("съм"), and Bulgarian is not supported.
_BULGARIAN_HARD_SIGN = re.compile(r"ъ(?![еёюяЕЁЮЯ])", re.IGNORECASE)
_RUSSIAN_HARD_SIGN = re.compile(r"ъ(?=[еёюяЕЁЮЯ])", re.IGNORECASE)

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


def rule_language(
    script: _Script,
    words: tuple[str, ...],
    offered: tuple[str, ...] | None = None,
    answers: tuple[str, ...] | None = None,
) -> str | None:
    """A language of `offered` (the languages detected, decoys included) that the letters
    (or, for languages lingua lacks, frequent words) alone decide, or None.

    Ethiopic script is Tigrinya unless Amharic is among the `answers` (the languages
    the bot may answer in): while Amharic is not, an Amharic text is "Tigrinya, unsure"
    (see looks_amharic); once it is, Tigrinya needs letters or words of its own."""
    offered = offered_codes() if offered is None else offered
    ruled = _rule(script, words, offered, offered if answers is None else answers)
    return ruled if ruled in offered else None


def _rule(
    script: _Script, words: tuple[str, ...], offered: tuple[str, ...], answers: tuple[str, ...]
) -> str | None:
    if script is _Script.ETHIOPIC:
        if "am" in answers:
            # Both offered: each needs evidence of its own and none of the other's.
            amharic, tigrinya = looks_amharic(words), _looks_tigrinya(words)
            if amharic != tigrinya:
                return "am" if amharic else "ti"
            return None
        return "ti"  # whether it is sure: see looks_amharic
    if script is _Script.CYRILLIC:
        uk, ru = _has_any(words, _UKRAINIAN_ONLY), _has_any(words, _RUSSIAN_ONLY)
        if uk != ru:
            return "uk" if uk else "ru"
        if "bg" in offered and not (uk or ru):
            if _is_bulgarian(words):
                return "bg"
            if any(_RUSSIAN_HARD_SIGN.search(w) for w in words):
                return "ru"  # "объявление": Bulgarian writes ъ only as a vowel
    if script is _Script.ARABIC:
        if "fa_AF" in offered and _looks_dari(words):
            return "fa_AF"
        decisive = decisive_letters(script, offered)
        if "ps" in offered and (
            _has_any(words, decisive.get("ps", frozenset()))
            or any(w in _PASHTO_WORDS for w in words)
        ):
            return "ps"
        # Letters only one of the offered Arabic-script languages writes (computed from
        # their catalogs and CLDR words, see decisive_letters): with Pashto offered,
        # Persian keeps none (Pashto writes پ ژ ک ی too, and Iraqi or Gulf Arabic گ);
        # Arabic keeps ة ك ى إ ء, not ي (Pashto writes it).
        decided = {code for code, letters in decisive.items() if _has_any(words, letters)}
        if len(decided) == 1:
            return decided.pop()
    if script is _Script.LATIN:
        return _latin_word_rule(words, offered)
    return None


# Dari (Afghan Persian) vocabulary that Iranian Persian does not use in everyday chat
# (thanks, school, Dutch, children, car, university, hospital, "I am", yes, no, now,
# tomorrow, talk, brother, please), and its Iranian counterparts: a text with the first
# and none of the second is Dari. Prefixes catch suffixed forms (اولادهایم, موترم).
_DARI_WORDS = frozenset(
    "تشکر مکتب هالند هالندی اولاد موتر پوهنتون شفاخانه استم استی استین بلی نی حالی صبا"
    " گپ بیادر مهربانی ببینی جور".split()
)
_DARI_PREFIXES = ("اولاد", "موتر", "هالند", "مکتب", "پوهنتون", "شفاخانه")
_IRANIAN_WORDS = frozenset(
    "مرسی خیلی الان ماشین مدرسه هلند هلندی بیمارستان دانشگاه چطوری میخوام می‌خوام".split()
)


def _looks_dari(words: tuple[str, ...]) -> bool:
    stripped = [word.strip("؟?!.،") for word in words]
    if any(w in _IRANIAN_WORDS for w in stripped):
        return False
    return any(w in _DARI_WORDS or w.startswith(_DARI_PREFIXES) for w in stripped)


def _looks_tigrinya(words: tuple[str, ...]) -> bool:
    if _has_any(words, _TIGRINYA_LETTERS | {"ሓ"}):
        return True
    stripped = [word.strip("።፣፤፥፧?!") for word in words]
    if _ethiopic_marker(stripped) == "ti":
        return True
    return any(w in _TIGRINYA_WORDS or _has_any((w[1:],), _TIGRINYA_INNER_VOWELS) for w in stripped)


def _ethiopic_marker(words: list[str]) -> str | None:
    """Amharic or Tigrinya when the text has marker words (CLDR calendar words and
    frequent catalog words no other language has, see marker_words) of that one only:
    lingua reads neither language, so the words of each are the evidence, like the
    hand-written lists above."""
    return marker_language(words, ("am", "ti"))


def _is_bulgarian(words: tuple[str, ...]) -> bool:
    return any(_BULGARIAN_HARD_SIGN.search(w) or "ѝ" in w.lower() for w in words)


# Kurmanji and Lingala: lingua has no model for them. Frequent words that the other
# Latin-script languages do not use (checked against the bench data of every offered
# language) decide; a text needs two of them, or one in a text of one or two words.
_KURMANJI_WORDS = frozenset(
    """
    ez tu em hûn ew çawa çawan baş spas supas silav rojbaş êvarbaş şevbaş erê
    na ne heye tune dixwazim dixwazî dikarim nizanim dizanim navê min kurdî hevalê
    hevalno niha sibê duh îro kengî li ku derê çi çima xêr bixêrhatî ji kerema xwe
    ziman zimanê zarok malê xwe bi hev re dibe nabe gelek pir """.split()
) - {"na", "ne", "li", "bi", "ku", "re", "tu", "em", "ew", "ez", "pir", "dibe", "nabe"}
_LINGALA_WORDS = frozenset(
    """
    mbote mbote! malamu matondo nazali ozali azali tozali bozali bazali ngai yo
    biso bino bango nalingi olingi alingi tolingi boni bolingo lelo lobi sikawa
    nakoya okoya nakokende nayebi nayebaki te ndako mosala moninga baninga mwasi
    mobali bana mama tata likambo nini wapi ndenge ntango mokolo mpe oyo ezali
    nakoki okoki tokoki koya kokende mingi limbisa ndeko ngai""".split()
) - {"te", "mama", "tata", "yo", "nini", "bana", "boni"}


# Kurmanji writes ê î û (with ç ş) but never the accents of French, Portuguese,
# Turkish or Albanian below: two words with its letters and none of those decide.
_KURMANJI_LETTERS = frozenset("êîû")
_NOT_KURMANJI = frozenset("éèàôùâëïüœöğıãõáíóúñ")


# Romanian's s and t with a comma below (not Turkish's cedilla ş): no other language.
_ROMANIAN_ONLY = frozenset("șțȘȚ")


def _latin_word_rule(words: tuple[str, ...], offered: tuple[str, ...]) -> str | None:
    if "ro" in offered and _has_any(words, _ROMANIAN_ONLY):
        return "ro"
    folded = [w.casefold().strip("!?.,") for w in words]
    if "ku" in offered and any("xw" in w for w in folded):
        return "ku"  # xwe, xweş, xwarin, xwişk: no other Latin-script language writes xw
    needed = 1 if len(folded) <= 2 else 2
    for code, vocabulary in (("ku", _KURMANJI_WORDS), ("ln", _LINGALA_WORDS)):
        if code in offered and sum(w in vocabulary for w in folded) >= needed:
            return code
    if "ku" in offered and not _has_any(folded, _NOT_KURMANJI):
        if sum(any(ch in _KURMANJI_LETTERS for ch in w) for w in folded) >= 2:
            return "ku"
        # "ez" (I) beside a word with ê î û ş: Hungarian's "ez" never has those letters.
        if "ez" in folded and _has_any(folded, _KURMANJI_LETTERS | {"ş"}):
            return "ku"
    return None


def looks_amharic(words: tuple[str, ...]) -> bool:
    if _has_any(words, _TIGRINYA_LETTERS):
        return False
    stripped = [word.strip("።፣፤፥፧?!") for word in words]
    if _ethiopic_marker(stripped) == "am":
        return True
    return any(w in _AMHARIC_WORDS or w.endswith(_AMHARIC_ENDINGS) for w in stripped)


def has_foreign_letters(
    script: _Script, words: tuple[str, ...], offered: tuple[str, ...] | None = None
) -> bool:
    """Letters of a language the bot does not offer: such a text is never sure."""
    offered = offered_codes() if offered is None else offered
    foreign = _FOREIGN_LETTERS.get(script)
    if foreign is None:
        return False
    for code, letters in _OWN_LETTERS.items():
        if code in offered:
            foreign = foreign - letters
    if any(word.casefold() in _DECOY_WORDS for word in words):
        return True
    bulgarian = "bg" in offered
    if script is _Script.CYRILLIC and not bulgarian and _is_bulgarian(words):
        return True
    return _has_any((word.lower() for word in words), foreign)


def lingua_input(
    script: _Script, words: tuple[str, ...], offered: tuple[str, ...] | None = None
) -> tuple[str, bool]:
    """The text to give lingua, and whether lingua's answer may be trusted. Bulgarian
    writes щ too: once it is among `offered`, words with щ go to lingua as they are
    (and domain.langid keeps such a text from being sure Russian)."""
    offered = offered_codes() if offered is None else offered
    if has_foreign_letters(script, words, offered):
        return " ".join(words), False
    if script is _Script.LATIN:
        return _DIAERESIS_AFTER_VOWEL.sub(lambda m: _strip_marks(m.group()), " ".join(words)), True
    if script is _Script.ARABIC:
        return " ".join(words).translate(_HAMZA_ALEF), True
    if script is _Script.CYRILLIC and "bg" not in offered:
        plain = tuple(word for word in words if "щ" not in word.lower())
        if plain:
            return " ".join(plain), True
        # Only words with щ: spell it the Ukrainian way for a guess, unsure.
        return " ".join(words).replace("щ", "шч").replace("Щ", "Шч"), False
    return " ".join(words), True


def _strip_marks(char: str) -> str:
    return unicodedata.normalize("NFD", char)[0]


# --- marker words: lexicons nobody tuned on the bench data ---------------------------
#
# Two word lists per registered language, from sources written for other purposes than
# this project's bench data:
# - calendar words, as CLDR (Babel's locale data) spells them: day and month names,
#   "yesterday", "today", "tomorrow", "now", the parts of the day ("morning", "soir")
#   and the language's own name;
# - the language's frequent words: the FREQUENT_WORDS most frequent words of the bot's
#   own catalog for it (locales/*/LC_MESSAGES/messages.po; English: the template).
# Either kind counts only when no other registered language's catalog uses the word
# anywhere and no other of CLDR's 300-odd languages has it among its calendar words:
# "lunes" (Asturian, Filipino too), "sobota" (Czech, Slovak...), "завтра" (Ukrainian and
# Russian), "hier" (French "yesterday", in the Dutch catalog as "here") are nobody's
# marker. A word claimed by two languages is dropped, so adding a language can only
# remove markers. A marker alone never decides: lingua's top answer must be the same
# language (domain.langid), because a word can be everyday vocabulary of a language
# without a catalog here (German, Catalan, Afrikaans) or one whose catalog happens not
# to use it ("juntos": only the Spanish catalog has it; Portuguese says it too).
# Generated into domain/data/langid-markers.json by `python -m domain.scripts`;
# tests/unit/test_langid_languages.py checks it is current.

_MARKERS_FILE = "langid-markers.json"
# How many of a catalog's most frequent words are looked at (chosen before measuring,
# never tuned: about the size of a language's list of function words).
FREQUENT_WORDS = 200
# Short vowels and tanween: CLDR writes "غدًا", people type "غدا".
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670]")
# Placeholders and markup in catalog messages are not words of the language.
_MESSAGE_CODE = re.compile(r"\{[^}]*\}|%\(\w+\)[sd]|<[^>]*>|&\w+;")


def marker_form(word: str) -> str:
    """How a word is compared with the lexicons: NFC, case-folded, one kind of
    apostrophe, without Arabic short-vowel marks or trailing punctuation."""
    word = unicodedata.normalize("NFC", word).casefold().replace("\u2019", "'")
    return _ARABIC_MARKS.sub("", word).strip(".!?,;:؟،")


# Amharic and Tigrinya count the months of the Ethiopian calendar (CLDR's "ethiopic"
# calendar, which Babel does not ship; Amharic's Gregorian months are loans, "ጃንዋሪ"), and
# several are written alike in both (መስከረም, መጋቢት, ሚያዝያ, ግንቦት; ሕዳር, a common Amharic
# spelling of ኅዳር; Tigrinya's CLDR writes "ጉንበት" for ግንቦት): without them, those would
# pass for one language's marker words.
_EXTRA_CALENDAR_WORDS: dict[str, tuple[str, ...]] = {
    "am": tuple("መስከረም ጥቅምት ኅዳር ሕዳር ታኅሣሥ ጥር የካቲት መጋቢት ሚያዝያ ግንቦት ሰኔ ሐምሌ ነሐሴ ጳጉሜን".split()),
    "ti": ("ግንቦት",),
}


def _calendar_words(locale_id: str) -> set[str]:
    from babel import Locale

    locale = Locale.parse(locale_id)
    found: set[str] = set()
    names: list[str] = [locale.languages.get(locale.language, "")]
    names += _EXTRA_CALENDAR_WORDS.get(str(locale), ())
    for context in ("format", "stand-alone"):
        names += locale.days[context]["wide"].values()
        names += locale.months[context]["wide"].values()
        periods = locale.day_periods[context]["wide"]
        names += (name for key, name in periods.items() if key not in ("am", "pm"))
    fields = locale._data["date_fields"]
    for field, keys in (("day", (-1, 0, 1)), ("day-short", (-1, 0, 1)), ("second", (0,))):
        relative = fields.get(field, {}).get("relative", {})
        names += (relative[key] for key in keys if key in relative)  # "now": second 0
    for name in names:
        form = marker_form(name)
        if form and not any(ch.isspace() for ch in form):
            found.add(form)
    return found


def _catalog_words(code: str) -> Counter[str]:
    """How often each word occurs in the bot's catalog for `code` (English: msgids)."""
    from babel.messages.pofile import read_po

    from domain.languages import locales_dir

    english = code == "en"
    path = locales_dir() / ("messages.pot" if english else f"{code}/LC_MESSAGES/messages.po")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    counts: Counter[str] = Counter()
    for message in catalog:
        if not message.id:
            continue
        texts = message.id if english else message.string
        for text in (texts,) if isinstance(texts, str) else texts or ():  # plural: a tuple
            for match in _WORD.finditer(_MESSAGE_CODE.sub(" ", text or "")):
                form = marker_form(match.group())
                if len(form) > 1:
                    counts[form] += 1
    return counts


def build_markers() -> dict[str, str]:
    """word -> registered language (see the comment above): calendar words no other CLDR
    language has, and frequent catalog words no other registered language uses."""
    from babel import Locale, localedata

    calendar: dict[str, set[str]] = {}
    for locale_id in localedata.locale_identifiers():
        if "_" not in locale_id and locale_id != "root":
            calendar.setdefault(locale_id, set()).update(_calendar_words(locale_id))
    # A regional variant (Dari, fa_AF) is its parent's language (fa) here, and detection
    # answers the parent: domain.langid turns it into the variant for a variant's client.
    parent = {lang.code: lang.fallback or lang.code for lang in registry()}
    base = {code: Locale.parse(code).language for code in parent.values()}
    catalogs: dict[str, Counter[str]] = {}
    for lang in registry():
        calendar.setdefault(base[parent[lang.code]], set()).update(_calendar_words(lang.code))
        catalogs.setdefault(parent[lang.code], Counter()).update(_catalog_words(lang.code))
    in_calendars = Counter(word for words in calendar.values() for word in words)
    in_catalogs = Counter(word for words in catalogs.values() for word in words)
    claims: dict[str, set[str]] = {}
    for code, words in catalogs.items():
        own_calendar = calendar.get(base[code], set())
        frequent = {word for word, _ in words.most_common(FREQUENT_WORDS)}
        for word in own_calendar | frequent:
            # Nobody else's: in no other registered catalog, no other CLDR calendar.
            in_others = in_catalogs[word] - (word in words)
            in_others += in_calendars[word] - (word in own_calendar)
            if in_others == 0:
                claims.setdefault(word, set()).add(code)
    return {word: codes.pop() for word, codes in sorted(claims.items()) if len(codes) == 1}


@cache
def marker_words() -> dict[str, str]:
    """The generated lexicon (see build_markers), read once."""
    text = resources.files("domain.data").joinpath(_MARKERS_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text)["markers"])


def marker_language(words: Iterable[str], languages: tuple[str, ...]) -> str | None:
    """The one language of `languages` whose marker words the text has, or None (none,
    or words of two languages)."""
    markers = marker_words()
    found = {markers.get(marker_form(word)) for word in words} - {None}
    if len(found) != 1:
        return None
    (code,) = found
    return code if code in languages else None


def markers_file() -> str:
    """The text of domain/data/langid-markers.json as build_markers makes it now."""
    body = {
        "about": "generated by `python -m domain.scripts` (see domain/scripts.py, marker"
        " words): CLDR calendar words and frequent catalog words of one registered language",
        "frequent_words": FREQUENT_WORDS,
        "markers": build_markers(),
        **dict(zip(("alphabets", "characteristic", "own_words"), build_alphabets(), strict=True)),
    }
    return json.dumps(body, ensure_ascii=False, indent=0) + "\n"


# --- alphabets: the letters each registered language writes ----------------------------
#
# lingua has no model for Pashto, Kurmanji or Lingala (nor for Dari apart from Persian):
# its confidence among the languages it reads says nothing about them. "باران" is Persian
# at 0.95 to lingua, though Pashto writes it the same; "pirtûk" (Kurmanji, book) is French
# at 1.0 because, of the languages lingua reads, only French writes û. So detection asks
# first which letters decide, and which words a language lingua cannot see could have
# written, from each language's alphabet: every letter of its script in its catalog
# (locales/CODE/LC_MESSAGES/messages.po) and in its CLDR calendar words. Its
# characteristic letters are the letters beyond a-z that make up at least
# CHARACTERISTIC_SHARE of the letters of its own catalog words (the words no other
# registered catalog has, so that loans spelt as in the French catalog do not count) that
# fit its syllables (_SYLLABLES: Lingala's are open, so "événement" and "privé", French
# words the French catalog happens to spell otherwise, do not count either). Kurmanji's
# come out as ê î û ş ç; Lingala has none (é makes up 0.3 in a thousand letters of its
# own words that fit), so a French single word with é ("vélo") is lingua's to weigh.
# Generated into domain/data/langid-markers.json with the markers.

CHARACTERISTIC_SHARE = 1 / 1000  # chosen before measuring: one letter in a thousand


def _is_letter(char: str) -> bool:
    return unicodedata.category(char) in ("Lu", "Ll", "Lo")  # not the tatweel (Lm)


def _alphabet(code: str, catalog: Counter[str]) -> str:
    """Every letter of `code`'s script in its catalog words and its CLDR calendar words."""
    from domain.languages import language

    entry = language(code)
    assert entry is not None
    script = _Script(entry.script)
    words = set(catalog) | _calendar_words(code)
    return "".join(
        sorted({ch for word in words for ch in word if _is_letter(ch) and _script_of(ch) is script})
    )


def _characteristic(code: str, catalogs: dict[str, Counter[str]]) -> str:
    """Letters beyond a-z that make up CHARACTERISTIC_SHARE of the letters of `code`'s own
    catalog words that fit its syllables (Latin-script languages only): "événement",
    "privé" in the Lingala catalog are French words, not Lingala ones."""
    from domain.languages import language

    entry = language(code)
    if entry is None or entry.script != _Script.LATIN.value:
        return ""
    others = {word for other, words in catalogs.items() if other != code for word in words}
    counts: Counter[str] = Counter()
    for word, times in catalogs[code].items():
        if word not in others and _fits_syllables(code, word):
            for ch in word:
                if _is_letter(ch) and _script_of(ch) is _Script.LATIN:
                    counts[ch] += times
    total = sum(counts.values()) or 1
    return "".join(
        sorted(ch for ch, n in counts.items() if ch > "z" and n / total >= CHARACTERISTIC_SHARE)
    )


def build_alphabets() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Each registered language's alphabet and characteristic letters (see above), and
    the lexicon words a language lingua cannot see could have written (see own_word)."""
    catalogs = {lang.code: _catalog_words(lang.code) for lang in registry()}
    alphabets = {code: _alphabet(code, words) for code, words in catalogs.items()}
    characteristic = {code: _characteristic(code, catalogs) for code in catalogs}
    characteristic = {code: letters for code, letters in characteristic.items() if letters}
    return alphabets, characteristic, _own_words(catalogs, alphabets, characteristic)


def _own_words(
    catalogs: dict[str, Counter[str]], alphabets: dict[str, str], characteristic: dict[str, str]
) -> dict[str, str]:
    """word -> language: the words of one registered language's lexicon (its catalog words
    and CLDR calendar words; a variant's count as its parent's) that no other registered
    language's lexicon has, kept only when it is a language lingua reads and a language
    lingua cannot see writes all their letters (unseen_could_write by the letters alone):
    the words domain.langid asks about."""
    lexicons: dict[str, set[str]] = {}
    for lang in registry():
        words = set(catalogs[lang.code]) | _calendar_words(lang.code)
        lexicons.setdefault(_parent(lang.code), set()).update(words)
    owners: dict[str, set[str]] = {}
    for code, words in lexicons.items():
        for word in words:
            owners.setdefault(word, set()).add(code)
    known = tuple(lang.code for lang in registry())
    # Only a language lingua reads can be lingua's top answer, which the word must confirm.
    seen = {lang.code for lang in registry() if lang.lingua}
    stored = (
        {code: frozenset(letters) for code, letters in alphabets.items()},
        {code: frozenset(letters) for code, letters in characteristic.items()},
    )
    found = {}
    for word, codes in sorted(owners.items()):
        script = _script_of(word[0])
        if len(codes) == 1 and codes <= seen and _could_write(script, word, known, *stored, False):
            found[word] = codes.pop()
    return found


@cache
def own_words() -> dict[str, str]:
    """The generated lexicon of one language's own words (see _own_words), read once."""
    text = resources.files("domain.data").joinpath(_MARKERS_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text)["own_words"])


def own_word_language(word: str, languages: tuple[str, ...]) -> str | None:
    """The language of `languages` whose lexicon alone has `word` (see _own_words)."""
    code = own_words().get(marker_form(word))
    return code if code in languages else None


@cache
def _stored_alphabets() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    text = resources.files("domain.data").joinpath(_MARKERS_FILE).read_text(encoding="utf-8")
    body = json.loads(text)
    return (
        {code: frozenset(letters) for code, letters in body["alphabets"].items()},
        {code: frozenset(letters) for code, letters in body["characteristic"].items()},
    )


def _parent(code: str) -> str:
    """A regional variant's parent (Dari: Persian): one alphabet, one lingua model."""
    from domain.languages import language

    entry = language(code)
    return entry.fallback if entry is not None and entry.fallback else code


# Letters spoken varieties write that the catalog (Modern Standard Arabic) does not:
# Iraqi and Gulf Arabic گ چ پ, Maghrebi ڤ ڨ. They must not decide against Arabic.
_VARIETY_LETTERS: dict[str, frozenset[str]] = {"ar": frozenset("گچپڤڨ")}


@cache
def decisive_letters(script: _Script, known: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Letters only one of the `known` languages of `script` writes, by language (a
    variant counts as its parent: Dari as Persian). Languages without an alphabet (the
    lingua decoys) take no letter from the others: German is kept apart by lingua."""
    alphabets, _ = _stored_alphabets()
    groups: dict[str, set[str]] = {}
    for lang in registry():
        if lang.code in known and lang.script == script.value and lang.code in alphabets:
            groups.setdefault(_parent(lang.code), set()).update(alphabets[lang.code])
    for code, spoken in _VARIETY_LETTERS.items():
        if code in groups:
            groups[code] |= spoken
    found = {}
    for code, letters in groups.items():
        others = set().union(*(other for name, other in groups.items() if name != code))
        found[code] = frozenset(letters - others)
    return {code: letters for code, letters in found.items() if letters}


@cache
def unseen_languages(script: _Script, known: tuple[str, ...]) -> tuple[str, ...]:
    """The `known` languages of `script` lingua has no model for, directly or through a
    parent (Pashto, Kurmanji, Lingala; not Dari: lingua reads it as Persian)."""
    from domain.languages import language

    found = []
    for lang in registry():
        if lang.code in known and lang.script == script.value and not lang.lingua:
            parent = language(lang.fallback) if lang.fallback else None
            if parent is None or not parent.lingua:
                found.append(lang.code)
    return tuple(found)


# Lingala, like the other Bantu languages, has open syllables: every word ends in a vowel,
# and consonants only cluster as a nasal before a consonant (mb, nd, ng, nz) or a consonant
# before a glide (mw, ny, kwa). 98 % of the Lingala catalog's own words (the ones the
# French and English catalogs do not have) fit; what does not is French ("événement",
# "privé") or an abbreviation ("svp"), as "génial" or "préféré" would be.
_LINGALA_VOWELS = "aeiouáàâéèêíìîóòôúùûɛɔ"
_SYLLABLES: dict[str, re.Pattern[str]] = {
    "ln": re.compile(rf"(?:[mn]?[bcdfghjklmnpqrstvxz]?[wy]?[{_LINGALA_VOWELS}]+)+"),
}


# Pashto writes ي (Arabic yeh) for its stressed -i ending only, once or doubled ("کالي",
# "وايي"); inside a word it writes ی, as Persian does everywhere: its catalog has ي 778
# times, never before another letter but a final ي. Arabic writes ي anywhere ("جميل"):
# an Arabic word with ي inside is not one Pashto could have written.
_WORD_FINAL_LETTERS: dict[str, str] = {"ps": "ي"}


def unseen_could_write(script: _Script, word: str, known: tuple[str, ...]) -> str | None:
    """A language lingua cannot see that could have written `word`, or None.

    Arabic script: every letter of the word is in its alphabet (Pashto writes nearly all
    of Persian's and Arabic's letters, and shares much of their vocabulary), and where it
    writes it (Pashto's ي only at the end, see _WORD_FINAL_LETTERS). Latin script: the
    same, and the word has one of its characteristic letters, the letters lingua would
    otherwise count for the languages it reads ("pirtûk": û; French writes it too), and
    fits its syllables (Lingala's are open, see _SYLLABLES). A word of plain a-z is left
    to lingua: it is weighed on its letter sequences there."""
    return _could_write(script, word, known, *_stored_alphabets())


def _could_write(
    script: _Script,
    word: str,
    known: tuple[str, ...],
    alphabets: dict[str, frozenset[str]],
    characteristic: dict[str, frozenset[str]],
    by_shape: bool = True,
) -> str | None:
    """See unseen_could_write; `by_shape` False: by the letters alone, not where they are
    nor the syllables (own words keep their lexicon's evidence whatever the shape)."""
    folded = word.casefold()
    letters = {ch for ch in folded if _is_letter(ch)}
    for code in unseen_languages(script, known):
        alphabet = alphabets.get(code, frozenset())
        if not letters or not letters <= alphabet:
            continue
        if script is _Script.LATIN and not letters & characteristic.get(code, frozenset()):
            continue
        if by_shape and (not _fits_syllables(code, folded) or _final_letter_inside(code, folded)):
            continue
        return code
    return None


def _fits_syllables(code: str, word: str) -> bool:
    """Whether every part of `word` fits `code`'s syllables (true for a language without
    a rule in _SYLLABLES)."""
    syllables = _SYLLABLES.get(code)
    return syllables is None or all(
        syllables.fullmatch(part) for part in re.split(r"[^\w]+", word) if part
    )


def _final_letter_inside(code: str, word: str) -> bool:
    """Whether `word` has one of the letters `code` writes only at the end of a word
    (_WORD_FINAL_LETTERS) anywhere else."""
    return any(ch in word.rstrip(ch) for ch in _WORD_FINAL_LETTERS.get(code, ""))


if __name__ == "__main__":
    with resources.as_file(resources.files("domain.data").joinpath(_MARKERS_FILE)) as target:
        target.write_text(markers_file(), encoding="utf-8")
