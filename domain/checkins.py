"""Check-ins: a few one-tap questions that show what the programme changed for people.

- Newcomers: how confident they feel speaking Dutch, whether they know where to go for
  leisure, sport or help (1-5), and how many people they can ask for help (0, 1-2, 3-5,
  more). Buddies: what they gain (1-5).
- When: at the end of onboarding (the "before"), at 20 confirmed hours, at the end of the
  trajectory (with the end evaluation; buddies are also asked whether to take another
  newcomer), and 3 and 6 months after the end (with the outflow questions: what they do
  now, and whether they are still in contact with their partner).
- Each check-in is made once (its `key`), sent outside the person's quiet hours, and
  reminded of once at most. Every question can be skipped; skipping is kept as SKIPPED.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from domain import dutch_practice
from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from storage.models import SKIPPED, CheckIn, CheckInMoment, Pair, Role, User, UserStatus
from storage.uow import UnitOfWork

SCALE = (1, 2, 3, 4, 5)
PEOPLE = (0, 1, 2, 3)  # nobody, 1-2, 3-5, more
YES_NO = (1, 0)
DOING_NOW = ("club_leisure", "volunteering", "course", "work", "nothing_yet", "other")

# Every question and the answers it takes (besides SKIPPED).
ANSWERS: dict[str, Sequence[int | str]] = {
    "dutch_confidence": SCALE,
    "knows_where": SCALE,
    "people_to_ask": PEOPLE,
    "learnt_cultures": SCALE,
    "feels_connected": SCALE,
    "worth_time": SCALE,
    "programme_rating": SCALE,
    "would_recommend": YES_NO,
    "another_newcomer": YES_NO,
    "doing_now": DOING_NOW,
    "still_in_contact": YES_NO,
}
CORE = {
    Role.NEWCOMER.value: ("dutch_confidence", "knows_where", "people_to_ask"),
    Role.BUDDY.value: ("learnt_cultures", "feels_connected", "worth_time"),
}
FOLLOW_UPS = {CheckInMoment.MONTH_3: timedelta(days=91), CheckInMoment.MONTH_6: timedelta(days=182)}
# The first check-in waits a little, so the welcome screen is read first.
AFTER_ONBOARDING = timedelta(minutes=10)
REMIND_AFTER = timedelta(days=3)
HOURS_MOMENT = 20


def questions_for(role: str, moment: CheckInMoment) -> list[str]:
    """The questions of a check-in, in the order they are asked."""
    questions = list(CORE.get(role, ()))
    if moment is CheckInMoment.END:
        questions += ["programme_rating", "would_recommend"]
        if role == Role.BUDDY.value:
            questions.append("another_newcomer")
    elif moment in FOLLOW_UPS:
        questions += ["doing_now", "still_in_contact"]
    return questions


def next_question(check_in: CheckIn) -> int | None:
    """The index of the first question not answered (nor skipped) yet, or None."""
    for index, question in enumerate(check_in.questions):
        if question not in check_in.answers:
            return index
    return None


async def open_check_in(
    uow: UnitOfWork,
    person: User,
    moment: CheckInMoment,
    pair: Pair | None,
    now: datetime,
    role: str | None = None,
) -> CheckIn | None:
    """Make the person's check-in for this moment (once) and send its first question;
    None when there is nothing to ask (already made, or a role without questions).
    `role`: the one they had in `pair` (a newcomer may have become a buddy since,
    domain/role_change.py); their role now when not given."""
    role = role or person.role
    if role not in CORE:
        return None
    key = f"{person.id}:{moment.value}:{pair.id if pair else 0}"
    if await uow.check_ins.by_key(key) is not None:
        return None
    check_in = CheckIn(
        programme_id=person.programme_id,
        person_id=person.id,
        pair_id=pair.id if pair else None,
        role=role,
        moment=moment.value,
        key=key,
        questions=questions_for(role, moment),
        answers={},
        created_at=now,
    )
    uow.check_ins.add(check_in)
    await uow.check_ins.flush()
    due = now + AFTER_ONBOARDING if moment is CheckInMoment.ONBOARDING else now
    push(
        uow,
        person,
        Notice.CHECKIN_ASK,
        {"check_in_id": check_in.id, "moment": moment.value, "role": role, "question": 0},
        due=due,
        dedup_key=f"checkin:{check_in.id}",
    )
    return check_in


async def open_for_pair(
    uow: UnitOfWork, pair: Pair, moment: CheckInMoment, now: datetime
) -> list[CheckIn]:
    """The check-in of both people of a pair (those still here), each in the role they
    had in it."""
    made = []
    for person_id, role in ((pair.newcomer_id, Role.NEWCOMER), (pair.buddy_id, Role.BUDDY)):
        person = await uow.users.get(person_id) if person_id else None
        if person is not None and person.reachable:
            check_in = await open_check_in(uow, person, moment, pair, now, role.value)
            if check_in is not None:
                made.append(check_in)
    return made


async def answer(
    uow: UnitOfWork, person: User, check_in_id: int, index: int, value: str, now: datetime
) -> CheckIn:
    """Record the person's answer (or SKIPPED) to question `index` of their own check-in.
    An answer given before is kept (a second tap changes nothing)."""
    check_in = await uow.check_ins.get(check_in_id)
    if check_in is None or check_in.person_id != person.id:
        raise DomainError("not_found")
    if not 0 <= index < len(check_in.questions):
        raise DomainError("invalid_choice")
    question = check_in.questions[index]
    if question in check_in.answers:
        return check_in
    allowed = {str(option): option for option in ANSWERS[question]}
    if value != SKIPPED and value not in allowed:
        raise DomainError("invalid_choice")
    chosen = SKIPPED if value == SKIPPED else allowed[value]
    check_in.answers = {**check_in.answers, question: chosen}  # a new dict: JSON is saved
    if question == "another_newcomer" and chosen == 0 and person.status == UserStatus.WAITING.value:
        # A buddy who does not want another newcomer now leaves the list of free buddies.
        person.status = UserStatus.INACTIVE.value
    if next_question(check_in) is None:
        check_in.answered_at = now
        # More Dutch for a newcomer whose confidence grew by the 20-hour check-in.
        await dutch_practice.after_check_in(uow, person, check_in, now)
    return check_in


async def plan(uow: UnitOfWork, now: datetime) -> int:
    """The periodic planner: follow-ups 3 and 6 months after a trajectory ended, and one
    reminder for check-ins left unanswered. Returns how many messages it queued."""
    queued = 0
    for moment, after in FOLLOW_UPS.items():
        # Pairs that ended in the month before the follow-up became due: the planner runs
        # daily, so nothing is missed, and old pairs are not looked at again and again.
        for pair in await uow.pairs.closed_between(now - after - timedelta(days=30), now - after):
            queued += len(await open_for_pair(uow, pair, moment, now))
    for check_in in await uow.check_ins.to_remind(now - REMIND_AFTER):
        check_in.reminded_at = now
        person = await uow.users.get(check_in.person_id)
        index = next_question(check_in)
        if person is None or index is None:
            continue
        push(
            uow,
            person,
            Notice.CHECKIN_ASK,
            {
                "check_in_id": check_in.id,
                "moment": check_in.moment,
                "role": check_in.role,
                "question": index,
                "reminder": True,
            },
            due=now,
            dedup_key=f"checkin-reminder:{check_in.id}",
        )
        queued += 1
    return queued
