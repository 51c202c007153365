"""Consistency: what a consistency-checking panel should look at across the
organisation's outcomes (outliers, totals near a band boundary, outcomes outside their
profile), with charts; re-matching after a profile suite changes (dry run, then open
cases); and the consistency report as HTML and PDF from one template.

The findings and the charts' figures are all
:func:`bandwise.services.consistency.check_consistency`'s: the charts draw its checked
outcomes (their recorded totals and bands, their profiles' ranges and the same outside
flags as the findings), never a second reckoning of their own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from ...policy import policy
from ...scheme.loader import load_scheme
from ...scheme.rules import RuleSet
from ...services import cases, consistency, jobs, organisation, rematch, suites
from ...services.base import Actor, Database, Forbidden, NotFound, ServiceError
from ...services.fields import digits
from ..auth import DB
from ..charts import RangeRow, band_histogram, range_chart
from ..http import pdf_download
from ..report_pdf import html_to_pdf
from .deps import PageUser, error_list, field_int, field_text, redirect
from .reports import report_html
from .templating import render

#: The most rows one list asks for (policy data).
LIST_LIMIT = policy().page_size("list_limit")

router = APIRouter(include_in_schema=False)

REPORT_TEMPLATE = "consistency/report.html"
FIELD_IDS = {"suite_id": "suite", "to_version": "to_version", "from_version": "from_version"}
SCOPE_LABELS = {
    "confirmed": "each job's latest confirmed outcome",
    "recorded": "each job's latest recorded outcome, confirmed or not",
}


def chart_figures(report: consistency.ConsistencyReport) -> dict[str, Any]:
    """The checked outcomes' totals by band and against their profiles' ranges, as
    charts and as rows for the tables beside them: the service's own checked outcomes
    and outside flags, so the charts never disagree with the findings."""
    scheme = load_scheme()
    ordered = [b.label for b in sorted(scheme.bands.bands, key=lambda b: b.min)]
    jobs_by_band = Counter(c.job.band for c in report.checked)
    rows = [
        RangeRow(
            f"{c.job.title} ({c.job.reference})" if c.job.reference else c.job.title,
            c.job.total_min,
            c.profile_total_min,
            c.profile_total_max,
            c.job.total_max,
        )
        for c in report.checked
        if c.profile_total_min is not None and c.profile_total_max is not None
    ]
    totals = [c.job.total_min for c in report.checked]
    return {
        "histogram": Markup(band_histogram(totals, scheme.bands.bands)),
        # the band each outcome recorded; scheme bands first in order, then any other
        "by_band": sorted(
            jobs_by_band.items(),
            key=lambda item: ordered.index(item[0]) if item[0] in ordered else len(ordered),
        ),
        "range_chart": Markup(range_chart(rows)),  # charts.py escapes all text
        "range_rows": rows,
        "outcomes": report.outcomes_checked,
    }


def _scope(request: Request) -> str:
    return request.query_params.get("scope") or "confirmed"


def consistency_context(
    db: Database, actor: Actor, scope: str, rules: RuleSet | None = None
) -> dict[str, Any]:
    report = consistency.check_consistency(db, actor, scope, rules)
    return {
        "report": report,
        "letterhead": organisation.letterhead(db, actor.organisation_id),
        "scope": scope,
        "scope_label": SCOPE_LABELS.get(scope, scope),
        **chart_figures(report),
        "generated": dt.datetime.now(dt.UTC),
    }


@router.get("/consistency")
def consistency_page(user: PageUser, request: Request, db: DB) -> Response:
    actor = user.actor
    context = consistency_context(db, actor, _scope(request))
    awaiting = cases.list_cases(db, actor, status="outcome-recorded", limit=LIST_LIMIT).items
    titles = {j.id: j.title for j in jobs.list_jobs(db, actor, limit=LIST_LIMIT).items}
    return render(
        request,
        "consistency/index.html",
        {
            **context,
            "awaiting": awaiting,
            "job_titles": titles,
            "can_check": actor.can("check"),
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
        principal=user,
    )


@router.get("/consistency/report")
def consistency_report(user: PageUser, request: Request, db: DB) -> Response:
    context = consistency_context(db, user.actor, _scope(request))
    return render(request, REPORT_TEMPLATE, {**context, "web": True}, principal=user)


def consistency_pdf(db: Database, actor: Actor, scope: str, rules: RuleSet | None = None) -> bytes:
    """The consistency report as PDF: the page's template laid out by WeasyPrint (the
    page's download and ``bandwise consistency --pdf FILE``)."""
    return html_to_pdf(report_html(REPORT_TEMPLATE, consistency_context(db, actor, scope, rules)))


