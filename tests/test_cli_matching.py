"""The command-line contract of ``bandwise match``, ``evaluate`` and ``nearest``.

Scripts read these JSON keys; a renamed or removed key must fail here. Exit code 2 (a user
mistake: wrong level count, a level that is not a level, a level too high, an unknown
profile, a bad rule set file) comes from ``bandwise.cli.main``, so those run ``main()``
in-process (``tests/clikit.py``); everything else runs through typer's ``CliRunner``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import clikit
from bandwise.cli import app
from bandwise.scheme.matching import VERDICT_ORDER
from bandwise.scheme.rules import DEFAULT_RULES
from clikit import Ran

ARTS_THERAPIST_LOWEST = "6,7,4,2,3,5,2,2,1,1,1,3,2,2,4,2"  # 475, a profile match
ONE_VARIATION = "6,7,4,2,3,5,2,2,1,1,1,3,4,2,4,2"  # factor 13 one level above: 486
ONE_MISMATCH = "6,7,4,2,3,5,2,2,1,3,1,3,2,2,4,2"  # factor 10 two levels above: 487

MATCH_KEYS = {
    "profile_id",
    "verdict",
    "rule_set",
    "total",
    "bands",
    "variations",
    "factors",
    "broken_rules",
    "next_steps",
}
FACTOR_KEYS = {"number", "profile_levels", "job_levels", "outcome", "distance", "points"}
BROKEN_KEYS = {"id", "message"}
STEP_KEYS = {"kind", "message"}
EVALUATE_KEYS = {"rule_set", "total", "bands", "boundary", "sensitivity"}
BOUNDARY_KEYS = {"band", "to_band_below", "to_band_above", "nearer", "within_margin", "margin"}
CHANGE_KEYS = {"factor", "from_level", "to_level", "new_total", "new_band"}


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or write the user's library while testing."""
    data = tmp_path / "bandwise-data"
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(data))
    return data


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def invoke_json(*args: str) -> Any:
    return json.loads(invoke(*args, "--json").stdout)


def run_main(*args: str) -> Ran:
    return clikit.run_main(*args, env={**os.environ, "COLUMNS": "200"})


def local_rules(tmp_path: Path, **changes: tuple[str, str]) -> Path:
    """A copy of the default rule set with some lines changed (old text -> new text)."""
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    for old, new in changes.values():
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "local-rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- match --json


def test_match_json_has_the_documented_keys() -> None:
    data = invoke_json("match", "--profile", "arts-therapist", "--levels", ONE_MISMATCH)
    assert data.keys() >= MATCH_KEYS
    assert data["profile_id"] == "arts-therapist"
    assert data["verdict"] == "no-match"
    assert data["rule_set"] == {"id": "bandwise-default", "version": 1}
    assert data["total"] == {"min": 487, "max": 487}
    assert data["bands"] == ["7"]
    assert data["variations"] == 0
    assert len(data["factors"]) == 16
    for number, f in enumerate(data["factors"], start=1):
        assert f.keys() >= FACTOR_KEYS
        assert f["number"] == number
    f10 = data["factors"][9]
    assert {k: f10[k] for k in FACTOR_KEYS} == {
        "number": 10,
        "profile_levels": [1],
        "job_levels": [3],
        "outcome": "mismatch",
        "distance": 2,
        "points": [16],
    }
    assert [f["outcome"] for f in data["factors"]].count("match") == 15
    (broken,) = data["broken_rules"]
    assert broken.keys() >= BROKEN_KEYS
    assert broken["id"] == "factor-within-variation"
    assert broken["message"].startswith("Factor 10: Level 3 is 2 levels above")
    assert all(s.keys() >= STEP_KEYS for s in data["next_steps"])
    assert [s["kind"] for s in data["next_steps"]] == ["nearest-profiles", "hybrid"]
    assert "Try the nearest other profiles: " in data["next_steps"][0]["message"]


def test_match_json_for_a_profile_match() -> None:
    data = invoke_json("match", "--profile", "arts-therapist", "--levels", ARTS_THERAPIST_LOWEST)
    assert (data["verdict"], data["variations"], data["broken_rules"], data["next_steps"]) == (
        "profile-match",
        0,
        [],
        [],
    )
    assert data["total"] == {"min": 475, "max": 475}


