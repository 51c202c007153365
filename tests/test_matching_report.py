"""The matching report built once (services/matching_report.py) on SQLite and PostgreSQL,
and its JSON and command-line twins: ``GET /api/cases/{id}/report`` and ``bandwise
report case ID --json|--pdf``. The page and its PDF are tested in test_pages_reports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

import workflowkit as wk
from apikit import anonymous, assert_error, make_app, session_client, token_client
from bandwise.cli import app as cli
from bandwise.cli_common import UsageError
from bandwise.errors import BandwiseError
from bandwise.scheme.explain import stored_factors
from bandwise.scheme.loader import load_scheme
from bandwise.services import cases
from bandwise.services.base import Database, NotFound
from bandwise.services.matching_report import matching_report
from bandwise.services.outcome_review import review_outcome
from bandwise.store import tables as t
from bandwise.store.migrate import upgrade
from dbfixtures import People, make_people
from pagekit import Web, text_of, web

__all__ = ["web"]

FACTOR_NAMES = [f.name for f in load_scheme().factors]


def _rename_the_explanation_headings(db: Database, case_id: int) -> None:
    """Reword every heading of the explanation table saved with the case's outcome and
    drop its rows: only wording changes, the result's own fields stay."""
    with db.transaction() as session:
        outcome = session.scalars(select(t.Outcome).where(t.Outcome.case_id == case_id)).one()
        data: dict[str, Any] = json.loads(json.dumps(outcome.explanation))
        table = data["explanation"]
        table["columns"] = ["No.", "Name", "Profile level", "Job level", "Result", "Score", "Why"]
        table["rows"] = []
        outcome.explanation = data


# -- the service ---------------------------------------------------------------------------------


def test_a_confirmed_outcome_is_reported_from_the_record(db: Database, people: People) -> None:
    case = wk.confirmed(db, people)
    report = matching_report(db, people.viewer, case.case.id)
    assert not report.draft and report.returned is None
    assert report.outcome_id == case.outcome.id if case.outcome else False
    assert (report.job.title, report.job.reference) == ("Arts Therapist", "AT-1")
    assert report.profile_id == "arts-therapist"
    assert report.profile_title.startswith("Arts Therapist")
    assert (report.suite_id, report.suite_version) == ("arts-therapies", 1)
    assert report.suite_title == "National Profiles for Art Therapy"
    assert (report.verdict, report.total_text, report.band) == ("profile-match", "475", "7")
    assert report.rule_set is not None and report.rule_set.id == "bandwise-default"
    assert report.scheme_edition == load_scheme().edition.id
    assert [f.name for f in report.factors] == FACTOR_NAMES
    two = report.factors[1]
    assert (two.profile_level, two.agreed_level, two.outcomes, two.points) == (
        "7",
        "7",
        ("match",),
        (196,),
    )
    assert two.evidence == "evidence for factor 2" and not two.evidence_changed
    assert report.factors[12].profile_level == "2(a)(d)– 3(c)"  # as printed in the suite
    assert report.panel is not None and report.panel.sat_on == wk.SAT_ON
    assert {(m.name, m.side) for m in report.panel.members} == {
        ("Management", "management"),
        ("Staff", "staff-side"),
    }
    assert [(c.decision, c.checker) for c in report.checks] == [("approved", "Checker")]
    assert any(line.startswith("Verdict: profile-match") for line in report.summary)
    json.dumps(report.to_json())  # JSON as it is


def test_a_case_without_an_outcome_is_a_draft_from_its_current_decisions(
    db: Database, people: People
) -> None:
    case = wk.draft(db, people)
    report = matching_report(db, people.lead, case.case.id)
    assert report.draft and report.outcome_id is None and report.panel is None
    assert (report.verdict, report.total_text, report.band) == ("profile-match", "475", "7")
    assert report.checks == () and report.returned is None
    empty = matching_report(db, people.lead, wk.draft(db, people, levels=None).case.id)
    assert empty.draft and empty.verdict == "" and empty.total_min is None
    assert all(f.agreed_level == "" and f.points == () for f in empty.factors)


