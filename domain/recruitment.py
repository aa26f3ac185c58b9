"""Recruitment links: a deep link per channel, role and programme, for flyers, welcome
letters and partner organisations, and whether the buddies keep up with the list.

A link's start parameter is `<role>-<channel>-<programme slug>` (`nc-school-default`),
read back by `domain.onboarding.parse_start_payload`. Telegram takes 1-64 characters
from A-Z, a-z, 0-9, `_` and `-` there; `-` separates the parts, so a channel code is
lower-case letters, digits and `_`, and short enough for the whole to fit.

The usual channels need no setting up; a coordinator may add one by name (a library, a
sports club), kept per programme. A person keeps the channel they came through
(`recruited_via`), and the report counts recruits, finished profiles and matches by it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import DomainError
from domain.staff import require_coordinator
from storage.models import Programme, Role, User
from storage.uow import UnitOfWork

# The channels every programme has, in the order the coordinator sees them.
STANDARD_CHANNELS = ("school", "market", "bon", "partner", "flyer")
# What a buddy shares from their menu ("become a buddy").
SHARED_BY_BUDDY = "buddy_share"
ROLE_CODES = {Role.NEWCOMER.value: "nc", Role.BUDDY.value: "bd"}
START_PARAMETER_MAX = 64
CHANNEL_MAX = 24
_NOT_CODE = re.compile(r"[^a-z0-9]+")
_CHANNEL = re.compile(r"^[a-z0-9_]{1,32}$")  # what parse_start_payload reads back
# The forecast looks at how fast places came free lately.
PACE_WEEKS = 8


def channel_code(typed: str | None, programme: Programme) -> str:
    """The code a typed channel name becomes (`Sport club Anderlecht` ->
    `sport_club_anderlecht`): accents dropped, anything else but letters and digits a
    `_`, cut so the link fits. Refused ("channel_name") when nothing usable is left."""
    text = unicodedata.normalize("NFKD", (typed or "").strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    code = _NOT_CODE.sub("_", text).strip("_")
    code = code[: channel_limit(programme)].strip("_")
    if not code or len(code) < 2:
        raise DomainError("channel_name")
    return code


def channel_limit(programme: Programme) -> int:
    """The longest channel code a link of this programme can carry."""
    room = START_PARAMETER_MAX - len("nc--") - len(programme.slug)
    return max(1, min(CHANNEL_MAX, room))


def start_parameter(role: str, channel: str, programme: Programme) -> str:
    """The deep link's start parameter; refused when the role or channel is not one a
    link may carry."""
    code = ROLE_CODES.get(role)
    if code is None:
        raise DomainError("invalid_choice")
    if not _CHANNEL.match(channel):
        raise DomainError("invalid_choice")
    payload = f"{code}-{channel}-{programme.slug}"
    if len(payload) > START_PARAMETER_MAX:
        raise DomainError("invalid_choice")
    return payload


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


async def channels(uow: UnitOfWork, coordinator: User) -> list[str]:
    """The usual channels, then those the programme's coordinators added."""
    require_coordinator(coordinator)
    added = await uow.recruitment.channels(coordinator.programme_id)
    return [*STANDARD_CHANNELS, *(code for code in added if code not in STANDARD_CHANNELS)]


async def add_channel(uow: UnitOfWork, coordinator: User, typed: str | None) -> str:
    """A channel of the coordinator's own naming (audited); a known one is reused."""
    require_coordinator(coordinator)
    programme = await _programme(uow, coordinator)
    code = channel_code(typed, programme)
    if code in await channels(uow, coordinator):
        return code
    await uow.recruitment.add_channel(programme.id, code)
    uow.audit.by(coordinator, "recruitment.channel_added", channel=code)
    return code


@dataclass(frozen=True)
class Link:
    programme: Programme
    role: str
    channel: str
    payload: str


async def link(uow: UnitOfWork, coordinator: User, role: str, channel: str) -> Link:
    """The link of one of the programme's channels for one role (audited: a printed link
    brings people in for months)."""
    require_coordinator(coordinator)
    if channel not in await channels(uow, coordinator):
        raise DomainError("not_found")
    programme = await _programme(uow, coordinator)
    payload = start_parameter(role, channel, programme)
    uow.audit.by(coordinator, "recruitment.link_made", channel=channel, role=role)
    return Link(programme=programme, role=role, channel=channel, payload=payload)


async def buddy_share(uow: UnitOfWork, buddy: User) -> Link:
    """The "become a buddy" link a buddy shares with friends: their own programme."""
    if buddy.role != Role.BUDDY.value:
        raise DomainError("stale_button")
    programme = await uow.programmes.get(buddy.programme_id)
    assert programme is not None  # a person always belongs to a programme (foreign key)
    payload = start_parameter(Role.BUDDY.value, SHARED_BY_BUDDY, programme)
    return Link(
        programme=programme, role=Role.BUDDY.value, channel=SHARED_BY_BUDDY, payload=payload
    )


async def _programme(uow: UnitOfWork, coordinator: User) -> Programme:
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None  # a person always belongs to a programme (foreign key)
    return programme


# --- the forecast ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """The buddies' free places fall short of the waiting list: by `short` places; at the
    pace places came free lately (`per_week`), the list is served in `weeks` (None when
    no place came free in `PACE_WEEKS` weeks: no forecast can be made)."""

    short: int
    per_week: float
    weeks: int | None


def forecast(
    waiting: int, free_places: int, freed: int, pace_weeks: int = PACE_WEEKS
) -> Forecast | None:
    """None while the free places cover the waiting list."""
    if free_places >= waiting:
        return None
    short = waiting - free_places
    per_week = freed / pace_weeks
    weeks = math.ceil(short / per_week) if per_week > 0 else None
    return Forecast(short=short, per_week=per_week, weeks=weeks)


async def places_forecast(
    uow: UnitOfWork, coordinator: User, waiting: int, free_places: int, now: datetime
) -> Forecast | None:
    """The coordinator's home: how long until the list is served, when places fall short."""
    require_coordinator(coordinator)
    if free_places >= waiting:
        return None
    freed = await uow.recruitment.places_freed_since(
        coordinator.programme_id, now - timedelta(weeks=PACE_WEEKS)
    )
    return forecast(waiting, free_places, freed)
