"""One match recorded end to end through the real pages, as a panel would: a JE lead adds
a job and its job description, opens a match case against the Arts Therapist profile,
fills the matching form (watching the live htmx result), saves the draft and records the
panel; a different user confirms it in the consistency check; the lead records the
notification and a review request, downloads the PDF report and the XLSX export and
reads both back. A screenshot is kept after every step (``test-artifacts/screenshots``).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from pathlib import Path

import docx
import openpyxl  # type: ignore[import-untyped]
from playwright.sync_api import FilePayload, Locator, Page, expect

from bandwise.services.export import COLUMNS
from bandwise.services.export import header as export_header

from .browserkit import BrowseAs, pdf_text, shot
from .serverkit import LiveServer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Arts Therapist at these levels is a profile match: total 475, band 7.
LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]


def job_description() -> bytes:
    """A small Word job description, as a trust would upload it."""
    document = docx.Document()
    document.add_heading("Arts Therapist: job description", level=1)
    document.add_paragraph("The postholder provides art therapy to adults and children.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def case_id_of(page: Page) -> int:
    found = re.search(r"/cases/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def row_value(scope: Page | Locator, key: str) -> Locator:
    """The value of a summary list row, found by its key (exactly)."""
    page = scope.page if isinstance(scope, Locator) else scope
    row = scope.locator(".nhsuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.locator("dd").first


def status_is(page: Page, status: str) -> None:
    expect(row_value(page, "Status")).to_contain_text(status)


def fill_form_watching_the_live_result(page: Page) -> None:
    """Choose all 16 levels and type evidence; the running result changes in place."""
    page.evaluate("() => { window.__stillHere = 'same page'; }")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    for number, level in enumerate(LEVELS, start=1):
        page.locator(f"#levels_{number}").fill(level)
        page.locator(f"#evidence_{number}").fill(f"Browser evidence for factor {number}.")
    results = page.locator("#form-results")
    expect(results.locator("#live-total")).to_have_text(re.compile(r"^\s*475\s*$"))
    expect(results.locator("#live-band")).to_have_text("7")
    expect(results.locator("#live-verdict")).to_contain_text("profile match")
    expect(page.locator("#factor-3-outcome")).to_contain_text("match")
    shot(page, "05-form-filled")

    # factor 3 below the profile's level: the result turns to no match, in place
    page.locator("#levels_3").fill("1")
    expect(results.locator("#live-verdict")).to_contain_text("no match")
    expect(results.locator("#live-total")).not_to_have_text(re.compile(r"^\s*475\s*$"))
    expect(page.locator("#factor-3-outcome")).to_contain_text("mismatch")
    shot(page, "06-form-live-mismatch")
    page.locator("#levels_3").fill("4")
    expect(results.locator("#live-verdict")).to_contain_text("profile match")
    expect(results.locator("#live-total")).to_have_text(re.compile(r"^\s*475\s*$"))
    assert page.evaluate("() => window.__stillHere") == "same page", "the page was reloaded"
    assert navigations == [], f"the live result navigated: {navigations}"


def test_a_match_from_new_job_to_report_and_export(
    browse_as: BrowseAs, live_server: LiveServer, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3)
    title = f"Arts Therapist {tag}"
    today = dt.date.today()

    # 1. the JE lead signs in
    lead = browse_as("lead")
    expect(lead.locator("h1")).to_be_visible()
    shot(lead, "01-signed-in")

    # 2. a new job
    lead.goto("/jobs/new")
    lead.get_by_label("Job title").fill(title)
    lead.get_by_label("Reference").fill(f"AT-{tag}")
    lead.get_by_label("Department").fill("Therapies")
    lead.get_by_role("button", name="Add job").click()
    expect(lead).to_have_url(re.compile(r"/jobs/\d+"))
    expect(lead.locator("h1")).to_have_text(title)
    job_id = int(re.findall(r"/jobs/(\d+)", lead.url)[0])
    shot(lead, "02-job-added")

    # 3. its job description, a Word document
    lead.get_by_label("What it is").select_option("job-description")
    lead.locator('input[type="file"][name="document"]').set_input_files(
        files=[FilePayload(name="arts therapist JD.docx", mimeType=DOCX, buffer=job_description())]
    )
    lead.get_by_role("button", name="Upload document").click()
    documents = lead.locator("table", has_text="Documents of this job")
    expect(documents).to_contain_text("arts therapist JD.docx")
    expect(documents).to_contain_text("Word document")
    shot(lead, "03-document-uploaded")

    # 4. a match case, the profile found by the search
    lead.get_by_role("button", name="Open a case").click()
    expect(lead).to_have_url(re.compile(rf"/jobs/{job_id}/cases/new"))
    lead.get_by_label("Find a profile by title or suite").fill("arts therapist")
    lead.get_by_role("button", name="Find profiles").click()
    lead.get_by_label("Match", exact=True).check()
    profile = lead.get_by_role("radio", name="Arts Therapist (Art, Music, Drama, Dance Movement)")
    expect(profile).to_have_value("arts-therapies/arts-therapist")
    profile.check()
    shot(lead, "04-open-case")
    lead.get_by_role("button", name="Open case").click()
    expect(lead).to_have_url(re.compile(r"/cases/\d+/form"))
    case_id = case_id_of(lead)
    expect(lead.locator("main")).to_contain_text("Arts Therapist")

    # 5. the matching form with its live result
    fill_form_watching_the_live_result(lead)

    # 6. saved as a draft
    lead.get_by_role("button", name="Save as draft").click()
    expect(lead).to_have_url(re.compile(rf"/cases/{case_id}/form\?saved=1"))
    expect(lead.locator(".nhsuk-inset-text").first).to_contain_text("draft has been saved")
    expect(lead.locator("#evidence_16")).to_have_value("Browser evidence for factor 16.")
    lead.goto(f"/cases/{case_id}")
    status_is(lead, "draft")
    expect(lead.locator("main")).to_contain_text("16 of 16 factors decided")
    shot(lead, "07-draft-saved")

    # 7. the panel outcome, one member from each side
    lead.get_by_role("link", name="Record the panel outcome").click()
    lead.locator("#sat_on-day").fill(str(today.day))
    lead.locator("#sat_on-month").fill(str(today.month))
    lead.locator("#sat_on-year").fill(str(today.year))
    lead.get_by_label("Mona Manager").check()
    lead.get_by_label("Sam Steward").check()
    shot(lead, "08-panel")
    lead.get_by_role("button", name="Record the outcome").click()
    expect(lead).to_have_url(re.compile(rf"/cases/{case_id}\?done=outcome"))
    status_is(lead, "outcome recorded")
    outcome = lead.locator(".nhsuk-card").first
    expect(row_value(outcome, "Total points")).to_have_text("475")
    expect(row_value(outcome, "Band")).to_have_text("7")
    expect(row_value(outcome, "Verdict")).to_have_text("profile match")
    expect(outcome).to_contain_text("Mona Manager (management side)")
    expect(outcome).to_contain_text("Sam Steward (staff side)")
    shot(lead, "09-outcome-recorded")

    # 8. a different user, not on the panel, confirms it
    checker = browse_as("checker")
    checker.goto(f"/cases/{case_id}/check")
    expect(checker.locator("main")).to_contain_text("475")
    checker.get_by_label("Yes, confirm the outcome").check()
    shot(checker, "10-check")
    checker.get_by_role("button", name="Record the check").click()
    expect(checker).to_have_url(re.compile(rf"/cases/{case_id}\?done=check"))
    status_is(checker, "confirmed")
    expect(checker.locator("table", has_text="Checker")).to_contain_text("Cara Checker")
    expect(checker.locator("table", has_text="Checker")).to_contain_text("Confirmed")
    shot(checker, "11-confirmed")

    # 9. the lead records the notification (empty date: today)
    lead.goto(f"/cases/{case_id}")
    status_is(lead, "confirmed")
    lead.get_by_role("button", name="Record the notification").click()
    # recording the notification leads to the case's letters page
    expect(lead).to_have_url(re.compile(rf"/cases/{case_id}/letters\?done=notified"))
    expect(lead.locator("main")).to_contain_text("notification has been recorded")
    lead.goto(f"/cases/{case_id}")
    status_is(lead, "Notified")
    shot(lead, "12-notified")

    # 10. a review request
    lead.get_by_role("link", name="Request a review").click()
    expect(lead).to_have_url(re.compile(rf"/cases/{case_id}/review/new"))
    lead.get_by_label("Who is asking for the review").fill("The jobholder")
    request_date = lead.get_by_role("group", name="Date of the written request")
    request_date.get_by_label("Day").fill(str(today.day))
    request_date.get_by_label("Month").fill(str(today.month))
    request_date.get_by_label("Year").fill(str(today.year))
    lead.get_by_label("2. Knowledge, training and experience").check()
    lead.get_by_label("Grounds for the review").fill("Factor 2 should be one level higher.")
    lead.get_by_role("button", name="Record the review request").click()
    expect(lead).to_have_url(re.compile(r"/reviews/\d+\?done=requested"))
    expect(lead.locator(".nhsuk-inset-text").first).to_contain_text("review case opened")
    expect(lead.locator("main")).to_contain_text("The jobholder")
    shot(lead, "13-review-requested")
    lead.goto(f"/cases/{case_id}")
    status_is(lead, "review requested")

    # 11. the PDF report, through the link on the case page
    with lead.expect_download() as download:
        lead.get_by_role("link", name="matching report as PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = " ".join(pdf_text(pdf).split())
    for expected in (
        title,
        "Arts Therapist",
        "Total: 475 points",
        "Band: 7",
        "profile match",
        "Mona Manager",
        "management side",
        "Sam Steward",
        "staff side",
        "Rule set",
        "Scheme edition",
    ):
        assert expected in text, f"{expected!r} not in the PDF report:\n{text[:3000]}"
    shot(lead, "14-report-downloaded")

    # 12. the XLSX export, read back
    lead.goto("/exports")
    shot(lead, "15-exports")
    with lead.expect_download() as download:
        lead.get_by_role("link", name=re.compile("Excel workbook")).click()
    xlsx = tmp_path / "outcomes.xlsx"
    download.value.save_as(xlsx)
    sheet = openpyxl.load_workbook(xlsx, read_only=True).worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    # the page's workbook has people's words in its header row: each stands for a code
    assert rows[0] == list(export_header("names")), rows[0]
    assert "Communication and relationship skills" in rows[0]
    exported = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    ours = [row for row in exported if row["case_id"] == str(case_id)]
    assert len(ours) == 1, f"case {case_id} not once in the export: {exported[-3:]}"
    (row,) = ours
    assert row["title"] == title and row["band"] == "7", row
    assert row["total_min"] == "475" and row["verdict"] == "profile-match", row
    assert row["confirmed"] in ("True", "1", "yes", "true"), row
    assert [row[f"f{n}"] for n in range(1, 17)] == LEVELS, row