def test_match_json_for_a_variation_and_a_range() -> None:
    data = invoke_json("match", "--profile", "arts-therapist", "--levels", ONE_VARIATION)
    assert (data["verdict"], data["variations"]) == ("match-with-variation", 1)
    assert data["factors"][12]["outcome"] == "variation"
    ranged = ARTS_THERAPIST_LOWEST.split(",")
    ranged[9] = "1-2"
    data = invoke_json("match", "--profile", "arts-therapist", "--levels", ",".join(ranged))
    assert data["verdict"] == "undecided"
    assert data["verdicts"] == ["profile-match", "match-with-variation"]
    assert data["total"] == {"min": 475, "max": 480}
    assert data["factors"][9]["job_levels"] == [1, 2]
    assert data["deciding_factors"] == [10]


def test_hybrid_flag_gives_the_hybrid_verdict() -> None:
    args = ("match", "--profile", "arts-therapist", "--levels", ONE_MISMATCH)
    assert invoke_json(*args)["verdict"] == "no-match"
    data = invoke_json(*args, "--hybrid")
    assert data["verdict"] == "hybrid"
    assert data["bands"] == ["7"]
    assert data["hybrid"]["allowed"] is True
    assert data["hybrid"]["evaluated_factors"] == [10]
    assert [s["kind"] for s in data["next_steps"]] == ["hybrid"]


# ---------------------------------------------------------------- match as text


def test_explain_prints_the_factor_table_with_reasons() -> None:
    out = invoke(
        "match", "--profile", "arts-therapist", "--levels", ONE_MISMATCH, "--explain"
    ).stdout
    for column in ("Factor", "Profile", "Job", "Outcome", "Points", "Reason"):
        assert column in out
    assert "Responsibilities for information resources" in out
    assert "Level 3 is 2 levels above the profile's 1" in out
    assert "Level 6 is admitted by the profile (6)." in out
    assert "Verdict: no-match" in out
    assert "Broken rule factor-within-variation: Factor 10" in out
    assert "Next: Try the nearest other profiles:" in out
    assert "Rule set bandwise-default v1" in out


def test_without_explain_only_the_summary_is_printed() -> None:
    out = invoke("match", "--profile", "arts-therapist", "--levels", ONE_MISMATCH).stdout
    assert "Verdict: no-match" in out
    assert "Reason" not in out
    assert "Level 6 is admitted" not in out


# ---------------------------------------------------------------- --rules FILE


def test_a_local_rule_set_changes_the_verdict_and_is_recorded(tmp_path: Path) -> None:
    rules = local_rules(
        tmp_path,
        id=("id: bandwise-default", "id: trust-local"),
        version=("version: 1", "version: 4"),
        per=(
            "  max_levels_per_variation:\n    value: 1",
            "  max_levels_per_variation:\n    value: 2",
        ),
    )
    args = ("match", "--profile", "arts-therapist", "--levels", ONE_MISMATCH)
    default = invoke_json(*args)
    local = invoke_json(*args, "--rules", str(rules))
    assert (default["verdict"], local["verdict"]) == ("no-match", "match-with-variation")
    assert default["rule_set"] == {"id": "bandwise-default", "version": 1}
    assert local["rule_set"] == {"id": "trust-local", "version": 4}
    assert local["factors"][9]["outcome"] == "variation"
    text = invoke(*args, "--rules", str(rules), "--explain").stdout
    assert "Rule set trust-local v4 (local-rules.yaml)" in text


def test_a_local_boundary_margin_changes_the_evaluation(tmp_path: Path) -> None:
    rules = local_rules(
        tmp_path, margin=("  boundary_margin:\n    value: 10", "  boundary_margin:\n    value: 9")
    )
    default = invoke_json("evaluate", "--levels", ARTS_THERAPIST_LOWEST)
    local = invoke_json("evaluate", "--levels", ARTS_THERAPIST_LOWEST, "--rules", str(rules))
    assert (default["boundary"]["within_margin"], local["boundary"]["within_margin"]) == (
        True,
        False,
    )
    assert local["boundary"]["margin"] == 9


# ---------------------------------------------------------------- evaluate


def test_evaluate_json_has_the_documented_keys() -> None:
    data = invoke_json("evaluate", "--levels", ARTS_THERAPIST_LOWEST)
    assert data.keys() >= EVALUATE_KEYS
    assert data["rule_set"] == {"id": "bandwise-default", "version": 1}
    assert data["total"] == {"min": 475, "max": 475}
    assert data["bands"] == ["7"]
    assert data["boundary"].keys() >= BOUNDARY_KEYS
    assert {k: data["boundary"][k] for k in BOUNDARY_KEYS} == {
        "band": "7",
        "to_band_below": 10,
        "to_band_above": 65,
        "nearer": 10,
        "within_margin": True,
        "margin": 10,
    }
    assert set(data["sensitivity"]) >= {"up", "down"}
    assert data["sensitivity"]["up"] == []
    first = data["sensitivity"]["down"][0]
    assert first.keys() >= CHANGE_KEYS
    assert {k: first[k] for k in CHANGE_KEYS} == {
        "factor": 5,
        "from_level": 3,
        "to_level": 2,
        "new_total": 463,
        "new_band": "6",
    }


