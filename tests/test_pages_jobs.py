"""The jobs pages: list and search, create and edit (a stale version is a conflict that
keeps what was typed), documents (upload, download back byte-identical as an attachment,
names escaped), and opening a case with a profile found by search."""

from __future__ import annotations

import html
import re

from bandwise.services import cases, documents, jobs
from bandwise.store import tables as t
from dbfixtures import make_people
from pagekit import Web, text_of
from workflowkit import audit_events, last_audit

XSS = "<img src=x onerror=alert(1)>.txt"


def _job(web: Web, title: str = "Arts Therapist", reference: str = "AT-1") -> jobs.JobView:
    return jobs.create_job(web.db, web.people.lead, title, reference, "Therapies")


def test_create_a_job_through_the_form_is_audited(web: Web) -> None:
    browser = web.client(web.people.lead)
    page = browser.get("/jobs/new")
    assert page.status_code == 200 and "Add a job" in page.text
    answer = browser.post(
        "/jobs/new", {"title": "Music Therapist", "reference": "MT-7", "department": "Therapies"}
    )
    assert answer.status_code == 303
    job_id = int(re.search(r"/jobs/(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]
    event = last_audit(web.db)
    assert (event.action, event.entity_id) == ("job.created", job_id)
    shown = text_of(browser.get(answer.headers["location"]).text)
    assert "Music Therapist" in shown and "MT-7" in shown and "The job has been added" in shown


def test_a_job_without_a_title_is_shown_in_the_error_summary(web: Web) -> None:
    browser = web.client(web.people.lead)
    answer = browser.post("/jobs/new", {"title": " ", "reference": "R-1", "department": "D"})
    assert answer.status_code == 422
    assert "nhsuk-error-summary" in answer.text and 'href="#title"' in answer.text
    assert "A job needs a title" in answer.text
    assert 'value="R-1"' in answer.text  # what was typed is kept


def test_the_list_searches_filters_and_pages(web: Web) -> None:
    for n in range(23):
        jobs.create_job(web.db, web.people.lead, f"Porter {n}", f"P-{n}")
    arch = _job(web, "Archivist", "AR-1")
    jobs.update_job(web.db, web.people.lead, arch.id, arch.version, {"status": "archived"})
    browser = web.client(web.people.viewer)
    first = browser.get("/jobs")
    assert first.status_code == 200
    assert "Porter 0" in first.text and "Porter 19" in first.text and "Porter 20" not in first.text
    assert "page 1 of 2" in text_of(first.text)
    assert "Add a job" not in first.text  # a viewer cannot add one
    second = browser.get("/jobs?page=2")
    assert "Porter 20" in second.text and "Archivist" in second.text
    found = text_of(browser.get("/jobs?q=ar-1").text)
    assert "Archivist" in found and "Porter" not in found
    archived = text_of(browser.get("/jobs?status=archived").text)
    assert "Archivist" in archived and "Porter" not in archived


def test_editing_with_a_stale_version_keeps_the_typed_input(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    form = browser.get(f"/jobs/{job.id}/edit")
    assert f'name="version" value="{job.version}"' in form.text
    jobs.update_job(web.db, web.people.management, job.id, job.version, {"department": "Arts"})
    answer = browser.post(
        f"/jobs/{job.id}/edit",
        {
            "title": "Senior Arts Therapist",
            "reference": "AT-2",
            "department": "Mine",
            "status": "active",
            "version": str(job.version),
        },
    )
    assert answer.status_code == 409
    assert "nhsuk-error-summary" in answer.text and "Someone else changed this job" in answer.text
    assert 'value="Senior Arts Therapist"' in answer.text and 'value="Mine"' in answer.text
    assert "Arts" in text_of(answer.text)  # what the other person saved is shown
    assert jobs.get_job(web.db, web.people.lead, job.id).title == "Arts Therapist"
    # saving again on purpose, with the version the conflict page carries, works
    again = browser.post(
        f"/jobs/{job.id}/edit",
        {
            "title": "Senior Arts Therapist",
            "reference": "AT-2",
            "department": "Mine",
            "status": "archived",
            "version": str(job.version + 1),
        },
    )
    assert again.status_code == 303
    saved = jobs.get_job(web.db, web.people.lead, job.id)
    assert (saved.title, saved.status) == ("Senior Arts Therapist", "archived")


def test_upload_and_download_a_document_byte_identical_with_safe_headers(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    content = "Job description\r\nArts Therapist – band 7\n".encode()
    answer = browser.post(
        f"/jobs/{job.id}/documents",
        {"kind": "job-description"},
        files={"document": ("jd.txt", content, "text/html")},
    )
    assert answer.status_code == 303, answer.text
    (doc,) = documents.list_documents(web.db, web.people.lead, job.id)
    assert last_audit(web.db).action == "document.added"
    page = text_of(browser.get(f"/jobs/{job.id}").text)
    assert "jd.txt" in page and "Job description" in page and "by Lead" in page
    download = browser.get(f"/documents/{doc.id}/download")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "text/plain; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_upload_errors_from_the_service_are_in_the_summary(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    answer = browser.post(
        f"/jobs/{job.id}/documents",
        {"kind": "job-description"},
        files={"document": ("x.exe", b"MZ\x90\x00\x03binary", "application/octet-stream")},
    )
    assert answer.status_code == 422
    assert "nhsuk-error-summary" in answer.text and 'href="#document"' in answer.text
    assert "Only PDF, Word (.docx) and plain text" in answer.text
    missing = browser.post(f"/jobs/{job.id}/documents", {"kind": "job-description"})
    assert missing.status_code == 422 and "Select a document to upload" in missing.text


def test_a_document_name_with_html_is_shown_escaped(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    answer = browser.post(
        f"/jobs/{job.id}/documents",
        {"kind": "other"},
        files={"document": (XSS, b"plain words", "text/plain")},
    )
    assert answer.status_code == 303
    page = browser.get(f"/jobs/{job.id}").text
    assert "<img src=x" not in page
    assert html.escape(XSS, quote=False) in page or "&lt;img src=x onerror=alert(1)&gt;.txt" in page


def test_another_organisations_job_and_document_are_404(web: Web) -> None:
    other = make_people(web.db, "trust-b")
    theirs = jobs.create_job(web.db, other.lead, "Their job")
    doc = documents.add_document(web.db, other.lead, theirs.id, "other", "a.txt", b"secret")
    browser = web.client(web.people.admin)
    for url in (
        f"/jobs/{theirs.id}",
        f"/jobs/{theirs.id}/edit",
        f"/jobs/{theirs.id}/cases/new",
        f"/documents/{doc.id}/download",
    ):
        answer = browser.get(url)
        assert answer.status_code == 404, url
        assert "secret" not in answer.text and "Their job" not in answer.text
    posted = browser.post(
        f"/jobs/{theirs.id}/documents",
        {"kind": "other"},
        files={"document": ("b.txt", b"x", "text/plain")},
    )
    assert posted.status_code == 404


def test_open_a_match_case_with_a_profile_chosen_by_search(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    everything = browser.get(f"/jobs/{job.id}/cases/new")
    assert everything.status_code == 200 and "Arts Therapist Entry Level" in everything.text
    page = browser.get(f"/jobs/{job.id}/cases/new?q=principal+therapist")
    shown = text_of(page.text)
    assert "National Profiles for Art Therapy, version 1" in shown and "band 8" in shown
    values = re.findall(r'name="profile" type="radio" value="([^"]+)"', page.text)
    assert values and all("principal" in v for v in values), values
    suite_search = browser.get(f"/jobs/{job.id}/cases/new?q=art+therapy")
    assert len(re.findall(r'name="profile" type="radio"', suite_search.text)) == 5
    answer = browser.post(
        f"/jobs/{job.id}/cases/new", {"kind": "match", "profile": values[0], "q": "principal"}
    )
    assert answer.status_code == 303
    case_id = int(answer.headers["location"].split("/")[2])
    assert answer.headers["location"] == f"/cases/{case_id}/form"
    opened = cases.get_case(web.db, web.people.lead, case_id).case
    assert (opened.kind, opened.suite_id, opened.profile_id) == (
        "match",
        "arts-therapies",
        values[0].split("/")[1],
    )
    assert [e.action for e in audit_events(web.db)][-1] == "case.opened"
    assert f"/cases/{case_id}" in browser.get(f"/jobs/{job.id}").text


def test_open_an_evaluation_case_without_a_profile(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    # a profile radio left checked is ignored for an evaluation
    answer = browser.post(
        f"/jobs/{job.id}/cases/new",
        {"kind": "evaluation", "profile": "arts-therapies/arts-therapist"},
    )
    assert answer.status_code == 303
    case_id = int(answer.headers["location"].split("/")[2])
    opened = cases.get_case(web.db, web.people.lead, case_id).case
    assert (opened.kind, opened.profile_id) == ("evaluation", None)


def test_a_match_without_a_profile_is_shown_in_the_summary(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    answer = browser.post(f"/jobs/{job.id}/cases/new", {"kind": "match", "q": "therapist"})
    assert answer.status_code == 422
    assert "nhsuk-error-summary" in answer.text and 'href="#profile"' in answer.text
    assert "A match case needs the profile to match" in answer.text
    assert 'id="profile"' in answer.text  # the link lands on the first radio
    unknown = browser.post(f"/jobs/{job.id}/cases/new", {"kind": "match", "profile": "nope"})
    assert unknown.status_code == 422 and "No profile" in unknown.text
    none_kind = browser.post(f"/jobs/{job.id}/cases/new", {})
    assert none_kind.status_code == 422 and 'href="#kind"' in none_kind.text
    with web.db.transaction() as session:
        assert session.query(t.Case).count() == 0


def test_a_viewer_can_read_but_not_post(web: Web) -> None:
    job = _job(web)
    viewer = web.client(web.people.viewer)
    page = viewer.get(f"/jobs/{job.id}")
    assert page.status_code == 200 and "Upload document" not in page.text
    assert "Open a case" not in page.text
    assert viewer.get("/jobs/new").status_code == 403
    assert viewer.post("/jobs/new", {"title": "X"}).status_code == 403
    assert viewer.post(f"/jobs/{job.id}/cases/new", {"kind": "evaluation"}).status_code == 403


def test_an_oversize_upload_is_refused_before_it_is_stored(web: Web) -> None:
    job = _job(web)
    browser = web.client(web.people.lead)
    big = b"a" * (documents.MAX_DOCUMENT_BYTES + 200_000)
    answer = browser.post(
        f"/jobs/{job.id}/documents",
        {"kind": "other"},
        files={"document": ("big.txt", big, "text/plain")},
    )
    assert answer.status_code == 413 and "The file is too large" in answer.text
    assert documents.list_documents(web.db, web.people.lead, job.id) == ()


def test_signed_out_visitors_are_sent_to_sign_in(web: Web) -> None:
    job = _job(web)
    anonymous = web.anonymous()
    for url in ("/jobs", f"/jobs/{job.id}", "/account", "/admin"):
        answer = anonymous.get(url)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    assert anonymous.get("/documents/1/download").status_code == 303
