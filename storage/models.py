"""SQLAlchemy models: the programme's own words, UTC timestamps, every row scoped to a programme."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        int: Integer,
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Role(enum.StrEnum):
    NEWCOMER = "newcomer"
    BUDDY = "buddy"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class UserStatus(enum.StrEnum):
    ONBOARDING = "onboarding"  # consented, profile not finished
    WAITING = "waiting"  # profile confirmed, not (yet) in an active pair
    MATCHED = "matched"
    PAUSED = "paused"
    INACTIVE = "inactive"  # deactivated by a coordinator or left


class Programme(Base):
    """One buddy programme (a municipality, an organisation); a fresh install has one."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    default_language: Mapped[str] = mapped_column(String(8), default="nl")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person known to the bot: created only once they consented."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ONBOARDING.value)
    contact_language: Mapped[str] = mapped_column(String(8))
    first_name: Mapped[str | None] = mapped_column(String(64), default=None)
    municipality: Mapped[str | None] = mapped_column(String(8), default=None)
    languages: Mapped[list[str]] = mapped_column(default=list)
    interests: Mapped[list[str]] = mapped_column(default=list)
    availability: Mapped[list[str]] = mapped_column(default=list)
    dutch_level: Mapped[str | None] = mapped_column(String(16), default=None)
    gender: Mapped[str | None] = mapped_column(String(16), default=None)
    gender_preference: Mapped[str | None] = mapped_column(String(16), default=None)
    capacity: Mapped[int | None] = mapped_column(default=None)
    recruited_via: Mapped[str | None] = mapped_column(String(32), default=None)
    timezone: Mapped[str | None] = mapped_column(String(40), default=None)
    # Quiet hours in the person's own time zone: no pushed message from quiet_from to
    # quiet_until (hours, 0-23), except a reminder for something early in the morning.
    quiet_from: Mapped[int] = mapped_column(default=21)
    quiet_until: Mapped[int] = mapped_column(default=8)
    consent_at: Mapped[datetime] = mapped_column()
    profile_done_at: Mapped[datetime | None] = mapped_column(default=None)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    reachable: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_person_programme_status_role", "programme_id", "status", "role"),)


class PairStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class EndReason(enum.StrEnum):
    """Why a coordinator ends a pair: the choices they are offered."""

    COMPLETED = "completed"
    MOVED = "moved"
    UNAVAILABLE = "unavailable"
    NOT_A_GOOD_MATCH = "not_a_good_match"
    OTHER = "other"


# The end reason of a pair one of whose two people erased their data (/forget). Kept out
# of EndReason so that no coordinator can choose it; reports can still tell it apart.
ERASED_END_REASON = "erased"


class Pair(Base):
    """A newcomer and their buddy, from the match to the end of their trajectory."""

    __tablename__ = "pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    # SET NULL: after /forget the pair stays only as anonymous numbers.
    newcomer_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    buddy_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=PairStatus.ACTIVE.value)
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    target_hours: Mapped[int] = mapped_column(default=40)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    paused_until: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    matched_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Outbox(Base):
    """A message the bot pushes, written in the same transaction as its cause."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), default=None)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    priority: Mapped[int] = mapped_column(default=1)  # 0 replies, 1 notices, 2 broadcasts
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Only pending rows are ever searched by due time: a partial index stays small
        # however many delivered rows pile up.
        Index(
            "ix_outbox_due",
            "priority",
            "due_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Claims of crashed workers are looked for before every round: keep that cheap.
        Index(
            "ix_outbox_claimed",
            "claimed_at",
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
    )


class MeetupStatus(enum.StrEnum):
    PROPOSED = "proposed"  # waiting for the other person
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COUNTERED = "countered"  # replaced by a proposal for another time
    CANCELLED = "cancelled"
    DONE = "done"  # took place
    MISSED = "missed"  # the other did not come


class Meetup(Base):
    """A planned meeting of a pair; the first one is their introduction meeting."""

    __tablename__ = "meetup"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    starts_at: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column()
    place: Mapped[str] = mapped_column(String(200))
    activity_kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=MeetupStatus.PROPOSED.value)
    is_introduction: Mapped[bool] = mapped_column(default=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("meetup.id"), default=None)
    sequence: Mapped[int] = mapped_column(default=0)  # the .ics SEQUENCE, raised on each change
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_meetup_pair_starts", "pair_id", "starts_at"),)


class HourStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the other person's confirmation
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CORRECTED = "corrected"  # a later entry corrects this one


class HourEntry(Base):
    """The hours ledger, append-only: hours count once the other side confirmed them;
    a correction is a new entry pointing at the one it corrects."""

    __tablename__ = "hour_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    meetup_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetup.id", ondelete="SET NULL"), default=None
    )
    started_at: Mapped[datetime] = mapped_column()
    minutes: Mapped[int] = mapped_column()
    activity_kind: Mapped[str] = mapped_column(String(32))
    logged_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    confirmed_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(16), default=HourStatus.PENDING.value)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("hour_entry.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An announcement to a segment; its recipients are outbox rows written with it."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    segment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # locale -> HTML text
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.DRAFT.value)
    total: Mapped[int] = mapped_column(default=0)
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    report_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class Event(Base):
    """A community event for all buddies and newcomers of a programme."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # locale -> {title, description}
    starts_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rsvp(Base):
    """A person's answer to an event; "going" beyond capacity waits in line (by time)."""

    __tablename__ = "rsvp"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(8))  # going, maybe, no
    waitlisted: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event_id", "person_id"),)


class CoordinatorInvite(Base):
    """A one-time deep link that makes whoever opens it a coordinator of the programme."""

    __tablename__ = "coordinator_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    token: Mapped[str] = mapped_column(String(40), unique=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class PersonNote(Base):
    """A coordinator's private note about a person; never shown to anyone else."""

    __tablename__ = "person_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """Update ids already handled, so a redelivered update is ignored."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FsmRecord(Base):
    """Conversation state that must survive a restart on the embedded default (no Redis)."""

    __tablename__ = "fsm_record"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(120), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditLog(Base):
    """Who did what: coordinator actions and refused attempts."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "ERASED_END_REASON",
    "AuditLog",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "CoordinatorInvite",
    "EndReason",
    "Event",
    "FsmRecord",
    "HourEntry",
    "HourStatus",
    "Meetup",
    "MeetupStatus",
    "Outbox",
    "OutboxStatus",
    "Pair",
    "PairStatus",
    "PersonNote",
    "ProcessedUpdate",
    "Programme",
    "Role",
    "Rsvp",
    "User",
    "UserStatus",
    "utcnow",
]
