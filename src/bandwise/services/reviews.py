"""Reviews (appeals): a jobholder disputes a notified outcome; a mostly new panel reviews it.

A request must be made within three months of notification (the deadline is the
notification date plus three calendar months, clamped to the month's end: notified on
30 November, the deadline is 28 or 29 February). A later request is refused unless an
admin accepts it with a reason (recorded on the request and in the audit trail).

The request opens a review case (kind ``review``, decided as the original case was,
starting from the original decisions) and puts the original case in
``review-requested``. The review case goes through the ordinary workflow; its panel
must be mostly new (checked by :func:`.cases.record_panel_outcome`). Once its outcome is
confirmed, the review is decided (upheld or not upheld) and the original case closes.
A withdrawn request closes the review case and returns the original to ``confirmed``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workflow
from ..clock import uk_date as _day
from ..policy import policy
from ..store import tables as t
from .base import (
    LOCK,
    Actor,
    Database,
    InvalidInput,
    NotFound,
    RuleViolation,
    get_owned,
    now,
)
from .case_changes import CaseChange, change_case
from .case_records import (
    decisions_of,
    notified_date,
    utc,
)
from .fields import check_date, check_line
from .suites import library_in

#: The review window: the handbook's three months (policy data, with its reference).
REVIEW_MONTHS = policy().review_window_months.value
REVIEW_DECISIONS = ("upheld", "not-upheld")


@dataclass(frozen=True, slots=True)
class ReviewView:
    id: int
    case_id: int
    review_case_id: int | None
    requested_by: str
    requested_on: dt.date
    disputed_factors: tuple[int, ...]
    grounds: str
    late_override_by: int | None
    late_override_reason: str | None
    status: str  # open | upheld | not-upheld | withdrawn
    decided_at: dt.datetime | None
    created_by: int
    created_at: dt.datetime | None

    @classmethod
    def of(cls, r: t.ReviewRequest) -> ReviewView:
        return cls(
            r.id,
            r.case_id,
            r.review_case_id,
            r.requested_by,
            r.requested_on,
            tuple(r.disputed_factors),
            r.grounds,
            r.late_override_by,
            r.late_override_reason,
            r.status,
            utc(r.decided_at),
            r.created_by,
            utc(r.created_at),
        )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_deadline(notified_on: dt.date) -> dt.date:
    """The last day a review may be requested (inclusive)."""
    return add_months(notified_on, REVIEW_MONTHS)


def _lock_request(session: Session, actor: Actor, review_id: int) -> t.ReviewRequest:
    row = session.get(t.ReviewRequest, review_id, with_for_update=True)
    if row is None or row.organisation_id != actor.organisation_id:
        raise NotFound(f"no review request {review_id}")
    return row


def _state(row: t.Case) -> dict[str, object]:
    return {"case_id": row.id, "status": row.status, "version": row.version}


def request_review(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    requested_by: str,
    requested_on: dt.date,
    disputed_factors: Sequence[int],
    grounds: str,
    late_override_reason: str | None = None,
) -> ReviewView:
    """Record a jobholder's written request for a review of a confirmed, notified outcome."""
    actor.require(workflow.action("request a review").permission)
    requested_by, grounds = requested_by.strip(), grounds.strip()
    override = (late_override_reason or "").strip()
    if not requested_by:
        raise InvalidInput("name who requests the review", "requested_by")
    check_line(requested_by, "requested_by", "the name of who requests the review", 200)
    if not grounds:
        raise InvalidInput(
            "a review request must say where the jobholder disagrees and why", "grounds"
        )
    factors = sorted(set(disputed_factors))
    if not factors:
        raise InvalidInput("name the factor(s) the jobholder disputes", "disputed_factors")
    bad = [f for f in factors if not 1 <= f <= 16]
    if bad:
        raise InvalidInput(
            f"factor {bad[0]} does not exist; factors are 1 to 16", "disputed_factors"
        )
    check_date(requested_on, "requested_on")
    if requested_on > dt.date.today():
        raise InvalidInput(
            f"the request cannot be made in the future ({requested_on})", "requested_on"
        )
    with db.transaction() as session:
        with change_case(
            session, actor, case_id, "request a review", version, state=_state
        ) as change:
            request = _open_review(
                session, actor, change, requested_by, requested_on, factors, grounds, override
            )
        return ReviewView.of(request)


