"""The account page (details, API tokens: created and shown once, revoked) and the admin
pages (users: add with a one-time password shown once, edit role, side and active with
the version read, reset password; the rule set in force), admin only."""

from __future__ import annotations

import re

from bandwise.services import accounts, sessions
from bandwise.services.sessions import resolve_api_token
from dbfixtures import make_people
from pagekit import Web, text_of
from workflowkit import last_audit


def test_account_shows_my_details_and_links_to_the_password_page(web: Web) -> None:
    page = web.client(web.people.staff).get("/account")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "staff@trust-a.nhs.example" in shown and "practitioner" in shown
    assert "staff side" in shown
    assert 'href="/account/password"' in page.text


def test_create_a_token_shown_once_then_revoke_it(web: Web) -> None:
    browser = web.client(web.people.management)
    created = browser.post("/account/tokens", {"name": "nightly export"})
    assert created.status_code == 201
    token = re.search(r'id="new-token"[^>]*>(bw_[^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    assert resolve_api_token(web.db, token) is not None
    assert last_audit(web.db).action == "api-token.created"
    again = browser.get("/account")
    assert "nightly export" in again.text and token not in again.text  # shown only once
    (view,) = sessions.list_api_tokens(web.db, web.people.management)
    revoked = browser.post(f"/account/tokens/{view.id}/revoke")
    assert revoked.status_code == 303
    assert resolve_api_token(web.db, token) is None
    assert last_audit(web.db).action == "api-token.revoked"
    assert "Revoked" in browser.get("/account").text


def test_a_token_without_a_name_is_in_the_summary_and_others_tokens_are_404(web: Web) -> None:
    browser = web.client(web.people.management)
    answer = browser.post("/account/tokens", {"name": ""})
    assert answer.status_code == 422
    assert "nhsuk-error-summary" in answer.text and 'href="#token-name"' in answer.text
    theirs, _ = sessions.create_api_token(web.db, web.people.staff, "staff script")
    assert browser.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    (still,) = sessions.list_api_tokens(web.db, web.people.staff)
    assert still.revoked_at is None


def test_admin_is_for_administrators_only(web: Web) -> None:
    for actor in (web.people.management, web.people.lead, web.people.viewer):
        browser = web.client(actor)
        for url in ("/admin", "/admin/users/new", f"/admin/users/{actor.user_id}", "/admin/rules"):
            assert browser.get(url).status_code == 403, (actor.role, url)
        answer = browser.post(
            "/admin/users/new", {"email": "x@y.nhs.uk", "name": "X", "role": "admin"}
        )
        assert answer.status_code == 403
    page = web.client(web.people.admin).get("/admin")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Trust A" in shown and "Staff2" in shown and "staff side" in shown
    assert "Default matching rules (handbook conventions" in shown and "version 1" in shown
    assert "bandwise-default" not in shown  # the rule set's title, never its id


def test_create_a_user_shows_the_one_time_password_once(web: Web) -> None:
    browser = web.client(web.people.admin)
    assert browser.get("/admin/users/new").status_code == 200
    answer = browser.post(
        "/admin/users/new",
        {
            "email": "New.Person@Trust-A.nhs.example",
            "name": "New Person",
            "role": "practitioner",
            "side": "staff-side",
        },
    )
    assert answer.status_code == 201
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', answer.text).group(1)  # type: ignore[union-attr]
    users = {u.email: u for u in accounts.list_users(web.db, web.people.admin)}
    made = users["new.person@trust-a.nhs.example"]
    assert (made.role, made.side, made.must_change_password) == ("practitioner", "staff-side", True)
    assert last_audit(web.db).action == "user.created"
    signed = sessions.authenticate(web.db, made.email, password, "test")
    assert signed.id == made.id
    assert password not in browser.get("/admin").text
    assert password not in browser.get(f"/admin/users/{made.id}").text


def test_create_user_errors_are_in_the_summary(web: Web) -> None:
    browser = web.client(web.people.admin)
    answer = browser.post(
        "/admin/users/new", {"email": "p@trust-a.nhs.example", "name": "P", "role": "practitioner"}
    )
    assert answer.status_code == 422
    assert 'href="#side"' in answer.text and "A practitioner sits for one side" in answer.text
    assert 'value="p@trust-a.nhs.example"' in answer.text
    duplicate = browser.post(
        "/admin/users/new", {"email": "staff@trust-a.nhs.example", "name": "S", "role": "viewer"}
    )
    assert duplicate.status_code == 409 and 'href="#email"' in duplicate.text


def test_edit_a_users_side_and_a_stale_version_conflicts(web: Web) -> None:
    browser = web.client(web.people.admin)
    target = accounts.get_user(web.db, web.people.admin, web.people.management2.user_id)
    form = browser.get(f"/admin/users/{target.id}")
    assert form.status_code == 200 and f'name="version" value="{target.version}"' in form.text
    data = {
        "name": target.name,
        "role": "practitioner",
        "side": "staff-side",
        "active": "yes",
        "version": str(target.version),
    }
    answer = browser.post(f"/admin/users/{target.id}", data)
    assert answer.status_code == 303
    after = accounts.get_user(web.db, web.people.admin, target.id)
    assert after.side == "staff-side" and last_audit(web.db).action == "user.updated"
    stale = browser.post(f"/admin/users/{target.id}", {**data, "name": "Typed Name"})
    assert stale.status_code == 409
    assert "Someone else changed this user" in stale.text and 'value="Typed Name"' in stale.text
    assert accounts.get_user(web.db, web.people.admin, target.id).name == target.name


def test_the_last_admin_cannot_be_demoted_and_reset_password(web: Web) -> None:
    browser = web.client(web.people.admin)
    me = accounts.get_user(web.db, web.people.admin, web.people.admin.user_id)
    answer = browser.post(
        f"/admin/users/{me.id}",
        {"name": me.name, "role": "viewer", "side": "", "active": "yes", "version": me.version},
    )
    assert answer.status_code == 422 and "at least one active administrator" in answer.text
    reset = browser.post(f"/admin/users/{web.people.viewer.user_id}/password")
    assert reset.status_code == 200
    password = re.search(r'id="one-time-password"[^>]*>([^<]+)<', reset.text).group(1)  # type: ignore[union-attr]
    viewer = accounts.get_user(web.db, web.people.admin, web.people.viewer.user_id)
    assert viewer.must_change_password
    assert sessions.authenticate(web.db, viewer.email, password, "test").id == viewer.id


def test_another_organisations_user_is_404(web: Web) -> None:
    other = make_people(web.db, "trust-b")
    browser = web.client(web.people.admin)
    assert browser.get(f"/admin/users/{other.staff.user_id}").status_code == 404
    assert browser.post(f"/admin/users/{other.staff.user_id}/password").status_code == 404
    assert "trust-b" not in browser.get("/admin").text


def test_the_rule_set_page_shows_every_setting(web: Web) -> None:
    from bandwise.scheme.loader import load_scheme
    from bandwise.scheme.rules import default_rule_set

    page = web.client(web.people.admin).get("/admin/rules")
    assert page.status_code == 200
    shown = text_of(page.text)
    rules = default_rule_set()
    assert f"“{rules.title}”, version {rules.version}" in shown
    assert rules.id not in shown  # titles, never internal ids
    for setting in rules.settings:
        assert " ".join(setting.provenance.split())[:60] in text_of(
            page.text.replace("&#34;", '"').replace("&#39;", "'")
        )
    assert "factor 2, factor 12" in shown and "Change the settings" in shown
    assert load_scheme().edition.title in shown
