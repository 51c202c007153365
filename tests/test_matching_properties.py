"""Properties of matching and evaluation that must hold for any job (hypothesis).

Each property is checked against an independent statement of the rule (brute force over
every combination of a range, a re-ordered scheme, band lookups level by level), not
against the implementation's own helpers.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bandwise.profiles.library import builtin_library
from bandwise.profiles.matching import nearest, target_of
from bandwise.profiles.validate import compute
from bandwise.scheme import band_for, load_scheme, score
from bandwise.scheme.evaluation import boundary, sensitivity
from bandwise.scheme.jobs import job_from_levels
from bandwise.scheme.matching import (
    MATCH_WITH_VARIATION,
    NO_MATCH,
    PROFILE_MATCH,
    UNDECIDED,
    VERDICT_ORDER,
    MatchResult,
    Target,
    match,
)
from bandwise.scheme.rules import RuleSet, default_rule_set

SCHEME = load_scheme()
LIBRARY = builtin_library()
RULES = default_rule_set()
TARGETS = tuple(target_of(SCHEME, p) for p in LIBRARY.profiles)
MAX = tuple(f.max_level for f in SCHEME.factors)
LABELS = SCHEME.bands.labels
PER_FACTOR_RULES = {"factor-within-variation", "protected-factor"}
COMMON = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Levels = list[tuple[int, ...]]


def coverage(target: Target) -> tuple[int, int]:
    first, last = SCHEME.bands.get(target.bands[0]), SCHEME.bands.get(target.bands[-1])
    assert first is not None and last is not None
    return first.min, last.max


def rank(total: int) -> int:
    lookup = band_for(SCHEME, total)
    return LABELS.index(lookup.label) if lookup.band else len(LABELS)


def total_of(levels: list[int]) -> int:
    return score(SCHEME, levels).total


rule_sets = st.one_of(
    st.just(RULES),
    st.builds(
        lambda per, most, protected, within, hybrid_max: replace(
            RULES,
            max_levels_per_variation=per,
            max_varied_factors=most,
            protected_factors=frozenset(protected),
            total_within_profile_bands=within,
            hybrid_max_failed_factors=hybrid_max,
        ),
        st.integers(0, 2),
        st.integers(0, 6),
        st.sets(st.integers(1, 16), max_size=3),
        st.booleans(),
        st.integers(0, 3),
    ),
)


@st.composite
def near_jobs(draw: st.DrawFn, target: Target, ranges: int = 0) -> Levels:
    """A job at the profile's levels except on a few factors, where it is within two levels
    of them; ``ranges`` factors (at most) are given as ranges of two or three levels."""
    moved = draw(st.sets(st.integers(0, 15), max_size=5))
    levels: Levels = []
    for i, (admitted, top) in enumerate(zip(target.levels, MAX, strict=True)):
        if i in moved:
            lo, hi = max(1, admitted[0] - 2), min(top, admitted[-1] + 2)
            levels.append((draw(st.integers(lo, hi)),))
        else:
            levels.append((draw(st.sampled_from(admitted)),))
    chosen = draw(st.sets(st.integers(0, 15), max_size=ranges)) if ranges else set()
    for i in chosen:
        low = levels[i][0]
        width = draw(st.integers(1, 2))
        levels[i] = tuple(range(max(1, min(low, MAX[i] - width)), min(MAX[i], low + width) + 1))
    return levels


def combos(levels: Levels) -> list[list[int]]:
    return [list(c) for c in itertools.product(*levels)]


def broken_keys(result: MatchResult) -> set[tuple[str, tuple[int, ...]]]:
    return {(b.id, b.factors if b.id in PER_FACTOR_RULES else ()) for b in result.broken_rules}


# ---------------------------------------------------------------- a profile's own levels


@COMMON
@given(st.data())
def test_any_admitted_vector_of_a_profile_is_a_profile_match(data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="profile")
    levels = [data.draw(st.sampled_from(admitted)) for admitted in target.levels]
    result = match(SCHEME, target, job_from_levels(levels), RULES)
    assert result.verdict == PROFILE_MATCH
    assert result.verdicts == (PROFILE_MATCH,)
    assert result.broken_rules == ()
    assert result.variations == 0
    assert result.next_steps == ()
    assert result.total == (total_of(levels),) * 2


@COMMON
@given(st.data())
def test_one_unprotected_factor_one_level_out_is_at_worst_a_variation(
    data: st.DataObject,
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="profile")
    levels = [data.draw(st.sampled_from(admitted)) for admitted in target.levels]
    moves = [
        (n, lv)
        for n in range(1, 17)
        if n not in RULES.protected_factors
        for lv in range(1, MAX[n - 1] + 1)
        if min(abs(lv - a) for a in target.levels[n - 1]) == 1
    ]
    number, level = data.draw(st.sampled_from(moves), label="factor, level")
    levels[number - 1] = level
    result = match(SCHEME, target, job_from_levels(levels), RULES)
    assert [c.number for c in result.factors if c.outcome != "match"] == [number]
    assert result.factors[number - 1].outcome == "variation"
    low, high = coverage(target)
    if low <= total_of(levels) <= high:
        assert result.verdict == MATCH_WITH_VARIATION
        assert result.broken_rules == ()
    else:
        assert result.verdict == NO_MATCH
        assert [b.id for b in result.broken_rules] == ["total-within-bands"]


@COMMON
@given(st.data())
def test_one_level_off_on_a_protected_factor_is_a_protected_factor_mismatch(
    data: st.DataObject,
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="profile")
    levels = [admitted[0] for admitted in target.levels]
    number = data.draw(st.sampled_from(sorted(RULES.protected_factors)), label="factor")
    admitted = target.levels[number - 1]
    options = [lv for lv in (admitted[0] - 1, admitted[-1] + 1) if 1 <= lv <= MAX[number - 1]]
    levels[number - 1] = data.draw(st.sampled_from(options), label="level")
    result = match(SCHEME, target, job_from_levels(levels), RULES)
    assert result.verdict == NO_MATCH
    assert ("protected-factor", (number,)) in broken_keys(result)


# ---------------------------------------------------------------- factor order does not matter


def permuted(perm: list[int], target: Target, levels: Levels, rules: RuleSet) -> Any:
    """Scheme, target, job and rules with factor ``perm[i] + 1`` renumbered ``i + 1``."""
    new_number = {old + 1: new + 1 for new, old in enumerate(perm)}
    scheme = replace(
        SCHEME,
        factors=tuple(replace(SCHEME.factors[old], number=i + 1) for i, old in enumerate(perm)),
    )
    tgt = replace(target, levels=tuple(target.levels[old] for old in perm))
    job = job_from_levels([levels[old] for old in perm])
    rls = replace(
        rules, protected_factors=frozenset(new_number[n] for n in rules.protected_factors)
    )
    return scheme, tgt, job, rls, new_number


@COMMON
@given(st.data(), st.permutations(list(range(16))), rule_sets, st.booleans())
def test_results_do_not_depend_on_factor_order(
    data: st.DataObject, perm: list[int], rules: RuleSet, hybrid: bool
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="profile")
    levels = data.draw(near_jobs(target, ranges=2), label="levels")
    a = match(SCHEME, target, job_from_levels(levels), rules, hybrid)
    scheme, tgt, job, rls, new_number = permuted(perm, target, levels, rules)
    b = match(scheme, tgt, job, rls, hybrid)
    assert (b.verdict, b.verdicts, b.total, b.bands, b.variations) == (
        a.verdict,
        a.verdicts,
        a.total,
        a.bands,
        a.variations,
    )
    for c in a.factors:
        moved = b.factors[new_number[c.number] - 1]
        assert (moved.outcomes, moved.outcome, moved.distance, moved.rule, moved.points) == (
            c.outcomes,
            c.outcome,
            c.distance,
            c.rule,
            c.points,
        )
    assert Counter(r.id for r in b.broken_rules) == Counter(r.id for r in a.broken_rules)
    assert sorted(b.deciding_factors) == sorted(new_number[n] for n in a.deciding_factors)
    assert [s.kind for s in b.next_steps] == [s.kind for s in a.next_steps]


# ---------------------------------------------------------------- ranges are exact


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), rule_sets, st.booleans())
def test_a_range_job_gives_exactly_the_verdicts_of_its_combinations(
    data: st.DataObject, rules: RuleSet, hybrid: bool
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="profile")
    levels = data.draw(near_jobs(target, ranges=3), label="levels")
    result = match(SCHEME, target, job_from_levels(levels), rules, hybrid)
    decided = {
        tuple(c): match(SCHEME, target, job_from_levels(c), rules, hybrid) for c in combos(levels)
    }
    verdicts = sorted({r.verdict for r in decided.values()}, key=VERDICT_ORDER.__getitem__)
    assert list(result.verdicts) == verdicts
    assert result.verdict == (verdicts[0] if len(verdicts) == 1 else UNDECIDED)
    totals = [r.total[0] for r in decided.values()]
    assert result.total == (min(totals), max(totals))
    assert result.variations == min(r.variations for r in decided.values())
    # broken rules are those broken whatever the undecided levels turn out to be
    always = set.intersection(*(broken_keys(r) for r in decided.values()))
    assert broken_keys(result) == always
    # the deciding factors include every factor that alone can change the verdict
    undecided = {i + 1 for i, lv in enumerate(levels) if len(lv) > 1}
    exact = {
        i + 1
        for a, b in itertools.combinations(decided, 2)
        for i in [j for j in range(16) if a[j] != b[j]]
        if sum(x != y for x, y in zip(a, b, strict=True)) == 1
        and decided[a].verdict != decided[b].verdict
    }
    assert exact <= set(result.deciding_factors) <= undecided
    if result.verdict == UNDECIDED:
        assert result.deciding_factors
        assert result.next_steps[0].kind == "decide-factors"
    else:
        assert result.deciding_factors == ()


# ---------------------------------------------------------------- evaluation


@COMMON
@given(st.tuples(*(st.integers(1, top) for top in MAX)))
def test_sensitivity_changes_move_the_band_and_no_smaller_change_does(
    levels: tuple[int, ...],
) -> None:
    total = total_of(list(levels))
    here = rank(total)
    expected: dict[str, set[tuple[int, int, int, str]]] = {"up": set(), "down": set()}
    for i, lv in enumerate(levels):
        for name, targets in (
            ("up", range(lv + 1, MAX[i] + 1)),
            ("down", range(lv - 1, 0, -1)),
        ):
            for to in targets:  # nearest level first
                moved = list(levels)
                moved[i] = to
                new = total_of(moved)
                if (rank(new) > here) if name == "up" else (rank(new) < here):
                    expected[name].add((i + 1, to, new, band_for(SCHEME, new).label))
                    break
    s = sensitivity(SCHEME, levels)
    for name, changes in (("up", s.up), ("down", s.down)):
        got = {(c.number, c.to_level, c.new_total, c.new_band) for c in changes}
        assert got == expected[name]
        assert len(got) == len(changes)  # one change per factor
        keys = [(c.steps, abs(c.new_total - total), c.number) for c in changes]
        assert keys == sorted(keys)
        assert all(c.from_level == levels[c.number - 1] for c in changes)


@COMMON
@given(st.integers(0, 1000), st.integers(0, 30))
def test_boundary_distances_are_the_points_to_cross_a_boundary(total: int, margin: int) -> None:
    b = boundary(SCHEME, total, margin)
    here = rank(total)
    if b.to_band_below is None:
        assert here == 0
    else:
        assert rank(total - b.to_band_below) == here - 1
        assert rank(total - b.to_band_below + 1) == here
    if b.to_band_above is None:
        assert here == len(LABELS)  # above the table
    else:
        assert rank(total + b.to_band_above) == here + 1
        assert rank(total + b.to_band_above - 1) == here
    present = [d for d in (b.to_band_below, b.to_band_above) if d is not None]
    assert b.nearer == min(present)
    assert b.within_margin == (min(present) <= margin)


# ---------------------------------------------------------------- nearest


@COMMON
@given(st.data())
def test_nearest_ranking_is_sorted_by_its_documented_key(data: st.DataObject) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="near profile")
    levels = [lv[0] for lv in data.draw(near_jobs(target), label="levels")]
    ranked = nearest(SCHEME, LIBRARY, job_from_levels(levels), RULES)
    total = total_of(levels)
    keys = []
    for r in ranked:
        profile = LIBRARY.get(r.result.profile_id)
        admitted = target_of(SCHEME, profile).levels
        distances = [
            min(abs(lv - a) for a in adm) for lv, adm in zip(levels, admitted, strict=True)
        ]
        span = compute(SCHEME, profile).total
        assert span is not None
        gap = max(0, span.min - total, total - span.max)
        key = (
            VERDICT_ORDER[r.result.verdict],
            sum(1 for d in distances if d),
            sum(distances),
            gap,
            r.result.profile_id,
        )
        assert (r.differing, r.result.level_distance, r.score_distance) == key[1:4]
        keys.append(key)
    assert keys == sorted(keys)
    assert len(ranked) == len(TARGETS)
