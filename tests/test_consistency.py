"""Consistency checking across an organisation's outcomes: each kind of finding is found
when the records are inconsistent and not found when they agree."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.cli_common import UsageError
from bandwise.scheme.rules import default_rule_set
from bandwise.services.base import Database, Forbidden, InvalidInput
from bandwise.services.consistency import check_consistency
from dbfixtures import People, copy_of, make_people
from recordfixtures import (
    ARTS_THERAPIST,
    ARTS_THERAPIST_LOWEST,
    add_job,
    add_outcome,
    noon,
    with_level,
)


def _consistent(db: Database, people: People, count: int = 3) -> list[int]:
    """Jobs with different titles matched alike to the arts-therapist profile."""
    jobs = []
    for n in range(count):
        job = add_job(db, people, f"Therapist {n}", reference=f"AT-{n}")
        add_outcome(db, people, job)
        jobs.append(job)
    return jobs


def test_consistent_outcomes_give_no_finding(db: Database, people: People) -> None:
    _consistent(db, people)
    report = check_consistency(db, people.viewer)
    assert report.outcomes_checked == 3
    assert report.count == 0, report.to_json()


def test_jobs_with_the_same_title_but_different_bands_are_listed_together(
    db: Database, people: People
) -> None:
    a = add_job(db, people, "Arts Therapist", reference="A1")
    b = add_job(db, people, "  arts   THERAPIST ", reference="B1")
    add_outcome(db, people, a, ARTS_THERAPIST, profile_id=None, suite_id=None, kind="evaluation")
    add_outcome(
        db,
        people,
        b,
        with_level(ARTS_THERAPIST, 2, "6"),
        kind="evaluation",
        profile_id=None,
        suite_id=None,
    )
    report = check_consistency(db, people.viewer)
    assert len(report.same_title) == 1
    finding = report.same_title[0]
    assert finding.kind == "same-title"
    assert finding.key == "Arts Therapist"
    assert {j.job_id for j in finding.jobs} == {a, b}
    assert {j.band for j in finding.jobs} == {"7", "6"}
    assert finding.differs_in == ("band",)
    assert "different bands" in finding.reason and "band 6" in finding.reason
    assert finding.to_json()["jobs"][0].keys() >= {"job_id", "band", "verdict", "outcome_id"}


def test_jobs_with_the_same_title_and_the_same_outcome_give_no_finding(
    db: Database, people: People
) -> None:
    for title in ("Arts Therapist", "arts therapist"):
        add_outcome(db, people, add_job(db, people, title))
    assert check_consistency(db, people.viewer).same_title == ()


def test_jobs_matched_to_the_same_profile_with_different_verdicts_are_listed(
    db: Database, people: People
) -> None:
    a, b = _consistent(db, people, 2)
    c = add_job(db, people, "Music therapist")
    add_outcome(db, people, c, with_level(ARTS_THERAPIST, 3, "5"), verdict="match-with-variation")
    report = check_consistency(db, people.viewer)
    assert len(report.same_profile) == 1
    finding = report.same_profile[0]
    assert finding.key == "arts-therapist"
    assert {j.job_id for j in finding.jobs} == {a, b, c}
    assert finding.differs_in == ("verdict",)
    assert "match-with-variation" in finding.reason


def test_a_factor_level_unlike_the_other_jobs_on_the_profile_is_found_with_the_modal_level(
    db: Database, people: People
) -> None:
    _consistent(db, people, 3)
    odd = add_job(db, people, "Drama therapist")
    add_outcome(db, people, odd, with_level(ARTS_THERAPIST, 9, "1"))
    report = check_consistency(db, people.viewer)
    assert len(report.factor_levels) == 1
    finding = report.factor_levels[0]
    assert (finding.profile_id, finding.factor, finding.modal_level) == ("arts-therapist", 9, "2")
    assert finding.modal_count == 3 and finding.jobs_compared == 4
    assert [(j.job_id, j.level) for j in finding.differing] == [(odd, "1")]
    assert "3 of the 4 jobs" in finding.reason and "level 2" in finding.reason


def test_level_options_do_not_make_a_factor_level_differ(db: Database, people: People) -> None:
    _consistent(db, people, 2)
    add_outcome(
        db, people, add_job(db, people, "Art therapist"), with_level(ARTS_THERAPIST, 5, "3(a)")
    )
    assert check_consistency(db, people.viewer).factor_levels == ()


def test_two_jobs_split_on_a_factor_have_no_modal_level_and_both_are_listed(
    db: Database, people: People
) -> None:
    (a,) = _consistent(db, people, 1)
    b = add_job(db, people, "Drama therapist")
    add_outcome(db, people, b, with_level(ARTS_THERAPIST, 9, "1"))
    (finding,) = check_consistency(db, people.viewer).factor_levels
    assert finding.modal_level is None
    assert {j.job_id for j in finding.differing} == {a, b}
    assert "no common level" in finding.reason


def test_a_total_within_the_boundary_margin_is_flagged(db: Database, people: People) -> None:
    job = add_job(db, people, "Therapist")
    add_outcome(db, people, job, ARTS_THERAPIST_LOWEST)  # 475: 10 points above band 7's floor
    report = check_consistency(db, people.viewer)
    assert report.boundary_margin == 10
    (finding,) = report.near_boundary
    assert (finding.total, finding.band, finding.to_band_below) == (475, "7", 10)
    assert "losing 10 points would drop it a band" in finding.reason


def test_the_rule_sets_boundary_margin_is_honoured(db: Database, people: People) -> None:
    job = add_job(db, people, "Therapist")
    add_outcome(db, people, job, ARTS_THERAPIST_LOWEST)
    narrower = dataclasses.replace(default_rule_set(), boundary_margin=9)
    assert check_consistency(db, people.viewer, rules=narrower).near_boundary == ()
    wider = dataclasses.replace(default_rule_set(), boundary_margin=17)
    report = check_consistency(db, people.viewer, rules=wider)
    assert report.boundary_margin == 17
    assert len(report.near_boundary) == 1


def test_a_total_far_from_any_boundary_is_not_flagged(db: Database, people: People) -> None:
    add_outcome(db, people, add_job(db, people, "Therapist"), ARTS_THERAPIST)  # 482
    assert check_consistency(db, people.viewer).near_boundary == ()


def test_an_outcome_below_the_profiles_range_and_band_is_outside_the_profile(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Therapist")
    levels = with_level(ARTS_THERAPIST_LOWEST, 3, "3")  # 460, band 6
    add_outcome(db, people, job, levels, verdict="match-with-variation")
    (finding,) = check_consistency(db, people.viewer).outside_profile
    assert finding.total_outside and finding.band_outside
    assert (finding.profile_total_min, finding.profile_total_max) == (475, 516)
    assert finding.profile_bands == ("7",)
    assert "outside the profile's range 475-516" in finding.reason
    assert "band 6 is not the profile's band 7" in finding.reason


def test_a_total_above_the_profiles_range_in_its_band_is_outside_only_by_total(
    db: Database, people: People
) -> None:
    levels = with_level(with_level(with_level(ARTS_THERAPIST, 3, "5"), 7, "3"), 4, "3")
    add_outcome(db, people, add_job(db, people, "Therapist"), levels)  # 521, band 7
    (finding,) = check_consistency(db, people.viewer).outside_profile
    assert finding.total_outside and not finding.band_outside


def test_outcomes_inside_the_profile_are_not_outside_it(db: Database, people: People) -> None:
    _consistent(db, people, 2)
    assert check_consistency(db, people.viewer).outside_profile == ()


def test_only_each_jobs_latest_confirmed_outcome_is_checked_by_default(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Therapist")
    add_outcome(db, people, job, ARTS_THERAPIST, recorded_at=noon("2024-01-01"))
    case_id, _ = add_outcome(
        db, people, job, ARTS_THERAPIST_LOWEST, recorded_at=noon("2024-02-01"), confirmed=False
    )
    assert check_consistency(db, people.viewer).near_boundary == ()
    recorded = check_consistency(db, people.viewer, scope="recorded")
    assert recorded.scope == "recorded"
    assert [f.job.case_id for f in recorded.near_boundary] == [case_id]


def test_archived_jobs_are_not_checked(db: Database, people: People) -> None:
    add_outcome(db, people, add_job(db, people, "Therapist", status="archived"))
    assert check_consistency(db, people.viewer).outcomes_checked == 0


def test_another_organisations_outcomes_are_never_compared(
    db: Database, people: People, other_people: People
) -> None:
    add_outcome(db, people, add_job(db, people, "Arts Therapist"))
    theirs = add_job(db, other_people, "Arts Therapist")
    add_outcome(db, other_people, theirs, with_level(ARTS_THERAPIST, 2, "6"))
    ours = check_consistency(db, people.viewer)
    assert ours.outcomes_checked == 1 and ours.same_title == ()
    assert check_consistency(db, other_people.viewer).outcomes_checked == 1


def test_an_unknown_scope_is_refused(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput):
        check_consistency(db, people.viewer, scope="everything")


def test_a_role_without_read_permission_is_refused(db: Database, people: People) -> None:
    stranger = dataclasses.replace(people.viewer, role="nobody")
    with pytest.raises(Forbidden):
        check_consistency(db, stranger)


def test_the_report_as_json_has_every_finding_kind(db: Database, people: People) -> None:
    add_outcome(db, people, add_job(db, people, "Therapist"), ARTS_THERAPIST_LOWEST)
    data = check_consistency(db, people.viewer).to_json()
    assert set(data) >= {
        "scope",
        "outcomes_checked",
        "boundary_margin",
        "findings",
        "same_title",
        "same_profile",
        "factor_levels",
        "near_boundary",
        "outside_profile",
    }
    assert data["near_boundary"][0]["kind"] == "near-boundary"
    json.dumps(data)


# -- the command line ------------------------------------------------------------------


def _cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: Path
) -> tuple[Database, People]:
    url = copy_of(template, tmp_path / "cli.db")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    return db, make_people(db)


def test_the_consistency_command_prints_the_findings_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch, sqlite_template)
    add_outcome(db, people, add_job(db, people, "Therapist"), ARTS_THERAPIST_LOWEST)
    result = CliRunner().invoke(app, ["consistency", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.output)
    assert data["findings"] == 1 and data["near_boundary"][0]["total"] == 475
    text = CliRunner().invoke(app, ["consistency"])
    assert text.exit_code == 0, (text.output, text.exception)
    assert "Totals near a band boundary (1)" in text.output


def test_the_consistency_command_needs_an_organisation_when_there_are_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> None:
    db, _ = _cli_db(tmp_path, monkeypatch, sqlite_template)
    make_people(db, "trust-b")
    result = CliRunner().invoke(app, ["consistency"])
    assert isinstance(result.exception, UsageError)
    assert "--organisation" in str(result.exception)
    named = CliRunner().invoke(app, ["consistency", "--organisation", "trust-b", "--json"])
    assert named.exit_code == 0, (named.output, named.exception)


def test_the_commands_say_how_to_set_up_a_database_without_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for args in (["consistency"], ["report", "--from", "2024-04-01", "--to", "2025-03-31"]):
        result = CliRunner().invoke(app, args)
        assert isinstance(result.exception, UsageError)
        assert "run `bandwise db upgrade` first" in str(result.exception)
