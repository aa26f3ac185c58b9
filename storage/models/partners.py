"""Partner organisations of the local Dutch-speaking network.

They publish activity ideas and host duo volunteering, and are meant to become the
newcomer's anchor after the trajectory. A partner organisation's staff are people with
the role `partner` whose `organisation_id` points here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class Organisation(Base):
    """One partner organisation of a programme (a sports club, a library, a food bank)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    municipality: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- activity offers: ideas for pairs, published by an organisation (domain/offers.py)


class PartnerInvite(Base):
    """A one-time deep link that makes whoever opens it speak for one organisation (the
    partner's counterpart of `CoordinatorInvite`)."""

    __tablename__ = "partner_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(40), unique=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class ActivityOffer(Base):
    """Something a pair can do together, offered by an organisation: shown to pairs near
    its municipality until its end date (none: ongoing). Organisation data, not personal:
    it stays when the partner who wrote it leaves."""

    __tablename__ = "activity_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # locale -> {title, description}
    municipality: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    activity_kind: Mapped[str] = mapped_column(String(24))
    starts_on: Mapped[date | None] = mapped_column(default=None)
    ends_on: Mapped[date | None] = mapped_column(default=None)  # None: ongoing
    price: Mapped[str] = mapped_column(String(8), default="free")  # free, reduced, amount
    price_euros: Mapped[int | None] = mapped_column(default=None)  # with price "amount"
    dutch_level: Mapped[str] = mapped_column(String(16), default="none")  # the least needed
    languages: Mapped[list[str]] = mapped_column(default=list)  # spoken there
    # The availability slots it runs in, as bits of domain.profile.AVAILABILITY (0: any
    # time), so the database filters on them without reading the rows.
    times: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_activity_offer_programme_municipality", "programme_id", "municipality"),
    )


# --- duo volunteering: a host's placements and the pairs that apply (domain/placements.py)


class PlacementStatus(enum.StrEnum):
    OPEN = "open"  # pairs may apply
    CLOSED = "closed"  # the host or a coordinator took it down


class VolunteeringPlacement(Base):
    """Volunteering a host organisation offers to duos: what, where, when, for how many."""

    __tablename__ = "volunteering_placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(String(120))
    municipality: Mapped[str | None] = mapped_column(String(8), default=None)
    # "Saturday mornings", "from March to June": said the host's way, not as dates.
    when_text: Mapped[str] = mapped_column(String(80))
    duos: Mapped[int] = mapped_column()  # how many duos the host can take
    # Duos confirmed so far: raised by a conditional UPDATE, so capacity holds under
    # concurrent confirmations (storage.placements.take_place).
    taken: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default=PlacementStatus.OPEN.value)
    posted_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a coordinator
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class PlacementApplication(Base):
    """A pair applying for a placement; a coordinator confirms or declines. One per pair
    and placement (the unique key also settles two presses at once)."""

    __tablename__ = "placement_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_placement.id", ondelete="CASCADE"), index=True
    )
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    applied_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING.value)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )

    __table_args__ = (UniqueConstraint("placement_id", "pair_id"),)
