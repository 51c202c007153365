"""Who may see and change cases, and what the audit trail keeps: tenant isolation, the
viewer role, one audit event per change, listing with filters; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from bandwise.services import cases
from bandwise.services.base import Database, Forbidden, InvalidInput, NotFound
from bandwise.services.cases import DecisionInput
from dbfixtures import People
from workflowkit import SAT_ON, audit_events, decide, draft, last_audit, panel, raw, recorded


def test_another_organisation_cannot_see_or_change_the_case(
    db: Database, people: People, other_people: People
) -> None:
    case = recorded(db, people)
    other = other_people.lead
    c, v = case.case.id, case.case.version
    attempts = [
        lambda: cases.get_case(db, other, c),
        lambda: cases.compute_preview(db, other, c),
        lambda: cases.set_factor_decision(db, other, c, v, 1, "6"),
        lambda: cases.record_panel_outcome(db, other, c, v, SAT_ON, panel(other_people)),
        lambda: cases.consistency_check(db, other, c, v, "approved"),
        lambda: cases.notify(db, other, c, v),
        lambda: cases.close(db, other, c, v, "x"),
        lambda: cases.open_case(db, other, case.case.job_id, "evaluation"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert cases.list_cases(db, other).total == 0
    assert cases.get_case(db, people.lead, c) == case


def test_a_viewer_can_read_cases_but_not_change_them(db: Database, people: People) -> None:
    case = draft(db, people)
    viewer = people.viewer
    c, v = case.case.id, case.case.version
    assert cases.get_case(db, viewer, c) == case
    for attempt in [
        lambda: cases.open_case(db, viewer, case.case.job_id, "evaluation"),
        lambda: cases.set_factor_decision(db, viewer, c, v, 1, "6"),
        lambda: cases.record_panel_outcome(db, viewer, c, v, SAT_ON, panel(people)),
        lambda: cases.notify(db, viewer, c, v),
        lambda: cases.close(db, viewer, c, v, "x"),
    ]:
        with pytest.raises(Forbidden):
            attempt()
    assert cases.get_case(db, people.lead, c) == case


def test_each_change_writes_one_audit_event_with_its_before_and_after(
    db: Database, people: People
) -> None:
    case = draft(db, people)
    before = len(audit_events(db))
    case = cases.set_factor_decisions(
        db,
        people.staff,
        case.case.id,
        case.case.version,
        [DecisionInput(15, "3", "less than thought"), DecisionInput(16, "", "")],
    )
    events = audit_events(db)
    assert len(events) == before + 1
    event = events[-1]
    assert (event.action, event.entity, event.entity_id, event.user_id) == (
        "case.decisions-changed",
        "case",
        case.case.id,
        people.staff.user_id,
    )
    assert event.before == {
        "status": "draft",
        "version": 2,
        "decisions": {
            "15": {"levels": "4", "evidence": "evidence for factor 15"},
            "16": {"levels": "2", "evidence": "evidence for factor 16"},
        },
    }
    assert event.after == {
        "status": "draft",
        "version": 3,
        "decisions": {"15": {"levels": "3", "evidence": "less than thought"}, "16": None},
    }
    assert [d.factor for d in case.decisions] == list(range(1, 16))

    unchanged = cases.set_factor_decision(
        db, people.staff, case.case.id, case.case.version, 15, "3", "less than thought"
    )
    assert unchanged.case.version == case.case.version and len(audit_events(db)) == before + 1

    case = decide(db, people, case)
    case = cases.record_panel_outcome(
        db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
    )
    event = last_audit(db)
    assert event.before == {"status": "draft", "version": 4}
    assert case.outcome is not None and event.after is not None
    assert event.after["status"] == "outcome-recorded" and event.after["version"] == 5
    assert (event.after["outcome_id"], event.after["total"], event.after["band"]) == (
        case.outcome.id,
        475,
        "7",
    )
    assert event.after["members"] == [
        {"user_id": people.management.user_id, "name": "Management", "side": "management"},
        {"user_id": people.staff.user_id, "name": "Staff", "side": "staff-side"},
    ]
    assert event.after["rationale"] == ""
    assert len(audit_events(db)) == before + 3
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert len(raw(db, "SELECT id FROM audit_events")) == before + 3


def test_cases_are_listed_with_filters_and_pages(db: Database, people: People) -> None:
    first = draft(db, people)
    second = recorded(db, people, kind="evaluation", profile=None)
    lead = people.lead
    assert cases.list_cases(db, lead).total == 2
    assert [c.id for c in cases.list_cases(db, lead, status="draft").items] == [first.case.id]
    assert [c.id for c in cases.list_cases(db, lead, kind="evaluation").items] == [second.case.id]
    assert [c.id for c in cases.list_cases(db, lead, job_id=second.case.job_id).items] == [
        second.case.id
    ]
    assert [
        c.id for c in cases.list_cases(db, lead, profile_id="arts-therapies/arts-therapist").items
    ] == [first.case.id]
    page = cases.list_cases(db, lead, offset=1, limit=1)
    assert (page.total, [c.id for c in page.items]) == (2, [second.case.id])
    with pytest.raises(InvalidInput, match="status is one of"):
        cases.list_cases(db, lead, status="done")
    with pytest.raises(InvalidInput, match="limit is 1 to 500"):
        cases.list_cases(db, lead, limit=0)
