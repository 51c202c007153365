"""Matching a job to a national profile, factor by factor, under a rule set.

Pure functions over frozen data. Each factor gets an outcome (``match``,
``variation``, ``mismatch``) with the rule that decided it and a plain reason;
the verdict lists every broken rule and what to try next. A factor given as a
range is uncertain: the verdict is then exact over every combination of the
candidate levels ("undecided" when they disagree), never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidLevelsError
from .jobs import Job
from .model import Scheme
from .rules import RuleSet
from .scoring import bands_for, score_range

MATCH, VARIATION, MISMATCH = "match", "variation", "mismatch"
PROFILE_MATCH = "profile-match"
MATCH_WITH_VARIATION = "match-with-variation"
NO_MATCH = "no-match"
UNDECIDED = "undecided"
HYBRID = "hybrid"
VERDICT_ORDER = {PROFILE_MATCH: 0, MATCH_WITH_VARIATION: 1, HYBRID: 2, UNDECIDED: 3, NO_MATCH: 4}
_SEVERITY = {MATCH: 0, VARIATION: 1, MISMATCH: 2}


@dataclass(frozen=True, slots=True)
class Target:
    """What a job is matched against: a profile's admitted levels and the bands it covers."""

    id: str
    title: str
    levels: tuple[tuple[int, ...], ...]  # admitted levels per factor, in factor order
    bands: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FactorComparison:
    number: int
    profile_levels: tuple[int, ...]
    job_levels: tuple[int, ...]
    outcome: str  # the worst outcome over the job's candidate levels
    outcomes: tuple[str, ...]  # every outcome the candidate levels give, best first
    distance: int  # levels from the nearest admitted level (best case when uncertain)
    max_distance: int
    direction: str  # "above", "below" or "" relative to the profile
    points: tuple[int, ...]  # chart points of the job's candidate levels
    rule: str  # the rule that decided the outcome
    reason: str


@dataclass(frozen=True, slots=True)
class BrokenRule:
    id: str
    message: str
    factors: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NextStep:
    kind: str  # nearest-profiles | hybrid | local-evaluation | decide-factors
    message: str
    factors: tuple[int, ...] = ()
    profiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HybridResult:
    allowed: bool
    reason: str
    evaluated_factors: tuple[int, ...]  # failing factors the panel evaluates locally
    matched_factors: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    profile_id: str
    profile_title: str
    profile_bands: tuple[str, ...]
    verdict: str
    verdicts: tuple[str, ...]  # every verdict the candidate levels allow (one when decided)
    rule_set: RuleSet
    total: tuple[int, int]
    bands: tuple[str, ...]  # bands the job's total falls in ("above the published..." aside)
    above_table: bool
    variations: int
    factors: tuple[FactorComparison, ...]
    broken_rules: tuple[BrokenRule, ...]
    next_steps: tuple[NextStep, ...]
    hybrid: HybridResult | None = None
    deciding_factors: tuple[int, ...] = ()

    @property
    def level_distance(self) -> int:
        return sum(c.distance for c in self.factors)

    @property
    def failing_factors(self) -> tuple[int, ...]:
        return tuple(c.number for c in self.factors if c.outcome == MISMATCH)


def _fmt_levels(levels: tuple[int, ...]) -> str:
    if not levels:
        return "none"
    if list(levels) == list(range(levels[0], levels[-1] + 1)) and len(levels) > 1:
        return f"{levels[0]}-{levels[-1]}"
    return ", ".join(map(str, levels))


def _level_outcome(
    level: int, admitted: tuple[int, ...], number: int, rules: RuleSet
) -> tuple[str, int, str]:
    distance = min(abs(level - a) for a in admitted)
    if distance == 0:
        return MATCH, 0, "admitted-level"
    if number in rules.protected_factors:
        return MISMATCH, distance, "protected-factor"
    if distance <= rules.max_levels_per_variation:
        return VARIATION, distance, "factor-within-variation"
    return MISMATCH, distance, "factor-within-variation"


