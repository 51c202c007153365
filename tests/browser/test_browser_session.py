"""Signing in and out in a real browser: the form, its errors, the one-time password."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .browserkit import BrowseAs, focused, shot, sign_in, sign_out
from .serverkit import LiveServer


def test_signing_in_through_the_form_lands_on_the_dashboard(
    page: Page, live_server: LiveServer
) -> None:
    lead = live_server.user("lead")
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/")
    shot(page, "sign-in")
    sign_in(page, lead)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.get_by_role("link", name=lead.name)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shot(page, "dashboard")


def test_sign_in_brings_the_user_back_to_the_page_they_asked_for(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/account/password")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/account/password")
    sign_in(page, live_server.user("viewer"))
    expect(page).to_have_url(f"{live_server.url}/account/password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")


def test_a_wrong_password_shows_the_error_summary_with_focus_and_a_link_to_the_field(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(live_server.user("staff2").email)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    response = navigation.value
    assert response is not None and response.status == 422
    assert page.title().startswith("Error: Sign in")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    # the NHS.UK frontend moves focus to the summary so screen readers announce it
    expect(summary).to_be_focused()
    expect(page.locator("#email-error")).to_be_visible()
    shot(page, "error")
    summary.get_by_role("link").first.click()
    expect(page.locator("#email")).to_be_focused()
    # what the user typed comes back, the password never does
    expect(page.locator("#email")).to_have_value(live_server.user("staff2").email)
    expect(page.locator("#password")).to_have_value("")


def test_empty_fields_each_get_their_own_message(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    links = page.locator(".nhsuk-error-summary a")
    expect(links).to_have_text(["Enter your email address", "Enter your password"])
    links.nth(1).click()
    assert focused(page)["id"] == "password"


def test_a_one_time_password_must_be_changed_before_anything_else(
    page: Page, live_server: LiveServer
) -> None:
    user, one_time = live_server.new_user("practitioner", "staff-side")
    sign_in(page, user)
    expect(page).to_have_url(f"{live_server.url}/account/password")
    expect(page.locator(".nhsuk-inset-text")).to_contain_text("one-time password")
    shot(page, "forced")
    page.goto("/")  # every other page sends them back
    expect(page).to_have_url(f"{live_server.url}/account/password")

    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm new password").fill("a different passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("do not match")
    expect(page.locator("#confirm_password-error")).to_be_visible()
    shot(page, "mismatch")

    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Confirm new password").fill("a brand new passphrase")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server.url}/?password_changed=1")
    shot(page, "changed")

    sign_out(page)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(one_time)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()  # the old one is dead
    sign_in(page, user, "a brand new passphrase")
    expect(page).to_have_url(f"{live_server.url}/")


def test_signing_out_ends_the_session(browse_as: BrowseAs, live_server: LiveServer) -> None:
    page = browse_as("management")
    cookies = page.context.cookies()
    assert any(c["name"] == "bandwise_session" for c in cookies)
    sign_out(page)
    expect(page).to_have_url(f"{live_server.url}/sign-in?signed_out=1")
    expect(page.locator(".nhsuk-inset-text")).to_have_text("You have signed out.")
    assert not any(c["name"] == "bandwise_session" for c in page.context.cookies())
    shot(page, "signed-out")
    page.goto("/account/password")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/account/password")


def test_signing_in_and_out_works_with_javascript_off(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    page = browse_as("checker", javascript=False)
    expect(page).to_have_url(f"{live_server.url}/")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")
    expect(page.get_by_role("link", name=live_server.user("checker").name)).to_be_visible()
    shot(page, "no-js-dashboard")
    sign_out(page)
    expect(page.locator(".nhsuk-inset-text")).to_have_text("You have signed out.")
