"""The reports in chromium, at a desk (1280×900) and on a phone (390×844): the "Reports"
menu item opens the Reports page listing every report; the board figures page offers its
PDF, Excel and CSV downloads, which download; the export page offers words and codes; a
keyboard reaches each report link in order; axe clean; screenshots for review."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from recordfixtures import add_job, add_outcome, noon

from .browserkit import BrowseAs, axe_check, focused, shot
from .serverkit import LiveServer
from .test_browser_check import SIZES, people_of

pytestmark = pytest.mark.browser

REPORTS = [
    "Board figures",
    "Consistency report",
    "JE practices audit",
    "JE returns",
    "Export of every outcome",
]


def _fits(page: object) -> None:
    widths = page.evaluate(  # type: ignore[attr-defined]
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # the page never scrolls sideways


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_reports_menu_item_opens_the_reports_page_that_lists_every_report(
    browse_as: BrowseAs, size: str
) -> None:
    page = browse_as("viewer")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/")
    menu = page.get_by_role("navigation", name="Menu")
    if size == "phone" and not menu.get_by_role("link", name="Reports").is_visible():
        menu.get_by_role("button", name="More").click()  # the narrow header folds the menu
    menu.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{page.url.split('/reports')[0]}/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page).to_have_title("Reports – bandwise – NHS job evaluation")
    for title in REPORTS:
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    _fits(page)
    axe_check(page, f"reports-{size}")
    shot(page, f"reports-{size}")
    heights = page.evaluate("() => document.documentElement.scrollHeight")
    print(f"reports page height at {size}: {heights}px")


def test_a_keyboard_reaches_each_report_in_the_order_listed(browse_as: BrowseAs) -> None:
    page = browse_as("viewer")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/reports")
    page.get_by_role("heading", level=1).click()  # start from the page's heading
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        text = focused(page).get("text")
        if text in REPORTS:
            reached.append(text)
        if len(reached) == len(REPORTS):
            break
    assert reached == REPORTS


@pytest.fixture(scope="module")
def outcome(live_server: LiveServer) -> None:
    """A confirmed outcome in the 2026/27 financial year (rows as the services keep them)."""
    people = people_of(live_server)
    job = add_job(live_server.db, people, "Reports therapist", "RT-1", "Therapies")
    add_outcome(live_server.db, people, job, recorded_at=noon("2026-06-01"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_board_page_downloads_its_figures_as_pdf_excel_and_csv(
    browse_as: BrowseAs, outcome: None, size: str, tmp_path: Path
) -> None:
    page = browse_as("lead")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/reports/board?from=2026-04-01&to=2027-03-31")
    expect(page.get_by_role("heading", name="Download these figures")).to_be_visible()
    _fits(page)
    axe_check(page, f"board-{size}")
    shot(page, f"board-{size}")
    with page.expect_download() as got:
        page.get_by_role("link", name="CSV (comma-separated values) of the board figures").click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.name == "board-figures-2026-04-01-to-2027-03-31.csv"
    table = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert table[0][0] == "Figure" and table[0][-1] == "Whole period"
    matched = next(r for r in table if r[0] == "Jobs matched to a national profile")
    assert int(matched[-1]) >= 1
    with page.expect_download() as got_xlsx:
        page.get_by_role("link", name="Excel workbook (XLSX) of the board figures").click()
    assert got_xlsx.value.suggested_filename.endswith(".xlsx")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_export_page_offers_words_and_codes(
    browse_as: BrowseAs, outcome: None, size: str, tmp_path: Path
) -> None:
    page = browse_as("lead")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/exports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export every outcome")
    page.get_by_text("The 39 columns, in words and as codes").click()
    columns = page.get_by_role("table", name="The export's columns")
    expect(
        columns.get_by_role("cell", name="Communication and relationship skills")
    ).to_be_visible()
    expect(columns.get_by_role("cell", name="f1", exact=True)).to_be_visible()
    _fits(page)
    axe_check(page, f"exports-{size}")
    shot(page, f"exports-{size}")
    with page.expect_download() as got:
        page.get_by_role(
            "link", name="Download the outcomes as CSV (comma-separated values)"
        ).click()
    saved = tmp_path / "words.csv"
    got.value.save_as(saved)
    header = next(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert "Communication and relationship skills" in header and "Panel members" in header
