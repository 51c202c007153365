"""The review pages: requesting a review of a notified case (and why an un-notified one
cannot be), the list, deciding and withdrawing through the forms, who may do what, and
another organisation's reviews are not found."""

from __future__ import annotations

import datetime as dt
import html
import re

from bandwise.services import cases, reviews
from bandwise.services.reviews import ReviewView
from dbfixtures import make_people
from pagekit import Web, text_of
from workflowkit import SAT_ON, confirmed, draft, last_audit, notified

NOTIFIED = dt.date(2026, 10, 5)


def words(page: str) -> str:
    return html.unescape(text_of(page))


def _form(version: int, **extra: object) -> list[tuple[str, object]]:
    data: list[tuple[str, object]] = [
        ("version", version),
        ("requested_by", "A. Jobholder <b>"),
        ("requested_on[day]", "20"),
        ("requested_on[month]", "10"),
        ("requested_on[year]", "2026"),
        ("disputed_factors", "3"),
        ("disputed_factors", "15"),
        ("grounds", "My job needs more planning than the profile says."),
    ]
    data += list(extra.items())
    return data


def _requested(web: Web) -> ReviewView:
    case = notified(web.db, web.people, on=NOTIFIED)
    return reviews.request_review(
        web.db,
        web.people.lead,
        case.case.id,
        case.case.version,
        "A. Jobholder",
        dt.date(2026, 10, 20),
        [3],
        "planning",
    )


def test_request_form_lists_the_factors_and_the_deadline(web: Web) -> None:
    case = notified(web.db, web.people, on=NOTIFIED)
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/review/new")
    assert page.status_code == 200
    text = words(page.text)
    assert "notified on 5 October 2026" in text and "until 5 January 2027" in text
    assert "15. Emotional effort" in text and 'name="disputed_factors"' in page.text
    assert 'name="requested_on[day]"' in page.text and 'name="requested_on[year]"' in page.text


def test_a_review_is_requested_on_a_notified_case(web: Web) -> None:
    case = notified(web.db, web.people, on=NOTIFIED)
    client = web.client(web.people.lead)
    sent = client.post(f"/cases/{case.case.id}/review/new", _form(case.case.version))
    assert sent.status_code == 303
    (review,) = reviews.list_reviews(web.db, web.people.lead)
    assert sent.headers["location"] == f"/reviews/{review.id}?done=requested"
    assert (review.disputed_factors, review.requested_on) == ((3, 15), dt.date(2026, 10, 20))
    assert last_audit(web.db).action == "review.requested"
    page = client.get(sent.headers["location"])
    text = words(page.text)
    assert "A. Jobholder &lt;b&gt;" in page.text and "A. Jobholder <b>" not in page.text
    assert "3. Analytical and judgemental skills" in text
    assert "15. Emotional effort" in text
    assert "Arts Therapist: review" in text and "5 January 2027" in text  # the review case
    assert f"Case {review.review_case_id}" not in text  # named, never numbered
    listing = words(client.get("/reviews?status=open").text)
    assert f'href="/reviews/{review.id}"' in client.get("/reviews?status=open").text
    assert "Arts Therapist" in listing  # the review named by its job's title
    assert "A. Jobholder" in listing
    assert "There are no withdrawn" in words(client.get("/reviews?status=withdrawn").text)


def test_an_un_notified_case_is_refused_with_a_clear_message(web: Web) -> None:
    case = confirmed(web.db, web.people)
    client = web.client(web.people.lead)
    page = client.get(f"/cases/{case.case.id}/review/new")
    assert "has not been notified yet" in words(page.text)
    assert 'name="grounds"' not in page.text
    sent = client.post(f"/cases/{case.case.id}/review/new", _form(case.case.version))
    assert sent.status_code == 422
    text = words(sent.text)
    assert "There is a problem" in text
    assert "its outcome has not been notified" in text
    assert reviews.list_reviews(web.db, web.people.lead) == ()


