"""Onboarding: consent, the profile, the waiting list. No Telegram here, only the programme."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from domain import checkins, programmes
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from domain.municipalities import all_municipalities
from domain.profile import (
    ACTIVITY_KINDS,
    AVAILABILITY,
    CAPACITIES,
    DUTCH_LEVELS,
    ELSEWHERE,
    GENDER_PREFERENCES,
    GENDERS,
    MULTI_SELECT,
    SPOKEN_LANGUAGES,
    Step,
    steps_for,
    validate_first_name,
)
from storage.models import CheckInMoment, Programme, Role, User, UserStatus
from storage.uow import UnitOfWork

_ROLE_CODES = {"nc": Role.NEWCOMER, "bd": Role.BUDDY}
_TOKEN = re.compile(r"^[A-Za-z0-9_]{1,32}$")


@dataclass(frozen=True)
class Recruitment:
    """What a deep link (`/start nc-bon`, `/start bd-flyer-anderlecht`) tells about a person."""

    role: Role | None = None
    channel: str | None = None
    programme_slug: str | None = None

    def as_data(self) -> dict[str, str | None]:
        """Plain values, to be kept in the conversation state until the person consents."""
        return {
            "role": self.role.value if self.role else None,
            "channel": self.channel,
            "programme": self.programme_slug,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Recruitment:
        """Back from `as_data()`; a missing or unknown role reads as none."""
        data = data or {}
        role = data.get("role")
        return cls(
            role=Role(role) if role in {r.value for r in Role} else None,
            channel=data.get("channel"),
            programme_slug=data.get("programme"),
        )


def parse_start_payload(payload: str | None) -> Recruitment:
    """`<role>-<channel>[-<programme>]`, role `nc`, `bd` or `x`; anything else is ignored."""
    if not payload:
        return Recruitment()
    parts = payload.strip().split("-")
    if len(parts) > 3 or not all(_TOKEN.match(part) for part in parts):
        return Recruitment()
    role = _ROLE_CODES.get(parts[0].lower())
    channel = parts[1].lower() if len(parts) > 1 else None
    programme = parts[2].lower() if len(parts) > 2 else None
    return Recruitment(role=role, channel=channel, programme_slug=programme)


def choices(step: Step) -> tuple[str, ...]:
    """The values a button of this step may carry."""
    match step:
        case Step.ROLE:
            return (Role.NEWCOMER.value, Role.BUDDY.value)
        case Step.MUNICIPALITY:
            return (*(m.nis for m in all_municipalities()), ELSEWHERE)
        case Step.LANGUAGES:
            return SPOKEN_LANGUAGES
        case Step.INTERESTS:
            return ACTIVITY_KINDS
        case Step.AVAILABILITY:
            return AVAILABILITY
        case Step.DUTCH_LEVEL:
            return DUTCH_LEVELS
        case Step.GENDER:
            return (*GENDERS, "unsaid")
        case Step.GENDER_PREFERENCE:
            return GENDER_PREFERENCES
        case Step.CAPACITY:
            return CAPACITIES
        case Step.NAME:
            return ()


async def programme_for(uow: UnitOfWork, slug: str | None) -> Programme:
    """The programme a deep link names, or the default one."""
    if slug:
        programme = await uow.programmes.by_slug(slug)
        if programme is not None:
            return programme
    return await uow.programmes.default()


async def register(
    uow: UnitOfWork,
    *,
    telegram_id: int,
    language: str,
    recruitment: Recruitment,
    now: datetime,
) -> User:
    """Create the person at the moment they consent; nothing personal is stored before."""
    existing = await uow.users.by_telegram_id(telegram_id)
    if existing is not None:
        return existing
    programme = await programme_for(uow, recruitment.programme_slug)
    user = User(
        telegram_id=telegram_id,
        programme_id=programme.id,
        role=recruitment.role.value if recruitment.role else None,
        status=UserStatus.ONBOARDING.value,
        contact_language=language,
        recruited_via=recruitment.channel,
        consent_at=now,
        languages=[],
        interests=[],
        availability=[],
    )
    programmes.apply_defaults(user, programme)
    return await uow.users.save(user)


# The column of `User` that holds the answer to each step.
_ANSWER_COLUMN: dict[Step, str] = {
    Step.ROLE: "role",
    Step.NAME: "first_name",
    Step.MUNICIPALITY: "municipality",
    Step.LANGUAGES: "languages",
    Step.INTERESTS: "interests",
    Step.AVAILABILITY: "availability",
    Step.DUTCH_LEVEL: "dutch_level",
    Step.GENDER: "gender",  # "unsaid" is an answer too: matching reads it as unknown
    Step.GENDER_PREFERENCE: "gender_preference",
    Step.CAPACITY: "capacity",
}


def current_value(user: User, step: Step) -> str | list[str] | None:
    """The person's answer to a step so far (a list for multi-select steps)."""
    value = getattr(user, _ANSWER_COLUMN[step])
    if step in MULTI_SELECT:
        return list(value or [])
    if step is Step.CAPACITY:
        return str(value) if value else None
    return cast(str | None, value)


