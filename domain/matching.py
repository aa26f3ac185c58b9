"""Matching newcomers with buddies: scores with reasons and suggestions.

Pure logic: no database, no Telegram. The services hand in `Profile` snapshots
and get back scores, ranked suggestions and proposals; a coordinator confirms.

How a pair is judged
--------------------
*Hard constraints* (`allowed`, `blocks`): a stated buddy-gender preference is met, the
buddy has a free place (``active_pairs < capacity``), neither excluded the
other (an ended pair is never proposed again), and they are two people. When no
buddy passes them, `what_blocks` says which constraint keeps how many buddies out
and which buddies come nearest; a coordinator may match anyway over the person's
wish or an earlier pair (`OVERRIDABLE`), never over a buddy's missing free place.

*Score* (`score`): a sum of reasons, each with a machine key and parameters
that the handlers turn into words. The points come from `Weights`, which are
programme settings. Not sharing any language is allowed (Dutch and gestures
work) but costs a lot of points.

*Assignment* (`domain.assignment.assign`): the optimal assignment of the whole waiting list,
maximising the total score, with each buddy's free places as a capacity
(`domain.transport`, proved optimal by LP duality) on a score matrix built with numpy,
never one pair at a time. A pair is only
proposed when its score is positive: a pair worth less than nothing is left to
the coordinator, who sees it anyway in `suggest`. Newcomers earn a small,
capped bonus for waiting, by the day (`Weights.waiting_per_week`), so that when
places are scarce the longest waiting come first among similar pairs.
`greedy_assign` is the baseline: first come, first served.

The scalar `score` (used to explain) and the vectorised `score_matrix` (used
to assign) add the same terms in the same order, so they agree to the last
bit; a unit test holds them to that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.municipalities import are_neighbours, by_nis

DUTCH = "nl"

ACTIVITY_KINDS = (
    "leisure",
    "culture",
    "sport",
    "welfare",
    "volunteering",
    "dutch_practice",
    "discover_city",
    "community",
    "internship",
)
AVAILABILITY_SLOTS = ("weekday_day", "weekday_evening", "weekend")
GENDERS = ("woman", "man", "other")

DUTCH_PRACTICE = "dutch_practice"

FloatMatrix = npt.NDArray[np.float64]
BoolMatrix = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Profile:
    """What matching needs to know about one newcomer or buddy."""

    id: int
    languages: frozenset[str] = frozenset()
    """ISO 639-1 codes of the languages the person speaks ("nl", "ar", ...)."""
    municipality: str | None = None
    """NIS code of the Brussels municipality, "other" for elsewhere, None if unknown."""
    interests: frozenset[str] = frozenset()
    """Activity kinds (see `ACTIVITY_KINDS`)."""
    availability: frozenset[str] = frozenset()
    """Availability slots (see `AVAILABILITY_SLOTS`)."""
    gender: str | None = None
    """"woman", "man", "other"; None when not stated."""
    gender_preference: str | None = None
    """Newcomers: the buddy gender they asked for; None means no preference."""
    capacity: int = 1
    """Buddies: how many newcomers at once (1-3)."""
    active_pairs: int = 0
    """Buddies: how many pairs they are in now."""
    waiting_since: datetime | None = None
    """Newcomers: when they joined the waiting list (naive values are taken as UTC)."""
    excluded: frozenset[int] = frozenset()
    """Ids of people never to be matched with again (ended pairs)."""


@dataclass(frozen=True)
class Weights:
    """Points per reason: programme settings, with defaults that suit Brussels.

    Positive numbers are bonuses, negative ones penalties. The defaults rank
    the things a coordinator checks first highest: being able to talk
    (a shared language), then living close by, then doing things together
    at times both are free.
    """

    shared_language: float = 3.0
    """A common language other than Dutch: they can talk from the first meeting."""
    shared_dutch: float = 1.0
    """Both speak Dutch: the programme's language, so a plus of its own."""
    no_common_language: float = -4.0
    """No common language at all: allowed (Dutch and gestures work) but costly."""
    dutch_practice: float = 1.5
    """The newcomer wants to practise Dutch and the buddy speaks it."""
    same_municipality: float = 2.0
    neighbouring_municipality: float = 1.0
    common_interest: float = 1.0
    """Per common activity kind, up to `common_interests_cap` of them."""
    common_interests_cap: int = 3
    availability_slot: float = 1.0
    """Per availability slot both share (at most 3 slots exist)."""
    no_common_availability: float = -2.0
    """No slot in common (or one side has given none): meeting will be hard."""
    gender_preference_respected: float = 0.0
    """Shown as a reason, worth 0 by default: the preference is a hard
    constraint already, and a bonus would only favour newcomers who state one
    over those who do not when places are scarce."""
    waiting_per_week: float = 0.25
    """Bonus per week on the waiting list, counted by the day (a seventh of it per
    day), so that nobody waits unseen: when there are more newcomers than places,
    those who waited longest come first among otherwise similar pairs, and one
    day more counts."""
    waiting_cap: float = 2.0
    """Most the waiting bonus can reach (after 56 days at the default rate), so
    that waiting never outweighs being able to talk to each other."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value):
                raise ValueError(f"weight {f.name} must be a finite number, got {value!r}")
        if self.common_interests_cap < 0:
            raise ValueError("common_interests_cap must not be negative")
        if self.waiting_cap < 0:
            raise ValueError("waiting_cap must not be negative")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        """Weights from settings; missing keys keep their defaults, unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown matching weights: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"weight {key} must be a number, got {value!r}")
            if key == "common_interests_cap":
                if value != int(value):
                    raise ValueError("common_interests_cap must be a whole number")
                values[key] = int(value)
            else:
                values[key] = float(value)
        return cls(**values)

    def to_dict(self) -> dict[str, float | int]:
        """The weights as plain settings values (round-trips through `from_dict`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Reason:
    """One reason behind a score: a message key, its points and its parameters.

    Parameters hold codes (language, municipality, activity kind), not
    translated words; the handlers render them in the reader's language.
    """

    key: str
    points: float
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    """A pair's total score and the reasons it is made of, in a fixed order."""

    total: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    """A proposed pair, for a coordinator to confirm."""

    newcomer_id: int
    buddy_id: int
    score: Score


