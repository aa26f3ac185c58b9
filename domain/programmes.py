"""Programmes and their admins: creating a programme, its settings, switching between the
programmes one coordinates, and the summary across programmes.

- Only admins (role `admin`, from ADMIN_IDS or promoted by an admin) create programmes,
  change their settings and their coordinators, and see every programme.
- A coordinator works in one programme at a time: their own person row's `programme_id`
  is their *current* programme, so every coordinator screen, already scoped to
  `coordinator.programme_id`, follows the switch. Which programmes they may switch to is
  recorded in `ProgrammeCoordinator` (admins may switch to any).
- A programme's settings live in its JSON column; `SETTINGS` below holds their typed
  defaults, in one place. A value stored for a programme overrides the global default for
  that programme's people. Readers: `settings_of(programme)`.
- A programme's name and slug are not personal data.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from domain.matching import Weights
from domain.staff import (
    OtherProgramme,
    is_admin,
    is_coordinator,
    require_admin,
    require_coordinator,
)
from storage.models import Programme, User
from storage.uow import UnitOfWork

NAME_LENGTH = (2, 60)
# A slug goes into deep links `<role>-<channel>-<slug>` (64 characters at most, "-"
# separates the parts): lower-case letters and digits only, and short.
SLUG_LENGTH = 16
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class ProgrammeError(DomainError):
    """A rule about programmes said no; the admin area answers it in the person's language."""


@dataclass(frozen=True)
class NumberSetting:
    """A whole-number setting an admin changes with − and + buttons."""

    key: str
    default: int
    low: int
    high: int
    step: int


# The number settings, in the order the admin screen shows them; a button names one by its
# index here. Days and hours are whole numbers.
NUMBERS: tuple[NumberSetting, ...] = (
    NumberSetting("target_hours", 40, 5, 200, 5),
    NumberSetting("quiet_from", 21, 0, 23, 1),
    NumberSetting("quiet_until", 8, 0, 23, 1),
    NumberSetting("nudge_after_days", 14, 3, 60, 1),
    NumberSetting("alert_after_days", 28, 7, 120, 7),
    # The waiting list (read by domain/waiting.py): a long wait alerts the coordinators,
    # an unfinished profile gets a reminder and is erased later.
    NumberSetting("waiting_alert_days", 28, 7, 182, 7),
    NumberSetting("unfinished_reminder_days", 2, 1, 14, 1),
    NumberSetting("unfinished_erase_days", 30, 7, 90, 1),
    # A newcomer may ask to become a buddy after this many months in the programme (the
    # bot does not know when they arrived in Belgium; joining the programme stands in
    # for it), or sooner once their trajectory is completed (domain/role_change.py).
    NumberSetting("buddy_after_months", 12, 3, 60, 3),
    # "How was it?" after meetups and events: at most one question in so many days.
    NumberSetting("feedback_every_days", 7, 1, 60, 1),
)
NUMBER_BY_KEY = {number.key: number for number in NUMBERS}
# Hours before a meetup a reminder may go out (an admin ticks the ones the programme uses).
REMINDER_CHOICES: tuple[int, ...] = (48, 24, 6, 2, 1)
DEFAULT_REMINDERS: tuple[int, ...] = (24, 2)
# Weeks on the waiting list at which a newcomer is asked whether they still wait.
CHECK_WEEK_CHOICES: tuple[int, ...] = (1, 2, 4, 6, 8, 12, 16)
DEFAULT_CHECK_WEEKS: tuple[int, ...] = (2, 6, 12)
# The matching weights an admin may tune (the others keep domain.matching's defaults).
WEIGHTS: tuple[str, ...] = (
    "shared_language",
    "same_municipality",
    "common_interest",
    "availability_slot",
    "dutch_practice",
    "waiting_per_week",
)
WEIGHT_STEP = 0.5
WEIGHT_RANGE = (-10.0, 10.0)