def next_step(user: User, answered: frozenset[str] = frozenset()) -> Step | None:
    """The first step still without an answer, or None when the profile is complete."""
    for step in steps_for(user.role):
        value = current_value(user, step)
        if step.value in answered:
            continue
        if value is None or value == [] or value == "":
            return step
    return None


def previous_step(user: User, step: Step) -> Step:
    """The question before `step` (the first one stays where it is)."""
    steps = steps_for(user.role)
    return steps[max(steps.index(step) - 1, 0)] if step in steps else steps[0]


def suggest(user: User, step: Step) -> None:
    """Before a question is first shown: the languages spoken get the contact language
    ticked in advance (people speak the language they chose to read in), so "Done"
    alone answers for most; it can be unticked like any other."""
    if (
        step is Step.LANGUAGES
        and not current_value(user, step)
        and user.contact_language in choices(step)
    ):
        user.languages = [user.contact_language]


def finish_choices(user: User, step: Step) -> None:
    """ "Done" on a multi-select step: refused unless the step is one and has an answer."""
    if step not in MULTI_SELECT:
        raise DomainError("invalid_choice")
    if not current_value(user, step):
        raise DomainError("need_one")


def set_single(user: User, step: Step, value: str) -> None:
    """Store a one-choice answer after checking it is one of the step's choices."""
    if step in MULTI_SELECT or step is Step.NAME:
        raise DomainError("invalid_choice")
    if value not in choices(step):
        raise DomainError("invalid_choice")
    if step is Step.ROLE and user.profile_done_at is not None and user.role != value:
        raise DomainError("role_fixed")
    setattr(user, _ANSWER_COLUMN[step], int(value) if step is Step.CAPACITY else value)


def toggle(user: User, step: Step, value: str) -> list[str]:
    """Add or remove one option of a multi-select step; returns the new selection."""
    if step not in MULTI_SELECT or value not in choices(step):
        raise DomainError("invalid_choice")
    selected = list(current_value(user, step) or [])
    if value in selected:
        selected.remove(value)
    else:
        selected.append(value)
    ordered = [option for option in choices(step) if option in selected]
    setattr(user, _ANSWER_COLUMN[step], ordered)
    return ordered


def set_name(user: User, text: str | None) -> str:
    """Store the first name the person typed, once it passes the checks."""
    user.first_name = validate_first_name(text)
    return user.first_name


async def confirm_profile(uow: UnitOfWork, user: User, now: datetime) -> None:
    """The person confirmed their summary: they join the waiting list (or stay on it)."""
    missing = next_step(user)
    if missing is not None:
        raise DomainError("profile_incomplete")
    if user.profile_done_at is None:
        user.profile_done_at = now
        # The "before" of the check-ins: a few questions once the profile is done.
        await checkins.open_check_in(uow, user, CheckInMoment.ONBOARDING, None, now)
    if user.status == UserStatus.ONBOARDING.value:
        user.status = UserStatus.WAITING.value
        user.waiting_since = now
    await uow.users.save(user)


def contact_language(code: str) -> str:
    """`code` when the bot speaks it; a DomainError ("invalid_choice") otherwise."""
    if code not in SUPPORTED_LANGUAGES:
        raise DomainError("invalid_choice")
    return code


async def set_contact_language(uow: UnitOfWork, user: User, code: str) -> str:
    """From now on the bot writes to the person in `code` (their messages, reminders and
    notices alike); an unsupported code is refused and changes nothing."""
    user.contact_language = contact_language(code)
    await uow.users.save(user)
    return user.contact_language


async def forget(uow: UnitOfWork, user: User) -> None:
    """Erase the person and everything personal about them."""
    await uow.users.delete(user)
