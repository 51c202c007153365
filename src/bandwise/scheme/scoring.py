"""Levels -> points -> total -> band. Pure functions over a :class:`Scheme`.

Options (a), (b), ... never change a level's points, so scoring takes level
numbers only. Totals above the published band table (765) are reported as such,
never silently as band 9.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..clock import uk_date as _day
from ..errors import InvalidLevelsError
from .model import Band, Scheme

ABOVE_TABLE = "above the published band table"


@dataclass(frozen=True, slots=True)
class BandLookup:
    """The band a total falls in, with any note a panel must see."""

    total: int
    band: Band | None
    above_table: bool = False

    @property
    def label(self) -> str:
        return self.band.label if self.band else ABOVE_TABLE

    @property
    def notes(self) -> tuple[str, ...]:
        notes: list[str] = []
        if self.band and self.band.closed_to_new_entrants_from:
            notes.append(
                f"Band {self.band.label} is closed to new entrants from "
                f"{_day(self.band.closed_to_new_entrants_from)}."
            )
        if self.above_table:
            notes.append(
                f"A total of {self.total} is above the published band table; "
                "the handbook's band ranges end at the top of band 9."
            )
        return tuple(notes)


@dataclass(frozen=True, slots=True)
class FactorPoints:
    number: int
    level: int
    points: int


@dataclass(frozen=True, slots=True)
class Score:
    factors: tuple[FactorPoints, ...]
    total: int
    band: BandLookup


def points_for(scheme: Scheme, factor: int, level: int) -> int:
    """The chart's points for one factor at one level."""
    try:
        f = scheme.factor(factor)
    except KeyError as exc:
        raise InvalidLevelsError(str(exc.args[0]), factor) from exc
    if not f.has_level(level):
        raise InvalidLevelsError(
            f"factor {factor} ({f.name}) has no level {level}; valid levels are 1 to {f.max_level}",
            factor,
        )
    return f.points(level)


def band_for(scheme: Scheme, total: int) -> BandLookup:
    if total < 0:
        raise InvalidLevelsError(f"a total cannot be negative ({total})")
    for band in scheme.bands.bands:
        if band.contains(total):
            return BandLookup(total, band)
    return BandLookup(total, None, above_table=True)


def bands_for(scheme: Scheme, low: int, high: int) -> tuple[BandLookup, ...]:
    """Every band a total between ``low`` and ``high`` (inclusive) can fall in, in order."""
    if low > high:
        low, high = high, low
    out = [
        BandLookup(max(low, b.min), b) for b in scheme.bands.bands if b.min <= high and b.max >= low
    ]
    if high > scheme.bands.top:
        out.append(BandLookup(max(low, scheme.bands.top + 1), None, above_table=True))
    return tuple(out)


def score(scheme: Scheme, levels: Sequence[int]) -> Score:
    """Score one level per factor, in factor order."""
    count = len(scheme.factors)
    if len(levels) != count:
        raise InvalidLevelsError(f"expected {count} levels, one per factor, got {len(levels)}")
    factors = tuple(
        FactorPoints(number, level, points_for(scheme, number, level))
        for number, level in enumerate(levels, start=1)
    )
    total = sum(fp.points for fp in factors)
    return Score(factors, total, band_for(scheme, total))


def score_range(scheme: Scheme, level_sets: Sequence[Iterable[int]]) -> tuple[int, int]:
    """Lowest and highest total when each factor may take any of its given levels."""
    count = len(scheme.factors)
    if len(level_sets) != count:
        raise InvalidLevelsError(f"expected {count} factors, got {len(level_sets)}")
    low = high = 0
    for number, levels in enumerate(level_sets, start=1):
        pts = [points_for(scheme, number, lv) for lv in levels]
        if not pts:
            raise InvalidLevelsError(f"factor {number} has no level", number)
        low += min(pts)
        high += max(pts)
    return low, high
