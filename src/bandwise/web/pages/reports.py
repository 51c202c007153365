"""Reports: a case's matching report (HTML and PDF from one template), the outcomes
export (CSV and Excel) and the board figures.

The matching report is what the panel signs and the jobholder is given, so it is one
standalone template (``reports/matching_report.html``, its own print CSS, none of the
site's chrome): the browser gets it with a link back and a PDF link, WeasyPrint gets
it as it is. What it shows is built once by
:func:`bandwise.services.matching_report.matching_report` (the API's
``/api/cases/{id}/report`` and ``bandwise report case`` render the same structure);
this module only renders it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from ...errors import InvalidInput, ServiceError
from ...services import export, matching_report, organisation, reporting
from ...services.base import Actor, Database
from ...services.organisation import Letterhead
from ...services.suites import organisation_library
from ..auth import DB
from ..charts import grouped_bar_chart
from ..http import board_download, board_file_name, outcomes_download, pdf_download
from ..report_pdf import html_to_pdf
from .dashboard import financial_year_start
from .deps import PageUser, RecordId, error_list, parse_date
from .labels import Titles
from .templating import render, templates

router = APIRouter(include_in_schema=False)

MATCHING_TEMPLATE = "reports/matching_report.html"


def matching_context(db: Database, actor: Actor, case_id: int) -> dict[str, Any]:
    """The matching report's template context: the service's report and the
    organisation's titles (read once, for the summary's words and the PDF too)."""
    library = organisation_library(db, actor.organisation_id)
    report = matching_report.matching_report(db, actor, case_id, library)
    return {
        "report": report,
        "titles": Titles(lambda: library),
        "letterhead": organisation.letterhead(db, actor.organisation_id),
    }


def matching_report_pdf(db: Database, actor: Actor, case_id: int) -> bytes:
    """The matching report as PDF: the page's template laid out by WeasyPrint (the
    report page's download and ``bandwise report case ID --pdf FILE``)."""
    return html_to_pdf(report_html(MATCHING_TEMPLATE, matching_context(db, actor, case_id)))


def report_html(name: str, context: dict[str, Any]) -> str:
    """A standalone report template rendered for WeasyPrint (no page chrome)."""
    return templates.env.get_template(name).render({**context, "web": False})


