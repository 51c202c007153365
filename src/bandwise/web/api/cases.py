"""Cases: open, read, list, factor decisions, live preview, panel outcome, consistency
check, notification and closing. Each endpoint calls one function of
:mod:`bandwise.services.cases`, which checks the role, the organisation, the case
``version`` (stale: 409) and the workflow rules (422 ``rule-violation`` naming the field).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, BeforeValidator, Field

from ...policy import policy
from ...services import cases as service
from ...services.cases import (
    MAX_EVIDENCE,
    MAX_RATIONALE,
    CaseDetail,
    CaseView,
    DecisionInput,
    Guest,
)
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Id, Storable, StrictInput, Version, text

#: The most rows one list asks for (policy data).
LIST_LIMIT = policy().page_size("list_limit")

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)

CaseId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such case in your organisation"}
}
STALE: Responses = {409: {"model": ErrorBody, "description": "The case changed since you read it"}}
CHANGE: Responses = {**NOT_FOUND, **STALE}
#: Evidence is bounded by the service that writes decisions (it names the factor over the
#: bound); the request body limit bounds what is parsed before.
Evidence = Annotated[str, Field(description=f"At most {MAX_EVIDENCE:,} characters"), Storable]


def _iso_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("a date is a string YYYY-MM-DD")
    return dt.date.fromisoformat(value)


#: A day as ``YYYY-MM-DD`` (a string only: no timestamps or other coercions).
Day = Annotated[dt.date, BeforeValidator(_iso_date), Field(strict=False, description="YYYY-MM-DD")]


class CaseIn(StrictInput):
    job_id: Id
    kind: Literal["match", "hybrid", "evaluation"]
    profile_id: Annotated[str, text(200, 1), Storable] | None = None


class DecisionIn(StrictInput):
    factor: Annotated[int, Field(ge=1, le=16)]
    levels: Annotated[str, text(20), Storable] = Field(
        description='"5", "5c", "3(a)", a range "2-3"; "" removes the decision'
    )
    evidence: Evidence = ""


class DecisionsIn(StrictInput):
    version: Version
    decisions: Annotated[list[DecisionIn], Field(min_length=1, max_length=16)]


class OneDecisionIn(StrictInput):
    version: Version
    levels: Annotated[str, text(20), Storable]
    evidence: Evidence = ""


class GuestIn(StrictInput):
    """A panel member without an account."""

    name: Annotated[str, text(200, 1), Storable]
    side: Literal["management", "staff-side"]
    organisation: Annotated[str, text(200), Storable] = Field(
        default="", description='Where they come from, e.g. "UNISON Eastern region"'
    )


class OutcomeIn(StrictInput):
    version: Version
    sat_on: Day
    members: Annotated[list[Id], Field(max_length=50)] = Field(
        default_factory=list, description="The accounts that sat on the panel"
    )
    guests: Annotated[list[GuestIn], Field(max_length=20)] = Field(
        default_factory=list, description="Panel members without an account"
    )
    rationale: Annotated[str, text(MAX_RATIONALE), Storable] = Field(
        default="", description="The panel's reasons in its own words"
    )


class CheckIn(StrictInput):
    version: Version
    decision: Literal["approved", "returned"]
    reasons: Annotated[str, text(10_000), Storable] = ""


class NotifyIn(StrictInput):
    version: Version
    notified_on: Day | None = None


class CloseIn(StrictInput):
    version: Version
    reason: Annotated[str, text(2_000), Storable] = ""


class CasePage(BaseModel):
    items: list[CaseView]
    total: int
    offset: int
    limit: int


class PreviewOut(BaseModel):
    """The live result of the case's decisions; ``result`` is the same JSON as
    ``bandwise match``/``evaluate --json``, null while a factor has no decision."""

    case_id: int
    mode: str
    levels: list[str | None]
    missing: list[int]
    undecided: list[int]
    result: dict[str, Any] | None


@router.get("/cases", response_model=CasePage)
def list_cases(
    actor: CurrentActor,
    db: DB,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 50,
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z-]+$")] = None,
    kind: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z-]+$")] = None,
    job_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    profile_id: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
    parent_case_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> CasePage:
    """The organisation's cases, oldest first, ``limit`` at a time from ``offset``."""
    page = service.list_cases(
        db, actor, status, kind, job_id, profile_id, parent_case_id, offset, limit
    )
    return CasePage(items=list(page.items), total=page.total, offset=page.offset, limit=page.limit)


