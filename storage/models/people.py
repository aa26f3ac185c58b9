"""The people of a programme: the programme itself, each person, coordinator invites
and the notes coordinators keep."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Role(enum.StrEnum):
    NEWCOMER = "newcomer"
    BUDDY = "buddy"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    PARTNER = "partner"  # staff of a partner organisation: publishes offers and placements


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
    # Their public Telegram @username, when they have one: their partner can then open a
    # chat with them directly (kept up to date from their updates, erased with them).
    username: Mapped[str | None] = mapped_column(String(32), default=None)
    municipality: Mapped[str | None] = mapped_column(String(8), default=None)
    languages: Mapped[list[str]] = mapped_column(default=list)
    interests: Mapped[list[str]] = mapped_column(default=list)
    availability: Mapped[list[str]] = mapped_column(default=list)
    dutch_level: Mapped[str | None] = mapped_column(String(16), default=None)
    gender: Mapped[str | None] = mapped_column(String(16), default=None)
    gender_preference: Mapped[str | None] = mapped_column(String(16), default=None)
    capacity: Mapped[int | None] = mapped_column(default=None)
    recruited_via: Mapped[str | None] = mapped_column(String(32), default=None)
    # For a partner: the organisation they speak for (the only one whose offers they edit).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    timezone: Mapped[str | None] = mapped_column(String(40), default=None)
    # Dutch words on a newcomer's screens (domain/dutch_practice.py): "off", "normal",
    # "more"; None is the role's default (normal for a newcomer, none for anyone else).
    dutch_practice: Mapped[str | None] = mapped_column(String(8), default=None)
    # Quiet hours in the person's own time zone: no pushed message from quiet_from to
    # quiet_until (hours, 0-23), except a reminder for something early in the morning.
    quiet_from: Mapped[int] = mapped_column(default=21)
    quiet_until: Mapped[int] = mapped_column(default=8)
    # Weekdays (Monday 0) on which the person gets no non-urgent message (domain/quiet.py).
    days_off: Mapped[list[int]] = mapped_column(JSON, default=list)
    # A holiday pause: the first day (their own) they want non-urgent messages again.
    away_until: Mapped[date | None] = mapped_column(default=None)
    consent_at: Mapped[datetime] = mapped_column()
    profile_done_at: Mapped[datetime | None] = mapped_column(default=None)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None)
    reachable: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_person_programme_status_role", "programme_id", "status", "role"),)


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


class ProgrammeCoordinator(Base):
    """That a staff member coordinates a programme: one person may coordinate several and
    works in one at a time (their person row's `programme_id`, the current programme).
    Admins coordinate every programme without a row here."""

    __tablename__ = "programme_coordinator"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("programme_id", "person_id"),)


class PersonNote(Base):
    """A coordinator's private note about a person; never shown to anyone else."""

    __tablename__ = "person_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