def compare_factor(
    scheme: Scheme,
    number: int,
    admitted: tuple[int, ...],
    job_levels: tuple[int, ...],
    rules: RuleSet,
) -> FactorComparison:
    """One factor: the job's candidate levels against the profile's admitted levels."""
    factor = scheme.factor(number)
    bad = [lv for lv in (*admitted, *job_levels) if not factor.has_level(lv)]
    if bad or not admitted or not job_levels:
        raise InvalidLevelsError(
            f"factor {number} ({factor.name}) has no level {bad[0] if bad else '(none given)'}; "
            f"valid levels are 1 to {factor.max_level}",
            number,
        )
    results = [_level_outcome(lv, admitted, number, rules) for lv in job_levels]
    worst = max(results, key=lambda r: (_SEVERITY[r[0]], r[1]))
    outcomes = tuple(sorted({r[0] for r in results}, key=_SEVERITY.__getitem__))
    distances = [r[1] for r in results]
    above = [lv for lv in job_levels if lv > admitted[-1]]
    below = [lv for lv in job_levels if lv < admitted[0]]
    direction = "above" if above and not below else "below" if below and not above else ""
    return FactorComparison(
        number=number,
        profile_levels=admitted,
        job_levels=job_levels,
        outcome=worst[0],
        outcomes=outcomes,
        distance=min(distances),
        max_distance=max(distances),
        direction=direction,
        points=tuple(factor.points(lv) for lv in job_levels),
        rule=worst[2],
        reason=_reason(number, admitted, job_levels, worst, outcomes, direction, rules),
    )


def _reason(
    number: int,
    admitted: tuple[int, ...],
    job: tuple[int, ...],
    worst: tuple[str, int, str],
    outcomes: tuple[str, ...],
    direction: str,
    rules: RuleSet,
) -> str:
    prof = _fmt_levels(admitted)
    if len(outcomes) > 1:
        return (
            f"Undecided: levels {_fmt_levels(job)} against the profile's {prof} would give "
            f"{' or '.join(outcomes)}."
        )
    lv = _fmt_levels(job)
    noun = "Level" if len(job) == 1 else "Levels"
    outcome, distance, rule = worst
    if outcome == MATCH:
        return (
            f"{noun} {lv} {'is' if len(job) == 1 else 'are all'} admitted by the profile ({prof})."
        )
    steps = f"{distance} level{'s' if distance != 1 else ''} {direction or 'away from'}"
    if rule == "protected-factor":
        return (
            f"{noun} {lv} is {steps} the profile's {prof}; factor {number} is protected and "
            "allows no variation."
        )
    limit = rules.max_levels_per_variation
    if outcome == VARIATION:
        return (
            f"{noun} {lv} is {steps} the profile's {prof}: a variation (at most {limit} allowed)."
        )
    return (
        f"{noun} {lv} is {steps} the profile's {prof}: more than the {limit} level"
        f"{'s' if limit != 1 else ''} a variation allows."
    )


def _coverage(scheme: Scheme, target: Target) -> tuple[int, int] | None:
    bands = [scheme.bands.get(label) for label in target.bands]
    if not bands or any(b is None for b in bands):
        return None
    return bands[0].min, bands[-1].max  # type: ignore[union-attr]


def _reachable(
    comparisons: tuple[FactorComparison, ...], rules: RuleSet
) -> set[tuple[int, int, int]]:
    """Every (variations, mismatches, total) the candidate levels can produce (exact).

    Mismatches are counted up to one more than hybrid allows: beyond that the count
    changes no verdict."""
    cap = rules.hybrid_max_failed_factors + 1
    states = {(0, 0, 0)}
    for c in comparisons:
        choices = set()
        for lv, pts in zip(c.job_levels, c.points, strict=True):
            admitted = c.profile_levels
            outcome = _level_outcome(lv, admitted, c.number, rules)[0]
            choices.add((int(outcome == VARIATION), int(outcome == MISMATCH), pts))
        states = {(v + dv, min(m + dm, cap), t + p) for v, m, t in states for dv, dm, p in choices}
    return states