@router.post("/cases", status_code=201, response_model=CaseDetail)
def open_case(body: CaseIn, actor: CurrentActor, db: DB, response: Response) -> CaseDetail:
    """Open a draft match, hybrid or evaluation case for a job (reviews are opened by
    requesting a review)."""
    case = service.open_case(db, actor, body.job_id, body.kind, body.profile_id)
    response.headers["Location"] = f"/api/cases/{case.case.id}"
    return case


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=NOT_FOUND)
def get_case(case_id: CaseId, actor: CurrentActor, db: DB) -> CaseDetail:
    """The case with its decisions, outcomes, checks and the ``actions`` allowed next."""
    return service.get_case(db, actor, case_id)


@router.get("/cases/{case_id}/preview", response_model=PreviewOut, responses=NOT_FOUND)
def preview(case_id: CaseId, actor: CurrentActor, db: DB) -> PreviewOut:
    p = service.compute_preview(db, actor, case_id)
    return PreviewOut(
        case_id=p.case_id,
        mode=p.mode,
        levels=list(p.levels),
        missing=list(p.missing),
        undecided=list(p.undecided),
        result=p.json,
    )


@router.put("/cases/{case_id}/decisions", response_model=CaseDetail, responses=CHANGE)
def set_decisions(case_id: CaseId, body: DecisionsIn, actor: CurrentActor, db: DB) -> CaseDetail:
    """Set (empty ``levels``: remove) several factor decisions in one change."""
    decisions = [DecisionInput(d.factor, d.levels, d.evidence) for d in body.decisions]
    return service.set_factor_decisions(db, actor, case_id, body.version, decisions)


@router.put("/cases/{case_id}/decisions/{factor}", response_model=CaseDetail, responses=CHANGE)
def set_decision(
    case_id: CaseId,
    factor: Annotated[int, PathParam(ge=1, le=16)],
    body: OneDecisionIn,
    actor: CurrentActor,
    db: DB,
) -> CaseDetail:
    return service.set_factor_decision(
        db, actor, case_id, body.version, factor, body.levels, body.evidence
    )


@router.post("/cases/{case_id}/outcome", response_model=CaseDetail, responses=CHANGE)
def record_outcome(case_id: CaseId, body: OutcomeIn, actor: CurrentActor, db: DB) -> CaseDetail:
    """Record the panel's outcome: the case's current decisions, decided on ``sat_on`` by
    ``members`` (accounts) and ``guests`` (by name, side and organisation, no account),
    together a management and a staff-side member at least; ``rationale``: the panel's
    reasons."""
    guests = [Guest(g.name, g.side, g.organisation) for g in body.guests]
    return service.record_panel_outcome(
        db, actor, case_id, body.version, body.sat_on, body.members, guests, body.rationale
    )


@router.post("/cases/{case_id}/check", response_model=CaseDetail, responses=CHANGE)
def check(case_id: CaseId, body: CheckIn, actor: CurrentActor, db: DB) -> CaseDetail:
    """The consistency check, by someone who did not sit on the panel, record the outcome
    or make a factor decision of the case."""
    return service.consistency_check(db, actor, case_id, body.version, body.decision, body.reasons)


@router.post("/cases/{case_id}/notification", response_model=CaseDetail, responses=CHANGE)
def notify(case_id: CaseId, body: NotifyIn, actor: CurrentActor, db: DB) -> CaseDetail:
    """Record that the confirmed outcome was notified (today, or ``notified_on``)."""
    return service.notify(db, actor, case_id, body.version, body.notified_on)


@router.post("/cases/{case_id}/close", response_model=CaseDetail, responses=CHANGE)
def close(case_id: CaseId, body: CloseIn, actor: CurrentActor, db: DB) -> CaseDetail:
    """Close a notified case, or abandon a draft or returned one (with a ``reason``)."""
    return service.close(db, actor, case_id, body.version, body.reason)
