"""Privacy: everything stored about a person, as data they can take with them; erasing it;
audit rows that name nobody.

Erasure (/forget) keeps the programme's numbers and nothing of the person:
- their open pairs end with the reason "erased": a buddy's place is free again, a
  newcomer whose buddy left goes back to the front of the waiting list, and nudges and
  coordinator alerts stop with the pair; the partner and the coordinators are told,
  without the name;
- meetups of their pairs still planned are cancelled with their reminders (the partner
  gets a calendar cancellation), and every meetup's place, typed by one of the two, is
  blanked;
- every pushed message to them is deleted; messages to others that speak of them (their
  pairs, meetups, hours or Telegram id) are cancelled when not delivered yet, and lose
  their params, which carry names and places, in any case;
- places they held at community events pass to the people waiting;
- what they answered after a first meeting goes with them;
- their feedback answers stay as anonymous counts: their words go, and so does what tied
  an answer to them, a meetup or an event;
- audit rows about them keep the action, with a pseudonym instead of the person;
- the person row goes; hours stay as anonymous numbers of the pair (foreign keys SET NULL).
- a partner's invite links lose their Telegram id; the offers they wrote are their
  organisation's and stay (domain/offers.py).

Audit rows of refused attempts never hold a Telegram id or what the person typed: a
known person appears as an alias of their row (replaced by the pseudonym on erasure), a
stranger as a keyed hash whose key lives only in this process's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from domain import events as event_service
from domain import feedback as feedback_service
from domain import placements, role_change, staff
from domain.hours import COORDINATOR_SOURCE
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.pairs import OPEN_PAIR, pairs_of
from storage.models import (
    ERASED_END_REASON,
    Meetup,
    MeetupStatus,
    Pair,
    PairStatus,
    Role,
    User,
    UserStatus,
)
from storage.uow import UnitOfWork

EXPORTED_FIELDS = (
    "telegram_id",
    "role",
    "status",
    "contact_language",
    "first_name",
    "username",
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
    "quiet_from",
    "quiet_until",
    "days_off",
    "away_until",
    "dutch_practice",
    "consent_at",
    "profile_done_at",
    "waiting_since",
    "created_at",
)
PARTNER_NOTICE = Notice.PAIR_ERASED
COORDINATOR_NOTICE = Notice.COORDINATOR_PAIR_ERASED
PLANNED = (MeetupStatus.PROPOSED.value, MeetupStatus.ACCEPTED.value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


async def export(uow: UnitOfWork, user: User) -> dict[str, Any]:
    """All personal data the programme keeps about `user`."""
    programme = await uow.programmes.get(user.programme_id)
    profile = {name: _plain(getattr(user, name)) for name in EXPORTED_FIELDS}
    return {
        "programme": programme.name if programme else None,
        "profile": profile,
        "hours": await _hours(uow, user),
        # A partner's organisation (its offers are the organisation's, not theirs).
        "organisation": await _organisation(uow, user),
        # What they reported, without the words: those were only passed on by Telegram.
        "concerns": [
            {
                "kind": concern.kind,
                "status": concern.status,
                "reported_at": _plain(concern.created_at),
                "acknowledged_at": _plain(concern.acknowledged_at),
                "closed_at": _plain(concern.closed_at),
            }
            for concern in await uow.concerns.of_reporter(user.id)
        ],
        "check_ins": [
            {
                "moment": check_in.moment,
                "answers": check_in.answers,
                "asked_at": _plain(check_in.created_at),
                "answered_at": _plain(check_in.answered_at),
            }
            for check_in in await uow.check_ins.of_person(user.id)
        ],
        # "How was it?" after meetups and events, with the words added.
        "feedback": await feedback_service.export(uow, user),
        # Asking to become a buddy, and the answer (erased with the person: ON DELETE CASCADE).
        "role_changes": await role_change.of_person(uow, user),
        # Their pairs' applications for duo volunteering (the host, never the partner's name);
        # /forget keeps them only as the pair's anonymous numbers (applied_by SET NULL).
        "placement_applications": await placements.export_of(uow, user),
        "proofs_of_participation": [
            {
                "code": certificate.code,
                "minutes": certificate.minutes,
                "issued_at": _plain(certificate.issued_at),
            }
            for certificate in await uow.certificates.of_person(user.id)
        ],
        # A coordinator's recordings of the key messages (their voice): which, not the sound,
        # which stays on Telegram. /forget deletes them with the person (ON DELETE CASCADE).
        "voice_recordings": [
            {
                "message": recording.message_key,
                "language": recording.locale,
                "recorded_at": _plain(recording.recorded_at),
            }
            for recording in await uow.voices.of_person(user.id)
        ],
        # Their answers after a first meeting (never shown to the partner); /forget deletes
        # them with the person (ON DELETE CASCADE).
        "first_meeting_answers": [
            {
                "question": row.question,
                "answer": row.answer,
                "answered_at": _plain(row.answered_at),
            }
            for row in await uow.first_meetings.of_person(user.id)
        ],
    }


async def _organisation(uow: UnitOfWork, user: User) -> str | None:
    """The name of the organisation a partner speaks for, if any."""
    if user.organisation_id is None:
        return None
    organisation = await uow.partners.organisation(user.organisation_id)
    return organisation.name if organisation else None


async def _hours(uow: UnitOfWork, user: User) -> list[dict[str, Any]]:
    """The ledger of every pair the person was in, each entry with who typed it in (the
    person, their partner, or a coordinator) and never the partner's name."""
    pair_ids = [pair.id for pair in await uow.pairs.ever_of(user.id)]
    return [
        {
            "started_at": _plain(entry.started_at),
            "minutes": entry.minutes,
            "activity_kind": entry.activity_kind,
            "status": entry.status,
            "source": entry.source,
            "entered_by": (
                "coordinator"
                if entry.source == COORDINATOR_SOURCE
                else "you"
                if entry.logged_by == user.id
                else "partner"
            ),
        }
        for entry in await uow.hours.of_pairs(pair_ids)
    ]


