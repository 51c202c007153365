"""Job description reviews: that a JD was reviewed, when, by whom, and with what result.

A result is ``unchanged`` (the JD still describes the job) or, when the JD changed and
was re-matched or re-evaluated, ``band-increased``, ``band-decreased`` or
``band-unchanged``, with the number of staff affected. The bands before and after are
kept; when both are given they must agree with the result. A review may name the case
that re-matched the job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..errors import InvalidInput, RuleViolation
from ..returns.rules import band_rank
from ..store import register_tables as rt
from ..store import tables as t
from .base import Actor, Database, audit, get_owned, snapshot
from .fields import check_date, check_line
from .register import check_band

RESULTS = rt.JD_REVIEW_RESULTS
FIELDS = (
    "job_id", "case_id", "reviewed_on", "reviewer", "result",
    "band_before", "band_after", "staff_affected", "notes",
)  # fmt: skip


@dataclass(frozen=True)
class JdReviewView:
    id: int
    job_id: int
    case_id: int | None
    reviewed_on: dt.date
    reviewer: str
    result: str
    band_before: str | None
    band_after: str | None
    staff_affected: int
    notes: str

    @classmethod
    def of(cls, row: rt.JdReview) -> JdReviewView:
        return cls(
            row.id, row.job_id, row.case_id, row.reviewed_on, row.reviewer, row.result,
            row.band_before, row.band_after, row.staff_affected, row.notes,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "job_id": self.job_id,
            "case_id": self.case_id,
            "reviewed_on": self.reviewed_on.isoformat(),
            "reviewer": self.reviewer,
            "result": self.result,
            "band_before": self.band_before,
            "band_after": self.band_after,
            "staff_affected": self.staff_affected,
            "notes": self.notes,
        }


def _check_result(result: str, before: str | None, after: str | None) -> None:
    if result not in RESULTS:
        raise InvalidInput(f"result {result!r} is one of: {', '.join(RESULTS)}", "result")
    low, high = band_rank(before), band_rank(after)
    if low is None or high is None:
        return
    implied = (
        "band-increased" if high > low else "band-decreased" if high < low else "band-unchanged"
    )
    if result == "unchanged" and high != low:
        raise RuleViolation(
            f"an unchanged JD keeps its band, but the band went from {before} to {after}",
            "band_after",
        )
    if result != "unchanged" and result != implied:
        raise RuleViolation(
            f"the band went from {before} to {after}, so the result is {implied}, not {result}",
            "result",
        )


def record_jd_review(
    db: Database,
    actor: Actor,
    job_id: int,
    reviewed_on: dt.date,
    reviewer: str,
    result: str,
    *,
    staff_affected: int = 0,
    band_before: str | None = None,
    band_after: str | None = None,
    case_id: int | None = None,
    notes: str = "",
) -> JdReviewView:
    """Record a JD review (audited as ``jd-review.recorded``)."""
    actor.require("write")
    check_date(reviewed_on, "reviewed_on")
    who = check_line(reviewer, "reviewer", "the reviewer's name", 200)
    before, after = check_band(band_before, "band_before"), check_band(band_after, "band_after")
    _check_result(result, before, after)
    if not 0 <= staff_affected <= 1_000_000:
        raise InvalidInput("staff_affected is a whole number from 0", "staff_affected")
    with db.transaction() as session:
        get_owned(session, t.Job, job_id, actor, "job", lock=True)
        if case_id is not None:
            case = get_owned(session, t.Case, case_id, actor, "case")
            if case.job_id != job_id:
                raise RuleViolation(f"case {case_id} is about another job", "case_id")
        row = rt.JdReview(
            organisation_id=actor.organisation_id, job_id=job_id, case_id=case_id,
            reviewed_on=reviewed_on, reviewer=who, result=result, band_before=before,
            band_after=after, staff_affected=staff_affected, notes=notes.strip(),
            recorded_by=actor.user_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit(session, actor, "jd-review.recorded", "job", job_id, None, snapshot(row, FIELDS))
        return JdReviewView.of(row)


def list_jd_reviews(db: Database, actor: Actor, job_id: int | None = None) -> list[JdReviewView]:
    actor.require("read")
    query = select(rt.JdReview).where(rt.JdReview.organisation_id == actor.organisation_id)
    with db.reading() as session:
        if job_id is not None:
            get_owned(session, t.Job, job_id, actor, "job")
            query = query.where(rt.JdReview.job_id == job_id)
        rows = session.scalars(query.order_by(rt.JdReview.reviewed_on, rt.JdReview.id))
        return [JdReviewView.of(r) for r in rows]