def test_a_returned_outcome_is_not_in_force_and_is_reported_apart(
    db: Database, people: People
) -> None:
    recorded = wk.recorded(db, people)
    cases.consistency_check(
        db, people.checker, recorded.case.id, recorded.case.version, "returned", "Factor 2"
    )
    report = matching_report(db, people.viewer, recorded.case.id)
    assert report.draft and report.outcome_id is None and report.checks == ()
    returned = report.returned
    assert returned is not None and returned.outcome_id == recorded.outcome.id  # type: ignore[union-attr]
    assert (returned.verdict, returned.total_text, returned.band) == ("profile-match", "475", "7")
    assert [lv.level for lv in returned.levels] == wk.LEVELS
    assert [(c.decision, c.reasons) for c in returned.checks] == [("returned", "Factor 2")]


def test_an_evaluated_case_has_points_and_no_profile_or_outcomes(
    db: Database, people: People
) -> None:
    case = wk.confirmed(db, people, kind="evaluation", profile=None)
    report = matching_report(db, people.viewer, case.case.id)
    assert report.verdict == "evaluated" and report.profile_title == ""
    two = report.factors[1]
    assert (two.profile_level, two.outcomes, two.points_text) == ("", (), "196")


def test_another_organisations_case_has_no_report(
    db: Database, people: People, other_people: People
) -> None:
    theirs = wk.confirmed(db, other_people)
    with pytest.raises(NotFound):
        matching_report(db, people.admin, theirs.case.id)


def test_a_renamed_explanation_heading_cannot_blank_a_report_column(
    db: Database, people: People
) -> None:
    """The report and the outcome review read the result's factors by key, never the
    explanation table by its column headings (renaming "Points" blanked the points)."""
    case = wk.confirmed(db, people)
    before = matching_report(db, people.viewer, case.case.id)
    _rename_the_explanation_headings(db, case.case.id)
    after = matching_report(db, people.viewer, case.case.id)
    assert [(f.profile_level, f.outcomes, f.points) for f in after.factors] == [
        (f.profile_level, f.outcomes, f.points) for f in before.factors
    ]
    assert after.factors[1].points_text == "196" and after.factors[1].outcome_text == "match"
    review = review_outcome(db, people.viewer, case.case.id)
    assert review is not None
    assert (review.factors[1].points, review.factors[1].outcome) == ("196", "match")


def test_the_report_page_keeps_its_columns_when_the_explanation_headings_change(
    web: Web,
) -> None:
    case = wk.confirmed(web.db, web.people)
    _rename_the_explanation_headings(web.db, case.case.id)
    text = text_of(web.client(web.people.viewer).get(f"/cases/{case.case.id}/report").text)
    assert "2 Knowledge, training and experience 7 7 match 196" in text


def test_stored_factors_read_a_result_by_key_and_skip_what_is_malformed() -> None:
    result = {
        "factors": [
            {"number": 2, "profile_levels": [7], "job_levels": [6, 7], "outcome": "variation",
             "outcomes": ["match", "variation"], "points": [166, 196, 196], "reason": "r"},
            {"number": 3, "levels": [4], "points": [42]},  # an evaluation's factor
            {"number": "4"}, "junk", {"number": True},
        ],
        "explanation": {"columns": [], "rows": []},
    }  # fmt: skip
    found = stored_factors(result)
    assert set(found) == {2, 3}
    assert (found[2].outcome_text, found[2].points_text, found[2].profile_text) == (
        "match/variation",
        "166-196",
        "7",
    )
    assert (found[3].job_levels, found[3].outcome_text, found[3].points_text) == ((4,), "", "42")
    assert stored_factors(None) == {} and stored_factors({"factors": "x"}) == {}


# -- the API -----------------------------------------------------------------------------------