def _verdict_of(
    state: tuple[int, int, int],
    rules: RuleSet,
    coverage: tuple[int, int] | None,
    hybrid: bool = False,
) -> str:
    variations, mismatches, total = state
    outside = (
        rules.total_within_profile_bands
        and coverage is not None
        and not coverage[0] <= total <= coverage[1]
    )
    if mismatches or variations > rules.max_varied_factors or outside:
        if (
            hybrid
            and 1 <= mismatches <= rules.hybrid_max_failed_factors
            and variations <= rules.max_varied_factors
        ):
            return HYBRID
        return NO_MATCH
    return MATCH_WITH_VARIATION if variations else PROFILE_MATCH


def match(
    scheme: Scheme, target: Target, job: Job, rules: RuleSet, hybrid: bool = False
) -> MatchResult:
    """Match ``job`` to ``target`` under ``rules``; with ``hybrid``, apply the hybrid procedure
    when the match fails on few enough factors."""
    if len(target.levels) != len(scheme.factors) or len(job.factors) != len(scheme.factors):
        raise InvalidLevelsError(f"a match needs all {len(scheme.factors)} factors")
    comparisons = tuple(
        compare_factor(scheme, n, admitted, jf.levels, rules)
        for n, (admitted, jf) in enumerate(zip(target.levels, job.factors, strict=True), start=1)
    )
    coverage = _coverage(scheme, target)
    states = _reachable(comparisons, rules)
    verdicts = tuple(
        sorted(
            {_verdict_of(s, rules, coverage, hybrid) for s in states},
            key=VERDICT_ORDER.__getitem__,
        )
    )
    low, high = score_range(scheme, job.levels())
    lookups = bands_for(scheme, low, high)
    broken = _broken_rules(comparisons, states, rules, coverage, target, (low, high))
    deciding = _deciding(comparisons, states, rules, coverage) if len(verdicts) > 1 else ()
    verdict = verdicts[0] if len(verdicts) == 1 else UNDECIDED
    variations = min(v for v, _, _ in states)
    hybrid_result = None
    if hybrid or verdict == NO_MATCH:
        hybrid_result = hybrid_check(comparisons, rules)
    steps = _next_steps(verdict, verdicts, hybrid_result, deciding)
    return MatchResult(
        profile_id=target.id,
        profile_title=target.title,
        profile_bands=target.bands,
        verdict=verdict,
        verdicts=verdicts,
        rule_set=rules,
        total=(low, high),
        bands=tuple(b.band.label for b in lookups if b.band),
        above_table=any(b.above_table for b in lookups),
        variations=variations,
        factors=comparisons,
        broken_rules=broken,
        next_steps=steps,
        hybrid=hybrid_result if hybrid else None,
        deciding_factors=deciding,
    )


def _deciding(
    comparisons: tuple[FactorComparison, ...],
    states: set[tuple[int, int, int]],
    rules: RuleSet,
    coverage: tuple[int, int] | None,
) -> tuple[int, ...]:
    """Undecided factors the verdict can depend on: those whose candidate levels give
    different outcomes, and, when the total can fall either side of the profile's bands,
    those whose candidate levels give different points."""
    totals = {t for _, _, t in states}
    straddles = (
        rules.total_within_profile_bands
        and coverage is not None
        and len({coverage[0] <= t <= coverage[1] for t in totals}) > 1
    )
    return tuple(
        c.number
        for c in comparisons
        if len(c.outcomes) > 1 or (straddles and len(set(c.points)) > 1)
    )


