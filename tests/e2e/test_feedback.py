"""Feedback after meetups and events end to end, on the real bot and a clock the test moves:
two meetups confirmed in one week bring one question, the next week another; the question
waits for the end of the night; one tap answers, a second tap or someone else's button
changes nothing; a 🙁 with a word reaches the coordinator, a voice message too; people who
went to an event are asked once after it. The report's distribution equals a count by
hand of the answers seeded."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from emulator import BotMessage, Emulator, SimulatedUser
from handlers.feedback_buttons import FACES, FeedbackAction, FeedbackCb
from storage.db import create_engine
from storage.models import Event, Feedback, HourEntry, Meetup, Pair, Programme, Rsvp, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, menu, scalar, seed_pair, tap
from tests.e2e.test_meetups import deliver
from tests.e2e.test_report import THIS_YEAR, csv_files, report_messages, sheets

ASK = "fb:a:"


def face(feedback_id: int, value: int) -> str:
    return FeedbackCb(action=FeedbackAction.ANSWER, id=feedback_id, v=value).pack()


def word(feedback_id: int) -> str:
    return FeedbackCb(action=FeedbackAction.WORD, id=feedback_id).pack()


def questions(user: SimulatedUser) -> list[BotMessage]:
    return [m for m in user.messages if any(d.startswith(ASK) for d in buttons_data(m))]


def question_id(message: BotMessage) -> int:
    return int(next(d for d in buttons_data(message) if d.startswith(ASK)).split(":")[2])


async def noted_meetup(database_url: str, pair_id: int, starts_at: datetime) -> int:
    """A meetup of the pair that took place, its hour noted by the newcomer and waiting
    for the buddy's confirmation (planning and noting have their own tests); returns the
    entry's id."""
    engine = create_engine(database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        meetup = Meetup(
            programme_id=pair.programme_id,
            pair_id=pair_id,
            proposer_id=pair.newcomer_id,
            starts_at=starts_at,
            duration_minutes=60,
            place="Muntpunt",
            activity_kind="culture",
            status="done",
        )
        session.add(meetup)
        await session.flush()
        entry = HourEntry(
            programme_id=pair.programme_id,
            pair_id=pair_id,
            meetup_id=meetup.id,
            started_at=starts_at,
            minutes=60,
            activity_kind="culture",
            logged_by=pair.newcomer_id,
            status="pending",
        )
        session.add(entry)
        await session.commit()
        entry_id = entry.id
    await engine.dispose()
    return entry_id


async def confirm(bram: SimulatedUser, entry_id: int) -> None:
    """The buddy taps "✅ Right" under the newcomer's entry (on a message of its own: the
    answer replaces the message's text)."""
    home = await menu(bram)
    bram.mark_read()
    await bram.press_data(f"hrs:ok:{entry_id}:0", message=home)
    await bram.wait_for(lambda m: "Confirmed" in (m.text or ""))


async def feedback_count(database_url: str) -> int:
    return int(await scalar(database_url, select(func.count()).select_from(Feedback)))


async def test_one_question_a_week_then_a_word_to_the_coordinator(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    url = settings.database_url
    kim = emulator.user(COORDINATOR_ID, "Kim", "en")
    await kim.command("coord")
    await kim.wait_for(lambda m: bool(m.inline_keyboard))
    amal, bram, pair_id = await seed_pair(
        url, emulator, newcomer=(9701, "Amal", "en"), buddy=(9702, "Bram", "en")
    )

    # Saturday and Sunday: both confirmed on Monday morning; one question each, once.
    saturday = await noted_meetup(url, pair_id, datetime(2026, 2, 28, 13, 0, tzinfo=UTC))
    sunday = await noted_meetup(url, pair_id, datetime(2026, 3, 1, 13, 0, tzinfo=UTC))
    await confirm(bram, saturday)
    await deliver(running_bot)
    await amal.wait_for(lambda m: len(questions(amal)) == 1, timeout=10)
    await bram.wait_for(lambda m: len(questions(bram)) == 1, timeout=10)
    first = questions(amal)[0]
    assert "How was your meetup" in (first.text or "") and "February 28" in (first.text or "")
    assert [face(question_id(first), v) for v in FACES] == buttons_data(first)
    clock.advance(timedelta(hours=1))
    await confirm(bram, sunday)
    await deliver(running_bot)
    assert await feedback_count(url) == 2
    assert len(questions(amal)) == 1 and len(questions(bram)) == 1

    # One answer: 🙁. A second tap and Bram pressing Amal's button change nothing.
    mine = question_id(first)
    await tap(amal, face(mine, 1), expect=word(mine))
    amal.mark_read()
    await amal.press_data(face(mine, 4), message=first)
    assert "already" in ((await amal.next_callback_answer()).text or "")
    bram.mark_read()
    await bram.press_data(face(mine, 4))
    refused = await bram.next_callback_answer()
    assert refused.show_alert and "could not find" in (refused.text or "")
    assert await scalar(url, select(Feedback.answer).where(Feedback.id == mine)) == 1

    # A word after the 🙁: kept, and copied to the coordinator under one line about it.
    await tap(amal, word(mine), expect="hp:x")
    await amal.send("The museum was closed and nobody told us.")
    thanks = await amal.wait_for(lambda m: "Thank you, noted" in (m.text or ""))
    assert "coordinator will read" in (thanks.text or "")
    assert await scalar(url, select(Feedback.comment).where(Feedback.id == mine)) == (
        "The museum was closed and nobody told us."
    )
    await deliver(running_bot)
    header = await kim.wait_for(lambda m: "Feedback after a meetup" in (m.text or ""), timeout=10)
    assert (header.text or "").startswith("🙁") and "Amal" in (header.text or "")
    await kim.wait_for(lambda m: "museum was closed" in (m.text or ""), timeout=10)

    # Bram answers 😀 and speaks his word: the coordinator gets the voice message.
    theirs = question_id(questions(bram)[0])
    await tap(bram, face(theirs, 4), expect=word(theirs))
    await tap(bram, word(theirs), expect="hp:x")
    await bram.send_voice()
    await bram.wait_for(lambda m: "voice message went to the coordinator" in (m.text or ""))
    await deliver(running_bot)
    await kim.wait_for(lambda m: m.kind == "voice", timeout=10)
    assert await scalar(url, select(Feedback.comment).where(Feedback.id == theirs)) is None

    # The next week, confirmed late in the evening: asked again, after the night.
    evening = datetime(2026, 3, 9, 21, 30, tzinfo=UTC)  # 22:30 in Brussels
    clock.set(evening)
    await confirm(bram, await noted_meetup(url, pair_id, datetime(2026, 3, 8, 13, 0, tzinfo=UTC)))
    assert await feedback_count(url) == 4
    await deliver(running_bot)
    # (The first questions were answered: their messages now say thank you.)
    assert questions(amal) == [] and questions(bram) == []
    clock.set(datetime(2026, 3, 10, 7, 0, tzinfo=UTC))  # 08:00 in Brussels
    await deliver(running_bot)
    for user, before in ((amal, mine), (bram, theirs)):
        await user.wait_for(lambda _m, u=user: len(questions(u)) == 1, timeout=10)  # type: ignore[misc]
        assert question_id(questions(user)[0]) > before


async def test_people_who_went_to_an_event_are_asked_once_after_it(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    url = settings.database_url
    amal, bram, _pair = await seed_pair(
        url, emulator, newcomer=(9711, "Amal", "en"), buddy=(9712, "Bram", "en")
    )
    starts_at = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
    engine = create_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        assert programme is not None
        event = Event(
            programme_id=programme.id,
            title="Lentefeest",
            starts_at=starts_at,
            place="Warandepark",
            capacity=10,
        )
        session.add(event)
        await session.flush()
        people = {
            u.telegram_id: u.id
            for u in (await session.scalars(select(User).where(User.telegram_id >= 9711))).all()
        }
        session.add(Rsvp(event_id=event.id, person_id=people[amal.id], answer="going"))
        session.add(Rsvp(event_id=event.id, person_id=people[bram.id], answer="maybe"))
        await session.commit()
    await engine.dispose()

    assert running_bot.app is not None
    for hours in (1, 3, 4):  # running, then three and four hours after the start
        clock.set(starts_at + timedelta(hours=hours))
        await running_bot.app.plan_feedback()
        await deliver(running_bot)
    await amal.wait_for(lambda _m: len(questions(amal)) == 1, timeout=10)
    assert "Lentefeest" in (questions(amal)[0].text or "")
    assert await feedback_count(url) == 1
    assert questions(bram) == []


# (subject, answer or None, with a word) of the questions asked in the period.
SEEDED = [
    *[("meetup", 4, False)] * 3,
    *[("meetup", 3, True)] * 2,
    ("meetup", 2, False),
    *[("meetup", 1, True)] * 2,
    ("meetup", None, False),
    ("event", 4, False),
    ("event", 1, True),
    ("event", None, False),
]


async def test_the_report_shows_the_answers_as_counted_by_hand(
    running_bot: RunningBot, emulator: Emulator, settings, clock, no_rejections
) -> None:
    url = settings.database_url
    engine = create_engine(url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
        other = Programme(slug="elsewhere", name="Elsewhere")
        session.add(other)
        await session.flush()
        assert programme is not None
        asked = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)
        for subject, answer, worded in SEEDED:
            session.add(
                Feedback(
                    programme_id=programme.id,
                    subject=subject,
                    asked_at=asked,
                    answer=answer,
                    answered_at=asked if answer else None,
                    comment="x" if worded else None,
                    commented_at=asked if worded else None,
                )
            )
        # Not counted: before the period, and another programme's.
        session.add(
            Feedback(
                programme_id=programme.id,
                subject="meetup",
                answer=4,
                asked_at=asked.replace(year=2025),
            )
        )
        session.add(Feedback(programme_id=other.id, subject="meetup", answer=1, asked_at=asked))
        await session.commit()
    await engine.dispose()

    by_hand: dict[str, Counter[int | None]] = {"meetup": Counter(), "event": Counter()}
    words: Counter[str] = Counter()
    for subject, answer, worded in SEEDED:
        by_hand[subject][answer] += 1
        words[subject] += worded

    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("report")
    await coord.wait_for(lambda m: THIS_YEAR in buttons_data(m))
    await tap(coord, THIS_YEAR)
    got = await report_messages(coord)

    expected = {
        label: [
            label,
            *(by_hand[subject][value] for value in FACES),
            by_hand[subject][None],
            sum(by_hand[subject].values()),
            words[subject],
        ]
        for label, subject in (("Meetups", "meetup"), ("Events", "event"))
    }
    table = sheets(got["xlsx"].document.data)["Feedback after meetups, events"]
    assert {row[0]: list(row) for row in table} == expected
    files = csv_files(got["zip"].document.data)
    rows = next(rows for name, rows in files.items() if name.endswith("feedback.csv"))
    assert rows[0][1:5] == list(FACES.values())
    assert {row[0]: [int(c) for c in row[1:]] for row in rows[1:]} == {
        label: values[1:] for label, values in expected.items()
    }
    summary = next(text for text in got["texts"] if "How was it?" in text)
    meetups = " · ".join(f"{face} {by_hand['meetup'][value]}" for value, face in FACES.items())
    assert f"After meetups: {meetups}; 1 not answered." in summary
    assert len(summary.split()) < 60
