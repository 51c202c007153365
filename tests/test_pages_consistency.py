"""The consistency pages: findings and charts from the consistency service, the
consistency report (HTML and PDF), and re-matching after a suite changes (dry run for
anyone who can read, applying only for those who can write)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from bandwise.services import cases
from bandwise.services.consistency import check_consistency
from bandwise.store import tables as t
from pagekit import Web, text_of, web
from recordfixtures import (
    ARTS_THERAPIST,
    add_job,
    add_outcome,
    builtin_suite,
    change_profile,
    store_suite,
    with_level,
)
from test_pages_reports import pdf_text
from workflowkit import audit_events

__all__ = ["web"]

SVG = "{http://www.w3.org/2000/svg}"


def seed(w: Web) -> dict[str, int]:
    """Three consistent jobs on the arts-therapist profile and one outlier of each kind."""
    p = w.people
    jobs = {f"therapist{n}": add_job(w.db, p, f"Therapist {n}", f"T-{n}") for n in (1, 2, 3)}
    for job in jobs.values():
        add_outcome(w.db, p, job)  # 482, band 7
    jobs["odd-level"] = add_job(w.db, p, "Drama therapist")
    add_outcome(w.db, p, jobs["odd-level"], with_level(ARTS_THERAPIST, 9, "1"))  # 475
    jobs["outside"] = add_job(w.db, p, "Senior therapist <b>")
    add_outcome(w.db, p, jobs["outside"], with_level(ARTS_THERAPIST, 2, "8"))  # above 516
    jobs["title-a"] = add_job(w.db, p, "Music Therapist")
    jobs["title-b"] = add_job(w.db, p, "music  therapist")
    evaluation = {"kind": "evaluation", "profile_id": None, "suite_id": None}
    add_outcome(w.db, p, jobs["title-a"], ARTS_THERAPIST, **evaluation)  # type: ignore[arg-type]
    add_outcome(w.db, p, jobs["title-b"], with_level(ARTS_THERAPIST, 2, "6"), **evaluation)  # type: ignore[arg-type]
    return jobs


def svgs(html: str) -> list[ET.Element]:
    """The charts of a page, parsed (the NHS header's logo is not one)."""
    found = re.findall(r'<svg\b[^>]*class="bw-chart".*?</svg>', html, flags=re.S)
    return [ET.fromstring(s) for s in found]


def test_the_page_shows_every_kind_of_seeded_outlier(web: Web) -> None:
    jobs = seed(web)
    expected = check_consistency(web.db, web.people.viewer)
    page = web.client(web.people.viewer).get("/consistency")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Same title, different outcome (1)" in text
    assert "Music Therapist" in text and "music therapist" in text.lower()
    assert f"Factor levels away from the usual level ({len(expected.factor_levels)})" in text
    assert "9. Responsibilities for human resources" in text
    assert "at level 1" in text and "Drama therapist" in text
    assert f"Totals near a band boundary ({len(expected.near_boundary)})" in text
    assert "Outcomes outside their profile (1)" in text
    assert f'href="/jobs/{jobs["outside"]}"' in page.text
    assert "Senior therapist &lt;b&gt;" in page.text and "<b>" not in page.text
    assert f"({expected.outcomes_checked} outcomes)" in text


def test_the_charts_are_valid_accessible_svg_whose_bars_count_every_outcome(web: Web) -> None:
    seed(web)
    page = web.client(web.people.viewer).get("/consistency")
    histogram, ranges = svgs(page.text)
    for chart in (histogram, ranges):
        assert chart.get("role") == "img"
        title, desc = chart.find(f"{SVG}title"), chart.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert chart.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = [r for r in histogram.iter(f"{SVG}rect") if r.get("class") == "bw-bar"]
    checked = check_consistency(web.db, web.people.viewer).outcomes_checked
    assert sum(int(b.get("data-count", "0")) for b in bars) == checked == 7
    boundaries = {
        ln.get("data-total") for ln in histogram.iter(f"{SVG}line") if ln.get("data-total")
    }
    assert "466" in boundaries  # band 7 starts at 466
    rows = [g for g in ranges.iter(f"{SVG}g") if g.get("class") == "bw-range-row"]
    assert sum(g.get("data-outside") == "yes" for g in rows) == 1
    # the same figures as tables for screen readers
    assert "Jobs by band (the figures in the chart)" in page.text
    assert "no: outside" in page.text


def test_the_recorded_scope_includes_unconfirmed_outcomes_and_links_the_check(web: Web) -> None:
    seed(web)
    job = add_job(web.db, web.people, "Therapist 9")
    case_id, _ = add_outcome(web.db, web.people, job, confirmed=False)
    checker = web.client(web.people.checker)
    confirmed = text_of(checker.get("/consistency").text)
    recorded = checker.get("/consistency?scope=recorded")
    assert "(7 outcomes)" in confirmed and "(8 outcomes)" in text_of(recorded.text)
    assert f'href="/cases/{case_id}/check"' in recorded.text
    viewer_page = web.client(web.people.viewer).get("/consistency?scope=recorded").text
    assert f'href="/cases/{case_id}/check"' not in viewer_page
    assert web.client(web.people.viewer).get("/consistency?scope=nonsense").status_code == 422


def test_the_consistency_report_is_html_and_a_pdf_with_the_same_findings(web: Web) -> None:
    seed(web)
    client = web.client(web.people.viewer)
    html = client.get("/consistency/report")
    assert html.status_code == 200
    assert "<h1>Consistency report</h1>" in html.text
    assert 'href="/consistency/report.pdf?scope=confirmed"' in html.text
    for chart in svgs(html.text):
        assert chart.get("role") == "img"
    pdf = client.get("/consistency/report.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith(
        'attachment; filename="consistency-report-'
    )
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert "Consistency report" in text
    assert "Outcomes outside their profile (1)" in text
    assert "Senior therapist <b>" in text
    assert "Drama therapist" in text


def _suite_changed(w: Web) -> int:
    """A job matched on version 1; version 2 of the suite raises factor 3 of its profile."""
    job = add_job(w.db, w.people, "Arts therapist", "AT-1")
    add_outcome(w.db, w.people, job)
    store_suite(w.db, w.people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), 2)
    return job