def free_places(buddy: Profile) -> int:
    """How many more newcomers this buddy can take on now."""
    return max(0, buddy.capacity - buddy.active_pairs)


# The hard constraints by key, in the order they are explained. A coordinator may match
# anyway over the ones in OVERRIDABLE (the person's wish, an earlier pair), never over
# the others: a buddy without a free place has no time, and nobody is their own buddy.
SAME_PERSON = "same_person"
GENDER_PREFERENCE = "gender_preference"
NO_FREE_PLACE = "no_free_place"
ENDED_PAIR = "ended_pair"
CONSTRAINTS = (SAME_PERSON, GENDER_PREFERENCE, NO_FREE_PLACE, ENDED_PAIR)
OVERRIDABLE = frozenset({GENDER_PREFERENCE, ENDED_PAIR})


def blocks(newcomer: Profile, buddy: Profile) -> tuple[str, ...]:
    """The hard constraints this pair breaks (keys of `CONSTRAINTS`, in that order);
    empty when it is allowed."""
    broken = []
    if newcomer.id == buddy.id:
        broken.append(SAME_PERSON)
    if newcomer.gender_preference is not None and buddy.gender != newcomer.gender_preference:
        # An unstated buddy gender (None) never meets a stated preference.
        broken.append(GENDER_PREFERENCE)
    if free_places(buddy) == 0:
        broken.append(NO_FREE_PLACE)
    if buddy.id in newcomer.excluded or newcomer.id in buddy.excluded:
        broken.append(ENDED_PAIR)
    return tuple(broken)


def allowed(newcomer: Profile, buddy: Profile) -> bool:
    """Whether the pair passes the hard constraints (see the module docstring)."""
    return not blocks(newcomer, buddy)


def overridable(broken: Iterable[str]) -> bool:
    """Whether a coordinator may match anyway over these broken constraints."""
    return set(broken) <= OVERRIDABLE


@dataclass(frozen=True)
class Blocked:
    """Why no buddy fits a newcomer: how many of the buddies each constraint keeps out
    (a buddy kept out by two counts for both), and the nearest buddies a coordinator may
    match anyway, each with what it breaks."""

    buddies: int
    counts: dict[str, int]
    nearest: tuple[tuple[Profile, Score, tuple[str, ...]], ...]


