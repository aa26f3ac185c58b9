"""Matching newcomers with buddies: scores with reasons, suggestions, assignment.

Pure logic: no database, no Telegram. The services hand in `Profile` snapshots
and get back scores, ranked suggestions and proposals; a coordinator confirms.

How a pair is judged
--------------------
*Hard constraints* (`allowed`): a stated buddy-gender preference is met, the
buddy has a free place (``active_pairs < capacity``), neither excluded the
other (an ended pair is never proposed again), and they are two people.

*Score* (`score`): a sum of reasons, each with a machine key and parameters
that the handlers turn into words. The points come from `Weights`, which are
programme settings. Not sharing any language is allowed (Dutch and gestures
work) but costs a lot of points.

*Assignment* (`assign`): the optimal assignment of the whole waiting list,
maximising the total score, with `scipy.optimize.linear_sum_assignment` on a
score matrix built with numpy, never one pair at a time. A pair is only
proposed when its score is positive: a pair worth less than nothing is left to
the coordinator, who sees it anyway in `suggest`. Newcomers earn a small,
capped bonus per week of waiting (`Weights.waiting_per_week`), so that when
places are scarce the longest waiting come first among similar pairs.
`greedy_assign` is the baseline: first come, first served.

The scalar `score` (used to explain) and the vectorised `score_matrix` (used
to assign) add the same terms in the same order, so they agree to the last
bit; a unit test holds them to that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from domain.municipalities import all_municipalities, are_neighbours, by_nis

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

_DUTCH_PRACTICE = "dutch_practice"

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
    """Bonus per completed week on the waiting list, so that nobody waits
    unseen: when there are more newcomers than places, those who waited
    longest come first among otherwise similar pairs. Whole weeks rather than
    days: finer steps change little in who comes first but give the solver
    many more distinct values (measured: about 40% slower at bench size)."""
    waiting_cap: float = 2.0
    """Most the waiting bonus can reach (after 8 weeks at the default rate), so
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


def allowed(newcomer: Profile, buddy: Profile) -> bool:
    """Whether the pair passes the hard constraints (see the module docstring)."""
    if newcomer.id == buddy.id:
        return False
    if newcomer.gender_preference is not None and buddy.gender != newcomer.gender_preference:
        # An unstated buddy gender (None) never meets a stated preference.
        return False
    if free_places(buddy) == 0:
        return False
    return buddy.id not in newcomer.excluded and newcomer.id not in buddy.excluded


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else _aware(now)


