"""Being heard: each person's thread with the coordinators and the concerns they report.

Nothing a person writes is stored here: a thread only knows where its forum topic is, and
a concern only its kind and where it stands. The words (or voice note) themselves are
copied to the coordinators by Telegram and kept nowhere else.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class InboxThread(Base):
    """One person's conversation with the coordinators: a forum topic in the coordinators'
    group when there is one (`chat_id`, `topic_id`), else their private chats."""

    __tablename__ = "inbox_thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    topic_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("chat_id", "topic_id", name="uq_inbox_thread_topic"),)


class ConcernKind(enum.StrEnum):
    """What a person can report, by button."""

    PARTNER = "partner"  # about my buddy or newcomer
    UNSAFE = "unsafe"  # I feel unsafe: urgent
    OTHER = "other"  # I need help with something else

    @property
    def urgent(self) -> bool:
        return self is ConcernKind.UNSAFE


class ConcernStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class Concern(Base):
    """A concern a person reported; it goes open -> acknowledged -> closed, each step
    audited. `pair_id` is the reporter's pair at the time, never shown to the partner."""

    __tablename__ = "concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pair.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ConcernStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)

    # The reminder planner looks only at open concerns.
    __table_args__ = (Index("ix_concern_status_created", "status", "created_at"),)
