"""The recordings library: coordinators record the key messages in each language, so that
people who read little can listen to them (the 🔊 button).

A recording is a Telegram `file_id`: nothing is downloaded or kept on our side. Where no
recording exists, domain/speech.py may synthesise the message instead.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from domain.staff import require_coordinator
from storage.models import VoiceRecording

if TYPE_CHECKING:
    from storage.models import User
    from storage.uow import UnitOfWork


class VoiceKey(StrEnum):
    """The key messages that have a 🔊 button."""

    WELCOME = "welcome"
    CONSENT = "consent"
    PROGRAMME = "programme"  # how the programme works: the home screen
    INTRODUCTION = "intro"  # the introduction to one's buddy
    REMINDER = "reminder"  # a meetup reminder


def _checked(key: str, locale: str) -> tuple[VoiceKey, str]:
    if key not in {k.value for k in VoiceKey} or locale not in SUPPORTED_LANGUAGES:
        raise DomainError("invalid_choice")
    return VoiceKey(key), locale


async def recording(uow: UnitOfWork, programme_id: int, key: str, locale: str) -> str | None:
    """The file_id of the recording of `key` in `locale`, if a coordinator made one."""
    found = await uow.voices.find(programme_id, key, locale)
    return found.file_id if found else None


async def recorded_for(uow: UnitOfWork, person: User, key: VoiceKey) -> bool:
    """Whether a coordinator of the person's programme recorded `key` in their contact
    language. Asked when a notice is queued (it is rendered without the database), so
    its 🔊 button shows where only a recording can speak."""
    return (
        await uow.voices.find(person.programme_id, key.value, person.contact_language) is not None
    )


async def recorded_keys(uow: UnitOfWork, coordinator: User, locale: str) -> set[str]:
    """Which key messages have a recording in `locale` (the library screen)."""
    require_coordinator(coordinator)
    _checked(VoiceKey.WELCOME, locale)
    return await uow.voices.recorded(coordinator.programme_id, locale)


async def record(
    uow: UnitOfWork,
    coordinator: User,
    key: str,
    locale: str,
    file_id: str,
    duration: int,
    now: datetime,
) -> VoiceRecording:
    """Keep the coordinator's voice note as the recording of `key` in `locale` (replacing
    an earlier one); audited."""
    require_coordinator(coordinator)
    voice_key, code = _checked(key, locale)
    if not file_id or len(file_id) > 255:
        raise DomainError("invalid_choice")
    existing = await uow.voices.find(coordinator.programme_id, voice_key.value, code)
    if existing is None:
        existing = VoiceRecording(
            programme_id=coordinator.programme_id, message_key=voice_key.value, locale=code
        )
        uow.voices.add(existing)
    existing.file_id = file_id
    existing.duration = max(0, duration)
    existing.recorded_by = coordinator.id
    existing.recorded_at = now
    uow.audit.record(
        "voice.recorded",
        programme_id=coordinator.programme_id,
        actor_id=coordinator.id,
        key=voice_key.value,
        locale=code,
    )
    await uow.flush()
    return existing


async def remove(uow: UnitOfWork, coordinator: User, key: str, locale: str) -> bool:
    """Delete the recording of `key` in `locale` (synthesis, if any, takes over); audited."""
    require_coordinator(coordinator)
    voice_key, code = _checked(key, locale)
    removed = await uow.voices.remove(coordinator.programme_id, voice_key.value, code)
    if removed:
        uow.audit.record(
            "voice.removed",
            programme_id=coordinator.programme_id,
            actor_id=coordinator.id,
            key=voice_key.value,
            locale=code,
        )
    return removed
