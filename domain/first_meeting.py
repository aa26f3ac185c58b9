"""The pair's first meeting: a short conversation guide before it, and two one-tap
questions after it.

- The first meeting is the first meetup of a pair that gets agreed while no other one is
  agreed or took place (an introduction that was declined, cancelled or missed leaves the
  role to the next one); accepting it marks it `is_introduction`.
- The guide (what do you hope for, how often can you meet, which languages, what a buddy
  does not do) goes to both partners the day before, with the first reminder, or at once
  when the meeting is closer than that: read at acceptance it would be forgotten by a
  meeting two weeks later, and it would be a third message beside the acceptance and the
  calendar file. It is dropped once the meeting started.
- The questions ("Did it feel right?", "Shall we go on?") come two hours after the planned
  end: the partners have parted, and "did it take place?" (at the end) came first. A "no"
  to either goes to the coordinators as a change request (domain/change_requests.py),
  with the question as its reason; the partner never sees the answers.
- Both messages are outbox rows keyed by the meetup and its sequence number: moving or
  cancelling the meeting, or saying it did not happen, withdraws them (`withdraw`).
- The first answer to a question stays; a second tap changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import change_requests
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import person_tz, push
from storage.models import (
    CLOSED_PAIR,
    FirstMeetingAnswer,
    FirstMeetingQuestion,
    FirstMeetingReply,
    Meetup,
    MeetupStatus,
    Pair,
    User,
)
from storage.uow import UnitOfWork

GUIDE_BEFORE = timedelta(days=1)
ASK_AFTER = timedelta(hours=2)
QUESTIONS = (FirstMeetingQuestion.FEELS_RIGHT, FirstMeetingQuestion.GO_ON)
# The statuses of a meetup that was agreed, or took place.
AGREED = (MeetupStatus.ACCEPTED.value, MeetupStatus.DONE.value)
# The reason a change request carries when it comes from these questions.
REASON_PREFIX = "first_meeting:"


def dedup_prefix(meetup: Meetup) -> str:
    """What the dedup keys of a first meeting's guide and questions start with."""
    return f"first-meeting:{meetup.id}:"


async def nothing_planned_yet(uow: UnitOfWork, pair_id: int) -> bool:
    """Whether no meetup of the pair is proposed, agreed or took place: the next one
    proposed is their introduction meeting."""
    counts = await uow.meetups.counts_by_status(pair_id)
    return not any(counts.get(status) for status in (MeetupStatus.PROPOSED.value, *AGREED))


async def is_first(uow: UnitOfWork, meetup: Meetup) -> bool:
    """Whether `meetup` (being accepted) is the pair's first meeting: no other meetup of the
    pair is agreed or took place."""
    counts = await uow.meetups.counts_by_status(meetup.pair_id)
    agreed = sum(counts.get(status, 0) for status in AGREED)
    if meetup.status in AGREED:
        agreed -= 1
    return agreed == 0


def _planned_end(meetup: Meetup) -> datetime:
    return meetup.starts_at + timedelta(minutes=meetup.duration_minutes)


def _params(meetup: Meetup, pair: Pair, reader: User, other: User | None) -> dict[str, object]:
    return {
        "meetup_id": meetup.id,
        "pair_id": pair.id,
        "starts_at": meetup.starts_at.isoformat(),
        "role": reader.role,
        "name": other.first_name if other else None,
        # The grammatical gender of the wording (handlers.i18n.gendered).
        "gender": other.gender if other else None,
        "reader_gender": reader.gender,
        "tz": str(person_tz(reader)),
    }


def shared_languages(pair_members: list[User]) -> list[str]:
    """The languages both partners speak, in the order of the first one's list."""
    if len(pair_members) != 2:
        return []
    first, second = pair_members
    return [code for code in first.languages or [] if code in (second.languages or [])]


