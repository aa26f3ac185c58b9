"""How was it? One tap (😀 🙂 😐 🙁) after a meetup and after a community event.

- When: both people of a pair, once the hours of one of their meetups are confirmed
  (domain.hours.confirm; not the introduction meeting, which has its own questions in
  domain.first_meeting); everyone with a place at an event, a few hours after it began
  (the periodic planner `plan`: events have no end time of their own).
- At most one question in `feedback_every_days` (a programme setting, 7 by default) per
  person, counted in SQL from the questions stored. A question the limit leaves out is
  simply not asked, and never asked later.
- The question is an outbox row: written in the person's language when it is sent,
  held during their quiet hours, dropped when it could only come days late.
- One answer per question: a second tap, or someone else's question, changes nothing.
  After the answer the person may add a word: typed, it is kept with the answer; after
  a 🙁 it is also passed on to the coordinators (copied by Telegram, as in domain.inbox).
  A voice message is always passed on (nobody here can listen to it).
- /mydata shows every question with its answer and word; /forget erases the words and
  whatever ties an answer to the person, and keeps the answers as anonymous counts for
  the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain import inbox
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.programmes import SETTINGS, settings_of
from storage.models import Event, Feedback, FeedbackSubject, Meetup, Role, User
from storage.models.feedback import COMMENT_MAX
from storage.uow import UnitOfWork

# The answers, worst first; the faces are the handlers' (1 🙁, 2 😐, 3 🙂, 4 😀).
ANSWERS = (1, 2, 3, 4)
UNHAPPY = 1
# Events have no end time: the question goes this long after the start.
EVENT_ASK_AFTER = timedelta(hours=3)
# The planner looks back this far for events to ask about (it runs every hour).
EVENT_WINDOW = timedelta(days=1)
# A question not delivered by then (quiet hours, an outage) is not sent at all.
ASK_KEPT = timedelta(days=2)
PLAN_LIMIT = 2000  # people per run of the planner; the next run takes the rest
ASKED_ROLES = frozenset({Role.NEWCOMER.value, Role.BUDDY.value})


@dataclass(frozen=True)
class Answered:
    """The result of a tap: the question, and whether it had been answered before (then
    nothing changed)."""

    feedback: Feedback
    unchanged: bool = False


async def _limit(uow: UnitOfWork, programme_id: int) -> timedelta:
    programme = await uow.programmes.get(programme_id)
    chosen = settings_of(programme) if programme else SETTINGS
    return timedelta(days=chosen.feedback_every_days)


async def may_ask(uow: UnitOfWork, person: User, now: datetime) -> bool:
    """Whether the person may get a question now: a member who can be reached and was
    asked nothing within their programme's limit."""
    if person.role not in ASKED_ROLES or not person.reachable or person.profile_done_at is None:
        return False
    since = now - await _limit(uow, person.programme_id)
    return await uow.feedback.asked_since(person.id, since) == 0


async def _ask(
    uow: UnitOfWork, person: User, feedback: Feedback, params: dict[str, Any], now: datetime
) -> Feedback:
    uow.feedback.add(feedback)
    await uow.feedback.flush()
    push(
        uow,
        person,
        Notice.FEEDBACK_ASK,
        {"feedback_id": feedback.id, "subject": feedback.subject, **params},
        due=now,
        dedup_key=f"feedback:{feedback.id}",
        expires_at=now + ASK_KEPT,
    )
    return feedback


async def after_meetup(
    uow: UnitOfWork, meetup: Meetup, people: Sequence[User], now: datetime
) -> list[Feedback]:
    """The meetup's hours were just confirmed: ask each of `people` (the pair) how it
    was, within the weekly limit. Returns the questions asked. The introduction meeting
    has questions of its own (domain.first_meeting): it is not asked about twice."""
    if meetup.is_introduction:
        return []
    asked = []
    for person in people:
        if await uow.feedback.about_meetup(person.id, meetup.id) is not None:
            continue  # a corrected entry confirmed again: asked already
        if not await may_ask(uow, person, now):
            continue
        feedback = Feedback(
            programme_id=meetup.programme_id,
            person_id=person.id,
            subject=FeedbackSubject.MEETUP.value,
            meetup_id=meetup.id,
            asked_at=now,
        )
        params = {
            "starts_at": meetup.starts_at.isoformat(),
            "kind": meetup.activity_kind,
            "tz": str(person_tz(person)),
        }
        asked.append(await _ask(uow, person, feedback, params, now))
    return asked


def _event_params(event: Event, person: User) -> dict[str, Any]:
    titles = {"nl": event.title, **{c: v["title"] for c, v in (event.texts or {}).items()}}
    return {
        "starts_at": event.starts_at.isoformat(),
        "titles": titles,
        "tz": str(person_tz(person)),
    }


