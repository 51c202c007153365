"""Figures boards ask for, for a period and each quarter of it.

* ``jobs_matched``: jobs with a confirmed outcome of a match or hybrid case recorded in
  the period; ``jobs_evaluated``: the same for evaluation cases (each job once, however
  many outcomes it had);
* ``review_requests``: review requests received in the period (by the date requested);
  ``reviews_upheld`` / ``reviews_not_upheld``: requests decided in the period;
* ``rebanded_up`` / ``_down`` / ``_unchanged``: for each job whose latest confirmed
  outcome in the period follows an earlier confirmed outcome, whether the band went up,
  down or stayed (band order from the scheme's band table; a band span cannot be
  ranked and is left out);
* job descriptions older than 12 months and older than 3 years, as at the end of the
  period: each active job's latest job-description document by its date (or by when it
  was uploaded when it has no date). A job description exactly 12 months (3 years) old
  is not yet older; the 12-month list includes the 3-year one. Active jobs without a job
  description are listed apart.

Quarters are the NHS financial-year quarters (April to June is Q1), clipped to the
period. Days are days in the United Kingdom.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..batch.io import Cell, write_rows
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from ..store import tables as t
from .base import Actor, Database, InvalidInput
from .fields import check_date
from .outcome_queries import MATCH_KINDS, OutcomeRecord, band_rank, local_date, outcome_records

UP, DOWN, UNCHANGED = "up", "down", "unchanged"


@dataclass(frozen=True, slots=True)
class Rebanding:
    """A job's latest outcome in a period against its previous outcome."""

    job_id: int
    title: str
    reference: str
    previous_outcome_id: int
    previous_band: str
    outcome_id: int
    band: str
    direction: str  # up | down | unchanged
    recorded_on: dt.date

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "title": self.title,
            "reference": self.reference,
            "previous_outcome_id": self.previous_outcome_id,
            "previous_band": self.previous_band,
            "outcome_id": self.outcome_id,
            "band": self.band,
            "direction": self.direction,
            "recorded_on": self.recorded_on.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    label: str
    start: dt.date
    end: dt.date
    jobs_matched: int
    jobs_evaluated: int
    review_requests: int
    reviews_upheld: int
    reviews_not_upheld: int
    rebanded_up: int
    rebanded_down: int
    rebanded_unchanged: int

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "jobs_matched": self.jobs_matched,
            "jobs_evaluated": self.jobs_evaluated,
            "review_requests": self.review_requests,
            "reviews_upheld": self.reviews_upheld,
            "reviews_not_upheld": self.reviews_not_upheld,
            "rebanded_up": self.rebanded_up,
            "rebanded_down": self.rebanded_down,
            "rebanded_unchanged": self.rebanded_unchanged,
        }


@dataclass(frozen=True, slots=True)
class JobDescriptionAge:
    job_id: int
    title: str
    reference: str
    department: str
    document_id: int | None
    filename: str
    dated: dt.date | None  # the document's date, or the day it was uploaded
    age_days: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "title": self.title,
            "reference": self.reference,
            "department": self.department,
            "document_id": self.document_id,
            "filename": self.filename,
            "dated": self.dated.isoformat() if self.dated else None,
            "age_days": self.age_days,
        }


@dataclass(frozen=True, slots=True)
class BoardReport:
    organisation_id: int
    period: PeriodFigures
    quarters: tuple[PeriodFigures, ...]
    rebanding: tuple[Rebanding, ...]
    as_at: dt.date
    jd_older_than_12_months: tuple[JobDescriptionAge, ...]
    jd_older_than_3_years: tuple[JobDescriptionAge, ...]
    jobs_without_job_description: tuple[JobDescriptionAge, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "totals": self.period.to_json(),
            "quarters": [q.to_json() for q in self.quarters],
            "rebanding": [r.to_json() for r in self.rebanding],
            "job_descriptions": {
                "as_at": self.as_at.isoformat(),
                "older_than_12_months": len(self.jd_older_than_12_months),
                "older_than_3_years": len(self.jd_older_than_3_years),
                "without_job_description": len(self.jobs_without_job_description),
                "jobs_older_than_12_months": [j.to_json() for j in self.jd_older_than_12_months],
                "jobs_older_than_3_years": [j.to_json() for j in self.jd_older_than_3_years],
                "jobs_without_job_description": [
                    j.to_json() for j in self.jobs_without_job_description
                ],
            },
        }


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def quarter_label(start: dt.date) -> str:
    """The NHS financial-year quarter a day falls in, e.g. ``2024/25 Q1`` for May 2024."""
    year = start.year if start.month >= 4 else start.year - 1
    quarter = (start.month - 4) % 12 // 3 + 1
    return f"{year}/{(year + 1) % 100:02d} Q{quarter}"


def quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The quarters (January, April, July, October) a period spans, clipped to it."""
    out = []
    first = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    while first <= end:
        nxt = months_before(first, -3)
        out.append((max(first, start), min(nxt - dt.timedelta(days=1), end)))
        first = nxt
    return out


def _rebanding(
    scheme: Scheme, by_job: dict[int, list[OutcomeRecord]], start: dt.date, end: dt.date
) -> list[Rebanding]:
    out = []
    for outcomes in by_job.values():
        within = [i for i, r in enumerate(outcomes) if start <= r.recorded_on <= end]
        if not within or within[-1] == 0:
            continue
        current, previous = outcomes[within[-1]], outcomes[within[-1] - 1]
        new, old = band_rank(scheme, current.band), band_rank(scheme, previous.band)
        if new is None or old is None:
            continue
        direction = UP if new > old else DOWN if new < old else UNCHANGED
        out.append(
            Rebanding(
                current.job_id,
                current.job_title,
                current.job_reference,
                previous.outcome_id,
                previous.band,
                current.outcome_id,
                current.band,
                direction,
                current.recorded_on,
            )
        )
    return out


def _figures(
    scheme: Scheme,
    label: str,
    start: dt.date,
    end: dt.date,
    by_job: dict[int, list[OutcomeRecord]],
    requests: Sequence[tuple[dt.date, str, dt.date | None]],
) -> PeriodFigures:
    def inside(day: dt.date | None) -> bool:
        return day is not None and start <= day <= end

    outcomes = [r for rs in by_job.values() for r in rs if inside(r.recorded_on)]
    moves = [m.direction for m in _rebanding(scheme, by_job, start, end)]
    return PeriodFigures(
        label,
        start,
        end,
        jobs_matched=len({r.job_id for r in outcomes if r.case_kind in MATCH_KINDS}),
        jobs_evaluated=len({r.job_id for r in outcomes if r.case_kind == "evaluation"}),
        review_requests=sum(1 for on, _, _ in requests if inside(on)),
        reviews_upheld=sum(1 for _, s, d in requests if s == "upheld" and inside(d)),
        reviews_not_upheld=sum(1 for _, s, d in requests if s == "not-upheld" and inside(d)),
        rebanded_up=moves.count(UP),
        rebanded_down=moves.count(DOWN),
        rebanded_unchanged=moves.count(UNCHANGED),
    )


def _job_descriptions(
    jobs: Iterable[t.Job], documents: Iterable[t.Document], as_at: dt.date
) -> tuple[list[JobDescriptionAge], list[JobDescriptionAge], list[JobDescriptionAge]]:
    latest: dict[int, tuple[dt.date, int, t.Document]] = {}
    for doc in documents:
        dated = doc.document_date or local_date(doc.created_at)
        key = (dated, doc.id, doc)
        if doc.job_id not in latest or key[:2] > latest[doc.job_id][:2]:
            latest[doc.job_id] = key
    year_ago, three_years_ago = months_before(as_at, 12), months_before(as_at, 36)
    older_12: list[JobDescriptionAge] = []
    older_36: list[JobDescriptionAge] = []
    missing: list[JobDescriptionAge] = []
    for job in jobs:
        found = latest.get(job.id)
        if found is None:
            missing.append(
                JobDescriptionAge(
                    job.id, job.title, job.reference, job.department, None, "", None, None
                )
            )
            continue
        dated, _, doc = found
        age = JobDescriptionAge(
            job.id,
            job.title,
            job.reference,
            job.department,
            doc.id,
            doc.filename,
            dated,
            (as_at - dated).days,
        )
        if dated < year_ago:
            older_12.append(age)
        if dated < three_years_ago:
            older_36.append(age)

    def oldest_first(items: list[JobDescriptionAge]) -> list[JobDescriptionAge]:
        return sorted(items, key=lambda a: (a.dated or dt.date.min, a.job_id))

    return oldest_first(older_12), oldest_first(older_36), missing


#: A board report's period: at most ten years, within 2000 to 2100 (a longer one made a
#: report of thousands of quarters, or an error, for no board that could read it).
BOARD_YEARS = (2000, 2100)
BOARD_MAX_YEARS = 10


def check_board_period(start: dt.date, end: dt.date) -> None:
    """Refuse a period no board report is for: the rule the page, the API, the downloads
    and ``bandwise report`` all go by."""
    if start > end:
        raise InvalidInput("the period must start on or before its end", "start")
    first, last = BOARD_YEARS
    if not (first <= start.year <= last and first <= end.year <= last):
        raise InvalidInput(f"the period must be between {first} and {last}", "start")
    try:
        limit = start.replace(year=start.year + BOARD_MAX_YEARS)
    except ValueError:  # 29 February: ten years on is 1 March
        limit = dt.date(start.year + BOARD_MAX_YEARS, 3, 1)
    if end >= limit:
        raise InvalidInput(
            f"the period can be at most {BOARD_MAX_YEARS} years: choose a later first day "
            "or an earlier last day",
            "end",
        )


def board_report(
    db: Database,
    actor: Actor,
    start: dt.date,
    end: dt.date,
    as_at: dt.date | None = None,
    scheme: Scheme | None = None,
) -> BoardReport:
    """The board figures for ``start`` to ``end`` (both days included), by quarter too;
    job-description ages as at ``as_at`` (default: the end of the period)."""
    actor.require("read")
    check_date(start, "start")
    check_date(end, "end")
    check_date(as_at, "as_at")
    check_board_period(start, end)
    scheme = scheme or load_scheme()
    as_at = as_at or end
    org = actor.organisation_id
    with db.transaction() as session:
        by_job: dict[int, list[OutcomeRecord]] = defaultdict(list)
        for r in outcome_records(session, org):
            if r.confirmed:
                by_job[r.job_id].append(r)  # oldest first
        requests = [
            (on, status, local_date(decided) if decided is not None else None)
            for on, status, decided in session.execute(
                select(
                    t.ReviewRequest.requested_on,
                    t.ReviewRequest.status,
                    t.ReviewRequest.decided_at,
                ).where(t.ReviewRequest.organisation_id == org)
            ).all()
        ]
        jobs = list(
            session.scalars(
                select(t.Job)
                .where(t.Job.organisation_id == org)
                .where(t.Job.status == "active")
                .order_by(t.Job.id)
            )
        )
        documents = list(
            session.scalars(
                select(t.Document)
                .where(t.Document.organisation_id == org)
                .where(t.Document.kind == "job-description")
            )
        )
    active = {j.id for j in jobs}
    older_12, older_36, missing = _job_descriptions(
        jobs, [d for d in documents if d.job_id in active], as_at
    )
    label = f"{start.isoformat()} to {end.isoformat()}"
    return BoardReport(
        organisation_id=org,
        period=_figures(scheme, label, start, end, by_job, requests),
        quarters=tuple(
            _figures(scheme, quarter_label(a), a, b, by_job, requests)
            for a, b in quarters(start, end)
        ),
        rebanding=tuple(
            sorted(_rebanding(scheme, by_job, start, end), key=lambda m: (m.recorded_on, m.job_id))
        ),
        as_at=as_at,
        jd_older_than_12_months=tuple(older_12),
        jd_older_than_3_years=tuple(older_36),
        jobs_without_job_description=tuple(missing),
    )


#: The board figures' rows in people's words, in the order of the page, the PDF and the
#: CSV/XLSX download (one list for all of them).
BOARD_FIGURES: tuple[tuple[str, str], ...] = (
    ("jobs_matched", "Jobs matched to a national profile"),
    ("jobs_evaluated", "Jobs evaluated locally"),
    ("review_requests", "Review requests"),
    ("reviews_upheld", "Reviews upheld"),
    ("reviews_not_upheld", "Reviews not upheld"),
    ("rebanded_up", "Jobs re-banded up"),
    ("rebanded_down", "Jobs re-banded down"),
    ("rebanded_unchanged", "Jobs re-matched, band unchanged"),
)


def board_table(report: BoardReport) -> tuple[list[str], list[list[Cell]]]:
    """The board figures as a table: a row per figure, a column per quarter and one for
    the whole period; then the job-description counts as at the report's day (whole
    period only). The header and the rows, for :func:`write_board_table`."""
    head = ["Figure", *(q.label for q in report.quarters), "Whole period"]
    rows: list[list[Cell]] = [
        [label, *(getattr(q, key) for q in report.quarters), getattr(report.period, key)]
        for key, label in BOARD_FIGURES
    ]
    blank: list[Cell] = [""] * len(report.quarters)
    as_at = report.as_at.isoformat()
    for label, jobs in (
        ("Job descriptions older than 12 months", report.jd_older_than_12_months),
        ("Job descriptions older than 3 years", report.jd_older_than_3_years),
        ("Active jobs without a job description", report.jobs_without_job_description),
    ):
        rows.append([f"{label} (as at {as_at})", *blank, len(jobs)])
    return head, rows


def write_board_table(report: BoardReport, path: Path) -> None:
    """Write the board figures' table (:func:`board_table`) to ``path``, CSV or XLSX by
    its suffix, all or nothing."""
    head, rows = board_table(report)
    write_rows(path, head, rows, count=len(rows))