def test_missing_answers_and_a_late_request_show_in_the_error_summary(web: Web) -> None:
    case = notified(web.db, web.people, on=dt.date(2026, 5, 15))
    client = web.client(web.people.lead)
    data = [(k, v) for k, v in _form(case.case.version) if k != "disputed_factors"]
    sent = client.post(f"/cases/{case.case.id}/review/new", data)
    assert sent.status_code == 422
    assert "name the factor(s) the jobholder disputes" in words(sent.text)
    assert 'href="#disputed_factors"' in sent.text
    late = _form(case.case.version)  # 20 October: the deadline was 15 August
    sent = client.post(f"/cases/{case.case.id}/review/new", late)
    assert sent.status_code == 422 and "An admin may accept it late" in words(sent.text)
    bad_day = [(k, "31" if k == "requested_on[day]" else v) for k, v in _form(case.case.version)]
    bad_day = [(k, "2" if k == "requested_on[month]" else v) for k, v in bad_day]
    sent = client.post(f"/cases/{case.case.id}/review/new", bad_day)
    assert sent.status_code == 422 and "must be a real date" in words(sent.text)
    assert reviews.list_reviews(web.db, web.people.lead) == ()
    admin = web.client(web.people.admin)
    assert "Reason to accept a late request" in admin.get(f"/cases/{case.case.id}/review/new").text
    late.append(("late_override_reason", "the jobholder was on long-term sick leave"))
    sent = admin.post(f"/cases/{case.case.id}/review/new", late)
    assert sent.status_code == 303
    (review,) = reviews.list_reviews(web.db, web.people.lead)
    assert review.late_override_reason == "the jobholder was on long-term sick leave"
    page = words(admin.get(f"/reviews/{review.id}").text)
    assert "long-term sick leave (accepted by Admin)" in page and "Recorded by Admin" in page


def _confirm_review_case(web: Web, review: ReviewView) -> None:
    assert review.review_case_id is not None
    case = cases.get_case(web.db, web.people.lead, review.review_case_id)
    case = cases.record_panel_outcome(
        web.db,
        web.people.lead,
        case.case.id,
        case.case.version,
        SAT_ON + dt.timedelta(days=30),
        [web.people.management2.user_id, web.people.staff2.user_id],
    )
    cases.consistency_check(web.db, web.people.checker, case.case.id, case.case.version, "approved")


def test_a_review_is_decided_once_its_review_case_is_confirmed(web: Web) -> None:
    review = _requested(web)
    client = web.client(web.people.lead)
    page = client.get(f"/reviews/{review.id}")
    assert "once the review panel's outcome" in words(page.text)
    assert f'action="/reviews/{review.id}/decision"' not in page.text
    _confirm_review_case(web, review)
    page = client.get(f"/reviews/{review.id}")
    assert f'action="/reviews/{review.id}/decision"' in page.text
    version = cases.get_case(web.db, web.people.lead, review.case_id).case.version
    sent = client.post(f"/reviews/{review.id}/decision", {"version": version})
    assert sent.status_code == 422
    assert "the decision is 'upheld' or 'not-upheld'" in words(sent.text)
    assert 'href="#decision"' in sent.text
    stale = client.post(
        f"/reviews/{review.id}/decision", {"version": version - 1, "decision": "upheld"}
    )
    assert stale.status_code == 409
    assert re.search(r'value="upheld"\s+checked', stale.text)  # the choice is kept
    sent = client.post(
        f"/reviews/{review.id}/decision", {"version": version, "decision": "not-upheld"}
    )
    assert sent.status_code == 303
    assert reviews.get_review(web.db, web.people.lead, review.id).status == "not-upheld"
    assert last_audit(web.db).action == "review.decided"
    page = client.get(sent.headers["location"])
    assert "original case closed" in words(page.text) and "not upheld" in words(page.text)
    assert f'action="/reviews/{review.id}/decision"' not in page.text


