"""A member asks the coordinators to end or change their pair; the coordinators decide."""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.notices import Notice
from domain.notify import push
from domain.pairs import pair_of
from domain.staff import coordinators_of
from storage.models import Pair, User
from storage.uow import UnitOfWork

KINDS = ("end", "change")


async def request_change(
    uow: UnitOfWork,
    person: User,
    kind: str,
    now: datetime,
    *,
    pair: Pair | None = None,
    reason: str | None = None,
) -> Pair:
    """Tell every coordinator of the programme that `person` wants their pair ended or
    changed; nothing changes until a coordinator acts. `pair` names the pair when the
    caller knows it; `reason` says where the request came from when it was not the
    member's own "ask for a change" (e.g. "first_meeting:go_on", domain/first_meeting.py)."""
    if kind not in KINDS:
        raise DomainError("invalid_choice")
    pair = pair or await pair_of(uow, person)
    if pair is None:
        raise DomainError("no_pair")
    for coordinator in await coordinators_of(uow, person.programme_id):
        push(
            uow,
            coordinator,
            Notice.COORDINATOR_CHANGE_REQUEST,
            {
                "pair_id": pair.id,
                "kind": kind,
                "name": person.first_name,
                "role": person.role,
                "gender": person.gender,
                **({"reason": reason} if reason else {}),
            },
            due=now,
        )
    uow.audit.by(
        person,
        "pair.change_requested",
        pair_id=pair.id,
        kind=kind,
        **({"reason": reason} if reason else {}),
    )
    return pair
