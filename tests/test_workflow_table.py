"""The case workflow table (bandwise.workflow) and the policy data (bandwise.policy):
one truth, read by the services, the pages and the docs. The table's rules status by
status and role by role are the YAML cases in ``tests/cases/workflow.yaml``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bandwise import policy as policy_module
from bandwise import workflow
from bandwise.policy import (
    PolicyDataError,
    load_policy,
    parse_policy,
    permissions_markdown,
    policy,
    settings_markdown,
)
from bandwise.scheme import strict_yaml
from bandwise.services import base, case_records, cases, reviews
from bandwise.services.base import Database, InvalidInput
from bandwise.store import tables as t
from bandwise.web.pages import audit as audit_page
from bandwise.web.pages import cases as cases_page
from bandwise.web.pages import jobs as jobs_page
from dbfixtures import People
from workflowkit import confirmed, recorded

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def _policy_data() -> dict:  # type: ignore[type-arg]
    data = strict_yaml.load_file(policy_module.POLICY_FILE)
    assert isinstance(data, dict)
    return data


# ---------------------------------------------------------------- the workflow table


def test_the_workflow_knows_exactly_the_case_statuses_the_store_keeps() -> None:
    assert set(workflow.STATUSES) == set(t.CASE_STATUSES)


def test_every_action_of_the_table_starts_from_and_leads_to_known_statuses() -> None:
    for a in workflow.TABLE:
        assert set(a.source) <= set(workflow.STATUSES), a.name
        targets = [a.to] if isinstance(a.to, str) else list((a.to or {}).values())
        assert set(targets) <= set(workflow.STATUSES), a.name
        assert a.permission in {g.permission for g in policy().grants}, a.name
        assert set(a.guards) <= set(workflow.GUARDS), a.name
        assert a.event, a.name


def test_every_action_of_the_table_is_tested_by_a_yaml_case() -> None:
    cases = strict_yaml.load_file(Path(__file__).parent / "cases" / "workflow.yaml")
    asked = {c["action"] for c in cases if "action" in c}
    assert asked == set(workflow.ACTIONS)


def test_a_refused_role_is_named_before_the_status() -> None:
    case = workflow.CaseFacts(1, "match", "closed")
    refusal = workflow.refusal("close the case", case, workflow.Who(1, "viewer"))
    assert refusal == workflow.Refusal("the viewer role may not write", "role")


def test_allowed_gives_every_action_with_the_reason_it_is_refused() -> None:
    case = workflow.CaseFacts(4, "match", "outcome-recorded", panel=frozenset({2}), recorded_by=3)
    answers = workflow.allowed(case, workflow.Who(2, "practitioner", checker=True))
    assert list(answers) == [a.name for a in workflow.TABLE]
    assert answers["record a consistency check"].startswith("you sat on the panel")
    assert "case 4 is outcome-recorded" in answers["close the case"]
    someone_else = workflow.Who(9, "practitioner", checker=True)
    assert workflow.allowed(case, someone_else)["record a consistency check"] == ""


def test_a_check_needs_its_decision_to_know_the_next_status() -> None:
    with pytest.raises(ValueError, match="approved, returned"):
        workflow.next_status("record a consistency check", "outcome-recorded")


def test_the_latest_outcome_is_in_force_unless_returned_or_back_with_the_panel() -> None:
    first, second = workflow.OutcomeFacts(1), workflow.OutcomeFacts(2)
    assert workflow.in_force("confirmed", [first, second]) == (second, None)
    returned = workflow.OutcomeFacts(2, returned=True)
    assert workflow.in_force("outcome-recorded", [first, returned]) == (None, returned)
    assert workflow.in_force("returned", [first]) == (None, first)
    assert workflow.in_force("draft", []) == (None, None)


def test_an_outcome_is_confirmed_by_an_approving_check_or_as_the_latest_of_a_confirmed_case() -> (
    None
):
    assert workflow.confirmed(workflow.OutcomeFacts(1, approved=True), "closed", latest=False)
    assert workflow.confirmed(workflow.OutcomeFacts(1), "review-requested", latest=True)
    assert not workflow.confirmed(workflow.OutcomeFacts(1), "confirmed", latest=False)
    assert not workflow.confirmed(workflow.OutcomeFacts(1), "closed", latest=True)


def test_a_returned_outcome_is_not_in_force_and_a_confirmed_one_is(
    db: Database, people: People
) -> None:
    case = recorded(db, people)
    back = cases.consistency_check(
        db, people.checker, case.case.id, case.case.version, "returned", "factor 3 is too low"
    )
    assert case_records.in_force(back) == (None, back.outcome)
    ok = confirmed(db, people)
    assert case_records.in_force(ok) == (ok.outcome, None)


def test_docs_workflow_shows_the_workflow_table_as_the_module_has_it() -> None:
    text = (DOCS / "workflow.md").read_text(encoding="utf-8")
    assert workflow.markdown_table() in text, (
        "docs/workflow.md differs from the workflow table; paste bandwise.workflow."
        "markdown_table():\n" + workflow.markdown_table()
    )


# ---------------------------------------------------------------- policy data


def test_the_services_check_the_permissions_of_the_policy_data() -> None:
    assert dict(policy().permissions) == base.PERMISSIONS
    assert base.PERMISSIONS["viewer"] == frozenset({"read"})
    assert "import" not in base.PERMISSIONS["practitioner"]
    assert "override" in base.PERMISSIONS["admin"]


def test_the_review_window_is_the_handbooks_three_months_with_its_reference() -> None:
    window = policy().review_window_months
    assert (window.value, window.handbook, reviews.REVIEW_MONTHS) == (3, True, 3)
    assert "chapter 13" in window.reference


def test_every_page_size_is_a_local_choice_the_pages_use() -> None:
    sizes = policy().page_sizes
    assert all(not s.handbook and s.provenance for s in sizes.values())
    assert (
        sizes["jobs"].value,
        sizes["cases"].value,
        sizes["audit"].value,
    ) == (jobs_page.PAGE_SIZE, cases_page.PAGE_SIZE, audit_page.PAGE_SIZE)


def test_a_list_longer_than_the_policys_limit_is_refused_naming_it(
    db: Database, people: People
) -> None:
    most = policy().page_size("list_limit")
    assert len(cases.list_cases(db, people.lead, limit=most).items) == 0
    with pytest.raises(InvalidInput, match=f"limit is 1 to {most} and offset at least 0"):
        cases.list_cases(db, people.lead, limit=most + 1)


def test_docs_roles_shows_the_permission_and_policy_tables_as_the_data_has_them() -> None:
    text = (DOCS / "roles.md").read_text(encoding="utf-8")
    assert permissions_markdown() in text, permissions_markdown()
    assert settings_markdown() in text, settings_markdown()


def test_a_misspelt_policy_key_is_refused_naming_the_file_and_the_key() -> None:
    data = _policy_data()
    data["page_sizes"]["jobs"]["valu"] = data["page_sizes"]["jobs"].pop("value")
    with pytest.raises(PolicyDataError) as err:
        parse_policy(data)
    assert str(err.value).startswith("policy.yaml: page_sizes.jobs.valu: unknown key")


def test_a_missing_page_size_is_refused_naming_it() -> None:
    data = _policy_data()
    del data["page_sizes"]["audit"]
    with pytest.raises(PolicyDataError, match="page_sizes: missing audit"):
        parse_policy(data)


def test_a_handbook_rule_without_its_reference_is_refused() -> None:
    data = _policy_data()
    del data["review_window_months"]["reference"]
    with pytest.raises(PolicyDataError, match=r"review_window_months: a handbook rule .* needs"):
        parse_policy(data)


def test_a_local_choice_claiming_a_handbook_reference_is_refused() -> None:
    data = _policy_data()
    data["page_sizes"]["cases"]["reference"] = "handbook chapter 9"
    with pytest.raises(PolicyDataError, match=r"page_sizes.cases: a local choice has no"):
        parse_policy(data)


def test_an_unknown_reliability_tag_is_refused() -> None:
    data = _policy_data()
    data["review_window_months"]["reliability"] = "verified"
    with pytest.raises(PolicyDataError, match=r"review_window_months.reliability: expected V"):
        parse_policy(data)


def test_a_permission_granted_to_an_unknown_role_is_refused() -> None:
    data = _policy_data()
    data["permissions"]["grants"]["read"]["roles"].append("auditor")
    with pytest.raises(PolicyDataError, match=r"permissions.grants.read.roles: unknown role"):
        parse_policy(data)


def test_a_page_size_must_be_a_whole_number_of_at_least_one() -> None:
    data = _policy_data()
    data["page_sizes"]["jobs"]["value"] = 0
    with pytest.raises(PolicyDataError, match=r"page_sizes.jobs.value: expected a whole number"):
        parse_policy(data)


def test_a_duplicate_key_in_the_policy_file_is_refused_with_its_line(tmp_path: Path) -> None:
    text = policy_module.POLICY_FILE.read_text(encoding="utf-8")
    path = tmp_path / "policy.yaml"
    path.write_text(text + "review_window_months:\n  value: 6\n", encoding="utf-8")
    with pytest.raises(PolicyDataError, match=r"policy.yaml: line \d+: duplicate key"):
        load_policy(path)


def _from_the_table(value: ast.expr, file: str) -> bool:
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
        return value.value.id == "workflow"
    return file == "case_changes.py" and isinstance(value, ast.Name) and value.id == "target"


def test_no_service_sets_a_case_status_but_the_one_change_helper() -> None:
    """A case's status is set only by ``case_changes.change_case`` (to the table's next
    status), or from the table's own constants (a new case, a withdrawn review's case)."""
    found = []
    for path in sorted((ROOT / "src" / "bandwise" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "t.Case":
                values = [k.value for k in node.keywords if k.arg == "status"]
            elif isinstance(node, ast.Assign):
                targets = [ast.unparse(x) for x in node.targets]
                if any(x in ("row.status", "case.status", "review_case.status") for x in targets):
                    values = [node.value]
            found += [
                f"{path.name}:{v.lineno}: {ast.unparse(v)}"
                for v in values
                if not _from_the_table(v, path.name)
            ]
    assert found == []