def test_evaluate_json_for_a_range_spanning_two_bands() -> None:
    data = invoke_json("evaluate", "--levels", "5,7,4,3,3,5,1,2,1,1,1,3,2-3,2,4,2")
    assert data["total"] == {"min": 465, "max": 470}
    assert data["bands"] == ["6", "7"]
    assert data["boundary"] is None
    assert data["sensitivity"] is None
    assert data["deciding_factors"] == [13]


def test_evaluate_as_text() -> None:
    out = invoke("evaluate", "--levels", ARTS_THERAPIST_LOWEST).stdout
    assert "Total 475: band 7." in out
    assert "Within 10 points of a boundary" in out
    assert "Smallest change down: factor 5 from level 3 to 2 gives 463, band 6" in out
    assert "No single factor change moves the job a band up." in out


# ---------------------------------------------------------------- nearest


def test_nearest_json_gives_the_top_entries_sorted() -> None:
    data = invoke_json("nearest", "--levels", ONE_MISMATCH, "--top", "3")
    assert len(data) == 3
    assert [d["rank"] for d in data] == [1, 2, 3]
    for d in data:
        assert d.keys() >= MATCH_KEYS | {"rank", "score_distance", "differing"}
        assert d["differing"] == sum(1 for f in d["factors"] if f["distance"] > 0)
    keys = [
        (
            VERDICT_ORDER[d["verdict"]],
            d["differing"],
            sum(f["distance"] for f in d["factors"]),
            d["score_distance"],
            d["profile_id"],
        )
        for d in data
    ]
    assert keys == sorted(keys)
    assert data[0]["profile_id"] == "arts-therapist"
    assert [d["profile_id"] for d in data[1:]] == [
        "arts-therapist-entry-level",
        "arts-therapist-principal",
    ]


def test_nearest_for_a_profiles_own_levels_puts_it_first() -> None:
    data = invoke_json("nearest", "--levels", "6,8,4,4,3,6,4,4,4,1,2,5,1,3,3,2", "--top", "1")
    assert [(d["profile_id"], d["verdict"]) for d in data] == [
        ("head-of-arts-therapies", "profile-match")
    ]


def test_nearest_as_a_table() -> None:
    out = invoke("nearest", "--levels", ONE_MISMATCH, "--top", "2").stdout
    assert "Nearest profiles" in out
    assert "arts-therapist " in out and "arts-therapist-entry-level" in out
    assert "arts-therapist-principal" not in out


# ---------------------------------------------------------------- user mistakes: exit 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("match", "--profile", "arts-therapist", "--levels", "6,7,4"), "got 3"),
        (("evaluate", "--levels", ARTS_THERAPIST_LOWEST + ",2"), "got 17"),
        (("nearest", "--levels", "1,2"), "got 2"),
        (
            ("match", "--profile", "arts-therapist", "--levels", "6,7,4,2,3,5,2,2,1,x,1,3,2,2,4,2"),
            "factor 10 (Responsibilities for information resources): 'x' is not a level",
        ),
        (
            ("evaluate", "--levels", "6,7,4,2,3,5,2,2,1,1,1,3,6,2,4,2"),
            "factor 13 (Physical effort) has no level 6; valid levels are 1 to 5",
        ),
        (
            ("match", "--profile", "no-such-profile", "--levels", ARTS_THERAPIST_LOWEST),
            "no profile 'no-such-profile' in the library",
        ),
    ],
    ids=["too-few", "too-many", "nearest-count", "not-a-level", "level-too-high", "unknown-id"],
)
def test_a_user_mistake_is_one_line_and_exit_2(args: tuple[str, ...], named: str) -> None:
    result = run_main(*args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bandwise: ")
    assert named in lines[0]


def test_a_bad_rule_set_file_is_one_line_naming_file_and_key(tmp_path: Path) -> None:
    rules = local_rules(tmp_path, bad=("value: [2, 12]", "value: [2, 17]"))
    result = run_main(
        "match",
        "--profile",
        "arts-therapist",
        "--levels",
        ARTS_THERAPIST_LOWEST,
        "--rules",
        str(rules),
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "bandwise: local-rules.yaml: settings.protected_factors.value: no factor 17; "
        "factors are 1 to 16"
    ]
