"""axe-core on every page of the app, with real records behind it: no serious or critical
WCAG 2.1 A/AA violation, one h1.

The pages are found from the app's routes (like ``tests/test_pages_matrix.py``), so a new
page is checked without a new row; its path parameters must be named in :data:`SAMPLE`.
Every route is visited as an administrator (who sees every action), with its parameters
filled from records built through the services: a case notified and under review, with
a job description on its job. Pages whose content depends on a case's status are also
visited for the other statuses (a draft's panel form, a recorded outcome's check, a
notified case's review request, an evaluation form), a draft's editable matching form as
a practitioner after a live update, and the main forms in their error state.

The routes are walked through included routers too (``pagekit.walk_routes``): with this
FastAPI, ``app.routes`` holds the included routers, not their APIRoutes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from apikit import make_app
from bandwise.services import documents, reviews
from dbfixtures import People
from pagekit import NOT_HTML, page_paths
from workflowkit import draft, notified, recorded

from .browserkit import AXE_JS, TIMEOUT_MS, BrowseAs, axe_check, shot, sign_in
from .serverkit import LiveServer

#: Path parameter -> the record (in :class:`Records`) that fills it.
SAMPLE = {
    "case_id": "case",
    "job_id": "job",
    "document_id": "document",
    "review_id": "review",
    "user_id": "user",
    "suite_id": "suite",
    "profile_id": "profile",
    "kind": "letter_kind",
}
#: Pages that answer with another status when visited without a query (by design).
STATUS = {"/library/compare": 422}  # "Choose 2 or 3 profiles to compare."


def page_routes() -> list[str]:
    """The app's GET pages (no API, no static files, no downloads)."""
    return [p for p in page_paths(make_app("sqlite://")) if not NOT_HTML.search(p)]


ROUTES = page_routes()


def people_of(server: LiveServer) -> People:
    keys = ("admin", "lead", "management", "management2", "staff", "staff2", "checker")
    actors = {key: server.user(key).actor for key in (*keys, "viewer")}
    return People(**actors, organisation_id=actors["admin"].organisation_id)


@dataclass(frozen=True)
class Records:
    case: int  # notified, then under review; its job has a document
    job: int
    document: int
    review: int
    user: int
    suite: str
    profile: str
    draft: int  # every factor decided, no outcome
    recorded: int  # outcome recorded, waiting for the check
    notified: int  # confirmed and notified, no review
    evaluation: int  # a local evaluation, half decided
    letter_kind: str = "outcome-jobholder"  # a letter template on the template editor

    def fill(self, path: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1).split(":")[0]
            assert name in SAMPLE, f"add a sample value for path parameter {name!r} of {path}"
            return str(getattr(self, SAMPLE[name]))

        return re.sub(r"\{([^}]+)\}", value, path)


@pytest.fixture(scope="module")
def records(live_server: LiveServer) -> Records:
    db, people = live_server.db, people_of(live_server)
    reviewed = notified(db, people)
    document = documents.add_document(
        db,
        people.lead,
        reviewed.case.job_id,
        "job-description",
        "job description.txt",
        b"The postholder provides art therapy to adults and children in groups.",
        "text/plain",
    )
    review = reviews.request_review(
        db,
        people.lead,
        reviewed.case.id,
        reviewed.case.version,
        "The jobholder",
        dt.date(2026, 10, 20),
        [2],
        "Factor 2 should be at a higher level",
    )
    evaluation = draft(db, people, kind="evaluation", profile=None, levels=["4"] * 8)
    return Records(
        case=reviewed.case.id,
        job=reviewed.case.job_id,
        document=document.id,
        review=review.id,
        user=people.staff.user_id,
        suite="arts-therapies",
        profile="arts-therapist",
        draft=draft(db, people).case.id,
        recorded=recorded(db, people).case.id,
        notified=notified(db, people).case.id,
        evaluation=evaluation.case.id,
    )


