"""What changed for people: check-ins before, during and after a trajectory, and the
proofs of participation issued to newcomers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class CheckInMoment(enum.StrEnum):
    ONBOARDING = "onboarding"  # right after the profile is confirmed (the "before")
    HOURS_20 = "hours_20"  # the pair reached 20 confirmed hours
    END = "end"  # the trajectory is over (with the end evaluation)
    MONTH_3 = "month_3"  # three months after the end (with the outflow questions)
    MONTH_6 = "month_6"  # six months after the end


# An answer that was skipped on purpose (never the same as "not answered yet").
SKIPPED = "skipped"


class CheckIn(Base):
    """One check-in of one person at one moment: one-tap questions, asked one after the
    other. `answers` maps a question's key to its value or SKIPPED; `answered_at` is set
    once every question was answered or skipped."""

    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pair.id", ondelete="SET NULL"), default=None
    )
    role: Mapped[str] = mapped_column(String(16))
    moment: Mapped[str] = mapped_column(String(16))
    # person:moment:pair (0 without a pair): each check-in is made once.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    questions: Mapped[list[str]] = mapped_column(default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_check_in_programme_moment", "programme_id", "moment"),)


class Certificate(Base):
    """A proof of participation: the hours a newcomer's trajectory counted, with a code a
    coordinator can check (/verify). Erased with the person."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int | None] = mapped_column(
        ForeignKey("pair.id", ondelete="SET NULL"), default=None
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    minutes: Mapped[int] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
