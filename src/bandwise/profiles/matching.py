"""Matching jobs against the profile library: one profile, or every profile ranked.

The rules live in :mod:`bandwise.scheme.matching`; this module turns profiles into
match targets and fills in the library-aware parts (which other profiles to try).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ProfileDataError
from ..scheme.jobs import Job
from ..scheme.matching import VERDICT_ORDER, MatchResult, NextStep, Target, match
from ..scheme.model import Scheme
from ..scheme.rules import RuleSet
from .library import Library
from .model import Profile
from .validate import compute


def target_of(scheme: Scheme, profile: Profile) -> Target:
    """The profile's admitted levels and bands; an error when its levels are unusable."""
    comp = compute(scheme, profile)
    if comp.total is None:
        raise ProfileDataError(
            profile.id,
            "factors",
            "the profile cannot be matched: a factor is "
            "missing or has an unreadable or unknown level (validate it)",
        )
    levels = tuple(f.levels for f in sorted(comp.factors, key=lambda f: f.number))
    return Target(profile.id, profile.title, levels, profile.bands or comp.bands)


@dataclass(frozen=True, slots=True)
class Ranked:
    result: MatchResult
    score_distance: int  # points between the job's total range and the profile's

    @property
    def differing(self) -> int:
        """Factors where the job differs from the profile (variations and mismatches)."""
        return sum(1 for c in self.result.factors if c.distance > 0)

    @property
    def key(self) -> tuple[int, int, int, int, str]:
        """Verdict, then differing factors, summed level distance, score distance, id."""
        r = self.result
        return (
            VERDICT_ORDER[r.verdict],
            self.differing,
            r.level_distance,
            self.score_distance,
            r.profile_id,
        )


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, b[0] - a[1], a[0] - b[1])


def nearest(
    scheme: Scheme,
    library: Library,
    job: Job,
    rules: RuleSet,
    top: int | None = None,
    exclude: tuple[str, ...] = (),
    include_archived: bool = False,
) -> list[Ranked]:
    """Every usable profile ranked for ``job``: verdict, then variations, summed level
    distance, then score distance. Archived profiles only when ``include_archived``."""
    ranked = []
    for profile in library.offered(include_archived).profiles:
        if profile.id in exclude:
            continue
        try:
            target = target_of(scheme, profile)
        except ProfileDataError:
            continue
        result = match(scheme, target, job, rules)
        total = compute(scheme, profile).total
        assert total is not None
        ranked.append(Ranked(result, _gap(result.total, (total.min, total.max))))
    ranked.sort(key=lambda r: r.key)
    return ranked[:top] if top else ranked


def match_profile(
    scheme: Scheme,
    library: Library,
    profile_id: str,
    job: Job,
    rules: RuleSet,
    hybrid: bool = False,
    suggest: int = 3,
) -> MatchResult:
    """Match ``job`` to one profile; a failed match names the nearest other profiles."""
    profile = library.get(profile_id)
    result = match(scheme, target_of(scheme, profile), job, rules, hybrid=hybrid)
    if not any(s.kind == "nearest-profiles" for s in result.next_steps):
        return result
    others = nearest(scheme, library, job, rules, top=suggest, exclude=(profile.id,))
    names = tuple(r.result.profile_id for r in others)
    steps = tuple(
        replace(s, message=f"Try the nearest other profiles: {', '.join(names)}.", profiles=names)
        if s.kind == "nearest-profiles" and names
        else s
        for s in result.next_steps
    )
    return replace(result, next_steps=steps)


__all__ = ["NextStep", "Ranked", "match_profile", "nearest", "target_of"]
