"""A vectorised matching kernel: many decided jobs against many profiles at once.

The rules are those of :func:`bandwise.scheme.matching.match`, restated as table
look-ups so that numpy does the work:

* per profile, factor and level, the distance to the nearest admitted level (0 when
  admitted; admitted sets may have gaps, e.g. ``2(a), 4(b)`` admits 2 and 4) and
  the outcome it gives (match, variation, or a mismatch under the protected-factor
  or variation rule);
* per factor and level, the chart's points;
* per profile, the total range its levels give and the band range it covers.

A job here is *decided*: one level per factor. Jobs given as a range go through
the exact scalar path instead (:mod:`bandwise.batch.run` does that), because
their verdict ranges over every combination of their candidate levels.

The per-factor outcomes of a (job, profile) pair are packed into one 32-bit
integer per factor and level, so a sum over the 16 factors gives, in one pass,
the summed level distance, the number of differing factors, of variations and
of mismatches under each rule:

    bits  0-6   level distance (at most 7 per factor, 73 over the scheme)
    bits  7-11  differing factors (distance > 0)
    bits 12-16  variations
    bits 17-21  mismatches under factor-within-variation
    bits 22-26  mismatches on a protected factor

Jobs are processed in chunks so memory stays bounded whatever the input size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidLevelsError
from ..scheme.matching import Target
from ..scheme.model import Scheme
from ..scheme.rules import RuleSet

# verdict codes, in the order of bandwise.scheme.matching.VERDICT_ORDER
PROFILE_MATCH, MATCH_WITH_VARIATION, NO_MATCH = 0, 1, 2
VERDICTS = ("profile-match", "match-with-variation", "no-match")

# per-factor outcome codes
MATCH, VARIATION, MISMATCH = 0, 1, 2

# broken-rule flags; RULE_FLAGS gives each flag's rule id
WITHIN_VARIATION, PROTECTED, MAX_VARIED, TOTAL_BANDS = 1, 2, 4, 8
RULE_FLAGS = (
    (WITHIN_VARIATION, "factor-within-variation"),
    (PROTECTED, "protected-factor"),
    (MAX_VARIED, "max-varied-factors"),
    (TOTAL_BANDS, "total-within-bands"),
)

_DIFF_SHIFT, _VAR_SHIFT, _MIS_WV_SHIFT, _MIS_PROT_SHIFT = 7, 12, 17, 22
_FIELD = 31  # five bits: up to 16 factors
_DIST_MASK = (1 << _DIFF_SHIFT) - 1
# per job total and profile: the score distance, and a flag when outside the coverage
_OUTSIDE = 1 << 15
_GAP_MASK = _OUTSIDE - 1
# the ranking key: verdict | differing | level distance | score distance (profile id aside)
_NEAR_SHIFT = 15
_VERDICT_SHIFT = _NEAR_SHIFT + _VAR_SHIFT

#: A default chunk holds about this many (job, profile) pairs: small enough to stay in cache.
PAIRS_PER_CHUNK = 1 << 17

IntArray = npt.NDArray[np.int32]
Int8Array = npt.NDArray[np.int8]


def rule_ids(flags: int) -> tuple[str, ...]:
    """The rule ids of a broken-rule bit set, sorted."""
    return tuple(sorted(rule for bit, rule in RULE_FLAGS if flags & bit))


@dataclass(frozen=True, slots=True, eq=False)
class ProfileTables:
    """Look-up tables for P profiles (sorted by id) under one rule set."""

    ids: tuple[str, ...]  # sorted, so the first best is the one with the lowest id
    targets: tuple[Target, ...]  # in the same order
    rules: RuleSet
    max_levels: npt.NDArray[np.int8]  # (16,) levels each factor has
    dist: Int8Array  # (P, 16, L) distance to the nearest admitted level; L = max level + 1
    outcome: Int8Array  # (P, 16, L) MATCH | VARIATION | MISMATCH
    points: npt.NDArray[np.int16]  # (16, L) the chart's points
    packed: IntArray  # (16, L, P) the packed per-factor outcome (see the module doc)
    total_range: IntArray  # (P, 2) the profile's total range from its levels
    coverage: IntArray  # (P, 2) the points its bands cover; (-1, big) when unchecked
    by_total: IntArray  # (T, P) per job total: score distance, | _OUTSIDE when outside coverage

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, scheme: Scheme, targets: Sequence[Target], rules: RuleSet) -> ProfileTables:
        count = len(scheme.factors)
        order = sorted(targets, key=lambda t: t.id)
        if not order:
            raise ValueError("at least one profile is needed")
        ids = tuple(t.id for t in order)  # a stable sort: equal ids keep library order
        max_levels = np.array([fc.max_level for fc in scheme.factors], dtype=np.int8)
        top = scheme.max_total + 1
        width = int(max_levels.max()) + 1
        if count > _FIELD or int(max_levels.sum()) - count > _DIST_MASK or top >= _OUTSIDE:
            raise ValueError("the scheme is too large for the packed kernel tables")
        points = np.zeros((count, width), dtype=np.int16)
        for fc in scheme.factors:
            for lv in fc.levels:
                points[fc.number - 1, lv.number] = lv.points
        size = len(order)
        dist = np.zeros((size, count, width), dtype=np.int8)
        total_range = np.zeros((size, 2), dtype=np.int32)
        coverage = np.zeros((size, 2), dtype=np.int32)
        levels = np.arange(width)
        for p, target in enumerate(order):
            if len(target.levels) != count:
                raise InvalidLevelsError(f"profile {target.id} needs all {count} factors")
            low = high = 0
            for f, admitted in enumerate(target.levels):
                factor = scheme.factors[f]
                if not admitted or any(not factor.has_level(a) for a in admitted):
                    raise InvalidLevelsError(
                        f"profile {target.id}: factor {f + 1} ({factor.name}) has no level "
                        f"{admitted}; valid levels are 1 to {factor.max_level}",
                        f + 1,
                    )
                near = np.abs(levels[:, None] - np.array(admitted)[None, :]).min(axis=1)
                dist[p, f] = near
                pts = [factor.points(a) for a in admitted]
                low += min(pts)
                high += max(pts)
            total_range[p] = low, high
            cov = _coverage(scheme, target) if rules.total_within_profile_bands else None
            coverage[p] = cov if cov is not None else (-1, top + 1)
        protected = np.zeros(count, dtype=bool)
        for n in rules.protected_factors:
            protected[n - 1] = True
        limit = rules.max_levels_per_variation
        differs = dist > 0
        mis_prot = differs & protected[None, :, None]
        mis_wv = differs & ~protected[None, :, None] & (dist > limit)
        variation = differs & ~mis_prot & ~mis_wv
        outcome = np.where(mis_prot | mis_wv, MISMATCH, np.where(variation, VARIATION, MATCH))
        packed = (
            dist.astype(np.int32)
            | differs.astype(np.int32) << _DIFF_SHIFT
            | variation.astype(np.int32) << _VAR_SHIFT
            | mis_wv.astype(np.int32) << _MIS_WV_SHIFT
            | mis_prot.astype(np.int32) << _MIS_PROT_SHIFT
        )
        totals = np.arange(top, dtype=np.int32)[:, None]
        gap = np.maximum(
            0, np.maximum(total_range[None, :, 0] - totals, totals - total_range[None, :, 1])
        )
        outside = (totals < coverage[None, :, 0]) | (totals > coverage[None, :, 1])
        by_total = (gap | outside.astype(np.int32) * _OUTSIDE).astype(np.int32)
        return cls(
            ids=ids,
            targets=tuple(order),
            rules=rules,
            max_levels=max_levels,
            dist=dist,
            outcome=outcome.astype(np.int8),
            points=points,
            packed=np.ascontiguousarray(packed.transpose(1, 2, 0)),
            total_range=total_range,
            coverage=coverage,
            by_total=by_total,
        )

    def index(self, profile_id: str) -> int:
        return self.ids.index(profile_id)

    def check(self, jobs: npt.ArrayLike) -> Int8Array:
        """``jobs`` as a (J, 16) int8 array; an error names the first level the scheme lacks."""
        arr = np.asarray(jobs)
        count = self.max_levels.shape[0]
        if arr.ndim != 2 or arr.shape[1] != count:
            raise InvalidLevelsError(f"jobs need {count} levels each, one per factor")
        bad = (arr < 1) | (arr > self.max_levels[None, :])
        if bad.any():
            j, f = (int(x) for x in np.argwhere(bad)[0])
            raise InvalidLevelsError(
                f"job {j}: factor {f + 1} has no level {arr[j, f]}; valid levels are 1 to "
                f"{self.max_levels[f]}",
                f + 1,
            )
        return np.ascontiguousarray(arr, dtype=np.int8)


def _coverage(scheme: Scheme, target: Target) -> tuple[int, int] | None:
    """As :func:`bandwise.scheme.matching._coverage`: first band's min to last band's max."""
    bands = [scheme.bands.get(label) for label in target.bands]
    if not bands or any(b is None for b in bands):
        return None
    first, last = bands[0], bands[-1]
    assert first is not None and last is not None
    return first.min, last.max


@dataclass(frozen=True, slots=True, eq=False)
class Best:
    """Each job's best profile, by the ranking key of ``bandwise.profiles.matching.Ranked``
    (verdict, differing factors, level distance, score distance, profile id), and the
    figures of that pair. Arrays of shape (J,)."""

    profile: npt.NDArray[np.intp]  # index into ProfileTables.ids
    total: IntArray
    verdict: Int8Array  # PROFILE_MATCH | MATCH_WITH_VARIATION | NO_MATCH
    variations: Int8Array
    mismatches: Int8Array
    differing: Int8Array  # factors with a level distance above 0
    level_distance: npt.NDArray[np.int16]
    score_distance: npt.NDArray[np.int16]  # points from the job's total to the profile's range
    rules: Int8Array  # broken-rule flags (RULE_FLAGS)
    key: IntArray  # the ranking key without the profile id (lower is better)


@dataclass(frozen=True, slots=True, eq=False)
class Pairs:
    """Every (job, profile) pair: figures as in :class:`Best`, of shape (J, P); totals (J,)."""

    total: IntArray
    verdict: Int8Array
    variations: Int8Array
    mismatches: Int8Array
    differing: Int8Array
    level_distance: npt.NDArray[np.int16]
    score_distance: npt.NDArray[np.int16]
    rules: Int8Array
    key: IntArray


def job_totals(tables: ProfileTables, jobs: npt.ArrayLike) -> IntArray:
    """Each job's total points (J,)."""
    arr = tables.check(jobs)
    count = tables.points.shape[0]
    totals: IntArray = tables.points[np.arange(count)[None, :], arr].sum(axis=1, dtype=np.int32)
    return totals


