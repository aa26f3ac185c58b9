"""A small programme whose report figures are known, for the report's tests.

tests/domain/test_reports.py works every figure out by hand from what is written here (the
comments say which person or pair counts where). The report's period is January and
February 2026 in Brussels (UTC+1 then): from 2025-12-31 23:00 to 2026-02-28 23:00 UTC.
Rows just outside it (a minute to an hour) are there on purpose. Another programme's
people, pairs and hours are written in the period too: no figure may count them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reports import Period, PeriodKind
from storage.models import CheckIn, HourEntry, Meetup, Pair, Programme, User

PERIOD = Period(date(2026, 1, 1), date(2026, 2, 28), PeriodKind.CUSTOM)
TELEGRAM_IDS = itertools.count(912_345_001)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# key: (role, status, joined (UTC), channel, language, municipality, waiting since)
PEOPLE: dict[str, tuple[Any, ...]] = {
    # Recruits in the period.
    "N1": ("newcomer", "matched", "2026-01-05 09:00", "bon", "ar", "21004", "2026-01-05 10:00"),
    "N2": ("newcomer", "inactive", "2026-01-20 09:00", "bon", "ar", "21004", "2026-01-20 10:00"),
    "N3": ("newcomer", "matched", "2026-02-03 09:00", "bon", "ar", "21004", "2026-02-03 10:00"),
    # 00:30 on 1 January in Brussels: in the period (January).
    "N7": ("newcomer", "paused", "2025-12-31 23:30", "bon", "ar", "21004", "2026-01-01 10:00"),
    "N4": ("newcomer", "waiting", "2026-02-10 09:00", "flyer", "uk", "21015", "2026-02-10 10:00"),
    "N5": ("newcomer", "waiting", "2026-02-27 22:30", None, "uk", "21015", "2026-02-27 22:40"),
    "B1": ("buddy", "matched", "2026-01-07 09:00", "bon", "nl", "21004", "2026-01-07 10:00"),
    "B2": ("buddy", "matched", "2026-02-14 09:00", None, "nl", None, "2026-02-14 10:00"),
    "U1": (None, "onboarding", "2026-01-10 09:00", "bon", "fr", None, None),
    # 00:30 on 1 March in Brussels: after the period (not a recruit), but waiting now.
    "N6": ("newcomer", "waiting", "2026-02-28 23:30", "bon", "uk", "21015", "2026-02-28 23:40"),
    # Joined before the period.
    "B3": ("buddy", "matched", "2025-09-01 09:00", "fmdo", "nl", "21001", "2025-09-01 10:00"),
    "N0": ("newcomer", "matched", "2025-10-01 09:00", "fmdo", "ar", "21001", "2025-10-01 10:00"),
    "N8": ("newcomer", "inactive", "2025-09-15 09:00", "fmdo", "fa", "21009", "2025-09-15 10:00"),
    "N9": ("newcomer", "inactive", "2025-11-01 09:00", "fmdo", "ti", "other", "2025-11-01 10:00"),
}
# People who only answer check-ins (joined long before, no pair, not waiting).
CHECK_IN_PEOPLE = [
    *(f"C{n}" for n in range(1, 9)),
    *(f"F{n}" for n in range(1, 9)),
    "D1",
    "D2",
    "G1",
]

# key: (newcomer, buddy, status, started (UTC), ended (UTC) or None, end reason)
PAIRS: dict[str, tuple[Any, ...]] = {
    # Started before, ended early in the period with 6 confirmed hours: a drop-out under 10.
    "P0": ("N0", "B3", "ended", "2025-10-11 10:00", "2026-01-20 10:00", "moved"),
    "P1": ("N1", "B1", "active", "2026-01-15 10:00", None, None),  # 10 days to match
    "P2": ("N2", "B3", "completed", "2026-01-24 10:00", "2026-02-27 10:00", "completed"),  # 4
    "P3": ("N3", "B1", "active", "2026-02-23 10:00", None, None),  # 20 days
    "P4": ("N7", "B2", "paused", "2026-02-20 10:00", None, None),  # 50 days
    # N0's second pair (a rematch): not a first match, left out of the time to match.
    "P5": ("N0", "B2", "active", "2026-02-25 10:00", None, None),
    # Over before the period: in no figure.
    "P6": ("N8", "B3", "completed", "2025-09-25 10:00", "2025-12-15 10:00", "completed"),
    # Ended early in the period before any confirmed hour.
    "P7": ("N9", "B3", "ended", "2025-12-01 10:00", "2026-02-10 10:00", "unavailable"),
}

# (pair, started (UTC), minutes, activity kind, status)
HOURS = [
    ("P0", "2025-11-10 10:00", 300, "sport", "confirmed"),  # before the period
    ("P0", "2025-12-31 23:30", 60, "sport", "confirmed"),  # 1 January, 00:30 in Brussels
    ("P0", "2026-01-12 10:00", 120, "sport", "pending"),  # never confirmed
    ("P1", "2026-01-16 10:00", 120, "sport", "confirmed"),
    ("P1", "2026-02-02 10:00", 600, "culture", "confirmed"),
    ("P1", "2026-02-10 10:00", 60, "sport", "disputed"),
    ("P1", "2026-02-28 23:30", 60, "sport", "confirmed"),  # 1 March, 00:30 in Brussels
    ("P2", "2026-01-25 10:00", 1200, "culture", "confirmed"),
    ("P2", "2026-02-05 10:00", 1260, "dutch_practice", "confirmed"),
    ("P3", "2026-02-24 10:00", 90, "sport", "confirmed"),
    ("P4", "2026-02-21 10:00", 1200, "volunteering", "confirmed"),
    ("P4", "2026-02-22 10:00", 60, "volunteering", "corrected"),
    ("P6", "2025-10-01 10:00", 2400, "culture", "confirmed"),
]

# (pair, starts (UTC), status)
MEETUPS = [
    ("P1", "2026-01-16 10:00", "done"),
    ("P1", "2026-02-02 10:00", "done"),
    ("P1", "2026-02-10 10:00", "missed"),
    ("P3", "2026-02-24 10:00", "missed"),
    ("P3", "2026-02-26 10:00", "cancelled"),
    ("P3", "2026-02-28 23:30", "missed"),  # 1 March in Brussels
    ("P0", "2025-12-20 10:00", "missed"),  # before the period
]

S = "skipped"
NO = object()  # a question not answered (yet): left out of the answers


def newcomer(confidence: Any, knows_where: Any, people: Any = NO, **more: Any) -> dict[str, Any]:
    """A newcomer's answers: dutch_confidence, knows_where, people_to_ask, and `more`."""
    answers = {"dutch_confidence": confidence, "knows_where": knows_where, "people_to_ask": people}
    return {key: value for key, value in {**answers, **more}.items() if value is not NO}