async def plan(uow: UnitOfWork, meetup: Meetup, pair: Pair, now: datetime) -> bool:
    """Called when `meetup` was accepted: if it is the pair's first meeting, mark it as
    their introduction and queue the guide and the questions afterwards for both (see the
    module docstring). Returns whether it was the first meeting."""
    # The flag set at the proposal becomes the truth: another meetup may have been agreed
    # first, or the introduction proposed first was declined.
    meetup.is_introduction = await is_first(uow, meetup)
    if not meetup.is_introduction:
        return False
    members = [await uow.users.get(i) for i in (pair.newcomer_id, pair.buddy_id) if i]
    present = [member for member in members if member is not None]
    languages = shared_languages(present)
    prefix = f"{dedup_prefix(meetup)}s{meetup.sequence}"
    for reader in present:
        other = next((m for m in present if m is not reader), None)
        params = _params(meetup, pair, reader, other)
        push(
            uow,
            reader,
            Notice.FIRST_MEETING_GUIDE,
            params | {"languages": languages},
            due=max(now, meetup.starts_at - GUIDE_BEFORE),
            dedup_key=f"{prefix}:guide:{reader.id}",
            # Not a reminder: quiet hours hold it back fully; too late, it is dropped.
            expires_at=meetup.starts_at,
        )
        push(
            uow,
            reader,
            Notice.FIRST_MEETING_ASK,
            params,
            due=_planned_end(meetup) + ASK_AFTER,
            dedup_key=f"{prefix}:ask:{reader.id}",
        )
    return True


async def withdraw(uow: UnitOfWork, meetup: Meetup) -> int:
    """The meeting moved, was cancelled or did not happen: its guide and questions, if not
    sent yet, are not sent (an accepted new time queues them again)."""
    return await uow.outbox.cancel_by_dedup_prefix(dedup_prefix(meetup))


@dataclass(frozen=True)
class Answers:
    """A person's answers about their first meeting, after a tap."""

    answers: dict[str, str]  # question -> reply
    partner: User | None
    # Whether some answer was "no" (then the coordinators were told).
    any_no: bool

    def next_question(self) -> FirstMeetingQuestion | None:
        return next((q for q in QUESTIONS if q.value not in self.answers), None)


async def _first_meeting_of(uow: UnitOfWork, person: User, meetup_id: int, now: datetime) -> Pair:
    """The pair of the person's first meeting `meetup_id`, or a refusal: another pair's
    meeting, a meetup that is not a first meeting, one not over yet, a pair already ended."""
    meetup = await uow.meetups.get(meetup_id)
    if meetup is None:
        raise DomainError("not_found")
    pair = await uow.pairs.get(meetup.pair_id)
    if pair is None or person.id not in (pair.newcomer_id, pair.buddy_id):
        raise DomainError("not_your_pair")
    if not meetup.is_introduction or meetup.status not in AGREED:
        raise DomainError("stale_button")
    if _planned_end(meetup) > now:
        raise DomainError("first_meeting_not_yet")
    if pair.status in CLOSED_PAIR:
        raise DomainError("pair_ended")
    return pair


async def answer(
    uow: UnitOfWork,
    person: User,
    meetup_id: int,
    question: FirstMeetingQuestion,
    reply: FirstMeetingReply,
    now: datetime,
) -> Answers:
    """Keep the person's answer about their first meeting; a "no" (or "not really")
    reaches the coordinators as a change request. A question answered before is refused
    ("already answered") and nothing changes."""
    pair = await _first_meeting_of(uow, person, meetup_id, now)
    answers = await uow.first_meetings.of(person.id, pair.id)
    if question.value in answers:
        raise DomainError("entry_decided")
    uow.first_meetings.add(
        FirstMeetingAnswer(
            programme_id=pair.programme_id,
            pair_id=pair.id,
            person_id=person.id,
            meetup_id=meetup_id,
            question=question.value,
            answer=reply.value,
            answered_at=now,
        )
    )
    await uow.first_meetings.flush()
    if reply is FirstMeetingReply.NO:
        await change_requests.request_change(
            uow, person, "change", now, pair=pair, reason=REASON_PREFIX + question.value
        )
    given = {q: row.answer for q, row in answers.items()} | {question.value: reply.value}
    partner_id = pair.buddy_id if pair.newcomer_id == person.id else pair.newcomer_id
    return Answers(
        answers=given,
        partner=await uow.users.get(partner_id) if partner_id else None,
        any_no=FirstMeetingReply.NO.value in given.values(),
    )