def test_a_dry_run_lists_the_affected_job_and_changes_nothing(web: Web) -> None:
    job = _suite_changed(web)
    viewer = web.client(web.people.viewer)
    before = len(audit_events(web.db))
    page = viewer.get("/consistency/rematch?suite=arts-therapies")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Dry run: National Profiles for Art Therapy version 2" in text
    assert f'href="/jobs/{job}"' in page.text
    assert "profile match, band 7 match with variation, band 7 yes" in text
    assert "Open a draft case" not in text  # a viewer cannot apply
    assert len(audit_events(web.db)) == before


def test_applying_opens_cases_and_a_viewer_cannot(web: Web) -> None:
    job = _suite_changed(web)
    form = {"suite": "arts-therapies", "to_version": "2"}
    refused = web.client(web.people.viewer).post("/consistency/rematch", form)
    assert refused.status_code == 403
    assert cases.list_cases(web.db, web.people.lead, job_id=job, status="draft").total == 0
    lead = web.client(web.people.lead)
    page = lead.get("/consistency/rematch?suite=arts-therapies")
    assert "Open a draft case for each affected job" in page.text
    done = lead.post("/consistency/rematch", form)
    assert done.status_code == 303
    (opened,) = cases.list_cases(web.db, web.people.lead, job_id=job, status="draft").items
    assert f"opened={opened.id}" in done.headers["location"]
    shown = lead.get(done.headers["location"])
    assert f'href="/cases/{opened.id}"' in shown.text
    assert audit_events(web.db)[-1].action == "case.opened"


def test_an_unknown_suite_is_shown_in_the_error_summary(web: Web) -> None:
    page = web.client(web.people.lead).get("/consistency/rematch?suite=no-such-suite")
    assert page.status_code == 404
    assert "There is a problem" in page.text and "no-such-suite" in page.text
    posted = web.client(web.people.lead).post(
        "/consistency/rematch", {"suite": "arts-therapies", "to_version": "9"}
    )
    assert posted.status_code == 404 and "There is a problem" in posted.text


def test_signed_out_users_are_sent_to_sign_in(web: Web) -> None:
    for url in ("/consistency", "/consistency/report.pdf", "/consistency/rematch"):
        response = web.anonymous().get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_the_outlier_chart_and_jobs_by_band_are_the_service_figures(web: Web) -> None:
    """Review finding 3: the chart recomputed "outside the profile" its own way (skipped
    outcomes with no suite version, kept no-match ones, compared the lowest total only)
    and counted bands from the totals. Now it draws the service's checked outcomes."""
    p = web.people
    no_version = add_job(web.db, p, "No version therapist")
    add_outcome(web.db, p, no_version, with_level(ARTS_THERAPIST, 2, "8"), suite_version=None)
    no_match = add_job(web.db, p, "No match therapist")
    add_outcome(web.db, p, no_match, with_level(ARTS_THERAPIST, 2, "8"), verdict="no-match")
    ranged = add_job(web.db, p, "Ranged therapist")
    _, outcome_id = add_outcome(web.db, p, ranged, total=480, band="7-8a")
    with web.db.transaction() as session:
        row = session.get(t.Outcome, outcome_id)
        assert row is not None
        row.total_max = 530  # 480-530: the top is above the profile's 475-516
    report = check_consistency(web.db, p.viewer)
    flagged = {f.job.job_id for f in report.outside_profile}
    assert flagged == {no_version, ranged}
    page = web.client(p.viewer).get("/consistency")
    _, ranges = svgs(page.text)
    rows = {
        g.findtext(f"{SVG}title", "").split(":")[0]: g
        for g in ranges.iter(f"{SVG}g")
        if g.get("class") == "bw-range-row"
    }
    outside = {label for label, g in rows.items() if g.get("data-outside") == "yes"}
    assert outside == {"No version therapist", "Ranged therapist"}  # by title, never number
    assert "No match therapist" not in rows  # not compared with the profile
    assert rows["Ranged therapist"].get("data-total-max") == "530"
    text = text_of(page.text)
    assert "Ranged therapist 480–530 475–516 no: outside" in text
    table = text[text.index("Jobs by band (the figures in the chart)") :]
    assert "7-8a 1" in table  # the band recorded, not one recomputed from the total
