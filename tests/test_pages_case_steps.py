"""More of the case pages: a returned outcome, hybrid and closed cases, and the form's
guards (evidence without a level, a missing CSRF token)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from bandwise.scheme.loader import load_scheme
from bandwise.services import cases, reviews, suites
from bandwise.store import tables as t
from pagekit import Web, text_of, web
from test_pages_cases import decisions, form_data
from workflowkit import LEVELS, confirmed, draft, notified, recorded

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
    assert "Hybrid form" in page.text and 'bw-cell bw-cell--profile">Profile<' in page.text
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
    summary = response.text.split('class="nhsuk-error-summary"', 1)[1].split("</div>", 1)[0]
    summary = text_of(summary)
    # the service's message, with the profile's title and the verdict in words
    assert "the job does not match profile Arts Therapist (Art, Music, Drama, Dance" in summary
    assert "(no match: Factor 3:" in summary and "arts-therapist" not in summary
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


# ---------------------------------------------------------------- review findings


def test_check_page_tells_a_panel_member_someone_else_checks(web: Web) -> None:
    case = recorded(web.db, web.people)
    cid = case.case.id
    page = web.client(web.people.management).get(f"/cases/{cid}/check")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "You sat on the panel that recorded this outcome" in text
    assert "Someone else checks this outcome" in text
    assert f'action="/cases/{cid}/check"' not in page.text
    other = web.client(web.people.checker).get(f"/cases/{cid}/check")
    assert f'action="/cases/{cid}/check"' in other.text
    # the case page offers the check to the checker, not to a panel member
    assert (
        f'href="/cases/{cid}/check"'
        not in web.client(web.people.management).get(f"/cases/{cid}").text
    )
    assert f'href="/cases/{cid}/check"' in web.client(web.people.checker).get(f"/cases/{cid}").text


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_step_without_a_version_is_refused_and_changes_nothing(
    web: Web, version: str | None
) -> None:
    """Optimistic locking must not be skipped when the form's version is missing or
    garbage: the page asks the user to reload rather than saving blindly."""
    extra = {} if version is None else {"version": version}
    p = web.people
    fresh = draft(web.db, p, levels=None)
    data = {**form_data(LEVELS, action="save"), **extra}
    response = web.client(p.management).post(f"/cases/{fresh.case.id}/form", data)
    assert response.status_code == 409 and "reload the page" in text_of(response.text)
    assert decisions(web, fresh.case.id) == {}

    ready = draft(web.db, p)
    outcome = [
        ("sat_on_day", "1"),
        ("sat_on_month", "10"),
        ("sat_on_year", "2026"),
        ("members", str(p.management.user_id)),
        ("members", str(p.staff.user_id)),
        *extra.items(),
    ]
    response = web.client(p.lead).post(f"/cases/{ready.case.id}/outcome", outcome)
    assert response.status_code == 409 and "reload the page" in text_of(response.text)
    assert cases.get_case(web.db, p.lead, ready.case.id).case.status == "draft"

    rec = recorded(web.db, p)
    response = web.client(p.checker).post(
        f"/cases/{rec.case.id}/check", {"decision": "approved", **extra}
    )
    assert response.status_code == 409 and "reload the page" in text_of(response.text)
    assert cases.get_case(web.db, p.lead, rec.case.id).case.status == "outcome-recorded"

    conf = confirmed(web.db, p)
    response = web.client(p.lead).post(f"/cases/{conf.case.id}/notification", {**extra})
    assert response.status_code == 409 and "reload the page" in text_of(response.text)
    assert cases.get_case(web.db, p.lead, conf.case.id).case.notified_at is None

    response = web.client(p.lead).post(
        f"/cases/{fresh.case.id}/close", {"reason": "not needed", **extra}
    )
    assert response.status_code == 409 and "reload the page" in text_of(response.text)
    assert cases.get_case(web.db, p.lead, fresh.case.id).case.status == "draft"


def test_range_points_read_as_alternatives_not_a_chain(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    levels = list(LEVELS)
    levels[0] = "4-6"
    factor = load_scheme().factor(1)
    a, b, c = (factor.points(lv) for lv in (4, 5, 6))
    response = web.client(web.people.management).htmx(
        f"/cases/{case.case.id}/form/preview", form_data(levels)
    )
    text = text_of(response.text)
    assert f"{a}, {b} or {c} pts" in text
    assert f"{a} to {b} to {c}" not in text and f"{a} to {b}" not in text


def _import_version_2(web: Web) -> None:
    from test_services_suites import _edited, _lower_factor_15

    imported = suites.import_suite(web.db, web.people.lead, _edited(_lower_factor_15))
    assert (imported.suite_id, imported.version) == ("arts-therapies", 2)


def test_form_and_case_page_name_the_library_version_the_result_uses(web: Web) -> None:
    case = draft(web.db, web.people)
    cid = case.case.id
    assert case.case.suite_version == 1
    _import_version_2(web)
    client = web.client(web.people.management)
    for url in (f"/cases/{cid}/form", f"/cases/{cid}"):
        page = client.get(url)
        text = text_of(page.text)
        assert "version 2" in text, url
        assert "opened against version 1" in text, url
        assert 'href="/library/profiles/arts-therapies/arts-therapist?version=2"' in page.text
        assert 'href="/library/profiles/arts-therapies/arts-therapist?version=1"' in page.text
    same = draft(web.db, web.people)
    same_page = text_of(client.get(f"/cases/{same.case.id}/form").text)
    assert "version 2" in same_page and "opened against" not in same_page


def test_profile_links_never_name_a_missing_suite(web: Web) -> None:
    case = draft(web.db, web.people)
    cid = case.case.id
    with web.db.transaction() as session:
        session.execute(update(t.Case).where(t.Case.id == cid).values(suite_id=None))
    client = web.client(web.people.management)
    for url in (f"/cases/{cid}/form", f"/cases/{cid}"):
        page = client.get(url)
        assert "/library/profiles/None" not in page.text, url
        assert 'href="/library/profiles/arts-therapies/arts-therapist?version=1"' in page.text


def test_nearest_marks_this_cases_profile_in_its_own_suite_only(web: Web) -> None:
    from test_services_suites import _edited

    suites.import_suite(web.db, web.people.lead, _edited(lambda d: None), suite_id="copy-suite")
    case = draft(web.db, web.people)
    page = web.client(web.people.viewer).get(f"/cases/{case.case.id}/nearest")
    assert page.status_code == 200
    assert 'href="/library/profiles/copy-suite/arts-therapist' in page.text
    assert page.text.count("(this case's profile)") == 1
    row = page.text.split("(this case's profile)")[0].rsplit("<tr", 1)[1]
    assert "/library/profiles/arts-therapies/arts-therapist" in row