@dataclass(frozen=True)
class ProgrammeSettings:
    """A programme's settings with every default filled in (see `SETTINGS`)."""

    target_hours: int = 40
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    quiet_from: int = 21
    quiet_until: int = 8
    reminder_hours: tuple[int, ...] = DEFAULT_REMINDERS
    nudge_after_days: int = 14
    alert_after_days: int = 28
    waiting_alert_days: int = 28
    unfinished_reminder_days: int = 2
    unfinished_erase_days: int = 30
    buddy_after_months: int = 12
    feedback_every_days: int = 7
    waiting_check_weeks: tuple[int, ...] = DEFAULT_CHECK_WEEKS
    matching_weights: Mapping[str, float] = field(default_factory=dict)

    def weights(self) -> Weights:
        return Weights.from_dict(dict(self.matching_weights))

    def weight(self, name: str) -> float:
        return float(getattr(self.weights(), name))


SETTINGS = ProgrammeSettings()


def _number(stored: Mapping[str, Any], setting: NumberSetting) -> int:
    value = stored.get(setting.key)
    if isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, setting.low), setting.high)
    return setting.default


def settings_of(programme: Programme) -> ProgrammeSettings:
    """The programme's settings: what an admin stored, defaults for the rest (a value that
    makes no sense, e.g. written by hand in SQL, counts as unset)."""
    stored = programme.settings or {}
    languages = tuple(code for code in stored.get("languages") or () if code in SUPPORTED_LANGUAGES)
    reminders = tuple(
        hours for hours in stored.get("reminder_hours") or () if hours in REMINDER_CHOICES
    )
    weeks = tuple(w for w in stored.get("waiting_check_weeks") or () if w in CHECK_WEEK_CHOICES)
    weights = stored.get("matching_weights")
    return ProgrammeSettings(
        **{number.key: _number(stored, number) for number in NUMBERS},
        languages=languages or SUPPORTED_LANGUAGES,
        reminder_hours=tuple(sorted(reminders, reverse=True))
        if "reminder_hours" in stored
        else DEFAULT_REMINDERS,
        waiting_check_weeks=tuple(sorted(weeks)) or DEFAULT_CHECK_WEEKS,
        matching_weights=dict(weights) if isinstance(weights, Mapping) else {},
    )


def _store(programme: Programme, key: str, value: Any) -> None:
    # A new dict: JSON columns do not track changes inside.
    programme.settings = {**(programme.settings or {}), key: value}


def apply_defaults(person: User, programme: Programme) -> None:
    """A person joining a programme starts with its default quiet hours."""
    chosen = settings_of(programme)
    person.quiet_from = chosen.quiet_from
    person.quiet_until = chosen.quiet_until


# --- creating programmes ----------------------------------------------------------------


def check_name(typed: str | None) -> str:
    """A programme's name as typed, trimmed; refused when empty, too long or not text."""
    name = " ".join((typed or "").split())
    low, high = NAME_LENGTH
    if not low <= len(name) <= high or not any(c.isalnum() for c in name):
        raise ProgrammeError("programme_name", low=low, high=high)
    return name


