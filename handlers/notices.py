"""How each pushed message (an outbox row) reads, in the recipient's language.

The delivery worker calls the renderer made by `create_renderer()` inside the
recipient's locale. Every module that renders notices is listed here, in one place; a
test checks that every kind in `domain.notices.Notice` has exactly one renderer.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from delivery.outbox import Rendered, Renderer
from domain.notices import Notice
from handlers import (
    checkins,
    community_notices,
    dutch_practice,
    feedback_notices,
    first_meeting_notices,
    inbox_notices,
    kept_replies,
    meetup_notices,
    pair_notices,
    placements_notices,
    preference,
    privacy,
    proof,
    role_change,
    unclear,
    waiting,
)
from handlers.notice_registry import NoticeFunction, collect
from storage.models import Outbox

# The modules whose `@notice` functions render pushed messages.
RENDERER_MODULES = (
    pair_notices,
    meetup_notices,
    community_notices,
    privacy,
    kept_replies,
    inbox_notices,
    checkins,
    proof,
    preference,
    waiting,
    first_meeting_notices,
    placements_notices,
    dutch_practice,
    unclear,
    feedback_notices,
    role_change,
)


def create_registry() -> dict[Notice, NoticeFunction]:
    """Every renderer, by the kind of message it renders."""
    return collect(*RENDERER_MODULES)


def create_renderer() -> Renderer:
    """The delivery worker's renderer: the message for one outbox row in `locale`, with
    times shown in the row's time zone (the recipient's) or else in `tz`, the programme's.

    A kind without a renderer raises (the worker marks the row failed); None means
    there is nothing to send (e.g. a broadcast without any text).
    """
    registry = create_registry()

    def render(row: Outbox, locale: str, tz: ZoneInfo) -> Rendered | None:
        function = registry[Notice(row.key)]
        return function({"tz": tz.key, **row.params}, locale)

    return render
