"""Accessibility of the pages that exist: axe-core (WCAG 2.1 A and AA, no serious or
critical violations) on each, and the keyboard: the skip link first, forms usable with
Tab and Enter alone, a visible focus indicator."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browserkit import BrowseAs, axe_check, focused, shot, sign_in
from .serverkit import LiveServer

#: (name, who is signed in, path, status)
PAGES = [
    ("sign-in", None, "/sign-in", 200),
    ("dashboard-lead", "lead", "/", 200),
    ("dashboard-admin", "admin", "/", 200),
    ("dashboard-viewer", "viewer", "/", 200),
    ("change-password", "staff", "/account/password", 200),
    ("not-found", "lead", "/no-such-page", 404),
    ("not-found-anonymous", None, "/no-such-page", 404),
]


@pytest.mark.parametrize(("name", "who", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_passes_axe(
    browse_as: BrowseAs, name: str, who: str | None, path: str, status: int
) -> None:
    page = browse_as(who)
    response = page.goto(path)
    assert response is not None and response.status == status
    axe_check(page, name)
    shot(page, name)


def test_pages_showing_errors_pass_axe(browse_as: BrowseAs, live_server: LiveServer) -> None:
    page = browse_as(None)
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    axe_check(page, "sign-in-errors")

    page = browse_as("management2")
    page.goto("/account/password")
    page.get_by_label("Current password").fill("wrong")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    axe_check(page, "change-password-errors")
    shot(page, "change-password-errors")


def test_the_forced_password_change_page_passes_axe(page: Page, live_server: LiveServer) -> None:
    user, _ = live_server.new_user("viewer")
    sign_in(page, user)
    expect(page.locator(".nhsuk-inset-text")).to_be_visible()
    axe_check(page, "forced-password-change")


@pytest.mark.parametrize("who", [None, "checker"], ids=["anonymous", "signed-in"])
def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_the_content(
    browse_as: BrowseAs, who: str | None
) -> None:
    page = browse_as(who)
    page.goto("/" if who else "/sign-in")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content" and first["href"] == "#maincontent", first
    assert _focus_is_visible(page)
    shot(page, "skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "maincontent"
    page.keyboard.press("Tab")  # the next stop is inside the main content
    assert page.evaluate("() => !!document.activeElement.closest('main')")


def test_signing_in_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    viewer = live_server.user("viewer")
    page.goto("/sign-in")
    for _ in range(25):
        page.keyboard.press("Tab")
        if focused(page)["id"] == "email":
            break
    else:
        raise AssertionError("Tab never reached the email field")
    assert _focus_is_visible(page)
    page.keyboard.type(viewer.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(viewer.password)
    page.keyboard.press("Tab")  # the password's Show button, then the Sign in button
    stops = [focused(page)["text"]]
    page.keyboard.press("Tab")
    stops.append(focused(page)["text"])
    assert stops[-1] == "Sign in", stops
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")


def _focus_is_visible(page: Page) -> bool:
    """The focused element draws a focus indicator (outline or box shadow, NHS yellow)."""
    return bool(
        page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0)
                    || s.boxShadow !== "none"; }"""
        )
    )


def test_axe_check_fails_on_a_serious_violation(page: Page) -> None:
    """The harness itself: an unlabelled field and an image without alt text are caught."""
    page.goto("/sign-in")
    page.evaluate(
        """() => document.querySelector("form").insertAdjacentHTML("beforeend",
            '<input type="text" name="unlabelled"><img src="/static/app.css">')"""
    )
    with pytest.raises(AssertionError) as failure:
        axe_check(page, "deliberately-broken")
    assert "image-alt (critical)" in str(failure.value)
    assert "label (critical)" in str(failure.value)
    assert "unlabelled" in str(failure.value)  # the element is named
