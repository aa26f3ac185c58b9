"""Repositories for meetups and the hours ledger."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class MeetupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class HourRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