def _open_review(
    session: Session,
    actor: Actor,
    change: CaseChange,
    requested_by: str,
    requested_on: dt.date,
    factors: list[int],
    grounds: str,
    override: str,
) -> t.ReviewRequest:
    """The request and its review case, within the window or accepted late."""
    case = change.row
    notified = notified_date(case)
    assert notified is not None  # the workflow table's guard: notified before a review
    if requested_on < notified:
        raise InvalidInput(
            f"the request is dated {_day(requested_on)}, before the outcome "
            f"was notified on {_day(notified)}",
            "requested_on",
        )
    deadline = review_deadline(notified)
    late = requested_on > deadline
    if late and not override:
        raise RuleViolation(
            f"the review request was made on {_day(requested_on)}, more than "
            f"{REVIEW_MONTHS} months after notification on {_day(notified)}; the deadline "
            f"was {_day(deadline)}. An admin may accept it late, giving a reason",
            "requested_on",
        )
    if late:
        actor.require("override")
    library = library_in(session, actor.organisation_id)
    review_case = t.Case(
        organisation_id=case.organisation_id,
        job_id=case.job_id,
        kind="review",
        status=workflow.INITIAL,
        profile_id=case.profile_id,
        suite_id=case.suite_id,
        suite_version=library.version_of(case.suite_id) if case.suite_id else None,
        parent_case_id=case.id,
        created_by=actor.user_id,
        version=1,
    )
    session.add(review_case)
    session.flush()
    for d in decisions_of(session, case.id).values():
        session.add(
            t.FactorDecision(
                case_id=review_case.id,
                factor=d.factor,
                levels=d.levels,
                evidence=d.evidence,
                updated_by=actor.user_id,
                updated_at=now(),
            )
        )
    request = t.ReviewRequest(
        organisation_id=case.organisation_id,
        case_id=case.id,
        review_case_id=review_case.id,
        requested_by=requested_by[:200],
        requested_on=requested_on,
        disputed_factors=factors,
        grounds=grounds,
        late_override_by=actor.user_id if late else None,
        late_override_reason=override if late else None,
        status="open",
        created_by=actor.user_id,
        created_at=now(),
    )
    session.add(request)
    session.flush()
    change.after = {
        "review_request_id": request.id,
        "review_case_id": review_case.id,
        "requested_by": requested_by,
        "requested_on": requested_on.isoformat(),
        "disputed_factors": factors,
        "notified_on": notified.isoformat(),
        "deadline": deadline.isoformat(),
        "late": late,
        "late_override_by": request.late_override_by,
        "late_override_reason": request.late_override_reason,
    }
    return request


def decide_review(
    db: Database, actor: Actor, review_id: int, case_version: int | None, decision: str
) -> ReviewView:
    """Record whether the review upheld the jobholder's case, once the review case's outcome
    is confirmed; the original case closes. ``case_version`` is the original case's."""
    actor.require(workflow.action("decide the review").permission)
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput("the decision is 'upheld' or 'not-upheld'", "decision")
    with db.transaction() as session:
        request = _lock_request(session, actor, review_id)
        _require_open(request)
        with change_case(
            session,
            actor,
            request.case_id,
            "decide the review",
            case_version,
            state=_state,
            before={"review_status": request.status},
        ) as change:
            review_case = session.get(t.Case, request.review_case_id)
            if review_case is None or review_case.status != "confirmed":
                status = review_case.status if review_case else "missing"
                raise RuleViolation(
                    f"cannot decide the review: its review case {request.review_case_id} is "
                    f"{status}; the review panel's outcome must first be recorded and confirmed "
                    "by a consistency check",
                    "status",
                )
            request.status = decision
            request.decided_at = now()
            change.entity, change.entity_id = "review_request", request.id
            change.after = {"review_status": decision, "review_case_id": review_case.id}
        return ReviewView.of(request)


def withdraw_review(
    db: Database, actor: Actor, review_id: int, case_version: int | None, reason: str = ""
) -> ReviewView:
    """The jobholder withdraws an open request: the review case closes and the original
    case is confirmed again. ``case_version`` is the original case's."""
    actor.require(workflow.action("withdraw the review").permission)
    reason = reason.strip()
    with db.transaction() as session:
        request = _lock_request(session, actor, review_id)
        _require_open(request)
        with change_case(
            session,
            actor,
            request.case_id,
            "withdraw the review",
            case_version,
            state=_state,
            before={"review_status": request.status},
        ) as change:
            review_case = session.get(t.Case, request.review_case_id, with_for_update=LOCK)
            if review_case is not None and review_case.status != workflow.CLOSED:
                review_case.status = workflow.REVIEW_CASE_ON_WITHDRAWAL
                review_case.closed_at = review_case.updated_at = now()
                review_case.version += 1
            request.status = "withdrawn"
            request.decided_at = now()
            change.entity, change.entity_id = "review_request", request.id
            change.after = {
                "review_status": "withdrawn",
                "reason": reason,
                "review_case_id": request.review_case_id,
            }
        return ReviewView.of(request)


def _require_open(request: t.ReviewRequest) -> None:
    if request.status != "open":
        raise RuleViolation(f"review request {request.id} is already {request.status}", "status")


def get_review(db: Database, actor: Actor, review_id: int) -> ReviewView:
    actor.require("read")
    with db.reading() as session:
        return ReviewView.of(
            get_owned(session, t.ReviewRequest, review_id, actor, "review request")
        )


def list_reviews(
    db: Database, actor: Actor, case_id: int | None = None, status: str | None = None
) -> tuple[ReviewView, ...]:
    """The organisation's review requests (of one original case when ``case_id``)."""
    actor.require("read")
    query = select(t.ReviewRequest).where(t.ReviewRequest.organisation_id == actor.organisation_id)
    if case_id is not None:
        query = query.where(t.ReviewRequest.case_id == case_id)
    if status:
        query = query.where(t.ReviewRequest.status == status)
    with db.reading() as session:
        return tuple(ReviewView.of(r) for r in session.scalars(query.order_by(t.ReviewRequest.id)))
