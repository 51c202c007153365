"""The case workflow as services enforce it, on SQLite and PostgreSQL: draft, panel outcome,
consistency check, notification, close; every rule refused with its message."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bandwise.profiles.library import builtin_library
from bandwise.profiles.matching import match_profile
from bandwise.scheme.explain import match_to_json
from bandwise.scheme.jobs import parse_job
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.rules import default_rule_set
from bandwise.services import case_changes, cases
from bandwise.services.base import (
    Conflict,
    Database,
    Forbidden,
    InvalidInput,
    RuleViolation,
)
from bandwise.services.cases import DecisionInput
from bandwise.services.jobs import create_job
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import (
    LEVELS,
    SAT_ON,
    audit_events,
    confirmed,
    count,
    decide,
    draft,
    last_audit,
    notified,
    panel,
    recorded,
)


def test_a_match_case_on_the_arts_therapist_profile_goes_from_draft_to_closed(
    db: Database, people: People
) -> None:
    case = draft(db, people, levels=None)
    assert (case.case.status, case.case.kind, case.case.version) == ("draft", "match", 1)
    assert (case.case.profile_id, case.case.suite_id, case.case.suite_version) == (
        "arts-therapist",
        "arts-therapies",
        1,
    )
    case = decide(db, people, case)
    assert [d.levels for d in case.decisions] == LEVELS

    preview = cases.compute_preview(db, people.viewer, case.case.id)
    scheme = load_scheme()
    cli = match_profile(
        scheme, builtin_library(), "arts-therapist", parse_job(scheme, LEVELS), default_rule_set()
    )
    assert preview.json == match_to_json(scheme, cli)
    assert preview.json["verdict"] == "profile-match"
    assert preview.json["total"] == {"min": 475, "max": 475}

    case = cases.record_panel_outcome(
        db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
    )
    assert case.case.status == "outcome-recorded"
    outcome = case.outcome
    assert outcome is not None and outcome.panel is not None
    assert (outcome.verdict, outcome.total_min, outcome.total_max, outcome.band) == (
        "profile-match",
        475,
        475,
        "7",
    )
    assert list(outcome.levels) == LEVELS
    assert (outcome.profile_id, outcome.suite_id, outcome.suite_version) == (
        "arts-therapist",
        "arts-therapies",
        1,
    )
    assert (outcome.scheme_edition, outcome.rule_set_id, outcome.rule_set_version) == (
        scheme.edition.id,
        "bandwise-default",
        1,
    )
    assert outcome.explanation == preview.json
    assert outcome.panel.sat_on == SAT_ON
    assert [(m.name, m.side) for m in outcome.panel.members] == [
        ("Management", "management"),
        ("Staff", "staff-side"),
    ]

    case = cases.consistency_check(db, people.checker, case.case.id, case.case.version, "approved")
    assert case.case.status == "confirmed" and case.checks[-1].decision == "approved"
    case = cases.notify(db, people.lead, case.case.id, case.case.version)
    assert case.case.status == "confirmed" and case.case.notified_at is not None
    case = cases.close(db, people.lead, case.case.id, case.case.version)
    assert case.case.status == "closed" and case.case.closed_at is not None
    assert case.actions == ()
    assert [e.action for e in audit_events(db)] == [
        "job.created",
        "case.opened",
        "case.decisions-changed",
        "case.outcome-recorded",
        "case.checked",
        "case.notified",
        "case.closed",
    ]


def test_an_evaluation_case_records_the_evaluated_total_and_band(
    db: Database, people: People
) -> None:
    case = recorded(db, people, kind="evaluation", profile=None)
    assert case.outcome is not None
    assert (case.outcome.verdict, case.outcome.total_min, case.outcome.band) == (
        "evaluated",
        475,
        "7",
    )
    assert case.outcome.profile_id is None and case.outcome.suite_version is None
    assert case.outcome.explanation["total"] == {"min": 475, "max": 475}


def test_a_hybrid_case_records_a_hybrid_outcome_that_a_match_case_refuses(
    db: Database, people: People
) -> None:
    levels = ["4", *LEVELS[1:]]  # factor 1 fails the profile; the rest match
    case = recorded(db, people, kind="hybrid", levels=levels)
    assert case.outcome is not None
    assert (case.outcome.verdict, case.outcome.total_min, case.outcome.band) == ("hybrid", 447, "6")
    match = draft(db, people, levels=levels)
    with pytest.raises(RuleViolation, match="does not match profile arts-therapist"):
        cases.record_panel_outcome(
            db, people.lead, match.case.id, match.case.version, SAT_ON, panel(people)
        )


def test_a_case_needs_a_profile_from_the_organisations_library(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    with pytest.raises(InvalidInput, match="no profile 'art-therapist'"):
        cases.open_case(db, people.lead, job.id, "match", "art-therapist")
    with pytest.raises(InvalidInput, match="needs the profile"):
        cases.open_case(db, people.lead, job.id, "hybrid")
    with pytest.raises(InvalidInput, match="an evaluation case has no profile"):
        cases.open_case(db, people.lead, job.id, "evaluation", "arts-therapist")
    with pytest.raises(InvalidInput, match="opened by requesting a review"):
        cases.open_case(db, people.lead, job.id, "review")
    qualified = cases.open_case(db, people.lead, job.id, "match", "arts-therapies/arts-therapist")
    assert qualified.case.profile_id == "arts-therapist"
    assert count(db, t.Case) == 1


def test_factor_levels_are_checked_against_the_scheme(db: Database, people: People) -> None:
    case = draft(db, people, levels=None)
    with pytest.raises(InvalidInput, match=r"factor 1 \(.*\) has no level 9"):
        cases.set_factor_decision(db, people.staff, case.case.id, 1, 1, "9")
    with pytest.raises(InvalidInput, match="factor 17 does not exist"):
        cases.set_factor_decision(db, people.staff, case.case.id, 1, 17, "1")
    with pytest.raises(InvalidInput, match="is not a level"):
        cases.set_factor_decision(db, people.staff, case.case.id, 1, 2, "five")
    case = cases.set_factor_decisions(
        db,
        people.staff,
        case.case.id,
        1,
        [DecisionInput(5, "3(a)"), DecisionInput(6, "5c"), DecisionInput(9, "1-2")],
    )
    assert [(d.factor, d.levels) for d in case.decisions] == [(5, "3(a)"), (6, "5c"), (9, "1-2")]
    assert case.case.version == 2


def test_an_undecided_factor_blocks_the_outcome_naming_the_factors(
    db: Database, people: People
) -> None:
    case = draft(db, people, levels=None)
    levels = list(LEVELS)
    levels[4] = "2-3"
    case = cases.set_factor_decisions(
        db,
        people.staff,
        case.case.id,
        case.case.version,
        [DecisionInput(n, lv) for n, lv in enumerate(levels, start=1) if n not in (3, 11)],
    )
    with pytest.raises(RuleViolation) as refused:
        cases.record_panel_outcome(
            db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
        )
    assert refused.value.message == (
        "cannot record the outcome: no decision on factor(s) 3, 11; a range on factor(s) "
        "5 (2-3). The panel must decide one level on every factor"
    )
    preview = cases.compute_preview(db, people.staff, case.case.id)
    assert (preview.missing, preview.undecided, preview.json) == ((3, 11), (5,), None)


def test_a_panel_needs_a_management_and_a_staff_side_member_each_with_a_side(
    db: Database, people: People
) -> None:
    case = draft(db, people)
    for members, message in [
        (["management", "management2"], "this panel has no staff-side member"),
        (["staff", "staff2"], "this panel has no management member"),
        (["management", "lead"], r"Lead has no side recorded .*an administrator records"),
    ]:
        ids = [getattr(people, m).user_id for m in members]
        with pytest.raises(RuleViolation, match=message):
            cases.record_panel_outcome(
                db, people.lead, case.case.id, case.case.version, SAT_ON, ids
            )
    assert (count(db, t.Panel), count(db, t.PanelMember), count(db, t.Outcome)) == (0, 0, 0)
    assert cases.get_case(db, people.lead, case.case.id) == case


def test_a_panel_member_from_another_organisation_is_refused_and_nothing_is_written(
    db: Database, people: People, other_people: People
) -> None:
    case = draft(db, people)
    events = len(audit_events(db))
    with pytest.raises(InvalidInput, match=f"no user {other_people.staff.user_id} in this"):
        cases.record_panel_outcome(
            db,
            people.lead,
            case.case.id,
            case.case.version,
            SAT_ON,
            [people.management.user_id, other_people.staff.user_id],
        )
    assert (count(db, t.Panel), count(db, t.Outcome), len(audit_events(db))) == (0, 0, events)


def test_a_failure_after_the_panel_is_written_rolls_the_whole_outcome_back(
    db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = draft(db, people)

    def broken_audit(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(case_changes, "audit", broken_audit)  # change_case writes it
    with pytest.raises(RuntimeError):
        cases.record_panel_outcome(
            db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
        )
    assert (count(db, t.Panel), count(db, t.PanelMember), count(db, t.Outcome)) == (0, 0, 0)
    after = cases.get_case(db, people.lead, case.case.id).case
    assert (after.status, after.version) == ("draft", case.case.version)


def test_the_panel_sitting_is_checked_before_anything_is_read(db: Database, people: People) -> None:
    case = draft(db, people)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    for members, sat_on, message in [
        ([], SAT_ON, "name the panel members"),
        (["management", "management", "staff"], SAT_ON, "named twice"),
        (["management", "staff"], tomorrow, "the panel cannot have sat in the future"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            cases.record_panel_outcome(
                db,
                people.lead,
                case.case.id,
                case.case.version,
                sat_on,
                [getattr(people, m).user_id for m in members],
            )
    assert cases.get_case(db, people.lead, case.case.id) == case


def test_a_failed_match_cannot_be_recorded_as_an_outcome(db: Database, people: People) -> None:
    levels = [*LEVELS[:14], "1", "1"]
    case = draft(db, people, levels=levels)
    with pytest.raises(RuleViolation, match=r"does not match profile arts-therapist \(no-match"):
        cases.record_panel_outcome(
            db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
        )
    closed = cases.close(
        db, people.lead, case.case.id, case.case.version, "does not match; to be evaluated"
    )
    assert closed.case.status == "closed" and closed.outcome is None
    assert last_audit(db).after == {
        "status": "closed",
        "version": closed.case.version,
        "reason": "does not match; to be evaluated",
    }


def test_the_checker_must_not_have_sat_on_the_panel(db: Database, people: People) -> None:
    case = recorded(db, people)
    with pytest.raises(RuleViolation, match="you sat on the panel that recorded this outcome"):
        cases.consistency_check(db, people.staff, case.case.id, case.case.version, "approved")
    with pytest.raises(Forbidden, match="viewer role may not check"):
        cases.consistency_check(db, people.viewer, case.case.id, case.case.version, "approved")
    assert count(db, t.ConsistencyCheck) == 0


def test_a_returned_outcome_needs_reasons_and_a_new_panel_outcome(
    db: Database, people: People
) -> None:
    case = recorded(db, people)
    with pytest.raises(InvalidInput, match="say why"):
        cases.consistency_check(
            db, people.checker, case.case.id, case.case.version, "returned", "  "
        )
    case = cases.consistency_check(
        db,
        people.checker,
        case.case.id,
        case.case.version,
        "returned",
        "factor 15 looks high against the JD",
    )
    assert case.case.status == "returned"
    assert case.checks[-1].reasons == "factor 15 looks high against the JD"
    case = cases.set_factor_decision(
        db, people.staff, case.case.id, case.case.version, 15, "4", "confirmed with the manager"
    )
    case = cases.record_panel_outcome(
        db,
        people.lead,
        case.case.id,
        case.case.version,
        SAT_ON + dt.timedelta(days=7),
        [people.management2.user_id, people.staff2.user_id],
    )
    case = cases.consistency_check(db, people.checker, case.case.id, case.case.version, "approved")
    assert case.case.status == "confirmed"
    assert len(case.outcomes) == 2 and [c.decision for c in case.checks] == ["returned", "approved"]
    assert case.checks[-1].outcome_id == case.outcomes[-1].id


def test_decisions_cannot_change_once_the_outcome_is_recorded(db: Database, people: People) -> None:
    case = recorded(db, people)
    with pytest.raises(RuleViolation) as refused:
        cases.set_factor_decision(db, people.staff, case.case.id, case.case.version, 1, "5")
    assert refused.value.message == (
        f"cannot change the factor decisions: case {case.case.id} is outcome-recorded; that "
        "needs a case that is draft or returned. Allowed now: record a consistency check"
    )
    assert cases.get_case(db, people.lead, case.case.id).decisions == case.decisions


def _attempt(db: Database, people: People, case: cases.CaseDetail, action: str) -> None:
    c, v = case.case.id, case.case.version
    if action == "decide":
        cases.set_factor_decision(db, people.staff, c, v, 1, "6", "again")
    elif action == "record":
        cases.record_panel_outcome(
            db, people.lead, c, v, SAT_ON, [people.management2.user_id, people.staff2.user_id]
        )
    elif action == "check":
        cases.consistency_check(db, people.checker, c, v, "approved")
    elif action == "notify":
        cases.notify(db, people.lead, c, v)
    elif action == "close":
        cases.close(db, people.lead, c, v, "abandon")


WRONG_TRANSITIONS = [
    ("draft", "check", r"cannot record a consistency check: case \d+ is draft"),
    ("draft", "notify", r"cannot record the notification: case \d+ is draft"),
    ("recorded", "decide", "is outcome-recorded; that needs a case that is draft or returned"),
    ("recorded", "record", r"cannot record a panel outcome: case \d+ is outcome-recorded"),
    ("recorded", "notify", "is outcome-recorded; that needs a case that is confirmed"),
    ("recorded", "close", r"cannot close the case: case \d+ is outcome-recorded"),
    ("confirmed", "record", "is confirmed; .* Allowed now: record the notification$"),
    ("confirmed", "check", r"cannot record a consistency check: case \d+ is confirmed"),
    ("confirmed", "close", "confirmed but not notified; record the notification before"),
    ("notified", "notify", "was already notified on 2026-10-05"),
    ("notified", "decide", r"is confirmed; .* Allowed now: request a review, close the case$"),
    ("closed", "decide", r"is closed; .* Allowed now: nothing \(the case is closed\)"),
    ("closed", "close", r"cannot close the case: case \d+ is closed"),
    ("closed", "record", r"cannot record a panel outcome: case \d+ is closed"),
]


def _cases_at_every_status(db: Database, people: People) -> dict[str, cases.CaseDetail]:
    closed = notified(db, people)
    return {
        "draft": draft(db, people),
        "recorded": recorded(db, people),
        "confirmed": confirmed(db, people),
        "notified": notified(db, people),
        "closed": cases.close(db, people.lead, closed.case.id, closed.case.version),
    }


def test_a_wrong_transition_is_refused_naming_the_status_and_what_is_allowed(
    db: Database, people: People
) -> None:
    at = _cases_at_every_status(db, people)
    events = len(audit_events(db))
    for status, action, message in WRONG_TRANSITIONS:
        with pytest.raises(RuleViolation, match=message):
            _attempt(db, people, at[status], action)
        assert cases.get_case(db, people.lead, at[status].case.id) == at[status]
    assert len(audit_events(db)) == events


def test_closing_a_draft_without_an_outcome_needs_a_reason(db: Database, people: People) -> None:
    case = draft(db, people)
    with pytest.raises(InvalidInput, match="say why the draft case is closed"):
        cases.close(db, people.lead, case.case.id, case.case.version)


def test_a_stale_version_is_a_conflict_and_changes_nothing(db: Database, people: People) -> None:
    at = _cases_at_every_status(db, people)
    tables = (t.AuditEvent, t.Panel, t.Outcome, t.ConsistencyCheck, t.FactorDecision)
    counts = [count(db, m) for m in tables]
    for action, status in [
        ("decide", "draft"),
        ("record", "draft"),
        ("check", "recorded"),
        ("notify", "confirmed"),
        ("close", "notified"),
    ]:
        case = at[status]
        stale = dataclasses.replace(
            case, case=dataclasses.replace(case.case, version=case.case.version - 1)
        )
        with pytest.raises(Conflict, match="changed by someone else"):
            _attempt(db, people, stale, action)
        assert cases.get_case(db, people.lead, case.case.id) == case
    assert [count(db, m) for m in tables] == counts
