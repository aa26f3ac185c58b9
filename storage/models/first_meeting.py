"""What each partner answered after their first meeting: two one-tap questions ("Did it
feel right?", "Shall we go on?"), kept for the coordinators (never shown to the partner),
in /mydata, and erased with the person (/forget: ON DELETE CASCADE)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class FirstMeetingQuestion(enum.StrEnum):
    FEELS_RIGHT = "feels_right"  # "Did it feel right?" yes / not really
    GO_ON = "go_on"  # "Shall we go on?" yes / no


class FirstMeetingReply(enum.StrEnum):
    YES = "yes"
    NO = "no"  # "not really" for FEELS_RIGHT


class FirstMeetingAnswer(Base):
    """One person's answer to one question about their pair's first meeting; the first
    answer stays (a second tap changes nothing), hence one row per person, pair and
    question."""

    __tablename__ = "first_meeting_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    meetup_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetup.id", ondelete="SET NULL"), default=None
    )
    question: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "person_id", "pair_id", "question", name="uq_first_meeting_answer_question"
        ),
    )
