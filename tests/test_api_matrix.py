"""The authorisation matrix: every endpoint for every role, the expected status written
out literally, through a browser session (cookie and CSRF token) and an API token.

A new endpoint fails ``test_the_matrix_covers_every_endpoint`` until it has a row here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from apikit import LEVELS, Signed, anonymous, make_app, session_client, token_client
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.services import (
    accounts,
    cases,
    documents,
    letter_templates,
    letters,
    organisation,
    reviews,
    sessions,
)
from bandwise.services.base import Database
from bandwise.services.jobs import create_job, get_job
from dbfixtures import People
from test_organisation import png
from workflowkit import notified

PNG = png()  # a real image: a logo is judged by its bytes
FILES, DATA = "__files__", "__data__"  # a multipart body: its files and form fields
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
    "new-case": {"job_id": "{case_job}", "kind": "evaluation"},
    "decisions": {"version": "{case_version}", "decisions": [{"factor": 1, "levels": "5"}]},
    "decision": {"version": "{case_version}", "levels": "5", "evidence": "matrix"},
    "outcome": {
        "version": "{case_version}",
        "sat_on": "2026-10-01",
        "members": ["{management}", "{staff}"],
    },
    "check": {"version": "{case_version}", "decision": "approved"},
    "case-version": {"version": "{case_version}"},
    "review": {
        "version": "{case_version}",
        "requested_by": "Jobholder",
        "requested_on": "2026-10-20",
        "disputed_factors": [1],
        "grounds": "matrix",
    },
    "decide": {"version": "{reviewed_version}", "decision": "upheld"},
    "withdraw": {"version": 999999, "reason": "matrix"},
    "rematch": {"to_version": 1},
    "suggest": {"text": "The post holder provides arts therapy to patients and families."},
    "upload": {FILES: {"file": ("jd.txt", b"A job description for the matrix.", "text/plain")}},
    "suggest-file": {FILES: {"file": ("jd.txt", b"Provides arts therapy to patients.", "")}},
    "suite-doc": {FILES: {"file": ("seed.txt", SEED_DOCUMENT.read_bytes(), "text/plain")}},
    "register": {"band": "5", "staff_group": "Nursing and midwifery registered"},
    "holders": {"as_at": "2026-09-30", "headcount": 3, "wte": 2.5},
    "training": {"trained_on": "2024-01-01"},
    "jd-review": {
        "job_id": "{case_job}",
        "reviewed_on": "2026-06-01",
        "reviewer": "R",
        "result": "unchanged",
    },
    "readiness": {"answers": {"sro-appointed": "yes"}},
    "estimated": {"table": "nm_job_descriptions", "band": "5", "reason": "matrix"},
    "signoff": {"sro_name": "Dr A. Director", "confirmed_on": "2026-10-20"},
    "org-patch": {"version": "{org_version}", "name": "Trust A", "address": "1 High Street"},
    "org-logo": {
        FILES: {"file": ("logo.png", PNG, "image/png")},
        DATA: {"version": "{org_version}"},
    },
    "rule-set": {"settings": {"max_varied_factors": {"value": 4, "reason": "matrix"}}},
    "letters": {"jobholders": [{"name": "Alex Morgan"}]},
    "template": {"subject": "S", "body": "B {{ band }}", "version": "{template_version}"},
    "t-version": {"version": "{template_version}"},
    "suite-import": {
        FILES: {"file": ("seed.txt", SEED_DOCUMENT.read_bytes(), "text/plain")},
        DATA: {"version": "1"},
    },
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
    ("GET",    "/api/cases",                        "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/cases",                        "new-case",     (401, 403, 201, 201, 201, 201)),
    ("GET",    "/api/cases/{case}",                 "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/cases/{case}/preview",         "-",            (401, 200, 200, 200, 200, 200)),
    ("PUT",    "/api/cases/{case}/decisions",       "decisions",    (401, 403, 200, 200, 200, 200)),
    ("PUT",    "/api/cases/{case}/decisions/1",     "decision",     (401, 403, 200, 200, 200, 200)),
    ("POST",   "/api/cases/{case}/outcome",         "outcome",      (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/cases/{case}/check",           "check",        (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/cases/{case}/notification",    "case-version", (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/cases/{case}/close",           "case-version", (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/cases/{case}/reviews",         "review",       (401, 403, 422, 422, 422, 422)),
    ("GET",    "/api/cases/{case}/audit",           "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/cases/{case}/report",          "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/reviews",                      "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/reviews/{review}",             "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/reviews/{review}/decision",    "decide",       (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/reviews/{review}/withdrawal",  "withdraw",     (401, 403, 409, 409, 409, 409)),
    ("POST",   "/api/jobs/{case_job}/documents",    "upload",       (401, 403, 201, 201, 201, 201)),
    ("GET",    "/api/jobs/{case_job}/documents",    "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/documents/{document}",         "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/documents/{document}/content", "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/suites",                       "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/suites/{suite}/versions",      "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/suites/{suite}/versions/1",    "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/suites/preview",               "suite-doc",    (401, 403, 403, 403, 200, 200)),
    ("POST",   "/api/suites/import",                "suite-import", (401, 403, 403, 403, 200, 200)),
    ("GET",    "/api/suites/{suite}/rematch",       "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/suites/{suite}/rematch",       "rematch",      (401, 403, 200, 200, 200, 200)),
    ("GET",    "/api/consistency",                  "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/reports/board?{period}",       "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/export?format=xlsx",           "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/reports/board/download?{period}&format=xlsx",
                                                "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/suggest",                      "suggest",      (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/suggest/file",                 "suggest-file", (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/register",                     "-",            (401, 200, 200, 200, 200, 200)),
    ("PATCH",  "/api/register/{case_job}",          "register",     (401, 403, 200, 200, 200, 200)),
    ("POST",   "/api/register/{case_job}/postholders", "holders",   (401, 403, 200, 200, 200, 200)),
    ("PUT",    "/api/users/{checker}/je-training",  "training",     (401, 403, 403, 403, 403, 204)),
    ("GET",    "/api/jd-reviews",                   "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/jd-reviews",                   "jd-review",    (401, 403, 201, 201, 201, 201)),
    ("GET",    "/api/returns/je-kpi?quarter=2026-Q3", "-",          (401, 200, 200, 200, 200, 200)),
    ("PUT", "/api/returns/je-kpi/{q}/board-readiness", "readiness", (401, 403, 403, 403, 204, 204)),
    ("PUT", "/api/returns/je-kpi/{q}/estimated", "estimated",   (401, 403, 403, 403, 204, 204)),
    ("PUT", "/api/returns/je-kpi/{q}/sro-signoff", "signoff",   (401, 403, 403, 403, 204, 204)),
    ("POST", "/api/returns/je-kpi/{q}/submit", "-",             (401, 403, 403, 403, 422, 422)),
    ("GET",    "/api/returns/je-audit?{period}",    "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/organisation",                 "-",            (401, 200, 200, 200, 200, 200)),
    ("PATCH",  "/api/organisation",                 "org-patch",    (401, 403, 403, 403, 403, 200)),
    ("PUT",    "/api/organisation/logo",            "org-logo",     (401, 403, 403, 403, 403, 200)),
    ("GET",    "/api/organisation/logo",            "-",            (401, 200, 200, 200, 200, 200)),
    ("DELETE", "/api/organisation/logo?version={org_version}", "-", (401, 403, 403, 403, 403, 200)),
    ("GET",    "/api/rule-sets",                    "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/rule-sets/current",            "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/rule-sets",                    "rule-set",     (401, 403, 403, 403, 403, 201)),
    ("GET",    "/api/rule-sets/{local}/{one}",      "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/rule-sets/{local}/{one}/in-force", "-",        (401, 403, 403, 403, 403, 200)),
    ("DELETE", "/api/rule-sets/in-force",           "-",            (401, 403, 403, 403, 403, 200)),
    ("POST",   "/api/cases/{reviewed}/letters",     "letters",      (401, 403, 201, 201, 201, 201)),
    ("GET",    "/api/cases/{reviewed}/letters",     "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/letters/{letter}.pdf",         "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/letters/{letter}.docx",        "-",            (401, 200, 200, 200, 200, 200)),
    ("POST",   "/api/letters/{letter}/email",       "-",            (401, 403, 422, 422, 422, 422)),
    ("POST",   "/api/reviews/{review}/letter",      "-",            (401, 403, 422, 422, 422, 422)),
    ("GET",    "/api/letter-templates",             "-",            (401, 200, 200, 200, 200, 200)),
    ("GET",    "/api/letter-templates/{kind}",      "-",            (401, 200, 200, 200, 200, 200)),
    ("PUT",    "/api/letter-templates/{kind}",      "template",     (401, 403, 403, 403, 200, 200)),
    ("POST",   "/api/letter-templates/{kind}/reset", "t-version",   (401, 403, 403, 403, 200, 200)),
    ("DELETE", "/api/session",                      "-",            (401, 204, 204, 204, 204, 204)),
]
#: Where an API token gets another answer than a session: a token is not signed out.
TOKEN_DIFFERENCES = {("DELETE", "/api/session"): (401, 422, 422, 422, 422, 422)}
# fmt: on


def _template(path: str) -> str:
    """``/api/jobs/{job}?version=...`` -> ``/api/jobs/{}``, for matching app routes."""
    path = path.split("?")[0].replace("arts-therapist", "{id}")
    path = re.sub(r"/decisions/1$", "/decisions/{}", path)
    return re.sub(r"\{[^}]+\}", "{}", re.sub(r"/versions/1$", "/versions/{}", path))


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
    if isinstance(value, list):
        return [_fill(v, context) for v in value]
    return value


@pytest.mark.parametrize("via", ["session", "token"])
def test_every_role_gets_the_expected_status_from_every_endpoint(
    db: Database, db_url: str, people: People, via: str
) -> None:
    app = make_app(db_url)
    job = create_job(db, people.lead, "Arts Therapist")
    lead_token, _ = sessions.create_api_token(db, people.lead, "to revoke")
    case_job = create_job(db, people.lead, "Matrix case job")
    case = cases.open_case(db, people.lead, case_job.id, "match", "arts-therapist")
    reviewed = notified(db, people)
    review = reviews.request_review(
        db,
        people.lead,
        reviewed.case.id,
        reviewed.case.version,
        "Jobholder",
        dt.date(2026, 10, 20),
        [2],
        "matrix",
    )
    document = documents.add_document(
        db, people.lead, case_job.id, "job-description", "jd.txt", b"Job description"
    )
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
        "case_job": lambda: case_job.id,
        "case": lambda: case.case.id,
        "case_version": lambda: cases.get_case(db, people.lead, case.case.id).case.version,
        "management": lambda: people.management.user_id,
        "staff": lambda: people.staff.user_id,
        "review": lambda: review.id,
        "reviewed_version": lambda: cases.get_case(db, people.lead, reviewed.case.id).case.version,
        "document": lambda: document.id,
        "suite": lambda: "arts-therapies",
        "period": lambda: "from=2026-01-01&to=2026-12-31",
        "q": lambda: "2026-Q3",
        "org_version": lambda: organisation.details(db, people.admin).version,
        "local": lambda: "local-trust-a",
        "one": lambda: 1,
        "reviewed": lambda: reviewed.case.id,
        "letter": lambda: letters.list_letters(db, people.lead, reviewed.case.id)[-1].id,
        "kind": lambda: "outcome-manager",
        "template_version": lambda: (
            letter_templates.get_template(db, people.admin, "outcome-manager").version
        ),
    }
    wrong: list[str] = []
    for method, path, body, statuses in MATRIX:
        expected = statuses
        if via == "token":
            expected = TOKEN_DIFFERENCES.get((method, path), statuses)
        for column, signed, status in zip(COLUMNS, clients, expected, strict=True):
            payload = _fill(BODIES[body], context)
            if isinstance(payload, dict) and FILES in payload:
                response = signed.client.request(
                    method,
                    _fill(path, context),
                    files=payload[FILES],
                    data=payload.get(DATA),
                    headers=signed.headers,
                )
            else:
                response = signed.client.request(
                    method, _fill(path, context), json=payload, headers=signed.headers
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
