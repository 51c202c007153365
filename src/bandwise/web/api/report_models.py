"""Response models of the consistency and board reports: the services' ``to_json()``
written out as types, so the OpenAPI document describes them. They forbid extra keys,
so a key the service adds without a field here fails the API's tests at once instead of
being dropped from the answer quietly."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- consistency (services.consistency.ConsistencyReport.to_json) --------------------------


class RuleSetOut(_Out):
    id: str
    version: int


class JobOutcomeOut(_Out):
    job_id: int
    title: str
    reference: str
    outcome_id: int
    case_id: int
    kind: str
    verdict: str
    band: str
    total_min: int
    total_max: int
    profile_id: str | None


class OutcomeConflictOut(_Out):
    kind: str  # same-title | same-profile
    key: str
    differs_in: list[str]
    jobs: list[JobOutcomeOut]
    reason: str


class JobLevelOut(_Out):
    job_id: int
    title: str
    level: str


class LevelDifferenceOut(_Out):
    kind: str  # factor-level
    profile_id: str
    factor: int
    factor_name: str
    modal_level: str | None
    modal_count: int
    jobs_compared: int
    differing: list[JobLevelOut]
    reason: str


class NearBoundaryOut(_Out):
    kind: str  # near-boundary
    job: JobOutcomeOut
    total: int
    band: str
    to_band_below: int | None
    to_band_above: int | None
    margin: int
    reason: str


class OutsideProfileOut(_Out):
    kind: str  # outside-profile
    job: JobOutcomeOut
    profile_id: str
    suite_id: str
    suite_version: int
    profile_total_min: int
    profile_total_max: int
    profile_bands: list[str]
    total_outside: bool
    band_outside: bool
    reason: str


class ConsistencyReportOut(_Out):
    """``bandwise consistency --json``: the findings by kind; ``findings`` counts them."""

    organisation_id: int
    scope: str
    outcomes_checked: int
    rule_set: RuleSetOut
    boundary_margin: int
    findings: int
    same_title: list[OutcomeConflictOut]
    same_profile: list[OutcomeConflictOut]
    factor_levels: list[LevelDifferenceOut]
    near_boundary: list[NearBoundaryOut]
    outside_profile: list[OutsideProfileOut]


# -- board (services.reporting.BoardReport.to_json) ----------------------------------------


class PeriodFiguresOut(_Out):
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


class RebandingOut(_Out):
    job_id: int
    title: str
    reference: str
    previous_outcome_id: int
    previous_band: str
    outcome_id: int
    band: str
    direction: str  # up | down | unchanged
    recorded_on: dt.date


class JobDescriptionAgeOut(_Out):
    job_id: int
    title: str
    reference: str
    department: str
    document_id: int | None
    filename: str
    dated: dt.date | None
    age_days: int | None


class JobDescriptionsOut(_Out):
    as_at: dt.date
    older_than_12_months: int
    older_than_3_years: int
    without_job_description: int
    jobs_older_than_12_months: list[JobDescriptionAgeOut]
    jobs_older_than_3_years: list[JobDescriptionAgeOut]
    jobs_without_job_description: list[JobDescriptionAgeOut]


class BoardReportOut(_Out):
    """``bandwise report --json``: the period's figures, each quarter's, re-banding and
    ageing job descriptions."""

    organisation_id: int
    start: dt.date
    end: dt.date
    totals: PeriodFiguresOut
    quarters: list[PeriodFiguresOut]
    rebanding: list[RebandingOut]
    job_descriptions: JobDescriptionsOut
