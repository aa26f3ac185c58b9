"""A newcomer's request to become a buddy, and the coordinator's decision (domain/role_change.py).

One row per request. The person's row itself changes role on confirmation (their pairs,
hours and certificates stay linked to it); this row remembers the role they joined as,
so the funder report still counts them as a newcomer recruit. Erased with the person.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class RoleChangeStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a coordinator
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class RoleChange(Base):
    """A person asked to change role (newcomer -> buddy); a coordinator decides once."""

    __tablename__ = "role_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    from_role: Mapped[str] = mapped_column(String(16))
    to_role: Mapped[str] = mapped_column(String(16))
    # Why they may ask: "completed" (a completed trajectory) or "time" (long enough here).
    grounds: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(default=1)  # newcomers at once, asked with the request
    status: Mapped[str] = mapped_column(String(16), default=RoleChangeStatus.PENDING.value)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)  # a Telegram id

    __table_args__ = (Index("ix_role_change_person_status", "person_id", "status"),)
