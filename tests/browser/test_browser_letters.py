"""Letters in chromium, at a desk (1280×900) and on a phone (390×844): recording the
notification leads to the case's letters page; a wrong email address is refused on its
field (the summary link takes the keyboard there); the letters are produced, listed and
downloaded (the PDF read back); the template editor lists the fields beside the wording
and previews it. axe clean, no sideways scrolling, screenshots for review."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from recordfixtures import add_job, add_outcome

from .browserkit import BrowseAs, axe_check, focused, pdf_text, shot
from .serverkit import LiveServer
from .test_browser_check import SIZES, people_of

pytestmark = pytest.mark.browser


def _fits(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # the page never scrolls sideways


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_notification_leads_to_producing_and_downloading_the_letters(
    browse_as: BrowseAs, live_server: LiveServer, size: str
) -> None:
    people = people_of(live_server)  # a confirmed outcome, written straight to the tables
    case_id, _ = add_outcome(
        live_server.db, people, add_job(live_server.db, people, "Arts Therapist")
    )
    page = browse_as("lead")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto(f"/cases/{case_id}")
    page.get_by_role("button", name="Record the notification").click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case_id}/letters?done=notified")
    expect(page.get_by_role("heading", level=1)).to_have_text("Letters")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("produce the letters")
    _fits(page)
    axe_check(page, f"letters-{size}")
    shot(page, f"letters-{size}")

    page.get_by_label("Jobholder's name").fill("Alex Morgan")
    page.get_by_label("Jobholder's email address (optional)").fill("alex at example")
    page.get_by_label("Manager's name").fill("Jo Evans")
    page.get_by_role("button", name="Produce the letters").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("not an email address")
    expect(page.get_by_label("Jobholder's name")).to_have_value("Alex Morgan")
    _fits(page)
    axe_check(page, f"letters-error-{size}")
    shot(page, f"letters-error-{size}")
    summary.get_by_role("link").first.click()
    assert focused(page)["id"] == "jobholder_email"
    page.keyboard.press("Control+A")
    page.keyboard.type("alex@example.org")
    page.get_by_role("button", name="Produce the letters").click()

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "The letters have been produced"
    )
    table = page.locator("main ul.nhsuk-list").first
    expect(table).to_contain_text("Outcome letter to the jobholder")
    expect(table).to_contain_text("Outcome letter to the manager")
    expect(table).to_contain_text("alex@example.org")
    expect(table).to_contain_text("Not emailed")  # no mail server in the test server
    _fits(page)
    axe_check(page, f"letters-produced-{size}")
    shot(page, f"letters-produced-{size}")

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF of the letter to Alex Morgan").click()
    text = pdf_text(download.value.path())
    assert "Dear Alex Morgan" in text and "Arts Therapist" in text
    with page.expect_download() as word:
        page.get_by_role("link", name="Word of the letter to Jo Evans").click()
    assert word.value.suggested_filename.endswith(".docx")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_template_editor_lists_the_fields_and_previews_the_wording(
    browse_as: BrowseAs, size: str
) -> None:
    page = browse_as("admin")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/admin")
    page.get_by_role("link", name="Change the wording of the letters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter templates")
    _fits(page)
    axe_check(page, f"letter-templates-{size}")
    shot(page, f"letter-templates-{size}")
    page.get_by_role("link", name="Outcome letter to the manager").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcome letter to the manager")
    expect(page.get_by_text("jobholder_names", exact=True)).to_be_visible()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Dear Alex Morgan")
    _fits(page)
    axe_check(page, f"letter-template-preview-{size}")
    shot(page, f"letter-template-preview-{size}")
