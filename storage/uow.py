"""The unit of work: one session and its repositories for one update or one job."""

from __future__ import annotations

from types import TracebackType
from typing import Generic, TypeVar, cast

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.base import Repository
from storage.certificates import CertificateRepository
from storage.community import BroadcastRepository, EventRepository
from storage.conversations import ConversationRepository, StaleConversation
from storage.coordination import CoordinationRepository
from storage.db import NoRow, SessionFactory, Write, commit_writes
from storage.feedback import FeedbackRepository
from storage.first_meeting import FirstMeetingRepository
from storage.meetups import HourRepository, MeetupRepository
from storage.pairs import PairRepository
from storage.partners import PartnerRepository
from storage.placements import PlacementRepository
from storage.recruitment import RecruitmentRepository
from storage.reports import ReportRepository
from storage.repositories import (
    CLAIMED,
    AuditRepository,
    OutboxRepository,
    ProgrammeRepository,
    UpdateRepository,
    UserRepository,
)
from storage.role_change import RoleChangeRepository
from storage.staff import InviteRepository, NoteRepository
from storage.support import CheckInRepository, ConcernRepository, InboxRepository
from storage.voices import VoiceRepository

# SQLite's "database is locked" (busy past its timeout); PostgreSQL's serialization failure,
# deadlock and unique violation (another transaction took the key first).
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})
_RETRYABLE_SQLITE = ("database is locked", "database table is locked", "UNIQUE constraint")


def is_retryable(error: DBAPIError | StaleConversation) -> bool:
    """Whether a transaction that failed with `error` may succeed when run again: it lost
    a race with another transaction rather than hit a bug."""
    if isinstance(error, StaleConversation):
        return True
    if isinstance(error, IntegrityError) and "processed_update" in str(error):
        return True  # another instance handled this update at the same moment
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return True
    return any(text in str(original) for text in _RETRYABLE_SQLITE)


Repo = TypeVar("Repo", bound=Repository)


class _Repositories(Generic[Repo]):
    """A repository on the unit of work, made on first use over its current session: the
    list of repositories below is the only place that names them."""

    def __init__(self, factory: type[Repo]) -> None:
        self.factory = factory
        self.name = ""

    def __set_name__(self, owner: type[UnitOfWork], name: str) -> None:
        self.name = name

    def __get__(self, uow: UnitOfWork, owner: type[UnitOfWork] | None = None) -> Repo:
        made = uow._repositories.get(self.name)
        if made is None:
            made = uow._repositories[self.name] = self.factory(uow.session)
        return cast(Repo, made)


class UnitOfWork:
    """Opens a session; `commit()` is explicit, leaving the block without it rolls back."""

    programmes = _Repositories(ProgrammeRepository)
    users = _Repositories(UserRepository)
    pairs = _Repositories(PairRepository)
    updates = _Repositories(UpdateRepository)
    audit = _Repositories(AuditRepository)
    outbox = _Repositories(OutboxRepository)
    meetups = _Repositories(MeetupRepository)
    hours = _Repositories(HourRepository)
    broadcasts = _Repositories(BroadcastRepository)
    events = _Repositories(EventRepository)
    notes = _Repositories(NoteRepository)
    invites = _Repositories(InviteRepository)
    conversations = _Repositories(ConversationRepository)
    inbox = _Repositories(InboxRepository)
    concerns = _Repositories(ConcernRepository)
    check_ins = _Repositories(CheckInRepository)
    coordination = _Repositories(CoordinationRepository)
    certificates = _Repositories(CertificateRepository)
    reports = _Repositories(ReportRepository)
    recruitment = _Repositories(RecruitmentRepository)
    voices = _Repositories(VoiceRepository)
    first_meetings = _Repositories(FirstMeetingRepository)
    role_changes = _Repositories(RoleChangeRepository)
    placements = _Repositories(PlacementRepository)
    feedback = _Repositories(FeedbackRepository)
    partners = _Repositories(PartnerRepository)

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None
        self._repositories: dict[str, Repository] = {}

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `async with` block")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._repositories.clear()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.close()  # rolls back what was not committed
            else:
                session.sync_session.close()  # nothing to roll back: no I/O, no greenlet
        finally:
            self._session = None
            self._repositories.clear()

    async def commit(self) -> None:
        """Make everything done so far durable (conversation state included, written
        now); the session stays usable."""
        await self.session.run_sync(self._commit_in)

    async def commit_update(self, update_id: int) -> bool:
        """Record the update `update_id` as handled (`UpdateRepository.claim`), then
        commit, in one hand-off to the session: False, with nothing written or
        committed, when it was handled before; the caller then leaves the block, which
        rolls back."""
        return await self.session.run_sync(self._commit_update_in, update_id)

    def _commit_update_in(self, session: Session, update_id: int) -> bool:
        dialect = session.get_bind().dialect.name
        claim = UpdateRepository.claim_write(update_id, dialect)
        try:
            self._commit_in(session, claim)
        except NoRow as no_row:
            if no_row.reason == CLAIMED:
                return False
            raise
        return True

    def _commit_in(self, session: Session, *first: Write) -> None:
        """`commit()` inside the session's greenlet: `first`, the conversation state, the
        session's own changes, and the commit, in as few hand-offs as the database
        allows (`commit_writes`)."""
        writes = list(first)
        conversations = self._repositories.get("conversations")
        if isinstance(conversations, ConversationRepository):
            writes += conversations.writes()
        try:
            commit_writes(session, writes)
        except NoRow as no_row:
            if isinstance(no_row.reason, StaleConversation):
                raise no_row.reason from None
            raise

    async def flush(self) -> None:
        """Send pending changes (new rows get their ids) without committing."""
        await self.session.flush()

    @property
    def queued_messages(self) -> bool:
        """Whether this unit of work put messages in the outbox (so the delivery worker
        has something to do once it commits)."""
        outbox = self._repositories.get("outbox")
        return isinstance(outbox, OutboxRepository) and outbox.queued

    async def rollback(self) -> None:
        await self.session.rollback()
        conversations = self._repositories.get("conversations")
        if isinstance(conversations, ConversationRepository):
            conversations.forget()  # it may be bound to the FSM storage (bot.fsm)
        self._repositories.clear()  # what they remember of this transaction is gone