def test_the_report_endpoint_is_the_services_report_for_every_reader(
    db: Database, db_url: str, people: People
) -> None:
    case = wk.confirmed(db, people)
    app = make_app(db_url)
    url = f"/api/cases/{case.case.id}/report"
    expected = matching_report(db, people.viewer, case.case.id).to_json()
    for actor in (people.viewer, people.management, people.lead, people.admin):
        client = token_client(app, db, actor)
        response = client.client.get(url, headers=client.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.pop("generated_at") and expected["generated_at"]
        assert body == {k: v for k, v in expected.items() if k != "generated_at"}
    session = session_client(app, db, people.viewer)
    assert session.client.get(url).json()["draft"] is False
    assert_error(anonymous(app).client.get(url), 401)


def test_the_report_endpoint_tells_a_draft_from_a_confirmed_outcome(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    viewer = token_client(app, db, people.viewer)
    draft = wk.draft(db, people)
    body = viewer.client.get(f"/api/cases/{draft.case.id}/report", headers=viewer.headers).json()
    assert body["draft"] is True and body["outcome_id"] is None and body["panel"] is None
    assert body["verdict"] == "profile-match" and body["total_min"] == 475
    done = wk.confirmed(db, people)
    body = viewer.client.get(f"/api/cases/{done.case.id}/report", headers=viewer.headers).json()
    assert body["draft"] is False and body["outcome_id"] == done.outcome.id  # type: ignore[union-attr]
    assert body["factors"][1] == {
        "number": 2,
        "name": FACTOR_NAMES[1],
        "profile_level": "7",
        "agreed_level": "7",
        "outcomes": ["match"],
        "points": [196],
        "evidence": "evidence for factor 2",
        "evidence_changed": False,
        "known_problems": [],
    }
    assert body["rule_set"] == {"id": "bandwise-default", "version": 1}
    assert body["panel"]["sat_on"] == wk.SAT_ON.isoformat()


def test_another_organisations_case_report_is_404_through_the_api(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    theirs = wk.confirmed(db, other_people)
    admin = token_client(make_app(db_url), db, people.admin)
    for url in (f"/api/cases/{theirs.case.id}/report", "/api/cases/999999/report"):
        assert_error(admin.client.get(url, headers=admin.headers), 404, "not-found")


def test_the_report_is_in_the_openapi_document(db_url: str) -> None:
    spec = make_app(db_url).openapi()
    operation = spec["paths"]["/api/cases/{case_id}/report"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/MatchingReport")
    fields = spec["components"]["schemas"]["MatchingReport"]["properties"]
    assert {"draft", "factors", "verdict", "total_min", "panel", "checks", "returned"} <= set(
        fields
    )


# -- the command line ----------------------------------------------------------------------------


def _cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, People]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    return db, make_people(db)


def test_report_case_json_is_the_apis_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case = wk.confirmed(db, people)
    result = CliRunner().invoke(cli, ["report", "case", str(case.case.id), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.output)
    expected = matching_report(db, people.admin, case.case.id).to_json()
    assert data.pop("generated_at") and expected.pop("generated_at")
    assert data == expected
    text = CliRunner().invoke(cli, ["report", "case", str(case.case.id)])
    assert text.exit_code == 0, (text.output, text.exception)
    assert "Verdict: profile-match; total 475; band 7" in text.output
    assert " 2 Knowledge, training and experience: profile 7, agreed 7, match, 196 points" in (
        text.output
    )


def test_report_case_pdf_writes_a_real_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case = wk.draft(db, people)
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(cli, ["report", "case", str(case.case.id), "--pdf", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.read_bytes().startswith(b"%PDF-")
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        [tool, "-raw", "-enc", "UTF-8", str(out), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)  # a table cell's words wrap over lines
    assert "DRAFT" in text and "Matching report: Arts Therapist" in text
    assert "Knowledge,trainingandexperience" in flat and "Evidenceforfactor2" in flat


def test_report_case_refuses_a_case_it_cannot_see_and_a_bad_pdf_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_db(tmp_path, monkeypatch)
    missing = CliRunner().invoke(cli, ["report", "case", "999"])
    assert isinstance(missing.exception, BandwiseError) and "case" in str(missing.exception)
    bad = CliRunner().invoke(cli, ["report", "case", "1", "--pdf", str(tmp_path / "x.txt")])
    assert isinstance(bad.exception, UsageError) and ".pdf" in str(bad.exception)
    before = CliRunner().invoke(cli, ["report", "--json", "case", "1"])
    assert isinstance(before.exception, UsageError) and "after its name" in str(before.exception)


def test_consistency_pdf_writes_the_pages_pdf_beside_its_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    wk.confirmed(db, people)
    out = tmp_path / "consistency.pdf"
    result = CliRunner().invoke(cli, ["consistency", "--pdf", str(out), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.output)["outcomes_checked"] == 1
    assert out.read_bytes().startswith(b"%PDF-")
    tool = shutil.which("pdftotext")
    if tool is not None:
        text = subprocess.run(
            [tool, "-raw", "-enc", "UTF-8", str(out), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert "Consistency report" in text
    bad = CliRunner().invoke(cli, ["consistency", "--pdf", str(tmp_path / "no" / "x.pdf")])
    assert isinstance(bad.exception, UsageError) and "no folder" in str(bad.exception)


def test_the_board_report_command_still_needs_its_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_db(tmp_path, monkeypatch)
    for args, flag in ((["report"], "--from"), (["report", "--from", "2024-04-01"], "--to")):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and f"Missing option '{flag}'" in result.output
