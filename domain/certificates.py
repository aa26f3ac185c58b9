"""Proofs of participation: a certificate for a newcomer whose trajectory counted, and its
check by a coordinator.

Who gets one (`eligible`): the newcomer of a pair whose confirmed hours reached the pair's
target, or of a pair a coordinator closed as completed. A certificate keeps the pair's
confirmed minutes at the moment it was issued and a random code of `CODE_LENGTH`
characters from an alphabet without look-alikes (no 0/O, 1/I/L): about 50 bits, so codes
cannot be guessed. Its sheet (`ProofSheet`, rendered as a PDF by the handlers) lists the
confirmed entries it counted.

- The newcomer asks for theirs (`proof_for`): the first time issues it, later presses get
  the latest again. A pair that is not theirs (another person's, a forged id) is refused
  and audited, and so is a press by someone the bot does not know (the handlers).
- A coordinator issues a new one (`reissue`, audited); the newcomer is told through the
  outbox (`Notice.CERTIFICATE_READY`) in their own language. `issue` itself checks no
  eligibility: its callers do (closing a pair as completed makes it eligible).
- A coordinator checks a code (`verify`): only certificates of their own programme are
  valid to them; any other code is "not valid", never "exists elsewhere". Each check is
  audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, tzinfo

from domain.errors import DomainError
from domain.hours import COORDINATOR_SOURCE
from domain.notices import Notice
from domain.notify import person_tz, push
from domain.pairs import pair_in_programme
from domain.privacy import audit_refusal
from domain.staff import require_coordinator
from storage.models import Certificate, HourStatus, Pair, PairStatus, User
from storage.uow import UnitOfWork

# Capitals and digits that cannot be mistaken for one another when read aloud or typed.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_TYPED_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# Audit actions.
ISSUED = "certificate.issued"
VERIFIED = "certificate.verified"
REFUSED = "refused.proof"


@dataclass(frozen=True)
class Activity:
    """One confirmed entry of the ledger, as the proof lists it."""

    started_at: datetime
    kind: str
    minutes: int
    by_coordinator: bool  # entered or settled by a coordinator, else agreed by the pair


@dataclass(frozen=True)
class ProofSheet:
    """What the proof of participation shows (nothing else about the person or the pair:
    no Telegram id, no partner's name)."""

    code: str
    first_name: str
    programme: str
    minutes: int
    target_hours: int
    issued_at: datetime
    issuer: str | None  # the issuing coordinator's first name (None: the programme)
    contact_language: str
    tz: tzinfo  # the newcomer's, for the dates
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class Verification:
    """A valid certificate as a coordinator's check shows it."""

    first_name: str
    programme: str
    minutes: int
    issued_at: datetime


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """The code as people read it: two groups of five ("ABCDE-23456")."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalised(typed: str) -> str | None:
    """A code as typed (any case, with spaces or dashes) in its stored form, or None when
    it cannot be one."""
    code = re.sub(r"[\s\-‐-―]", "", typed).upper()
    return code if _TYPED_CODE.fullmatch(code) else None


def eligible(pair: Pair, confirmed_minutes: int) -> bool:
    """Whether the pair's newcomer may have a proof of participation."""
    return pair.newcomer_id is not None and (
        pair.status == PairStatus.COMPLETED.value or confirmed_minutes >= pair.target_hours * 60
    )


async def confirmed_minutes(uow: UnitOfWork, pair: Pair) -> int:
    """The pair's confirmed minutes, summed by the database."""
    return (await uow.hours.minutes_by_status(pair.id)).get(HourStatus.CONFIRMED.value, 0)


async def issue(
    uow: UnitOfWork,
    newcomer: User,
    pair: Pair,
    issued_by: User | None,
    now: datetime,
    *,
    tell: bool = True,
) -> Certificate:
    """A new certificate for the pair's newcomer with the pair's confirmed minutes; audited
    when a coordinator (`issued_by`) issues it. With `tell` the newcomer gets a message
    with a button to fetch it (not when they just asked for it themselves)."""
    if pair.newcomer_id != newcomer.id:
        raise DomainError("not_found")
    certificate = Certificate(
        programme_id=pair.programme_id,
        person_id=newcomer.id,
        pair_id=pair.id,
        code=new_code(),
        minutes=await confirmed_minutes(uow, pair),
        issued_at=now,
        issued_by=issued_by.id if issued_by is not None else None,
    )
    uow.certificates.add(certificate)
    await uow.certificates.flush()
    if issued_by is not None:
        uow.audit.by(
            issued_by,
            ISSUED,
            pair_id=pair.id,
            person_id=newcomer.id,
            certificate_id=certificate.id,
            minutes=certificate.minutes,
        )
    if tell:
        push(
            uow,
            newcomer,
            Notice.CERTIFICATE_READY,
            {"pair_id": pair.id, "minutes": certificate.minutes},
            due=now,
        )
    return certificate


async def proof_pair(
    uow: UnitOfWork, person: User, current: tuple[Pair, int] | None = None
) -> Pair | None:
    """The newest pair in which the person is the newcomer and may have a proof. With
    `current` (the person's open pair and its confirmed minutes, already known), only
    that pair is considered: its progress is what the person is looking at."""
    if current is not None:
        pair, minutes = current
        return pair if pair.newcomer_id == person.id and eligible(pair, minutes) else None
    for pair in reversed(await uow.pairs.ever_of(person.id)):
        if pair.newcomer_id != person.id:
            continue
        if pair.status == PairStatus.COMPLETED.value or eligible(
            pair, await confirmed_minutes(uow, pair)
        ):
            return pair
    return None


async def proof_for(uow: UnitOfWork, person: User, pair_id: int, now: datetime) -> ProofSheet:
    """The person's proof for their pair: the latest certificate, or a first one issued now
    when the pair is eligible. Anyone else's pair is refused and audited."""
    pair = await uow.pairs.get(pair_id)
    if pair is None or pair.newcomer_id != person.id:
        audit_refusal(uow, REFUSED, person, person.telegram_id, attempt="proof")
        raise DomainError("not_your_proof")
    certificate = await uow.certificates.latest_of(person.id, pair.id)
    if certificate is None:
        if not eligible(pair, await confirmed_minutes(uow, pair)):
            raise DomainError("proof_not_yet", hours=pair.target_hours)
        certificate = await issue(uow, person, pair, None, now, tell=False)
    return await sheet_of(uow, certificate)


async def reissue(uow: UnitOfWork, coordinator: User, pair_id: int, now: datetime) -> ProofSheet:
    """A coordinator issues a new certificate for the newcomer of a pair of their
    programme (the hours may have grown since the last); the newcomer is told."""
    pair = await pair_in_programme(uow, coordinator, pair_id)
    newcomer = await uow.users.get(pair.newcomer_id) if pair.newcomer_id else None
    if newcomer is None:
        raise DomainError("not_found")
    if not eligible(pair, await confirmed_minutes(uow, pair)):
        raise DomainError("proof_not_yet", hours=pair.target_hours)
    certificate = await issue(uow, newcomer, pair, coordinator, now)
    return await sheet_of(uow, certificate)


async def verify(uow: UnitOfWork, coordinator: User, typed: str) -> Verification | None:
    """What a certificate of the coordinator's programme says, or None: "not valid"."""
    require_coordinator(coordinator)
    code = normalised(typed)
    certificate = await uow.certificates.by_code(code) if code else None
    person = await uow.users.get(certificate.person_id) if certificate else None
    if (
        certificate is None
        or person is None
        or certificate.programme_id != coordinator.programme_id
    ):
        uow.audit.by(coordinator, VERIFIED, valid=False)
        return None
    programme = await uow.programmes.get(certificate.programme_id)
    uow.audit.by(
        coordinator,
        VERIFIED,
        valid=True,
        certificate_id=certificate.id,
        person_id=person.id,
    )
    return Verification(
        first_name=person.first_name or "?",
        programme=programme.name if programme else "",
        minutes=certificate.minutes,
        issued_at=certificate.issued_at,
    )


async def sheet_of(uow: UnitOfWork, certificate: Certificate) -> ProofSheet:
    """What the certificate's PDF shows: the person, the programme, the entries counted."""
    person = await uow.users.get(certificate.person_id)
    if person is None:
        raise DomainError("not_found")
    programme = await uow.programmes.get(certificate.programme_id)
    issuer = await uow.users.get(certificate.issued_by) if certificate.issued_by else None
    pair = await uow.pairs.get(certificate.pair_id) if certificate.pair_id else None
    entries = await uow.certificates.counted_entries(pair.id, certificate.issued_at) if pair else []
    return ProofSheet(
        code=certificate.code,
        first_name=person.first_name or "?",
        programme=programme.name if programme else "",
        minutes=certificate.minutes,
        target_hours=pair.target_hours if pair else 0,
        issued_at=certificate.issued_at,
        issuer=issuer.first_name if issuer is not None else None,
        contact_language=person.contact_language,
        tz=person_tz(person),
        activities=tuple(
            Activity(
                started_at=entry.started_at,
                kind=entry.activity_kind,
                minutes=entry.minutes,
                by_coordinator=entry.source == COORDINATOR_SOURCE,
            )
            for entry in entries
        ),
    )
