"""The dashboard: my work (cases waiting for a panel, outcomes waiting for my consistency
check, open reviews) and the organisation's figures for this financial year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...policy import policy
from ...services import accounts, cases, jobs, reporting, reviews
from ...services.base import Database
from ..auth import DB
from .deps import PageUser
from .templating import render

#: The most rows one list asks for (policy data).
LIST_LIMIT = policy().page_size("list_limit")

router = APIRouter(include_in_schema=False)


def financial_year_start(today: dt.date) -> dt.date:
    """NHS financial years start on 1 April."""
    return dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _my_work(db: Database, user: PageUser) -> dict[str, Any]:
    actor = user.actor
    drafts = [
        *cases.list_cases(db, actor, status="draft", limit=LIST_LIMIT).items,
        *cases.list_cases(db, actor, status="returned", limit=LIST_LIMIT).items,
    ]
    open_reviews = reviews.list_reviews(db, actor, status="open")
    job_titles = {j.id: j.title for j in jobs.list_jobs(db, actor, limit=LIST_LIMIT).items}
    # each open review named by its job's title (a case has no name of its own)
    reviewed_jobs = {
        r.case_id: cases.get_case(db, actor, r.case_id).case.job_id for r in open_reviews
    }
    # without a consistency checker no outcome can be confirmed: say so at once (the
    # outcomes waiting are counted only then)
    no_checkers = not any(u.consistency_checker for u in accounts.list_users(db, actor))
    waiting = (
        cases.list_cases(db, actor, status="outcome-recorded", limit=1).total if no_checkers else 0
    )
    return {
        "no_checkers": no_checkers,
        "waiting_for_any_check": waiting,
        "drafts": sorted(drafts, key=lambda c: c.id),
        "awaiting_check": cases.awaiting_check_by(db, actor),
        "open_reviews": open_reviews,
        "job_titles": job_titles,
        "review_titles": {
            case_id: job_titles.get(job_id, "") for case_id, job_id in reviewed_jobs.items()
        },
    }


@router.get("/")
def dashboard(user: PageUser, request: Request, db: DB) -> Response:
    today = dt.date.today()
    start = financial_year_start(today)
    figures = reporting.board_report(db, user.actor, start, today)
    return render(
        request,
        "dashboard.html",
        {
            **_my_work(db, user),
            "figures": figures.period,
            "quarters": figures.quarters,
            "jd_old": len(figures.jd_older_than_12_months),
            "password_changed": request.query_params.get("password_changed") == "1",
        },
        principal=user,
    )
