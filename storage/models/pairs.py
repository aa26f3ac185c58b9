"""A pair (a newcomer and a buddy), their meetups and the ledger of their hours."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class PairStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"  # ended early, for a reason
    COMPLETED = "completed"  # closed by a coordinator once the trajectory was done


# A pair that is over, one way or the other: nothing more is planned or logged in it.
CLOSED_PAIR = (PairStatus.ENDED.value, PairStatus.COMPLETED.value)


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
    # Who typed it in: one of the pair (`person`), or a coordinator for someone who cannot
    # use the bot (`coordinator`, shown as "entered by the coordinator").
    source: Mapped[str] = mapped_column(String(16), default="person", server_default="person")
    # Volunteering as a duo with a host organisation (domain/placements.py): the host.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    # The funder report reads the ledger through these alone (covering indexes): confirmed
    # minutes per pair, and confirmed minutes by time and activity kind (storage.reports).
    __table_args__ = (
        Index(
            "ix_hour_entry_report_pair", "programme_id", "status", "pair_id", "started_at",
            "minutes",
        ),
        Index(
            "ix_hour_entry_report_time", "programme_id", "status", "started_at",
            "activity_kind", "minutes",
        ),
    )  # fmt: skip
