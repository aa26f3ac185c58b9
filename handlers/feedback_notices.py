"""Pushed messages of "how was it?": the question with its faces, and a 🙁 with a word
(or a spoken word) as the coordinators see it: one line about the feedback above the
person's own message, copied as any message to them is (handlers.inbox_notices)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain.broadcasts import BASE_LANGUAGE
from domain.notices import Notice
from handlers.common import q
from handlers.feedback_buttons import FACES, faces_keyboard
from handlers.i18n import fmt_date
from handlers.inbox_notices import person_wrote
from handlers.notice_registry import notice, zone
from handlers.texts import activity_label


def _event_title(params: dict[str, Any], locale: str) -> str:
    titles = dict(params.get("titles") or {})
    return q(titles.get(locale) or titles.get(BASE_LANGUAGE) or "?", locale)


def question_text(params: dict[str, Any], locale: str) -> str:
    day = fmt_date(datetime.fromisoformat(str(params["starts_at"])), locale, zone(params))
    if params.get("subject") == "event":
        text = _("How was {title} on {day}?").format(
            title="<b>" + _event_title(params, locale) + "</b>", day=day
        )
    else:
        text = _("How was your meetup on {day} ({kind})?").format(
            day=day, kind=activity_label(str(params.get("kind") or ""))
        )
    return "💬 " + text + "\n" + _("One tap is enough.")


@notice(Notice.FEEDBACK_ASK)
def ask(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text=question_text(params, locale),
        reply_markup=faces_keyboard(int(params["feedback_id"])),
    )


def about_feedback(params: dict[str, Any]) -> str:
    face = FACES.get(int(params.get("answer") or 0), "")
    subject = (
        _("Feedback after an event")
        if params.get("subject") == "event"
        else _("Feedback after a meetup")
    )
    line = f"{face} <b>{subject}</b>"
    if params.get("spoken"):
        line += " · 🎙 " + _("a voice message")
    return line


@notice(Notice.COORDINATOR_FEEDBACK)
def to_coordinators(params: dict[str, Any], locale: str) -> Rendered:
    """The person's word as any message of theirs to the coordinators, under one line
    saying it is their feedback."""
    rendered = person_wrote(params, locale)
    header = about_feedback(params)
    if rendered is None:  # never: a person's message always renders
        return Rendered(text=header)
    return replace(rendered, text=header + ("\n" + rendered.text if rendered.text else ""))
