"""Evidence is bounded where decisions are written (naming the factor and the limit), and
the PDF report breaks a long run without spaces so it lays out in normal time."""

from __future__ import annotations

import pytest
from sqlalchemy import update

import workflowkit as wk
from apikit import assert_error, make_app, token_client
from bandwise.services import cases
from bandwise.services.base import Database, InvalidInput
from bandwise.services.cases import MAX_EVIDENCE, DecisionInput
from bandwise.store import tables as t
from bandwise.web.report_pdf import BREAK_EVERY, ZERO_WIDTH_SPACE, breakable
from dbfixtures import People


def test_evidence_over_the_bound_is_refused_naming_the_factor_and_the_limit(
    db: Database, people: People
) -> None:
    case = wk.draft(db, people, levels=None)
    too_long = DecisionInput(7, "2", "word " * (MAX_EVIDENCE // 5 + 1))
    with pytest.raises(InvalidInput) as refused:
        cases.set_factor_decisions(db, people.management, case.case.id, None, [too_long])
    assert "factor 7" in refused.value.message and f"{MAX_EVIDENCE:,}" in refused.value.message
    assert refused.value.field == "evidence"
    exactly = DecisionInput(7, "2", "e" * MAX_EVIDENCE)
    saved = cases.set_factor_decisions(db, people.management, case.case.id, None, [exactly])
    assert saved.decisions[0].evidence == "e" * MAX_EVIDENCE


def test_the_api_answers_over_long_evidence_with_a_422_naming_the_factor(
    db_url: str, db: Database, people: People
) -> None:
    case = wk.draft(db, people, levels=None)
    app = make_app(db_url)
    signed = token_client(app, db, people.management)
    body = {
        "version": case.case.version,
        "decisions": [{"factor": 12, "levels": "3", "evidence": "x" * (MAX_EVIDENCE + 1)}],
    }
    answer = signed.client.put(
        f"/api/cases/{case.case.id}/decisions", json=body, headers=signed.headers
    )
    error = assert_error(answer, 422, "invalid-input", "evidence")
    assert "factor 12" in error["message"] and f"{MAX_EVIDENCE:,}" in error["message"]


def test_evidence_saved_before_the_bound_may_stay_while_other_factors_change(
    db: Database, people: People
) -> None:
    case = wk.draft(db, people)
    legacy = ("old " * MAX_EVIDENCE).strip()  # saved when the bound was 20,000
    with db.transaction() as session:
        session.execute(
            update(t.FactorDecision)
            .where(t.FactorDecision.case_id == case.case.id, t.FactorDecision.factor == 1)
            .values(evidence=legacy)
        )
    kept = DecisionInput(1, wk.LEVELS[0], legacy)
    changed = DecisionInput(2, "6", "a new reason")
    saved = cases.set_factor_decisions(
        db, people.management, case.case.id, case.case.version, [kept, changed]
    )
    assert {d.factor: d.levels for d in saved.decisions}[2] == "6"


def test_a_long_run_without_spaces_gets_an_invisible_break_every_few_characters() -> None:
    run = "x" * (BREAK_EVERY * 3 + 5)
    broken = breakable(f"see {run} here")
    assert broken.replace(ZERO_WIDTH_SPACE, "") == f"see {run} here"
    pieces = broken.split()[1].split(ZERO_WIDTH_SPACE)
    assert [len(p) for p in pieces] == [BREAK_EVERY, BREAK_EVERY, BREAK_EVERY, 5]
    ordinary = "The postholder plans therapy sessions.\n\nThey report progress."
    assert breakable(ordinary) == ordinary
    assert breakable(None) == "" and breakable("") == ""


def test_the_pdf_report_breaks_long_runs_and_the_web_report_keeps_the_text(
    db: Database, people: People
) -> None:
    from bandwise.web.pages.reports import MATCHING_TEMPLATE, matching_context, report_html
    from bandwise.web.pages.templating import templates

    case = wk.draft(db, people, levels=None)
    run = "y" * 200
    cases.set_factor_decisions(
        db, people.management, case.case.id, None, [DecisionInput(3, "2", run)]
    )
    context = matching_context(db, people.lead, case.case.id)
    pdf_html = report_html(MATCHING_TEMPLATE, context)
    assert run not in pdf_html and ("y" * BREAK_EVERY + ZERO_WIDTH_SPACE) in pdf_html
    web_html = templates.env.get_template(MATCHING_TEMPLATE).render({**context, "web": True})
    assert run in web_html and ZERO_WIDTH_SPACE not in web_html
