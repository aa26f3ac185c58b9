"""Broadcasts end to end: a coordinator picks a segment, writes Dutch and other versions,
previews and sends; every recipient gets exactly one message in their language; the
report matches what the emulator saw; limits, 429s and blocked people are handled."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from emulator import BotMessage, Emulator, RateLimit, SimulatedUser
from emulator.formatting import parse_html
from handlers.broadcast_buttons import BcCb
from handlers.broadcast_texts import fallback_note
from handlers.event_buttons import EvCb
from storage.db import create_engine
from storage.models import Broadcast, Outbox, Programme, User
from tests.conftest import COORDINATOR_ID, START, RunningBot
from tests.e2e.helpers import buttons_data, say, scalar, tap

DUTCH = '<b>Hallo</b> allemaal! Kom naar ons <a href="https://example.org/feest">lentefeest</a>.'
VERSIONS = {
    "fr": '<b>Bonjour</b> à tous ! Venez à notre <a href="https://example.org/feest">fête</a>.',
    "ar": '<b>مرحبا</b> بالجميع! تعالوا إلى <a href="https://example.org/feest">الحفل</a>.',
}
LANGUAGES = ("nl", "fr", "ar", "uk", "en", "tr")
FIRST_ID = 80_000


def bc(action: str, kind: str = "", value: str = "") -> str:
    return BcCb(action=action, kind=kind, value=value).pack()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Faster than Telegram's 30 a second, so 300 recipients take seconds."""
    return settings.model_copy(update={"send_rate": 150.0})


async def seed_members(
    database_url: str,
    emulator: Emulator,
    count: int,
    *,
    first_id: int = FIRST_ID,
    languages: Sequence[str] = LANGUAGES,
    unreachable: int = 0,
    quiet_hours: bool = True,
) -> list[int]:
    """People who finished onboarding, written straight to the database (onboarding has
    its own tests); the last `unreachable` of them blocked the bot earlier."""
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    ids = []
    async with sessions() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        language_cycle = itertools.cycle(languages)
        people = []
        for index in range(count):
            telegram_id = first_id + index
            language = next(language_cycle)
            emulator.user(telegram_id, f"P{index}", language)
            people.append(
                User(
                    telegram_id=telegram_id,
                    programme_id=programme.id,
                    role="buddy" if index % 3 == 0 else "newcomer",
                    status="waiting",
                    contact_language=language,
                    first_name=f"P{index}",
                    municipality="21015" if index % 2 else "21004",
                    languages=[language],
                    interests=["sport"],
                    availability=["weekend"],
                    consent_at=START,
                    profile_done_at=START,
                    waiting_since=START - timedelta(days=1),
                    reachable=index < count - unreachable,
                    quiet_from=21 if quiet_hours else 0,
                    quiet_until=8 if quiet_hours else 0,
                )
            )
            ids.append(telegram_id)
        session.add_all(people)
        await session.commit()
    await engine.dispose()
    return ids


async def coordinator(emulator: Emulator) -> SimulatedUser:
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    return coord


async def type_formatted(user: SimulatedUser, html: str) -> BotMessage:
    """Type the text of `html` in the Telegram app with its formatting (bold, links...):
    the bot gets plain text and entities, never the tags."""
    text, entities = parse_html(html)
    await user.send(text, entities=entities)
    return await user.wait_for(lambda _m: True)


async def write_broadcast(
    coord: SimulatedUser, segment: tuple[str, str], versions: dict[str, str]
) -> None:
    """Through the flow up to the preview, with `versions` by language (nl first)."""
    await coord.command("broadcast")
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    await tap(coord, bc("seg", *segment))
    await coord.wait_for(lambda m: bc("cancel") in buttons_data(m) and "Dutch" in (m.text or ""))
    await type_formatted(coord, versions["nl"])
    for language, text in versions.items():
        if language == "nl":
            continue
        await coord.wait_for(lambda m: bc("preview") in buttons_data(m), include_earlier=True)
        await tap(coord, bc("lang", value=language))
        await type_formatted(coord, text)
    await coord.wait_for(lambda m: bc("preview") in buttons_data(m), include_earlier=True)
    await tap(coord, bc("preview"))
    await coord.wait_for(lambda m: bc("send") in buttons_data(m))


async def send_and_wait_for_report(coord: SimulatedUser, timeout: float = 30) -> str:
    preview = coord.last
    await tap(coord, bc("send"))
    report = await coord.wait_for(
        lambda m: m.message_id == preview.message_id and "Delivery report" in (m.text or ""),
        timeout=timeout,
    )
    return report.text or ""


def note_in(app_i18n, locale: str) -> str:  # type: ignore[no-untyped-def]
    with app_i18n.context(), app_i18n.use_locale(locale):
        return fallback_note()


