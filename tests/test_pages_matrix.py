"""Every page, for every role: a guard that no page fails (5xx) with real records, that
each has one h1 and a title, that every form that posts carries the CSRF token, that an
anonymous browser is sent to sign in, and that another organisation's records are 404.

Pages are found from the app's routes, so a new page is covered without a new row; its
path parameters must be named in :data:`SAMPLE` below (the test says so when one is not).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from bandwise.services import documents, letters, reviews
from dbfixtures import make_people
from pagekit import NOT_HTML, Web, page_paths
from workflowkit import notified

#: Path parameter -> how to get a real value from the records made below.
SAMPLE: dict[str, str] = {
    "case_id": "case",
    "job_id": "job",
    "document_id": "document",
    "review_id": "review",
    "user_id": "user",
    "suite_id": "suite",
    "profile_id": "profile",
    "token_id": "token",
    "quarter": "quarter",
    "letter_id": "letter",
    "kind": "kind",
    "rule_set_id": "rule_set",
    "version": "rule_set_version",
}
ANONYMOUS_ALLOWED = {"/sign-in"}


def page_routes(web: Web) -> list[str]:
    paths = page_paths(web.app)
    # a guard on the guard: the walk must find the pages (it once found none)
    assert len(paths) >= 30 and "/cases/{case_id}/form" in paths, paths
    return paths


def records(web: Web) -> dict[str, Any]:
    people = web.people
    case = notified(web.db, people)
    doc = documents.add_document(
        web.db,
        people.lead,
        case.case.job_id,
        "job-description",
        "job description.txt",
        b"The postholder provides art therapy to adults.",
        "text/plain",
    )
    review = reviews.request_review(
        web.db,
        people.lead,
        case.case.id,
        case.case.version,
        "The jobholder",
        dt.date(2026, 10, 20),
        [2],
        "Factor 2 should be at a higher level",
    )
    (letter,) = letters.produce_outcome_letters(web.db, people.lead, case.case.id)
    return {
        "letter": letter.id,
        "kind": "outcome-jobholder",
        "case": case.case.id,
        "job": case.case.job_id,
        "document": doc.id,
        "review": review.id,
        "user": people.staff.user_id,
        "suite": "arts-therapies",
        "profile": "arts-therapist",
        "token": 1,
        "quarter": "2026-Q3",
        "rule_set": "local-trust-a",
        "rule_set_version": 1,
    }


def fill(path: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        assert name in SAMPLE, f"add a sample value for path parameter {name!r} of {path}"
        return str(values[SAMPLE[name]])

    return re.sub(r"\{([^}]+)\}", value, path)


@pytest.fixture
def pages(web: Web) -> tuple[list[str], dict[str, Any]]:
    return page_routes(web), records(web)


ROLES = ["admin", "lead", "management", "staff", "checker", "viewer"]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_fails_for_any_role(
    web: Web, pages: tuple[list[str], dict[str, Any]], role: str
) -> None:
    paths, values = pages
    browser = web.client(getattr(web.people, role))
    problems = []
    for path in paths:
        url = fill(path, values)
        response = browser.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code != 200 or NOT_HTML.search(path):
            continue
        if not response.headers["content-type"].startswith("text/html"):
            continue
        html = response.text
        if html.count("<h1") != 1:
            problems.append(f"{url}: {html.count('<h1')} h1 elements")
        if "<title>" not in html:
            problems.append(f"{url}: no title")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S | re.I):
            opening = form.split(">", 1)[0].lower()
            if 'method="post"' in opening and 'name="csrf_token"' not in form:
                problems.append(f"{url}: a POST form without the CSRF token: {opening}")
    assert not problems, "\n".join(problems)


def test_every_page_but_sign_in_sends_an_anonymous_browser_to_sign_in(
    web: Web, pages: tuple[list[str], dict[str, Any]]
) -> None:
    paths, values = pages
    client = web.anonymous()
    for path in paths:
        url = fill(path, values)
        response = client.get(url)
        if path in ANONYMOUS_ALLOWED:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/sign-in?next="), url


def test_another_organisations_records_are_not_found(
    web: Web, pages: tuple[list[str], dict[str, Any]]
) -> None:
    paths, values = pages
    outsider = web.client(make_people(web.db, "trust-b").admin)
    for path in paths:
        if not any(f"{{{name}" in path for name in ("case_id", "job_id", "document_id")):
            continue
        url = fill(path, values)
        response = outsider.get(url)
        assert response.status_code == 404, f"{url}: {response.status_code}"


def test_no_form_post_is_accepted_without_the_csrf_token(
    web: Web, pages: tuple[list[str], dict[str, Any]]
) -> None:
    from bandwise.store import tables as t
    from workflowkit import count

    _, values = pages
    posts = [p for p in page_paths(web.app, "POST") if p != "/sign-in"]
    assert len(posts) >= 20, posts
    browser = web.client(web.people.admin)
    events = count(web.db, t.AuditEvent)
    for path in posts:
        url = fill(path, values)
        response = browser.client.post(url, data={"title": "x", "level_1": "5"})
        assert response.status_code == 403, f"{url}: {response.status_code}"
    assert count(web.db, t.AuditEvent) == events  # nothing was changed or recorded


HUGE = "99999999999999999999"


def test_huge_ids_and_page_numbers_are_a_clear_page_never_a_server_error(
    web: Web, pages: tuple[list[str], dict[str, Any]]
) -> None:
    """Numbers the database cannot hold (ids, ``?page=``, ``?document=``) answer with a
    404 or 422 page, not a 500 from an overflowing query."""
    paths, values = pages
    huge = {**values, **{k: HUGE for k in ("case", "job", "document", "review", "user", "token")}}
    browser = web.client(web.people.admin)
    problems = []
    for path in paths:
        urls = [f"{fill(path, values)}?page={HUGE}&document={HUGE}"]
        if "_id}" in path and not path.endswith(("{suite_id}", "{profile_id}")):
            urls.append(fill(path, huge))
        for url in urls:
            response = browser.get(url)
            if response.status_code >= 500:
                problems.append(f"{url}: {response.status_code}")
    numbers = {k: HUGE for k in ("version", "to_version", "from_version", "document_id")}
    for path in page_paths(web.app, "POST"):
        if path in ("/sign-in", "/sign-out"):  # signing out would end the walk early
            continue
        for url in {fill(path, huge), fill(path, values)}:
            response = browser.post(url, {**numbers, "source": "document"})
            assert not response.headers.get("location", "").startswith("/sign-in"), url
            if response.status_code >= 500:
                problems.append(f"POST {url}: {response.status_code}")
    assert not problems, "\n".join(problems)
    page = browser.get(f"/cases/{HUGE}")
    assert page.status_code in (404, 422) and "text/html" in page.headers["content-type"]
    assert "There is a problem" in page.text or "not found" in page.text.lower()
