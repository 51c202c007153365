"""The register and the JE KPI return over the API: the exact contract JSON, refusals
as error bodies, the answers per quarter and the frozen submission."""

from __future__ import annotations

import json
from pathlib import Path

from apikit import assert_error, audit_actions, make_app, token_client
from bandwise.services.base import Database
from dbfixtures import People
from jekit import sample_register

GOLDEN = Path(__file__).parent / "golden_returns" / "je_kpi_2026_q3.json"


def test_the_api_answers_the_q3_return_with_the_golden_json(
    db_url: str, db: Database, people: People
) -> None:
    sample_register(db, people)
    api = token_client(make_app(db_url), db, people.viewer)
    response = api.client.get("/api/returns/je-kpi?quarter=2026-Q3", headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.json() == json.loads(GOLDEN.read_text())


def test_the_api_refuses_a_quarter_that_has_not_ended_as_invalid_input(
    db_url: str, db: Database, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.viewer)
    got = api.client.get("/api/returns/je-kpi?quarter=2099-Q1", headers=api.headers)
    assert "not over yet" in assert_error(got, 422, "invalid-input", "quarter")["message"]
    assert_error(api.client.get("/api/returns/je-kpi?quarter=Q3", headers=api.headers), 422)


def test_a_lead_answers_signs_off_and_submits_and_a_viewer_may_not(
    db_url: str, db: Database, people: People
) -> None:
    sample_register(db, people)
    app = make_app(db_url)
    lead, viewer = token_client(app, db, people.lead), token_client(app, db, people.viewer)
    base = "/api/returns/je-kpi/2026-Q3"
    answers = {
        "read-written-statement": "yes", "received-letter": "yes",
        "sro-appointed": "yes", "nm-profile-review": "no",
    }  # fmt: skip
    refused = viewer.client.put(
        f"{base}/board-readiness", json={"answers": answers}, headers=viewer.headers
    )
    assert_error(refused, 403)
    got = lead.client.put(
        f"{base}/board-readiness", json={"answers": answers}, headers=lead.headers
    )
    assert got.status_code == 204, got.text
    assert_error(lead.client.post(f"{base}/submit", headers=lead.headers), 422, "rule-violation")
    signoff = {"sro_name": "Dr A. Director", "confirmed_on": "2026-10-20"}
    assert (
        lead.client.put(f"{base}/sro-signoff", json=signoff, headers=lead.headers).status_code
        == 204
    )
    assert lead.client.post(f"{base}/submit", headers=lead.headers).status_code == 200
    body = viewer.client.get("/api/returns/je-kpi?quarter=2026-Q3", headers=viewer.headers).json()
    assert body["sro_signoff"] == {"confirmed": True, "by": "Dr A. Director", "on": "2026-10-20"}
    assert [s["answer"] for s in body["board_readiness"]] == ["yes", "yes", "yes", "no"]
    assert "je-return.submitted" in audit_actions(db)


def test_a_jd_review_and_a_register_change_over_the_api(
    db_url: str, db: Database, people: People
) -> None:
    from recordfixtures import add_job

    job_id = add_job(db, people, "Staff nurse", "NM-001")
    api = token_client(make_app(db_url), db, people.lead)
    patch = {"staff_group": "Nursing and midwifery registered", "band": "5"}
    got = api.client.patch(f"/api/register/{job_id}", json=patch, headers=api.headers)
    assert got.status_code == 200, got.text
    assert got.json()["staff_group"] == "nursing-midwifery-registered"
    bad = api.client.patch(
        f"/api/register/{job_id}", json={"staff_group": "Nurses"}, headers=api.headers
    )
    assert_error(bad, 422, "invalid-input", "staff_group")
    review = {
        "job_id": job_id, "reviewed_on": "2026-06-01", "reviewer": "A. Reviewer",
        "result": "band-increased", "band_before": "5", "band_after": "6", "staff_affected": 3,
    }  # fmt: skip
    got = api.client.post("/api/jd-reviews", json=review, headers=api.headers)
    assert got.status_code == 201, got.text
    wrong = review | {"result": "band-decreased"}
    assert_error(
        api.client.post("/api/jd-reviews", json=wrong, headers=api.headers), 422, "rule-violation"
    )
    listed = api.client.get("/api/register", headers=api.headers).json()
    assert listed[0]["jd_last_reviewed"] == "2026-06-01"


def test_the_practices_audit_over_the_api_as_json_and_as_a_pdf(
    db_url: str, db: Database, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.viewer)
    url = "/api/returns/je-audit?from=2025-04-01&to=2026-03-31"
    got = api.client.get(url, headers=api.headers)
    assert got.status_code == 200, got.text
    assert [s["verified"] for s in got.json()["statements"]] == [False] * 7
    pdf = api.client.get(url + "&format=pdf", headers=api.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    backwards = api.client.get(
        "/api/returns/je-audit?from=2026-04-01&to=2025-01-01", headers=api.headers
    )
    assert_error(backwards, 422, "invalid-input", "to")


def test_an_admin_records_a_persons_je_training_date_and_a_lead_may_not(
    db_url: str, db: Database, people: People
) -> None:
    app = make_app(db_url)
    admin, lead = token_client(app, db, people.admin), token_client(app, db, people.lead)
    url = f"/api/users/{people.staff.user_id}/je-training"
    assert_error(lead.client.put(url, json={"trained_on": "2024-02-01"}, headers=lead.headers), 403)
    got = admin.client.put(url, json={"trained_on": "2024-02-01"}, headers=admin.headers)
    assert got.status_code == 204, got.text
    assert "user.je-training-recorded" in audit_actions(db)
