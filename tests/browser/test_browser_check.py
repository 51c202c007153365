"""The consistency check page in chromium: the factor table with a variation flagged, the
boundary distance and the similar outcomes, at a desk (1280×900) and on a phone
(390×844), where the wide factor table scrolls inside its own box and never the page.
axe stays clean and the scroll box is reachable by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dbfixtures import People
from recordfixtures import add_job, add_outcome, with_level
from workflowkit import LEVELS, recorded

from .browserkit import BrowseAs, axe_check, focused, shot
from .serverkit import LiveServer

pytestmark = pytest.mark.browser

SIZES = {"desk": (1280, 900), "phone": (390, 844)}


def people_of(server: LiveServer) -> People:
    keys = ("admin", "lead", "management", "management2", "staff", "staff2", "checker")
    actors = {key: server.user(key).actor for key in (*keys, "viewer")}
    return People(**actors, organisation_id=actors["admin"].organisation_id)


@pytest.fixture(scope="module")
def check_case(live_server: LiveServer) -> int:
    """A recorded outcome with a variation on factor 3 (total 493), beside three
    confirmed outcomes on the same profile."""
    people = people_of(live_server)
    db = live_server.db
    for title, levels in (
        ("Art Psychotherapist", LEVELS),
        ("Music Therapist", with_level(LEVELS, 9, "2")),
        ("Drama Therapist", with_level(LEVELS, 3, "5")),
    ):
        add_outcome(db, people, add_job(db, people, title, reference=title[:3].upper()), levels)
    case = recorded(db, people, levels=list(with_level(LEVELS, 3, "5")))
    return case.case.id


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_check_page_shows_the_factor_table_variations_and_similar_outcomes(
    browse_as: BrowseAs, check_case: int, size: str
) -> None:
    page = browse_as("checker")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto(f"/cases/{check_case}/check")
    table = page.get_by_role("region", name="Factor by factor, scrolls sideways")
    expect(table).to_be_visible()
    row = page.locator("#factor-3")
    expect(row).to_have_class("nhsuk-table__row bw-flagged")
    expect(row).to_contain_text("variation")
    expect(
        page.get_by_role("link", name="Factor 3, Analytical and judgemental skills")
    ).to_be_visible()
    expect(page.get_by_text("Panel sat on 1 October 2026")).to_be_visible()
    similar = page.get_by_role("region", name="Similar outcomes, scrolls sideways")
    expect(similar.get_by_role("link", name="Drama Therapist")).to_be_visible()
    expect(similar.locator("tbody tr")).to_have_count(3)
    # the page never scrolls sideways: the wide table scrolls in its own box
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    box = table.evaluate("el => [el.scrollWidth, el.clientWidth]")
    if size == "phone":
        assert box[0] > box[1], box  # the table is wider than the phone: its box scrolls
    axe_check(page, f"check-{size}")
    shot(page, f"check-{size}")


def test_the_factor_table_box_takes_keyboard_focus_and_scrolls_with_the_arrow_keys(
    browse_as: BrowseAs, check_case: int
) -> None:
    page = browse_as("checker")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/cases/{check_case}/check")
    box = page.get_by_role("region", name="Factor by factor, scrolls sideways")
    for _ in range(60):
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError(f"Tab never reached the factor table's box; last: {focused(page)}")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('[aria-label^=\"Factor by factor\"]').scrollLeft > 0"
    )
    shot(page, "factor-box-focused")


@pytest.mark.parametrize("which", ["nearest", "compare"])
def test_the_nearest_profiles_and_compare_tables_scroll_in_their_own_box_on_a_phone(
    browse_as: BrowseAs, check_case: int, which: str
) -> None:
    page = browse_as("lead")
    page.set_viewport_size({"width": 390, "height": 844})
    path = (
        f"/cases/{check_case}/nearest"
        if which == "nearest"
        else "/library/compare?profile=arts-therapies/arts-therapist"
        "&profile=arts-therapies/arts-therapist-principal"
        "&profile=arts-therapies/head-of-arts-therapies"
    )
    page.goto(path)
    boxes = page.locator('.bw-scroll[role="region"][tabindex="0"]')
    expect(boxes.first).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths  # the page itself never scrolls sideways
    scrolling = boxes.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth).length")
    assert scrolling >= 1  # the wide table scrolls in its box
    axe_check(page, f"{which}-phone")
    shot(page, f"{which}-phone")