def what_blocks(
    newcomer: Profile,
    buddies: Iterable[Profile],
    weights: Weights,
    limit: int = 3,
    *,
    now: datetime | None = None,
) -> Blocked:
    """What keeps the buddies from this newcomer: counts per constraint over all of them,
    and up to `limit` buddies that only break overridable constraints, fewest broken
    first, then best score, then by id."""
    moment = moment_or_now(now)
    counts = dict.fromkeys(CONSTRAINTS, 0)
    seen = 0
    near: list[tuple[Profile, Score, tuple[str, ...]]] = []
    for buddy in buddies:
        seen += 1
        broken = blocks(newcomer, buddy)
        for key in broken:
            counts[key] += 1
        if broken and overridable(broken):
            near.append((buddy, score(newcomer, buddy, weights, now=moment), broken))
    near.sort(key=lambda item: (len(item[2]), -item[1].total, item[0].id))
    return Blocked(
        buddies=seen,
        counts={key: count for key, count in counts.items() if count},
        nearest=tuple(near[: max(0, limit)]),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def moment_or_now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else _aware(now)


def days_waiting(newcomer: Profile, now: datetime) -> int:
    """Whole days on the waiting list (0 when unknown)."""
    if newcomer.waiting_since is None:
        return 0
    return max(0, (now - _aware(newcomer.waiting_since)).days)


def waiting_points(days: int, weights: Weights) -> float:
    """The waiting bonus after `days`: `Weights.waiting_per_week` per 7 days, by the day.
    Shared by the scalar and the vectorised path, so both get the same float."""
    return min(weights.waiting_cap, weights.waiting_per_week * days / 7)


def _codes(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _in_common(key: str, points: float, name: str, shared: frozenset[str]) -> Reason:
    """A reason for what both have in common: the shared codes and how many there are."""
    return Reason(key, points, {name: _codes(shared), "count": len(shared)})


def language_points(shared: bool, both_dutch: bool, practice: bool, weights: Weights) -> float:
    # The partial sum of the language terms, added in the order `score` adds them.
    points = 0.0
    if shared:
        points += weights.shared_language
    if both_dutch:
        points += weights.shared_dutch
    if not shared and not both_dutch:
        points += weights.no_common_language
    if practice:
        points += weights.dutch_practice
    return points


def interest_points(common: int, weights: Weights) -> float:
    return weights.common_interest * min(common, weights.common_interests_cap)


def availability_points(common: int, weights: Weights) -> float:
    return weights.availability_slot * common if common else weights.no_common_availability


def score(
    newcomer: Profile, buddy: Profile, weights: Weights, *, now: datetime | None = None
) -> Score:
    """The score of a newcomer-buddy pair with its reasons.

    Meaningful for allowed pairs (see `allowed`); ``now`` (default: the current
    time) is the moment against which waiting time is measured.
    """
    reasons: list[Reason] = []

    # The order of the terms below is the order in `score_matrix`: keep them in
    # step, the floats only agree exactly when added in the same order.
    shared = (newcomer.languages & buddy.languages) - {DUTCH}
    both_dutch = DUTCH in newcomer.languages and DUTCH in buddy.languages
    if shared:
        reasons.append(
            Reason("shared_languages", weights.shared_language, {"languages": _codes(shared)})
        )
    if both_dutch:
        reasons.append(Reason("shared_dutch", weights.shared_dutch))
    if not shared and not both_dutch:
        reasons.append(Reason("no_common_language", weights.no_common_language))
    if DUTCH_PRACTICE in newcomer.interests and DUTCH in buddy.languages:
        reasons.append(Reason("dutch_practice", weights.dutch_practice))

    if newcomer.municipality == buddy.municipality and by_nis(newcomer.municipality) is not None:
        assert newcomer.municipality is not None
        reasons.append(
            Reason(
                "same_municipality",
                weights.same_municipality,
                {"municipality": newcomer.municipality},
            )
        )
    elif are_neighbours(newcomer.municipality, buddy.municipality):
        assert newcomer.municipality is not None and buddy.municipality is not None
        reasons.append(
            Reason(
                "neighbouring_municipality",
                weights.neighbouring_municipality,
                {
                    "newcomer_municipality": newcomer.municipality,
                    "buddy_municipality": buddy.municipality,
                },
            )
        )

    interests = newcomer.interests & buddy.interests
    if interests:
        points = interest_points(len(interests), weights)
        reasons.append(_in_common("common_interests", points, "interests", interests))

    slots = newcomer.availability & buddy.availability
    if slots:
        points = availability_points(len(slots), weights)
        reasons.append(_in_common("overlapping_availability", points, "slots", slots))
    else:
        reasons.append(Reason("no_overlapping_availability", availability_points(0, weights)))

    if newcomer.gender_preference is not None and buddy.gender == newcomer.gender_preference:
        reasons.append(
            Reason(
                "gender_preference_respected",
                weights.gender_preference_respected,
                {"gender": newcomer.gender_preference},
            )
        )

    days = days_waiting(newcomer, moment_or_now(now))
    if days > 0:
        reasons.append(
            Reason(
                "waiting_time", waiting_points(days, weights), {"weeks": days // 7, "days": days}
            )
        )

    # An explicit loop rather than sum(): Python 3.12+ sums floats with
    # compensation, numpy does not, and the two paths must agree exactly.
    total = 0.0
    for reason in reasons:
        total += reason.points
    return Score(total=total, reasons=tuple(reasons))


def suggest(
    newcomer: Profile,
    buddies: Iterable[Profile],
    weights: Weights,
    limit: int = 5,
    *,
    now: datetime | None = None,
) -> list[tuple[Profile, Score]]:
    """The best allowed buddies for one newcomer, best first.

    Equal scores are ordered by buddy id, so the list is the same every time.
    Pairs with a negative score are included: the coordinator decides.
    """
    moment = moment_or_now(now)
    ranked = [
        (buddy, score(newcomer, buddy, weights, now=moment))
        for buddy in buddies
        if allowed(newcomer, buddy)
    ]
    ranked.sort(key=lambda item: (-item[1].total, item[0].id))
    return ranked[: max(0, limit)]


def waiting_order(newcomers: Iterable[Profile]) -> list[Profile]:
    """Newcomers longest-waiting first (unknown start last, then by id)."""

    def key(newcomer: Profile) -> tuple[int, float, int]:
        if newcomer.waiting_since is None:
            return (1, 0.0, newcomer.id)
        return (0, _aware(newcomer.waiting_since).timestamp(), newcomer.id)

    return sorted(newcomers, key=key)
