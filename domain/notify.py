"""Pushing a message to a person: an outbox row in the current transaction, held back
during the person's quiet hours (and, when not urgent, their quiet days: domain/quiet.py),
dropped if it only makes sense before a deadline."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from domain.notices import Notice
from domain.quiet import PersonalTime, next_allowed_for, personal_time
from storage.models import Outbox, User
from storage.uow import UnitOfWork

# The programme's time zone, for people who have none of their own. The running bot sets
# it from settings (TIMEZONE) in the context its updates, jobs and workers are handled in
# (bot.app.BotApp.start_background); a context variable rather than a module global, so
# several bots in one process (tests) never see each other's. UTC where nobody set it keeps
# a forgotten call visible rather than quietly local.
_programme_tz: ContextVar[tzinfo] = ContextVar("programme_tz", default=UTC)


def use_programme_timezone(tz: tzinfo) -> None:
    """Set the time zone of people who have not stored one, for the current context and
    every task started from it."""
    _programme_tz.set(tz)


def programme_tz() -> tzinfo:
    """The programme's time zone, as set by `use_programme_timezone`."""
    return _programme_tz.get()


def person_tz(person: User) -> tzinfo:
    """The person's own time zone when they stored one, else the programme's."""
    return ZoneInfo(person.timezone) if person.timezone else _programme_tz.get()


def personal_time_of(person: User) -> PersonalTime:
    """The person's quiet hours, days off and pause, in their own time zone."""
    return personal_time(
        person_tz(person),
        person.quiet_from,
        person.quiet_until,
        person.days_off,
        person.away_until,
    )


def push(
    uow: UnitOfWork,
    person: User,
    kind: Notice,
    params: dict[str, Any] | None = None,
    *,
    due: datetime,
    dedup_key: str | None = None,
    priority: int = 1,
    event_starts_at: datetime | None = None,
    expires_at: datetime | None = None,
    respect_quiet_hours: bool = True,
    broadcast_id: int | None = None,
) -> Outbox:
    """Queue a message of this `kind` for `person`; see the module docstring."""
    when = due
    if respect_quiet_hours:
        when = next_allowed_for(
            due, personal_time_of(person), kind=kind, event_starts_at=event_starts_at
        )
    payload = dict(params or {})
    if expires_at is not None:
        payload["expires_at"] = expires_at.isoformat()
    row = uow.outbox.enqueue(
        chat_id=person.telegram_id,
        recipient_id=person.id,
        programme_id=person.programme_id,
        key=Notice(kind).value,
        params=payload,
        due_at=when,
        priority=priority,
        dedup_key=dedup_key,
    )
    row.broadcast_id = broadcast_id
    return row


async def push_once(
    uow: UnitOfWork,
    person: User,
    kind: Notice,
    params: dict[str, Any],
    *,
    dedup_key: str,
    due: datetime,
) -> Outbox | None:
    """`push` unless a message with this dedup key was queued before (planners run
    repeatedly and must not repeat themselves)."""
    if await uow.outbox.has_dedup_key(dedup_key):
        return None
    return push(uow, person, kind, params, due=due, dedup_key=dedup_key)


REPLY_KEPT = timedelta(hours=6)  # after that a late answer would confuse more than help


async def queue_reply(
    uow: UnitOfWork, chat_id: int, text: str, markup: dict[str, Any] | None, now: datetime
) -> Outbox:
    """Keep a reply Telegram did not take (it answered 5xx or timed out through every
    retry) for the delivery worker, first in line, so the person still gets it. Rows of a
    known person are theirs (erased with them); quiet hours do not apply to an answer."""
    person = await uow.users.by_telegram_id(chat_id)
    params: dict[str, Any] = {"text": text, "expires_at": (now + REPLY_KEPT).isoformat()}
    if markup:
        params["reply_markup"] = markup
    return uow.outbox.enqueue(
        chat_id=chat_id,
        recipient_id=person.id if person else None,
        programme_id=person.programme_id if person else None,
        key=Notice.REPLY,
        params=params,
        due_at=now,
        priority=0,
    )
