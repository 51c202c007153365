"""Schemathesis against the OpenAPI document: generated requests (within the schema and
outside it) to a few endpoints, signed in with an API token, never get a 5xx, and every
4xx has the error shape. Bounded: a few examples per endpoint, no deadline."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from apikit import make_app, token_client
from bandwise.services.base import Database
from bandwise.services.cases import open_case
from bandwise.services.jobs import create_job
from dbfixtures import People

OPERATIONS = [
    ("POST", "/api/jobs"),
    ("GET", "/api/jobs"),
    ("PATCH", "/api/jobs/{job_id}"),
    ("GET", "/api/jobs/{job_id}"),
    ("POST", "/api/score"),
    ("POST", "/api/match"),
    ("POST", "/api/evaluate"),
    ("POST", "/api/users"),
    ("POST", "/api/session"),
    ("POST", "/api/tokens"),
    ("POST", "/api/cases"),
    ("GET", "/api/cases"),
    ("GET", "/api/cases/{case_id}"),
    ("PUT", "/api/cases/{case_id}/decisions"),
    ("POST", "/api/cases/{case_id}/outcome"),
    ("POST", "/api/cases/{case_id}/check"),
    ("POST", "/api/cases/{case_id}/reviews"),
    ("POST", "/api/suggest"),
    ("GET", "/api/consistency"),
    ("GET", "/api/reports/board"),
    ("GET", "/api/reports/board/download"),
    ("GET", "/api/returns/je-kpi"),
    ("PUT", "/api/returns/je-kpi/{quarter}/board-readiness"),
    ("PATCH", "/api/register/{job_id}"),
    ("POST", "/api/jd-reviews"),
    ("GET", "/api/returns/je-audit"),
]


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"}, error


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_generated_requests_never_get_a_server_error(
    db: Database, db_url: str, people: People, method: str, path: str, mode: GenerationMode
) -> None:
    app = make_app(db_url)
    job = create_job(db, people.lead, "Arts Therapist")
    auth = token_client(app, db, people.admin).headers
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema[path][method]
    positive = mode == GenerationMode.POSITIVE
    case = open_case(db, people.lead, job.id, "match", "arts-therapist")
    ids = {"job_id": job.id, "case_id": case.case.id}
    fixed = {k: v for k, v in ids.items() if "{" + k + "}" in path} if positive else None
    strategy = operation.as_strategy(mode, headers=auth, path_parameters=fixed)

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        _check(case.call())

    run()
