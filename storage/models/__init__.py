"""SQLAlchemy models: the programme's own words, UTC timestamps, every row scoped to a programme.

One module per area; import them from here.
"""

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.community import Broadcast, BroadcastStatus, Event, Rsvp
from storage.models.feedback import Feedback, FeedbackSubject
from storage.models.first_meeting import (
    FirstMeetingAnswer,
    FirstMeetingQuestion,
    FirstMeetingReply,
)
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
from storage.models.partners import ActivityOffer, Organisation, PartnerInvite
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
from storage.models.role_change import RoleChange, RoleChangeStatus
from storage.models.support import Concern, ConcernKind, ConcernStatus, InboxThread
from storage.models.voices import VoiceRecording

__all__ = [
    "CLOSED_PAIR",
    "ERASED_END_REASON",
    "SKIPPED",
    "ActivityOffer",
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
    "Feedback",
    "FeedbackSubject",
    "FirstMeetingAnswer",
    "FirstMeetingQuestion",
    "FirstMeetingReply",
    "FsmRecord",
    "HourEntry",
    "HourStatus",
    "InboxThread",
    "Meetup",
    "MeetupStatus",
    "Organisation",
    "Outbox",
    "OutboxStatus",
    "Pair",
    "PairStatus",
    "PartnerInvite",
    "PersonNote",
    "ProcessedUpdate",
    "Programme",
    "ProgrammeCoordinator",
    "RecruitmentChannel",
    "Role",
    "RoleChange",
    "RoleChangeStatus",
    "Rsvp",
    "UTCDateTime",
    "User",
    "UserStatus",
    "VoiceRecording",
    "utcnow",
]
