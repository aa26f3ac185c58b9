"""Recruitment channels a coordinator named for their deep links and QR codes.

The five usual channels (school, market, Bon, a partner organisation, a flyer) need no
row; a row is a channel a coordinator added by name. A person's `recruited_via` holds
the channel's code as it came in the deep link, so counting by channel needs no join.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class RecruitmentChannel(Base):
    """A channel of the programme's own (a library, a sports club), by its link code."""

    __tablename__ = "recruitment_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("programme_id", "code", name="uq_recruitment_channel"),)
