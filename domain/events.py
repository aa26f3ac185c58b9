"""Community events: created by a coordinator, announced to a segment with RSVP buttons.

"Going" beyond the capacity puts a person on the waiting list (in the order of their
answers); when someone with a place cancels, the first person waiting moves up and is
told. People going get a reminder the day before (an outbox row, held during quiet
hours, cancelled when they cancel).

Only people the event was offered to may answer: its invitation was sent to them, or
they answered before (an invitation, or the "you moved up" message, had the buttons).
Anyone else pressing a forged RSVP button learns nothing, as for an unknown event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain import broadcasts
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.quiet import next_allowed
from domain.staff import of_programme, require_coordinator
from storage.models import Broadcast, Event, OutboxStatus, Rsvp, User
from storage.uow import UnitOfWork

TITLE_MAX = 120
PLACE_MAX = 200
DESCRIPTION_MAX = 1000
CAPACITY_MAX = 1000
PLAN_AHEAD = timedelta(days=365)
REMINDER_LEAD = timedelta(days=1)
ANSWERS = ("going", "maybe", "no")
GOING = "going"
OPEN = "open"
INVITE_KEY = Notice.EVENT_INVITE
UPCOMING_LIMIT = 20


@dataclass(frozen=True)
class Draft:
    """What a coordinator typed so far; `texts` holds versions in other languages."""

    title: str
    starts_at: datetime
    place: str
    capacity: int
    description: str = ""
    texts: dict[str, dict[str, str]] | None = None


@dataclass(frozen=True)
class Answer:
    """The result of an RSVP: the person's state now, and who moved up because of it."""

    answer: str
    waitlisted: bool = False
    position: int = 0
    moved_up: User | None = None
    unchanged: bool = False


@dataclass(frozen=True)
class EventView:
    event: Event
    going: list[User]
    waiting: list[User]
    maybe: list[User]
    declined: int


def _clean(text: str | None, limit: int, empty_key: str) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError(empty_key)
    if len(cleaned) > limit:
        raise DomainError("event_text_too_long", limit=limit)
    return cleaned


def check_title(text: str | None) -> str:
    return _clean(text, TITLE_MAX, "event_title_empty")


def check_place(text: str | None) -> str:
    return _clean(text, PLACE_MAX, "event_place_empty")


def check_description(text: str | None) -> str:
    lines = [" ".join(line.split()) for line in (text or "").strip().splitlines()]
    cleaned = "\n".join(lines).strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise DomainError("event_text_too_long", limit=DESCRIPTION_MAX)
    return cleaned


def check_capacity(value: int | str) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= CAPACITY_MAX:
        raise DomainError("event_capacity", limit=CAPACITY_MAX)
    return int(text)


def check_start(starts_at: datetime, now: datetime) -> datetime:
    if starts_at <= now:
        raise DomainError("event_in_past")
    if starts_at > now + PLAN_AHEAD:
        raise DomainError("invalid_choice")
    return starts_at


def check_version(text: str | None) -> dict[str, str]:
    """A version in another language: the title on the first line, the description below."""
    first, _, rest = (text or "").strip().partition("\n")
    return {"title": check_title(first), "description": check_description(rest)}


async def create(uow: UnitOfWork, coordinator: User, draft: Draft, now: datetime) -> Event:
    """Save a new open event of the coordinator's programme (the caller commits)."""
    require_coordinator(coordinator)
    texts = dict(draft.texts or {})
    if any(code not in SUPPORTED_LANGUAGES or code == "nl" for code in texts):
        raise DomainError("invalid_choice")
    event = Event(
        programme_id=coordinator.programme_id,
        title=check_title(draft.title),
        description=check_description(draft.description),
        texts={
            code: check_version(v["title"] + "\n" + v["description"]) for code, v in texts.items()
        },
        starts_at=check_start(draft.starts_at, now),
        place=check_place(draft.place),
        capacity=check_capacity(draft.capacity),
        status=OPEN,
        created_by=coordinator.telegram_id,
        created_at=now,
    )
    uow.events.add(event)
    await uow.events.flush()
    uow.audit.by(coordinator, "event.created", event_id=event.id)
    return event


