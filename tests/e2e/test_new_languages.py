"""Issue 15's languages through the real stack (the bot over HTTP against the emulator, a
real database): a Somali newcomer without a phone language onboards in Somali from the
picker of all 22, a Pashto speaker who types Pashto is offered Pashto, an Amharic phone
gets Amharic and a Dari phone gets Dari; female, male and unstated newcomers in Arabic
read the introduction, the meetup proposal and the reminder in the forms that fit."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from domain.detection import ANSWER_SECONDS
from domain.langid import SUPPORTED_LANGUAGES
from domain.languages import locales_dir
from emulator import BotMessage, Emulator
from tests.conftest import RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, say, script_share, tap
from tests.e2e.test_coordination import coordinator
from tests.e2e.test_meetups import deliver, plan


@cache
def _catalog(code: str) -> Catalog:
    with (locales_dir() / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def translated(code: str, msgid: str) -> str:
    """The catalog's translation, to compare with what the person was shown."""
    message = _catalog(code).get(msgid)
    assert message is not None and message.string, (code, msgid)
    return str(message.string)


def labels(message: BotMessage) -> list[str]:
    return [b["text"] for row in message.inline_keyboard or [] for b in row]


async def test_a_somali_newcomer_without_a_phone_language_onboards_in_somali(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    hodan = emulator.user(1951, "Hodan", None)
    await hodan.command("start")
    picker = await hodan.wait_for(lambda m: bool(m.inline_keyboard))
    offered = [d.split(":")[1] for d in buttons_data(picker) if d.startswith("lang:")]
    assert len(offered) == 22 and set(offered) == set(SUPPORTED_LANGUAGES)
    assert {"Soomaali", "پښتو", "አማርኛ", "دری", "Shqip", "Български"} <= set(labels(picker))
    # Telegram's limits: at most 8 buttons a row, 100 in all; callback data under 64 bytes.
    assert all(len(row) <= 8 for row in picker.inline_keyboard or [])
    assert all(len(d.encode()) <= 64 for d in buttons_data(picker))

    consent = await tap(hodan, "lang:so:onb")
    assert "✅ " + translated("so", "I agree") in labels(consent)
    assert translated("so", "Not now") in labels(consent)

    home = await onboard(hodan, language="so", name="Hodan", languages=("so", "en"))
    assert "menu:profile" in buttons_data(home)
    stored = await person(settings.database_url, 1951)
    assert stored is not None
    assert (stored.contact_language, stored.status) == ("so", "waiting")
    assert sorted(stored.languages) == ["en", "so"]
    # The menu speaks Somali: its buttons are the Somali catalog's.
    menu_texts = " ".join(labels(home))
    assert translated("so", "My profile") in menu_texts, menu_texts


async def test_a_pashto_speaker_typing_pashto_is_offered_pashto(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    gul = emulator.user(1952, "Gul", None)
    await gul.command("start")
    picker = await gul.wait_for(lambda m: bool(m.inline_keyboard))
    assert "lang:ps:onb" in buttons_data(picker)
    # Pashto's own letters (ښ ړ ګ ې): not Persian, not Arabic. The first words wait for the
    # detector's models, started at /start.
    answer = await say(gul, "سلام، زه په بروکسل کې اوسېږم", timeout=ANSWER_SECONDS)
    assert "lang:ps:onb" in buttons_data(answer)
    assert "✅ پښتو" in labels(answer)
    assert script_share(answer.text or "", "ARABIC") > 0.5, answer.text
    consent = await tap(gul, "lang:ps:onb")
    assert "✅ " + translated("ps", "I agree") in labels(consent)
    await tap(gul, "consent:yes")
    stored = await person(settings.database_url, 1952)
    assert stored is not None and stored.contact_language == "ps"


async def test_an_amharic_phone_gets_amharic(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    abebe = emulator.user(1953, "Abebe", "am")
    await abebe.command("start")
    first = await abebe.wait_for(lambda m: bool(m.inline_keyboard))
    assert "lang:am:onb" in buttons_data(first) and "lang:ti:onb" not in buttons_data(first)
    assert "✅ አማርኛ" in labels(first)
    assert script_share(first.text or "", "ETHIOPIC") > 0.5, first.text
    consent = await tap(abebe, "lang:am:onb")
    assert script_share(consent.text or "", "ETHIOPIC") > 0.5, consent.text
    await tap(abebe, "consent:yes")
    stored = await person(settings.database_url, 1953)
    assert stored is not None and stored.contact_language == "am"


async def test_a_dari_phone_gets_dari(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    # Telegram sends the app's interface language as an IETF tag: "fa-AF" for Persian of
    # Afghanistan, or the ISO 639-3 "prs" from a custom language pack; both mean Dari.
    for telegram_id, tag in ((1954, "fa-AF"), (1955, "prs")):
        zahra = emulator.user(telegram_id, "Zahra", tag)
        await zahra.command("start")
        first = await zahra.wait_for(lambda m: bool(m.inline_keyboard))
        assert "lang:fa_AF:onb" in buttons_data(first), tag
        assert "lang:fa:onb" not in buttons_data(first), tag
        assert "✅ دری" in labels(first)
        await tap(zahra, "lang:fa_AF:onb")
        await tap(zahra, "consent:yes")
        stored = await person(settings.database_url, telegram_id)
        assert stored is not None and stored.contact_language == "fa_AF"
    # An Iranian phone still gets Persian.
    sara = emulator.user(1956, "Sara", "fa-IR")
    await sara.command("start")
    first = await sara.wait_for(lambda m: bool(m.inline_keyboard))
    assert "lang:fa:onb" in buttons_data(first) and "✅ فارسی" in labels(first)


# --- Arabic: the right grammatical gender -------------------------------------------------
#
# Written by the reviewer from Arabic grammar, not copied from the catalog: a verb before
# a woman's name takes the feminine prefix (تـ) or suffix (ـت), "your" to a woman is كِ
# and to a man كَ, "buddy" is رفيقة for a woman. Someone who did not state a gender gets
# wording without a gendered verb or pronoun form ("a proposal from", "your meeting").
FSI, PDI = "\u2068", "\u2069"  # the name isolated inside right-to-left text

INTRODUCTION = {  # the newcomer reads it; it speaks about the buddy
    "man": "🤝 خبر سار! سيكون {name} رفيقك.",
    "woman": "🤝 خبر سار! ستكون {name} رفيقتك.",
    "unsaid": "🤝 خبر سار! ستكون رفقتك مع {name}.",
}
PROPOSAL = {  # the buddy proposes the introduction meeting
    "man": "يقترح {name} موعدًا للقاء التعارف:",
    "woman": "تقترح {name} موعدًا للقاء التعارف:",
    "unsaid": "اقتراح موعد للقاء التعارف من {name}:",
}
REMINDER = {  # the day before; it speaks to the newcomer
    "woman": "⏰ غدًا موعد لقائكِ مع {name}:",
    "man": "⏰ غدًا موعد لقائكَ مع {name}:",
    "unsaid": "⏰ غدًا موعد لقائك مع {name}:",
}
# Each newcomer (name, gender) with a buddy of another gender, so that every form of
# every message is seen once.
ARABIC_PAIRS = (
    ((1961, "Amal", "woman"), (1971, "Bram", "man")),
    ((1962, "Karim", "man"), (1972, "Sofie", "woman")),
    ((1963, "Sami", "unsaid"), (1973, "Alex", "unsaid")),
)


async def test_arabic_newcomers_see_the_forms_of_their_gender_and_their_buddys(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    newcomers, buddies = {}, {}
    for (n_id, n_name, n_gender), (b_id, b_name, b_gender) in ARABIC_PAIRS:
        newcomers[n_id] = emulator.user(n_id, n_name, "ar")
        await onboard(newcomers[n_id], language="ar", name=n_name, gender=n_gender)
        buddies[b_id] = emulator.user(b_id, b_name, "nl")
        await onboard(
            buddies[b_id],
            language="nl",
            role=None,
            name=b_name,
            languages=("nl", "ar"),
            gender=b_gender,
            start_args="bd-flyer",
        )
    # The coordinator introduces each pair.
    for (n_id, _n, _g), (b_id, _b, _bg) in ARABIC_PAIRS:
        newcomer, buddy = (
            await person(settings.database_url, n_id),
            await person(settings.database_url, b_id),
        )
        assert newcomer is not None and buddy is not None
        coord = await coordinator(emulator)
        await tap(coord, "co:wl:0:0")
        await tap(coord, f"co:nc:{newcomer.id}:0")
        await tap(coord, f"co:sg:{newcomer.id}:0")
        await tap(coord, f"co:mt:{newcomer.id}:{buddy.id}")
    await deliver(running_bot)
    for (n_id, _n, _g), (_b_id, b_name, b_gender) in ARABIC_PAIRS:
        expected = INTRODUCTION[b_gender].format(name=FSI + b_name + PDI)
        intro = await newcomers[n_id].wait_for(lambda m, b=b_name: b in (m.text or ""))
        assert (intro.text or "").split("\n")[0] == expected, (b_gender, intro.text)

    # Each buddy proposes the introduction meeting; the newcomer accepts.
    for (n_id, _n, _g), (b_id, b_name, b_gender) in ARABIC_PAIRS:
        await buddies[b_id].command("meetup")
        await buddies[b_id].wait_for(lambda m: bool(m.inline_keyboard))
        await plan(buddies[b_id], "2026-03-07", "14:00", 120, "Muntpunt", 1)
        proposal = await newcomers[n_id].wait_for(
            lambda m: "meet:accept:" in " ".join(buttons_data(m)), timeout=10
        )
        expected = PROPOSAL[b_gender].format(name=FSI + b_name + PDI)
        assert (proposal.text or "").split("\n")[0] == expected, (b_gender, proposal.text)
        accept = next(d for d in buttons_data(proposal) if d.startswith("meet:accept:"))
        await tap(newcomers[n_id], accept)

    # The day before (14:00 in Brussels is 13:00 UTC), the reminders.
    clock.set(datetime(2026, 3, 6, 13, 0, tzinfo=UTC))
    await deliver(running_bot)
    for (n_id, _n, n_gender), (_b_id, b_name, _bg) in ARABIC_PAIRS:
        reminder = await newcomers[n_id].wait_for(lambda m: "⏰" in (m.text or ""), timeout=10)
        expected = REMINDER[n_gender].format(name=FSI + b_name + PDI)
        assert (reminder.text or "").split("\n")[0] == expected, (n_gender, reminder.text)