def _chunk_stats(tables: ProfileTables, jobs: Int8Array) -> tuple[IntArray, IntArray, IntArray]:
    """Packed sums (n, P), per-total figures (n, P) and totals (n,) of checked jobs."""
    idx = jobs.astype(np.intp)
    packed = tables.packed
    acc: IntArray = packed[0][idx[:, 0]]
    for f in range(1, packed.shape[0]):
        acc += packed[f][idx[:, f]]
    count = tables.points.shape[0]
    totals: IntArray = tables.points[np.arange(count)[None, :], idx].sum(axis=1, dtype=np.int32)
    by_total: IntArray = tables.by_total[totals]
    return acc, by_total, totals


def _verdict(acc: IntArray, by_total: IntArray, max_varied: int) -> IntArray:
    """As ``bandwise.scheme.matching._verdict_of``: no-match on any mismatch, on too many
    variations or on a total outside the profile's bands; else by variations."""
    variations = (acc >> _VAR_SHIFT) & _FIELD
    nomatch = (acc >= 1 << _MIS_WV_SHIFT) | (variations > max_varied) | (by_total >= _OUTSIDE)
    verdict: IntArray = np.where(nomatch, NO_MATCH, (variations > 0).astype(np.int32))
    return verdict.astype(np.int32, copy=False)