async def event_in_programme(uow: UnitOfWork, coordinator: User, event_id: int) -> Event:
    """An event of the coordinator's programme, or "not found"."""
    require_coordinator(coordinator)
    return of_programme(coordinator, await uow.events.get(event_id))


async def upcoming(
    uow: UnitOfWork, coordinator: User, now: datetime
) -> list[tuple[Event, dict[str, int]]]:
    """Events from today on, soonest first, with their answer counts."""
    require_coordinator(coordinator)
    events = await uow.events.upcoming(
        coordinator.programme_id, now - timedelta(hours=12), UPCOMING_LIMIT
    )
    tally = await uow.events.tally([e.id for e in events])
    return [(event, tally.get(event.id, {})) for event in events]


async def view(uow: UnitOfWork, coordinator: User, event_id: int) -> EventView:
    """Who is going, who waits (in order) and who might come."""
    event = await event_in_programme(uow, coordinator, event_id)
    going: list[User] = []
    waiting: list[User] = []
    maybe: list[User] = []
    declined = 0
    for rsvp, person in await uow.events.answers(event.id):
        if rsvp.answer == GOING:
            (waiting if rsvp.waitlisted else going).append(person)
        elif rsvp.answer == "maybe":
            maybe.append(person)
        else:
            declined += 1
    return EventView(event=event, going=going, waiting=waiting, maybe=maybe, declined=declined)


def versions(event: Event) -> dict[str, Any]:
    """Title and description by language; Dutch is the event's own."""
    return {"nl": {"title": event.title, "description": event.description}, **event.texts}


def details(event: Event) -> dict[str, Any]:
    """What a pushed message about the event needs (the texts come with the broadcast)."""
    return {
        "event_id": event.id,
        "starts_at": event.starts_at.isoformat(),
        "place": event.place,
        "capacity": event.capacity,
    }


async def announce(
    uow: UnitOfWork,
    coordinator: User,
    event_id: int,
    segment: broadcasts.Segment,
    now: datetime,
    *,
    report_chat_id: int | None = None,
    report_message_id: int | None = None,
) -> Broadcast:
    """Invite a segment, with RSVP buttons: a broadcast like any other (same delivery,
    progress and report)."""
    event = await event_in_programme(uow, coordinator, event_id)
    if event.status != OPEN or event.starts_at <= now:
        raise DomainError("event_closed")
    return await broadcasts.send(
        uow,
        coordinator,
        segment,
        versions(event),
        now,
        report_chat_id=report_chat_id,
        report_message_id=report_message_id,
        key=INVITE_KEY,
        params=details(event),
    )


# --- answers -----------------------------------------------------------------------------


def _reminder_key(event: Event, person: User) -> str:
    return f"ev:{event.id}:rem:{person.id}"


def _notice_params(event: Event) -> dict[str, Any]:
    titles = {code: version["title"] for code, version in versions(event).items()}
    return {**details(event), "titles": titles}


async def _plan_reminder(uow: UnitOfWork, event: Event, person: User, now: datetime) -> None:
    due = event.starts_at - REMINDER_LEAD
    if due <= now:
        return  # they answered less than a day before: no reminder needed
    key = _reminder_key(event, person)
    existing = await uow.events.outbox_row(key)
    if existing is None:
        push(
            uow,
            person,
            Notice.EVENT_REMINDER,
            # The time shown in the person's own time zone.
            _notice_params(event) | {"tz": str(person_tz(person))},
            due=due,
            dedup_key=key,
            event_starts_at=event.starts_at,
            expires_at=event.starts_at,
        )
    elif existing.status == OutboxStatus.CANCELLED.value:
        # Going again after cancelling: the same row comes back (its key is unique).
        existing.status = OutboxStatus.PENDING.value
        existing.due_at = next_allowed(
            due,
            person_tz(person),
            person.quiet_from,
            person.quiet_until,
            event_starts_at=event.starts_at,
        )
        existing.claimed_by = None
        existing.claimed_at = None