def test_a_review_is_withdrawn_and_a_stale_form_is_a_conflict(web: Web) -> None:
    review = _requested(web)
    client = web.client(web.people.staff)
    version = cases.get_case(web.db, web.people.lead, review.case_id).case.version
    stale = client.post(
        f"/reviews/{review.id}/withdrawal", {"version": version - 1, "reason": "typed <first>"}
    )
    assert stale.status_code == 409 and "changed by someone else" in words(stale.text)
    assert "typed &lt;first&gt;</textarea>" in stale.text  # what was typed is not lost
    sent = client.post(
        f"/reviews/{review.id}/withdrawal", {"version": version, "reason": "agreed locally"}
    )
    assert sent.status_code == 303
    assert reviews.get_review(web.db, web.people.lead, review.id).status == "withdrawn"
    event = last_audit(web.db)
    assert event.action == "review.withdrawn" and event.after is not None
    assert event.after["reason"] == "agreed locally"
    original = cases.get_case(web.db, web.people.lead, review.case_id)
    assert original.case.status == "confirmed"


def test_a_viewer_sees_no_forms_and_cannot_post(web: Web) -> None:
    review = _requested(web)
    _confirm_review_case(web, review)
    viewer = web.client(web.people.viewer)
    page = viewer.get(f"/reviews/{review.id}")
    assert page.status_code == 200 and '<form method="post" action="/reviews' not in page.text
    version = cases.get_case(web.db, web.people.lead, review.case_id).case.version
    for url, data in [
        (f"/reviews/{review.id}/decision", {"version": version, "decision": "upheld"}),
        (f"/reviews/{review.id}/withdrawal", {"version": version}),
    ]:
        sent = viewer.post(url, data)
        assert sent.status_code == 403
    assert reviews.get_review(web.db, web.people.lead, review.id).status == "open"
    case = notified(web.db, web.people, on=NOTIFIED)
    assert "Your role may not request a review" in words(
        viewer.get(f"/cases/{case.case.id}/review/new").text
    )
    sent = viewer.post(f"/cases/{case.case.id}/review/new", _form(case.case.version))
    assert sent.status_code == 403


def test_another_organisations_review_is_not_found(web: Web) -> None:
    review = _requested(web)
    other = make_people(web.db, "trust-b")
    client = web.client(other.admin)
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.get(f"/cases/{review.case_id}/review/new").status_code == 404
    sent = client.post(f"/reviews/{review.id}/withdrawal", {"version": 1})
    assert sent.status_code == 404
    assert f'href="/reviews/{review.id}"' not in client.get("/reviews").text


HUGE = "99999999999999999999"


def test_huge_numbers_in_date_boxes_are_a_422_with_the_error_summary(web: Web) -> None:
    """Every page date goes through deps.parse_date: a number too big for a date is the
    field's error, never a 500 (OverflowError) and never saved."""
    p = web.people
    lead = web.client(p.lead)
    case = notified(web.db, p, on=NOTIFIED)
    url = f"/cases/{case.case.id}/review/new"
    for day, month, year in [("20", "10", HUGE), (HUGE, "1", "2026"), ("1", "1", "1800")]:
        data = [(k, v) for k, v in _form(case.case.version) if not k.startswith("requested_on")]
        data += [("requested_on[day]", day), ("requested_on[month]", month)]
        data += [("requested_on[year]", year)]
        response = lead.post(url, data)
        assert response.status_code == 422, (day, month, year)
        assert "nhsuk-error-summary" in response.text
        assert "must be a real date between 1900 and 2100" in words(response.text)
    assert reviews.list_reviews(web.db, p.lead) == ()

    ready = draft(web.db, p)
    outcome = [
        ("sat_on_day", "1"),
        ("sat_on_month", HUGE),
        ("sat_on_year", "2026"),
        ("version", str(ready.case.version)),
        ("members", str(p.management.user_id)),
        ("members", str(p.staff.user_id)),
    ]
    response = lead.post(f"/cases/{ready.case.id}/outcome", outcome)
    assert response.status_code == 422 and "nhsuk-error-summary" in response.text
    assert "The date the panel sat must be a real date" in words(response.text)

    board = lead.get(f"/reports/board?from={HUGE}&to=2026-99999999-01")
    assert board.status_code == 422 and "nhsuk-error-summary" in board.text
