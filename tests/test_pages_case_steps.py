"""More of the case pages: a returned outcome, hybrid and closed cases, and the form's
guards (evidence without a level, a missing CSRF token)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bandwise.services import cases, reviews
from pagekit import Web, text_of, web
from test_pages_cases import decisions, form_data
from workflowkit import LEVELS, draft, notified, recorded

__all__ = ["web"]


def test_returned_outcome_shows_reasons_and_reopens_the_form(web: Web) -> None:
    case = recorded(web.db, web.people)
    cid = case.case.id
    checker = web.client(web.people.checker)
    response = checker.post(
        f"/cases/{cid}/check",
        {
            "decision": "returned",
            "reasons": "Factor 2 <needs> more evidence",
            "version": str(case.case.version),
        },
    )
    assert response.status_code == 303
    page = web.client(web.people.lead).get(f"/cases/{cid}")
    text = text_of(page.text)
    assert "returned" in text and "Returned to the panel" in text
    assert "Factor 2 &lt;needs&gt; more evidence" in page.text
    assert f'href="/cases/{cid}/outcome"' in page.text
    assert "Edit the matching form" in text
    form = web.client(web.people.management).get(f"/cases/{cid}/form")
    assert "Save as draft" in form.text


def test_hybrid_form_shows_the_hybrid_verdict(web: Web) -> None:
    case = draft(web.db, web.people, kind="hybrid", levels=None)
    cid = case.case.id
    client = web.client(web.people.management)
    page = client.get(f"/cases/{cid}/form")
    assert "Hybrid form" in page.text and "The profile</h3>" in page.text
    levels = list(LEVELS)
    levels[2] = "2"  # factor 3 two levels below the profile: fails the match
    text = text_of(client.htmx(f"/cases/{cid}/form/preview", form_data(levels)).text)
    assert "Verdict: hybrid" in text


def test_closed_case_form_is_read_only(web: Web) -> None:
    case = draft(web.db, web.people)
    closed = cases.close(web.db, web.people.lead, case.case.id, case.case.version, "not needed")
    client = web.client(web.people.management)
    page = client.get(f"/cases/{case.case.id}/form")
    assert page.status_code == 200
    assert "Save as draft" not in page.text and "can no longer be changed" in page.text
    data = form_data(LEVELS, action="save", version=str(closed.case.version))
    data["levels_1"] = "5"
    response = client.post(f"/cases/{case.case.id}/form", data)
    assert response.status_code == 422
    assert "cannot change the factor decisions" in text_of(response.text)


def test_evidence_without_a_level_is_not_lost(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    levels = list(LEVELS)
    levels[4] = ""
    data = form_data(levels, {5: "why factor 5 is hard"}, action="save")
    data["version"] = str(case.case.version)
    response = web.client(web.people.management).post(f"/cases/{case.case.id}/form", data)
    assert response.status_code == 422
    assert "Factor 5 has evidence but no level" in response.text
    assert "why factor 5 is hard" in response.text
    assert decisions(web, case.case.id) == {}


def test_post_without_csrf_token_is_refused(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    client = web.client(web.people.management)
    data: dict[str, Any] = form_data(LEVELS, action="save", version=str(case.case.version))
    data["csrf_token"] = "wrong"
    response = client.post(f"/cases/{case.case.id}/form", data)
    assert response.status_code == 403
    assert decisions(web, case.case.id) == {}


def test_viewer_may_try_levels_in_the_preview(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    response = web.client(web.people.viewer).htmx(
        f"/cases/{case.case.id}/form/preview", form_data(LEVELS)
    )
    assert response.status_code == 200 and '<span id="live-total">475</span>' in response.text


def test_a_failing_match_is_not_recorded(web: Web) -> None:
    levels = list(LEVELS)
    levels[2] = "2"
    case = draft(web.db, web.people, levels=levels)
    p = web.people
    data = [
        ("sat_on_day", "1"),
        ("sat_on_month", "10"),
        ("sat_on_year", "2026"),
        ("version", str(case.case.version)),
        ("members", str(p.management.user_id)),
        ("members", str(p.staff.user_id)),
    ]
    client = web.client(p.lead)
    page = client.get(f"/cases/{case.case.id}/outcome")
    assert "no match" in text_of(page.text)
    response = client.post(f"/cases/{case.case.id}/outcome", data)
    assert response.status_code == 422
    assert "the job does not match profile arts-therapist" in text_of(response.text)
    assert 'value="2026"' in response.text


def test_nearest_can_show_more(web: Web) -> None:
    case = draft(web.db, web.people)
    client = web.client(web.people.viewer)
    page = client.get(f"/cases/{case.case.id}/nearest")
    assert f'href="/cases/{case.case.id}/nearest?top=10"' in page.text
    assert client.get(f"/cases/{case.case.id}/nearest?top=99").status_code == 422


def test_case_page_links_its_review(web: Web) -> None:
    case = notified(web.db, web.people)
    review = reviews.request_review(
        web.db,
        web.people.lead,
        case.case.id,
        case.case.version,
        "The jobholder",
        dt.date(2026, 10, 20),
        [2],
        "My training is higher",
    )
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}")
    assert f'href="/reviews/{review.id}"' in page.text
    assert "Decide or withdraw the review" in page.text
    assert "review requested" in text_of(page.text)