@router.get("/cases/{case_id}/report")
def case_report(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    context = matching_context(db, user.actor, case_id)
    return render(request, MATCHING_TEMPLATE, {**context, "web": True}, principal=user)


@router.get("/cases/{case_id}/report.pdf")
def case_report_pdf(case_id: RecordId, user: PageUser, db: DB) -> Response:
    pdf = matching_report_pdf(db, user.actor, case_id)
    return pdf_download(pdf, f"case-{case_id}-matching-report.pdf")


# ---------------------------------------------------------------- exports


#: The reports page: each report with what it tells and where it is (title, link, text).
REPORTS = (
    (
        "Board figures",
        "/reports/board",
        "Jobs matched and evaluated, review requests and re-banding by quarter, and ageing "
        "job descriptions; as a page, PDF, CSV or Excel.",
    ),
    (
        "Consistency report",
        "/consistency/report",
        "Alike jobs with different outcomes, unusual factor levels and totals near a band "
        "boundary; as a page or PDF.",
    ),
    (
        "JE practices audit",
        "/returns/je-audit",
        "How the organisation's job evaluation practice measures against good practice, "
        "for a period; as a page, PDF or Excel.",
    ),
    (
        "JE returns",
        "/returns/je-kpi",
        "The quarterly job evaluation return: figures, board readiness and sign-off; "
        "as a page or Excel.",
    ),
    (
        "Export of every outcome",
        "/exports",
        "Every recorded outcome with its 16 factor levels, panel, checker and dates, as CSV "
        "or Excel.",
    ),
)

HOME = {"href": "/", "text": "Home"}
REPORTS_CRUMB = {"href": "/reports", "text": "Reports"}


@router.get("/reports")
def reports_page(user: PageUser, request: Request) -> Response:
    user.actor.require("read")
    return render(
        request,
        "reports/index.html",
        {"reports": REPORTS, "breadcrumbs": [HOME]},
        principal=user,
    )


@router.get("/exports")
def exports_page(user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("read")
    return render(
        request,
        "reports/exports.html",
        {
            "columns": export.COLUMNS,
            "names": export.header("names"),
            "breadcrumbs": [HOME, REPORTS_CRUMB],
        },
        principal=user,
    )


#: The exports page's downloads have people's words in the header row; ``?headers=codes``
#: gives the column codes scripts read (f1 to f16).
Headers = Annotated[Literal["names", "codes"], Query()]


@router.get("/exports/outcomes.csv")
def export_csv(user: PageUser, db: DB, headers: Headers = "names") -> Response:
    return outcomes_download(db, user.actor, "csv", headers)


@router.get("/exports/outcomes.xlsx")
def export_xlsx(user: PageUser, db: DB, headers: Headers = "names") -> Response:
    return outcomes_download(db, user.actor, "xlsx", headers)


# ---------------------------------------------------------------- board figures


def _date(text: str | None, default: dt.date) -> dt.date | None:
    if not text:
        return default
    try:  # the pages' one date parser: huge or odd text is "not a date", never a 500
        return parse_date({"date": text}, "date", "The date", iso=True)
    except InvalidInput:
        return None


#: The board figures' rows, in the page's, the PDF's and the downloads' order.
BOARD_FIGURES = reporting.BOARD_FIGURES


def board_chart(report: reporting.BoardReport) -> Markup:
    """The quarters' figures as a bar chart (built by charts.py, every text escaped)."""
    return Markup(
        grouped_bar_chart(
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
    )


def board_pdf(report: reporting.BoardReport, letterhead: Letterhead | None = None) -> bytes:
    """The board figures as PDF (the board page's download and ``bandwise report --from
    … --to … --pdf FILE``), under the organisation's ``letterhead`` when given."""
    context = {
        "report": report,
        "letterhead": letterhead,
        "chart": board_chart(report),
        "figure_labels": BOARD_FIGURES,
        "generated": dt.datetime.now(dt.UTC),
    }
    return html_to_pdf(report_html("reports/board_report.html", context))


Period = tuple[dt.date | None, dt.date | None]


def _board(
    db: Database, actor: Actor, request: Request
) -> tuple[reporting.BoardReport | None, list[dict[str, str]], Period]:
    """The board report for the page's period (default: this financial year to today),
    or the errors of the period asked for; and the period's days as read."""
    today = dt.date.today()
    query = request.query_params
    start = _date(query.get("from"), financial_year_start(today))
    end = _date(query.get("to"), today)
    errors = []
    if start is None:
        errors.append({"text": "Enter the first day as a date, like 2026-04-01", "href": "#from"})
    if end is None:
        errors.append({"text": "Enter the last day as a date, like 2027-03-31", "href": "#to"})
    if start is None or end is None:
        return None, errors, (start, end)
    try:
        return reporting.board_report(db, actor, start, end), [], (start, end)
    except ServiceError as exc:
        # the service's period rule, on the field it names (the last day for a long one)
        errors = error_list(exc, {"start": "from", "end": "to"})
        return (
            None,
            [{**e, "text": e["text"][:1].upper() + e["text"][1:]} for e in errors],
            (
                start,
                end,
            ),
        )


def _board_page(
    request: Request,
    user: PageUser,
    report: reporting.BoardReport | None,
    errors: list[dict[str, str]],
    period: Period,
) -> Response:
    query = request.query_params
    start, end = period
    return render(
        request,
        "reports/board.html",
        {
            "report": report,
            "errors": errors,
            "start_text": query.get("from") or (start.isoformat() if start else ""),
            "end_text": query.get("to") or (end.isoformat() if end else ""),
            "chart": board_chart(report) if report is not None else Markup(""),
            "figure_labels": BOARD_FIGURES,
            "breadcrumbs": [HOME, REPORTS_CRUMB],
        },
        principal=user,
        status_code=422 if errors else 200,
    )


@router.get("/reports/board")
def board_page(user: PageUser, request: Request, db: DB) -> Response:
    return _board_page(request, user, *_board(db, user.actor, request))


@router.get("/reports/board.csv")
def board_page_csv(user: PageUser, request: Request, db: DB) -> Response:
    return _board_download(request, user, db, "csv")


@router.get("/reports/board.xlsx")
def board_page_xlsx(user: PageUser, request: Request, db: DB) -> Response:
    return _board_download(request, user, db, "xlsx")


def _board_download(request: Request, user: PageUser, db: Database, fmt: str) -> Response:
    """The board figures as CSV or XLSX; a period in error gets the page with its errors."""
    report, errors, period = _board(db, user.actor, request)
    if report is None:
        return _board_page(request, user, report, errors, period)
    return board_download(report, fmt)


@router.get("/reports/board.pdf")
def board_page_pdf(user: PageUser, request: Request, db: DB) -> Response:
    """The board figures as PDF; a period in error gets the board page with its errors."""
    report, errors, period = _board(db, user.actor, request)
    if report is None:
        return _board_page(request, user, report, errors, period)
    head = organisation.letterhead(db, user.actor.organisation_id)
    return pdf_download(board_pdf(report, head), board_file_name(report, "pdf"))
