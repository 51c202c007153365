"""Security as the browser sees it: cookie flags, CSRF and cross-site posts refused, the
Content-Security-Policy stopping script a page did not send."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from .browserkit import BrowseAs, csrf_token, shot
from .serverkit import LiveServer

EVIL = "http://evil.example"


def still_signed_in(page: Page, live_server: LiveServer) -> bool:
    page.goto("/")
    return page.url == f"{live_server.url}/"


def test_the_session_cookie_is_httponly_and_samesite_lax(
    browse_as: BrowseAs,
) -> None:
    page = browse_as("lead")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "bandwise_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is False  # plain http on loopback; BANDWISE_HTTPS=1 sets it
    assert "bandwise_session" not in page.evaluate("() => document.cookie")


def test_a_post_without_the_csrf_token_is_refused(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    page = browse_as("lead")
    # the browser's cookie, no token: from outside the page ...
    response = page.request.post("/sign-out", form={}, max_redirects=0)
    assert response.status == 403, response.text()
    # ... and from script on the page itself, with none and with a wrong token
    statuses = page.evaluate(
        """async () => {
            const none = await fetch("/sign-out", {method: "POST", redirect: "manual",
                body: new URLSearchParams({x: "1"})});
            const wrong = await fetch("/sign-out", {method: "POST", redirect: "manual",
                body: new URLSearchParams({csrf_token: "forged"})});
            const header = await fetch("/account/password", {method: "POST",
                redirect: "manual", headers: {"X-CSRF-Token": "forged"},
                body: new URLSearchParams({current_password: "x", new_password: "y"})});
            return [none.status, wrong.status, header.status];
        }"""
    )
    assert statuses == [403, 403, 403]
    assert still_signed_in(page, live_server)


def test_a_post_with_another_sites_origin_is_refused_even_with_the_token(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    page = browse_as("management")
    token = csrf_token(page)
    assert token
    refused = page.request.post(
        "/sign-out", form={"csrf_token": token}, headers={"Origin": EVIL}, max_redirects=0
    )
    assert refused.status == 403
    assert "another site" in refused.text()
    assert still_signed_in(page, live_server)
    accepted = page.request.post("/sign-out", form={"csrf_token": token}, max_redirects=0)
    assert accepted.status == 303  # the same request from this site works


def _evil_page(page: Page, live_server: LiveServer, action: str, fields: dict[str, str]) -> None:
    """Serve a page on another site whose form posts to bandwise."""
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    html = (
        f"<!doctype html><title>Win a prize</title><form method=post "
        f'action="{live_server.url}{action}">{inputs}<button>Claim</button></form>'
    )

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    page.route(f"{EVIL}/**", fulfil)
    page.goto(f"{EVIL}/prize")


def test_a_sign_in_form_on_another_site_is_refused(page: Page, live_server: LiveServer) -> None:
    lead = live_server.user("lead")
    _evil_page(page, live_server, "/sign-in", {"email": lead.email, "password": lead.password})
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Claim").click()
    response = navigation.value
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_be_visible()
    shot(page, "refused")
    assert not any(c["name"] == "bandwise_session" for c in page.context.cookies())


def test_a_cross_site_form_cannot_sign_a_user_out(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    page = browse_as("staff")
    token = csrf_token(page)  # even a leaked token does not help another site
    _evil_page(page, live_server, "/sign-out", {"csrf_token": token})
    with page.expect_response(f"{live_server.url}/sign-out") as posted:
        page.get_by_role("button", name="Claim").click()
    # SameSite=Lax keeps the cookie off a cross-site POST: the server sees nobody signed
    # in and sends the browser to sign in (without SameSite, the Origin check refuses it)
    response = posted.value
    assert response.request.headers.get("origin") == EVIL
    assert response.status in (303, 403)
    assert "signed_out" not in (response.headers.get("location") or "")
    page.wait_for_load_state()
    assert still_signed_in(page, live_server)


def test_pages_carry_a_content_security_policy_and_security_headers(page: Page) -> None:
    first = page.goto("/sign-in")
    second = page.goto("/sign-in")
    assert first is not None and second is not None
    policy = first.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ") if d}
    script = directives["script-src"]
    assert "'self'" in script and any(s.startswith("'nonce-") for s in script)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert policy != second.headers["content-security-policy"], "a fresh nonce each response"
    assert first.headers["x-frame-options"] == "DENY"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["referrer-policy"] == "same-origin"


def test_script_injected_into_a_page_does_not_run(
    browse_as: BrowseAs,
) -> None:
    page = browse_as("lead")
    blocked = page.evaluate(
        """() => new Promise(resolve => {
            const seen = [];
            document.addEventListener("securitypolicyviolation", e => {
                seen.push(e.violatedDirective);
                if (seen.length === 2) resolve(seen.sort());
            });
            const s = document.createElement("script");
            s.textContent = "window.__pwned = 'script'";
            document.body.appendChild(s);
            document.querySelector("main").insertAdjacentHTML("beforeend",
                '<img src="/static/app.css" onerror="window.__pwned = \\'handler\\'">');
            setTimeout(() => resolve(seen.sort()), 3000);
        })"""
    )
    assert blocked == ["script-src-attr", "script-src-elem"]
    assert page.evaluate("() => window.__pwned") is None


def test_markup_typed_into_a_form_comes_back_as_text(page: Page) -> None:
    typed = 'x"><script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>@nhs.uk'
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(typed)
    page.get_by_label("Password", exact=True).fill("whatever it is")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator("#email")).to_have_value(typed)
    assert page.locator("main img").count() == 0
    assert page.evaluate("() => window.__pwned") is None
