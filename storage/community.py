"""Repositories for broadcasts and community events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
