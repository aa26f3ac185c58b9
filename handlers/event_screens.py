"""What people see of community events: the invitation, the coordinator's list of
events and the view of one event with who is going."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import events as service
from handlers.actor import Actor
from handlers.common import q
from handlers.event_buttons import EvAction, button
from handlers.i18n import endonym, fmt_date, fmt_time, isolate

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User


def when_text(starts_at: datetime, locale: str, tz: tzinfo) -> str:
    return fmt_date(starts_at, locale, tz, "full") + ", " + fmt_time(starts_at, locale, tz)


def invitation_text(
    title: str, description: str, starts_at: datetime, place: str, locale: str, tz: tzinfo
) -> str:
    lines = [
        "🎉 <b>" + q(title, locale) + "</b>",
        "",
        "📅 " + when_text(starts_at, locale, tz),
        "📍 " + q(place, locale),
    ]
    if description:
        lines += ["", q(description, locale)]
    lines += ["", _("Will you come? Tap your answer below.")]
    return "\n".join(lines)


def _names(people: list[User], locale: str) -> str:
    return ", ".join(q(person.first_name or "?", locale) for person in people) or "–"


async def show_event(target: Message, actor: Actor, event_id: int) -> None:
    locale, tz = actor.locale, actor.tz
    view = await service.view(actor.uow, actor.user, event_id)
    event = view.event
    lines = [
        "🎉 <b>" + q(event.title, locale) + "</b>",
        "📅 " + when_text(event.starts_at, locale, tz),
        "📍 " + q(event.place, locale),
        "👥 "
        + _("{going} of {capacity} places taken").format(
            going=isolate(len(view.going), locale), capacity=isolate(event.capacity, locale)
        ),
    ]
    if event.description:
        lines += ["", q(event.description, locale)]
    if event.texts:
        lines.append("🌐 " + ", ".join(endonym(code) for code in sorted(event.texts)))
    lines += ["", "<b>" + _("People going") + "</b>: " + _names(view.going, locale)]
    if view.waiting:
        waiting = ", ".join(
            f"{number}. {q(person.first_name or '?', locale)}"
            for number, person in enumerate(view.waiting, start=1)
        )
        lines.append("<b>" + _("Waiting list") + "</b>: " + waiting)
    if view.maybe:
        lines.append("<b>" + _("Maybe") + "</b>: " + _names(view.maybe, locale))
    rows = [[button("📣 " + _("Announce"), EvAction.ANNOUNCE, event.id)]]
    if view.going:
        rows.append([button("✉️ " + _("Message the people going"), EvAction.MESSAGE, event.id)])
    rows.append([button("🔄 " + _("Refresh"), EvAction.VIEW, event.id)])
    await target.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def show_events(target: Message, actor: Actor) -> None:
    locale, tz = actor.locale, actor.tz
    upcoming = await service.upcoming(actor.uow, actor.user, actor.now())
    rows = []
    lines = ["🎉 <b>" + _("Community events") + "</b>"]
    if not upcoming:
        lines.append(_("No events planned yet."))
    for event, tally in upcoming:
        going = tally.get("going", 0)
        lines.append(
            f"• {fmt_date(event.starts_at, locale, tz, 'medium')} {q(event.title, locale)}"
            f" ({isolate(going, locale)}/{isolate(event.capacity, locale)})"
        )
        rows.append(
            [
                button(
                    f"{fmt_date(event.starts_at, locale, tz, 'short')} {event.title}"[:60],
                    EvAction.VIEW,
                    event.id,
                )
            ]
        )
    rows.append([button("➕ " + _("New event"), EvAction.NEW)])
    await target.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