# --- pseudonyms in the audit log ---------------------------------------------------------


def member_alias(person_id: int) -> str:
    """How audit rows name a known person: their row, never their Telegram id."""
    return f"person-{person_id}"


@cache
def _process_key() -> bytes:
    return secrets.token_bytes(32)


def stranger_alias(telegram_id: int) -> str:
    """How audit rows name someone without a profile: repeated attempts link to each other
    while this process runs, but nobody can get back to the Telegram id, since the key is
    random and never leaves memory."""
    digest = hmac.new(_process_key(), str(telegram_id).encode(), hashlib.sha256).hexdigest()
    return f"anon-{digest[:12]}"


def audit_refusal(
    uow: UnitOfWork, action: str, user: User | None, telegram_id: int, *, attempt: str
) -> None:
    """Record a refused attempt. `attempt` must be a name from a fixed list (a command, a
    button prefix), never what the person typed: arguments and forged data are theirs."""
    uow.audit.record(
        action,
        programme_id=user.programme_id if user else None,
        actor_id=None,
        actor=member_alias(user.id) if user else stranger_alias(telegram_id),
        attempt=attempt,
    )


# --- erasure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What erasing a person did: counts and the pseudonym their audit rows now carry."""

    pseudonym: str
    pairs_ended: int
    meetups_cancelled: int
    messages_withdrawn: int
    event_places_handed_on: int


def _calendar_cancellation(meetup: Meetup, recipient: User) -> dict[str, object]:
    """What the partner's phone needs to drop the meetup: its UID and a higher sequence,
    with neither the other person's name nor the place they typed."""
    return {
        "meetup_id": meetup.id,
        "sequence": meetup.sequence,
        "starts_at": meetup.starts_at.isoformat(),
        "minutes": meetup.duration_minutes,
        "place": "",
        "kind": meetup.activity_kind,
        "intro": meetup.is_introduction,
        "name": None,
        "tz": str(person_tz(recipient)),
        "cancelled": True,
    }


