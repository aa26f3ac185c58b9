"""What a coordinator sees while preparing a broadcast: the segment submenus, the
versions menu, the preview, and the list of past broadcasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain import broadcasts as service
from domain import events as event_service
from domain.broadcasts import Audience, Segment
from domain.errors import DomainError
from handlers.actor import Actor
from handlers.broadcast_buttons import send_keyboard, submenu_keyboard, versions_keyboard
from handlers.broadcast_texts import audience_lines, count_line, segment_label
from handlers.common import q
from handlers.coordinator_buttons import home_keyboard
from handlers.i18n import endonym, fmt_date, isolate
from handlers.texts import municipality_label

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


async def submenu(actor: Actor, kind: str) -> InlineKeyboardMarkup:
    """The segments of one kind to choose from, with how many people each holds."""
    uow, user, locale, tz = actor.uow, actor.user, actor.locale, actor.tz
    choices: list[tuple[str, str]] = []
    if kind in ("language", "municipality"):
        for value, count in (await service.choices(uow, user, kind)).items():
            label = endonym(value) if kind == "language" else municipality_label(value, locale)
            choices.append((f"{label} ({count})", value))
    elif kind == "below_hours":
        choices = [(f"< {hours}", str(hours)) for hours in service.HOUR_CHOICES]
    elif kind == "event":
        for event, tally in await event_service.upcoming(uow, user, actor.now()):
            going = tally.get("going", 0)
            label = f"{fmt_date(event.starts_at, locale, tz, 'short')} {event.title} ({going})"
            choices.append((label[:60], str(event.id)))
    else:
        raise DomainError("invalid_choice")
    return submenu_keyboard(kind, choices)


async def audience_of(uow: UnitOfWork, user: User, form: dict[str, Any]) -> Audience:
    segment = form.get("segment")
    if not isinstance(segment, dict):
        raise DomainError("stale_button")
    return await service.audience(uow, user, Segment.from_dict(segment))


async def versions_menu(target: Message, actor: Actor, form: dict[str, Any]) -> None:
    audience = await audience_of(actor.uow, actor.user, form)
    texts = form.get("texts", {})
    languages = [
        (("✅ " if code in texts else "➕ ") + f"{endonym(code)} ({count})", code)
        for code, count in sorted(audience.by_language.items(), key=lambda item: -item[1])
        if code != service.BASE_LANGUAGE
    ]
    await target.answer(
        "🌐 "
        + _(
            "Add a version in another language? Tap a language and send its text, or go "
            "to the preview. People without a version of their own get the Dutch text "
            "with a short note in their language."
        ),
        reply_markup=versions_keyboard(languages),
    )


async def preview(target: Message, actor: Actor, form: dict[str, Any]) -> None:
    locale = actor.locale
    audience = await audience_of(actor.uow, actor.user, form)
    event_id = int(form.get("event") or 0)
    if event_id:
        event = await event_service.event_in_programme(actor.uow, actor.user, event_id)
        texts: dict[str, Any] = event_service.versions(event)
        head = "🎉 <b>" + _("Invitation to: {title}").format(title=q(event.title, locale)) + "</b>"
    else:
        texts = dict(form.get("texts") or {})
        if service.BASE_LANGUAGE not in texts:
            raise DomainError("stale_button")
        await target.answer(texts[service.BASE_LANGUAGE])  # exactly as recipients see it
        head = "👁 <b>" + _("Preview") + "</b>"
    segment = form.get("segment") or {}
    lines = [head, q(segment_label(segment, locale), locale), ""]
    lines += audience_lines(audience, texts, locale)
    send_label = ngettext(
        "✅ Send to {count} person", "✅ Send to {count} people", audience.total
    ).format(count=isolate(audience.total, locale))
    await target.answer("\n".join(lines), reply_markup=send_keyboard(send_label))


async def show_history(target: Message, actor: Actor) -> None:
    locale, tz = actor.locale, actor.tz
    deliveries = await service.history(actor.uow, actor.user, actor.now())
    if not deliveries:
        await target.answer(
            _("No broadcasts yet. Start one with /broadcast."), reply_markup=home_keyboard()
        )
        return
    lines = ["📣 <b>" + _("Broadcasts") + "</b>"]
    for delivery in deliveries:
        broadcast, counts = delivery.broadcast, delivery.counts
        state = "✅" if delivery.finished else "⏳"
        lines.append("")
        when = fmt_date(broadcast.created_at, locale, tz, "medium")
        label = q(segment_label(broadcast.segment, locale), locale)
        lines.append(f"{state} <b>#{broadcast.id}</b> · {when} · {label}")
        parts = [
            count_line(_("Sent"), counts.sent, locale),
            count_line(_("Blocked the bot while sending"), counts.blocked, locale),
            count_line(_("Failed"), counts.failed, locale),
            count_line(_("Skipped: had blocked the bot before"), delivery.left_out, locale),
        ]
        if counts.open:
            parts.append(count_line(_("Still to send"), counts.open, locale))
        lines.append(" · ".join(parts))
    await target.answer("\n".join(lines))
