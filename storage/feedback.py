"""Feedback questions after meetups and events: the weekly limit and the report's
distribution are counted in SQL, and the planner reads only the events that just ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update

from storage.base import RowRepository
from storage.models import Event, Feedback, Rsvp


@dataclass(frozen=True)
class AnswerCount:
    """Questions about one subject asked in a period with one answer (None: none yet)."""

    subject: str
    answer: int | None
    questions: int
    comments: int


class FeedbackRepository(RowRepository[Feedback]):
    model = Feedback

    async def asked_since(self, person_id: int, since: datetime) -> int:
        """How many questions the person was asked after `since`."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(Feedback)
            .where(Feedback.person_id == person_id, Feedback.asked_at > since)
        )
        return int(count or 0)

    async def about_meetup(self, person_id: int, meetup_id: int) -> Feedback | None:
        return await self.session.scalar(
            select(Feedback).where(Feedback.person_id == person_id, Feedback.meetup_id == meetup_id)
        )

    async def going_to_ended_events(
        self, started_after: datetime, started_by: datetime, limit: int
    ) -> list[tuple[Event, int]]:
        """(event, person id) of everyone with a place at an open event that started after
        `started_after` and by `started_by`, and who was not asked about it yet, oldest
        first."""
        asked = select(Feedback.id).where(
            Feedback.event_id == Rsvp.event_id, Feedback.person_id == Rsvp.person_id
        )
        rows = await self.session.execute(
            select(Event, Rsvp.person_id)
            .join(Rsvp, Rsvp.event_id == Event.id)
            .where(
                Event.status == "open",
                Event.starts_at > started_after,
                Event.starts_at <= started_by,
                Rsvp.answer == "going",
                Rsvp.waitlisted.is_(False),
                ~asked.exists(),
            )
            .order_by(Event.starts_at, Event.id, Rsvp.person_id)
            .limit(limit)
        )
        return [(event, int(person_id)) for event, person_id in rows.all()]

    async def of_person(self, person_id: int) -> list[Feedback]:
        result = await self.session.scalars(
            select(Feedback).where(Feedback.person_id == person_id).order_by(Feedback.id)
        )
        return list(result.all())

    async def anonymise_person(self, person_id: int) -> int:
        """Keep only the counts of a person being erased: their comments, and what ties an
        answer to them, their meetups or the events they went to, go. Returns the rows."""
        result = await self.session.execute(
            update(Feedback)
            .where(Feedback.person_id == person_id)
            .values(person_id=None, meetup_id=None, event_id=None, comment=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def distribution(
        self, programme_id: int, start: datetime, end: datetime
    ) -> list[AnswerCount]:
        """Questions asked in [start, end) by subject and answer, with how many carried a
        word."""
        worded = func.sum(case((Feedback.commented_at.is_not(None), 1), else_=0))
        rows = await self.session.execute(
            select(Feedback.subject, Feedback.answer, func.count(), worded)
            .where(
                Feedback.programme_id == programme_id,
                Feedback.asked_at >= start,
                Feedback.asked_at < end,
            )
            .group_by(Feedback.subject, Feedback.answer)
        )
        return [
            AnswerCount(str(subject), answer, int(count), int(comments or 0))
            for subject, answer, count, comments in rows.all()
        ]
