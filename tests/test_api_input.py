"""Hostile input through the API and the pages' parsers, on SQLite and PostgreSQL: the
services' rules answer as 422 naming the field (409 for a look-alike address), never a
500; the pages read dates and numbers with the same rules."""

from __future__ import annotations

import pytest

from apikit import LEVELS, assert_error, make_app, token_client
from bandwise.services.base import Database, InvalidInput
from bandwise.services.jobs import create_job
from bandwise.web.pages.deps import parse_date
from dbfixtures import People
from workflowkit import draft, panel


@pytest.mark.parametrize(
    ("level", "words"),
    [
        pytest.param("1(q)", "level 1 has no option (q)", id="unknown-option"),
        pytest.param("5(z)", "level 5 has no option (z)", id="unknown-letter"),
        pytest.param("٥", "is not one of the digits 0-9", id="arabic-indic-digit"),
        pytest.param("５", "is not one of the digits 0-9", id="full-width-digit"),
        pytest.param("5000", "level 5000 is not a level number", id="four-digits"),
        pytest.param("1" * 5000, "at most 20 characters", id="huge"),
    ],
)
def test_scoring_refuses_levels_outside_the_factor_plan_as_422(
    db: Database, db_url: str, people: People, level: str, words: str
) -> None:
    signed = token_client(make_app(db_url), db, people.viewer)
    for path in ("/api/score", "/api/evaluate", "/api/nearest"):
        body = {"levels": [level, *LEVELS[1:]]}
        response = signed.client.post(path, json=body, headers=signed.headers)
        error = assert_error(response, 422, "invalid-input", "levels.0")
        assert words in error["message"] and len(error["message"]) < 400


def test_a_decision_with_an_unknown_option_is_422(
    db: Database, db_url: str, people: People
) -> None:
    signed = token_client(make_app(db_url), db, people.management)
    case = draft(db, people, levels=None)
    response = signed.client.put(
        f"/api/cases/{case.case.id}/decisions/5",
        json={"version": case.case.version, "levels": "3abc"},
        headers=signed.headers,
    )
    error = assert_error(response, 422)
    assert "level 3 has no option (c)" in error["message"]


def test_a_panel_date_before_1900_is_422_like_on_the_pages(
    db: Database, db_url: str, people: People
) -> None:
    signed = token_client(make_app(db_url), db, people.lead)
    case = draft(db, people)
    body = {"version": case.case.version, "sat_on": "1800-01-01", "members": panel(people)}
    response = signed.client.post(
        f"/api/cases/{case.case.id}/outcome", json=body, headers=signed.headers
    )
    error = assert_error(response, 422, "invalid-input", "sat_on")
    assert "1900 to 2100" in error["message"]
    with pytest.raises(InvalidInput, match="between 1900 and 2100"):
        parse_date({"sat_on": "1800-01-01"}, "sat_on", "The panel date", iso=True)


def test_a_document_dated_before_1900_is_422(db: Database, db_url: str, people: People) -> None:
    signed = token_client(make_app(db_url), db, people.lead)
    job = create_job(db, people.lead, "Arts Therapist")
    response = signed.client.post(
        f"/api/jobs/{job.id}/documents",
        data={"kind": "job-description", "document_date": "1800-01-01"},
        files={"file": ("jd.txt", b"A job description.", "text/plain")},
        headers=signed.headers,
    )
    assert_error(response, 422, "invalid-input", "document_date")


@pytest.mark.parametrize("title", ["Eve\x1b[2J", "Bell\x07", "two\nlines", "rtl\u202e"])
def test_a_job_title_with_a_control_character_is_422(
    db: Database, db_url: str, people: People, title: str
) -> None:
    signed = token_client(make_app(db_url), db, people.lead)
    response = signed.client.post("/api/jobs", json={"title": title}, headers=signed.headers)
    error = assert_error(response, 422, "invalid-input", "title")
    assert "control characters" in error["message"]


def test_job_search_matches_wildcards_as_typed(db: Database, db_url: str, people: People) -> None:
    signed = token_client(make_app(db_url), db, people.viewer)
    for title in ["100% time", "1000 time", "a_b", "axb"]:
        create_job(db, people.lead, title)
    for term, titles in [("%25", ["100% time"]), ("_", ["a_b"])]:
        response = signed.client.get(f"/api/jobs?search={term}", headers=signed.headers)
        assert response.status_code == 200, response.text
        assert [j["title"] for j in response.json()["items"]] == titles


def test_a_look_alike_email_is_the_same_account(db: Database, db_url: str, people: People) -> None:
    signed = token_client(make_app(db_url), db, people.admin)
    body = {"email": "ＬＥＡＤ＠trust-a.nhs.example", "name": "Copy", "role": "viewer"}
    response = signed.client.post("/api/users", json=body, headers=signed.headers)
    error = assert_error(response, 409, "conflict", "email")
    assert "lead@trust-a.nhs.example" in error["message"]


@pytest.mark.parametrize(
    "boxes",
    [("٥", "10", "2026"), ("5", "１０", "2026"), ("5", "10", "٢٠٢٦"), ("²", "10", "2026")],
    ids=["arabic-day", "full-width-month", "arabic-year", "superscript-day"],
)
def test_page_dates_are_typed_in_ascii_digits(boxes: tuple[str, str, str]) -> None:
    day, month, year = boxes
    values = {"sat_on_day": day, "sat_on_month": month, "sat_on_year": year}
    with pytest.raises(InvalidInput, match="must be a real date") as info:
        parse_date(values, "sat_on", "The panel date")
    assert info.value.field == "sat_on"
