"""Records, documents and profile suites through the API on SQLite and PostgreSQL: the
consistency and board reports, re-matching (dry run and apply), the outcomes export
download, a case's audit trail in order; document upload and download (limits, sniffed
type, attachment headers, no markup in JSON); suite preview and import."""

from __future__ import annotations

import datetime as dt
import json

from apikit import anonymous, assert_error, make_app, session_client, token_client
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.services import consistency, rematch, reporting, reviews
from bandwise.services.base import Database
from bandwise.services.documents import MAX_DOCUMENT_BYTES
from bandwise.services.jobs import create_job
from dbfixtures import People
from recordfixtures import builtin_suite, change_profile, store_suite
from workflowkit import confirmed, notified

# -- reports ------------------------------------------------------------------------------


def test_the_consistency_and_board_reports_are_the_services_json(
    db: Database, db_url: str, people: People
) -> None:
    confirmed(db, people)
    viewer = token_client(make_app(db_url), db, people.viewer)
    body = viewer.client.get("/api/consistency", headers=viewer.headers).json()
    assert body == json.loads(
        json.dumps(consistency.check_consistency(db, people.viewer).to_json())
    )
    assert body["outcomes_checked"] == 1
    recorded = viewer.client.get("/api/consistency?scope=recorded", headers=viewer.headers)
    assert recorded.status_code == 200
    assert_error(viewer.client.get("/api/consistency?scope=all", headers=viewer.headers), 422)

    url = "/api/reports/board?from=2026-01-01&to=2026-12-31"
    report = viewer.client.get(url, headers=viewer.headers)
    assert report.status_code == 200, report.text
    expected = reporting.board_report(
        db, people.viewer, dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    ).to_json()
    assert report.json() == json.loads(json.dumps(expected, default=str))
    assert report.json()["totals"]["jobs_matched"] == 1
    backwards = "/api/reports/board?from=2026-12-31&to=2026-01-01"
    assert_error(viewer.client.get(backwards, headers=viewer.headers), 422, "invalid-input")
    assert_error(viewer.client.get("/api/reports/board", headers=viewer.headers), 422)


def test_rematch_dry_run_changes_nothing_and_apply_opens_cases(
    db: Database, db_url: str, people: People
) -> None:
    case = confirmed(db, people)
    store_suite(db, people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), 2)
    app = make_app(db_url)
    viewer, lead = token_client(app, db, people.viewer), token_client(app, db, people.lead)
    dry = viewer.client.get("/api/suites/arts-therapies/rematch", headers=viewer.headers)
    assert dry.status_code == 200, dry.text
    expected = rematch.rematch(db, people.viewer, "arts-therapies").to_json()
    assert dry.json() == json.loads(json.dumps(expected))
    assert dry.json()["dry_run"] and [i["job_id"] for i in dry.json()["items"]] == [
        case.case.job_id
    ]
    assert lead.client.get("/api/cases", headers=lead.headers).json()["total"] == 1
    body = {"to_version": 2}
    assert_error(
        viewer.client.post("/api/suites/arts-therapies/rematch", json=body, headers=viewer.headers),
        403,
    )
    applied = lead.client.post(
        "/api/suites/arts-therapies/rematch", json=body, headers=lead.headers
    )
    assert applied.status_code == 200, applied.text
    assert not applied.json()["dry_run"] and len(applied.json()["opened_case_ids"]) == 1
    assert lead.client.get("/api/cases", headers=lead.headers).json()["total"] == 2
    assert_error(lead.client.get("/api/suites/no-such-suite/rematch", headers=lead.headers), 404)


