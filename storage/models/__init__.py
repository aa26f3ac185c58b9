"""SQLAlchemy models: the programme's own words, UTC timestamps, every row scoped to a programme.

One module per area; import them from here.
"""

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.community import Broadcast, BroadcastStatus, Event, Rsvp
from storage.models.impact import SKIPPED, Certificate, CheckIn, CheckInMoment
from storage.models.pairs import (
    CLOSED_PAIR,
    ERASED_END_REASON,
    EndReason,
    HourEntry,
    HourStatus,
    Meetup,
    MeetupStatus,
    Pair,
    PairStatus,
)
from storage.models.people import (
    CoordinatorInvite,
    PersonNote,
    Programme,
    ProgrammeCoordinator,
    Role,
    User,
    UserStatus,
)
from storage.models.records import AuditLog, FsmRecord, Outbox, OutboxStatus, ProcessedUpdate
from storage.models.recruitment import RecruitmentChannel
from storage.models.support import Concern, ConcernKind, ConcernStatus, InboxThread
from storage.models.voices import VoiceRecording

__all__ = [
    "CLOSED_PAIR",
    "ERASED_END_REASON",
    "SKIPPED",
    "AuditLog",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "Certificate",
    "CheckIn",
    "CheckInMoment",
    "Concern",
    "ConcernKind",
    "ConcernStatus",
    "CoordinatorInvite",
    "EndReason",
    "Event",
    "FsmRecord",
    "HourEntry",
    "HourStatus",
    "InboxThread",
    "Meetup",
    "MeetupStatus",
    "Outbox",
    "OutboxStatus",
    "Pair",
    "PairStatus",
    "PersonNote",
    "ProcessedUpdate",
    "Programme",
    "ProgrammeCoordinator",
    "RecruitmentChannel",
    "Role",
    "Rsvp",
    "UTCDateTime",
    "User",
    "UserStatus",
    "VoiceRecording",
    "utcnow",
]
