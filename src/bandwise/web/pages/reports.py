"""Reports: a case's matching report (HTML and PDF from one template), the outcomes
export (CSV and Excel) and the board figures.

The matching report is what the panel signs and the jobholder is given, so it is one
standalone template (``reports/matching_report.html``, its own print CSS, none of the
site's chrome): the browser gets it with a link back and a PDF link, WeasyPrint gets
it as it is. Every figure comes from the case record (the outcome, its panel and the
explanation saved with it) through the services; a case without an outcome in force
(none yet, or one a consistency check returned) is shown as a draft from its current
decisions, clearly marked, with a returned outcome in its own section, unsigned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from ...errors import UnknownProfileError
from ...profiles.library import Library
from ...profiles.validate import known_problems
from ...scheme.loader import load_scheme
from ...scheme.model import Scheme
from ...services import accounts, cases, export, jobs, reporting
from ...services.base import Actor, Database, InvalidInput, NotFound, ServiceError
from ...services.case_records import DecisionView, OutcomeView
from ...services.cases import CaseDetail
from ...services.suites import organisation_library
from ..api.records import outcomes_download
from ..auth import DB
from ..charts import grouped_bar_chart
from ..report_pdf import PDF_MEDIA_TYPE, html_to_pdf
from .dashboard import financial_year_start
from .deps import PageUser, RecordId, parse_date
from .labels import Titles, edition_title, rule_set_title
from .templating import render, templates

router = APIRouter(include_in_schema=False)

MATCHING_TEMPLATE = "reports/matching_report.html"
CHANGED_EVIDENCE = "changed after this outcome was recorded: see the case"


@dataclass(frozen=True, slots=True)
class FactorLine:
    """One factor of the report: the profile's level beside the level the panel agreed."""

    number: int
    name: str
    profile_level: str
    agreed_level: str
    outcome: str
    points: str
    evidence: str
    notes: tuple[str, ...] = ()  # the library's known problems with the profile's entry


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _explained_rows(explanation: dict[str, Any]) -> dict[int, dict[str, str]]:
    """The explanation table saved with the outcome, by factor number and column name."""
    table = explanation.get("explanation") or {}
    columns = [str(c) for c in table.get("columns", [])]
    rows: dict[int, dict[str, str]] = {}
    for row in table.get("rows", []):
        named = dict(zip(columns, (str(v) for v in row), strict=False))
        if named.get("#", "").isdigit():
            rows[int(named["#"])] = named
    return rows


def _profile_levels(
    scheme: Scheme, library: Library, detail: CaseDetail, version: int | None
) -> tuple[str, dict[int, str], dict[int, list[str]]]:
    """The profile's title, its level text per factor as printed in the suite, and the
    library's known problems with each factor's entry (only when the organisation's
    library holds ``version``, the one the report is about)."""
    case = detail.case
    if not case.profile_id:
        return "", {}, {}
    ref = f"{case.suite_id}/{case.profile_id}" if case.suite_id else case.profile_id
    try:
        profile = library.get(ref)
    except UnknownProfileError:
        return case.profile_id, {}, {}
    if case.suite_id and library.version_of(case.suite_id) != version:
        return profile.title, {}, {}
    return (
        profile.title,
        {e.number: e.level_text for e in profile.factors},
        known_problems(scheme, profile),
    )


def _in_force(detail: CaseDetail) -> tuple[OutcomeView | None, OutcomeView | None]:
    """(The outcome in force, the returned outcome): the latest outcome is in force
    unless a consistency check returned it (the case is then back with the panel, whose
    decisions may since have changed); at most one of the two is given."""
    outcome = detail.outcome
    if outcome is None:
        return None, None
    returned = any(c.outcome_id == outcome.id and c.decision == "returned" for c in detail.checks)
    if returned or detail.case.status in ("draft", "returned"):
        return None, outcome
    return outcome, None


def _evidence(decision: DecisionView | None, outcome: OutcomeView | None) -> str:
    """The evidence typed for a factor, beside an outcome only when it was not changed
    after that outcome was recorded (the outcome does not keep its own copy)."""
    if decision is None:
        return ""
    changed = (
        outcome is not None
        and outcome.recorded_at is not None
        and decision.updated_at is not None
        and decision.updated_at > outcome.recorded_at
    )
    return CHANGED_EVIDENCE if changed else decision.evidence


def _checks(
    db: Database, actor: Actor, detail: CaseDetail, outcome: OutcomeView | None
) -> list[dict[str, Any]]:
    """The consistency checks of ``outcome`` (none without one)."""
    return [
        {
            "decision": c.decision,
            "reasons": c.reasons,
            "checked_at": c.checked_at,
            "checker": _user_name(db, actor, c.checker_id),
        }
        for c in detail.checks
        if outcome is not None and c.outcome_id == outcome.id
    ]


