"""The administrator's matching rule set editor and organisation page in chromium, at a
desk (1280×900) and on a phone (390×844): a setting changed without a reason is refused
with the error on its reason box (the summary link takes the keyboard there), with a
reason it becomes a new version in force; axe clean, no sideways scrolling, screenshots
for review. The rule set goes back to the default afterwards (the server is shared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bandwise.services import rule_sets

from .browserkit import BrowseAs, axe_check, focused, shot
from .serverkit import LiveServer
from .test_browser_check import SIZES

pytestmark = pytest.mark.browser


@pytest.fixture
def back_to_default(live_server: LiveServer) -> Iterator[None]:
    yield
    rule_sets.return_to_default(live_server.db, live_server.user("admin").actor)


def _fits(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # the page never scrolls sideways


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_changed_setting_needs_a_reason_and_then_is_a_new_version_in_force(
    browse_as: BrowseAs, back_to_default: None, size: str
) -> None:
    page = browse_as("admin")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/admin/rules")
    expect(page.get_by_role("heading", level=1)).to_have_text("Matching rule set")
    _fits(page)
    axe_check(page, f"rules-{size}")
    shot(page, f"rules-{size}")

    page.get_by_role("button", name="Change the settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change the matching rules")
    page.locator("#max_varied_factors").fill("4")
    page.get_by_role("button", name="Save a new version").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Give a reason for changing how many factors may vary")
    expect(page.locator("#max_varied_factors-reason-error")).to_be_visible()
    expect(page.locator("#max_varied_factors")).to_have_value("4")  # what was typed is kept
    _fits(page)
    axe_check(page, f"rules-edit-error-{size}")
    shot(page, f"rules-edit-error-{size}")
    summary.get_by_role("link").first.click()
    assert focused(page)["id"] == "max_varied_factors-reason"
    page.keyboard.type("Agreed by the joint committee, minute 14")
    page.get_by_role("button", name="Save a new version").click()

    banner = page.locator(".nhsuk-notification-banner")
    expect(banner).to_contain_text("saved and in force")
    expect(page.locator(".nhsuk-lede-text")).to_contain_text("local matching rules, version")
    row = page.get_by_role("row", name="How many factors may vary in a match")
    expect(row).to_contain_text("4")
    expect(row).to_contain_text("Agreed by the joint committee, minute 14")
    expect(page.get_by_text("In force", exact=True)).to_be_visible()
    _fits(page)
    axe_check(page, f"rules-saved-{size}")
    shot(page, f"rules-saved-{size}")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_organisation_page_shows_its_form_and_an_empty_name_on_its_field(
    browse_as: BrowseAs, size: str
) -> None:
    page = browse_as("admin")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/admin/organisation")
    expect(page.get_by_role("heading", level=1)).to_have_text("The organisation")
    _fits(page)
    axe_check(page, f"organisation-{size}")
    shot(page, f"organisation-{size}")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save name and address").click()
    expect(page.locator("#name-error")).to_be_visible()
    _fits(page)
    axe_check(page, f"organisation-error-{size}")
    shot(page, f"organisation-error-{size}")