async def _end_pair(
    uow: UnitOfWork, pair: Pair, person: User, cancelled: list[tuple[Meetup, bool]], now: datetime
) -> None:
    """End an open pair of the person being erased and tell the others, without a name.
    `cancelled` holds the pair's meetups cancelled just now, with whether they had been
    accepted (only then did calendar files go out)."""
    pair.status = PairStatus.ENDED.value
    pair.ended_at = now
    pair.end_reason = ERASED_END_REASON
    pair.paused_until = None
    await uow.pairs.save(pair)
    erased_role = Role.NEWCOMER.value if pair.newcomer_id == person.id else Role.BUDDY.value
    partner_id = pair.buddy_id if erased_role == Role.NEWCOMER.value else pair.newcomer_id
    partner = await uow.users.get(partner_id) if partner_id else None
    if partner is not None:
        rematch = False
        if partner.status != UserStatus.INACTIVE.value:
            if erased_role == Role.BUDDY.value:
                # The newcomer did nothing to lose their buddy: back to the front of the
                # list (their original waiting date), as a coordinator's rematch does.
                partner.status = UserStatus.WAITING.value
                partner.waiting_since = partner.waiting_since or now
                rematch = True
            else:
                still_open = await pairs_of(uow, partner)
                partner.status = (
                    UserStatus.MATCHED.value if still_open else UserStatus.WAITING.value
                )
        push(
            uow,
            partner,
            PARTNER_NOTICE,
            {
                "pair_id": pair.id,
                "left": erased_role,
                "rematch": rematch,
                "meetups": len(cancelled),
            },
            due=now,
        )
        for meetup, was_accepted in cancelled:
            if was_accepted:
                push(
                    uow,
                    partner,
                    Notice.MEETUP_CALENDAR,
                    _calendar_cancellation(meetup, partner),
                    due=now,
                )
    for coordinator in await staff.coordinators_of(uow, pair.programme_id):
        push(
            uow,
            coordinator,
            COORDINATOR_NOTICE,
            {"pair_id": pair.id, "left": erased_role},
            due=now,
        )


async def forget(uow: UnitOfWork, person: User, now: datetime) -> Erasure:
    """Erase `person` and everything personal about them (see the module docstring); the
    caller commits. Their audit rows keep a pseudonym nobody can trace back."""
    pseudonym = "erased-" + secrets.token_hex(6)
    pairs = await uow.pairs.ever_of(person.id)
    pair_ids = [pair.id for pair in pairs]
    meetups = await uow.meetups.of_pairs(pair_ids)
    # What was queued before goes first: the notices below speak of the same pairs.
    withdrawn = await uow.outbox.withdraw_addressed_to(person.id, person.telegram_id)
    withdrawn += await uow.outbox.forget_mentions(
        telegram_id=person.telegram_id,
        person_id=person.id,
        pair_ids=pair_ids,
        meetup_ids=[meetup.id for meetup in meetups],
        entry_ids=await uow.hours.ids_of_pairs(pair_ids),
    )
    cancelled: dict[int, list[tuple[Meetup, bool]]] = {}
    for meetup in meetups:
        meetup.place = ""
        if meetup.status in PLANNED and meetup.starts_at > now:
            was_accepted = meetup.status == MeetupStatus.ACCEPTED.value
            meetup.status = MeetupStatus.CANCELLED.value
            meetup.sequence += 1
            cancelled.setdefault(meetup.pair_id, []).append((meetup, was_accepted))
    open_pairs = [pair for pair in pairs if pair.status in OPEN_PAIR]
    for pair in open_pairs:
        await _end_pair(uow, pair, person, cancelled.get(pair.id, []), now)
    handed_on = await event_service.withdraw(uow, person, now)
    await feedback_service.forget(uow, person)
    await uow.audit.pseudonymise(
        telegram_id=person.telegram_id,
        person_id=person.id,
        alias=member_alias(person.id),
        pseudonym=pseudonym,
    )
    await uow.users.forget_staff_traces(person.telegram_id)
    await uow.partners.forget_telegram_id(person.telegram_id)  # invites made or used
    uow.audit.record(
        "person.erased",
        programme_id=person.programme_id,
        actor_id=None,
        actor=pseudonym,
        pairs_ended=len(open_pairs),
    )
    await uow.users.delete(person)
    return Erasure(
        pseudonym=pseudonym,
        pairs_ended=len(open_pairs),
        meetups_cancelled=sum(len(found) for found in cancelled.values()),
        messages_withdrawn=withdrawn,
        event_places_handed_on=handed_on,
    )
