"""Proofs of participation: finding a certificate by its code, a newcomer's latest one, and
the ledger lines it counted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from storage.base import RowRepository
from storage.models import Certificate, HourEntry, HourStatus


class CertificateRepository(RowRepository[Certificate]):
    model = Certificate

    async def by_code(self, code: str) -> Certificate | None:
        return await self.session.scalar(select(Certificate).where(Certificate.code == code))

    async def latest_of(self, person_id: int, pair_id: int) -> Certificate | None:
        """The newest certificate issued to the person for this pair, if any."""
        return await self.session.scalar(
            select(Certificate)
            .where(Certificate.person_id == person_id, Certificate.pair_id == pair_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .limit(1)
        )

    async def counted_entries(self, pair_id: int, issued_at: datetime) -> list[HourEntry]:
        """The pair's confirmed entries a certificate issued at `issued_at` counted (those
        decided by then; rows without a decision time are older than that column), in the
        order the time was spent. Confirmed entries are never changed afterwards."""
        result = await self.session.scalars(
            select(HourEntry)
            .where(
                HourEntry.pair_id == pair_id,
                HourEntry.status == HourStatus.CONFIRMED.value,
                or_(HourEntry.decided_at.is_(None), HourEntry.decided_at <= issued_at),
            )
            .order_by(HourEntry.started_at, HourEntry.id)
        )
        return list(result.all())

    async def of_person(self, person_id: int) -> list[Certificate]:
        """Every proof issued to the person (their data export), oldest first."""
        result = await self.session.scalars(
            select(Certificate).where(Certificate.person_id == person_id).order_by(Certificate.id)
        )
        return list(result.all())