def _key(acc: IntArray, by_total: IntArray, verdict: IntArray) -> IntArray:
    """The ranking key without the profile id: verdict, differing, level distance, gap."""
    key = verdict << _VERDICT_SHIFT
    key |= (acc & ((1 << _VAR_SHIFT) - 1)) << _NEAR_SHIFT
    key |= by_total & _GAP_MASK
    return key


def _figures(acc: IntArray, by_total: IntArray, max_varied: int) -> dict[str, npt.NDArray[Any]]:
    verdict = _verdict(acc, by_total, max_varied)
    variations = (acc >> _VAR_SHIFT) & _FIELD
    mis_wv = (acc >> _MIS_WV_SHIFT) & _FIELD
    mis_prot = (acc >> _MIS_PROT_SHIFT) & _FIELD
    flags = np.where(mis_wv > 0, WITHIN_VARIATION, 0)
    flags |= np.where(mis_prot > 0, PROTECTED, 0)
    flags |= np.where(variations > max_varied, MAX_VARIED, 0)
    flags |= np.where(by_total >= _OUTSIDE, TOTAL_BANDS, 0)
    return {
        "verdict": verdict.astype(np.int8),
        "variations": variations.astype(np.int8),
        "mismatches": (mis_wv + mis_prot).astype(np.int8),
        "differing": ((acc >> _DIFF_SHIFT) & _FIELD).astype(np.int8),
        "level_distance": (acc & _DIST_MASK).astype(np.int16),
        "score_distance": (by_total & _GAP_MASK).astype(np.int16),
        "rules": flags.astype(np.int8),
        "key": _key(acc, by_total, verdict),
    }


