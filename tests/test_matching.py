"""Matching: what the YAML cases cannot say.

The rules themselves are shown case by case in ``tests/cases/matching.yaml`` and
``tests/cases/evaluation.yaml``. Here: that those files cover every rule, verdict, setting
and seed profile; that every setting a case overrides really changes an outcome; the
result's record (rule set, reasons, hybrid details, explanation); errors; and the case
plugin's own failure messages for the ``match`` and ``evaluate`` kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bandwise.errors import InvalidLevelsError, UnknownProfileError
from bandwise.profiles.library import builtin_library
from bandwise.profiles.matching import match_profile, nearest, target_of
from bandwise.scheme import load_scheme, strict_yaml
from bandwise.scheme.evaluation import evaluate
from bandwise.scheme.explain import explain_match, match_to_json
from bandwise.scheme.jobs import job_from_levels, parse_job
from bandwise.scheme.matching import (
    HYBRID,
    MATCH_WITH_VARIATION,
    NO_MATCH,
    PROFILE_MATCH,
    UNDECIDED,
    VERDICT_ORDER,
    Target,
    compare_factor,
    match,
)
from bandwise.scheme.rules import RULE_IDS, default_rule_set

CASES = Path(__file__).with_name("cases")
CONFTEST = Path(__file__).with_name("conftest.py")
SCHEME = load_scheme()
LIBRARY = builtin_library()
RULES = default_rule_set()

ARTS_THERAPIST_LOWEST = [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]  # 475, band 7
SEED_TOTALS = {
    "arts-therapist-entry-level": (438, 448),
    "arts-therapist": (475, 516),
    "arts-therapist-principal": (544, 595),
    "head-of-arts-therapies": (647, 689),
    "arts-therapies-consultant": (632, 704),
}


def load_cases(name: str) -> list[dict[str, Any]]:
    cases = strict_yaml.load_file(CASES / name)
    assert isinstance(cases, list)
    return cases


MATCH_CASES = [c for c in load_cases("matching.yaml") if c.get("kind") == "match"]
EVALUATE_CASES = [c for c in load_cases("evaluation.yaml") if c.get("kind") == "evaluate"]


def job(levels: Sequence[int | str]) -> Any:
    return parse_job(SCHEME, [str(lv) for lv in levels])


def with_level(factor: int, level: int | str, base: list[int] = ARTS_THERAPIST_LOWEST) -> Any:
    levels: list[int | str] = list(base)
    levels[factor - 1] = level
    return job(levels)


RULE_SETTINGS = tuple(s.name for s in RULES.settings)


def case_rules(overrides: dict[str, Any]) -> Any:
    values = dict(overrides)
    if "protected_factors" in values:
        values["protected_factors"] = frozenset(values["protected_factors"])
    return replace(RULES, **values)


def run(case: dict[str, Any], rules: Any) -> Any:
    return match_profile(
        SCHEME, LIBRARY, case["profile"], job(case["levels"]), rules, case.get("hybrid", False)
    )


# ---------------------------------------------------------------- the case files cover the rules


def test_the_case_files_are_mostly_match_and_evaluate_cases() -> None:
    assert len(MATCH_CASES) >= 45
    assert len(EVALUATE_CASES) >= 15


def test_every_rule_is_shown_broken_by_a_case() -> None:
    shown = {r for c in MATCH_CASES for r in c["expect"].get("broken_rules", [])}
    assert shown == set(RULE_IDS)


def test_every_verdict_is_shown_by_a_case() -> None:
    shown = {c["expect"].get("verdict") for c in MATCH_CASES} - {None}
    assert shown == set(VERDICT_ORDER)


def test_every_next_step_is_shown_by_a_case() -> None:
    shown = {k for c in MATCH_CASES for k in c["expect"].get("next_steps", [])}
    assert shown == {"nearest-profiles", "hybrid", "local-evaluation", "decide-factors"}


@pytest.mark.parametrize("profile", sorted(SEED_TOTALS))
def test_every_seed_profile_is_matched_at_its_lowest_and_highest_levels(profile: str) -> None:
    target = target_of(SCHEME, LIBRARY.get(profile))
    lowest = [lv[0] for lv in target.levels]
    highest = [lv[-1] for lv in target.levels]
    found = {}
    for c in MATCH_CASES:
        levels = [int(lv) for lv in c["levels"] if str(lv).isdigit()]
        plain = "rules" not in c and not c.get("hybrid") and "total" in c["expect"]
        if c["profile"] == profile and plain and levels in (lowest, highest):
            found[tuple(levels)] = c["expect"]
    for vector, total in zip((lowest, highest), SEED_TOTALS[profile], strict=True):
        assert tuple(vector) in found, f"no case matches {profile} at {vector}"
        assert found[tuple(vector)]["verdict"] == PROFILE_MATCH
        assert found[tuple(vector)]["total"] == total


def _outcome(result: Any) -> tuple[Any, ...]:
    return (result.verdict, result.verdicts, tuple(c.outcome for c in result.factors))


@pytest.mark.parametrize("setting", [s for s in RULE_SETTINGS if s != "boundary_margin"])
def test_every_matching_setting_is_changed_by_a_case_and_changes_an_outcome(setting: str) -> None:
    cases = [c for c in MATCH_CASES if setting in c.get("rules", {})]
    assert cases, f"no match case changes {setting}"
    changed = [
        c["name"]
        for c in cases
        if _outcome(run(c, case_rules(c["rules"]))) != _outcome(run(c, RULES))
    ]
    assert changed, f"no case changing {setting} changes an outcome"


def test_the_boundary_margin_is_changed_by_a_case_and_changes_an_outcome() -> None:
    cases = [c for c in EVALUATE_CASES if "boundary_margin" in c.get("rules", {})]
    assert len(cases) >= 2
    for c in cases:
        jb = job(c["levels"])
        changed = evaluate(SCHEME, jb, case_rules(c["rules"])).boundary
        default = evaluate(SCHEME, jb, RULES).boundary
        assert changed is not None and default is not None
        assert changed.within_margin != default.within_margin, c["name"]


# ---------------------------------------------------------------- the result's record


def test_a_result_records_the_rule_set_it_used() -> None:
    local = replace(RULES, id="trust-local", version=3, max_varied_factors=0)
    jb = with_level(13, 4)
    default = match_profile(SCHEME, LIBRARY, "arts-therapist", jb, RULES)
    changed = match_profile(SCHEME, LIBRARY, "arts-therapist", jb, local)
    assert (default.rule_set.id, default.rule_set.version) == ("bandwise-default", 1)
    assert (changed.rule_set.id, changed.rule_set.version) == ("trust-local", 3)
    assert (default.verdict, changed.verdict) == (MATCH_WITH_VARIATION, NO_MATCH)
    assert "Rule set trust-local v3" in explain_match(SCHEME, changed).references[0]


def test_factor_comparison_records_distance_direction_points_and_reason() -> None:
    admitted = (2, 3)
    above = compare_factor(SCHEME, 13, admitted, (4,), RULES)
    assert (above.outcome, above.distance, above.direction, above.points) == (
        "variation",
        1,
        "above",
        (18,),
    )
    assert above.rule == "factor-within-variation"
    assert (
        above.reason
        == "Level 4 is 1 level above the profile's 2-3: a variation (at most 1 allowed)."
    )
    below = compare_factor(SCHEME, 6, (5,), (3,), RULES)
    assert (below.outcome, below.distance, below.direction) == ("mismatch", 2, "below")
    assert "more than the 1 level a variation allows" in below.reason
    protected = compare_factor(SCHEME, 2, (7,), (8,), RULES)
    assert (protected.outcome, protected.rule) == ("mismatch", "protected-factor")
    assert "factor 2 is protected and allows no variation" in protected.reason
    gap = compare_factor(SCHEME, 14, (2, 4), (3,), RULES)
    assert (gap.outcome, gap.distance, gap.direction) == ("variation", 1, "")
    assert "2, 4" in gap.reason


def test_an_uncertain_factor_records_every_outcome_and_the_best_and_worst_distance() -> None:
    c = compare_factor(SCHEME, 10, (1,), (1, 2, 3), RULES)
    assert c.outcome == "mismatch"  # the worst
    assert c.outcomes == ("match", "variation", "mismatch")
    assert (c.distance, c.max_distance) == (0, 2)
    assert c.points == (4, 9, 16)
    assert c.reason.startswith("Undecided: levels 1-3")


def test_a_failed_match_names_other_profiles_never_itself() -> None:
    result = match_profile(SCHEME, LIBRARY, "arts-therapist", with_level(10, 3), RULES)
    (step,) = [s for s in result.next_steps if s.kind == "nearest-profiles"]
    assert len(step.profiles) == 3
    assert "arts-therapist" not in step.profiles
    assert all(p in step.message for p in step.profiles)


def test_hybrid_details_only_when_asked_for() -> None:
    jb = with_level(10, 3)
    plain = match_profile(SCHEME, LIBRARY, "arts-therapist", jb, RULES)
    hybrid = match_profile(SCHEME, LIBRARY, "arts-therapist", jb, RULES, hybrid=True)
    assert plain.hybrid is None
    assert plain.verdict == NO_MATCH
    assert hybrid.hybrid is not None and hybrid.hybrid.allowed
    assert hybrid.verdict == HYBRID
    assert hybrid.hybrid.evaluated_factors == (10,)
    assert 10 not in hybrid.hybrid.matched_factors
    assert len(hybrid.hybrid.matched_factors) == 15
    assert "the band is the band of the resulting total" in hybrid.hybrid.reason


def test_hybrid_is_explained_when_refused() -> None:
    levels = list(ARTS_THERAPIST_LOWEST)
    levels[6], levels[7], levels[9] = 4, 4, 3  # three failing factors
    result = match_profile(SCHEME, LIBRARY, "arts-therapist", job(levels), RULES, hybrid=True)
    assert result.hybrid is not None and not result.hybrid.allowed
    assert result.hybrid.reason == (
        "3 factors fail (7, 8, 10); hybrid matching/evaluation allows at most 2."
    )


def test_an_undecided_verdict_names_the_factors_to_decide_in_its_next_step() -> None:
    result = match_profile(SCHEME, LIBRARY, "arts-therapist", with_level(10, "1-2"), RULES)
    assert result.verdict == UNDECIDED
    assert result.next_steps[0].kind == "decide-factors"
    assert result.next_steps[0].factors == (10,)
    assert "Decide factor 10" in result.next_steps[0].message


def test_the_explanation_has_a_row_per_factor_with_reasons_and_the_verdict() -> None:
    result = match_profile(SCHEME, LIBRARY, "arts-therapist", with_level(10, 3), RULES)
    ex = explain_match(SCHEME, result)
    assert ex.columns == ("#", "Factor", "Profile", "Job", "Outcome", "Points", "Reason")
    assert len(ex.rows) == 16
    row = ex.rows[9]
    assert row[:6] == ("10", SCHEME.factor(10).name, "1", "3", "mismatch", "16")
    assert "2 levels above" in row[6]
    assert ex.summary[0] == "Verdict: no-match"
    assert any(s.startswith("Broken rule factor-within-variation: Factor 10") for s in ex.summary)


def test_json_lists_the_same_as_the_result() -> None:
    result = match_profile(SCHEME, LIBRARY, "arts-therapist", with_level(10, 3), RULES)
    data = match_to_json(SCHEME, result)
    assert data["verdict"] == result.verdict
    assert [b["id"] for b in data["broken_rules"]] == ["factor-within-variation"]
    assert data["broken_rules"][0]["factors"] == [10]
    assert [f["outcome"] for f in data["factors"]].count("mismatch") == 1


# ---------------------------------------------------------------- nearest


@pytest.mark.parametrize("profile", sorted(SEED_TOTALS))
def test_a_profile_ranks_first_for_its_own_levels(profile: str) -> None:
    target = target_of(SCHEME, LIBRARY.get(profile))
    ranked = nearest(SCHEME, LIBRARY, job_from_levels([lv[0] for lv in target.levels]), RULES)
    assert ranked[0].result.profile_id == profile
    assert ranked[0].result.verdict == PROFILE_MATCH
    assert ranked[0].differing == 0
    assert ranked[0].score_distance == 0
    assert {r.result.profile_id for r in ranked} == set(SEED_TOTALS)


def test_nearest_top_and_exclude() -> None:
    jb = job(ARTS_THERAPIST_LOWEST)
    assert len(nearest(SCHEME, LIBRARY, jb, RULES, top=2)) == 2
    rest = nearest(SCHEME, LIBRARY, jb, RULES, exclude=("arts-therapist",))
    assert "arts-therapist" not in {r.result.profile_id for r in rest}
    assert len(rest) == 4


def test_score_distance_is_the_gap_between_total_ranges() -> None:
    ranked = nearest(SCHEME, LIBRARY, job(ARTS_THERAPIST_LOWEST), RULES)
    gaps = {r.result.profile_id: r.score_distance for r in ranked}
    assert gaps == {
        "arts-therapist": 0,
        "arts-therapist-entry-level": 475 - 448,
        "arts-therapist-principal": 544 - 475,
        "head-of-arts-therapies": 647 - 475,
        "arts-therapies-consultant": 632 - 475,
    }


# ---------------------------------------------------------------- errors


def test_an_unknown_profile_is_an_error_naming_it() -> None:
    with pytest.raises(UnknownProfileError, match="no-such-profile"):
        match_profile(SCHEME, LIBRARY, "no-such-profile", job(ARTS_THERAPIST_LOWEST), RULES)


def test_a_match_needs_all_sixteen_factors() -> None:
    target = target_of(SCHEME, LIBRARY.get("arts-therapist"))
    short = Target(target.id, target.title, target.levels[:15], target.bands)
    with pytest.raises(InvalidLevelsError, match="all 16 factors"):
        match(SCHEME, short, job(ARTS_THERAPIST_LOWEST), RULES)


def test_a_level_the_factor_does_not_have_is_an_error_naming_the_factor() -> None:
    with pytest.raises(
        InvalidLevelsError, match=r"factor 13 \(Physical effort\) has no level 6"
    ) as e:
        compare_factor(SCHEME, 13, (2, 3), (6,), RULES)
    assert e.value.factor == 13
    with pytest.raises(InvalidLevelsError, match="factor 15") as e:
        job([6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 5, 2])
    assert e.value.factor == 15


# ---------------------------------------------------------------- the case plugin's kinds

PLUGIN_CASES = """
- name: The Arts Therapist matches itself
  kind: match
  profile: arts-therapist
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]
  expect: {verdict: profile-match, total: 475, factors: {}}