def test_the_export_is_a_download(db: Database, db_url: str, people: People) -> None:
    confirmed(db, people)
    viewer = session_client(make_app(db_url), db, people.viewer)
    response = viewer.client.get("/api/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="bandwise-outcomes-')
    assert disposition.endswith('.csv"')
    lines = response.text.strip().splitlines()
    assert len(lines) == 2 and "Arts Therapist" in lines[1]
    xlsx = viewer.client.get("/api/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK\x03\x04")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert_error(viewer.client.get("/api/export?format=pdf"), 422, field="format")
    assert_error(anonymous(make_app(db_url)).client.get("/api/export"), 401)


# -- audit trail --------------------------------------------------------------------------


def test_a_cases_audit_trail_in_order_with_pages(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    case = notified(db, people)
    reviews.request_review(
        db,
        people.lead,
        case.case.id,
        case.case.version,
        "Jobholder",
        dt.date(2026, 10, 20),
        [3],
        "grounds",
    )
    notified(db, people)  # another case: not in this trail
    app = make_app(db_url)
    viewer = token_client(app, db, people.viewer)
    url = f"/api/cases/{case.case.id}/audit"
    page = viewer.client.get(url, headers=viewer.headers).json()
    assert [e["action"] for e in page["items"]] == [
        "case.opened",
        "case.decisions-changed",
        "case.outcome-recorded",
        "case.checked",
        "case.notified",
        "review.requested",
    ]
    assert page["total"] == 6
    first = page["items"][0]
    assert first["entity"] == "case" and first["entity_id"] == case.case.id
    assert first["user_id"] == people.lead.user_id and first["at"]
    ids = [e["id"] for e in page["items"]]
    assert ids == sorted(ids)
    second = viewer.client.get(f"{url}?offset=2&limit=2", headers=viewer.headers).json()
    assert [e["id"] for e in second["items"]] == ids[2:4] and second["total"] == 6
    assert_error(viewer.client.get(f"{url}?limit=501", headers=viewer.headers), 422)
    stranger = token_client(app, db, other_people.admin)
    assert_error(stranger.client.get(url, headers=stranger.headers), 404, "not-found")


# -- documents ----------------------------------------------------------------------------

JD = b"Job description: Arts Therapist.\nProvides arts therapy to patients.\n"


def test_upload_and_download_a_document(db: Database, db_url: str, people: People) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    app = make_app(db_url)
    practitioner = session_client(app, db, people.management)
    name = "<script>alert(1)<\\script>.pdf"
    response = practitioner.client.post(
        f"/api/jobs/{job.id}/documents",
        files={"file": (name, JD, "text/html")},
        data={"kind": "job-description", "document_date": "2026-09-01"},
        headers=practitioner.headers,
    )
    assert response.status_code == 201, response.text
    assert "<" not in response.text and ">" not in response.text  # escaped as \u003c
    document = response.json()
    assert document["content_type"] == "text/plain; charset=utf-8"  # sniffed, not declared
    assert document["filename"] == "script>.pdf"  # folders dropped, the rest kept as text
    assert document["size"] == len(JD) and document["document_date"] == "2026-09-01"
    assert response.headers["location"] == f"/api/documents/{document['id']}"

    listed = practitioner.client.get(f"/api/jobs/{job.id}/documents").json()
    assert [d["id"] for d in listed] == [document["id"]]
    assert practitioner.client.get(f"/api/documents/{document['id']}").json() == document
    download = practitioner.client.get(f"/api/documents/{document['id']}/content")
    assert download.status_code == 200 and download.content == JD
    assert download.headers["content-type"] == "text/plain; charset=utf-8"
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="script_.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''script%3E.pdf")


def test_document_uploads_are_checked(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    app = make_app(db_url)
    lead = session_client(app, db, people.lead)
    url = f"/api/jobs/{job.id}/documents"

    def upload(content: bytes, signed=lead, **kw: object):  # type: ignore[no-untyped-def]
        return signed.client.post(
            url, files={"file": ("jd.txt", content, "text/plain")}, headers=signed.headers, **kw
        )

    assert_error(upload(b"\x00\x01\x02binary"), 422, "invalid-input", "content")
    assert_error(upload(b""), 422, "invalid-input", "content")
    assert_error(upload(b"a" * (MAX_DOCUMENT_BYTES + 1)), 422, "invalid-input", "content")
    assert_error(upload(b"a" * (MAX_DOCUMENT_BYTES + 200_000)), 413, "too-large")
    bad_kind = lead.client.post(
        url, files={"file": ("jd.txt", JD)}, data={"kind": "poem"}, headers=lead.headers
    )
    assert_error(bad_kind, 422, "invalid-input", "kind")
    no_csrf = lead.client.post(url, files={"file": ("jd.txt", JD)})
    assert_error(no_csrf, 403, "csrf-failed")
    assert_error(upload(JD, token_client(app, db, people.viewer)), 403, "forbidden")
    stranger = token_client(app, db, other_people.lead)
    assert_error(upload(JD, stranger), 404, "not-found")
    ours = upload(JD).json()["id"]
    for path in (f"/api/documents/{ours}", f"/api/documents/{ours}/content", url):
        assert_error(stranger.client.get(path, headers=stranger.headers), 404, "not-found")


# -- profile suites -----------------------------------------------------------------------


def test_suites_preview_import_and_versions(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    seed = SEED_DOCUMENT.read_bytes()
    suites = lead.client.get("/api/suites", headers=lead.headers).json()
    arts = next(s for s in suites if s["suite_id"] == "arts-therapies")
    assert arts["version"] == 1 and arts["builtin"] and "arts-therapist" in arts["profiles"]

    files = {"file": ("seed.txt", seed, "text/plain")}
    preview = lead.client.post("/api/suites/preview", files=files, headers=lead.headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["suite_id"], body["created"], body["version"]) == ("arts-therapies", False, 1)
    assert body["diff"]["changed"] == [] and isinstance(body["findings"], list)

    stale = lead.client.post(
        "/api/suites/import", files=files, data={"version": "0"}, headers=lead.headers
    )
    assert_error(stale, 409, "conflict", "version")
    unchanged = lead.client.post(
        "/api/suites/import", files=files, data={"version": "1"}, headers=lead.headers
    )
    assert unchanged.status_code == 200 and not unchanged.json()["created"]
    assert lead.client.get("/api/suites/arts-therapies/versions", headers=lead.headers).json() == []
    yaml = lead.client.get("/api/suites/arts-therapies/versions/1", headers=lead.headers)
    assert yaml.status_code == 200 and yaml.headers["content-type"].startswith("application/yaml")
    assert "arts-therapist" in yaml.text
    assert_error(
        lead.client.get("/api/suites/arts-therapies/versions/9", headers=lead.headers), 404
    )
    not_a_suite = {"file": ("x.pdf", b"not a pdf at all", "application/pdf")}
    assert_error(
        lead.client.post("/api/suites/preview", files=not_a_suite, headers=lead.headers), 422
    )
    practitioner = token_client(app, db, people.management)
    response = practitioner.client.post(
        "/api/suites/preview", files=files, headers=practitioner.headers
    )
    assert_error(response, 403, "forbidden")