def buddy(cultures: Any, connected: Any, worth: Any, **more: Any) -> dict[str, Any]:
    """A buddy's answers: learnt_cultures, feels_connected, worth_time, and `more`."""
    return {"learnt_cultures": cultures, "feels_connected": connected, "worth_time": worth, **more}


def end(rating: Any = NO, recommend: Any = NO) -> dict[str, Any]:
    answers = {"programme_rating": rating, "would_recommend": recommend}
    return {key: value for key, value in answers.items() if value is not NO}


BEFORE, IN_PERIOD = "2025-06-01 10:00", "2026-02-15 10:00"
# (person, moment, opened (UTC), answers)
CHECK_INS: list[tuple[str, str, str, dict[str, Any]]] = [
    # The "before", long ago.
    ("C1", "onboarding", BEFORE, newcomer(2, 1, 0)),
    ("C2", "onboarding", BEFORE, newcomer(1, 2, 1)),
    ("C3", "onboarding", BEFORE, newcomer(3, 3, 0)),
    ("C4", "onboarding", BEFORE, newcomer(2, 1, 1)),
    ("C5", "onboarding", BEFORE, newcomer(4, 2, 2)),
    ("C6", "onboarding", BEFORE, newcomer(S, 3, 1)),
    ("C8", "onboarding", BEFORE, newcomer(1, 1, 0)),
    ("D1", "onboarding", BEFORE, buddy(2, 3, 4)),
    ("D2", "onboarding", BEFORE, buddy(3, 3, 3)),
    # The "after", in the period. C1 has two: the later one (opened last) counts.
    ("C1", "end", "2026-01-10 10:00", newcomer(1, 1, 0, **end(3, 1))),
    ("C1", "end", IN_PERIOD, newcomer(4, 2, 1, **end(5, 1))),
    ("C2", "end", IN_PERIOD, newcomer(3, 2, 2, **end(4, 1))),
    ("C3", "end", IN_PERIOD, newcomer(3, 4, 2, **end(4, 0))),
    ("C4", "end", IN_PERIOD, newcomer(5, 3, S, **end(S, 1))),
    ("C5", "end", IN_PERIOD, newcomer(3, 5, **end(5, S))),  # people_to_ask not answered
    ("C6", "end", IN_PERIOD, newcomer(4, S, 3)),  # no end evaluation
    # No onboarding check-in: not in the before and after, but in the end evaluation.
    ("C7", "end", IN_PERIOD, {"dutch_confidence": 5, **end(2, 0)}),
    # Opened before the period: in no figure.
    ("C8", "end", "2025-12-15 10:00", {"dutch_confidence": 5, **end(1, 0)}),
    ("D1", "end", IN_PERIOD, buddy(4, 3, 5, **end(4, 1))),
    ("D2", "end", IN_PERIOD, buddy(4, 4, 3)),
    # The follow-ups.
    ("F1", "month_3", "2026-01-10 10:00", {"doing_now": "work", "still_in_contact": 1}),
    ("F2", "month_3", "2026-01-10 10:00", {"doing_now": "club_leisure", "still_in_contact": 0}),
    ("F3", "month_3", "2026-01-10 10:00", {"doing_now": "nothing_yet", "still_in_contact": 1}),
    ("F4", "month_3", "2026-01-10 10:00", {"doing_now": S, "still_in_contact": S}),
    ("F5", "month_3", "2026-01-10 10:00", {"doing_now": "course", "still_in_contact": 1}),
    ("F6", "month_3", "2026-01-10 10:00", {}),  # not answered yet
    ("F7", "month_3", "2026-01-10 10:00", {"doing_now": "volunteering", "still_in_contact": 1}),
    ("F8", "month_3", "2025-12-01 10:00", {"doing_now": "work", "still_in_contact": 1}),  # before
    ("G1", "month_6", "2026-02-01 10:00", {"doing_now": "other", "still_in_contact": 0}),
]
CHECK_IN_ROLES = {"D": "buddy", "G": "buddy"}


