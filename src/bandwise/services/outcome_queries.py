"""Reading recorded outcomes for the organisation-wide views: consistency checking,
re-matching, board figures and exports. Read-only helpers used inside a service's
transaction; no service of the case workflow is needed.

An outcome counts as *confirmed* when a consistency check approved it (or, for records
made without a check row, when it is the latest outcome of a case now ``confirmed`` or
``review-requested``; a ``closed`` case counts only through its check, since a draft or
returned case may be closed unconfirmed). A job's *latest* outcome is the one recorded
last (ties: the higher id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workflow
from ..clock import as_utc as aware
from ..clock import uk_day
from ..errors import BandwiseError
from ..profiles.library import builtin_library
from ..profiles.model import Suite
from ..scheme.band_labels import parse_band_label
from ..scheme.model import Scheme
from ..scheme.scoring import ABOVE_TABLE
from ..store import tables as t
from .suites import suite_at_version

#: Case statuses that mean the case's latest outcome was confirmed (the workflow table's).
CONFIRMED_CASE_STATUSES = workflow.CONFIRMED_STATUSES
MATCH_KINDS = ("match", "hybrid")


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """One recorded outcome with its job and case, as the organisation-wide views need it."""

    outcome_id: int
    job_id: int
    job_title: str
    job_reference: str
    job_department: str
    job_status: str
    case_id: int
    case_kind: str
    case_status: str
    verdict: str
    total_min: int
    total_max: int
    band: str
    levels: tuple[str, ...]
    profile_id: str | None
    suite_id: str | None
    suite_version: int | None
    scheme_edition: str
    rule_set_id: str
    rule_set_version: int
    recorded_at: dt.datetime  # timezone-aware (UTC when the database gave none)
    confirmed: bool

    @property
    def recorded_on(self) -> dt.date:
        return local_date(self.recorded_at)

    @property
    def order(self) -> tuple[dt.datetime, int]:
        return (self.recorded_at, self.outcome_id)


#: The day (in the United Kingdom) of a stored timestamp.
local_date = uk_day


def _levels(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple("" if v is None else str(v) for v in value)


def outcome_records(session: Session, organisation_id: int) -> list[OutcomeRecord]:
    """Every outcome of the organisation, oldest first within each job. The columns it
    needs, not whole rows: an outcome's row carries its whole result as JSON, and every
    organisation-wide view (export, board, consistency) reads all of them."""
    o, c, j = t.Outcome, t.Case, t.Job
    columns = (
        o.id, o.recorded_at, o.verdict, o.total_min, o.total_max, o.band, o.levels,
        o.profile_id, o.suite_id, o.suite_version, o.scheme_edition, o.rule_set_id,
        o.rule_set_version, c.id.label("case_id"), c.kind.label("case_kind"),
        c.status.label("case_status"), j.id.label("job_id"), j.title.label("job_title"),
        j.reference.label("job_reference"), j.department.label("job_department"),
        j.status.label("job_status"),
    )  # fmt: skip
    rows = session.execute(
        select(*columns)
        .join(t.Case, t.Outcome.case_id == t.Case.id)
        .join(t.Job, t.Case.job_id == t.Job.id)
        .where(t.Outcome.organisation_id == organisation_id)
        .where(t.Case.organisation_id == organisation_id)
        .where(t.Job.organisation_id == organisation_id)
    ).all()
    approved = set(
        session.scalars(
            select(t.ConsistencyCheck.outcome_id)
            .where(t.ConsistencyCheck.organisation_id == organisation_id)
            .where(t.ConsistencyCheck.decision == "approved")
        )
    )
    latest_of_case: dict[int, tuple[dt.datetime, int]] = {}
    for outcome in rows:
        key = (aware(outcome.recorded_at), outcome.id)
        if outcome.case_id not in latest_of_case or key > latest_of_case[outcome.case_id]:
            latest_of_case[outcome.case_id] = key
    out = []
    for outcome in rows:
        recorded_at = aware(outcome.recorded_at)
        confirmed = workflow.confirmed(
            workflow.OutcomeFacts(outcome.id, approved=outcome.id in approved),
            outcome.case_status,
            latest=latest_of_case[outcome.case_id] == (recorded_at, outcome.id),
        )
        out.append(
            OutcomeRecord(
                outcome_id=outcome.id,
                job_id=outcome.job_id,
                job_title=outcome.job_title,
                job_reference=outcome.job_reference or "",
                job_department=outcome.job_department or "",
                job_status=outcome.job_status,
                case_id=outcome.case_id,
                case_kind=outcome.case_kind,
                case_status=outcome.case_status,
                verdict=outcome.verdict,
                total_min=outcome.total_min,
                total_max=outcome.total_max,
                band=outcome.band,
                levels=_levels(outcome.levels),
                profile_id=outcome.profile_id,
                suite_id=outcome.suite_id,
                suite_version=outcome.suite_version,
                scheme_edition=outcome.scheme_edition,
                rule_set_id=outcome.rule_set_id,
                rule_set_version=outcome.rule_set_version,
                recorded_at=recorded_at,
                confirmed=confirmed,
            )
        )
    out.sort(key=lambda r: (r.job_id, r.order))
    return out


def latest_per_job(
    records: Iterable[OutcomeRecord], confirmed_only: bool = True, active_only: bool = True
) -> dict[int, OutcomeRecord]:
    """Each job's latest outcome (confirmed only, unless told otherwise), by job id."""
    latest: dict[int, OutcomeRecord] = {}
    for r in records:
        if confirmed_only and not r.confirmed:
            continue
        if active_only and r.job_status != "active":
            continue
        if r.job_id not in latest or r.order > latest[r.job_id].order:
            latest[r.job_id] = r
    return dict(sorted(latest.items()))


