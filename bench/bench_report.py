"""Benchmark: server time to build a case's matching report as JSON and render it as HTML
and as PDF (prints figures, asserts nothing).

A case with a full outcome (16 factor decisions with a paragraph of evidence each, a
panel of two, an approved consistency check) is built through the services in a
temporary SQLite database; each run then reads the case through the services, renders
the report template, and for the PDF lays it out with WeasyPrint, as the
``/cases/{id}/report`` and ``/cases/{id}/report.pdf`` pages do.

    python bench/bench_report.py [--runs N] [--unbroken CHARS]

``--unbroken 20000`` also times the PDF of a case whose 16 factors each hold CHARS
characters without a space (longer than the evidence bound now allows: written straight
to the database, as data stored before the bound would be), the run WeasyPrint once took
minutes to wrap.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)

LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
EVIDENCE = (
    "The job description says the postholder plans and delivers therapy sessions for "
    "patients with complex needs, agrees goals with the multidisciplinary team and reports "
    "progress to the referrer; the panel read the person specification and the examples "
    "the manager gave. "
) * 2


@dataclass(frozen=True)
class BenchPeople:
    """A migrated temporary SQLite database and the people a case needs."""

    db: Any
    lead: Any
    management: Any  # practitioner, management side
    staff: Any  # practitioner, staff side
    checker: Any  # a consistency checker on no panel


def bench_people(folder: Path, name: str = "bench.db") -> BenchPeople:
    from bandwise.services import accounts
    from bandwise.services.base import Actor, Database
    from bandwise.store.migrate import upgrade

    url = f"sqlite:///{folder / name}"
    upgrade(url)
    db = Database.connect(url)
    admin_view, _ = accounts.create_admin(db, "Bench Trust", "admin@bench.nhs.example")
    admin = Actor(admin_view.id, admin_view.organisation_id, "admin", None, admin_view.name)

    def user(name: str, role: str, side: str | None, checker: bool = False) -> Actor:
        email = f"{name.lower().replace(' ', '.')}@bench.nhs.example"
        view, _ = accounts.create_user(db, admin, email, name, role, side, checker=checker)
        return Actor(view.id, view.organisation_id, role, side, view.name)

    return BenchPeople(
        db,
        user("Lead", "je-lead", None),
        user("Manager", "practitioner", "management"),
        user("Staff rep", "practitioner", "staff-side"),
        user("Checker", "practitioner", "management", checker=True),
    )


def build_case(folder: Path, unbroken: int = 0) -> tuple[object, object, int]:
    """A temporary database with one confirmed match; returns (db, actor, case id). With
    ``unbroken``, each factor's evidence is that many characters without a space."""
    from bandwise.services import cases, jobs
    from bandwise.services.cases import DecisionInput

    p = bench_people(folder)
    db, lead, management, staff, checker = p.db, p.lead, p.management, p.staff, p.checker
    job = jobs.create_job(db, lead, "Arts Therapist", "AT-1", "Therapies")
    case = cases.open_case(db, lead, job.id, "match", "arts-therapist")
    decisions = [DecisionInput(n, lv, EVIDENCE) for n, lv in enumerate(LEVELS, start=1)]
    case = cases.set_factor_decisions(db, management, case.case.id, case.case.version, decisions)
    if unbroken:
        from sqlalchemy import update

        from bandwise.store import tables as t

        with db.transaction() as session:
            session.execute(
                update(t.FactorDecision)
                .where(t.FactorDecision.case_id == case.case.id)
                .values(evidence="x" * unbroken)
            )
    case = cases.record_panel_outcome(
        db, lead, case.case.id, case.case.version, dt.date(2026, 10, 1),
        [management.user_id, staff.user_id],
    )  # fmt: skip
    case = cases.consistency_check(db, checker, case.case.id, case.case.version, "approved")
    return db, lead, case.case.id


def _times(work: Callable[[], object], runs: int) -> list[float]:
    work()  # warm up (template compilation, fonts)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(runs: int = 20, unbroken: int = 0) -> list[Figure]:
    from bandwise.services.matching_report import matching_report
    from bandwise.web.pages.reports import MATCHING_TEMPLATE, matching_context, report_html
    from bandwise.web.report_pdf import html_to_pdf

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-report-") as folder:
        db, actor, case_id = build_case(Path(folder))

        def json_() -> dict[str, object]:  # GET /api/cases/{id}/report
            return matching_report(db, actor, case_id).to_json()  # type: ignore[arg-type]

        def html() -> str:
            return report_html(MATCHING_TEMPLATE, matching_context(db, actor, case_id))  # type: ignore[arg-type]

        def pdf() -> bytes:
            return html_to_pdf(html())

        size = len(pdf())
        for name, work in (("JSON", json_), ("HTML", html), ("PDF", pdf)):
            times = _times(work, runs)
            median, p95 = statistics.median(times), _p95(times)
            print(
                f"matching report {name}: median {median:.1f} ms, p95 {p95:.1f} ms over {runs} "
                f"runs (min {min(times):.1f}, max {max(times):.1f})"
                + (f"; {size / 1024:.0f} KiB" if name == "PDF" else "")
            )
            figures += [
                (f"matching report {name} p50", median, "ms", ""),
                (f"matching report {name} p95", p95, "ms", ""),
            ]
        db.engine.dispose()  # type: ignore[attr-defined]
    if unbroken:
        figures.append(_unbroken(unbroken))
    return figures


def _unbroken(chars: int) -> Figure:
    """One PDF of 16 factors of ``chars`` characters without a space (slow to time twice)."""
    from bandwise.web.pages.reports import matching_report_pdf

    with tempfile.TemporaryDirectory(prefix="bandwise-bench-report-") as folder:
        db, actor, case_id = build_case(Path(folder), unbroken=chars)
        t0 = time.perf_counter()
        pdf = matching_report_pdf(db, actor, case_id)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        db.engine.dispose()  # type: ignore[attr-defined]
    print(
        f"matching report PDF, 16 factors x {chars:,} characters without a space: "
        f"{seconds:.1f} s; {len(pdf) / 1024:.0f} KiB"
    )
    return (f"matching report PDF 16x{chars} unbroken", seconds * 1000, "ms", "")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs (default 20)")
    parser.add_argument(
        "--unbroken", type=int, default=0, help="also time evidence of CHARS without a space"
    )
    args = parser.parse_args(argv)
    run(args.runs, args.unbroken)


if __name__ == "__main__":
    main()
