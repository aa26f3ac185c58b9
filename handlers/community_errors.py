"""Domain errors of broadcasts and events in words, and the one place their buttons turn
a refusal into an alert (instead of a try/except in every handler)."""

from __future__ import annotations

from typing import Any

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from handlers.common import q
from handlers.flow_answers import answered_with, replied_with
from handlers.i18n import isolate
from handlers.texts import error_text


def community_error(key: str, params: dict[str, Any], locale: str) -> str:
    """Domain errors of broadcasts and events in words (others as everywhere else)."""
    safe = {name: isolate(value, locale) for name, value in params.items()}
    if key == "text_format":
        return _(
            "I could not read the formatting near “{near}”. Use Telegram's formatting "
            "(bold, italic, links), and write {sign} as {code}."
        ).format(
            near=q(params.get("near", ""), locale), sign=q("<", locale), code=q("&lt;", locale)
        )
    if key == "text_too_long":
        return ngettext(
            "This text is too long: {length} character, at most {limit}.",
            "This text is too long: {length} characters, at most {limit}.",
            int(params.get("length", 0)),
        ).format(**safe)
    texts = {
        "text_empty": _("The message is empty. Please type the text."),
        "segment_empty": _("Nobody in this group can be reached. Please choose another group."),
        "event_title_empty": _("Please type a title."),
        "event_place_empty": _("Please type the place."),
        "event_text_too_long": _("This is too long (at most {limit} characters)."),
        "event_capacity": _("Please type a number of places from 1 to {limit}."),
        "event_in_past": _("This moment has passed. Please choose a later date and time."),
        "event_closed": _("This event has already started or is closed."),
    }
    if key in texts:
        return texts[key].format(**safe)
    return error_text(key, params, locale)


# Coordinators' buttons and messages in broadcasts and events: their refusals in these words.
answered = answered_with(community_error)
replied = replied_with(community_error)


async def text_expected(message: Message, locale: str) -> None:
    """Something other than text (a photo, a sticker) where a step waits for text."""
    await message.answer(community_error("text_empty", {}, locale))