def slug_base(name: str) -> str:
    """`Huis van het Nederlands` -> `huisvanhetnederl`: ASCII letters and digits only."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return _NOT_SLUG.sub("", folded)[:SLUG_LENGTH] or "programme"


async def unique_slug(uow: UnitOfWork, name: str) -> str:
    base = slug_base(name)
    taken = await uow.programmes.slugs_starting(base[: SLUG_LENGTH - 3])
    if base not in taken:
        return base
    for number in range(2, 1000):
        candidate = base[: SLUG_LENGTH - len(str(number))] + str(number)
        if candidate not in taken:
            return candidate
    raise ProgrammeError("programme_name", low=NAME_LENGTH[0], high=NAME_LENGTH[1])


async def create(uow: UnitOfWork, admin: User, typed_name: str | None) -> Programme:
    """A new programme with default settings; the slug (for its deep links) is derived
    from the name. Audited."""
    require_admin(admin)
    name = check_name(typed_name)
    programme = Programme(
        name=name, slug=await unique_slug(uow, name), settings={}, is_default=False
    )
    uow.programmes.add(programme)
    await uow.programmes.flush()
    uow.audit.record(
        "programme.created",
        programme_id=programme.id,
        actor_id=admin.telegram_id,
        slug=programme.slug,
    )
    return programme


async def programme_for_admin(uow: UnitOfWork, admin: User, programme_id: int) -> Programme:
    require_admin(admin)
    programme = await uow.programmes.get(programme_id)
    if programme is None:
        raise DomainError("not_found")
    return programme


def _audit_setting(uow: UnitOfWork, admin: User, programme: Programme, key: str) -> None:
    uow.audit.record(
        "programme.setting_changed",
        programme_id=programme.id,
        actor_id=admin.telegram_id,
        setting=key,
        value=(programme.settings or {}).get(key),
    )


async def step_number(
    uow: UnitOfWork, admin: User, programme_id: int, index: int, up: bool
) -> Programme:
    """One step up or down of the number setting NUMBERS[index], kept within its range."""
    programme = await programme_for_admin(uow, admin, programme_id)
    if not 0 <= index < len(NUMBERS):
        raise DomainError("not_found")
    setting = NUMBERS[index]
    current = getattr(settings_of(programme), setting.key)
    value = min(max(current + (setting.step if up else -setting.step), setting.low), setting.high)
    _store(programme, setting.key, value)
    _audit_setting(uow, admin, programme, setting.key)
    return programme


async def toggle_language(uow: UnitOfWork, admin: User, programme_id: int, code: str) -> Programme:
    """Offer or stop offering a contact language; at least one stays offered."""
    programme = await programme_for_admin(uow, admin, programme_id)
    if code not in SUPPORTED_LANGUAGES:
        raise DomainError("not_found")
    offered = list(settings_of(programme).languages)
    if code in offered:
        if len(offered) == 1:
            raise ProgrammeError("programme_one_language")
        offered.remove(code)
    else:
        offered.append(code)
    _store(programme, "languages", [c for c in SUPPORTED_LANGUAGES if c in offered])
    _audit_setting(uow, admin, programme, "languages")
    forget_kept_languages()
    return programme


async def toggle_reminder(uow: UnitOfWork, admin: User, programme_id: int, hours: int) -> Programme:
    """Add or drop a reminder so many hours before a meetup (none at all is allowed)."""
    programme = await programme_for_admin(uow, admin, programme_id)
    if hours not in REMINDER_CHOICES:
        raise DomainError("not_found")
    chosen = set(settings_of(programme).reminder_hours) ^ {hours}
    _store(programme, "reminder_hours", sorted(chosen, reverse=True))
    _audit_setting(uow, admin, programme, "reminder_hours")
    return programme


async def toggle_check_week(
    uow: UnitOfWork, admin: User, programme_id: int, weeks: int
) -> Programme:
    """Add or drop a waiting-list check-in so many weeks in; at least one stays."""
    programme = await programme_for_admin(uow, admin, programme_id)
    if weeks not in CHECK_WEEK_CHOICES:
        raise DomainError("not_found")
    chosen = set(settings_of(programme).waiting_check_weeks) ^ {weeks}
    if not chosen:
        raise ProgrammeError("programme_one_check")
    _store(programme, "waiting_check_weeks", sorted(chosen))
    _audit_setting(uow, admin, programme, "waiting_check_weeks")
    return programme


async def step_weight(
    uow: UnitOfWork, admin: User, programme_id: int, index: int, up: bool
) -> Programme:
    """One step up or down of the matching weight WEIGHTS[index]."""
    programme = await programme_for_admin(uow, admin, programme_id)
    if not 0 <= index < len(WEIGHTS):
        raise DomainError("not_found")
    name = WEIGHTS[index]
    chosen = settings_of(programme)
    value = chosen.weight(name) + (WEIGHT_STEP if up else -WEIGHT_STEP)
    value = min(max(value, WEIGHT_RANGE[0]), WEIGHT_RANGE[1])
    _store(programme, "matching_weights", {**chosen.matching_weights, name: value})
    _audit_setting(uow, admin, programme, "matching_weights")
    return programme


# --- who works where ----------------------------------------------------------------------


async def switchable(uow: UnitOfWork, coordinator: User) -> Sequence[Programme]:
    """The programmes a coordinator may work in: every one for an admin, else those they
    coordinate (their current one included)."""
    require_coordinator(coordinator)
    if is_admin(coordinator):
        return await uow.programmes.all()
    programmes = list(await uow.programmes.coordinated_by(coordinator.id))
    if all(p.id != coordinator.programme_id for p in programmes):
        current = await uow.programmes.get(coordinator.programme_id)
        if current is not None:
            programmes.insert(0, current)
    return programmes


async def switch(uow: UnitOfWork, coordinator: User, programme_id: int) -> Programme:
    """Make `programme_id` the coordinator's current programme. Someone who does not
    coordinate it is refused with `OtherProgramme` (audited by the admin area's error
    handler)."""
    allowed = await switchable(uow, coordinator)
    programme = next((p for p in allowed if p.id == programme_id), None)
    if programme is None:
        raise OtherProgramme("programme", programme_id, programme_id)
    if coordinator.programme_id != programme.id:
        coordinator.programme_id = programme.id
        uow.audit.by(coordinator, "coordinator.switched")
    return programme


async def current(uow: UnitOfWork, coordinator: User) -> Programme:
    programme = await uow.programmes.get(coordinator.programme_id)
    assert programme is not None  # a foreign key
    return programme


async def promote_admin(uow: UnitOfWork, admin: User, person_id: int) -> User:
    """An admin makes a coordinator of any programme an admin too."""
    require_admin(admin)
    person = await uow.users.get(person_id)
    if person is None or not is_coordinator(person):
        raise DomainError("not_found")
    if not is_admin(person):
        person.role = "admin"
        uow.audit.record(
            "admin.promoted",
            programme_id=person.programme_id,
            actor_id=admin.telegram_id,
            person_id=person.id,
        )
    return person


# --- the summary ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeFigures:
    """One line of the admin's summary: counts only, nothing personal."""

    programme: Programme
    people: int
    waiting: int
    active_pairs: int
    hours: float