def _broken_rules(
    comparisons: tuple[FactorComparison, ...],
    states: set[tuple[int, int, int]],
    rules: RuleSet,
    coverage: tuple[int, int] | None,
    target: Target,
    total: tuple[int, int],
) -> tuple[BrokenRule, ...]:
    """Rules broken whatever the undecided levels turn out to be."""
    broken = [
        BrokenRule(c.rule, f"Factor {c.number}: {c.reason}", (c.number,))
        for c in comparisons
        if c.outcomes == (MISMATCH,)
    ]
    fewest = min(v for v, _, _ in states)
    if fewest > rules.max_varied_factors:
        varied = tuple(c.number for c in comparisons if c.outcome == VARIATION)
        broken.append(
            BrokenRule(
                "max-varied-factors",
                f"{fewest} factors vary from the profile ({', '.join(map(str, varied))}); at most "
                f"{rules.max_varied_factors} may vary.",
                varied,
            )
        )
    if rules.total_within_profile_bands and coverage is not None:
        totals = {t for _, _, t in states}
        if all(not coverage[0] <= t <= coverage[1] for t in totals):
            side = "below" if max(totals) < coverage[0] else "above"
            label = "-".join(dict.fromkeys((target.bands[0], target.bands[-1])))
            shown = f"{total[0]}" if total[0] == total[1] else f"{total[0]}-{total[1]}"
            broken.append(
                BrokenRule(
                    "total-within-bands",
                    f"The job's total {shown} is {side} the profile's band {label} "
                    f"({coverage[0]}-{coverage[1]}); a job cannot keep a profile's band its total "
                    "does not reach.",
                    (),
                )
            )
    return tuple(broken)


def hybrid_check(comparisons: tuple[FactorComparison, ...], rules: RuleSet) -> HybridResult:
    """Hybrid matching/evaluation: allowed when 1..N factors fail and the rest match the rules."""
    failing = tuple(c.number for c in comparisons if c.outcome == MISMATCH)
    kept = tuple(c.number for c in comparisons if c.outcome != MISMATCH)
    varied = sum(1 for c in comparisons if c.outcome == VARIATION)
    limit = rules.hybrid_max_failed_factors
    if not failing:
        return HybridResult(
            False,
            "No factor fails the matching rules, so there is nothing to evaluate locally.",
            (),
            kept,
        )
    if len(failing) > limit:
        return HybridResult(
            False,
            f"{len(failing)} factors fail ({', '.join(map(str, failing))}); "
            f"hybrid matching/evaluation allows at most {limit}.",
            failing,
            kept,
        )
    if varied > rules.max_varied_factors:
        return HybridResult(
            False,
            f"{varied} of the remaining factors vary; at most {rules.max_varied_factors} may.",
            failing,
            kept,
        )
    return HybridResult(
        True,
        f"Factor{'s' if len(failing) > 1 else ''} "
        f"{', '.join(map(str, failing))} fail{'' if len(failing) > 1 else 's'} the "
        f"matching rules (at most {limit} may): the panel evaluates "
        f"{'them' if len(failing) > 1 else 'it'} locally, the other factors keep "
        "their matched levels, and the band is the band of the resulting total.",
        failing,
        kept,
    )


def _next_steps(
    verdict: str, verdicts: tuple[str, ...], hybrid: HybridResult | None, deciding: tuple[int, ...]
) -> tuple[NextStep, ...]:
    steps: list[NextStep] = []
    if verdict == UNDECIDED:
        steps.append(
            NextStep(
                "decide-factors",
                f"Decide factor{'s' if len(deciding) > 1 else ''} "
                f"{', '.join(map(str, deciding))}: the verdict depends on "
                f"{'them' if len(deciding) > 1 else 'it'}.",
                deciding,
            )
        )
    if verdict == HYBRID and hybrid is not None:
        steps.append(
            NextStep(
                "hybrid",
                f"Evaluate factor"
                f"{'s' if len(hybrid.evaluated_factors) > 1 else ''} "
                f"{', '.join(map(str, hybrid.evaluated_factors))} locally; the "
                "band is the band of the resulting total.",
                hybrid.evaluated_factors,
            )
        )
    if NO_MATCH not in verdicts or verdict == HYBRID:
        return tuple(steps)
    steps.append(NextStep("nearest-profiles", "Try the nearest other profiles."))
    if hybrid is not None and hybrid.allowed:
        steps.append(
            NextStep(
                "hybrid",
                f"Hybrid matching/evaluation: evaluate factor"
                f"{'s' if len(hybrid.evaluated_factors) > 1 else ''} "
                f"{', '.join(map(str, hybrid.evaluated_factors))} locally.",
                hybrid.evaluated_factors,
            )
        )
    else:
        steps.append(NextStep("local-evaluation", "Evaluate the job locally on all factors."))
    return tuple(steps)