def _suite_text(library: Library, suite_id: str | None, version: int | None) -> str:
    """``National Profiles for Art Therapy, version 1``: the suite's title, never its id."""
    if not suite_id:
        return ""
    suite = library.suite(suite_id)
    title = suite.title if suite is not None else f"profile suite {suite_id.replace('-', ' ')}"
    return f"{title}, version {version}" if version else title


def _returned(
    db: Database,
    actor: Actor,
    detail: CaseDetail,
    outcome: OutcomeView | None,
    library: Library,
) -> dict[str, Any] | None:
    """The returned outcome as it was recorded, for its own labelled section (no
    evidence: what is typed now may not be what it was decided on)."""
    if outcome is None:
        return None
    names = [f.name for f in load_scheme().factors]
    return {
        "outcome": outcome,
        "verdict": outcome.verdict,
        "total": _span(outcome.total_min, outcome.total_max),
        "band": outcome.band,
        "rule_set": rule_set_title(outcome.rule_set_id, outcome.rule_set_version),
        "suite": _suite_text(library, outcome.suite_id, outcome.suite_version),
        "levels": list(zip(range(1, len(names) + 1), names, outcome.levels, strict=False)),
        "checks": _checks(db, actor, detail, outcome),
    }


def _rule_set_text(explanation: dict[str, Any]) -> str:
    """The rule set a draft's provisional result was computed with."""
    rules = explanation.get("rule_set") or {}
    return rule_set_title(str(rules["id"]), rules.get("version")) if "id" in rules else ""


def _user_name(db: Database, actor: Actor, user_id: int) -> str:
    try:
        return accounts.get_user(db, actor, user_id).name
    except NotFound:
        return f"user {user_id}"


def matching_report(db: Database, actor: Actor, case_id: int) -> dict[str, Any]:
    """Everything the matching report shows, from the services (NotFound for a case of
    another organisation). Only an outcome in force is reported as the outcome; else the
    report is a draft of the current decisions, computed as the case page computes them
    (with the library's current suite version), beside any returned outcome."""
    detail = cases.get_case(db, actor, case_id)
    job = jobs.get_job(db, actor, detail.case.job_id)
    scheme = load_scheme()
    library = organisation_library(db, actor.organisation_id)
    outcome, returned = _in_force(detail)
    case = detail.case
    explanation: dict[str, Any] = dict(outcome.explanation) if outcome else {}
    if outcome is None:
        try:
            explanation = cases.compute_preview(db, actor, case_id).json or {}
        except ServiceError:
            explanation = {}
    suite_id = (outcome.suite_id if outcome else None) or case.suite_id
    if outcome is not None:
        suite_version = outcome.suite_version or case.suite_version
    else:  # the version compute() uses: the library's current one
        suite_version = (library.version_of(suite_id) if suite_id else 0) or case.suite_version
    opened_version = (
        case.suite_version
        if outcome is None and suite_id and case.suite_version not in (None, suite_version)
        else None
    )
    explained = _explained_rows(explanation)
    profile_title, printed, notes = _profile_levels(scheme, library, detail, suite_version)
    decisions = {d.factor: d for d in detail.decisions}
    factors = []
    for factor in scheme.factors:
        n = factor.number
        row = explained.get(n, {})
        if outcome is not None and len(outcome.levels) >= n:
            agreed = outcome.levels[n - 1]
        else:
            agreed = decisions[n].levels if n in decisions else ""
        factors.append(
            FactorLine(
                number=n,
                name=factor.name,
                profile_level=printed.get(n) or row.get("Profile", ""),
                agreed_level=agreed,
                outcome=row.get("Outcome", ""),
                points=row.get("Points", ""),
                evidence=_evidence(decisions.get(n), outcome),
                notes=tuple(notes.get(n, ())),
            )
        )
    total = explanation.get("total") or {}
    edition_id = outcome.scheme_edition if outcome else scheme.edition.id
    return {
        "detail": detail,
        "case": case,
        "job": job,
        "outcome": outcome,
        "draft": outcome is None,
        "returned": _returned(db, actor, detail, returned, library),
        "factors": factors,
        "profile_title": profile_title,
        "suite_id": suite_id,
        "suite_version": suite_version,
        "suite_title": _suite_text(library, suite_id, None),
        "opened_version": opened_version,
        "verdict": outcome.verdict if outcome else explanation.get("verdict", ""),
        "total": _span(outcome.total_min, outcome.total_max)
        if outcome
        else (_span(int(total["min"]), int(total["max"])) if total else ""),
        "band": outcome.band if outcome else ", ".join(map(str, explanation.get("bands", []))),
        "rule_set": rule_set_title(outcome.rule_set_id, outcome.rule_set_version)
        if outcome
        else _rule_set_text(explanation),
        "scheme_edition": edition_id,
        "scheme_edition_title": edition_title(edition_id),
        "summary": list((explanation.get("explanation") or {}).get("summary", [])),
        "panel": outcome.panel if outcome else None,
        "checks": _checks(db, actor, detail, outcome),
        "generated": dt.datetime.now(dt.UTC),
        "titles": Titles(lambda: library),  # the organisation's titles, in the PDF too
    }