async def summary(uow: UnitOfWork, admin: User) -> list[ProgrammeFigures]:
    """People, waiting newcomers, active pairs and confirmed hours of every programme."""
    require_admin(admin)
    counts = await uow.programmes.summary()
    result = []
    for programme in await uow.programmes.all():
        found = counts.get(programme.id, {})
        result.append(
            ProgrammeFigures(
                programme=programme,
                people=int(found.get("people", 0)),
                waiting=int(found.get("waiting", 0)),
                active_pairs=int(found.get("pairs", 0)),
                hours=round(found.get("minutes", 0) / 60, 1),
            )
        )
    return result


# --- what people of a programme see -----------------------------------------------------


async def languages_for(
    uow: UnitOfWork, slug: str | None, now: float | None = None
) -> tuple[str, ...]:
    """The contact languages offered to someone joining by a link naming `slug` (the
    default programme's when it names none, or an unknown one). Every `/start` of a
    stranger asks this: the answer is kept for LANGUAGES_KEPT seconds, so an admin's
    change reaches every instance within that time."""
    moment = time.monotonic() if now is None else now
    kept = _languages_kept.get(slug)
    if kept is not None and kept[0] > moment:
        return kept[1]
    programme = await uow.programmes.by_slug(slug) if slug else None
    programme = programme or await uow.programmes.default()
    languages = settings_of(programme).languages
    if len(_languages_kept) > 1000:  # slugs come from links anyone can type
        _languages_kept.clear()
    _languages_kept[slug] = (moment + LANGUAGES_KEPT, languages)
    return languages


LANGUAGES_KEPT = 10.0  # seconds
_languages_kept: dict[str | None, tuple[float, tuple[str, ...]]] = {}


def forget_kept_languages() -> None:
    """Drop what `languages_for` keeps (an admin changed the languages; a new database)."""
    _languages_kept.clear()


async def languages_of(uow: UnitOfWork, person: User) -> tuple[str, ...]:
    """The contact languages the person's programme offers."""
    programme = await uow.programmes.get(person.programme_id)
    return settings_of(programme).languages if programme else SUPPORTED_LANGUAGES


def offered(code: str, languages: Sequence[str]) -> str:
    """`code` when the programme offers it; "invalid_choice" otherwise (a forged button,
    or a picker shown before an admin changed the list)."""
    if code not in languages:
        raise DomainError("invalid_choice")
    return code
