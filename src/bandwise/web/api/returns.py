"""The JE register and NHS England's quarterly JE KPI return.

``GET /returns/je-kpi?quarter=2026-Q3`` answers with exactly the collection's JSON (the
same as ``bandwise returns je-kpi --json``); ``detail=true`` adds the jobs behind each
figure, the estimated flags' reasons, the submission and the previous quarter's figures.
Board readiness, estimated flags and the SRO sign-off are recorded per quarter by a JE
lead or admin; ``POST .../submit`` freezes the return.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import Field

from ...returns.export import audit_html, audit_xlsx, return_xlsx
from ...services import jd_reviews, je_returns, register
from ...services import je_audit as je_audit_service
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, text
from .cases import Day

router = APIRouter(tags=["returns"], responses=ERROR_RESPONSES)

QuarterText = Annotated[str, Query(max_length=7, pattern=r"^\d{4}-Q[1-4]$", examples=["2026-Q3"])]
QuarterPath = Annotated[str, PathParam(max_length=7, pattern=r"^\d{4}-Q[1-4]$")]
JobId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "Not in your organisation"}}
Band = Literal["1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegisterPatch(StrictInput):
    staff_group: Annotated[str, text(60), Storable] | None = None
    band: Band | None = None
    jd_written: Day | None = None
    jd_last_reviewed: Day | None = None


class PostholdersIn(StrictInput):
    as_at: Day
    headcount: Annotated[int, Field(ge=0, le=10_000_000)]
    wte: Annotated[float, Field(ge=0, le=10_000_000, strict=False)]


class JdReviewIn(StrictInput):
    job_id: Annotated[int, Field(ge=1, le=MAX_INT)]
    reviewed_on: Day
    reviewer: Annotated[str, text(200, 1), Storable]
    result: Literal["unchanged", "band-increased", "band-decreased", "band-unchanged"]
    staff_affected: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    band_before: Band | None = None
    band_after: Band | None = None
    case_id: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    notes: Annotated[str, text(4000), Storable] = ""


class ReadinessIn(StrictInput):
    answers: dict[Annotated[str, Field(max_length=60)], Literal["yes", "no"] | None]


class EstimatedIn(StrictInput):
    table: Literal["nm_job_descriptions", "nm_staff_reviewed"]
    band: Literal["5", "6", "7", "8a+"]
    reason: Annotated[str, text(500), Storable] = Field(
        "", description="Why the figure is estimated; empty clears the flag"
    )


class SignoffIn(StrictInput):
    sro_name: Annotated[str, text(200, 1), Storable]
    confirmed_on: Day


@router.get("/register", response_model=list[dict[str, Any]])
def list_register(
    actor: CurrentActor,
    db: DB,
    as_at: Annotated[
        dt.date | None, Query(description="The register as at (default today)")
    ] = None,
) -> list[dict[str, Any]]:
    """Every job with its staff group, band in force, JD dates, postholders, open cases."""
    return [e.to_json() for e in register.list_register(db, actor, as_at)]


@router.patch("/register/{job_id}", response_model=dict[str, Any], responses=NOT_FOUND)
def update_register(
    job_id: JobId, body: RegisterPatch, actor: CurrentActor, db: DB
) -> dict[str, Any]:
    """Set the fields given (null clears one)."""
    return register.update_register(
        db, actor, job_id, body.model_dump(exclude_unset=True)
    ).to_json()


@router.post("/register/{job_id}/postholders", response_model=dict[str, Any], responses=NOT_FOUND)
def record_postholders(
    job_id: JobId, body: PostholdersIn, actor: CurrentActor, db: DB
) -> dict[str, Any]:
    """Headcount and WTE as at a date (earlier dates are kept as history)."""
    entry = register.record_postholders(
        db, actor, job_id, body.as_at, body.headcount, str(body.wte)
    )
    return entry.to_json()


class TrainingIn(StrictInput):
    trained_on: Day | None = Field(description="When the person was trained in JE; null clears it")


@router.put("/users/{user_id}/je-training", status_code=204, responses=NOT_FOUND)
def je_training(
    user_id: Annotated[int, PathParam(ge=1, le=MAX_INT)],
    body: TrainingIn,
    actor: CurrentActor,
    db: DB,
) -> None:
    """Record when a person was trained in job evaluation (for the practices audit)."""
    register.set_je_training(db, actor, user_id, body.trained_on)


@router.get("/jd-reviews", response_model=list[dict[str, Any]])
def list_jd_reviews(
    actor: CurrentActor, db: DB, job_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None
) -> list[dict[str, Any]]:
    return [r.to_json() for r in jd_reviews.list_jd_reviews(db, actor, job_id)]


@router.post("/jd-reviews", response_model=dict[str, Any], status_code=201, responses=NOT_FOUND)
def record_jd_review(body: JdReviewIn, actor: CurrentActor, db: DB) -> dict[str, Any]:
    """Record a job description review and its result."""
    data = body.model_dump()
    job_id, reviewed_on, reviewer, result = (
        data.pop("job_id"), data.pop("reviewed_on"), data.pop("reviewer"), data.pop("result"),
    )  # fmt: skip
    return jd_reviews.record_jd_review(
        db, actor, job_id, reviewed_on, reviewer, result, **data
    ).to_json()


@router.get(
    "/returns/je-kpi",
    response_model=dict[str, Any],
    responses={200: {"content": {"application/json": {}, XLSX: {}}}},
)
def je_kpi(
    actor: CurrentActor,
    db: DB,
    quarter: QuarterText,
    detail: bool = False,
    all_staff_groups: bool = False,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> Any:
    """The quarter's Job Evaluation Audit and KPI return, as at the quarter's end: the keys
    ``quarter, organisation, as_at, sro_signoff, board_readiness, nm_job_descriptions,
    nm_staff_reviewed, gaps``; a quarter that has not ended is refused (422)."""
    payload = je_returns.je_kpi_return(
        db, actor, quarter, detail=detail or format == "xlsx", all_staff_groups=all_staff_groups
    )
    if format == "xlsx":
        name = f"je-kpi-{quarter}.xlsx"
        return Response(
            return_xlsx(payload),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return payload


@router.put("/returns/je-kpi/{quarter}/board-readiness", status_code=204)
def board_readiness(quarter: QuarterPath, body: ReadinessIn, actor: CurrentActor, db: DB) -> None:
    """Yes/no answers to the board readiness statements (null clears one)."""
    je_returns.set_board_readiness(db, actor, quarter, dict(body.answers))


@router.put("/returns/je-kpi/{quarter}/estimated", status_code=204)
def estimated(quarter: QuarterPath, body: EstimatedIn, actor: CurrentActor, db: DB) -> None:
    """Flag one band's figures of one table as estimated, with the reason."""
    je_returns.set_estimated(db, actor, quarter, body.table, body.band, body.reason)


