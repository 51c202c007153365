"""Local evaluation: all 16 factors -> points -> total -> band, with what a checker asks next.

Besides the band, an evaluation gives the distance to the nearer band boundary
(flagged within the rule set's margin), the smallest single-factor changes that
would move the job a band up or down (sensitivity), and, when factors are given as
ranges, the total and band ranges and the factors that would decide them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .jobs import Job
from .model import Scheme
from .rules import RuleSet
from .scoring import BandLookup, band_for, bands_for, points_for, score_range


@dataclass(frozen=True, slots=True)
class FactorResult:
    number: int
    levels: tuple[int, ...]
    points: tuple[int, ...]
    options: tuple[tuple[int, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Boundary:
    """How far a total sits from the edges of its band."""

    band: str
    to_band_below: int | None  # points to lose to drop a band (None in the lowest band)
    to_band_above: int | None  # points to gain to rise a band (None above the table's top)
    nearer: int | None
    within_margin: bool
    margin: int


@dataclass(frozen=True, slots=True)
class Change:
    """One factor moved from its level to another, and where the total then lands."""

    number: int
    from_level: int
    to_level: int
    new_total: int
    new_band: str

    @property
    def steps(self) -> int:
        return abs(self.to_level - self.from_level)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    up: tuple[Change, ...]  # per factor, the smallest change reaching the band above
    down: tuple[Change, ...]  # per factor, the smallest change reaching the band below


@dataclass(frozen=True, slots=True)
class Evaluation:
    factors: tuple[FactorResult, ...]
    total: tuple[int, int]
    bands: tuple[BandLookup, ...]
    boundary: Boundary | None  # None while the job is undecided
    sensitivity: Sensitivity | None
    deciding_factors: tuple[int, ...]
    rule_set: RuleSet

    @property
    def band_labels(self) -> tuple[str, ...]:
        return tuple(b.label for b in self.bands)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for b in self.bands for n in b.notes))


def boundary(scheme: Scheme, total: int, margin: int) -> Boundary:
    lookup = band_for(scheme, total)
    band = lookup.band
    if band is None:
        top = scheme.bands.top
        return Boundary(lookup.label, total - top, None, total - top, total - top <= margin, margin)
    first = scheme.bands.bands[0]
    below = None if band == first else total - band.min + 1
    above = band.max - total + 1
    nearer = min(d for d in (below, above) if d is not None)
    return Boundary(band.label, below, above, nearer, nearer <= margin, margin)


def sensitivity(scheme: Scheme, levels: tuple[int, ...]) -> Sensitivity:
    """For each factor, the smallest level change alone that moves the band up or down."""
    total = sum(points_for(scheme, n, lv) for n, lv in enumerate(levels, start=1))
    order = scheme.bands.labels
    here = band_for(scheme, total)
    rank = order.index(here.label) if here.band else len(order)
    up: list[Change] = []
    down: list[Change] = []
    for n, lv in enumerate(levels, start=1):
        factor = scheme.factor(n)
        base = total - factor.points(lv)
        for target in range(lv + 1, factor.max_level + 1):
            new = base + factor.points(target)
            b = band_for(scheme, new)
            if (order.index(b.label) if b.band else len(order)) > rank:
                up.append(Change(n, lv, target, new, b.label))
                break
        for target in range(lv - 1, 0, -1):
            new = base + factor.points(target)
            b = band_for(scheme, new)
            if (order.index(b.label) if b.band else len(order)) < rank:
                down.append(Change(n, lv, target, new, b.label))
                break
    key = lambda c: (c.steps, abs(c.new_total - total), c.number)  # noqa: E731
    return Sensitivity(tuple(sorted(up, key=key)), tuple(sorted(down, key=key)))


def evaluate(scheme: Scheme, job: Job, rules: RuleSet) -> Evaluation:
    """Evaluate all factors; ranges give total and band ranges and the deciding factors."""
    factors = tuple(
        FactorResult(
            f.number,
            f.levels,
            tuple(points_for(scheme, f.number, lv) for lv in f.levels),
            f.options,
        )
        for f in job.factors
    )
    low, high = score_range(scheme, job.levels())
    lookups = bands_for(scheme, low, high)
    deciding: tuple[int, ...] = ()
    if len(lookups) > 1:
        deciding = tuple(f.number for f in factors if len(set(f.points)) > 1)
    if job.decided:
        levels = tuple(f.levels[0] for f in job.factors)
        return Evaluation(
            factors,
            (low, high),
            lookups,
            boundary(scheme, low, rules.boundary_margin),
            sensitivity(scheme, levels),
            deciding,
            rules,
        )
    return Evaluation(factors, (low, high), lookups, None, None, deciding, rules)
