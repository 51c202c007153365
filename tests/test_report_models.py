"""The consistency and board reports through the API are typed (their schemas are in the
OpenAPI document) and still exactly the services' ``to_json()``, with findings of every
kind, re-banding and ageing job descriptions in them."""

from __future__ import annotations

import datetime as dt
import json

from apikit import make_app, token_client
from bandwise.services.base import Database
from bandwise.services.consistency import check_consistency
from bandwise.services.reporting import board_report
from dbfixtures import People
from recordfixtures import (
    ARTS_THERAPIST,
    ARTS_THERAPIST_LOWEST,
    add_document,
    add_job,
    add_outcome,
    noon,
    with_level,
)


def _records(db: Database, people: People) -> None:
    """Alike jobs on one profile, one a factor level away with another verdict, one of
    the same title in another band near a boundary, one re-banded, old job descriptions."""
    may, june, july = noon("2026-05-01"), noon("2026-06-01"), noon("2026-07-01")
    for n in range(3):
        add_outcome(db, people, add_job(db, people, f"Therapist {n}"), recorded_at=may)
    odd = add_job(db, people, "Therapist 0", reference="AT-9")
    add_outcome(db, people, odd, ARTS_THERAPIST_LOWEST, band="6", recorded_at=june)
    away = add_job(db, people, "Senior therapist")
    varied = with_level(ARTS_THERAPIST, 2, "8")
    add_outcome(db, people, away, varied, verdict="match-with-variation", recorded_at=july)
    rebanded = add_job(db, people, "Rebanded therapist")
    add_outcome(
        db, people, rebanded, ARTS_THERAPIST_LOWEST, band="6", recorded_at=noon("2025-01-01")
    )
    add_outcome(db, people, rebanded, recorded_at=noon("2026-08-01"))
    add_document(db, people, away, "2020-01-01")
    add_document(db, people, rebanded, "2025-06-01")


def test_the_consistency_report_is_typed_and_unchanged(
    db: Database, db_url: str, people: People
) -> None:
    _records(db, people)
    expected = check_consistency(db, people.viewer).to_json()
    kinds = ("same_title", "same_profile", "factor_levels", "near_boundary", "outside_profile")
    assert [k for k in kinds if expected[k]] == list(kinds)  # every kind is exercised
    viewer = token_client(make_app(db_url), db, people.viewer)
    response = viewer.client.get("/api/consistency", headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(expected))


def test_the_board_report_is_typed_and_unchanged(db: Database, db_url: str, people: People) -> None:
    _records(db, people)
    expected = board_report(db, people.viewer, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    data = expected.to_json()
    assert data["rebanding"] and data["job_descriptions"]["jobs_older_than_3_years"]
    assert data["job_descriptions"]["jobs_without_job_description"]
    viewer = token_client(make_app(db_url), db, people.viewer)
    url = "/api/reports/board?from=2026-04-01&to=2027-03-31"
    response = viewer.client.get(url, headers=viewer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(json.dumps(data))


def test_the_reports_schemas_are_in_the_openapi_document(db_url: str) -> None:
    spec = make_app(db_url).openapi()
    for path, name in (
        ("/api/consistency", "ConsistencyReportOut"),
        ("/api/reports/board", "BoardReportOut"),
        ("/api/cases/{case_id}/report", "MatchingReport"),
    ):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["$ref"].endswith(f"/{name}"), path
    board = spec["components"]["schemas"]["BoardReportOut"]["properties"]
    assert {"totals", "quarters", "rebanding", "job_descriptions"} <= set(board)