def _weeks_waiting(newcomer: Profile, now: datetime) -> int:
    if newcomer.waiting_since is None:
        return 0
    return max(0, (now - _aware(newcomer.waiting_since)).days // 7)


def _waiting_points(weeks: int, weights: Weights) -> float:
    # Shared by the scalar and the vectorised path, so both get the same float.
    return min(weights.waiting_cap, weights.waiting_per_week * weeks)


def _codes(items: Iterable[str]) -> str:
    return ", ".join(sorted(items))


def _language_points(shared: bool, both_dutch: bool, practice: bool, weights: Weights) -> float:
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


def _interest_points(common: int, weights: Weights) -> float:
    return weights.common_interest * min(common, weights.common_interests_cap)


def _availability_points(common: int, weights: Weights) -> float:
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
    if _DUTCH_PRACTICE in newcomer.interests and DUTCH in buddy.languages:
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
        reasons.append(
            Reason(
                "common_interests",
                _interest_points(len(interests), weights),
                {"interests": _codes(interests), "count": len(interests)},
            )
        )

    slots = newcomer.availability & buddy.availability
    if slots:
        reasons.append(
            Reason(
                "overlapping_availability",
                _availability_points(len(slots), weights),
                {"slots": _codes(slots), "count": len(slots)},
            )
        )
    else:
        reasons.append(Reason("no_overlapping_availability", _availability_points(0, weights)))

    if newcomer.gender_preference is not None and buddy.gender == newcomer.gender_preference:
        reasons.append(
            Reason(
                "gender_preference_respected",
                weights.gender_preference_respected,
                {"gender": newcomer.gender_preference},
            )
        )

    weeks = _weeks_waiting(newcomer, _now(now))
    if weeks > 0:
        reasons.append(Reason("waiting_time", _waiting_points(weeks, weights), {"weeks": weeks}))

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
    moment = _now(now)
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


@dataclass(frozen=True, eq=False)
class ScoreMatrix:
    """Scores and hard constraints of every newcomer-buddy pair, as arrays.

    Row ``i`` is ``newcomers[i]`` (in waiting order), column ``j`` is
    ``buddies[j]`` (by id); ``scores[i, j]`` equals
    ``score(newcomers[i], buddies[j], weights, now=now).total`` exactly, and
    ``allowed[i, j]`` equals ``allowed(newcomers[i], buddies[j])``. Both are
    transposed views of buddy-major arrays, the layout the assignment needs.
    """

    newcomers: tuple[Profile, ...]
    buddies: tuple[Profile, ...]
    scores: FloatMatrix
    allowed: BoolMatrix
    weights: Weights
    now: datetime


def _masks(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> npt.NDArray[np.uint64]:
    # One bit per item, in 64-bit words (one word unless the vocabulary is big).
    words = max(1, -(-len(vocabulary) // 64))
    masks = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            bit = vocabulary.get(item)
            if bit is not None:
                masks[row, bit // 64] |= np.uint64(1 << (bit % 64))
    return masks


def _narrowest_unsigned(bits: int) -> type[np.unsignedinteger[Any]]:
    for candidate in (np.uint8, np.uint16, np.uint32):
        if bits <= 8 * np.dtype(candidate).itemsize:
            return candidate
    return np.uint64


def _common_counts(
    buddy_sets: Sequence[frozenset[str]],
    newcomer_sets: Sequence[frozenset[str]],
    ignore: str | None = None,
) -> npt.NDArray[np.unsignedinteger[Any]]:
    """How many items each buddy (row) and newcomer (column) have in common."""
    # Only items present on both sides can be common: a small vocabulary, so
    # usually a single word per person and the narrowest integer type.
    on_buddies: set[str] = set().union(*buddy_sets)
    on_newcomers: set[str] = set().union(*newcomer_sets)
    items = sorted((on_buddies & on_newcomers) - {ignore})
    vocabulary = {item: bit for bit, item in enumerate(items)}
    buddy_masks = _masks(buddy_sets, vocabulary)
    newcomer_masks = _masks(newcomer_sets, vocabulary)
    width = _narrowest_unsigned(len(items))
    counts: npt.NDArray[np.unsignedinteger[Any]] | None = None
    for word in range(buddy_masks.shape[1]):
        common = np.bitwise_count(
            np.bitwise_and(
                buddy_masks[:, word, None].astype(width),
                newcomer_masks[None, :, word].astype(width),
            )
        )
        counts = common if counts is None else counts + common.astype(np.uint16)
    assert counts is not None
    return counts


def _municipality_points(weights: Weights) -> tuple[dict[str, int], FloatMatrix]:
    """Index per NIS code, and points[newcomer place, buddy place]."""
    # Index 0..18 are the municipalities; the last index stands for "other",
    # None and unknown codes alike: never the same place, never a neighbour.
    municipalities = all_municipalities()
    index = {m.nis: i for i, m in enumerate(municipalities)}
    size = len(municipalities) + 1
    points = np.zeros((size, size), dtype=np.float64)
    for m in municipalities:
        points[index[m.nis], index[m.nis]] = weights.same_municipality
        for other in m.neighbours:
            points[index[m.nis], index[other]] = weights.neighbouring_municipality
    return index, points


def score_matrix(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> ScoreMatrix:
    """Score every newcomer against every buddy at once (vectorised with numpy).

    Newcomers are put in waiting order and buddies in id order, so that equal
    scores are resolved the same way every time.
    """
    moment = _now(now)
    rows = tuple(waiting_order(newcomers))
    columns = tuple(sorted(buddies, key=lambda b: b.id))
    for group, label in ((rows, "newcomer"), (columns, "buddy")):
        if len({p.id for p in group}) != len(group):
            raise ValueError(f"duplicate {label} ids")

    # Apart from waiting time, a pair's score depends only on a few small
    # numbers: which language terms apply (8 cases), both municipalities
    # (20 x 20), common interests (up to the cap), common slots and whether a
    # gender preference was met. So: compute the points of every combination
    # once, in the order `score` adds them (the floats then agree exactly),
    # give every pair the index of its combination, and gather. Arrays are
    # buddy-major (buddy, newcomer): the layout the assignment needs.
    new_dutch = np.array([DUTCH in p.languages for p in rows], dtype=bool)
    buddy_dutch = np.array([DUTCH in b.languages for b in columns], dtype=bool)
    wants_practice = np.array([_DUTCH_PRACTICE in p.interests for p in rows], dtype=bool)
    shared = (
        _common_counts([b.languages for b in columns], [p.languages for p in rows], ignore=DUTCH)
        > 0
    )
    index = shared.astype(np.int32)
    del shared
    np.add(index, 2, out=index, where=np.logical_and.outer(buddy_dutch, new_dutch))
    np.add(index, 4, out=index, where=np.logical_and.outer(buddy_dutch, wants_practice))
    language_points = np.array(
        [
            _language_points(bool(code & 1), bool(code & 2), bool(code & 4), weights)
            for code in range(8)
        ]
    )

    place_index, place_points = _municipality_points(weights)
    elsewhere = len(place_points) - 1
    new_place = np.array([place_index.get(p.municipality or "", elsewhere) for p in rows])
    buddy_place = np.array([place_index.get(b.municipality or "", elsewhere) for b in columns])
    index *= place_points.size
    index += (new_place * len(place_points))[None, :].astype(np.int32)
    index += buddy_place[:, None].astype(np.int32)

    # Interest points only depend on the count up to the cap.
    interests = _common_counts([b.interests for b in columns], [p.interests for p in rows])
    most = min(weights.common_interests_cap, int(interests.max(initial=0)))
    np.minimum(interests, most, out=interests)
    interest_points = np.array([_interest_points(k, weights) for k in range(most + 1)])
    index *= len(interest_points)
    index += interests
    del interests

    slots = _common_counts([b.availability for b in columns], [p.availability for p in rows])
    slot_points = np.array(
        [_availability_points(k, weights) for k in range(int(slots.max(initial=0)) + 1)]
    )
    index *= len(slot_points)
    index += slots
    del slots

    # Gender: small integer codes; -1 = no preference, 0 = buddy did not say.
    gender_codes: dict[str, int] = {}
    for value in [b.gender for b in columns] + [p.gender_preference for p in rows]:
        if value is not None:
            gender_codes.setdefault(value, len(gender_codes) + 1)
    preference = np.array(
        [-1 if p.gender_preference is None else gender_codes[p.gender_preference] for p in rows],
        dtype=np.int16,
    )
    gender = np.array(
        [0 if b.gender is None else gender_codes[b.gender] for b in columns], dtype=np.int16
    )
    respected = gender[:, None] == preference[None, :]
    gender_points = np.array([0.0, weights.gender_preference_respected])
    index *= 2
    index += respected

    # Every combination's points, summed term by term in `score`'s order.
    table = language_points[:, None, None, None, None] + place_points.reshape(1, -1, 1, 1, 1)
    table = table + interest_points[None, None, :, None, None]
    table = table + slot_points[None, None, None, :, None]
    table = table + gender_points[None, None, None, None, :]
    by_buddy: FloatMatrix = table.ravel()[index]
    del index
    waiting = np.array(
        [_waiting_points(_weeks_waiting(p, moment), weights) for p in rows], dtype=np.float64
    )
    by_buddy += waiting[None, :]

    # Hard constraints.
    has_room = np.array([free_places(b) > 0 for b in columns], dtype=bool)
    ok: BoolMatrix = respected | (preference == -1)[None, :]
    ok &= has_room[:, None]
    # Exclusions and self-pairs are rare: set them one by one.
    row_of = {p.id: i for i, p in enumerate(rows)}
    column_of = {b.id: j for j, b in enumerate(columns)}
    for i, newcomer in enumerate(rows):
        for other in newcomer.excluded:
            if other in column_of:
                ok[column_of[other], i] = False
        if newcomer.id in column_of:
            ok[column_of[newcomer.id], i] = False
    for j, buddy in enumerate(columns):
        for other in buddy.excluded:
            if other in row_of:
                ok[j, row_of[other]] = False

    return ScoreMatrix(
        newcomers=rows,
        buddies=columns,
        scores=by_buddy.T,
        allowed=ok.T,
        weights=weights,
        now=moment,
    )


def _proposal(matrix: ScoreMatrix, i: int, j: int) -> Proposal:
    newcomer, buddy = matrix.newcomers[i], matrix.buddies[j]
    explained = score(newcomer, buddy, matrix.weights, now=matrix.now)
    return Proposal(newcomer_id=newcomer.id, buddy_id=buddy.id, score=explained)


def _slot_order(places: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Buddy index of each slot: every buddy's first place, then second places, ..."""
    # Round by round rather than a buddy's places side by side: the first
    # round is the one-newcomer-per-buddy problem and later rounds refine it;
    # measured about 10% faster in linear_sum_assignment at bench size.
    rounds = [np.flatnonzero(places > k) for k in range(int(places.max(initial=0)))]
    return np.concatenate(rounds) if rounds else np.zeros(0, dtype=np.intp)


def assign_matrix(matrix: ScoreMatrix) -> list[Proposal]:
    """The optimal assignment for an already built `ScoreMatrix` (see `assign`)."""
    n = len(matrix.newcomers)
    places = np.array([free_places(b) for b in matrix.buddies], dtype=np.intp)
    slot_buddy = _slot_order(places)
    if n == 0 or len(slot_buddy) == 0:
        return []

    # One row per free place. linear_sum_assignment gets a C-contiguous
    # float64 matrix with no more rows than columns, so that it works on it as
    # it is instead of making its own copy (~150 MB at bench size).
    if len(slot_buddy) <= n:
        # Rows are places, columns newcomers: rows of the buddy-major arrays.
        cost = matrix.scores.T.take(slot_buddy, axis=0)
        forbidden = ~matrix.allowed.T.take(slot_buddy, axis=0)
    else:
        cost = matrix.scores.take(slot_buddy, axis=1)
        forbidden = ~matrix.allowed.take(slot_buddy, axis=1)
    # Forbidden cells and pairs worth nothing become 0. This does not change
    # the optimum: the best valid partial matching is the best full
    # assignment of the clamped matrix with its zero cells dropped (any
    # partial matching extends to a full one by adding cells worth >= 0).
    # Negated in place, because linear_sum_assignment minimises.
    np.negative(cost, out=cost)
    np.minimum(cost, 0.0, out=cost)
    np.copyto(cost, 0.0, where=forbidden)
    del forbidden
    rows, columns = linear_sum_assignment(cost)
    del cost
    slot_index, newcomer_index = (rows, columns) if len(slot_buddy) <= n else (columns, rows)

    buddy_index = slot_buddy[slot_index]
    keep = matrix.allowed[newcomer_index, buddy_index] & (
        matrix.scores[newcomer_index, buddy_index] > 0
    )
    pairs = sorted(zip(newcomer_index[keep].tolist(), buddy_index[keep].tolist(), strict=True))
    return [_proposal(matrix, i, j) for i, j in pairs]


def assign(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> list[Proposal]:
    """The optimal assignment of the whole waiting list: maximal total score.

    A buddy with several free places is offered as several slots; only
    allowed pairs with a positive score are proposed; each newcomer gets at
    most one buddy. Proposals come in waiting order (longest waiting first).
    """
    return assign_matrix(score_matrix(newcomers, buddies, weights, now=now))


def greedy_assign_matrix(matrix: ScoreMatrix) -> list[Proposal]:
    """The first-come-first-served baseline for an already built `ScoreMatrix`."""
    places = np.array([free_places(b) for b in matrix.buddies], dtype=np.intp)
    scores = np.ascontiguousarray(matrix.scores)  # one row per newcomer
    usable = np.ascontiguousarray(matrix.allowed) & (scores > 0)
    proposals = []
    for i in range(len(matrix.newcomers)):
        candidates = usable[i] & (places > 0)
        if not candidates.any():
            continue
        # argmax takes the first of equal scores: the lowest buddy id.
        j = int(np.argmax(np.where(candidates, scores[i], -np.inf)))
        places[j] -= 1
        proposals.append(_proposal(matrix, i, j))
    return proposals


def greedy_assign(
    newcomers: Iterable[Profile],
    buddies: Iterable[Profile],
    weights: Weights,
    *,
    now: datetime | None = None,
) -> list[Proposal]:
    """Baseline: first come, first served, as a coordinator would do by hand.

    Newcomers in waiting order each take the best-scoring allowed buddy who
    still has a free place (ties: lowest buddy id), if that score is positive.
    Same constraints and scores as `assign`, but no look-ahead.
    """
    return greedy_assign_matrix(score_matrix(newcomers, buddies, weights, now=now))
