"""Broadcast words: segment labels, audience lines, the live delivery report, and which
languages a version of a text (a broadcast's, an event's) may be written in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_timedelta

from domain import broadcasts as service
from domain.broadcasts import Audience, Delivery
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers.common import q
from handlers.i18n import endonym, isolate
from handlers.texts import municipality_label


def fallback_note() -> str:
    """The line above the Dutch text for people whose language has no version."""
    return "📣 " + _("An announcement from your coordinator (in Dutch):")


def note_reserve(i18n: I18n) -> int:
    """Room the longest note takes above the Dutch text, in any language."""
    longest = 0
    for code in SUPPORTED_LANGUAGES:
        with i18n.use_locale(code):
            longest = max(longest, service.utf16_length(fallback_note() + "\n\n"))
    return longest


def version_language(value: object, refusal: str) -> str:
    """`value` as a language a version may be written in (a supported one other than
    Dutch, which is the text itself); else DomainError(`refusal`)."""
    language = str(value or "")
    if language not in SUPPORTED_LANGUAGES or language == service.BASE_LANGUAGE:
        raise DomainError(refusal)
    return language


def segment_label(segment: dict[str, Any], locale: str) -> str:
    kind, value = segment.get("kind"), str(segment.get("value", ""))
    match kind:
        case "all":
            return _("Everyone")
        case "newcomers":
            return _("All newcomers")
        case "buddies":
            return _("All buddies")
        case "waiting":
            return _("Newcomers on the waiting list")
        case "language":
            return _("Contact language: {language}").format(language=endonym(value))
        case "municipality":
            return _("Municipality: {name}").format(name=municipality_label(value, locale))
        case "below_hours":
            return ngettext(
                "Pairs with less than {count} confirmed hour",
                "Pairs with less than {count} confirmed hours",
                int(value or 0),
            ).format(count=isolate(value, locale))
        case "event":
            return _("People going to event {number}").format(number=isolate(value, locale))
    return "?"


def count_line(label: str, count: int, locale: str) -> str:
    return f"{label}: {isolate(count, locale)}"


def audience_lines(audience: Audience, texts: dict[str, Any], locale: str) -> list[str]:
    """Recipients per language and what each language gets."""
    lines = [
        count_line(_("Recipients"), audience.total, locale),
        count_line(_("Skipped: had blocked the bot before"), audience.unreachable, locale),
        "",
    ]
    for code, count in sorted(audience.by_language.items(), key=lambda item: -item[1]):
        if code == service.BASE_LANGUAGE:
            what = _("the Dutch text")
        elif code in texts:
            what = _("their own version")
        else:
            what = _("the Dutch text with a note")
        lines.append(f"• {endonym(code)} {isolate(count, locale)}: {what}")
    return lines


def _seconds(seconds: float, locale: str) -> str:
    return format_timedelta(timedelta(seconds=max(1, round(seconds))), locale=locale, threshold=1.5)


def progress_text(delivery: Delivery, seconds_left: float | None, locale: str) -> str:
    """The coordinator's message while a broadcast goes out, then its report."""
    counts, broadcast = delivery.counts, delivery.broadcast
    total = broadcast.total
    lines = [
        "📣 <b>" + (_("Delivery report") if delivery.finished else _("Sending…")) + "</b>",
        q(segment_label(broadcast.segment, locale), locale),
        "",
    ]
    if not delivery.finished:
        lines.append(
            _("{done} of {total} done").format(
                done=isolate(counts.done, locale), total=isolate(total, locale)
            )
        )
    lines += [
        "✅ " + count_line(_("Sent"), counts.sent, locale),
        "🚫 " + count_line(_("Blocked the bot while sending"), counts.blocked, locale),
        "⚠️ " + count_line(_("Failed"), counts.failed, locale),
    ]
    if counts.cancelled:
        lines.append("✖ " + count_line(_("Not sent"), counts.cancelled, locale))
    if delivery.left_out:
        lines.append(
            "➖ " + count_line(_("Skipped: had blocked the bot before"), delivery.left_out, locale)
        )
    if counts.held:
        lines.append(
            "🌙 " + count_line(_("Waiting for the end of quiet hours"), counts.held, locale)
        )
    if not delivery.finished and seconds_left is not None and counts.queued:
        lines.append(
            "⏱ "
            + _("About {time} left").format(time=isolate(_seconds(seconds_left, locale), locale))
        )
    return "\n".join(lines)
