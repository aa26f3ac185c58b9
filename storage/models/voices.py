"""Voice recordings of the key messages, made by coordinators or volunteer translators for
people who read little.

Only Telegram's `file_id` is kept: the recording stays on Telegram's servers and nothing is
downloaded. The voice is the recorder's, so it is theirs in /mydata and goes with /forget.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow


class VoiceRecording(Base):
    """The recording of one key message (`message_key`) in one language (`locale`), for one
    programme; a new recording replaces the old one."""

    __tablename__ = "voice_recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    message_key: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[str] = mapped_column(String(255))
    recorded_by: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    duration: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "programme_id", "message_key", "locale", name="uq_voice_recording_message"
        ),
    )
