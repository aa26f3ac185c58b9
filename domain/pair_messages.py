"""The pair writes to each other through the bot, so nobody needs the other's username or
phone number.

- Only the two people of an active pair; a paused or ended pair can no longer write.
- Telegram copies each message (text, voice note, photo, location...) from the sender's
  chat: the bot keeps message ids until delivery, never the content.
- Delivered at once, like any chat message; a partner who blocked the bot is not written
  to, and a message that finds them blocked tells the sender.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import DomainError
from domain.inbox import Copy
from domain.notices import Notice
from domain.notify import push
from storage.models import Pair, PairStatus, User
from storage.uow import UnitOfWork


async def pair_for_writing(uow: UnitOfWork, person: User, pair_id: int) -> Pair | None:
    """The person's own pair with this id, or None (someone else's, or made up)."""
    pair = await uow.pairs.get(pair_id)
    if pair is None or person.id not in (pair.newcomer_id, pair.buddy_id):
        return None
    return pair


async def partner_to_write(uow: UnitOfWork, person: User, pair: Pair) -> User:
    """The partner the person may write to now, or a DomainError saying why not."""
    if pair.status != PairStatus.ACTIVE.value:
        raise DomainError("relay_closed")
    partner_id = pair.buddy_id if pair.newcomer_id == person.id else pair.newcomer_id
    partner = await uow.users.get(partner_id) if partner_id else None
    if partner is None:
        raise DomainError("relay_closed")
    if not partner.reachable:
        raise DomainError("partner_unreachable", name=partner.first_name or "?")
    return partner


async def partner_or_none(uow: UnitOfWork, person: User, pair: Pair) -> User | None:
    """The partner the person may write to now, or None (`partner_to_write` says why)."""
    try:
        return await partner_to_write(uow, person, pair)
    except DomainError:
        return None


def _relay_key(pair: Pair, message: Copy) -> str:
    return f"relay:{pair.id}:{message.chat_id}:{message.message_id}"


async def relayed(uow: UnitOfWork, pair: Pair, message: Copy) -> bool:
    """Whether this message went to the partner already."""
    return await uow.outbox.has_dedup_key(_relay_key(pair, message))


async def write(uow: UnitOfWork, person: User, pair: Pair, message: Copy, now: datetime) -> User:
    """Relay one message to the partner; returns the partner. A message relayed before (a
    second tap on its button) is not sent again."""
    partner = await partner_to_write(uow, person, pair)
    if await relayed(uow, pair, message):
        return partner
    push(
        uow,
        partner,
        Notice.PAIR_MESSAGE,
        {
            **message.params(),
            "pair_id": pair.id,
            "sender_name": person.first_name or "?",
            "undelivered": {
                "chat_id": person.telegram_id,
                "recipient_id": person.id,
                "key": Notice.INBOX_UNDELIVERED.value,
                "params": {"person_id": partner.id, "name": partner.first_name},
            },
        },
        due=now,
        dedup_key=_relay_key(pair, message),
        priority=0,
        respect_quiet_hours=False,
    )
    return partner