- name: A wrong verdict fails with both verdicts
  kind: match
  profile: arts-therapist
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 4, 2, 4, 2]
  expect: {verdict: profile-match, factors: {}}
- name: A misspelt match expectation fails
  kind: match
  profile: arts-therapist
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]
  expect: {verdic: profile-match}
- name: A misspelt setting fails
  kind: match
  profile: arts-therapist
  rules: {max_variations: 2}
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]
  expect: {verdict: profile-match}
- name: A match case without a profile fails
  kind: match
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]
  expect: {verdict: profile-match}
- name: A wrong boundary fails
  kind: evaluate
  levels: [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]
  expect: {to_band_below: 9, sensitivity_up_first: {factor: 1, to_level: 2}}
"""


def test_match_and_evaluate_cases_fail_clearly(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "m.yaml").write_text(PLUGIN_CASES, encoding="utf-8")
    result = pytester.runpytest_inprocess("-rA", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=5)
    out = result.stdout.str()
    assert "PASSED cases/m.yaml::The Arts Therapist matches itself" in out
    assert "verdict: expected 'profile-match', got 'match-with-variation'" in out
    assert "factor 13: expected 'match', got 'variation'" in out
    assert "unknown key(s) verdic in expect" in out
    assert "unknown key(s) max_variations in rules" in out
    assert "a match case needs profile" in out
    assert "to_band_below: expected 9, got 10" in out
    assert "sensitivity_up_first: expected {'factor': 1, 'to_level': 2}, got no change" in out
