"""Privacy: everything stored about a person, as data they can take with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import User
from storage.uow import UnitOfWork

EXPORTED_FIELDS = (
    "telegram_id",
    "role",
    "status",
    "contact_language",
    "first_name",
    "municipality",
    "languages",
    "interests",
    "availability",
    "dutch_level",
    "gender",
    "gender_preference",
    "capacity",
    "recruited_via",
    "timezone",
    "consent_at",
    "profile_done_at",
    "waiting_since",
    "created_at",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def export(uow: UnitOfWork, user: User) -> dict[str, Any]:
    """All personal data the programme keeps about `user`."""
    programme = await uow.programmes.get(user.programme_id)
    profile = {name: _plain(getattr(user, name)) for name in EXPORTED_FIELDS}
    return {
        "programme": programme.name if programme else None,
        "profile": profile,
    }
