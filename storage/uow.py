"""The unit of work: one session and its repositories for one update or one job."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.community import BroadcastRepository, EventRepository
from storage.db import SessionFactory
from storage.meetups import HourRepository, MeetupRepository
from storage.pairs import PairRepository
from storage.repositories import (
    AuditRepository,
    OutboxRepository,
    ProgrammeRepository,
    UpdateRepository,
    UserRepository,
)
from storage.staff import InviteRepository, NoteRepository

# SQLite's "database is locked" (busy past its timeout); PostgreSQL's serialization failure,
# deadlock and unique violation (another transaction took the key first).
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})
_RETRYABLE_SQLITE = ("database is locked", "database table is locked", "UNIQUE constraint")


def is_retryable(error: DBAPIError) -> bool:
    """Whether a transaction that failed with `error` may succeed when run again: it lost
    a race with another transaction rather than hit a bug."""
    if isinstance(error, IntegrityError) and "processed_update" in str(error):
        return True  # another instance handled this update at the same moment
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return any(text in str(original) for text in _RETRYABLE_SQLITE)


class UnitOfWork:
    """Opens a session; `commit()` is explicit, leaving the block without it rolls back."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `async with` block")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        session = self._session
        self.programmes = ProgrammeRepository(session)
        self.users = UserRepository(session)
        self.pairs = PairRepository(session)
        self.updates = UpdateRepository(session)
        self.audit = AuditRepository(session)
        self.outbox = OutboxRepository(session)
        self.meetups = MeetupRepository(session)
        self.hours = HourRepository(session)
        self.broadcasts = BroadcastRepository(session)
        self.events = EventRepository(session)
        self.notes = NoteRepository(session)
        self.invites = InviteRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def commit(self) -> None:
        """Make everything done so far durable; the session stays usable."""
        await self.session.commit()

    async def flush(self) -> None:
        """Send pending changes (new rows get their ids) without committing."""
        await self.session.flush()

    async def rollback(self) -> None:
        await self.session.rollback()
