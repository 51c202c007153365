"""Review requests: a jobholder's request for a review of a confirmed, notified outcome
(it opens a review case), its decision and its withdrawal. ``version`` in a body is the
version of the case under review (the original case)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import Field

from ...services import reviews as service
from ...services.reviews import ReviewView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, Version, text
from .cases import CaseId, Day

router = APIRouter(tags=["reviews"], responses=ERROR_RESPONSES)

ReviewId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such case or review in your organisation"}
}
CHANGE: Responses = {
    **NOT_FOUND,
    409: {"model": ErrorBody, "description": "The case changed since you read it"},
}


class ReviewIn(StrictInput):
    version: Version
    requested_by: Annotated[str, text(200, 1), Storable]
    requested_on: Day
    disputed_factors: Annotated[list[Annotated[int, Field(ge=1, le=16)]], Field(max_length=16)]
    grounds: Annotated[str, text(10_000, 1), Storable]
    late_override_reason: Annotated[str, text(2_000), Storable] | None = None


class ReviewDecisionIn(StrictInput):
    version: Version
    decision: Literal["upheld", "not-upheld"]


class WithdrawIn(StrictInput):
    version: Version
    reason: Annotated[str, text(2_000), Storable] = ""


@router.post(
    "/cases/{case_id}/reviews", status_code=201, response_model=ReviewView, responses=CHANGE
)
def request_review(
    case_id: CaseId, body: ReviewIn, actor: CurrentActor, db: DB, response: Response
) -> ReviewView:
    """Record a review request (within three months of notification, unless an
    administrator overrides with ``late_override_reason``); a review case is opened."""
    review = service.request_review(
        db,
        actor,
        case_id,
        body.version,
        body.requested_by,
        body.requested_on,
        body.disputed_factors,
        body.grounds,
        body.late_override_reason,
    )
    response.headers["Location"] = f"/api/reviews/{review.id}"
    return review


@router.get("/reviews", response_model=list[ReviewView])
def list_reviews(
    actor: CurrentActor,
    db: DB,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    status: Annotated[Literal["open", "upheld", "not-upheld", "withdrawn"] | None, Query()] = None,
) -> tuple[ReviewView, ...]:
    return service.list_reviews(db, actor, case_id, status)


@router.get("/reviews/{review_id}", response_model=ReviewView, responses=NOT_FOUND)
def get_review(review_id: ReviewId, actor: CurrentActor, db: DB) -> ReviewView:
    return service.get_review(db, actor, review_id)


@router.post("/reviews/{review_id}/decision", response_model=ReviewView, responses=CHANGE)
def decide_review(
    review_id: ReviewId, body: ReviewDecisionIn, actor: CurrentActor, db: DB
) -> ReviewView:
    """Upheld or not, once the review case's outcome is confirmed; the original case closes."""
    return service.decide_review(db, actor, review_id, body.version, body.decision)


@router.post("/reviews/{review_id}/withdrawal", response_model=ReviewView, responses=CHANGE)
def withdraw_review(
    review_id: ReviewId, body: WithdrawIn, actor: CurrentActor, db: DB
) -> ReviewView:
    """The jobholder withdraws: the review case closes, the original is confirmed again."""
    return service.withdraw_review(db, actor, review_id, body.version, body.reason)