@dataclass
class Seeded:
    """What was written: to look rows up, and to scan files for names and Telegram ids."""

    programme_id: int
    people: dict[str, int] = field(default_factory=dict)  # key -> person id
    pairs: dict[str, int] = field(default_factory=dict)  # key -> pair id
    names: list[str] = field(default_factory=list)
    telegram_ids: list[int] = field(default_factory=list)


def first_name(key: str) -> str:
    """Names that cannot turn up in a file by chance (no label or pseudonym holds them)."""
    return f"Zephyrine{key}"


async def seed(session: AsyncSession) -> Seeded:
    """Write the programme (in the default one) and commit."""
    programme = await session.scalar(select(Programme).where(Programme.is_default.is_(True)))
    assert programme is not None
    seeded = Seeded(programme.id)

    def person(key: str, role: str | None, status: str, joined: datetime, **more: Any) -> User:
        telegram_id = next(TELEGRAM_IDS)
        seeded.names.append(first_name(key))
        seeded.telegram_ids.append(telegram_id)
        return User(
            telegram_id=telegram_id,
            programme_id=programme.id,
            role=role,
            status=status,
            first_name=first_name(key),
            languages=["en"],
            interests=["sport"],
            availability=["weekend"],
            consent_at=joined,
            created_at=joined,
            **more,
        )

    rows: dict[str, User] = {}
    for key, (role, status, joined, channel, language, place, waiting) in PEOPLE.items():
        rows[key] = person(
            key, role, status, utc(joined),
            recruited_via=channel, contact_language=language, municipality=place,
            waiting_since=utc(waiting) if waiting else None,
        )  # fmt: skip
    for key in CHECK_IN_PEOPLE:
        role = CHECK_IN_ROLES.get(key[0], "newcomer")
        rows[key] = person(
            key, role, "inactive", utc("2025-05-01 09:00"), contact_language="ar",
            municipality="21004", waiting_since=None,
        )  # fmt: skip
    session.add_all(rows.values())
    await session.flush()
    seeded.people = {key: row.id for key, row in rows.items()}

    pairs: dict[str, Pair] = {}
    for key, (newcomer, buddy, status, started, ended, reason) in PAIRS.items():
        pairs[key] = Pair(
            programme_id=programme.id,
            newcomer_id=seeded.people[newcomer],
            buddy_id=seeded.people[buddy],
            status=status,
            started_at=utc(started),
            ended_at=utc(ended) if ended else None,
            end_reason=reason,
        )
    session.add_all(pairs.values())
    await session.flush()
    seeded.pairs = {key: row.id for key, row in pairs.items()}

    for pair, started, minutes, kind, status in HOURS:
        session.add(
            HourEntry(
                programme_id=programme.id,
                pair_id=seeded.pairs[pair],
                started_at=utc(started),
                minutes=minutes,
                activity_kind=kind,
                status=status,
            )
        )
    for pair, starts, status in MEETUPS:
        session.add(
            Meetup(
                programme_id=programme.id,
                pair_id=seeded.pairs[pair],
                starts_at=utc(starts),
                duration_minutes=90,
                place="Bib Muntpunt",
                activity_kind="culture",
                status=status,
            )
        )
    for number, (key, moment, opened, answers) in enumerate(CHECK_INS):
        session.add(
            CheckIn(
                programme_id=programme.id,
                person_id=seeded.people[key],
                role=rows[key].role,
                moment=moment,
                key=f"{seeded.people[key]}:{moment}:{number}",
                questions=list(answers),
                answers=answers,
                created_at=utc(opened),
            )
        )
        await session.flush()  # one at a time: the ids follow the list (the last one counts)
    await _another_programme(session)
    await session.commit()
    return seeded


