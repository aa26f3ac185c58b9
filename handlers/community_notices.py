"""Pushed messages of broadcasts and community events, in the recipient's language.

A broadcast row's `texts` (every version, by language) is handed over by the delivery
worker from the broadcast itself; a person whose language has no version gets the Dutch
text under a one-line note in their own language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain.broadcasts import BASE_LANGUAGE
from domain.notices import Notice
from handlers.broadcasts import fallback_note
from handlers.common import q
from handlers.events import invitation_text, rsvp_keyboard, when_text
from handlers.i18n import fmt_time
from handlers.notice_registry import notice, zone


def _version(texts: dict[str, Any], locale: str) -> tuple[Any, bool]:
    """The recipient's version, or the Dutch one and True when a note must explain it."""
    if locale in texts:
        return texts[locale], False
    return texts.get(BASE_LANGUAGE), locale != BASE_LANGUAGE


@notice(Notice.BROADCAST)
def broadcast(params: dict[str, Any], locale: str) -> Rendered | None:
    text, with_note = _version(dict(params.get("texts") or {}), locale)
    if not text:
        return None
    return Rendered(text=f"{fallback_note()}\n\n{text}" if with_note else str(text))


@notice(Notice.EVENT_INVITE)
def invitation(params: dict[str, Any], locale: str) -> Rendered | None:
    version, with_note = _version(dict(params.get("texts") or {}), locale)
    if not isinstance(version, dict):
        return None
    text = invitation_text(
        str(version.get("title", "")),
        str(version.get("description", "")),
        datetime.fromisoformat(params["starts_at"]),
        str(params.get("place", "")),
        locale,
        zone(params),
    )
    if with_note:
        text = fallback_note() + "\n\n" + text
    return Rendered(text=text, reply_markup=rsvp_keyboard(int(params["event_id"])))


def _title(params: dict[str, Any], locale: str) -> str:
    """The event's title in the recipient's language (else Dutch), in bold."""
    titles = dict(params.get("titles") or {})
    return "<b>" + q(titles.get(locale) or titles.get(BASE_LANGUAGE) or "?", locale) + "</b>"


def _when_and_where(params: dict[str, Any], locale: str) -> str:
    """The lines under an event's headline: its day and time, and its place."""
    starts_at = datetime.fromisoformat(params["starts_at"])
    return (
        "\n📅 "
        + when_text(starts_at, locale, zone(params))
        + "\n📍 "
        + q(params.get("place", ""), locale)
    )


@notice(Notice.EVENT_REMINDER)
def reminder(params: dict[str, Any], locale: str) -> Rendered:
    starts = fmt_time(datetime.fromisoformat(params["starts_at"]), locale, zone(params))
    head = _("Reminder: {title} starts at {time}.").format(
        title=_title(params, locale), time=starts
    )
    tail = _("Can't come after all? Tap “I can't” on the invitation, so someone else can.")
    return Rendered(text="⏰ " + head + _when_and_where(params, locale) + "\n\n" + tail)


@notice(Notice.EVENT_MOVED_UP)
def moved_up(params: dict[str, Any], locale: str) -> Rendered:
    head = _("Good news: a place became free. You are now going to {title}!").format(
        title=_title(params, locale)
    )
    return Rendered(
        text="🎉 " + head + _when_and_where(params, locale),
        reply_markup=rsvp_keyboard(int(params["event_id"]), "going"),
    )