async def plan(uow: UnitOfWork, now: datetime) -> int:
    """The periodic planner: people with a place at an event that began EVENT_ASK_AFTER
    ago (within the last EVENT_WINDOW) are asked how it was, within the weekly limit.
    Returns how many were asked; running it again asks nobody twice."""
    until = now - EVENT_ASK_AFTER
    asked = 0
    for event, person_id in await uow.feedback.going_to_ended_events(
        until - EVENT_WINDOW, until, PLAN_LIMIT
    ):
        person = await uow.users.get(person_id)
        if person is None or not await may_ask(uow, person, now):
            continue
        feedback = Feedback(
            programme_id=event.programme_id,
            person_id=person.id,
            subject=FeedbackSubject.EVENT.value,
            event_id=event.id,
            asked_at=now,
        )
        await _ask(uow, person, feedback, _event_params(event, person), now)
        asked += 1
    return asked


async def own_question(uow: UnitOfWork, person: User, feedback_id: int) -> Feedback:
    """The person's own question, or "not_found" (someone else's, or a made-up id)."""
    feedback = await uow.feedback.get(feedback_id)
    if feedback is None or feedback.person_id != person.id:
        raise DomainError("not_found")
    return feedback


async def answer(
    uow: UnitOfWork, person: User, feedback_id: int, value: int, now: datetime
) -> Answered:
    """Keep the person's answer; an answer given before stays as it was."""
    feedback = await own_question(uow, person, feedback_id)
    if value not in ANSWERS:
        raise DomainError("invalid_choice")
    if feedback.answer is not None:
        return Answered(feedback, unchanged=True)
    feedback.answer = value
    feedback.answered_at = now
    return Answered(feedback)


async def may_comment(uow: UnitOfWork, person: User, feedback_id: int) -> Feedback:
    """The question a word may be added to: the person's own, answered, without a word
    yet; "feedback_commented" when it has one."""
    feedback = await own_question(uow, person, feedback_id)
    if feedback.answer is None:
        raise DomainError("invalid_choice")
    if feedback.commented_at is not None:
        raise DomainError("feedback_commented")
    return feedback


def check_comment(text: str | None) -> str:
    """A typed word: trimmed, not empty, at most COMMENT_MAX characters."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError("feedback_comment_empty")
    if len(cleaned) > COMMENT_MAX:
        raise DomainError("feedback_comment_too_long", limit=COMMENT_MAX)
    return cleaned


def _about(feedback: Feedback, message: inbox.Copy, spoken: bool) -> dict[str, Any]:
    return {
        **message.params(),
        "feedback_id": feedback.id,
        "subject": feedback.subject,
        "answer": feedback.answer,
        "spoken": spoken,
    }


async def comment(
    uow: UnitOfWork,
    person: User,
    feedback_id: int,
    text: str | None,
    message: inbox.Copy,
    now: datetime,
    *,
    group_chat_id: int | None,
) -> bool:
    """Keep a typed word with the answer; after a 🙁 it also goes to the coordinators (the
    person's own message, copied). Returns whether it went to them."""
    feedback = await may_comment(uow, person, feedback_id)
    word = check_comment(text)
    unhappy = feedback.answer == UNHAPPY
    if unhappy:  # first: a refusal ("no_coordinator") must leave the answer as it was
        await inbox.to_coordinators(
            uow,
            person,
            Notice.COORDINATOR_FEEDBACK,
            _about(feedback, message, spoken=False),
            now,
            group_chat_id=group_chat_id,
        )
    feedback.comment = word
    feedback.commented_at = now
    return unhappy


async def spoken_comment(
    uow: UnitOfWork,
    person: User,
    feedback_id: int,
    message: inbox.Copy,
    now: datetime,
    *,
    group_chat_id: int | None,
) -> None:
    """A voice message as the word: nobody here can listen to it, so it goes to the
    coordinators whatever the answer; the bot notes only when it came."""
    feedback = await may_comment(uow, person, feedback_id)
    await inbox.to_coordinators(
        uow,
        person,
        Notice.COORDINATOR_FEEDBACK,
        _about(feedback, message, spoken=True),
        now,
        group_chat_id=group_chat_id,
    )
    feedback.commented_at = now


def _plain(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def export(uow: UnitOfWork, person: User) -> list[dict[str, Any]]:
    """Every question the person was asked, with their answer and word (for /mydata)."""
    return [
        {
            "about": feedback.subject,
            "asked_at": _plain(feedback.asked_at),
            "answer": feedback.answer,
            "answered_at": _plain(feedback.answered_at),
            "comment": feedback.comment,
            "commented_at": _plain(feedback.commented_at),
        }
        for feedback in await uow.feedback.of_person(person.id)
    ]


async def forget(uow: UnitOfWork, person: User) -> int:
    """Before the person is erased: their words go, and nothing ties their answers to them
    or to a meetup or event; the answers stay as anonymous counts. Returns how many."""
    return await uow.feedback.anonymise_person(person.id)
