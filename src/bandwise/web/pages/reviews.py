"""Reviews: the organisation's review requests, one request with its decision and
withdrawal forms, and the form to request a review of a confirmed, notified case.

The services enforce every rule (three months from notification, an admin's reason for
a late request, a confirmed review case before a decision); the pages only show the
forms a user may use and put the service's reasons in the error summary.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...clock import uk_date
from ...services import accounts, cases, jobs, reviews
from ...services.base import Database, InvalidInput, NotFound, ServiceError
from ...services.case_records import CaseDetail, uk_time
from ...services.fields import digits
from ...services.reviews import ReviewView
from ..auth import DB
from . import labels
from .common import factor_names
from .deps import (
    PageUser,
    RecordId,
    error_list,
    field_int,
    field_text,
    parse_date,
    redirect,
)
from .templating import render

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "upheld", "not-upheld", "withdrawn")
FIELD_IDS = {
    "requested_by": "requested_by",
    "requested_on": "requested_on-day",
    "disputed_factors": "disputed_factors",
    "grounds": "grounds",
    "late_override_reason": "late_override_reason",
    "decision": "decision",
    "reason": "reason",
    "status": "maincontent",
    "version": "maincontent",
    "case_id": "maincontent",
}


def notified_on(case: CaseDetail) -> dt.date | None:
    """The day (UK time) the case's outcome was notified."""
    at = case.case.notified_at
    return at.astimezone(uk_time()).date() if at else None


@router.get("/reviews")
def review_list(user: PageUser, request: Request, db: DB) -> Response:
    status = request.query_params.get("status") or None
    if status not in (None, *STATUSES):
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", "status")
    rows = reviews.list_reviews(db, user.actor, status=status)
    job_ids = {c: cases.get_case(db, user.actor, c).case.job_id for c in {r.case_id for r in rows}}
    titles = {j: jobs.get_job(db, user.actor, j).title for j in set(job_ids.values())}
    return render(
        request,
        "reviews/list.html",
        {
            "reviews": rows,
            "status": status,
            "statuses": STATUSES,
            "job_titles": {c: titles[j] for c, j in job_ids.items()},
        },
        principal=user,
    )


def _detail_context(db: Database, user: PageUser, review: ReviewView) -> dict[str, Any]:
    original = cases.get_case(db, user.actor, review.case_id)
    review_case = (
        cases.get_case(db, user.actor, review.review_case_id) if review.review_case_id else None
    )
    notified = notified_on(original)
    names = accounts.user_names(db, user.actor)
    is_open = review.status == "open" and original.case.status == "review-requested"
    return {
        "review": review,
        "original": original,
        "review_case": review_case,
        "job": jobs.get_job(db, user.actor, original.case.job_id),
        "notified": notified,
        "deadline": reviews.review_deadline(notified) if notified else None,
        "factor_names": factor_names(),
        "recorded_by": names.get(review.created_by, "a person no longer listed"),
        "override_by": names.get(review.late_override_by or 0, ""),
        "can_decide": is_open and user.actor.can("decide"),
        "ready_to_decide": review_case is not None and review_case.case.status == "confirmed",
        "can_withdraw": is_open and user.actor.can("write"),
        "breadcrumbs": [
            {"href": "/reviews", "text": "Reviews"},
            {
                "href": f"/reviews/{review.id}",
                "text": f"Review requested {uk_date(review.requested_on)}",
            },
        ],
    }


@router.get("/reviews/{review_id}")
def review_page(review_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    review = reviews.get_review(db, user.actor, review_id)
    return render(request, "reviews/detail.html", _detail_context(db, user, review), principal=user)


def _review_action(
    review_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    review = reviews.get_review(db, user.actor, review_id)
    version = field_int(form, "version")
    try:
        if request.url.path.endswith("/decision"):
            reviews.decide_review(db, user.actor, review.id, version, field_text(form, "decision"))
            done = "decided"
        else:
            reviews.withdraw_review(db, user.actor, review.id, version, field_text(form, "reason"))
            done = "withdrawn"
    except NotFound:
        raise
    except ServiceError as exc:
        context = _detail_context(db, user, reviews.get_review(db, user.actor, review.id))
        context |= {"errors": error_list(exc, FIELD_IDS), "form": form}
        return render(
            request, "reviews/detail.html", context, principal=user, status_code=exc.status
        )
    return redirect(f"/reviews/{review.id}?done={done}")


@router.post("/reviews/{review_id}/decision")
async def decide(review_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_review_action, review_id, user, request, db, form)


@router.post("/reviews/{review_id}/withdrawal")
async def withdraw(review_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_review_action, review_id, user, request, db, form)


# ---------------------------------------------------------------- requesting a review


def _date(day: str, month: str, year: str) -> dt.date:
    boxes = {"requested_on_day": day, "requested_on_month": month, "requested_on_year": year}
    label = "The date the jobholder asked for the review"
    on = parse_date(boxes, "requested_on", label)
    if on is None:
        raise InvalidInput(
            "enter the date the jobholder asked for the review as day, month and year, "
            "for example 27 11 2026",
            "requested_on",
        )
    return on


def _request_context(
    db: Database, user: PageUser, case: CaseDetail, values: dict[str, Any]
) -> dict[str, Any]:
    notified = notified_on(case)
    job = jobs.get_job(db, user.actor, case.case.job_id)
    return {
        "case": case.case,
        "job": job,
        "allowed": "request a review" in case.actions and user.actor.can("write"),
        "notified": notified,
        "deadline": reviews.review_deadline(notified) if notified else None,
        "factor_names": factor_names(),
        "can_override": user.actor.can("override"),
        "values": values,
        "breadcrumbs": [
            {"href": "/cases", "text": "Cases"},
            {
                "href": f"/cases/{case.case.id}",
                "text": labels.case_name(case.case.kind, job.title),
            },
            {"href": f"/cases/{case.case.id}/review/new", "text": "Request a review"},
        ],
    }


@router.get("/cases/{case_id}/review/new")
def request_form(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    today = dt.date.today()
    values = {
        "day": str(today.day),
        "month": str(today.month),
        "year": str(today.year),
        "factors": [],
    }
    return render(
        request, "reviews/new.html", _request_context(db, user, case, values), principal=user
    )


@router.post("/cases/{case_id}/review/new")
async def request_submit(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_request_submit, case_id, user, request, db, form)


def _request_submit(
    case_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    factors = [
        int(v) for v in form.getlist("disputed_factors") if isinstance(v, str) and digits(v, 2)
    ]
    values: dict[str, Any] = {
        "requested_by": field_text(form, "requested_by"),
        "day": field_text(form, "requested_on[day]"),
        "month": field_text(form, "requested_on[month]"),
        "year": field_text(form, "requested_on[year]"),
        "factors": factors,
        "grounds": field_text(form, "grounds"),
        "late_override_reason": field_text(form, "late_override_reason"),
    }
    try:
        requested_on = _date(values["day"], values["month"], values["year"])
        review = reviews.request_review(
            db,
            user.actor,
            case.case.id,
            field_int(form, "version"),
            values["requested_by"],
            requested_on,
            factors,
            values["grounds"],
            values["late_override_reason"] or None,
        )
    except NotFound:
        raise
    except ServiceError as exc:
        context = _request_context(db, user, cases.get_case(db, user.actor, case_id), values)
        context["errors"] = error_list(exc, FIELD_IDS)
        context["error_field"] = exc.field
        return render(request, "reviews/new.html", context, principal=user, status_code=exc.status)
    return redirect(f"/reviews/{review.id}?done=requested")