@pytest.mark.long
async def test_mixed_language_broadcast_to_300_people(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    ids = await seed_members(settings.database_url, emulator, 300)
    coord = await coordinator(emulator)
    await write_broadcast(coord, ("all", ""), {"nl": DUTCH, **VERSIONS})
    preview = coord.last.text or ""
    assert "Recipients: 300" in preview
    assert "Français 50: their own version" in preview
    assert "Українська 50: the Dutch text with a note" in preview
    report = await send_and_wait_for_report(coord)

    assert running_bot.app is not None
    i18n = running_bot.app.i18n
    users = {user.id: user for user in emulator.users}
    for index, telegram_id in enumerate(ids):
        user = users[telegram_id]
        assert len(user.messages) == 1, (telegram_id, [m.text for m in user.messages])
        message = user.messages[0]
        language = LANGUAGES[index % len(LANGUAGES)]
        html = message.html or ""
        if language in VERSIONS:
            assert html == VERSIONS[language]
        elif language == "nl":
            assert html == DUTCH
        else:
            assert html == note_in(i18n, language) + "\n\n" + DUTCH, (telegram_id, language)
        # The formatting survived: bold and a link, as entities.
        kinds = {entity["type"] for entity in message.entities}
        assert {"bold", "text_link"} <= kinds
    # The report matches the emulator's log of delivered messages.
    recipients = set(ids)
    delivered = [
        r
        for r in emulator.requests_for("sendMessage")
        if r.ok and r.params.get("chat_id") in recipients
    ]
    assert len(delivered) == 300
    assert "Sent: 300" in report and "Failed: 0" in report
    assert "Blocked the bot while sending: 0" in report
    broadcast_id = await scalar(settings.database_url, select(Broadcast.id))
    assert await scalar(settings.database_url, select(Broadcast.status)) == "done"
    assert await scalar(settings.database_url, select(Broadcast.total)) == 300
    texts = await scalar(settings.database_url, select(Broadcast.texts))
    assert sorted(texts) == ["ar", "fr", "nl"]
    # /broadcasts lists it with its report.
    await coord.command("broadcasts")
    listing = await coord.wait_for(lambda m: "Broadcasts" in (m.text or ""))
    assert f"#{broadcast_id}" in (listing.text or "") and "Sent: 300" in (listing.text or "")


@pytest.mark.long
async def test_rate_limit_429s_and_blocked_people(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    ids = await seed_members(settings.database_url, emulator, 200, unreachable=4)
    blocked = ids[5:195:19]  # 10 people, 5%, blocked the bot since
    for telegram_id in blocked:
        emulator.block(telegram_id, notify=False)
    coord = await coordinator(emulator)
    await write_broadcast(coord, ("all", ""), {"nl": DUTCH})
    assert "Skipped (had blocked the bot before): 4" in (coord.last.text or "")
    # Telegram's limits (scaled to the bot's setting) from now on, and two 429s.
    emulator.rate_limit = RateLimit(
        global_per_second=int(settings.send_rate), per_chat_per_second=1
    )
    await asyncio.sleep(1.0)  # the preview just arrived: let the chat's window pass
    emulator.too_many_next(retry_after=1, count=2, method="sendMessage")
    report = await send_and_wait_for_report(coord, timeout=40)

    users = {user.id: user for user in emulator.users}
    reachable = [i for i in ids[:196] if i not in blocked]
    for telegram_id in reachable:
        assert len(users[telegram_id].messages) == 1, telegram_id
    for telegram_id in [*blocked, *ids[196:]]:
        assert users[telegram_id].messages == []
    assert "Sent: 186" in report and "Blocked the bot while sending: 10" in report
    assert "Skipped (had blocked the bot before): 4" in report
    statuses = [r.status for r in emulator.requests_for("sendMessage")]
    assert statuses.count(429) == 2  # only the injected ones: the bot kept to the limits
    assert emulator.stats.throttled == 0, [
        (r.method, r.params.get("chat_id"), r.time) for r in emulator.requests if r.status == 429
    ]
    assert max(emulator.stats.max_per_second_by_chat.get(i, 0) for i in ids) <= 1
    assert emulator.stats.max_per_second_overall <= settings.send_rate
    unreachable = await scalar(
        settings.database_url,
        select(func.count()).select_from(User).where(User.reachable.is_(False)),
    )
    assert unreachable == 14
    # A later broadcast leaves all 14 out, and says so.
    await coord.command("broadcast")
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    summary = await tap(coord, bc("seg", "all"))
    assert "Recipients: 186" in (summary.text or "")
    assert "Skipped (had blocked the bot before): 14" in (summary.text or "")


async def test_bad_text_is_refused_when_written_and_nothing_is_sent(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    await seed_members(settings.database_url, emulator, 6)
    coord = await coordinator(emulator)
    await coord.command("broadcast")
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    await tap(coord, bc("menu", "language"))
    await tap(coord, bc("seg", "language", "fr"))
    await coord.wait_for(lambda m: "Dutch" in (m.text or ""))
    # 4,080 letters fit Telegram's limit alone, but not under the note for French speakers.
    too_long = await type_formatted(coord, "<b>" + "a" * 4080 + "</b>")
    assert "too long" in (too_long.text or "")
    await type_formatted(coord, "Kom <i>allemaal</i> &amp; breng vrienden mee.")
    await coord.wait_for(lambda m: bc("preview") in buttons_data(m), include_earlier=True)
    typed = await say(coord, "verstuur nu")  # a button is expected here
    assert "buttons" in (typed.text or "")
    for forged in (bc("seg", "language", "xx"), bc("seg", "event", "999"), bc("lang", value="xx")):
        coord.mark_read()
        await coord.press_data(forged)
        assert (await coord.next_callback_answer()).show_alert, forged
    cancelled = await tap(coord, bc("cancel"))
    assert "Nothing was sent" in (cancelled.text or "")
    await coord.next_callback_answer()  # the answer to "Cancel" itself
    coord.mark_read()
    await coord.press_data(bc("send"))  # the old preview's button after cancelling
    assert (await coord.next_callback_answer()).show_alert
    assert await scalar(settings.database_url, select(func.count()).select_from(Broadcast)) == 0
    assert await scalar(settings.database_url, select(func.count()).select_from(Outbox)) == 0


PLAIN = "Kom zaterdag <3 & neem 5 < 10 vrienden mee!"
FORMATTED = (
    "🎉 Venez <b>samedi</b> &lt;3 &amp; lisez le "
    '<a href="https://example.org/p?a=1&amp;b=2">programme</a> !'
)


async def test_plain_text_is_taken_as_typed_and_formatting_from_entities(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    """Typed "<3", "<" and "&" are characters, not markup; bold and links come from the
    entities of the app and arrive as such, in the preview and at every recipient."""
    ids = await seed_members(settings.database_url, emulator, 6, languages=("nl", "fr", "en"))
    coord = await coordinator(emulator)
    await coord.command("broadcast")
    await coord.wait_for(lambda m: bc("seg", "all") in buttons_data(m))
    await tap(coord, bc("seg", "all"))
    await coord.wait_for(lambda m: "Dutch" in (m.text or ""))
    accepted = await say(coord, PLAIN)  # typed without any formatting
    assert "formatting" not in (accepted.text or "")
    await coord.wait_for(lambda m: bc("preview") in buttons_data(m), include_earlier=True)
    await tap(coord, bc("lang", value="fr"))
    french, french_entities = parse_html(FORMATTED)
    assert french.startswith("🎉 Venez samedi <3 & lisez")
    await coord.send(french, entities=french_entities)
    await coord.wait_for(lambda m: bc("preview") in buttons_data(m))
    coord.mark_read()
    await tap(coord, bc("preview"))
    await coord.wait_for(lambda m: bc("send") in buttons_data(m))
    preview = next(m for m in coord.messages if m.text == PLAIN)
    assert preview.entities == []
    report = await send_and_wait_for_report(coord)
    assert "Sent: 6" in report and "Failed: 0" in report

    users = {user.id: user for user in emulator.users}
    assert running_bot.app is not None
    for index, telegram_id in enumerate(ids):
        [message] = users[telegram_id].messages
        language = ("nl", "fr", "en")[index % 3]
        if language == "nl":
            assert (message.text, message.entities) == (PLAIN, [])
        elif language == "fr":
            assert message.text == french
            # "🎉 " is three UTF-16 units: the offsets are Telegram's own.
            assert message.entities == [
                {"type": "bold", "offset": 9, "length": 6},
                {
                    "type": "text_link",
                    "offset": 30,
                    "length": 9,
                    "url": "https://example.org/p?a=1&b=2",
                },
            ]
            assert message.entities == french_entities
        else:
            note = note_in(running_bot.app.i18n, "en")
            assert message.text == note + "\n\n" + PLAIN
            assert message.entities == []
    texts = await scalar(settings.database_url, select(Broadcast.texts))
    assert texts["nl"] == "Kom zaterdag &lt;3 &amp; neem 5 &lt; 10 vrienden mee!"


COORDINATOR_ONLY_BUTTONS = [
    bc("new"),
    bc("seg", "all"),
    bc("send"),
    bc("list"),
    EvCb(action="new").pack(),
    EvCb(action="ann", id=1).pack(),
    EvCb(action="msg", id=1).pack(),
    EvCb(action="save").pack(),
]


async def test_others_cannot_press_broadcast_or_event_buttons(
    running_bot: RunningBot, emulator: Emulator, settings: Settings, no_rejections
) -> None:
    newcomer, buddy = await seed_members(
        settings.database_url, emulator, 2, first_id=7600, languages=("en",)
    )
    users = {user.id: user for user in emulator.users}
    for telegram_id in (newcomer, buddy):
        user = users[telegram_id]
        await user.command("help")
        await user.next_message()
        for data in COORDINATOR_ONLY_BUTTONS:
            user.mark_read()
            await user.press_data(data)
            answer = await user.next_callback_answer()
            assert "only for coordinators" in (answer.text or "").lower(), data
            broadcasts = select(func.count()).select_from(Broadcast)
            assert await scalar(settings.database_url, broadcasts) == 0, data
            outbox = select(func.count()).select_from(Outbox)
            assert await scalar(settings.database_url, outbox) == 0, data
