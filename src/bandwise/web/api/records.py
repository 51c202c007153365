"""Records over the organisation's outcomes: the consistency report, the board report,
re-matching after a profile suite changes (dry run and apply), the outcomes export (CSV
or Excel download), a case's matching report and its audit trail. The JSON is the
services' own, the same as the command line's ``--json`` output."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ...services import audit, consistency, matching_report, organisation, rematch, reporting
from ...services.audit import AuditEventView
from ...services.matching_report import MatchingReport
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..http import MEDIA_TYPES, board_download, board_file_name, outcomes_download, pdf_download
from ..models import MAX_INT, StrictInput
from ..report_pdf import PDF_MEDIA_TYPE
from .cases import CaseId
from .report_models import BoardReportOut, ConsistencyReportOut

router = APIRouter(tags=["records"], responses=ERROR_RESPONSES)

SuiteId = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")]
NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "Not in your organisation"}}


class RematchIn(StrictInput):
    to_version: Annotated[int, Field(ge=1, le=MAX_INT)] = Field(
        description="The suite version the dry run compared to (what you reviewed)"
    )
    from_version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class AuditPage(BaseModel):
    items: list[AuditEventView]
    total: int
    offset: int
    limit: int


@router.get("/consistency", response_model=ConsistencyReportOut)
def consistency_report(
    actor: CurrentActor,
    db: DB,
    scope: Annotated[Literal["confirmed", "recorded"], Query()] = "confirmed",
) -> dict[str, Any]:
    """Conflicting outcomes, factor levels away from similar jobs', totals near a band
    boundary and outcomes outside their profile (``bandwise consistency --json``)."""
    return consistency.check_consistency(db, actor, scope).to_json()


@router.get("/reports/board", response_model=BoardReportOut)
def board_report(
    actor: CurrentActor,
    db: DB,
    start: Annotated[dt.date, Query(alias="from", description="First day (YYYY-MM-DD)")],
    end: Annotated[dt.date, Query(alias="to", description="Last day, included")],
    as_at: Annotated[dt.date | None, Query(description="Job-description ages as at")] = None,
) -> dict[str, Any]:
    """The board figures for the period and each quarter (``bandwise report --json``)."""
    return reporting.board_report(db, actor, start, end, as_at).to_json()


@router.get(
    "/reports/board/download",
    response_class=Response,
    responses={200: {"content": {v: {} for v in (*MEDIA_TYPES.values(), PDF_MEDIA_TYPE)}}},
)
def board_report_download(
    actor: CurrentActor,
    db: DB,
    start: Annotated[dt.date, Query(alias="from", description="First day (YYYY-MM-DD)")],
    end: Annotated[dt.date, Query(alias="to", description="Last day, included")],
    format: Annotated[Literal["csv", "xlsx", "pdf"], Query()] = "csv",
    as_at: Annotated[dt.date | None, Query(description="Job-description ages as at")] = None,
) -> Response:
    """The board figures as a CSV or Excel table: a row per figure, a column per quarter
    and the whole period (``bandwise report --from … --to … --out FILE``); or as the board
    page's PDF under the organisation's letterhead (``--pdf FILE``)."""
    report = reporting.board_report(db, actor, start, end, as_at)
    if format != "pdf":
        return board_download(report, format)
    from ..pages.reports import board_pdf  # the board page's one PDF of the figures

    pdf = board_pdf(report, organisation.letterhead(db, actor.organisation_id))
    return pdf_download(pdf, board_file_name(report, "pdf"))


@router.get("/suites/{suite_id}/rematch", response_model=dict[str, Any], responses=NOT_FOUND)
def rematch_dry_run(
    suite_id: SuiteId,
    actor: CurrentActor,
    db: DB,
    to_version: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    from_version: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> dict[str, Any]:
    """The jobs whose confirmed outcome a suite change affects (nothing is changed)."""
    return rematch.rematch(db, actor, suite_id, to_version, from_version).to_json()


@router.post("/suites/{suite_id}/rematch", response_model=dict[str, Any], responses=NOT_FOUND)
def rematch_apply(
    suite_id: SuiteId, body: RematchIn, actor: CurrentActor, db: DB
) -> dict[str, Any]:
    """Open a case for each affected job, against ``to_version``."""
    return rematch.rematch(
        db, actor, suite_id, body.to_version, body.from_version, apply=True
    ).to_json()


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {v: {} for v in MEDIA_TYPES.values()}}},
)
def export_outcomes(
    actor: CurrentActor,
    db: DB,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    headers: Annotated[
        Literal["codes", "names"],
        Query(description="The header row: column codes (f1 to f16) or people's words"),
    ] = "codes",
) -> Response:
    """Every outcome of the organisation as a CSV or Excel download (audited), with the
    panel, the checker and the dates (``bandwise export``)."""
    return outcomes_download(db, actor, format, headers)


@router.get("/cases/{case_id}/report", response_model=MatchingReport, responses=NOT_FOUND)
def case_matching_report(case_id: CaseId, actor: CurrentActor, db: DB) -> MatchingReport:
    """The case's matching report, as the report page and its PDF show it (``bandwise
    report case ID --json``): ``draft`` is true while no outcome is in force, and the
    figures are then provisional, from the current decisions."""
    return matching_report.matching_report(db, actor, case_id)


@router.get("/cases/{case_id}/audit", response_model=AuditPage, responses=NOT_FOUND)
def case_audit_trail(
    case_id: CaseId,
    actor: CurrentActor,
    db: DB,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """What happened to the case and its review requests, oldest first."""
    page = audit.case_trail(db, actor, case_id, offset, limit)
    return AuditPage(items=list(page.items), total=page.total, offset=page.offset, limit=page.limit)