def band_rank(scheme: Scheme, band: str) -> int | None:
    """The position of a single band in the band table (above the table ranks last);
    None for a span of bands or text that is not a band."""
    text = band.strip()
    if text.lower() == ABOVE_TABLE:
        return len(scheme.bands.labels)
    bands = band_set(scheme, text)
    if bands is None or len(bands) != 1:
        return None
    return scheme.bands.labels.index(bands[0])


def band_set(scheme: Scheme, band: str) -> tuple[str, ...] | None:
    """The bands a recorded band text covers ("6" -> ("6",), "8a-b" -> ("8a", "8b"))."""
    try:
        return parse_band_label(scheme.bands, band).bands
    except BandwiseError:
        return None


# -- profile suite versions ------------------------------------------------------------


def stored_versions(session: Session, organisation_id: int, suite_id: str) -> list[int]:
    """The versions of a suite the organisation has imported, ascending."""
    return sorted(
        session.scalars(
            select(t.StoredSuite.version)
            .where(t.StoredSuite.organisation_id == organisation_id)
            .where(t.StoredSuite.suite_id == suite_id)
        )
    )


def current_version(session: Session, organisation_id: int, suite_id: str) -> int:
    """The organisation's current version of a suite: its newest import, else the built-in
    suite's version; 0 when the suite is unknown."""
    versions = stored_versions(session, organisation_id, suite_id)
    if versions:
        return versions[-1]
    return builtin_library().version_of(suite_id)


class SuiteCache:
    """Suite versions loaded once per service call, through the one reader of a stored
    version (:func:`.suites.suite_at_version`)."""

    def __init__(self, session: Session, scheme: Scheme, organisation_id: int) -> None:
        self.session = session
        self.scheme = scheme
        self.organisation_id = organisation_id
        self._suites: dict[tuple[str, int], Suite | None] = {}

    def get(self, suite_id: str, version: int) -> Suite | None:
        key = (suite_id, version)
        if key not in self._suites:
            try:
                self._suites[key] = suite_at_version(
                    self.session, self.organisation_id, suite_id, version
                )
            except BandwiseError:  # a stored version that no longer loads
                self._suites[key] = None
        return self._suites[key]
