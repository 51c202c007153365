"""The web API on SQLite and PostgreSQL: signing in and out, cookie flags, CSRF, API
tokens, throttling shared by app instances, tenant isolation, strict inputs,
optimistic concurrency, one error shape everywhere, settings that refuse to run
unsafely, the OpenAPI document, and scoring answers identical to the CLI's."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from apikit import (
    LEVELS,
    PASSWORD,
    SECRET,
    anonymous,
    assert_error,
    audit_actions,
    make_app,
    session_client,
    set_password,
    settings_for,
    token_client,
)
from bandwise.cli import app as cli_app
from bandwise.services import accounts, sessions
from bandwise.services.base import Database
from bandwise.services.jobs import create_job, get_job
from bandwise.web.app import create_app
from bandwise.web.auth import CSRF_HEADER, SESSION_COOKIE
from bandwise.web.settings import ConfigError, Settings
from dbfixtures import People

# -- signing in and out -------------------------------------------------------------------


def _cookie_header(response: Any) -> str:
    header = response.headers.get("set-cookie", "")
    assert header.startswith(f"{SESSION_COOKIE}="), header
    return str(header)


def test_sign_in_sets_a_protected_cookie_and_returns_the_csrf_token(
    db: Database, db_url: str, people: People
) -> None:
    email = set_password(db, people.lead)
    client = TestClient(make_app(db_url))
    response = client.post("/api/session", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["role"] == "je-lead" and body["user"]["email"] == email
    assert len(body["csrf_token"]) >= 32
    flags = [part.strip().lower() for part in _cookie_header(response).split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags
    me = client.get("/api/me").json()
    assert me["via"] == "session" and me["csrf_token"] == body["csrf_token"]
    assert me["user"]["id"] == people.lead.user_id


def test_the_cookie_is_secure_behind_https(db: Database, db_url: str, people: People) -> None:
    email = set_password(db, people.lead)
    client = TestClient(make_app(db_url, https=True))
    response = client.post("/api/session", json={"email": email, "password": PASSWORD})
    assert "secure" in [p.strip().lower() for p in _cookie_header(response).split(";")]
    direct = TestClient(make_app(db_url), base_url="https://testserver")
    response = direct.post("/api/session", json={"email": email, "password": PASSWORD})
    assert "secure" in [p.strip().lower() for p in _cookie_header(response).split(";")]


def test_sign_in_with_a_form_post(db: Database, db_url: str, people: People) -> None:
    email = set_password(db, people.viewer)
    client = TestClient(make_app(db_url))
    response = client.post("/api/session", data={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert client.get("/api/jobs").status_code == 200


def test_a_wrong_password_is_401_with_the_error_shape(
    db: Database, db_url: str, people: People
) -> None:
    email = set_password(db, people.viewer)
    client = TestClient(make_app(db_url))
    response = client.post("/api/session", json={"email": email, "password": "nope nope nope"})
    assert_error(response, 401, "unauthenticated")
    assert "set-cookie" not in response.headers
    response = client.post("/api/session", json={"email": "nobody@x.example", "password": "x"})
    assert_error(response, 401, "unauthenticated")


def test_sign_out_ends_the_session_for_every_client(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    signed = session_client(app, db, people.lead)
    stolen = TestClient(app, cookies=dict(signed.client.cookies))
    assert stolen.get("/api/me").status_code == 200
    response = signed.client.delete("/api/session", headers=signed.headers)
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert_error(signed.client.get("/api/me"), 401, "unauthenticated")
    assert_error(stolen.get("/api/me"), 401, "unauthenticated")
    assert audit_actions(db)[-1] == "session.ended"


def test_a_cookie_not_signed_with_the_servers_secret_is_refused(
    db: Database, db_url: str, people: People
) -> None:
    signed = session_client(make_app(db_url), db, people.lead)
    other_secret = create_app(settings_for(db_url, secret_key="another-secret-" + "k" * 40))
    client = TestClient(other_secret, cookies=dict(signed.client.cookies))
    assert_error(client.get("/api/me"), 401)
    token = signed.client.cookies[SESSION_COOKIE].rpartition(".")[0]
    unsigned = TestClient(make_app(db_url), cookies={SESSION_COOKIE: token})
    assert_error(unsigned.get("/api/me"), 401)


def test_a_one_time_password_must_be_changed_before_anything_else(
    db: Database, db_url: str, people: People
) -> None:
    _, password = accounts.create_user(
        db, people.admin, "new@trust-a.nhs.example", "New", "practitioner", "management"
    )
    client = TestClient(make_app(db_url))
    response = client.post(
        "/api/session", json={"email": "new@trust-a.nhs.example", "password": password}
    )
    assert response.json()["user"]["must_change_password"] is True
    csrf = {CSRF_HEADER: response.json()["csrf_token"]}
    assert_error(client.get("/api/jobs"), 403, "password-change-required")
    assert client.get("/api/me").status_code == 200
    response = client.post(
        "/api/me/password",
        json={"current_password": password, "new_password": "my own good password"},
        headers=csrf,
    )
    assert response.status_code == 200 and not response.json()["user"]["must_change_password"]
    assert client.get("/api/jobs").status_code == 200


# -- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_cookie_requests_that_change_state_need_the_csrf_token(
    db: Database, db_url: str, people: People, csrf: str | None
) -> None:
    app = make_app(db_url)
    signed = session_client(app, db, people.lead)
    job = create_job(db, people.lead, "Arts Therapist")
    headers = {CSRF_HEADER: csrf} if csrf else {}
    client = signed.client
    attempts = [
        client.post("/api/jobs", json={"title": "Forged"}, headers=headers),
        client.patch(f"/api/jobs/{job.id}", json={"version": 1, "title": "X"}, headers=headers),
        client.delete(f"/api/jobs/{job.id}", params={"version": 1}, headers=headers),
        client.post("/api/tokens", json={"name": "forged"}, headers=headers),
        client.delete("/api/session", headers=headers),
    ]
    for response in attempts:
        assert_error(response, 403, "csrf-failed", CSRF_HEADER)
    assert get_job(db, people.lead, job.id).version == 1
    assert client.get("/api/me").status_code == 200  # still signed in; reads need no token


def test_cookie_requests_with_the_csrf_token_are_accepted(
    db: Database, db_url: str, people: People
) -> None:
    signed = session_client(make_app(db_url), db, people.lead)
    client, headers = signed.client, signed.headers
    created = client.post("/api/jobs", json={"title": "Arts Therapist"}, headers=headers)
    assert created.status_code == 201
    job_id = created.json()["id"]
    assert created.headers["location"] == f"/api/jobs/{job_id}"
    patched = client.patch(
        f"/api/jobs/{job_id}", json={"version": 1, "department": "Therapies"}, headers=headers
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    archived = client.delete(f"/api/jobs/{job_id}", params={"version": 2}, headers=headers)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    form = client.post(
        "/api/session",  # a form post may carry the token as a field instead
        data={"email": "x@y.example", "password": "pw", "csrf_token": signed.csrf or ""},
    )
    assert_error(form, 401)


def test_bearer_tokens_work_without_csrf_and_revoked_ones_are_refused(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    browser = session_client(app, db, people.lead)
    created = browser.client.post("/api/tokens", json={"name": "ci"}, headers=browser.headers)
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("bw_")
    listed = browser.client.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    script = TestClient(app)
    auth = {"Authorization": f"Bearer {token}"}
    response = script.post("/api/jobs", json={"title": "From a script"}, headers=auth)
    assert response.status_code == 201
    assert script.get("/api/me", headers=auth).json()["via"] == "token"
    revoked = browser.client.delete(f"/api/tokens/{created.json()['id']}", headers=browser.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(script.get("/api/jobs", headers=auth), 401, "unauthenticated")
    assert_error(script.get("/api/jobs", headers={"Authorization": "Bearer bw_nope"}), 401)
    assert_error(script.get("/api/jobs", headers={"Authorization": "Basic eDp5"}), 401)


def test_a_bearer_token_wins_over_a_cookie(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    browser = session_client(app, db, people.viewer)
    _, token = sessions.create_api_token(db, people.lead, "lead script")
    response = browser.client.post(
        "/api/jobs", json={"title": "As the lead"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201  # the lead's token, no CSRF, not the viewer's cookie


# -- throttling ---------------------------------------------------------------------------


def test_sign_in_throttling_is_shared_by_two_app_instances(
    db: Database, db_url: str, people: People
) -> None:
    email = set_password(db, people.lead)
    first, second = TestClient(make_app(db_url)), TestClient(make_app(db_url))
    wrong = {"email": email, "password": "wrong password!"}
    for client in (first, second, first, second):
        assert_error(client.post("/api/session", json=wrong), 401)
    locked = second.post("/api/session", json=wrong)
    error = assert_error(locked, 429, "too-many-attempts", "email")
    assert "try again after" in error["message"]
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60 + 1
    right = {"email": email, "password": PASSWORD}
    assert_error(first.post("/api/session", json=right), 429, "too-many-attempts")


# -- tenants, inputs, concurrency, errors ----------------------------------------------------


def test_another_organisations_job_is_not_found(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    theirs = create_job(db, other_people.lead, "Their job")
    signed = session_client(make_app(db_url), db, people.admin)
    client, headers = signed.client, signed.headers
    assert_error(client.get(f"/api/jobs/{theirs.id}"), 404, "not-found")
    assert_error(
        client.patch(f"/api/jobs/{theirs.id}", json={"version": 1, "title": "x"}, headers=headers),
        404,
    )
    assert_error(client.delete(f"/api/jobs/{theirs.id}?version=1", headers=headers), 404)
    assert_error(client.get(f"/api/users/{other_people.viewer.user_id}"), 404)
    assert client.get("/api/jobs").json()["total"] == 0
    assert get_job(db, other_people.lead, theirs.id).title == "Their job"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"title": True}, "title"),
        ({"title": None}, "title"),
        ({"title": "Job", "colour": "red"}, "colour"),
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"title": "Job", "reference": 7}, "reference"),
    ],
)
def test_job_inputs_are_strict(
    db: Database, db_url: str, people: People, body: dict[str, Any], field: str
) -> None:
    signed = session_client(make_app(db_url), db, people.lead)
    response = signed.client.post("/api/jobs", json=body, headers=signed.headers)
    assert_error(response, 422, "invalid-input", field)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": "1", "title": "x"}, "version"),
        ({"version": False, "title": "x"}, "version"),
        ({"version": 1.0, "title": "x"}, "version"),
        ({"version": 1, "title": None}, "title"),
        ({"version": 1, "status": "deleted"}, "status"),
        ({"version": 1, "id": 9}, "id"),
        ({"title": "x"}, "version"),
        ({"version": 2**40, "title": "x"}, "version"),
    ],
)
def test_job_updates_are_strict(
    db: Database, db_url: str, people: People, body: dict[str, Any], field: str
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    signed = session_client(make_app(db_url), db, people.lead)
    response = signed.client.patch(f"/api/jobs/{job.id}", json=body, headers=signed.headers)
    assert_error(response, 422, "invalid-input", field)
    assert get_job(db, people.lead, job.id).version == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
     ("limit=ten", "limit"), ("status=deleted", "status")],
)  # fmt: skip
def test_list_parameters_are_checked(
    db: Database, db_url: str, people: People, query: str, field: str
) -> None:
    signed = session_client(make_app(db_url), db, people.viewer)
    assert_error(signed.client.get(f"/api/jobs?{query}"), 422, "invalid-input", field)


def test_jobs_are_listed_in_pages_with_filters(db: Database, db_url: str, people: People) -> None:
    for i in range(7):
        create_job(db, people.lead, f"Job {i}", reference=f"R{i}",
                   department="Therapies" if i % 2 else "Estates")  # fmt: skip
    client = session_client(make_app(db_url), db, people.viewer).client
    page = client.get("/api/jobs", params={"offset": 2, "limit": 3}).json()
    assert page["total"] == 7 and (page["offset"], page["limit"]) == (2, 3)
    assert [j["title"] for j in page["items"]] == ["Job 2", "Job 3", "Job 4"]
    therapies = client.get("/api/jobs", params={"department": "Therapies"}).json()
    assert therapies["total"] == 3
    assert client.get("/api/jobs", params={"search": "r5"}).json()["items"][0]["title"] == "Job 5"


def test_a_stale_update_is_409_and_nothing_is_lost(
    db: Database, db_url: str, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    app = make_app(db_url)
    alice = session_client(app, db, people.lead)
    bob = session_client(app, db, people.management)
    read_by_both = alice.client.get(f"/api/jobs/{job.id}").json()["version"]
    first = alice.client.patch(
        f"/api/jobs/{job.id}",
        json={"version": read_by_both, "department": "Therapies"},
        headers=alice.headers,
    )
    assert first.status_code == 200
    stale = bob.client.patch(
        f"/api/jobs/{job.id}",
        json={"version": read_by_both, "title": "Senior Arts Therapist"},
        headers=bob.headers,
    )
    assert_error(stale, 409, "conflict", "version")
    now = bob.client.get(f"/api/jobs/{job.id}").json()
    assert (now["title"], now["department"], now["version"]) == ("Arts Therapist", "Therapies", 2)
    retry = bob.client.patch(
        f"/api/jobs/{job.id}",
        json={"version": now["version"], "title": "Senior Arts Therapist"},
        headers=bob.headers,
    )
    assert retry.json()["title"] == "Senior Arts Therapist"
    assert retry.json()["department"] == "Therapies"
    stale_archive = bob.client.delete(f"/api/jobs/{job.id}?version=2", headers=bob.headers)
    assert_error(stale_archive, 409, "conflict")


def test_unknown_paths_methods_and_bad_json_have_the_error_shape(
    db: Database, db_url: str, people: People
) -> None:
    signed = session_client(make_app(db_url), db, people.lead)
    client = signed.client
    assert_error(client.get("/api/nowhere"), 404, "not-found")
    assert_error(client.put("/api/jobs", json={}, headers=signed.headers), 405)
    assert_error(
        client.post(
            "/api/jobs",
            content=b"{not json",
            headers={**signed.headers, "content-type": "application/json"},
        ),
        422,
        "invalid-input",
    )
    assert_error(
        client.post("/api/session", content=b"{", headers={"content-type": "application/json"}),
        422,
    )
    assert_error(anonymous(make_app(db_url)).client.get("/api/jobs"), 401, "unauthenticated")


def test_an_unexpected_error_is_a_500_without_a_traceback(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    router = APIRouter()

    @router.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app = create_app(settings_for(db_url), routers=[router])
    with caplog.at_level(logging.ERROR, logger="bandwise.web"):
        response = TestClient(app, raise_server_exceptions=False).get("/api/explode")
    error = assert_error(response, 500, "internal-error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    reference = error["message"].split("reference ")[1].split(")")[0]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_security_headers_are_set(db_url: str) -> None:
    response = TestClient(make_app(db_url)).get("/api/health")
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_health_is_503_when_the_database_is_unreachable(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/missing/dir/x.db"
    app = make_app(url)
    app.state.db.engine.dispose()
    broken = Database.connect("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    app.state.db = broken
    assert_error(TestClient(app).get("/api/health"), 503, "unavailable")
    broken.engine.dispose()


# -- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret", ["", "change-me", "CHANGEME", "secret", "please-change-me-now-to-something-good",
               "short-but-random-9f8e", "x" * 64]
)  # fmt: skip
def test_a_missing_or_placeholder_secret_is_refused_outside_development(
    db_url: str, secret: str
) -> None:
    env = {"BANDWISE_DATABASE_URL": db_url, "BANDWISE_SECRET_KEY": secret}
    with pytest.raises(ConfigError, match="BANDWISE_SECRET_KEY"):
        create_app(Settings.from_env(env))
    dev = Settings.from_env({**env, "BANDWISE_ENV": "development"})
    assert TestClient(create_app(dev)).get("/api/health").status_code == 200


def test_settings_come_from_the_environment(tmp_path: Any) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET + "\n")
    settings = Settings.from_env(
        {
            "BANDWISE_DATABASE_URL": "postgresql://u:p@db/bandwise",
            "BANDWISE_SECRET_KEY_FILE": str(key_file),
            "BANDWISE_HTTPS": "1",
            "BANDWISE_SESSION_HOURS": "8",
            "BANDWISE_LOGIN_MAX_FAILURES": "3",
        }
    )
    settings.validate()
    assert settings.database_url == "postgresql+psycopg://u:p@db/bandwise"
    assert settings.secret_key == SECRET and settings.https
    assert settings.session_lifetime.total_seconds() == 8 * 3600
    assert settings.throttle.max_failures == 3
    assert SECRET not in repr(settings)
    with pytest.raises(ConfigError, match="BANDWISE_ENV"):
        Settings.from_env({"BANDWISE_ENV": "staging", "BANDWISE_SECRET_KEY": SECRET})
    with pytest.raises(ConfigError, match="not a number"):
        Settings.from_env({"BANDWISE_SECRET_KEY": SECRET, "BANDWISE_SESSION_HOURS": "a day"})


def test_importing_the_web_package_reads_no_settings_and_connects_nowhere() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env["BANDWISE_DATABASE_URL"] = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"
    code = "import bandwise.web.app as m; assert not hasattr(m, 'app'); print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


# -- OpenAPI ------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_the_api(db_url: str) -> None:
    import schemathesis

    app = make_app(db_url)
    document = TestClient(app).get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()
    paths = set(document["paths"])
    assert all(p.startswith("/api/") for p in paths)
    assert {"/api/session", "/api/me", "/api/jobs", "/api/jobs/{job_id}", "/api/match",
            "/api/score", "/api/evaluate", "/api/nearest", "/api/profiles",
            "/api/profiles/{profile_id}", "/api/scheme", "/api/health", "/api/tokens",
            "/api/users"} <= paths  # fmt: skip
    schemes = document["components"]["securitySchemes"]
    assert schemes["token"]["scheme"] == "bearer" and schemes["session"]["in"] == "cookie"
    job_in = document["components"]["schemas"]["JobIn"]
    assert job_in["additionalProperties"] is False


# -- scoring: the same answers as the command line ------------------------------------------


def _cli_json(*args: str) -> Any:
    result = CliRunner().invoke(cli_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_scoring_endpoints_answer_exactly_like_the_cli(
    db: Database, db_url: str, people: People
) -> None:
    signed = token_client(make_app(db_url), db, people.viewer)
    client, auth = signed.client, signed.headers
    levels = ",".join(LEVELS)

    def post(path: str, body: dict[str, Any]) -> Any:
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 200, response.text
        return response.json()

    assert post("/api/score", {"levels": LEVELS}) == _cli_json("score", "--levels", levels)
    assert post("/api/evaluate", {"levels": LEVELS}) == _cli_json("evaluate", "--levels", levels)
    assert post("/api/match", {"profile_id": "arts-therapist", "levels": LEVELS}) == _cli_json(
        "match", "--profile", "arts-therapist", "--levels", levels
    )
    assert post(
        "/api/match", {"profile_id": "arts-therapist", "levels": LEVELS, "hybrid": True}
    ) == _cli_json("match", "--profile", "arts-therapist", "--levels", levels, "--hybrid")
    assert post("/api/nearest", {"levels": LEVELS, "top": 3}) == _cli_json(
        "nearest", "--levels", levels, "--top", "3"
    )
    assert client.get("/api/scheme", headers=auth).json() == _cli_json("scheme", "show")
    assert client.get("/api/profiles", headers=auth).json() == _cli_json("profiles", "list")
    assert client.get("/api/profiles/arts-therapist", headers=auth).json() == _cli_json(
        "profiles", "show", "arts-therapist"
    )


def test_scoring_errors_name_the_field(db: Database, db_url: str, people: People) -> None:
    signed = token_client(make_app(db_url), db, people.viewer)
    client, auth = signed.client, signed.headers
    bad = [*LEVELS[:3], "9", *LEVELS[4:]]
    ranged = [*LEVELS[:3], "2-3", *LEVELS[4:]]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/score", {"levels": bad}, "levels.3"),
        ("/api/score", {"levels": ranged}, "levels.3"),
        ("/api/evaluate", {"levels": bad}, "levels.3"),
        ("/api/match", {"levels": LEVELS[:15], "profile_id": "x"}, "levels"),
        ("/api/match", {"levels": [5] * 16, "profile_id": "x"}, "levels.0"),
        ("/api/match", {"levels": LEVELS, "profile_id": "nope"}, "profile_id"),
        ("/api/match", {"levels": LEVELS, "profile_id": "arts-therapist", "hybrid": 1}, "hybrid"),
        ("/api/nearest", {"levels": LEVELS, "top": "3"}, "top"),
        ("/api/nearest", {"levels": LEVELS, "top": 0}, "top"),
    ]
    for path, body, field in cases:
        response = client.post(path, json=body, headers=auth)
        assert_error(response, 422, "invalid-input", field)
    assert client.post("/api/evaluate", json={"levels": ranged}, headers=auth).status_code == 200
    assert_error(client.get("/api/profiles/nope", headers=auth), 404, "not-found")
