"""The register and the JE KPI return as pages: the import's preview then import, each
bad row shown, and a quarter's return answered, signed off and submitted by a lead."""

from __future__ import annotations

import html
import re

from bandwise.services import register
from jekit import sample_register
from pagekit import Web, text_of

CSV = (
    "reference,title,staff_group,band,jd_last_reviewed,headcount,wte,status\n"
    "NM-001,Staff nurse,Nursing and midwifery registered,5,01/03/2026,40,36.5,in use\n"
    "NM-002,Ward sister,Nursing and midwifery registered,6z,2026-13-01,,,in use\n"
)


def test_the_import_page_previews_then_imports_the_good_rows(web: Web) -> None:
    lead = web.client(web.people.lead)
    files = {"file": ("register.csv", CSV.encode(), "text/csv")}
    preview = lead.client.post(
        "/register/import", data={"csrf_token": lead.csrf}, files=files, follow_redirects=False
    )
    assert preview.status_code == 200, preview.text
    text = text_of(preview.text)
    assert "1 new job, 0 to update, 2 with errors" in text
    assert "6z" in text and "2026-13-01" in text
    assert register.list_register(web.db, web.people.viewer) == []  # a preview saves nothing
    rows = re.search(r'name="rows" value="([^"]*)"', preview.text)
    assert rows is not None
    done = lead.post(
        "/register/import",
        {"action": "import", "rows": html.unescape(rows[1]), "skip_bad": "yes"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/register?imported=1"
    page = text_of(lead.get("/register?imported=1").text)
    assert "Staff nurse" in page and "Nursing and midwifery registered" in page


def test_an_import_without_a_file_says_so_on_the_page(web: Web) -> None:
    got = web.client(web.people.lead).post("/register/import", {})
    assert got.status_code == 422
    assert "Select a CSV or XLSX file" in text_of(got.text) or "select a CSV" in got.text


def test_a_tampered_preview_is_refused_not_a_server_error(web: Web) -> None:
    got = web.client(web.people.lead).post("/register/import", {"action": "import", "rows": "{"})
    assert got.status_code == 422 and "upload the file again" in got.text


def test_the_return_page_shows_the_figures_gaps_and_the_lead_submits_it(web: Web) -> None:
    sample_register(web.db, web.people)
    lead = web.client(web.people.lead)
    page = lead.get("/returns/je-kpi?quarter=2026-Q3")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Nursing and midwifery job descriptions in use" in text
    assert "NM-007 Practice educator: no band" in text
    assert "30 September 2026" in text
    base = "/returns/je-kpi/2026-Q3"
    answers = {
        "read-written-statement": "yes", "received-letter": "yes",
        "sro-appointed": "yes", "nm-profile-review": "yes",
    }  # fmt: skip
    assert lead.post(f"{base}/readiness", answers).status_code == 303
    refused = lead.post(f"{base}/submit", {})
    assert refused.status_code == 422 and "SRO has not signed off" in refused.text
    signed = lead.post(
        f"{base}/signoff",
        {"sro_name": "Dr A. Director", "confirmed_on_day": "20", "confirmed_on_month": "10",
         "confirmed_on_year": "2026"},
    )  # fmt: skip
    assert signed.status_code == 303, signed.text
    assert lead.post(f"{base}/submit", {}).status_code == 303
    text = text_of(lead.get("/returns/je-kpi?quarter=2026-Q3").text)
    assert "Submitted" in text and "Approved by Dr A. Director on 20 October 2026" in text


def test_a_future_quarter_on_the_return_page_is_an_error_message_not_a_crash(web: Web) -> None:
    got = web.client(web.people.viewer).get("/returns/je-kpi?quarter=2099-Q1")
    assert got.status_code == 422 and "not over yet" in got.text


def test_a_practitioner_may_not_answer_the_return_and_is_told_so(web: Web) -> None:
    got = web.client(web.people.management).post(
        "/returns/je-kpi/2026-Q3/readiness", {"sro-appointed": "yes"}
    )
    assert got.status_code == 403 and "may not answer or submit" in got.text


def test_a_viewer_sees_the_return_without_the_forms(web: Web) -> None:
    got = web.client(web.people.viewer).get("/returns/je-kpi?quarter=2026-Q3")
    assert got.status_code == 200 and "Record the sign-off" not in got.text
    assert web.client(web.people.viewer).get("/register").status_code == 200


def test_a_lead_records_a_jd_review_and_postholders_on_the_register_entry_page(web: Web) -> None:
    from recordfixtures import add_job

    job_id = add_job(web.db, web.people, "Staff nurse", "NM-001")
    lead = web.client(web.people.lead)
    assert lead.get(f"/register/{job_id}").status_code == 200
    review = {
        "reviewed_on_day": "1", "reviewed_on_month": "6", "reviewed_on_year": "2026",
        "reviewer": "A. Reviewer", "result": "band-increased", "band_before": "5",
        "band_after": "6", "staff_affected": "4",
    }  # fmt: skip
    assert lead.post(f"/register/{job_id}/review", review).status_code == 303
    wrong = review | {"result": "band-decreased"}
    refused = lead.post(f"/register/{job_id}/review", wrong)
    assert refused.status_code == 422 and "band-increased" in refused.text
    held = {"as_at_day": "30", "as_at_month": "9", "as_at_year": "2026", "headcount": "4",
            "wte": "3.6"}  # fmt: skip
    assert lead.post(f"/register/{job_id}/postholders", held).status_code == 303
    fields = {"staff_group": "nursing-midwifery-registered", "band": "6"}
    assert lead.post(f"/register/{job_id}/fields", fields).status_code == 303
    text = text_of(lead.get(f"/register/{job_id}").text)
    assert "1 June 2026, A. Reviewer: JD changed, band increased (band 5 to 6), 4 staff" in text
    assert "30 September 2026 4 3.60" in text
    entry = register.get_entry(web.db, web.people.viewer, job_id)
    assert (entry.staff_group, entry.band, str(entry.jd_last_reviewed)) == (
        "nursing-midwifery-registered", "6", "2026-06-01",
    )  # fmt: skip


def test_the_register_import_page_is_not_taken_for_a_job_number(web: Web) -> None:
    assert web.client(web.people.lead).get("/register/import").status_code == 200
    assert web.client(web.people.lead).get("/register/99999").status_code == 404


def test_a_download_of_a_quarter_not_ended_is_an_error_page_not_a_server_error(web: Web) -> None:
    viewer = web.client(web.people.viewer)
    got = viewer.get("/returns/je-kpi.xlsx?quarter=2099-Q1")
    assert got.status_code == 422 and "not over yet" in got.text
    assert viewer.get("/returns/je-kpi.xlsx?quarter=2026-Q3").content[:2] == b"PK"


def test_the_practices_audit_page_shows_each_statement_and_an_admin_records_training(
    web: Web,
) -> None:
    admin = web.client(web.people.admin)
    page = admin.get("/returns/je-audit?from=2025-04-01&to=2026-03-31")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Partnership working" in text and "Our wording" in text
    assert admin.get("/returns/je-audit.pdf?from=2025-04-01&to=2026-03-31").content[:4] == b"%PDF"
    trained = {
        "user_id": str(web.people.staff.user_id),
        "trained_on_day": "1", "trained_on_month": "2", "trained_on_year": "2024",
    }  # fmt: skip
    assert admin.post("/returns/je-audit/training", trained).status_code == 303
    refused = web.client(web.people.lead).post("/returns/je-audit/training", trained)
    assert refused.status_code == 403 and "may not manage users" in refused.text
    bad = web.client(web.people.viewer).get("/returns/je-audit?from=2026-13-01")
    assert bad.status_code == 422 and "real date" in bad.text


def test_the_register_page_filters_by_staff_group_and_pages_a_large_register(web: Web) -> None:
    from bandwise.web.pages.register import PAGE_SIZE

    sample_register(web.db, web.people)
    viewer = web.client(web.people.viewer)
    text = text_of(viewer.get("/register?group=allied-health-professionals").text)
    assert "1 job" in text and "Physiotherapist" in text and "Staff nurse" not in text
    assert "No jobs in this staff group" in viewer.get("/register?group=students").text
    from recordfixtures import add_job

    for n in range(PAGE_SIZE):
        add_job(web.db, web.people, f"Post {n}", f"P-{n}")
    first = text_of(viewer.get("/register").text)
    assert f"{PAGE_SIZE + 8} jobs (page 1 of 2)" in first
    assert "Post 99" in text_of(viewer.get("/register?page=2").text)
