"""Frozen domain objects of the JE scheme: factors, levels, options, bands.

Plain dataclasses with no I/O, so every rule over them is a pure function and
results can be recomputed years later from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Reference:
    """Where a figure or wording comes from, and how far it is verified.

    ``reliability`` is V (verified), C (corroborated) or U (unverified), as in
    the project's scheme-facts reference.
    """

    source: str
    section: str = ""
    reliability: str = "U"
    url: str = ""

    def cite(self) -> str:
        where = f", {self.section}" if self.section else ""
        return f"{self.source}{where} [{self.reliability}]"


@dataclass(frozen=True, slots=True)
class Option:
    """A lettered option of a level: meeting any one option places a job at that level."""

    letter: str
    descriptor: str
    verified: bool = True


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    points: int
    descriptor: str
    options: tuple[Option, ...] = ()
    verified: bool = True

    def option(self, letter: str) -> Option | None:
        for opt in self.options:
            if opt.letter == letter:
                return opt
        return None

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(o.letter for o in self.options)


@dataclass(frozen=True, slots=True)
class Factor:
    number: int
    slug: str
    name: str
    profile_name: str
    levels: tuple[Level, ...]
    reference: Reference
    aliases: tuple[str, ...] = ()
    verified: bool = True

    @property
    def max_level(self) -> int:
        return len(self.levels)

    @property
    def level_numbers(self) -> tuple[int, ...]:
        return tuple(lv.number for lv in self.levels)

    def has_level(self, number: int) -> bool:
        return 1 <= number <= len(self.levels)

    def level(self, number: int) -> Level:
        if not self.has_level(number):
            raise KeyError(f"factor {self.number} has no level {number}")
        return self.levels[number - 1]

    def points(self, number: int) -> int:
        return self.level(number).points


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    min: int
    max: int
    closed_to_new_entrants_from: date | None = None
    note: str = ""

    def contains(self, total: int) -> bool:
        return self.min <= total <= self.max


@dataclass(frozen=True, slots=True)
class BandTable:
    bands: tuple[Band, ...]
    reference: Reference

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(b.label for b in self.bands)

    @property
    def top(self) -> int:
        return self.bands[-1].max

    def get(self, label: str) -> Band | None:
        for b in self.bands:
            if b.label == label:
                return b
        return None

    def index(self, label: str) -> int:
        return self.labels.index(label)


@dataclass(frozen=True, slots=True)
class Edition:
    """Which handbook edition the data follows and from when it applies."""

    id: str
    title: str
    effective_from: date
    reference: Reference


@dataclass(frozen=True, slots=True)
class Scheme:
    edition: Edition
    factors: tuple[Factor, ...]
    bands: BandTable
    weighting_reference: Reference
    files: tuple[str, ...] = field(default=())

    def factor(self, number: int) -> Factor:
        if not 1 <= number <= len(self.factors):
            raise KeyError(f"there is no factor {number}; factors are 1 to {len(self.factors)}")
        return self.factors[number - 1]

    @property
    def min_total(self) -> int:
        return sum(f.levels[0].points for f in self.factors)

    @property
    def max_total(self) -> int:
        return sum(f.levels[-1].points for f in self.factors)
