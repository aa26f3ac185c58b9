"""What reaches many people: broadcasts, community events and the answers to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


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
