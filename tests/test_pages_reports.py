"""The matching report (HTML and PDF from one template), the outcomes export and the
board figures, through the pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

import workflowkit as wk
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.rules import default_rule_set
from bandwise.services import cases
from bandwise.services.cases import DecisionInput
from bandwise.services.export import COLUMNS
from bandwise.store import tables as t
from bandwise.web.report_pdf import RefusedFetch, _refusing_fetcher, html_to_pdf
from dbfixtures import make_people
from pagekit import Web, text_of, web
from recordfixtures import add_job, add_outcome, builtin_suite, change_profile, store_suite

__all__ = ["web"]

XSS = "<script>alert('x')</script> & <img src=\"http://example.invalid/x.png\">"
FACTOR_NAMES = [f.name for f in load_scheme().factors]
SUITE_TITLE = "National Profiles for Art Therapy"
RULES = default_rule_set().title


def pdf_text(content: bytes) -> str:
    """The PDF's text, spaces squeezed: with poppler's ``pdftotext -raw`` when installed
    (content order: a table cell's lines stay together however the columns wrap), else
    with pypdf."""
    tool = shutil.which("pdftotext")
    if tool:
        done = subprocess.run(
            [tool, "-raw", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        text = done.stdout.decode("utf-8")
    else:
        text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


def squeezed(text: str) -> str:
    """PDF text without spaces (line breaks inside a table cell add some)."""
    return re.sub(r"\s+", "", text)


def confirmed_case(w: Web, evidence: str = XSS) -> int:
    """A confirmed Arts Therapist match (475, band 7) with ``evidence`` on factor 3."""
    case = wk.draft(w.db, w.people)
    cases.set_factor_decisions(
        w.db, w.people.management, case.case.id, case.case.version,
        [DecisionInput(3, wk.LEVELS[2], evidence)],
    )  # fmt: skip
    detail = cases.get_case(w.db, w.people.lead, case.case.id)
    detail = cases.record_panel_outcome(
        w.db, w.people.lead, detail.case.id, detail.case.version, wk.SAT_ON, wk.panel(w.people)
    )
    cases.consistency_check(w.db, w.people.checker, detail.case.id, detail.case.version, "approved")
    return detail.case.id


def test_the_html_report_shows_every_fact_the_panel_signs(web: Web) -> None:
    case_id = confirmed_case(web)
    page = web.client(web.people.viewer).get(f"/cases/{case_id}/report")
    assert page.status_code == 200
    text = text_of(page.text)
    for name in FACTOR_NAMES:
        assert name in text
    assert "Job Arts Therapist Job reference AT-1" in text
    assert "Profile Arts Therapist (Art, Music, Drama, Dance Movement) Profile suite" in text
    assert f"Profile suite and version {SUITE_TITLE}, version 1" in text
    assert "Verdict profile match Total 475 Band 7" in text
    assert f"Rule set {RULES}, version 1" in text
    assert f"Scheme edition {load_scheme().edition.title}" in text
    for code in ("arts-therapist", "arts-therapies", "bandwise-default", "profile-match"):
        assert code not in text  # titles and words, never the records' ids
    assert "Date of the panel 1 October 2026" in text
    # each factor: profile level, agreed level, outcome, points, evidence
    assert (
        "2 Knowledge, training and experience 7 7 match 196 "
        "Evidence for factor 2: evidence for factor 2" in text
    )
    assert "13 Physical effort 2(a)(d)– 3(c) 2 match 7 Evidence for factor 13:" in text
    assert "Management management side" in text and "Staff staff side" in text
    assert "Checker approved" in text
    assert "Signing for Name Signature Date Management side Staff side Consistency checker" in text
    assert f'href="/cases/{case_id}/report.pdf"' in page.text
    assert f'href="/cases/{case_id}"' in page.text
    assert "DRAFT" not in text
    # user text is escaped, never markup
    assert "<script>alert" not in page.text and "<img src" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text


def test_the_pdf_is_a_real_pdf_with_the_same_facts(web: Web) -> None:
    case_id = confirmed_case(web)
    response = web.client(web.people.viewer).get(f"/cases/{case_id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="case-{case_id}-matching-report.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    flat = squeezed(text)
    for name in FACTOR_NAMES:
        assert squeezed(name) in flat
    for fact in (
        "Matching report: Arts Therapist",
        "AT-1",
        f"{SUITE_TITLE}, version 1",
        "Verdict profile match",
        "Total 475",
        "Band 7",
        f"{RULES}, version 1",
        load_scheme().edition.title,
        "1 October 2026",
        "Management management side",
        "Staff staff side",
        "Consistency checker",
        "Signature",
    ):
        assert squeezed(fact) in flat, fact
    assert squeezed("<script>alert('x')</script> & <img src=") in flat  # shown as text
    assert "DRAFT" not in text


def test_a_case_without_an_outcome_is_a_clearly_marked_draft(web: Web) -> None:
    case = wk.draft(web.db, web.people)
    client = web.client(web.people.viewer)
    page = client.get(f"/cases/{case.case.id}/report")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "No outcome recorded yet" in text and "DRAFT" in text
    assert "No panel recorded yet" in text
    assert "provisional" in text and "Total: 475 points" in text  # from the current decisions
    assert f"Rule set {RULES}, version 1" in text
    pdf = client.get(f"/cases/{case.case.id}/report.pdf")
    assert pdf.status_code == 200
    pdf_words = pdf_text(pdf.content)
    assert "DRAFT" in pdf_words and "No outcome recorded yet" in pdf_words


def test_an_empty_draft_has_a_report_too(web: Web) -> None:
    case = wk.draft(web.db, web.people, levels=None)
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/report")
    assert page.status_code == 200
    assert "not decided" in text_of(page.text)


def test_another_organisations_case_report_is_not_found(web: Web) -> None:
    other = make_people(web.db, "trust-b")
    theirs = wk.recorded(web.db, other)
    client = web.client(web.people.admin)
    assert client.get(f"/cases/{theirs.case.id}/report").status_code == 404
    assert client.get(f"/cases/{theirs.case.id}/report.pdf").status_code == 404
    assert client.get("/cases/999999/report").status_code == 404


def test_the_pdf_renderer_fetches_nothing() -> None:
    fetcher = _refusing_fetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1/", "https://example.invalid/a.css"):
        with pytest.raises(RefusedFetch):
            fetcher.fetch(url)
    html = '<html><body><p>ok</p><img src="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></body></html>'
    assert html_to_pdf(html).startswith(b"%PDF-")


# ---------------------------------------------------------------- exports


def seeded_outcomes(w: Web) -> int:
    job = add_job(w.db, w.people, '=HYPERLINK("http://evil")', "R-1")
    add_outcome(w.db, w.people, job)
    add_outcome(w.db, w.people, add_job(w.db, w.people, "Therapist", "R-2"), confirmed=False)
    return 2


def test_the_exports_page_links_both_downloads(web: Web) -> None:
    page = web.client(web.people.viewer).get("/exports")
    assert page.status_code == 200
    assert (
        'href="/exports/outcomes.csv"' in page.text and 'href="/exports/outcomes.xlsx"' in page.text
    )


def test_the_csv_export_reads_back_with_every_level_and_formulas_neutralised(web: Web) -> None:
    rows = seeded_outcomes(web)
    response = web.client(web.people.viewer).get("/exports/outcomes.csv?headers=codes")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    name = f"bandwise-outcomes-{dt.date.today().isoformat()}.csv"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(table[0]) == COLUMNS
    assert len(table) == rows + 1
    first = dict(zip(table[0], table[1], strict=True))
    assert first["title"].startswith("'=")  # would run as a formula otherwise
    assert [first[f"f{n}"] for n in range(1, 17)][:3] == ["6", "7", "4"]
    assert {r[table[0].index("confirmed")] for r in table[1:]} == {"yes", "no"}
    assert wk.last_audit(web.db).action == "outcomes.exported"


def test_the_xlsx_export_reads_back(web: Web) -> None:
    rows = seeded_outcomes(web)
    response = web.client(web.people.viewer).get("/exports/outcomes.xlsx?headers=codes")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS and len(values) == rows + 1
    header = list(values[0])
    assert values[1][header.index("f2")] == "7"
    title = sheet.cell(row=2, column=header.index("title") + 1)
    assert title.data_type == "s"  # stored as text, never as a formula


# ---------------------------------------------------------------- board figures


def test_the_board_page_defaults_to_this_financial_year_with_a_chart(web: Web) -> None:
    confirmed_case(web, "evidence")
    page = web.client(web.people.viewer).get("/reports/board")
    assert page.status_code == 200
    today = dt.date.today()
    start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    assert f'value="{start.isoformat()}"' in page.text
    text = text_of(page.text)
    assert "Jobs matched to a national profile" in text
    (chart,) = re.findall(r'<svg\b[^>]*class="bw-chart".*?</svg>', page.text, flags=re.S)
    root = ET.fromstring(chart)
    assert root.get("role") == "img"
    matched = [
        int(b.get("data-value", "0"))
        for b in root.iter("{http://www.w3.org/2000/svg}rect")
        if b.get("data-series") == "Jobs matched"
    ]
    assert sum(matched) == 1


def test_the_board_page_takes_a_period_and_reports_a_bad_date(web: Web) -> None:
    client = web.client(web.people.viewer)
    page = client.get("/reports/board?from=2024-04-01&to=2025-03-31")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "2024/25 Q1" in text and "2024/25 Q4" in text
    bad = client.get("/reports/board?from=2025-13-01&to=2025-03-31")
    assert bad.status_code == 422 and "There is a problem" in bad.text
    backwards = client.get("/reports/board?from=2025-04-01&to=2025-03-31")
    assert backwards.status_code == 422 and "must start on or before its end" in backwards.text


def test_an_evaluated_case_and_a_returned_outcome_are_reported_as_they_are(web: Web) -> None:
    evaluated = wk.recorded(web.db, web.people, kind="evaluation", profile=None)
    returned = cases.consistency_check(
        web.db, web.people.checker, evaluated.case.id, evaluated.case.version, "returned",
        "Factor 2 needs the job description's evidence",
    )  # fmt: skip
    assert returned.case.status == "returned"
    text = text_of(web.client(web.people.lead).get(f"/cases/{evaluated.case.id}/report").text)
    assert "Profile None: evaluated locally" in text
    assert "DRAFT" in text and "Returned outcome (not in force)" in text  # not in force
    assert "Verdict evaluated locally Total 475 Band 7" in text
    assert "Checker returned" in text and "Factor 2 needs the job description" in text
    assert "2 Knowledge, training and experience – 7 – 196" in text


# ---------------------------------------------------------------- review findings


def test_a_returned_case_is_a_draft_of_its_current_decisions_beside_the_returned_outcome(
    web: Web,
) -> None:
    """Review finding 1: a returned outcome is not in force, so the report is a draft
    from the current decisions (their evidence beside their levels), and the returned
    outcome is shown apart, labelled, with no signatures."""
    recorded = wk.recorded(web.db, web.people)
    returned = cases.consistency_check(
        web.db, web.people.checker, recorded.case.id, recorded.case.version, "returned",
        "Factor 2 reads as level 6",
    )  # fmt: skip
    cases.set_factor_decisions(
        web.db, web.people.management, returned.case.id, returned.case.version,
        [DecisionInput(2, "6", "A degree and no postgraduate training: level 6")],
    )  # fmt: skip
    preview = cases.compute_preview(web.db, web.people.lead, returned.case.id).json or {}
    low, high = int(preview["total"]["min"]), int(preview["total"]["max"])
    assert (low, high) != (475, 475)
    draft_total = str(low) if low == high else f"{low}–{high}"
    client = web.client(web.people.viewer)
    page = client.get(f"/cases/{returned.case.id}/report")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "DRAFT Matching report" in text and "not in force" in text
    assert f"Total: {draft_total} points" in text and "provisional" in text
    assert "Total: 475 points" not in text
    assert (
        "2 Knowledge, training and experience 7 6 "  # profile level 7, agreed (now) 6
    ) in text
    assert "Evidence for factor 2: A degree and no postgraduate training: level 6" in text
    assert "Returned outcome" in text
    returned_part = text[text.index("Returned outcome") :]
    assert "Total 475" in returned_part and "Band 7" in returned_part
    assert "Checker returned" in returned_part and "Factor 2 reads as level 6" in returned_part
    assert "Knowledge, training and experience 7" in returned_part  # the level it had
    assert "Evidence" not in returned_part  # the evidence now typed is not the outcome's
    assert "Signature" not in text
    pdf = pdf_text(client.get(f"/cases/{returned.case.id}/report.pdf").content)
    assert "DRAFT" in pdf and "Returned outcome" in pdf and "Signature" not in pdf


def test_a_draft_report_names_the_suite_version_its_result_was_computed_with(web: Web) -> None:
    """Review finding 2: the draft's provisional result uses the library's current
    version, so it is labelled with that version and warns about the version the case
    was opened against."""
    case = wk.draft(web.db, web.people)
    assert case.case.suite_version == 1
    store_suite(
        web.db, web.people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), 2
    )
    text = text_of(web.client(web.people.viewer).get(f"/cases/{case.case.id}/report").text)
    assert f"Profile suite and version {SUITE_TITLE}, version 2" in text
    assert "opened against version 1" in text
    assert "3 Analytical and judgemental skills 5 4" in text  # version 2's level, printed


def test_a_confirmed_outcome_keeps_the_suite_version_it_was_matched_with(web: Web) -> None:
    case_id = confirmed_case(web, "evidence")
    store_suite(
        web.db, web.people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), 2
    )
    text = text_of(web.client(web.people.viewer).get(f"/cases/{case_id}/report").text)
    assert f"Profile suite and version {SUITE_TITLE}, version 1" in text
    assert "opened against" not in text and "DRAFT" not in text


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("from=0001-01-01&to=9999-12-31", ""),  # "not a date" or "between ..."
        ("from=2000-01-01&to=9998-12-31", ""),
        ("from=2000-04-01&to=2010-04-01", "at most 10 years"),
        ("from=1999-12-31&to=2000-12-31", "between 2000 and 2100"),
    ],
)
def test_the_board_period_is_capped(web: Web, period: str, message: str) -> None:
    """Review finding 7: an unbounded period was a 500 or a 50 MB page."""
    page = web.client(web.people.viewer).get(f"/reports/board?{period}")
    assert page.status_code == 422
    assert "There is a problem" in page.text and message in text_of(page.text)
    assert "bw-chart" not in page.text


def test_a_ten_year_board_period_is_shown(web: Web) -> None:
    page = web.client(web.people.viewer).get("/reports/board?from=2000-04-01&to=2010-03-31")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "2000/01 Q1" in text and "2009/10 Q4" in text


def test_evidence_changed_after_the_outcome_is_not_shown_as_its_evidence(web: Web) -> None:
    """The outcome keeps no copy of the evidence: a decision changed after it was
    recorded (only possible outside the services) is not printed beside it."""
    case_id = confirmed_case(web, "evidence")
    with web.db.transaction() as session:
        decision = session.scalars(
            select(t.FactorDecision).where(
                t.FactorDecision.case_id == case_id, t.FactorDecision.factor == 3
            )
        ).one()
        decision.evidence = "typed later"
        decision.updated_at = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    text = text_of(web.client(web.people.viewer).get(f"/cases/{case_id}/report").text)
    assert "typed later" not in text
    assert "Evidence for factor 3: changed after this outcome was recorded" in text
    assert "Evidence for factor 2: evidence for factor 2" in text


def test_the_report_flags_a_known_misprint_in_the_profile_on_its_factor(web: Web) -> None:
    case = wk.draft(web.db, web.people, profile="arts-therapist-principal", levels=None)
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/report")
    text = text_of(page.text)
    assert "Known problem in the profile's factor 2:" in text
    assert "Known problem in the profile's factor 3" not in text
    plain = wk.draft(web.db, web.people, levels=None)  # Arts Therapist: no known problem
    assert "Known problem" not in text_of(
        web.client(web.people.lead).get(f"/cases/{plain.case.id}/report").text
    )
