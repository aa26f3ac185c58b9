"""The recordings library: one recording per programme, key message and language."""

from __future__ import annotations

from sqlalchemy import delete, select

from storage.base import RowRepository
from storage.models import VoiceRecording


class VoiceRepository(RowRepository[VoiceRecording]):
    model = VoiceRecording

    async def find(self, programme_id: int, key: str, locale: str) -> VoiceRecording | None:
        return await self.session.scalar(
            select(VoiceRecording).where(
                VoiceRecording.programme_id == programme_id,
                VoiceRecording.message_key == key,
                VoiceRecording.locale == locale,
            )
        )

    async def recorded(self, programme_id: int, locale: str) -> set[str]:
        """The keys with a recording in `locale` (at most one row per key message)."""
        result = await self.session.scalars(
            select(VoiceRecording.message_key).where(
                VoiceRecording.programme_id == programme_id, VoiceRecording.locale == locale
            )
        )
        return set(result)

    async def of_person(self, person_id: int) -> list[VoiceRecording]:
        """What one person recorded (a handful at most: one per key message and language)."""
        result = await self.session.scalars(
            select(VoiceRecording)
            .where(VoiceRecording.recorded_by == person_id)
            .order_by(VoiceRecording.id)
        )
        return list(result)

    async def remove(self, programme_id: int, key: str, locale: str) -> bool:
        result = await self.session.execute(
            delete(VoiceRecording).where(
                VoiceRecording.programme_id == programme_id,
                VoiceRecording.message_key == key,
                VoiceRecording.locale == locale,
            )
        )
        return bool(getattr(result, "rowcount", 0))
