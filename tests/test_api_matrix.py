"""The authorisation matrix: every endpoint for every role, the expected status written
out literally, through a browser session (cookie and CSRF token) and an API token.

A new endpoint fails ``test_the_matrix_covers_every_endpoint`` until it has a row here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from apikit import LEVELS, Signed, anonymous, make_app, session_client, token_client
from bandwise.services import accounts
from bandwise.services.base import Database
from bandwise.services.jobs import create_job, get_job
from dbfixtures import People

COLUMNS = ("anonymous", "viewer", "practitioner", "staff-side", "je-lead", "admin")
BODIES: dict[str, Any] = {
    "-": None,
    "bad-password": {"current_password": "not my password", "new_password": "a new password!"},
    "token": {"name": "matrix"},
    "new-user": {"email": "{column}@new.example", "name": "New", "role": "viewer"},
    "rename-user": {"version": "{checker_version}", "name": "Renamed"},
    "new-job": {"title": "Matrix job"},
    "rename-job": {"version": "{version}", "title": "Renamed"},
    "levels": {"levels": LEVELS},
    "match": {"profile_id": "arts-therapist", "levels": LEVELS},
    "bad-sign-in": {"email": "{column}@nobody.example", "password": "wrong"},
}

# fmt: off
MATRIX: list[tuple[str, str, str, tuple[int, ...]]] = [
    # method   path                                 body            anon view prac staf lead admn
    ("GET",    "/api/health",                       "-",            (200, 200, 200, 200, 200, 200)),
    ("GET",    "/api/me",                           "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/me/password",                  "bad-password", (401, 422, 422, 422, 422, 422)),
    ("GET",    "/api/tokens",                       "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/tokens",                       "token",        (401, 201, 201, 201, 201, 201)),
    ("DELETE", "/api/tokens/{lead_token}",          "-",            (401, 404, 404, 404, 200, 200)),
    ("GET",    "/api/users",                        "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/users",                        "new-user",     (401, 403, 403, 403, 403, 201)),
    ("GET",    "/api/users/{checker}",              "-",            (401, 200, 200, 200, 200, 200)),
    ("PATCH",  "/api/users/{checker}",              "rename-user",  (401, 403, 403, 403, 403, 200)),
    ("POST",   "/api/users/{other}/password-reset", "-",            (401, 403, 403, 403, 403, 200)),
    ("GET",    "/api/jobs",                         "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/jobs",                         "new-job",      (401, 403, 201, 201, 201, 201)),
    ("GET",    "/api/jobs/{job}",                   "-",            (401, 200, 200, 200, 200, 200)),
    ("PATCH",  "/api/jobs/{job}",                   "rename-job",   (401, 403, 200, 200, 200, 200)),
    ("DELETE", "/api/jobs/{job}?version={version}", "-",            (401, 403, 200, 200, 200, 200)),
    ("GET",    "/api/scheme",                       "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/profiles",                     "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/profiles/arts-therapist",      "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/score",                        "levels",       (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/match",                        "match",        (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/evaluate",                     "levels",       (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/nearest",                      "levels",       (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/session",                      "bad-sign-in",  (401, 401, 401, 401, 401, 401)),
    ("DELETE", "/api/session",                      "-",            (401, 204, 204, 204, 204, 204)),
]
#: Where an API token gets another answer than a session: a token is not signed out.
TOKEN_DIFFERENCES = {("DELETE", "/api/session"): (401, 422, 422, 422, 422, 422)}
# fmt: on


def _template(path: str) -> str:
    """``/api/jobs/{job}?version=...`` -> ``/api/jobs/{}``, for matching app routes."""
    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0].replace("arts-therapist", "{id}"))


def test_the_matrix_covers_every_endpoint(db_url: str) -> None:
    routes = {
        (method.upper(), _template(path))
        for path, operations in make_app(db_url).openapi()["paths"].items()
        for method in operations
    }
    rows = {(method, _template(path)) for method, path, _, _ in MATRIX}
    assert routes - rows == set(), "endpoints without a row in the matrix"
    assert rows - routes == set(), "rows for endpoints that do not exist"


def _fill(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        if whole:
            return context[whole.group(1)]()
        return re.sub(r"\{(\w+)\}", lambda m: str(context[m.group(1)]()), value)
    if isinstance(value, dict):
        return {k: _fill(v, context) for k, v in value.items()}
    return value


@pytest.mark.parametrize("via", ["session", "token"])
def test_every_role_gets_the_expected_status_from_every_endpoint(
    db: Database, db_url: str, people: People, via: str
) -> None:
    app = make_app(db_url)
    job = create_job(db, people.lead, "Arts Therapist")
    lead_token, _ = accounts.create_api_token(db, people.lead, "to revoke")
    actors = (people.viewer, people.management, people.staff, people.lead, people.admin)
    sign = session_client if via == "session" else token_client
    clients: list[Signed] = [anonymous(app), *(sign(app, db, a) for a in actors)]
    column = ""
    context = {
        "job": lambda: job.id,
        "version": lambda: get_job(db, people.lead, job.id).version,
        "checker": lambda: people.checker.user_id,
        "checker_version": lambda: (
            accounts.get_user(db, people.admin, people.checker.user_id).version
        ),
        "other": lambda: people.management2.user_id,
        "lead_token": lambda: lead_token.id,
        "column": lambda: column,
    }
    wrong: list[str] = []
    for method, path, body, statuses in MATRIX:
        expected = statuses
        if via == "token":
            expected = TOKEN_DIFFERENCES.get((method, path), statuses)
        for column, signed, status in zip(COLUMNS, clients, expected, strict=True):
            response = signed.client.request(
                method,
                _fill(path, context),
                json=_fill(BODIES[body], context),
                headers=signed.headers,
            )
            if response.status_code != status:
                wrong.append(
                    f"{method} {path} as {column}: {response.status_code} "
                    f"(expected {status}) {response.text[:200]}"
                )
            elif status >= 400:
                error = response.json()["error"]
                assert set(error) == {"code", "message", "field"}, error
    assert not wrong, "\n".join(wrong)
