"""Stored script in the browser: evidence text and a document's name that carry markup
are shown as text wherever they appear (case page, matching form, audit trail, job page,
report) and never run. Checked both ways: the marker the script would set stays unset,
and no element the markup would create is in the page (so the escaping is tested, not
only the Content-Security-Policy behind it). And a matching-form post without the CSRF
token is refused by the browser's own submit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from bandwise.services import cases
from bandwise.services.cases import DecisionInput
from dbfixtures import People
from workflowkit import LEVELS, draft

from .browserkit import BrowseAs, shot
from .serverkit import LiveServer

EVIDENCE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
FILENAME = "<img src=x onerror=window.__xss=3>.txt"
#: What the markup would have made, had it been parsed as HTML.
INJECTED = """() => ({
    marker: typeof window.__xss === "undefined" ? null : window.__xss,
    scripts: [...document.scripts].filter(s => s.textContent.includes("__xss")).length,
    images: [...document.images].filter(i => i.getAttribute("src") === "x").length,
    handlers: document.querySelectorAll("[onerror]").length,
})"""
CLEAN = {"marker": None, "scripts": 0, "images": 0, "handlers": 0}


def people_of(server: LiveServer) -> People:
    keys = ("admin", "lead", "management", "management2", "staff", "staff2", "checker")
    actors = {key: server.user(key).actor for key in (*keys, "viewer")}
    return People(**actors, organisation_id=actors["admin"].organisation_id)


@pytest.fixture
def hostile_case(live_server: LiveServer, browse_as: BrowseAs) -> tuple[Page, int, int]:
    """A draft whose evidence carries markup, on a job with a document named like markup
    (uploaded through the job page's form by the lead). Returns (the lead's tab, case id,
    job id)."""
    people = people_of(live_server)
    case = draft(live_server.db, people)
    decisions = [
        DecisionInput(n, level, EVIDENCE if n in (1, 16) else f"evidence {n}")
        for n, level in enumerate(LEVELS, start=1)
    ]
    cases.set_factor_decisions(
        live_server.db, people.management, case.case.id, case.case.version, decisions
    )
    lead = browse_as("lead")
    lead.goto(f"/jobs/{case.case.job_id}")
    lead.locator('input[type="file"][name="document"]').set_input_files(
        files=[FilePayload(name=FILENAME, mimeType="text/plain", buffer=b"An art therapist.")]
    )
    lead.get_by_role("button", name="Upload document").click()
    expect(lead).to_have_url(re.compile(r"uploaded"))
    return lead, case.case.id, case.case.job_id


def assert_shown_as_text(page: Page, text: str, where: str) -> None:
    assert page.evaluate(INJECTED) == CLEAN, f"markup ran or was parsed on {where}"
    assert text in page.locator("main").inner_text(), f"{text!r} not shown as text on {where}"


def test_markup_in_evidence_and_document_names_never_runs(
    hostile_case: tuple[Page, int, int],
) -> None:
    page, case_id, job_id = hostile_case
    blocked: list[str] = []  # script the CSP had to stop (its font-src notes do not count)
    page.on("console", lambda m: blocked.append(m.text) if "script" in m.text.lower() else None)
    for name, path, shown in [
        ("case", f"/cases/{case_id}", EVIDENCE),
        ("audit", f"/cases/{case_id}/audit", "window.__xss=1"),
        ("report", f"/cases/{case_id}/report", EVIDENCE),
        ("job", f"/jobs/{job_id}", FILENAME),
    ]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert_shown_as_text(page, shown, name)
        shot(page, name)

    page.goto(f"/cases/{case_id}/form")
    expect(page.locator("#evidence_1")).to_have_value(EVIDENCE)
    # a live update re-renders the results around the evidence: still nothing runs
    page.locator("#levels_3").fill("1")
    expect(page.locator("#live-verdict")).to_contain_text("no match")
    assert page.evaluate(INJECTED) == CLEAN, "markup ran on the matching form"
    assert blocked == [], f"the page sent markup the CSP had to stop: {blocked}"


def test_the_matching_form_without_its_csrf_token_is_refused(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    case = draft(live_server.db, people_of(live_server))
    page = browse_as("management")
    page.goto(f"/cases/{case.case.id}/form")
    page.locator("#levels_3").fill("1")
    page.evaluate(
        "() => document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())"
    )
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save as draft").click()
    response = navigation.value
    assert response is not None and response.status == 403
    assert response.request.method == "POST"
    shot(page, "refused")
    saved = cases.get_case(live_server.db, live_server.user("management").actor, case.case.id)
    assert {d.factor: d.levels for d in saved.decisions}[3] == LEVELS[2]  # nothing saved
    assert saved.case.version == case.case.version


def test_the_detector_sees_markup_that_was_parsed(page: Page) -> None:
    """The harness itself: the same markup put into a page as HTML is caught."""
    page.goto("/sign-in")
    page.evaluate(
        "(html) => document.querySelector('main').insertAdjacentHTML('beforeend', html)",
        EVIDENCE,
    )
    found = page.evaluate(INJECTED)
    assert found["scripts"] == 1 and found["images"] == 1 and found["handlers"] == 1, found
