"""The web app's foundation: signing in and out, the one-time password, the dashboard,
HTML error pages, CSRF and cross-site refusals, and the headers every page carries."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from apikit import PASSWORD
from bandwise.services import accounts, jobs, sessions
from bandwise.web.auth import SESSION_COOKIE
from pagekit import Web, text_of


def sign_in(web: Web, email: str, password: str = PASSWORD, next_: str = "/") -> object:
    client = web.anonymous()
    return client, client.post(
        "/sign-in", data={"email": email, "password": password, "next": next_}
    )


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(web: Web) -> None:
    client = web.anonymous()
    response = client.get("/?show=mine")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/%3Fshow%3Dmine"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'name="next" value="/?show=mine"' in page.text


def test_signing_in_sets_a_protected_cookie_and_goes_where_the_user_was_going(web: Web) -> None:
    email = web.password_for(web.people.lead)
    client, response = sign_in(web, email, next_="/cases")
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Signed in as Lead" in text_of(dashboard.text)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil"])
def test_the_next_address_is_never_another_site(web: Web, target: str) -> None:
    email = web.password_for(web.people.lead)
    _, response = sign_in(web, email, next_=target)
    assert response.headers["location"] == "/"


def test_a_wrong_password_is_shown_in_the_error_summary_without_saying_which(web: Web) -> None:
    email = web.password_for(web.people.lead)
    _, response = sign_in(web, email, password="not the password at all")
    assert response.status_code == 422
    text = text_of(response.text)
    assert "There is a problem" in text
    assert "the email address or password is wrong" in text
    assert response.text.count('href="#email"') >= 1
    assert "<title>Error: Sign in" in response.text


def test_empty_fields_are_named(web: Web) -> None:
    _, response = sign_in(web, "", password="")
    text = text_of(response.text)
    assert "Enter your email address" in text and "Enter your password" in text


def test_a_one_time_password_must_be_changed_before_anything_else(web: Web) -> None:
    user, password = accounts.create_user(
        web.db,
        web.people.admin,
        "new@trust-a.nhs.example",
        "New Person",
        "practitioner",
        "staff-side",
    )
    client, response = sign_in(web, user.email, password)
    assert response.headers["location"] == "/account/password"
    assert client.get("/").headers["location"] == "/account/password"
    page = client.get("/account/password")
    assert "You signed in with a one-time password" in text_of(page.text)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    mismatch = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": password,
            "new_password": "a brand new password",
            "confirm_password": "different",
        },
    )
    assert mismatch.status_code == 422
    assert "The new passwords do not match" in text_of(mismatch.text)
    changed = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": password,
            "new_password": "a brand new password",
            "confirm_password": "a brand new password",
        },
    )
    assert changed.status_code == 303
    assert client.get("/").status_code == 200


def test_signing_out_ends_the_session_on_the_server(web: Web) -> None:
    browser = web.client(web.people.lead)
    response = browser.post("/sign-out")
    assert response.status_code == 303
    assert browser.get("/").status_code == 303  # the old cookie no longer works


def test_a_form_post_without_the_csrf_token_is_refused(web: Web) -> None:
    browser = web.client(web.people.lead)
    response = browser.client.post("/sign-out", data={})
    assert response.status_code == 403
    assert "CSRF" in text_of(response.text)
    assert browser.get("/").status_code == 200  # still signed in


def test_a_form_posted_from_another_site_is_refused(web: Web) -> None:
    browser = web.client(web.people.lead)
    response = browser.post("/sign-out", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "another site" in text_of(response.text)
    assert browser.get("/").status_code == 200


def test_every_page_carries_a_content_security_policy_and_no_framing(web: Web) -> None:
    page = web.client(web.people.lead).get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page.text  # the NHS template's one inline script
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_static_assets_are_served_and_may_be_cached(web: Web) -> None:
    client = web.anonymous()
    css = client.get("/static/vendor/nhsuk/nhsuk-frontend.min.css")
    assert css.status_code == 200, "run scripts/vendor-assets (make does)"
    assert "cache-control" not in css.headers
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_errors_on_pages_are_html_and_errors_in_the_api_stay_json(web: Web) -> None:
    browser = web.client(web.people.lead)
    page = browser.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in text_of(page.text)
    api = browser.get("/api/no/such/endpoint")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not-found"


def test_the_dashboard_counts_my_work_and_the_years_figures(web: Web) -> None:
    from bandwise.services import cases

    job = jobs.create_job(web.db, web.people.lead, "Art Psychotherapist", "AT-1", "Therapies")
    cases.open_case(web.db, web.people.lead, job.id, "match", "arts-therapist")
    page = web.client(web.people.management).get("/")
    text = text_of(page.text)
    assert "Waiting for a panel 1" in text
    assert 'href="/cases/' in page.text
    assert "Jobs matched to a national profile 0" in text
    # admin is only for administrators
    viewer = web.client(web.people.viewer).get("/").text
    assert 'href="/admin"' not in viewer
    assert 'href="/admin"' in web.client(web.people.admin).get("/").text


def test_first_run_creates_the_first_administrator_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bandwise import cli_server
    from bandwise.services.base import Database
    from bandwise.store.migrate import upgrade

    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BANDWISE_SECRET_KEY", raising=False)
    monkeypatch.delenv("BANDWISE_SECRET_KEY_FILE", raising=False)
    cli_server._local_secret()
    secret = tmp_path / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) >= 60
    assert os.environ["BANDWISE_SECRET_KEY_FILE"] == str(secret)
    first = secret.read_text()
    cli_server._local_secret()
    assert secret.read_text() == first  # kept, so sessions survive a restart

    url = f"sqlite:///{tmp_path / 'bandwise.db'}"
    upgrade(url)
    cli_server._first_run(url, "127.0.0.1", 8000)
    out = capsys.readouterr().out
    assert "National Profiles for Art Therapy" in out
    assert cli_server.FIRST_ADMIN_EMAIL in out and "one-time password:" in out
    password = out.split("one-time password:")[1].split()[0]
    db = Database.connect(url)
    try:
        assert accounts.user_count(db) == 1
        user = sessions.authenticate(db, cli_server.FIRST_ADMIN_EMAIL, password, "test")
        assert user.must_change_password
        cli_server._first_run(url, "127.0.0.1", 8000)
        assert "one-time password" not in capsys.readouterr().out
        assert accounts.user_count(db) == 1
    finally:
        db.engine.dispose()


def test_the_pages_ask_no_other_site_for_anything(web: Web) -> None:
    """Offline hospital networks: the vendored CSS fetches no web font, and pages link
    nothing outside this server."""
    client = web.anonymous()
    css = client.get("/static/vendor/nhsuk/nhsuk-frontend.min.css").text
    assert "url(http" not in css
    page = web.client(web.people.admin).get("/").text
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page)


def test_waiting_for_my_check_leaves_out_cases_whose_panel_i_sat_on(web: Web) -> None:
    """The checker must not have sat on the panel, recorded the outcome or made a factor
    decision (not: must not have opened the case)."""
    from bandwise.services import cases
    from workflowkit import SAT_ON, draft, panel

    case = draft(web.db, web.people)  # opened by the lead, decided by management
    case = cases.record_panel_outcome(  # recorded by the admin; panel: management and staff
        web.db, web.people.admin, case.case.id, case.case.version, SAT_ON, panel(web.people)
    )
    link = f'href="/cases/{case.case.id}"'
    recorder = web.client(web.people.admin).get("/")
    assert "Waiting for my consistency check 0" in text_of(recorder.text)
    sat = web.client(web.people.management).get("/")
    assert "Waiting for my consistency check 0" in text_of(sat.text)
    assert link not in sat.text
    opened = web.client(web.people.lead).get("/")
    assert "Waiting for my consistency check 1" in text_of(opened.text)
    assert link in opened.text
    checker = web.client(web.people.checker).get("/")
    assert "Waiting for my consistency check 1" in text_of(checker.text)


def test_waiting_for_my_check_looks_at_the_latest_panel_only(web: Web) -> None:
    """A returned outcome heard again by another panel: the first panel's members may
    check the new outcome, the new panel's may not."""
    from bandwise.services import cases
    from workflowkit import SAT_ON, recorded

    p = web.people
    case = recorded(web.db, p)  # panel: management and staff
    case = cases.consistency_check(
        web.db, p.checker, case.case.id, case.case.version, "returned", "look again"
    )
    cases.record_panel_outcome(
        web.db,
        p.lead,
        case.case.id,
        case.case.version,
        SAT_ON,
        [p.management2.user_id, p.staff2.user_id],
    )
    # staff sat on the first panel only (management, on it too, made the decisions)
    assert "Waiting for my consistency check 1" in text_of(web.client(p.staff).get("/").text)
    assert "Waiting for my consistency check 0" in text_of(web.client(p.management2).get("/").text)
    assert "Waiting for my consistency check 0" in text_of(web.client(p.viewer).get("/").text)
