""" "Something unclear?": a person tells the coordinators that one of the bot's messages
is hard to understand, so the wording (and its translation) can be improved.

What goes to the coordinators' inbox (domain/inbox.py) is which message it was and in
which language: the message's key (the kind of a pushed message, or the catalog msgids
found in a direct reply) and the person's contact language. Only when no key is known is
the start of the message's text sent instead: the bot's own words, never the person's.
"""

from __future__ import annotations

from datetime import datetime

from domain import inbox
from domain.notices import Notice
from storage.models import User
from storage.uow import UnitOfWork

EXCERPT_CHARS = 200  # enough to find the message; coordinators see the whole chat anyway
MAX_KEYS = 3


async def last_notification_key(uow: UnitOfWork, person: User) -> str | None:
    """The key of the last message the bot pushed to the person, if any."""
    row = await uow.outbox.last_sent_to(person.id)
    return row.key if row is not None else None


async def report(
    uow: UnitOfWork,
    person: User,
    now: datetime,
    *,
    keys: list[str],
    excerpt: str = "",
    group_chat_id: int | None,
) -> int:
    """Tell the coordinators which message the person found unclear, in which language;
    returns how many chats it goes to ("no_coordinator" when none would)."""
    params = {
        "keys": keys[:MAX_KEYS],
        "message_language": person.contact_language,
        "excerpt": "" if keys else excerpt[:EXCERPT_CHARS],
    }
    return await inbox.to_coordinators(
        uow, person, Notice.COORDINATOR_UNCLEAR, params, now, group_chat_id=group_chat_id
    )