async def _another_programme(session: AsyncSession) -> None:
    """A programme of its own, busy in the same period: none of it may show."""
    other = Programme(slug="elsewhere", name="Elsewhere", settings={})
    session.add(other)
    await session.flush()
    people = [
        User(
            telegram_id=next(TELEGRAM_IDS),
            programme_id=other.id,
            role=role,
            status="waiting" if role == "newcomer" else "matched",
            first_name="Stranger",
            contact_language="ar",
            municipality="21004",
            recruited_via="bon",
            languages=["en"],
            interests=["sport"],
            availability=["weekend"],
            consent_at=utc("2026-01-05 09:00"),
            created_at=utc("2026-01-05 09:00"),
            waiting_since=utc("2026-01-05 10:00"),
        )
        for role in ("newcomer", "buddy")
    ]
    session.add_all(people)
    await session.flush()
    pair = Pair(
        programme_id=other.id,
        newcomer_id=people[0].id,
        buddy_id=people[1].id,
        status="ended",
        started_at=utc("2026-01-06 10:00"),
        ended_at=utc("2026-01-30 10:00"),
        end_reason="moved",
    )
    session.add(pair)
    await session.flush()
    session.add(
        HourEntry(
            programme_id=other.id,
            pair_id=pair.id,
            started_at=utc("2026-01-07 10:00"),
            minutes=600,
            activity_kind="sport",
            status="confirmed",
        )
    )
    session.add(
        CheckIn(
            programme_id=other.id,
            person_id=people[0].id,
            role="newcomer",
            moment="month_3",
            key=f"{people[0].id}:month_3:0",
            questions=["doing_now"],
            answers=json.loads('{"doing_now": "work", "still_in_contact": 1}'),
            created_at=utc("2026-01-10 10:00"),
        )
    )
