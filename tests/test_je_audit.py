"""The annual JE practices self-assessment: statements as data, each with evidence
computed from the records (partnership panels, independent checks, days to outcome,
reviews, old JDs, panel training, backlog), and its XLSX and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from bandwise.errors import InvalidInput
from bandwise.returns.export import audit_html, audit_xlsx
from bandwise.returns.rules import practices_audit_statements
from bandwise.services import je_audit, register
from bandwise.services.base import Database
from bandwise.store import tables as t
from dbfixtures import People
from jekit import D, nm_job
from recordfixtures import add_job, add_outcome, add_review_request, noon

YEAR = (D("2025-04-01"), D("2026-03-31"))


def _sat(db: Database, people: People, outcome_id: int, members: list[tuple[int, str]]) -> None:
    """Put the outcome's decision to a panel of ``members`` (user id, side)."""
    with db.transaction() as session:
        outcome = session.get(t.Outcome, outcome_id)
        assert outcome is not None
        panel = t.Panel(
            organisation_id=people.organisation_id, case_id=outcome.case_id, sat_on=D("2025-06-02")
        )
        session.add(panel)
        session.flush()
        for user_id, side in members:
            session.add(t.PanelMember(panel_id=panel.id, user_id=user_id, side=side))
        outcome.panel_id = panel.id


def _evidence(db: Database, people: People) -> dict[str, dict[str, object]]:
    audit = je_audit.practices_audit(db, people.viewer, *YEAR)
    return {s["evidence_query"]: s["evidence"] for s in audit["statements"]}


def test_every_statement_names_an_evidence_query_that_exists_and_is_unverified() -> None:
    for statement in practices_audit_statements():
        assert statement.evidence in je_audit.EVIDENCE, statement.id
        assert statement.verified is False


def test_partnership_and_independent_checks_count_the_panels_and_checkers(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Staff nurse", "NM-001")
    _, both = add_outcome(db, people, job, recorded_at=noon("2025-06-03"))
    _sat(
        db,
        people,
        both,
        [(people.management.user_id, "management"), (people.staff.user_id, "staff-side")],
    )
    _, one_side = add_outcome(db, people, job, recorded_at=noon("2025-07-03"))
    _sat(
        db,
        people,
        one_side,
        [(people.management.user_id, "management"), (people.checker.user_id, "management")],
    )
    add_outcome(db, people, job, recorded_at=noon("2024-07-03"))  # before the period
    got = _evidence(db, people)
    assert got["partnership_share"] == {"count": 1, "of": 2, "share": 0.5}
    # the fixtures' checker approves both; on the second panel the checker sat
    assert got["independent_check_share"] == {"count": 1, "of": 2, "share": 0.5}


def test_panel_training_lists_who_sat_with_their_training_dates(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Staff nurse", "NM-001")
    _, outcome = add_outcome(db, people, job, recorded_at=noon("2025-06-03"))
    _sat(
        db,
        people,
        outcome,
        [(people.management.user_id, "management"), (people.staff.user_id, "staff-side")],
    )
    register.set_je_training(db, people.admin, people.staff.user_id, D("2024-02-01"))
    got = _evidence(db, people)["panel_training"]
    assert got["count"] == 1 and got["of"] == 2
    assert {"name": "Staff", "trained_on": "2024-02-01"} in got["people"]  # type: ignore[operator]


def test_job_descriptions_older_than_3_years_or_undated_are_listed(
    db: Database, people: People
) -> None:
    nm_job(db, people, "Staff nurse", "NM-001", "5", "2022-01-01")
    nm_job(db, people, "Ward sister", "NM-002", "6", "2025-01-01")
    nm_job(db, people, "Matron", "NM-003", "8a", None)
    got = _evidence(db, people)["jd_older_than_3y"]
    assert got["jobs"] == ["NM-001 Staff nurse", "NM-003 Matron"]


def test_days_to_outcome_reviews_and_backlog(db: Database, people: People) -> None:
    job = add_job(db, people, "Staff nurse", "NM-001")
    case_id, _ = add_outcome(db, people, job, recorded_at=noon("2025-06-03"))
    with db.transaction() as session:
        case = session.scalar(select(t.Case).where(t.Case.id == case_id))
        assert case is not None
        case.created_at = noon("2025-05-04")
    add_review_request(db, people, case_id, "2025-07-01", status="upheld", decided_on="2025-08-01")
    add_outcome(db, people, job, confirmed=False, recorded_at=noon("2027-01-01"))
    got = _evidence(db, people)
    assert got["days_to_outcome"] == {"cases": 1, "median": 30, "p90": 30}
    assert got["reviews"]["requested"] == 1 and got["reviews"]["upheld"] == 1
    assert got["backlog"]["open_cases"] == 1


def test_a_period_that_ends_before_it_starts_is_refused(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput, match="ends before"):
        je_audit.practices_audit(db, people.viewer, D("2026-03-31"), D("2025-04-01"))


def test_the_audit_exports_as_a_workbook_and_a_pdf(
    db: Database, people: People, tmp_path: Path
) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from bandwise.web.report_pdf import html_to_pdf

    audit = je_audit.practices_audit(db, people.viewer, *YEAR)
    path = tmp_path / "audit.xlsx"
    path.write_bytes(audit_xlsx(audit))
    sheet = load_workbook(path).active
    assert sheet["A4"].value == "Governance" and sheet["C4"].value == "not yet"
    assert html_to_pdf(audit_html(audit)).startswith(b"%PDF")
    assert dt.date.fromisoformat(audit["to"]) == YEAR[1]