@pytest.fixture(scope="module")
def admin_tab(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """One signed-in administrator's tab for the whole module (signing in costs a hash)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=str(AXE_JS))  # axe on every page, parsed once per load
    tab = context.new_page()
    sign_in(tab, live_server.user("admin"))
    yield tab
    context.close()


def visit(tab: Page, url: str, name: str, status: int = 200) -> None:
    response = tab.goto(url)
    assert response is not None, url
    assert response.status == status, f"{url}: {response.status}"
    axe_check(tab, name)


def test_the_route_list_is_complete() -> None:
    """A guard on the enumeration itself: the known pages are all found."""
    for path in ("/", "/cases/{case_id}/form", "/library/import", "/exports", "/admin"):
        assert path in ROUTES, ROUTES
    assert not any(NOT_HTML.search(path) for path in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_every_page_passes_axe(admin_tab: Page, records: Records, route: str) -> None:
    visit(admin_tab, records.fill(route), route, STATUS.get(route, 200))


#: Pages in other states: (name, path with {record} fields). A draft's editable form is
#: checked as a practitioner below.
STATES = [
    ("draft-case", "/cases/{draft}"),
    ("draft-outcome-form", "/cases/{draft}/outcome"),
    ("recorded-case", "/cases/{recorded}"),
    ("recorded-check-form", "/cases/{recorded}/check"),
    ("notified-case", "/cases/{notified}"),
    ("notified-review-form", "/cases/{notified}/review/new"),
    ("evaluation-form", "/cases/{evaluation}/form"),
    ("compare", "/library/compare?profile=arts-therapist&profile=arts-therapist-principal"),
    ("open-case-search", "/jobs/{job}/cases/new?q=nothing-like-this"),
]


@pytest.mark.parametrize(("name", "path"), STATES, ids=[s[0] for s in STATES])
def test_pages_in_other_states_pass_axe(
    admin_tab: Page, records: Records, name: str, path: str
) -> None:
    visit(admin_tab, path.format(**vars(records)), name)


def test_the_matching_form_passes_axe_for_a_practitioner_after_a_live_update(
    browse_as: BrowseAs, records: Records
) -> None:
    tab = browse_as("management")
    tab.goto(f"/cases/{records.draft}/form")
    tab.locator("#levels_3").fill("1")
    expect(tab.locator("#live-verdict")).to_contain_text("no match")
    axe_check(tab, "practitioner-form-after-update")


def error_summary(tab: Page) -> None:
    expect(tab.locator(".nhsuk-error-summary")).to_be_visible()


def test_forms_showing_their_errors_pass_axe(
    admin_tab: Page, records: Records, browse_as: BrowseAs
) -> None:
    tab = admin_tab
    # a job without a title
    tab.goto("/jobs/new")
    tab.get_by_role("button", name="Add job").click()
    error_summary(tab)
    axe_check(tab, "job-form-errors")
    shot(tab, "job-form-errors")

    # a panel with the management side only
    tab.goto(f"/cases/{records.draft}/outcome")
    tab.locator("#sat_on-day").fill("1")
    tab.locator("#sat_on-month").fill("10")
    tab.locator("#sat_on-year").fill("2026")
    tab.get_by_label("Mona Manager").check()
    tab.get_by_role("button", name="Record the outcome").click()
    error_summary(tab)
    expect(tab.locator("#members-error")).to_be_visible()
    axe_check(tab, "panel-one-side-errors")
    shot(tab, "panel-one-side-errors")

    # a level that the factor does not have
    tab.goto(f"/cases/{records.draft}/form")
    tab.locator("#levels_3").fill("9")
    tab.get_by_role("button", name="Save as draft").click()
    error_summary(tab)
    axe_check(tab, "form-errors")

    # a consistency check with no decision, by a consistency checker (the first
    # administrator is not one until they make themselves one)
    checker = browse_as("checker")
    checker.goto(f"/cases/{records.recorded}/check")
    checker.get_by_role("button", name="Record the check").click()
    error_summary(checker)
    axe_check(checker, "check-errors")

    # an empty review request
    tab.goto(f"/cases/{records.notified}/review/new")
    tab.get_by_role("button", name="Record the review request").click()
    error_summary(tab)
    axe_check(tab, "review-request-errors")
    shot(tab, "review-request-errors")
