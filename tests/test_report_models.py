"""The consistency and board reports through the API are typed (their schemas are in the
OpenAPI document) and still exactly the services' ``to_json()``, with findings of every
kind, re-banding and ageing job descriptions in them; the board figures as PDF, from the
page and from ``bandwise report --from … --to … --pdf FILE``."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from apikit import make_app, token_client
from bandwise.cli import app as cli
from bandwise.services.base import Database
from bandwise.services.consistency import check_consistency
from bandwise.services.reporting import board_report
from bandwise.store.migrate import upgrade
from dbfixtures import People, make_people
from pagekit import Web, text_of, web
from recordfixtures import (
    ARTS_THERAPIST,
    ARTS_THERAPIST_LOWEST,
    add_document,
    add_job,
    add_outcome,
    noon,
    with_level,
)

__all__ = ["web"]


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


def _pdf_words(content: bytes) -> str:
    """The PDF's text without spaces (a table cell's words wrap over lines)."""
    assert content.startswith(b"%PDF-")
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(
        [tool, "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    return re.sub(r"\s+", "", done.stdout.decode())


def test_the_board_page_gives_its_figures_as_pdf(web: Web) -> None:
    _records(web.db, web.people)
    client = web.client(web.people.viewer)
    page = client.get("/reports/board?from=2026-04-01&to=2027-03-31")
    assert 'href="/reports/board.pdf?from=2026-04-01&amp;to=2027-03-31"' in page.text
    pdf = client.get("/reports/board.pdf?from=2026-04-01&to=2027-03-31")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="board-figures-2026-04-01-to-2027-03-31.pdf"'
    )
    words = _pdf_words(pdf.content)
    for fact in ("Board figures", "2026/27 Q1", "Jobs matched to a national profile",
                 "Older than 3 years", "Rebanded therapist", "Senior therapist"):  # fmt: skip
        assert re.sub(r"\s+", "", fact) in words, fact
    bad = client.get("/reports/board.pdf?from=2000-04-01&to=2010-04-01")
    assert bad.status_code == 422 and "at most 10 years" in text_of(bad.text)


def test_the_board_report_command_writes_the_same_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    _records(db, make_people(db))
    out = tmp_path / "board.pdf"
    args = ["report", "--from", "2026-04-01", "--to", "2027-03-31", "--pdf", str(out), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.output)["totals"]["rebanded_up"] == 1
    words = _pdf_words(out.read_bytes())
    assert "Boardfigures" in words and "Jobsre-bandedup" in words
