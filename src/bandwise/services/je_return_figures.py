"""The JE KPI return's figures, computed from the register and the JD reviews as at a
quarter's end, with the jobs behind each figure (drill-down) and the gaps.

What each figure counts (docs/returns.md says the same for people):

* ``in_use``: jobs in use (status active) whose staff group is nursing and midwifery
  registered, whose JD was written by the quarter's end (or has no written date), by the
  band in force at the quarter's end (5, 6, 7, 8a to 8d as "8a+");
* ``reviewed_3y`` / ``reviewed_12m``: of those, jobs whose JD's last review on or before
  the quarter's end falls within 3 years / 12 months of it; no review date counts as
  not reviewed (and is listed as a gap);
* ``staff_reviewed``: staff affected by N&M JD reviews dated within the 12 months to the
  quarter's end, by the band before the review; ``increase``, ``decrease`` and
  ``no_change`` split those staff by the review's result.

Jobs with no band, a band below 5 or band 9 are left out of the tables and listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..returns.rules import BANDS, NM_BANDS, band_rank, find_staff_group, nm_column, years_before
from .jd_reviews import JdReviewView
from .register import RegisterEntry

JD_FIGURES = ("in_use", "reviewed_3y", "reviewed_12m")
STAFF_FIGURES = ("staff_reviewed", "increase", "decrease", "no_change")
_RESULT_FIGURE = {
    "band-increased": "increase",
    "band-decreased": "decrease",
    "band-unchanged": "no_change",
    "unchanged": "no_change",
}


def _job(entry: RegisterEntry) -> dict[str, Any]:
    return {"job_id": entry.job_id, "reference": entry.reference, "title": entry.title}


def is_nm(entry: RegisterEntry) -> bool:
    group = find_staff_group(entry.staff_group) if entry.staff_group else None
    return bool(group and group.nursing_midwifery)


@dataclass
class Table:
    """Counts by column and figure, with the jobs (or reviews) behind each count."""

    columns: Sequence[str]
    figures: Sequence[str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    behind: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {c: dict.fromkeys(self.figures, 0) for c in self.columns}
        self.behind = {c: {f: [] for f in self.figures} for c in self.columns}

    def add(self, column: str, figure: str, item: dict[str, Any], amount: int = 1) -> None:
        self.counts[column][figure] += amount
        self.behind[column][figure].append(item)


@dataclass
class Figures:
    job_descriptions: Table
    staff_reviewed: Table
    gaps: list[dict[str, str]]


def _in_use(entry: RegisterEntry, as_at: dt.date) -> bool:
    return entry.status == "active" and (entry.jd_written is None or entry.jd_written <= as_at)


def compute(
    entries: Iterable[RegisterEntry],
    reviews: Iterable[JdReviewView],
    as_at: dt.date,
    *,
    nm_only: bool = True,
) -> Figures:
    """The return's tables: N&M only by the return's band columns, or (``nm_only`` False)
    every job of the entries given by every band, for the whole-workforce phase."""
    columns = NM_BANDS if nm_only else BANDS
    jds, staff = Table(columns, JD_FIGURES), Table(columns, STAFF_FIGURES)
    gaps: list[dict[str, str]] = []
    three, twelve = years_before(as_at, 3), years_before(as_at, 1)
    chosen = {e.job_id: e for e in entries if (is_nm(e) or not nm_only)}
    for entry in chosen.values():
        if not _in_use(entry, as_at):
            continue
        column = _column(entry.band, nm_only)
        if column is None:
            gaps.append({"job": entry.label, "reason": _band_gap(entry.band, nm_only)})
            continue
        jds.add(column, "in_use", _job(entry))
        last = entry.jd_last_reviewed
        if last is None:
            gaps.append(
                {"job": entry.label, "reason": "no JD review date: counted as not reviewed"}
            )
            continue
        if last > three:
            jds.add(column, "reviewed_3y", _job(entry))
        if last > twelve:
            jds.add(column, "reviewed_12m", _job(entry))
    for review in reviews:
        reviewed = chosen.get(review.job_id)
        if reviewed is None or not twelve < review.reviewed_on <= as_at:
            continue
        entry = reviewed
        band = review.band_before or entry.band
        column = _column(band, nm_only)
        item = {**_job(entry), "review_id": review.id, "staff": review.staff_affected}
        if column is None:
            gaps.append(
                {
                    "job": entry.label,
                    "reason": f"JD review of {review.reviewed_on.isoformat()}: "
                    + _band_gap(band, nm_only),
                }
            )
            continue
        staff.add(column, "staff_reviewed", item, review.staff_affected)
        staff.add(column, _RESULT_FIGURE[review.result], item, review.staff_affected)
    return Figures(jds, staff, gaps)


def _column(band: str | None, nm_only: bool) -> str | None:
    if nm_only:
        return nm_column(band)
    return band if band in BANDS else None


def _band_gap(band: str | None, nm_only: bool) -> str:
    if not band:
        return "no band: left out of the tables"
    if not nm_only:
        return f"band {band!r} is not an Agenda for Change band: left out of the tables"
    rank = band_rank(band)
    if rank is not None and rank < band_rank("5"):  # type: ignore[operator]
        return f"band {band} is below 5: left out of the N&M table, as the return asks"
    return f"band {band} is outside 5 to 8d: left out of the N&M table"