async def answer(
    uow: UnitOfWork, person: User | None, event_id: int, choice: str, now: datetime
) -> Answer:
    """Record a person's answer; enforce the capacity with a waiting list."""
    if person is None or person.profile_done_at is None:
        raise DomainError("not_registered")
    if choice not in ANSWERS:
        raise DomainError("invalid_choice")
    event = await uow.events.get(event_id, lock=True)
    if event is None or event.programme_id != person.programme_id:
        raise DomainError("not_found")
    rsvp = await uow.events.rsvp(event.id, person.id)
    if rsvp is None and not await uow.events.was_invited(event.id, person.id, INVITE_KEY):
        raise DomainError("not_found")  # never offered: the same answer as a forged id
    if event.status != OPEN or event.starts_at <= now:
        raise DomainError("event_closed")
    had_place = rsvp is not None and rsvp.answer == GOING and not rsvp.waitlisted
    if choice == GOING:
        if rsvp is not None and rsvp.answer == GOING:
            position = await uow.events.waiting_position(rsvp) if rsvp.waitlisted else 0
            return Answer(GOING, rsvp.waitlisted, position, unchanged=True)
        full = await uow.events.going_count(event.id) >= event.capacity
        if rsvp is None:
            rsvp = Rsvp(event_id=event.id, person_id=person.id, answer=GOING)
            uow.events.add_rsvp(rsvp)
        rsvp.answer, rsvp.waitlisted, rsvp.answered_at = GOING, full, now
        await uow.events.flush()
        if full:
            return Answer(GOING, True, await uow.events.waiting_position(rsvp))
        await _plan_reminder(uow, event, person, now)
        return Answer(GOING)
    if rsvp is None:
        rsvp = Rsvp(event_id=event.id, person_id=person.id, answer=choice)
        uow.events.add_rsvp(rsvp)
    elif rsvp.answer == choice:
        return Answer(choice, unchanged=True)
    rsvp.answer, rsvp.waitlisted, rsvp.answered_at = choice, False, now
    await uow.events.cancel_outbox_row(_reminder_key(event, person))
    await uow.events.flush()
    moved_up = await _move_up(uow, event, now) if had_place else None
    return Answer(choice, moved_up=moved_up)


async def withdraw(uow: UnitOfWork, person: User, now: datetime) -> int:
    """Before a person is erased, their answers go: a place they held passes to the first
    person waiting (who is told), so nobody's seat is lost to an erased account. Returns
    how many places were handed on."""
    handed_on = 0
    for rsvp in await uow.events.rsvps_of(person.id):
        had_place = rsvp.answer == GOING and not rsvp.waitlisted
        event = await uow.events.get(rsvp.event_id, lock=True)
        await uow.events.delete_rsvp(rsvp)
        if event is None or not had_place or event.status != OPEN or event.starts_at <= now:
            continue
        handed_on += await _move_up(uow, event, now) is not None
    return handed_on


async def _move_up(uow: UnitOfWork, event: Event, now: datetime) -> User | None:
    """Give a free place to the first person waiting, and tell them."""
    if await uow.events.going_count(event.id) >= event.capacity:
        return None
    first = await uow.events.first_waiting(event.id)
    if first is None:
        return None
    person = await uow.users.get(first.person_id)
    first.waitlisted = False
    if person is None:
        return None
    push(
        uow,
        person,
        Notice.EVENT_MOVED_UP,
        _notice_params(event),
        due=now,
        event_starts_at=event.starts_at,
        expires_at=event.starts_at,
    )
    await _plan_reminder(uow, event, person, now)
    uow.audit.record(
        "event.moved_up", programme_id=event.programme_id, actor_id=None, event_id=event.id
    )
    return person
