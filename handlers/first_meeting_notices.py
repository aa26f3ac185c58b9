"""Pushed messages of the first meeting, in the recipient's language: the conversation
guide before it, the two questions after it, and what the coordinators read when a "no"
became a change request (see domain.first_meeting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain import first_meeting
from domain.notices import Notice
from handlers.common import q
from handlers.first_meeting import question_screen
from handlers.i18n import fmt_date, gendered
from handlers.notice_registry import notice, zone
from handlers.texts import language_list
from storage.models import FirstMeetingQuestion, Role


def _name(params: dict[str, Any], locale: str) -> str:
    return q(params.get("name") or "?", locale)


def _languages_prompt(params: dict[str, Any], locale: str) -> str:
    shared = params.get("languages") or []
    if shared:
        return _("Which language? You share {languages}. Add some Dutch.").format(
            languages=language_list(shared, locale)
        )
    return _("Which language will you speak? Add some Dutch.")


def _limits_prompt(role: str | None) -> str:
    """What a buddy pair is not: the same limits, said to each side."""
    if role == Role.BUDDY.value:
        return _("No money, no advice on papers (the coordinator helps). Respect a no.")
    return _("Your buddy is a volunteer: no money, no papers (ask the coordinator). A no is fine.")


@notice(Notice.FIRST_MEETING_GUIDE)
def guide(params: dict[str, Any], locale: str) -> Rendered:
    """Three or four prompts for the introduction meeting, not a form: nothing to fill
    in, nothing sent back."""
    starts = datetime.fromisoformat(params["starts_at"])
    head = "📝 " + gendered(
        "{date}: first meeting with {name}. Ideas to talk about:",
        to=params.get("reader_gender"),
        about=params.get("gender"),
    ).format(date=fmt_date(starts, locale, zone(params), "long"), name=_name(params, locale))
    prompts = [
        _("What do you each hope for?"),
        _("How often and when can you meet?"),
        _languages_prompt(params, locale),
        _limits_prompt(params.get("role")),
    ]
    return Rendered(text=head + "\n\n" + "\n".join("• " + prompt for prompt in prompts))


@notice(Notice.FIRST_MEETING_ASK)
def ask(params: dict[str, Any], locale: str) -> Rendered:
    head = "💬 " + gendered(
        "How was your first meeting with {name}? Two quick questions. Only the coordinators "
        "see your answers.",
        to=params.get("reader_gender"),
        about=params.get("gender"),
    ).format(name=_name(params, locale))
    text, markup = question_screen(int(params["meetup_id"]), FirstMeetingQuestion.FEELS_RIGHT, head)
    return Rendered(text=text, reply_markup=markup)


def change_request_reason(params: dict[str, Any], locale: str) -> str | None:
    """The coordinators' headline of a change request that came from the first-meeting
    questions (its `reason`), or None for a member's own request."""
    reason = str(params.get("reason") or "")
    if not reason.startswith(first_meeting.REASON_PREFIX):
        return None
    question = reason.removeprefix(first_meeting.REASON_PREFIX)
    if question == FirstMeetingQuestion.GO_ON.value:
        text = gendered(
            "After the first meeting, {name} does not want to go on (pair #{pair}).",
            about=params.get("gender"),
        )
    else:
        text = gendered(
            "After the first meeting, {name} says it did not feel right (pair #{pair}).",
            about=params.get("gender"),
        )
    return text.format(name=_name(params, locale), pair=int(params.get("pair_id", 0)))
