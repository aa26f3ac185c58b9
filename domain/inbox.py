"""Nobody is left unheard: people write to the coordinators, and the coordinators answer.

- What a person sends (text, voice note, photo, document...) is copied by Telegram to the
  coordinators: into the person's topic of the coordinators' forum group when there is one
  (COORDINATOR_CHAT_ID), else to each coordinator's private chat, outside their quiet
  hours. The bot keeps the ids of the message, never its content.
- A coordinator's answer is copied back to the person as it was written, with the
  coordinator's first name. A person who blocked the bot is not written to; the
  coordinator is told instead.
- Urgent messages (a concern "I feel unsafe") reach every coordinator privately at once,
  quiet hours or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.pairs import pair_in_programme
from domain.staff import coordinators_of, person_in_programme
from storage.models import User
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Copy:
    """A message to be copied by Telegram: the chat it is in and its id."""

    chat_id: int
    message_id: int

    def params(self) -> dict[str, int]:
        return {"from_chat": self.chat_id, "message_id": self.message_id}


async def about(uow: UnitOfWork, person: User) -> dict[str, Any]:
    """What coordinators see about the person at the top of their thread: name, role,
    contact language, pair and open concerns."""
    pair = await uow.pairs.open_of(person.id)
    partner_name = None
    if pair is not None:
        other_id = pair.buddy_id if pair.newcomer_id == person.id else pair.newcomer_id
        other = await uow.users.get(other_id) if other_id else None
        partner_name = other.first_name if other else None
    open_concerns = await uow.concerns.open_of_person(person.id)
    return {
        "person_id": person.id,
        "name": person.first_name or "?",
        "role": person.role or "",
        "language": person.contact_language,
        "pair_id": pair.id if pair else None,
        "partner_name": partner_name,
        "open_concerns": len(open_concerns),
        "reachable": person.reachable,
    }


async def to_coordinators(
    uow: UnitOfWork,
    person: User,
    kind: Notice,
    params: dict[str, Any],
    now: datetime,
    *,
    group_chat_id: int | None,
    urgent: bool = False,
) -> int:
    """Queue a message about `person` for the coordinators (see the module docstring);
    returns how many chats it goes to. Raises "no_coordinator" when nobody would get it."""
    header = await about(uow, person)
    payload = {**header, **params}
    chats = 0
    if group_chat_id is not None:
        programme = await uow.programmes.get(person.programme_id)
        uow.outbox.enqueue(
            chat_id=group_chat_id,
            programme_id=person.programme_id,
            key=kind.value,
            # No recipient: the group is nobody's; it is rendered in the programme's language.
            params={
                **payload,
                "topic": True,
                "locale": programme.default_language if programme else None,
            },
            due_at=now,
            priority=0 if urgent else 1,
        )
        chats += 1
    if group_chat_id is None or urgent:
        for coordinator in await coordinators_of(uow, person.programme_id):
            if coordinator.id == person.id:
                continue
            push(
                uow,
                coordinator,
                kind,
                payload,
                due=now,
                priority=0 if urgent else 1,
                respect_quiet_hours=not urgent,
            )
            chats += 1
    if chats == 0:
        raise DomainError("no_coordinator")
    thread = await uow.inbox.of_person(person.id)
    if thread is not None:
        thread.last_message_at = now
    return chats


async def send_to_coordinators(
    uow: UnitOfWork, person: User, message: Copy, now: datetime, *, group_chat_id: int | None
) -> int:
    """Relay one message of the person's to the coordinators."""
    return await to_coordinators(
        uow, person, Notice.INBOX_MESSAGE, message.params(), now, group_chat_id=group_chat_id
    )


async def answer(
    uow: UnitOfWork,
    coordinator: User,
    person_id: int,
    message: Copy,
    now: datetime,
    *,
    coordinator_name: str,
    answered_in_group: int | None = None,
) -> User:
    """Copy a coordinator's answer to a person of their programme; returns the person.

    `answered_in_group` is the coordinators' group when the answer was written in the
    person's topic: a failed delivery is reported there, else to the coordinator."""
    person = await person_in_programme(uow, coordinator, person_id)
    if not person.reachable:
        raise DomainError("person_unreachable", name=person.first_name or "?")
    if answered_in_group is not None:
        undelivered: dict[str, Any] = {
            "chat_id": answered_in_group,
            "recipient_id": None,
            "key": Notice.INBOX_UNDELIVERED.value,
            "params": {"person_id": person.id, "name": person.first_name, "topic": True},
        }
    else:
        undelivered = {
            "chat_id": coordinator.telegram_id,
            "recipient_id": coordinator.id,
            "key": Notice.INBOX_UNDELIVERED.value,
            "params": {"person_id": person.id, "name": person.first_name},
        }
    push(
        uow,
        person,
        Notice.INBOX_REPLY,
        {**message.params(), "coordinator_name": coordinator_name, "undelivered": undelivered},
        due=now,
        priority=0,
        # An answer the person waits for: it goes now, as a reply would.
        respect_quiet_hours=False,
    )
    uow.audit.by(coordinator, "inbox.answer", person_id=person.id)
    return person


async def message_pair(
    uow: UnitOfWork,
    coordinator: User,
    pair_id: int,
    message: Copy,
    now: datetime,
    *,
    coordinator_name: str,
) -> list[User]:
    """Copy a coordinator's message to both people of a pair of their programme (those who
    can still get it); returns who it goes to, or "pair_unreachable" when nobody can."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    people = [
        person
        for person_id in (pair.newcomer_id, pair.buddy_id)
        if person_id is not None
        and (person := await uow.users.get(person_id)) is not None
        and person.reachable
    ]
    if not people:
        raise DomainError("pair_unreachable")
    for person in people:
        push(
            uow,
            person,
            Notice.INBOX_REPLY,
            {**message.params(), "coordinator_name": coordinator_name},
            due=now,
            priority=0,
            respect_quiet_hours=False,
        )
    uow.audit.by(coordinator, "inbox.message_pair", pair_id=pair.id)
    return people
