"""The kinds of message the bot pushes (the `key` of an outbox row).

Producers (`domain.notify.push`) and the renderers in handlers/ share this list, so a
kind without a renderer is found by a test, not by a recipient who never gets the
message. The values are stored in outbox rows: never rename one that may be queued.
"""

from __future__ import annotations

from enum import StrEnum


class Notice(StrEnum):
    # A pair: introduced, paused, resumed, ended, nudged when it goes quiet.
    PAIR_INTRODUCTION = "pair.introduction"
    PAIR_PAUSED = "pair.paused"
    PAIR_RESUMED = "pair.resumed"
    PAIR_ENDED = "pair.ended"
    PAIR_NUDGE = "pair.nudge"
    PAIR_ERASED = "pair.erased"  # the partner used /forget
    # Meetups and hours, to the other side of the pair.
    MEETUP_PROPOSED = "meetup.proposed"
    MEETUP_ACCEPTED = "meetup.accepted"
    MEETUP_DECLINED = "meetup.declined"
    MEETUP_CANCELLED = "meetup.cancelled"
    MEETUP_CALENDAR = "meetup.calendar"
    MEETUP_REMINDER = "meetup.reminder"
    MEETUP_ASK = "meetup.ask"
    # The first meeting: a conversation guide before it, two questions after it
    # (domain/first_meeting.py).
    FIRST_MEETING_GUIDE = "first_meeting.guide"
    FIRST_MEETING_ASK = "first_meeting.ask"
    HOURS_CONFIRM_REQUEST = "hours.confirm_request"
    HOURS_CONFIRMED = "hours.confirmed"
    HOURS_DISPUTED = "hours.disputed"
    HOURS_MILESTONE = "hours.milestone"
    # A coordinator settled a dispute, or entered hours for the pair (the pair file).
    HOURS_RESOLVED = "hours.resolved"
    HOURS_ENTERED_BY_COORDINATOR = "hours.coordinator_entered"
    # The newcomer's proof of participation is ready (domain/certificates.py).
    CERTIFICATE_READY = "certificate.ready"
    # To coordinators.
    COORDINATOR_CHANGE_REQUEST = "coordinator.change_request"
    COORDINATOR_NO_SHOW = "coordinator.no_show"
    COORDINATOR_HOURS_DISPUTED = "coordinator.hours_disputed"
    COORDINATOR_TARGET_REACHED = "coordinator.target_reached"
    COORDINATOR_PAIR_QUIET = "coordinator.pair_quiet"
    COORDINATOR_PAIR_ERASED = "coordinator.pair_erased"
    # No buddy fits a newcomer's wish: a coordinator asks them to widen it, and is told
    # their answer (domain/preferences.py).
    PREFERENCE_RELAX_ASK = "preference.relax_ask"
    COORDINATOR_PREFERENCE_ANSWER = "coordinator.preference_answer"
    # Being heard: a person's message (or concern) to the coordinators, their answer back,
    # and the pair writing to each other through the bot. The words are copied by Telegram
    # from the sender's chat (the row holds message ids, never the content).
    INBOX_MESSAGE = "inbox.message"
    INBOX_REPLY = "inbox.reply"
    INBOX_UNDELIVERED = "inbox.undelivered"
    CONCERN_REPORTED = "concern.reported"
    CONCERN_REMINDER = "concern.reminder"
    CONCERN_ACKNOWLEDGED = "concern.acknowledged"
    CONCERN_CLOSED = "concern.closed"
    PAIR_MESSAGE = "pair.message"
    # Closing a trajectory and what changed: the end of a pair, check-in questions.
    PAIR_COMPLETED = "pair.completed"
    CHECKIN_ASK = "checkin.ask"
    # Broadcasts and community events.
    BROADCAST = "broadcast"
    EVENT_INVITE = "event.invite"
    EVENT_REMINDER = "event.reminder"
    EVENT_MOVED_UP = "event.moved_up"
    # Waiting-list care (domain/waiting.py): a newcomer's check at 2, 6 and 12 weeks, a
    # reminder of an unfinished profile, and what coordinators hear about the list.
    WAITING_CHECK = "waiting.check"
    PROFILE_UNFINISHED = "profile.unfinished"
    COORDINATOR_WAITING_LEFT = "coordinator.waiting_left"
    COORDINATOR_NEWCOMER_BLOCKED = "coordinator.newcomer_blocked"
    # Duo volunteering (domain/placements.py): a pair applies for a host's placement, a
    # coordinator confirms or declines; the pair and the host's staff hear about it.
    COORDINATOR_PLACEMENT_APPLIED = "coordinator.placement_applied"
    PLACEMENT_APPLIED = "placement.applied"  # to the other member of the pair
    PLACEMENT_CONFIRMED = "placement.confirmed"
    PLACEMENT_DECLINED = "placement.declined"
    HOST_PLACEMENT_APPLIED = "host.placement_applied"
    HOST_PLACEMENT_CONFIRMED = "host.placement_confirmed"
    # How was it? One tap after a meetup or an event (domain/feedback.py), and a 🙁 with
    # a word, or a spoken word, passed on to the coordinators.
    FEEDBACK_ASK = "feedback.ask"
    COORDINATOR_FEEDBACK = "coordinator.feedback"
    # A newcomer asks to become a buddy (domain/role_change.py): the request to the
    # coordinators, with their two buttons, and the decision back to the person.
    COORDINATOR_ROLE_CHANGE_REQUEST = "coordinator.role_change_request"
    ROLE_CHANGE_CONFIRMED = "role_change.confirmed"
    ROLE_CHANGE_DECLINED = "role_change.declined"
    # A direct reply Telegram could not take when it was made (an outage longer than the
    # retries): delivered later, as it was written.
    REPLY = "reply"
    # Dutch practice (domain/dutch_practice.py): a newcomer moved to "more Dutch" after
    # the 20-hour check-in, a buddy's monthly tip, and "something unclear?" about one of
    # the bot's messages, to the coordinators.
    DUTCH_MORE = "dutch.more"
    DUTCH_TIP = "dutch.tip"
    COORDINATOR_UNCLEAR = "coordinator.unclear"

    @classmethod
    def of(cls, key: str) -> Notice | None:
        """The kind an outbox row's key names, or None for a key this version does not
        know (a row written by a newer version, or a typo)."""
        try:
            return cls(key)
        except ValueError:
            return None