@router.put("/returns/je-kpi/{quarter}/sro-signoff", status_code=204)
def sro_signoff(quarter: QuarterPath, body: SignoffIn, actor: CurrentActor, db: DB) -> None:
    """Record that the board-level SRO approved the quarter's data."""
    je_returns.record_sro_signoff(db, actor, quarter, body.sro_name, body.confirmed_on)


@router.post("/returns/je-kpi/{quarter}/submit", response_model=dict[str, Any])
def submit(quarter: QuarterPath, actor: CurrentActor, db: DB) -> dict[str, Any]:
    """Freeze the quarter's figures (after the SRO's sign-off and every readiness answer)."""
    return je_returns.submit_return(db, actor, quarter)


@router.get(
    "/returns/je-audit",
    response_model=dict[str, Any],
    responses={200: {"content": {"application/json": {}, XLSX: {}, "application/pdf": {}}}},
)
def je_audit(
    actor: CurrentActor,
    db: DB,
    start: Annotated[dt.date, Query(alias="from", description="First day (YYYY-MM-DD)")],
    end: Annotated[dt.date, Query(alias="to", description="Last day, included")],
    format: Annotated[Literal["json", "xlsx", "pdf"], Query()] = "json",
) -> Any:
    """The annual JE practices self-assessment: each statement (ours, ``verified: false``
    until the Enabling Agreement is published) with its evidence from the records."""
    audit = je_audit_service.practices_audit(db, actor, start, end)
    if format == "json":
        return audit
    name = f"je-practices-{audit['from']}-{audit['to']}.{format}"
    if format == "xlsx":
        content, media = audit_xlsx(audit), XLSX
    else:
        from ..report_pdf import html_to_pdf

        content, media = html_to_pdf(audit_html(audit)), "application/pdf"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