def report_html(name: str, context: dict[str, Any]) -> str:
    """A standalone report template rendered for WeasyPrint (no page chrome)."""
    return templates.env.get_template(name).render({**context, "web": False})


def pdf_response(html: str, filename: str) -> Response:
    return Response(
        html_to_pdf(html),
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/cases/{case_id}/report")
def case_report(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    context = matching_report(db, user.actor, case_id)
    return render(request, MATCHING_TEMPLATE, {**context, "web": True}, principal=user)


@router.get("/cases/{case_id}/report.pdf")
def case_report_pdf(case_id: RecordId, user: PageUser, db: DB) -> Response:
    html = report_html(MATCHING_TEMPLATE, matching_report(db, user.actor, case_id))
    return pdf_response(html, f"case-{case_id}-matching-report.pdf")


# ---------------------------------------------------------------- exports


@router.get("/exports")
def exports_page(user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("read")
    return render(
        request,
        "reports/exports.html",
        {"columns": export.COLUMNS, "breadcrumbs": [{"href": "/", "text": "Home"}]},
        principal=user,
    )


@router.get("/exports/outcomes.csv")
def export_csv(user: PageUser, db: DB) -> Response:
    return outcomes_download(db, user.actor, "csv")


@router.get("/exports/outcomes.xlsx")
def export_xlsx(user: PageUser, db: DB) -> Response:
    return outcomes_download(db, user.actor, "xlsx")


# ---------------------------------------------------------------- board figures


def _date(text: str | None, default: dt.date) -> dt.date | None:
    if not text:
        return default
    try:  # the pages' one date parser: huge or odd text is "not a date", never a 500
        return parse_date({"date": text}, "date", "The date", iso=True)
    except InvalidInput:
        return None


#: The board page's period: at most ten years, within 2000 to 2100 (a longer one made a
#: page of thousands of quarters, or an error, for no board that could read it).
BOARD_YEARS = (2000, 2100)
BOARD_MAX_YEARS = 10


def _period_errors(start: dt.date, end: dt.date) -> list[dict[str, str]]:
    first, last = BOARD_YEARS
    if not (first <= start.year <= last and first <= end.year <= last):
        return [{"text": f"The period must be between {first} and {last}", "href": "#from"}]
    try:
        limit = start.replace(year=start.year + BOARD_MAX_YEARS)
    except ValueError:  # 29 February: ten years on is 1 March
        limit = dt.date(start.year + BOARD_MAX_YEARS, 3, 1)
    if end >= limit:
        return [
            {
                "text": f"The period can be at most {BOARD_MAX_YEARS} years: choose a later "
                "first day or an earlier last day",
                "href": "#to",
            }
        ]
    return []


@router.get("/reports/board")
def board_page(user: PageUser, request: Request, db: DB) -> Response:
    today = dt.date.today()
    query = request.query_params
    start = _date(query.get("from"), financial_year_start(today))
    end = _date(query.get("to"), today)
    errors = []
    if start is None:
        errors.append({"text": "Enter the first day as a date, like 2026-04-01", "href": "#from"})
    if end is None:
        errors.append({"text": "Enter the last day as a date, like 2027-03-31", "href": "#to"})
    report = None
    if start is not None and end is not None:
        errors += _period_errors(start, end)
    if start is not None and end is not None and not errors:
        try:
            report = reporting.board_report(db, user.actor, start, end)
        except ServiceError as exc:
            errors.append({"text": exc.message, "href": "#from"})
    chart = ""
    if report is not None:
        chart = grouped_bar_chart(
            [q.label for q in report.quarters],
            [
                ("Jobs matched", [q.jobs_matched for q in report.quarters]),
                ("Jobs evaluated", [q.jobs_evaluated for q in report.quarters]),
                ("Review requests", [q.review_requests for q in report.quarters]),
            ],
            title="Jobs matched, evaluated and review requests by quarter",
            y_label="Number",
            chart_id="board-quarters",
        )
    return render(
        request,
        "reports/board.html",
        {
            "report": report,
            "errors": errors,
            "start_text": query.get("from") or (start.isoformat() if start else ""),
            "end_text": query.get("to") or (end.isoformat() if end else ""),
            "chart": Markup(chart),  # built by charts.py, every text escaped
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
        principal=user,
        status_code=422 if errors else 200,
    )
