"""The command line applies the organisation's matching rule set in force (set in the web
app), on SQLite and PostgreSQL: ``match``, ``evaluate``, ``nearest``, ``match-batch``,
``consistency`` and ``rematch``; ``--rules FILE`` still overrides it, and
``--organisation SLUG`` names the organisation when the database holds several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bandwise.scheme.rules import DEFAULT_RULES
from bandwise.services import rule_sets
from bandwise.services.base import Database
from bandwise.services.rule_sets import SettingInput
from clikit import run_main
from dbfixtures import People

LEVELS = "6,7,4,2,3,5,2,2,1,1,1,3,2,2,4,2"  # the arts therapist profile's lowest levels


@pytest.fixture
def local(db: Database, db_url: str, people: People, monkeypatch: pytest.MonkeyPatch) -> People:
    """The database of the command line, with a local rule set in force (version 1)."""
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    rule_sets.create_version(
        db, people.admin, {"boundary_margin": SettingInput(25, "A wider second look")}
    )
    return people


def _json(*args: str) -> object:
    ran = run_main(*args)
    assert ran.returncode == 0, (ran.stdout, ran.stderr)
    return json.loads(ran.stdout)


def test_match_evaluate_and_nearest_apply_the_organisations_rule_set_in_force(
    local: People,
) -> None:
    ours = {"id": "local-trust-a", "version": 1}
    matched = _json("match", "--profile", "arts-therapist", "--levels", LEVELS, "--json")
    assert isinstance(matched, dict) and matched["rule_set"] == ours
    evaluated = _json("evaluate", "--levels", LEVELS, "--json")
    assert isinstance(evaluated, dict) and evaluated["rule_set"] == ours
    assert evaluated["boundary"]["margin"] == 25
    ranked = _json("nearest", "--levels", LEVELS, "--top", "1", "--json")
    assert isinstance(ranked, list) and ranked[0]["rule_set"] == ours


def test_a_rules_file_given_on_the_command_line_overrides_the_rule_set_in_force(
    local: People,
) -> None:
    matched = _json(
        "match", "--profile", "arts-therapist", "--levels", LEVELS, "--rules",
        str(DEFAULT_RULES), "--json",
    )  # fmt: skip
    assert isinstance(matched, dict)
    assert matched["rule_set"] == {"id": "bandwise-default", "version": 1}


def test_the_consistency_report_and_rematch_on_the_command_line_use_the_rule_set_in_force(
    local: People,
) -> None:
    report = _json("consistency", "--json")
    assert isinstance(report, dict)
    assert report["rule_set"] == {"id": "local-trust-a", "version": 1}
    assert report["boundary_margin"] == 25
    rematched = _json("rematch", "--suite", "arts-therapies", "--json")
    assert isinstance(rematched, dict)
    assert rematched["rule_set"] == {"id": "local-trust-a", "version": 1}


def test_match_batch_records_the_rule_set_in_force_in_every_row(
    local: People, tmp_path: Path
) -> None:
    source = tmp_path / "jobs.csv"
    header = "job_id,title," + ",".join(f"f{n}" for n in range(1, 17))
    source.write_text(f"{header}\nA1,Arts therapist,{LEVELS}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    ran = run_main("match-batch", str(source), "--out", str(out), "--profile", "arts-therapist")
    assert ran.returncode == 0, (ran.stdout, ran.stderr)
    assert "local-trust-a@1" in out.read_text(encoding="utf-8")


def test_with_several_organisations_the_command_line_asks_which_and_uses_that_ones_rules(
    local: People, other_people: People
) -> None:
    ran = run_main("match", "--profile", "arts-therapist", "--levels", LEVELS, "--json")
    assert ran.returncode == 2 and "--organisation" in ran.stderr
    theirs = _json(
        "match", "--profile", "arts-therapist", "--levels", LEVELS, "--json",
        "--organisation", "trust-b",
    )  # fmt: skip
    assert isinstance(theirs, dict)
    assert theirs["rule_set"] == {"id": "bandwise-default", "version": 1}


def test_rules_show_prints_the_rule_set_in_force_and_its_versions(local: People) -> None:
    shown = _json("rules", "show", "--json")
    assert isinstance(shown, dict) and shown["is_default"] is False
    assert (shown["rule_set"]["id"], shown["rule_set"]["version"]) == ("local-trust-a", 1)
    margin = {s["name"]: s for s in shown["rule_set"]["settings"]}["boundary_margin"]
    assert (margin["value"], margin["reason"]) == (25, "A wider second look")
    assert [v["rule_set"]["version"] for v in shown["versions"]] == [1]
    ran = run_main("rules", "show")
    assert ran.returncode == 0 and "boundary_margin = 25 [U]" in ran.stdout


def test_rules_import_writes_a_file_as_a_new_version_and_needs_a_reason_for_a_change(
    local: People, tmp_path: Path
) -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "max_varied_factors:\n    value: 5", "max_varied_factors:\n    value: 4"
    )
    assert "value: 4" in text
    file = tmp_path / "ours.yaml"
    file.write_text(text, encoding="utf-8")
    refused = run_main("rules", "import", str(file))
    assert refused.returncode == 2 and "--reason" in refused.stderr
    made = _json("rules", "import", str(file), "--reason", "JCC minute 14", "--json")
    assert isinstance(made, dict) and made["in_force"] is True
    assert made["rule_set"] == {"id": "local-trust-a", "version": 2}
    assert made["reasons"] == {"max_varied_factors": "JCC minute 14"}  # the margin is default
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("value: [2, 12]", "value: [2, 17]"), encoding="utf-8")
    bad = run_main("rules", "import", str(broken), "--reason", "x")
    assert bad.returncode == 2 and "no factor 17" in bad.stderr