@router.get("/consistency/report.pdf")
def consistency_report_pdf(user: PageUser, request: Request, db: DB) -> Response:
    return pdf_download(
        consistency_pdf(db, user.actor, _scope(request)),
        f"consistency-report-{dt.date.today().isoformat()}.pdf",
    )


# ---------------------------------------------------------------- re-matching


def _int_param(request: Request, name: str) -> int | None:
    text = (request.query_params.get(name) or "").strip()
    return int(text) if digits(text) else None


def _case_titles(db: Database, actor: Actor, case_ids: list[int]) -> dict[int, str]:
    """The job title of each case the page names (a case has no name of its own); a case
    not found (another organisation's, a number typed into the address) is left out."""
    out = {}
    for case_id in case_ids:
        try:
            job_id = cases.get_case(db, actor, case_id).case.job_id
            out[case_id] = jobs.get_job(db, actor, job_id).title
        except NotFound:
            continue
    return out


def _job_titles(db: Database, actor: Actor, job_ids: list[int]) -> dict[int, str]:
    out = {}
    for job_id in job_ids:
        try:
            out[job_id] = jobs.get_job(db, actor, job_id).title
        except NotFound:
            continue
    return out


def _rematch_page(
    user: PageUser,
    request: Request,
    db: Database,
    suite_id: str,
    to_version: int | None,
    from_version: int | None,
    failure: ServiceError | None = None,
) -> Response:
    """The suite chooser and, for a chosen suite, the dry run's list of affected jobs."""
    actor = user.actor
    result = None
    errors: list[dict[str, str]] = []
    if suite_id and failure is None:
        try:
            result = rematch.rematch(db, actor, suite_id, to_version, from_version)
        except ServiceError as exc:
            failure = exc
    if failure is not None:
        errors = error_list(failure, FIELD_IDS)
    opened = [int(x) for x in request.query_params.get("opened", "").split(",") if digits(x)]
    return render(
        request,
        "consistency/rematch.html",
        {
            "suites": suites.list_suites(db, actor),
            "suite_id": suite_id,
            "to_version": to_version,
            "from_version": from_version,
            "result": result,
            "errors": errors,
            "opened": opened,
            "opened_titles": _case_titles(db, actor, opened),
            "job_titles": _job_titles(db, actor, [n.job_id for n in result.not_compared])
            if result is not None
            else {},
            "applied": request.query_params.get("applied") == "1",
            "can_apply": actor.can("write"),
            "breadcrumbs": [
                {"href": "/", "text": "Home"},
                {"href": "/consistency", "text": "Consistency"},
            ],
        },
        principal=user,
        status_code=failure.status if failure is not None else 200,
    )


@router.get("/consistency/rematch")
def rematch_page(user: PageUser, request: Request, db: DB) -> Response:
    return _rematch_page(
        user,
        request,
        db,
        (request.query_params.get("suite") or "").strip(),
        _int_param(request, "to_version"),
        _int_param(request, "from_version"),
    )


@router.post("/consistency/rematch")
async def rematch_apply(user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    suite_id = field_text(form, "suite")
    to_version = field_int(form, "to_version")
    from_version = field_int(form, "from_version")
    try:
        result = await run_in_threadpool(
            rematch.rematch, db, user.actor, suite_id, to_version, from_version, True
        )
    except Forbidden:
        raise
    except ServiceError as exc:
        return await run_in_threadpool(
            _rematch_page, user, request, db, suite_id, to_version, from_version, exc
        )
    query: dict[str, str | int] = {"suite": suite_id, "to_version": result.to_version}
    if from_version is not None:
        query["from_version"] = from_version
    query["applied"] = 1
    if result.opened:
        query["opened"] = ",".join(map(str, result.opened))
    return redirect(f"/consistency/rematch?{urlencode(query)}")
