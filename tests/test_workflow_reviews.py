"""Reviews: the three-month deadline, the admin override, the mostly-new review panel,
deciding and withdrawing; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bandwise.services import cases, reviews
from bandwise.services.base import (
    Conflict,
    Database,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from bandwise.services.cases import CaseDetail
from bandwise.services.reviews import ReviewView, add_months, review_deadline
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import SAT_ON, audit_events, confirmed, count, last_audit, notified

NOTIFIED = dt.date(2026, 5, 15)


def _request(
    db: Database,
    people: People,
    case: CaseDetail,
    on: dt.date,
    override: str | None = None,
    actor: str = "lead",
) -> ReviewView:
    return reviews.request_review(
        db,
        getattr(people, actor),
        case.case.id,
        case.case.version,
        "A. Jobholder",
        on,
        [15, 3, 15],
        "my job needs more planning",
        override,
    )


def _review_panel(
    db: Database, people: People, review: ReviewView, members: list[str]
) -> CaseDetail:
    assert review.review_case_id is not None
    case = cases.get_case(db, people.lead, review.review_case_id)
    return cases.record_panel_outcome(
        db,
        people.lead,
        case.case.id,
        case.case.version,
        SAT_ON + dt.timedelta(days=30),
        [getattr(people, m).user_id for m in members],
    )


def _version(db: Database, people: People, case_id: int) -> int:
    return cases.get_case(db, people.lead, case_id).case.version


@pytest.mark.parametrize(
    ("notified_on", "deadline"),
    [
        (dt.date(2026, 5, 15), dt.date(2026, 8, 15)),
        (dt.date(2025, 11, 30), dt.date(2026, 2, 28)),
        (dt.date(2023, 11, 30), dt.date(2024, 2, 29)),
        (dt.date(2026, 8, 31), dt.date(2026, 11, 30)),
        (dt.date(2025, 10, 31), dt.date(2026, 1, 31)),
    ],
)
def test_the_review_deadline_is_three_calendar_months_clamped_to_the_month_end(
    notified_on: dt.date, deadline: dt.date
) -> None:
    assert review_deadline(notified_on) == deadline
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_a_review_requested_in_time_opens_a_review_case_from_the_original_decisions(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 8, 15))  # exactly three months
    assert (review.status, review.disputed_factors, review.late_override_by) == (
        "open",
        (3, 15),
        None,
    )
    original = cases.get_case(db, people.lead, case.case.id)
    assert original.case.status == "review-requested"
    assert original.actions == ("decide the review", "withdraw the review")
    assert review.review_case_id is not None
    review_case = cases.get_case(db, people.lead, review.review_case_id)
    assert (review_case.case.kind, review_case.case.status, review_case.case.parent_case_id) == (
        "review",
        "draft",
        case.case.id,
    )
    assert review_case.case.profile_id == "arts-therapist"
    assert [(d.factor, d.levels, d.evidence) for d in review_case.decisions] == [
        (d.factor, d.levels, d.evidence) for d in case.decisions
    ]
    preview = cases.compute_preview(db, people.lead, review_case.case.id)
    assert preview.mode == "match" and preview.json is not None
    event = last_audit(db)
    assert (event.action, event.entity_id) == ("review.requested", case.case.id)
    assert event.after is not None
    assert (event.after["deadline"], event.after["late"], event.after["status"]) == (
        "2026-08-15",
        False,
        "review-requested",
    )
    assert reviews.list_reviews(db, people.viewer, case_id=case.case.id) == (review,)


def test_a_request_one_day_late_is_refused_with_the_dates(db: Database, people: People) -> None:
    case = notified(db, people, on=NOTIFIED)
    with pytest.raises(RuleViolation) as refused:
        _request(db, people, case, dt.date(2026, 8, 16))
    assert refused.value.message == (
        "the review request was made on 16 August 2026, more than 3 months after notification "
        "on 15 May 2026; the deadline was 15 August 2026. An admin may accept it late, giving "
        "a reason"
    )
    assert (count(db, t.ReviewRequest), count(db, t.Case)) == (0, 1)
    assert cases.get_case(db, people.lead, case.case.id).case == case.case


def test_a_notification_on_30_november_may_be_reviewed_until_the_end_of_february(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=dt.date(2025, 11, 30))
    with pytest.raises(RuleViolation, match="the deadline was 28 February 2026"):
        _request(db, people, case, dt.date(2026, 3, 1))
    assert _request(db, people, case, dt.date(2026, 2, 28)).status == "open"


def test_an_admin_may_accept_a_late_request_with_a_reason_recorded_in_the_audit(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    with pytest.raises(Forbidden, match="may not override"):
        _request(
            db,
            people,
            case,
            dt.date(2026, 9, 1),
            override="jobholder was in hospital",
            actor="lead",
        )
    review = _request(
        db, people, case, dt.date(2026, 9, 1), override="jobholder was in hospital", actor="admin"
    )
    assert (review.late_override_by, review.late_override_reason) == (
        people.admin.user_id,
        "jobholder was in hospital",
    )
    event = last_audit(db)
    assert event.user_id == people.admin.user_id and event.after is not None
    assert (
        event.after["late"],
        event.after["late_override_by"],
        event.after["late_override_reason"],
    ) == (True, people.admin.user_id, "jobholder was in hospital")


def test_an_override_on_a_request_in_time_is_not_recorded(db: Database, people: People) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 6, 1), override="not needed")
    assert (review.late_override_by, review.late_override_reason) == (None, None)


def test_a_review_needs_a_confirmed_and_notified_outcome(db: Database, people: People) -> None:
    case = confirmed(db, people)
    with pytest.raises(RuleViolation, match="has not been notified"):
        _request(db, people, case, dt.date(2026, 11, 1))
    draft_case = cases.get_case(db, people.lead, case.case.id)
    assert draft_case.case.status == "confirmed"


def test_a_review_request_must_name_the_jobholder_the_disputed_factors_and_the_grounds(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    for field, value, message in [
        ("grounds", " ", "must say where the jobholder disagrees"),
        ("disputed", [], "name the factor"),
        ("disputed", [0, 4], "factor 0 does not exist"),
        ("requested_by", "", "name who requests"),
        ("requested_on", dt.date(2026, 5, 1), "before the outcome was notified on 15 May 2026"),
    ]:
        args: dict[str, Any] = {
            "requested_by": "A. Jobholder",
            "requested_on": dt.date(2026, 6, 1),
            "disputed": [3],
            "grounds": "more planning",
            field: value,
        }
        with pytest.raises(InvalidInput, match=message):
            reviews.request_review(
                db,
                people.lead,
                case.case.id,
                case.case.version,
                args["requested_by"],
                args["requested_on"],
                args["disputed"],
                args["grounds"],
            )
    assert count(db, t.ReviewRequest) == 0


def test_most_of_a_review_panel_must_differ_from_the_original_panel(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)  # the original panel: Management and Staff
    review = _request(db, people, case, dt.date(2026, 6, 1))
    for members, refused in [
        (["management", "staff2"], r"1 of its 2 members \(Management\) sat on the original"),
        (["management", "staff", "management2", "staff2"], "2 of its 4 members"),
        (["staff", "management"], "at most 0 of 2 may"),
    ]:
        with pytest.raises(RuleViolation, match=refused):
            _review_panel(db, people, review, members)
    assert count(db, t.Outcome) == 1  # only the original's
    recorded = _review_panel(db, people, review, ["management", "staff2", "management2"])
    assert recorded.case.status == "outcome-recorded"


def test_a_review_is_decided_once_its_outcome_is_confirmed_and_closes_the_original(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 6, 1))
    assert review.review_case_id is not None
    with pytest.raises(RuleViolation, match=r"review case \d+ is draft; the review panel"):
        reviews.decide_review(
            db, people.lead, review.id, _version(db, people, case.case.id), "upheld"
        )
    review_case = cases.set_factor_decision(
        db, people.staff2, review.review_case_id, 1, 15, "4", "reviewed: unchanged"
    )
    review_case = _review_panel(db, people, review, ["management2", "staff2"])
    with pytest.raises(RuleViolation, match="you sat on the panel"):
        cases.consistency_check(
            db, people.staff2, review_case.case.id, review_case.case.version, "approved"
        )
    review_case = cases.consistency_check(
        db, people.checker, review_case.case.id, review_case.case.version, "approved"
    )
    assert review_case.actions == (
        "record the notification",
        "decide the review",
        "withdraw the review",
    )
    with pytest.raises(RuleViolation, match=r"is open: decide it \(or withdraw it\) rather"):
        cases.close(db, people.lead, review_case.case.id, review_case.case.version)
    with pytest.raises(InvalidInput, match="'upheld' or 'not-upheld'"):
        reviews.decide_review(db, people.lead, review.id, 1, "rejected")
    with pytest.raises(Conflict):
        reviews.decide_review(db, people.lead, review.id, 1, "not-upheld")
    events = len(audit_events(db))
    decided = reviews.decide_review(
        db, people.lead, review.id, _version(db, people, case.case.id), "not-upheld"
    )
    assert decided.status == "not-upheld" and decided.decided_at is not None
    assert len(audit_events(db)) == events + 1
    assert last_audit(db).before == {
        "case_id": case.case.id,
        "status": "review-requested",
        "version": case.case.version + 1,
        "review_status": "open",
    }
    assert cases.get_case(db, people.lead, case.case.id).case.status == "closed"
    with pytest.raises(RuleViolation, match="already not-upheld"):
        reviews.decide_review(db, people.lead, review.id, None, "upheld")
    review_case = cases.notify(db, people.lead, review_case.case.id, review_case.case.version)
    closed = cases.close(db, people.lead, review_case.case.id, review_case.case.version)
    assert closed.case.status == "closed"


def test_a_withdrawn_review_closes_the_review_case_and_confirms_the_original_again(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 6, 1))
    assert review.review_case_id is not None
    withdrawn = reviews.withdraw_review(
        db, people.lead, review.id, _version(db, people, case.case.id), "understood"
    )
    assert withdrawn.status == "withdrawn"
    assert cases.get_case(db, people.lead, review.review_case_id).case.status == "closed"
    original = cases.get_case(db, people.lead, case.case.id)
    assert original.case.status == "confirmed"
    assert last_audit(db).after == {
        "case_id": case.case.id,
        "status": "confirmed",
        "version": original.case.version,
        "review_status": "withdrawn",
        "reason": "understood",
        "review_case_id": review.review_case_id,
    }
    with pytest.raises(RuleViolation, match="already withdrawn"):
        reviews.withdraw_review(db, people.lead, review.id, None)
    again = _request(db, people, original, dt.date(2026, 7, 1))  # still within the window
    assert again.status == "open"


def test_a_review_case_cannot_itself_be_reviewed(db: Database, people: People) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 6, 1))
    assert review.review_case_id is not None
    review_case = cases.get_case(db, people.lead, review.review_case_id)
    with pytest.raises(RuleViolation, match="cannot itself be reviewed"):
        _request(db, people, review_case, dt.date(2026, 6, 2))
    with pytest.raises(
        RuleViolation, match=r"cannot request a review: case \d+ is review-requested"
    ):
        _request(db, people, cases.get_case(db, people.lead, case.case.id), dt.date(2026, 6, 2))
    with pytest.raises(RuleViolation, match=f"review request {review.id} is open"):
        cases.close(db, people.lead, review_case.case.id, review_case.case.version, "abandon")


def test_another_organisation_cannot_see_or_change_reviews(
    db: Database, people: People, other_people: People
) -> None:
    case = notified(db, people, on=NOTIFIED)
    review = _request(db, people, case, dt.date(2026, 6, 1))
    other = other_people.admin
    with pytest.raises(NotFound):
        reviews.get_review(db, other, review.id)
    with pytest.raises(NotFound):
        reviews.decide_review(db, other, review.id, None, "upheld")
    with pytest.raises(NotFound):
        reviews.withdraw_review(db, other, review.id, None)
    with pytest.raises(NotFound):
        reviews.request_review(db, other, case.case.id, None, "X", dt.date(2026, 6, 1), [1], "g")
    assert reviews.list_reviews(db, other) == ()
    with pytest.raises(Forbidden):
        reviews.withdraw_review(db, people.viewer, review.id, None)
    assert reviews.get_review(db, people.viewer, review.id) == review
