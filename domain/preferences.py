"""A newcomer's wish for their buddy's gender, when it keeps every buddy away.

A coordinator may ask the newcomer, in their own language, whether any buddy would be
fine; the wish stays theirs: one tap widens it, one keeps it, and the coordinator who
asked is told either way. Nothing changes until the newcomer answers.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.profile import GENDERS
from domain.staff import coordinators_of, is_coordinator, person_in_programme
from storage.models import Role, User, UserStatus
from storage.uow import UnitOfWork

NO_PREFERENCE = "none"  # what onboarding stores for "No preference"


def has_preference(person: User) -> bool:
    return person.gender_preference in GENDERS


async def ask_to_relax(uow: UnitOfWork, coordinator: User, newcomer_id: int, now: datetime) -> User:
    """Ask a waiting newcomer whether any buddy is fine (a pushed message with two
    buttons); audited. Returns the newcomer."""
    newcomer = await person_in_programme(uow, coordinator, newcomer_id)
    if newcomer.role != Role.NEWCOMER.value or newcomer.status != UserStatus.WAITING.value:
        raise DomainError("not_waiting")
    if not has_preference(newcomer):
        raise DomainError("no_preference")
    push(
        uow,
        newcomer,
        Notice.PREFERENCE_RELAX_ASK,
        params={
            "name": newcomer.first_name,
            "preference": newcomer.gender_preference,
            "coordinator_id": coordinator.id,
        },
        due=now,
    )
    uow.audit.by(coordinator, "preference.relax_asked", person_id=newcomer.id)
    return newcomer


async def answer_relax(
    uow: UnitOfWork, newcomer: User, relax: bool, coordinator_id: int, now: datetime
) -> bool:
    """The newcomer's answer: with `relax` any buddy is fine from now on. The coordinator
    who asked is told (every coordinator of the programme when that one is gone).
    Returns whether the profile changed."""
    if newcomer.role != Role.NEWCOMER.value:
        raise DomainError("stale_button")
    changed = relax and has_preference(newcomer)
    if changed:
        newcomer.gender_preference = NO_PREFERENCE
    uow.audit.by(newcomer, "preference.relaxed" if relax else "preference.kept")
    asker = await uow.users.get(coordinator_id)
    if asker is not None and asker.programme_id == newcomer.programme_id and is_coordinator(asker):
        told = [asker]
    else:
        told = await coordinators_of(uow, newcomer.programme_id)
    for coordinator in told:
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_PREFERENCE_ANSWER,
            params={
                "newcomer_id": newcomer.id,
                "name": newcomer.first_name,
                "relaxed": relax,
                "waiting": newcomer.status == UserStatus.WAITING.value,
            },
            due=now,
        )
    return changed
