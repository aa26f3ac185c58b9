"""How it was: one-tap feedback after a meetup or a community event.

A row is a question that was asked (questions left out by the weekly limit are not
stored: they were never asked). Erasing the person keeps the answer as an anonymous
count: the person, the meetup or event and the comment go (see domain.feedback).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

COMMENT_MAX = 500  # characters of a typed comment


class FeedbackSubject(enum.StrEnum):
    MEETUP = "meetup"  # a meetup of the pair, asked once its hours were confirmed
    EVENT = "event"  # a community event the person said they were going to


class Feedback(Base):
    """One "how was it?" question to one person, and their answer: 1 🙁, 2 😐, 3 🙂,
    4 😀 (None: not answered), with an optional word."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed with asked_at below (the report's periods).
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    # None once the person is erased: the answer is then an anonymous count.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    subject: Mapped[str] = mapped_column(String(8))
    meetup_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetup.id", ondelete="SET NULL"), default=None
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), default=None
    )
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[int | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX), default=None)
    # When a word came, typed (in `comment`) or spoken (passed on to the coordinators).
    commented_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        # Each meetup and each event is asked about once per person.
        UniqueConstraint("person_id", "meetup_id", name="uq_feedback_person_meetup"),
        UniqueConstraint("person_id", "event_id", name="uq_feedback_person_event"),
        # The weekly limit counts a person's recent questions; the report, a period's.
        Index("ix_feedback_person_asked", "person_id", "asked_at"),
        Index("ix_feedback_programme_asked", "programme_id", "asked_at"),
    )
