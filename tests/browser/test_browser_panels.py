"""Panels and people in chromium, at a desk (1280×900) and on a phone (390×844): the
outcome form (today's date offered, members grouped by side, a guest typed in, the
panel's rationale) recorded and shown on the case page; the user page asking the side
under the chosen role, with and without JavaScript. axe stays clean; the page never
scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from bandwise.clock import uk_day
from bandwise.services import accounts
from dbfixtures import People
from workflowkit import draft

from .browserkit import BrowseAs, axe_check, focused, shot
from .serverkit import LiveServer

pytestmark = pytest.mark.browser

SIZES = {"desk": (1280, 900), "phone": (390, 844)}
GUEST = "Ann Jones (staff side, guest from UNISON Eastern region)"


def people_of(server: LiveServer) -> People:
    keys = ("admin", "lead", "management", "management2", "staff", "staff2", "checker")
    actors = {key: server.user(key).actor for key in (*keys, "viewer")}
    return People(**actors, organisation_id=actors["admin"].organisation_id)


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_outcome_form_records_a_guest_and_the_rationale(
    browse_as: BrowseAs, live_server: LiveServer, size: str
) -> None:
    case = draft(live_server.db, people_of(live_server))
    page = browse_as("lead")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto(f"/cases/{case.case.id}/outcome")
    today = uk_day(dt.datetime.now(dt.UTC))
    expect(page.get_by_label("Day")).to_have_value(str(today.day))
    expect(page.get_by_label("Year")).to_have_value(str(today.year))
    expect(page.get_by_role("heading", name="Management side")).to_be_visible()
    expect(page.get_by_role("heading", name="Staff side")).to_be_visible()
    page.get_by_label("Mona Manager").check()
    guest = page.get_by_role("group", name="Guest 1")
    guest.get_by_label("Name").fill("Ann Jones")
    guest.get_by_label("Side").select_option("staff-side")
    guest.get_by_label("Organisation").fill("UNISON Eastern region")
    page.get_by_label("The panel's rationale").fill(
        "Level 6 on factor 1: the post leads the county's arts therapy service."
    )
    _no_sideways_scroll(page)
    axe_check(page, f"outcome-form-{size}")
    shot(page, f"outcome-form-{size}")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    print(f"outcome form height at {size}: {height}px")
    # the keyboard: from the rationale, Tab reaches the submit button
    page.get_by_label("The panel's rationale").focus()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Record the outcome"
    page.keyboard.press("Enter")
    expect(page.get_by_text(GUEST)).to_be_visible()
    expect(page.get_by_text("the post leads the county's arts therapy service")).to_be_visible()
    _no_sideways_scroll(page)
    axe_check(page, f"outcome-recorded-{size}")
    shot(page, f"outcome-recorded-{size}")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_user_page_asks_the_side_at_once_and_grants_the_capability(
    browse_as: BrowseAs, live_server: LiveServer, size: str
) -> None:
    page = browse_as("admin")
    page.set_viewport_size({"width": SIZES[size][0], "height": SIZES[size][1]})
    page.goto("/admin/users/new")
    side = page.get_by_role("group", name="Which side do they sit for on panels?")
    expect(side).to_be_visible()
    for choice in ("Management side", "Staff side", "Does not sit on panels"):
        expect(side.get_by_label(choice)).not_to_be_checked()  # no side chosen for them
    page.get_by_label("JE lead", exact=True).check()
    side.get_by_label("Staff side").check()
    page.get_by_label("Consistency checker").check()
    _no_sideways_scroll(page)
    axe_check(page, f"user-new-{size}")
    shot(page, f"user-new-{size}")
    name = f"Jo Lead {size}"
    page.get_by_label("Email address").fill(f"jo.{size}@test-valley.nhs.example")
    page.get_by_label("Full name").fill(name)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("one-time password", exact=False).first).to_be_visible()
    admin = live_server.user("admin").actor
    jo = next(u for u in accounts.list_users(live_server.db, admin) if u.name == name)
    assert (jo.role, jo.side, jo.consistency_checker) == ("je-lead", "staff-side", True)
    # the person's page: their side, the capability and the JE training date
    page.goto(f"/admin/users/{jo.id}")
    expect(page.get_by_label("Consistency checker")).to_be_checked()
    training = page.get_by_role("group", name="When were they trained in job evaluation?")
    training.get_by_label("Day").fill("4")
    training.get_by_label("Month").fill("2")
    training.get_by_label("Year").fill("2024")
    _no_sideways_scroll(page)
    axe_check(page, f"user-edit-{size}")
    shot(page, f"user-edit-{size}")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("The changes have been saved.")).to_be_visible()
    expect(training.get_by_label("Year")).to_have_value("2024")


def test_without_javascript_a_practitioner_without_a_side_is_told_on_the_field(
    browse_as: BrowseAs,
) -> None:
    page = browse_as("admin", javascript=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/users/new")
    page.get_by_label("Email address").fill("nojs@test-valley.nhs.example")
    page.get_by_label("Full name").fill("No Script")
    page.get_by_role("button", name="Add user").click()  # practitioner, no side chosen
    expect(page.get_by_role("alert")).to_contain_text("A practitioner sits for one side")
    side = page.get_by_role("group", name="Which side do they sit for on panels?")
    expect(side).to_contain_text("A practitioner sits for one side")
    shot(page, "user-new-nojs-error")
    side.get_by_label("Staff side").check()
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("one-time password", exact=False).first).to_be_visible()
