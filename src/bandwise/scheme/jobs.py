"""A job's factor levels as a panel gives them: one level, a level with options, or a range.

A range (``2-3``) says the evidence does not yet decide the factor; results then
carry total and band ranges and name the factors that would decide them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidLevelsError, LevelExpressionError, shown
from .levels import parse_level_expression
from .model import Factor, Scheme


@dataclass(frozen=True, slots=True)
class JobFactor:
    number: int
    levels: tuple[int, ...]  # candidate levels, ascending; one when decided
    options: tuple[tuple[int, tuple[str, ...]], ...] = ()  # kept for the record
    text: str = ""  # as given

    @property
    def decided(self) -> bool:
        return len(self.levels) == 1

    @property
    def low(self) -> int:
        return self.levels[0]

    @property
    def high(self) -> int:
        return self.levels[-1]


@dataclass(frozen=True, slots=True)
class Job:
    factors: tuple[JobFactor, ...]

    @property
    def decided(self) -> bool:
        return all(f.decided for f in self.factors)

    @property
    def undecided(self) -> tuple[int, ...]:
        return tuple(f.number for f in self.factors if not f.decided)

    def levels(self) -> tuple[tuple[int, ...], ...]:
        return tuple(f.levels for f in self.factors)


def job_factor(scheme: Scheme, number: int, text: str) -> JobFactor:
    """Read one factor's level text; an error names the factor and its valid levels."""
    factor = scheme.factor(number)
    valid = f"valid levels are 1 to {factor.max_level}"
    try:
        expression = parse_level_expression(text)
    except LevelExpressionError as exc:
        raise InvalidLevelsError(
            f"factor {number} ({factor.name}): {shown(text.strip())} is not a level "
            f"({exc.message}); {valid}, optionally with options (5c, 3(a)) or as a range (2-3)",
            number,
        ) from exc
    bad = [lv for lv in expression.levels if not factor.has_level(lv)]
    if bad:
        raise InvalidLevelsError(
            f"factor {number} ({factor.name}) has no level {bad[0]}; {valid}", number
        )
    options = tuple(sorted(expression.options.items()))
    for level, letters in options:
        check_options(factor, level, letters)
    return JobFactor(number, expression.levels, options, text.strip())


def check_options(factor: Factor, level: int, letters: tuple[str, ...]) -> None:
    """Refuse an option letter the factor plan does not give that level (``1(q)``, ``5z``)."""
    known = factor.level(level).letters
    for letter in letters:
        if letter not in known:
            have = (
                f"its options are {', '.join(f'({x})' for x in known)}"
                if known
                else f"it has no lettered options: give {level} alone"
            )
            raise InvalidLevelsError(
                f"factor {factor.number} ({factor.name}) level {level} has no option "
                f"({letter}); {have}",
                factor.number,
            )


def parse_job(scheme: Scheme, texts: Sequence[str]) -> Job:
    """Sixteen level texts in factor order (``5``, ``5c``, ``3(a)``, ``2-3``)."""
    count = len(scheme.factors)
    if len(texts) != count:
        raise InvalidLevelsError(
            f"expected {count} levels, one per factor in order; got {len(texts)}"
        )
    return Job(tuple(job_factor(scheme, n, t) for n, t in enumerate(texts, start=1)))


def job_from_levels(levels: Sequence[int | Sequence[int]]) -> Job:
    """A job from level numbers (or candidate level lists); for library callers and tests."""
    factors = []
    for n, lv in enumerate(levels, start=1):
        cand = (lv,) if isinstance(lv, int) else tuple(sorted(set(lv)))
        factors.append(JobFactor(n, cand, (), "-".join(map(str, cand))))
    return Job(tuple(factors))
