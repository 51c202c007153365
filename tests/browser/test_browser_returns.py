"""The quarterly JE KPI return page in chromium, at a desk (1280×900) and on a phone
(390×844): the figures, the gaps and the lead's forms, the wide tables scrolling in their
own box and never the page, axe clean; screenshots for review."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jekit import sample_register

from .browserkit import BrowseAs, axe_check, shot
from .serverkit import LiveServer
from .test_browser_check import SIZES, people_of

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def register(live_server: LiveServer) -> None:
    sample_register(live_server.db, people_of(live_server))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_return_page_shows_the_figures_and_gaps_and_fits_the_screen(
    browse_as: BrowseAs, register: None, size: str
) -> None:
    page = browse_as("lead")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/returns/je-kpi?quarter=2026-Q3")
    expect(page.get_by_role("heading", level=1)).to_have_text("Job evaluation KPI return: 2026-Q3")
    table = page.get_by_role("region", name="Nursing and midwifery job descriptions in use")
    expect(table.get_by_role("columnheader", name="Band 8a+")).to_be_visible()
    expect(page.get_by_text("NM-007 Practice educator: no band")).to_be_visible()
    expect(page.get_by_role("button", name="Submit the 2026-Q3 return")).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # the page never scrolls sideways
    axe_check(page, f"je-kpi-{size}")
    shot(page, f"je-kpi-{size}")
    page.goto("/register")
    expect(page.get_by_role("link", name="Staff nurse")).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    axe_check(page, f"register-{size}")
    shot(page, f"register-{size}")
