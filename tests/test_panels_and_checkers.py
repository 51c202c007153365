"""People and panels (issue 17): only a consistency checker, a capability an administrator
grants, checks outcomes; administrators and JE leads with a side sit on panels; guests
without an account sit by name, side and organisation and count for the panel's rules;
the panel's rationale is kept and shown. Service level on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from bandwise.services import accounts, cases, reviews
from bandwise.services.base import Actor, Database, InvalidInput, RuleViolation
from bandwise.services.cases import CaseDetail, Guest
from bandwise.services.matching_report import matching_report
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import SAT_ON, draft, last_audit, recorded

ANN = Guest("Ann Jones", "staff-side", "UNISON Eastern region")


def _set(db: Database, people: People, who: Actor, **changes: object) -> accounts.UserView:
    user = accounts.get_user(db, people.admin, who.user_id)
    return accounts.update_user(db, people.admin, who.user_id, user.version, dict(changes))


def _with_guest(db: Database, people: People, rationale: str = "") -> CaseDetail:
    case = draft(db, people)
    return cases.record_panel_outcome(
        db,
        people.lead,
        case.case.id,
        case.case.version,
        SAT_ON,
        [people.management.user_id],
        [ANN],
        rationale,
    )


# ---------------------------------------------------------------- consistency checkers


def test_only_a_consistency_checker_may_check_and_is_told_to_ask_an_administrator(
    db: Database, people: People
) -> None:
    case = recorded(db, people)
    _set(db, people, people.checker, consistency_checker=False)
    with pytest.raises(RuleViolation, match="ask an administrator to make you a consistency"):
        cases.consistency_check(db, people.checker, case.case.id, case.case.version, "approved")
    assert cases.awaiting_check_by(db, people.checker) == ()
    assert cases.check_refusal(case, people.checker.user_id, False).startswith(
        "you are not a consistency checker"
    )
    granted = _set(db, people, people.checker, consistency_checker=True)
    assert granted.consistency_checker
    assert [c.id for c in cases.awaiting_check_by(db, people.checker)] == [case.case.id]
    done = cases.consistency_check(db, people.checker, case.case.id, case.case.version, "approved")
    assert done.case.status == "confirmed"


def test_granting_the_capability_is_audited_and_an_administrator_needs_it_too(
    db: Database, people: People
) -> None:
    _set(db, people, people.admin, consistency_checker=False)
    event = last_audit(db)
    assert event.action == "user.updated"
    assert (event.before or {})["consistency_checker"] is True
    assert (event.after or {})["consistency_checker"] is False
    case = recorded(db, people)
    with pytest.raises(RuleViolation, match="not a consistency checker"):
        cases.consistency_check(db, people.admin, case.case.id, case.case.version, "approved")


def test_a_viewer_cannot_be_made_a_consistency_checker_and_a_new_viewer_loses_it(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput, match="a viewer cannot check outcomes") as refused:
        _set(db, people, people.viewer, consistency_checker=True)
    assert refused.value.field == "consistency_checker"
    now_viewer = _set(db, people, people.checker, role="viewer", side=None)
    assert not now_viewer.consistency_checker
    created, _ = accounts.create_user(
        db, people.admin, "c@trust-a.nhs.example", "Cara", "je-lead", None, checker=True
    )
    assert created.consistency_checker


def test_the_checker_rule_still_refuses_a_checker_who_sat_on_the_panel(
    db: Database, people: People
) -> None:
    case = recorded(db, people)
    with pytest.raises(RuleViolation, match="you sat on the panel"):
        cases.consistency_check(db, people.staff, case.case.id, case.case.version, "approved")


# ---------------------------------------------------------------- who sits on a panel


def test_an_admin_or_je_lead_with_a_side_may_sit_on_a_panel(db: Database, people: People) -> None:
    _set(db, people, people.lead, side="staff-side")
    _set(db, people, people.admin, side="management")
    case = draft(db, people)
    done = cases.record_panel_outcome(
        db,
        people.management2,
        case.case.id,
        case.case.version,
        SAT_ON,
        [people.admin.user_id, people.lead.user_id],
    )
    assert done.outcome is not None and done.outcome.panel is not None
    assert [m.text for m in done.outcome.panel.members] == [
        "Admin (management side)",
        "Lead (staff side)",
    ]


def test_a_viewer_does_not_sit_on_a_panel_even_with_a_side(db: Database, people: People) -> None:
    _set(db, people, people.viewer, side="staff-side")
    case = draft(db, people)
    with pytest.raises(RuleViolation, match="Viewer is a viewer; a viewer does not sit on panels"):
        cases.record_panel_outcome(
            db,
            people.lead,
            case.case.id,
            case.case.version,
            SAT_ON,
            [people.management.user_id, people.viewer.user_id],
        )


# ---------------------------------------------------------------- guests


def test_a_guest_counts_for_the_side_of_a_panel_and_is_shown_as_a_guest(
    db: Database, people: People
) -> None:
    done = _with_guest(db, people)
    assert done.outcome is not None and done.outcome.panel is not None
    guest = done.outcome.panel.members[1]
    assert (guest.user_id, guest.guest, guest.organisation) == (None, True, ANN.organisation)
    assert guest.text == "Ann Jones (staff side, guest from UNISON Eastern region)"
    event = last_audit(db)
    assert (event.after or {})["members"] == [
        {"user_id": people.management.user_id, "name": "Management", "side": "management"},
        {"guest": "Ann Jones", "organisation": "UNISON Eastern region", "side": "staff-side"},
    ]


def test_a_panel_of_one_side_is_refused_even_with_guests_of_that_side(
    db: Database, people: People
) -> None:
    case = draft(db, people)
    with pytest.raises(RuleViolation, match="this panel has no staff-side member"):
        cases.record_panel_outcome(
            db,
            people.lead,
            case.case.id,
            case.case.version,
            SAT_ON,
            [people.management.user_id],
            [Guest("Bob Hale", "management", "")],
        )


@pytest.mark.parametrize(
    ("guests", "message"),
    [
        ([Guest("", "staff-side", "UNISON")], "guest 1's name is empty"),
        ([Guest("Ann Jones", "", "UNISON")], "say which side Ann Jones"),
        ([ANN, Guest(" ann  JONES ", "staff-side", "unison eastern REGION")], "named twice"),
        ([Guest("Ann\x1bJones", "staff-side", "")], "control characters"),
    ],
)
def test_a_guest_needs_a_name_and_a_side_and_is_named_once(
    db: Database, people: People, guests: list[Guest], message: str
) -> None:
    case = draft(db, people)
    with pytest.raises(InvalidInput, match=message):
        cases.record_panel_outcome(
            db,
            people.lead,
            case.case.id,
            case.case.version,
            SAT_ON,
            [people.management.user_id],
            guests,
        )


def test_a_guest_on_the_panel_does_not_bar_any_account_from_checking(
    db: Database, people: People
) -> None:
    done = _with_guest(db, people)
    assert cases.check_refusal(done, people.checker.user_id, True) == ""
    checked = cases.consistency_check(
        db, people.checker, done.case.id, done.case.version, "approved"
    )
    assert checked.case.status == "confirmed"


def test_a_review_panel_compares_guests_by_name_and_organisation(
    db: Database, people: People
) -> None:
    done = _with_guest(db, people)  # the original panel: Management and Ann Jones (guest)
    done = cases.consistency_check(db, people.checker, done.case.id, done.case.version, "approved")
    done = cases.notify(db, people.lead, done.case.id, done.case.version, dt.date(2026, 5, 15))
    review = reviews.request_review(
        db,
        people.lead,
        done.case.id,
        done.case.version,
        "A. Jobholder",
        dt.date(2026, 6, 1),
        [3],
        "more planning",
    )
    assert review.review_case_id is not None
    rid = review.review_case_id

    def sit(members: list[int], guests: list[Guest]) -> CaseDetail:
        version = cases.get_case(db, people.lead, rid).case.version
        return cases.record_panel_outcome(db, people.lead, rid, version, SAT_ON, members, guests)

    same_guest = Guest("ann jones", "staff-side", "UNISON  Eastern Region")
    with pytest.raises(RuleViolation, match=r"1 of its 2 members \(ann jones\) sat on the orig"):
        sit([people.management2.user_id], [same_guest])
    other_guest = Guest("Ann Jones", "staff-side", "GMB")  # same name, another organisation
    assert sit([people.management2.user_id], [other_guest]).case.status == "outcome-recorded"


# ---------------------------------------------------------------- rationale


def test_the_rationale_is_kept_and_shown_on_the_matching_report(
    db: Database, people: People
) -> None:
    done = _with_guest(db, people, "  Agreed level 6 on factor 1: the post leads a service.\n")
    assert done.outcome is not None
    assert done.outcome.rationale == "Agreed level 6 on factor 1: the post leads a service."
    assert (last_audit(db).after or {})["rationale"] == done.outcome.rationale
    report = matching_report(db, people.viewer, done.case.id)
    assert report.rationale == done.outcome.rationale
    data = report.to_json()
    assert data["rationale"] == done.outcome.rationale
    assert data["panel"]["members"][1] == {
        "user_id": None,
        "name": "Ann Jones",
        "side": "staff-side",
        "organisation": "UNISON Eastern region",
    }


def test_a_rationale_longer_than_4000_characters_is_refused(db: Database, people: People) -> None:
    case = draft(db, people)
    with pytest.raises(InvalidInput, match="4,001 characters long; at most 4,000") as refused:
        cases.record_panel_outcome(
            db,
            people.lead,
            case.case.id,
            case.case.version,
            SAT_ON,
            [people.management.user_id, people.staff.user_id],
            (),
            "x" * 4001,
        )
    assert refused.value.field == "rationale"
    with db.reading() as session:
        assert session.query(t.Outcome).count() == 0
