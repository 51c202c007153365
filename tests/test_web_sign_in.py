"""Signing in cannot be forged by another site (login CSRF), and guessing the current
password at the password change is throttled like signing in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apikit import PASSWORD, assert_error, make_app, session_client, set_password
from bandwise.services.base import Database
from bandwise.web.auth import SESSION_COOKIE
from dbfixtures import People

EVIL = "https://evil.example"
HERE = "http://testserver"


def _client(db_url: str) -> TestClient:
    return TestClient(make_app(db_url), raise_server_exceptions=False, follow_redirects=False)


def _no_cookie(response: Any) -> None:
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_cross_site_form_post_to_the_sign_in_api_is_refused_and_sets_no_cookie(
    db_url: str, db: Database, people: People
) -> None:
    email = set_password(db, people.lead)
    answer = _client(db_url).post(
        "/api/session", data={"email": email, "password": PASSWORD}, headers={"Origin": EVIL}
    )
    assert_error(answer, 403, "cross-site-request")
    _no_cookie(answer)


def test_a_text_plain_sign_in_is_refused_unread_and_sets_no_cookie(
    db_url: str, db: Database, people: People
) -> None:
    email = set_password(db, people.lead)
    body = json.dumps({"email": email, "password": PASSWORD})
    client = _client(db_url)
    plain = client.post("/api/session", content=body, headers={"content-type": "text/plain"})
    assert_error(plain, 415, "unsupported-media-type", "content-type")
    _no_cookie(plain)
    untyped = client.post("/api/session", content=body)
    assert_error(untyped, 415, "unsupported-media-type")
    cross = client.post(
        "/api/session", content=body, headers={"content-type": "text/plain", "Origin": EVIL}
    )
    assert_error(cross, 403, "cross-site-request")
    _no_cookie(cross)


@pytest.mark.parametrize("headers", [{"Origin": "null"}, {"Referer": f"{EVIL}/login.html"}])
def test_an_opaque_origin_or_a_cross_site_referer_is_refused_on_both_sign_ins(
    db_url: str, db: Database, people: People, headers: dict[str, str]
) -> None:
    email = set_password(db, people.lead)
    client = _client(db_url)
    api = client.post("/api/session", json={"email": email, "password": PASSWORD}, headers=headers)
    assert_error(api, 403, "cross-site-request")
    _no_cookie(api)
    page = client.post("/sign-in", data={"email": email, "password": PASSWORD}, headers=headers)
    assert page.status_code == 403 and "another site" in page.text
    _no_cookie(page)


@pytest.mark.parametrize(
    "headers", [{}, {"Origin": HERE}, {"Referer": f"{HERE}/sign-in"}], ids=["none", "o", "r"]
)
def test_same_site_and_non_browser_sign_ins_still_work(
    db_url: str, db: Database, people: People, headers: dict[str, str]
) -> None:
    email = set_password(db, people.lead)
    client = _client(db_url)
    credentials = {"email": email, "password": PASSWORD}
    by_json = client.post("/api/session", json=credentials, headers=headers)
    assert by_json.status_code == 200, by_json.text
    assert SESSION_COOKIE in by_json.headers["set-cookie"]
    by_form = _client(db_url).post("/api/session", data=credentials, headers=headers)
    assert by_form.status_code == 200, by_form.text
    page = _client(db_url).post("/sign-in", data=credentials, headers=headers)
    assert page.status_code == 303 and SESSION_COOKIE in page.headers["set-cookie"]


def test_guessing_the_current_password_is_locked_out_like_signing_in(
    db_url: str, db: Database, people: People
) -> None:
    from dataclasses import replace

    from apikit import settings_for
    from bandwise.services.sessions import Throttle
    from bandwise.web.app import create_app

    email = set_password(db, people.lead)
    settings = replace(settings_for(db_url), throttle=Throttle(max_failures=3))
    app = create_app(settings)
    signed = session_client(app, db, people.lead)
    wrong = {"current_password": "not my password!", "new_password": "a brand new password"}
    for _ in range(2):
        answer = signed.client.post("/api/me/password", json=wrong, headers=signed.headers)
        assert_error(answer, 422, "invalid-input", "current_password")
    locked = signed.client.post("/api/me/password", json=wrong, headers=signed.headers)
    assert_error(locked, 429, "too-many-attempts", "current_password")
    assert int(locked.headers["Retry-After"]) > 0
    right = {"current_password": PASSWORD, "new_password": "a brand new password"}
    still = signed.client.post("/api/me/password", json=right, headers=signed.headers)
    assert_error(still, 429, "too-many-attempts")  # even the right one, until the lock ends
    credentials = {"email": email, "password": PASSWORD}
    sign_in = TestClient(app, raise_server_exceptions=False).post("/api/session", json=credentials)
    assert_error(sign_in, 429, "too-many-attempts")  # the same lock as signing in


def test_the_right_current_password_clears_the_count(
    db_url: str, db: Database, people: People
) -> None:
    from dataclasses import replace

    from apikit import settings_for
    from bandwise.services.sessions import Throttle
    from bandwise.web.app import create_app

    set_password(db, people.lead)
    settings = replace(settings_for(db_url), throttle=Throttle(max_failures=2))
    signed = session_client(create_app(settings), db, people.lead)
    wrong = {"current_password": "not my password!", "new_password": "a brand new password"}
    answer = signed.client.post("/api/me/password", json=wrong, headers=signed.headers)
    assert_error(answer, 422, "invalid-input", "current_password")
    right = {"current_password": PASSWORD, "new_password": "a brand new password"}
    changed = signed.client.post("/api/me/password", json=right, headers=signed.headers)
    assert changed.status_code == 200, changed.text
    wrong["current_password"] = PASSWORD  # now wrong again: one failure, not two
    again = signed.client.post("/api/me/password", json=wrong, headers=signed.headers)
    assert_error(again, 422, "invalid-input", "current_password")


def test_the_password_page_says_when_guessing_is_locked_out(
    db_url: str, db: Database, people: People
) -> None:
    from dataclasses import replace

    from apikit import settings_for
    from bandwise.services.sessions import Throttle
    from bandwise.web.app import create_app
    from pagekit import PageClient

    set_password(db, people.lead)
    settings = replace(settings_for(db_url), throttle=Throttle(max_failures=1))
    signed = session_client(create_app(settings), db, people.lead)
    page = PageClient(signed.client, signed.csrf or "")
    form = {
        "current_password": "not my password!",
        "new_password": "a brand new password",
        "confirm_password": "a brand new password",
    }
    answer = page.post("/account/password", form)
    assert answer.status_code == 429 and "too many failed" in answer.text
