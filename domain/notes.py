"""Coordinators' notes on a person: short, private to the coordinators, audited."""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.staff import person_in_programme
from storage.models import PersonNote, User
from storage.uow import UnitOfWork

NOTE_MAX = 1000


async def add_note(
    uow: UnitOfWork, coordinator: User, person_id: int, text: str, now: datetime
) -> PersonNote:
    """Save a note (whitespace folded, at most NOTE_MAX characters) on a person."""
    person = await person_in_programme(uow, coordinator, person_id)
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise DomainError("note_empty")
    if len(cleaned) > NOTE_MAX:
        raise DomainError("note_too_long", limit=NOTE_MAX)
    note = PersonNote(
        person_id=person.id, author_id=coordinator.telegram_id, text=cleaned, created_at=now
    )
    uow.notes.add(note)
    uow.audit.by(coordinator, "person.note", person_id=person.id)
    return note


async def notes(uow: UnitOfWork, coordinator: User, person_id: int) -> list[PersonNote]:
    """The notes on a person of the coordinator's programme, oldest first."""
    person = await person_in_programme(uow, coordinator, person_id)
    return await uow.notes.of_person(person.id)
