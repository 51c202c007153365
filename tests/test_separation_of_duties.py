"""The consistency check is independent of what it checks, on SQLite and PostgreSQL: nobody
who sat on the panel, recorded the outcome or made a factor decision may check it, so no
one person takes a case to confirmed alone. The service refuses; the dashboard's list
and the case and check pages go by the same rule."""

from __future__ import annotations

import pytest

from bandwise.services import cases
from bandwise.services.base import Database, RuleViolation
from bandwise.services.cases import DecisionInput
from bandwise.services.jobs import create_job
from bandwise.store import tables as t
from dbfixtures import People
from pagekit import Web, text_of
from workflowkit import LEVELS, SAT_ON, count, draft, panel, recorded

INDEPENDENT = "must be made by someone who did not sit on the panel, record the outcome"


def awaiting(db: Database, people: People, name: str) -> list[int]:
    return [c.id for c in cases.awaiting_check_by(db, getattr(people, name))]


def test_one_practitioner_cannot_take_a_case_to_confirmed_alone(
    db: Database, people: People
) -> None:
    alone = people.checker  # a practitioner: may decide, record and check
    job = create_job(db, alone, "Arts Therapist")
    case = cases.open_case(db, alone, job.id, "match", "arts-therapist")
    inputs = [DecisionInput(n, lv, "") for n, lv in enumerate(LEVELS, start=1)]
    case = cases.set_factor_decisions(db, alone, case.case.id, case.case.version, inputs)
    case = cases.record_panel_outcome(
        db, alone, case.case.id, case.case.version, SAT_ON, panel(people)
    )
    with pytest.raises(RuleViolation, match="you recorded this outcome") as refused:
        cases.consistency_check(db, alone, case.case.id, case.case.version, "approved")
    assert INDEPENDENT in refused.value.message and refused.value.field == "checker"
    assert count(db, t.ConsistencyCheck) == 0
    assert cases.get_case(db, people.viewer, case.case.id).case.status == "outcome-recorded"
    assert case.case.id not in awaiting(db, people, "checker")


def test_whoever_made_a_factor_decision_may_not_check_the_outcome(
    db: Database, people: People
) -> None:
    case = draft(db, people)  # management decides every factor
    case = cases.set_factor_decision(  # management2 changes factor 3's evidence last
        db, people.management2, case.case.id, case.case.version, 3, LEVELS[2], "looked again"
    )
    case = cases.record_panel_outcome(
        db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
    )
    with pytest.raises(RuleViolation, match="you made the decision on factor 3;"):
        cases.consistency_check(db, people.management2, case.case.id, case.case.version, "approved")
    with pytest.raises(RuleViolation, match=r"you sat on the panel that recorded this outcome"):
        cases.consistency_check(db, people.management, case.case.id, case.case.version, "approved")
    assert count(db, t.ConsistencyCheck) == 0
    assert case.case.id not in awaiting(db, people, "management2")
    confirmed = cases.consistency_check(
        db, people.checker, case.case.id, case.case.version, "approved"
    )
    assert confirmed.case.status == "confirmed"


def test_the_decision_maker_who_is_not_on_the_panel_is_named_with_every_factor(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    case = cases.open_case(db, people.lead, job.id, "match", "arts-therapist")
    inputs = [DecisionInput(n, lv, "") for n, lv in enumerate(LEVELS, start=1)]
    case = cases.set_factor_decisions(db, people.staff2, case.case.id, case.case.version, inputs)
    case = cases.record_panel_outcome(
        db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
    )
    factors = ", ".join(str(n) for n in range(1, 17))
    with pytest.raises(RuleViolation, match=f"you made the decisions on factors {factors};"):
        cases.consistency_check(db, people.staff2, case.case.id, case.case.version, "returned", "x")
    assert cases.check_refusal(case, people.checker.user_id, True) == ""
    assert cases.check_refusal(case, people.lead.user_id, True).startswith(
        "you recorded this outcome"
    )


def test_the_list_waiting_for_a_check_is_the_services_rule(db: Database, people: People) -> None:
    case = recorded(db, people)  # opened and recorded by the lead, decided by management
    detail = cases.get_case(db, people.viewer, case.case.id)
    for name in ("admin", "lead", "management", "management2", "staff", "staff2", "checker"):
        actor = getattr(people, name)
        may = not cases.check_refusal(detail, actor.user_id, actor.role != "viewer")
        assert (case.case.id in awaiting(db, people, name)) == may, name
    assert awaiting(db, people, "lead") == [] and awaiting(db, people, "checker") == [case.case.id]


def test_the_check_page_tells_the_recorder_someone_else_checks_and_offers_no_form(
    web: Web,
) -> None:
    case = recorded(web.db, web.people)  # recorded by the lead
    cid = case.case.id
    lead = web.client(web.people.lead)
    page = lead.get(f"/cases/{cid}/check")
    assert "You recorded this outcome" in text_of(page.text)
    assert f'action="/cases/{cid}/check"' not in page.text
    assert f'href="/cases/{cid}/check"' not in lead.get(f"/cases/{cid}").text
    refused = lead.post(
        f"/cases/{cid}/check", {"decision": "approved", "version": str(case.case.version)}
    )
    assert refused.status_code == 422 and "you recorded this outcome" in refused.text
    assert f'href="/cases/{cid}/check"' in web.client(web.people.checker).get(f"/cases/{cid}").text