def default_chunk(profiles: int) -> int:
    """Jobs per chunk: about PAIRS_PER_CHUNK pairs, so the working set stays in cache."""
    return int(min(65536, max(64, PAIRS_PER_CHUNK // max(1, profiles))))


def best_profiles(
    tables: ProfileTables,
    jobs: npt.ArrayLike,
    chunk: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Best:
    """For each job (a row of 16 levels), the profile that ranks first and its figures.

    Jobs go through in chunks of ``chunk`` (default: by the number of profiles), so
    memory stays bounded; ``on_chunk(n)`` is told of each chunk of ``n`` jobs done."""
    arr = tables.check(jobs)
    n = arr.shape[0]
    step = max(1, chunk or default_chunk(tables.size))
    max_varied = tables.rules.max_varied_factors
    profile = np.zeros(n, dtype=np.intp)
    picked = np.zeros(n, dtype=np.int32)
    picked_by_total = np.zeros(n, dtype=np.int32)
    totals = np.zeros(n, dtype=np.int32)
    for start in range(0, n, step):
        stop = min(n, start + step)
        acc, by_total, tot = _chunk_stats(tables, arr[start:stop])
        if tables.size == 1:
            best = np.zeros(stop - start, dtype=np.intp)
        else:
            best = _key(acc, by_total, _verdict(acc, by_total, max_varied)).argmin(axis=1)
        rows = np.arange(stop - start)
        profile[start:stop] = best
        picked[start:stop] = acc[rows, best]
        picked_by_total[start:stop] = by_total[rows, best]
        totals[start:stop] = tot
        if on_chunk is not None:
            on_chunk(stop - start)
    return Best(profile=profile, total=totals, **_figures(picked, picked_by_total, max_varied))


def all_pairs(tables: ProfileTables, jobs: npt.ArrayLike) -> Pairs:
    """Every (job, profile) pair at once: for checks and small inputs (memory is J x P)."""
    acc, by_total, totals = _chunk_stats(tables, tables.check(jobs))
    return Pairs(total=totals, **_figures(acc, by_total, tables.rules.max_varied_factors))


def factor_outcomes(
    tables: ProfileTables, jobs: npt.ArrayLike, profile: npt.ArrayLike
) -> Int8Array:
    """Per-factor outcome codes (J, 16) of each job against the given profile index
    (one index, or one per job)."""
    arr = tables.check(jobs)
    which = np.broadcast_to(np.asarray(profile, dtype=np.intp), (arr.shape[0],))
    count = arr.shape[1]
    out: Int8Array = tables.outcome[which[:, None], np.arange(count)[None, :], arr.astype(np.intp)]
    return out
