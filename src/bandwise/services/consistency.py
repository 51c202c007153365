"""Consistency checking across the organisation's outcomes (handbook chapter 14).

A consistency-checking panel compares outcomes with each other and with the national
profiles to find anomalies and equal-pay risks. This service lists what it should look
at, each finding with a plain reason; it decides nothing and changes nothing:

* ``same-title`` and ``same-profile``: jobs with the same title (ignoring case and
  spacing), or matched to the same profile, whose outcomes differ in band or verdict;
* ``factor-level``: per profile and factor, the level most of the organisation's jobs
  matched to that profile were given, and the jobs given another level;
* ``near-boundary``: totals within the rule set's ``boundary_margin`` of a band
  boundary;
* ``outside-profile``: outcomes whose total lies outside the profile's total range (as
  computed from its levels with the weighting chart) or whose band is not the
  profile's band.

By default each active job's latest *confirmed* outcome is checked; ``scope="recorded"``
checks each job's latest recorded outcome instead, confirmed or not (to check a new
outcome against the confirmed ones before approving it).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import BandwiseError
from ..profiles.library import builtin_library
from ..profiles.model import Profile
from ..profiles.validate import compute
from ..scheme.evaluation import boundary
from ..scheme.levels import parse_level_expression
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from ..scheme.rules import RuleSet
from .base import Actor, Database, InvalidInput
from .case_records import rule_set_for
from .outcome_queries import (
    OutcomeRecord,
    SuiteCache,
    band_set,
    current_version,
    latest_per_job,
    outcome_records,
)

SCOPES = ("confirmed", "recorded")


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """A job and the outcome a finding is about."""

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

    @classmethod
    def of(cls, r: OutcomeRecord) -> JobOutcome:
        return cls(
            r.job_id,
            r.job_title,
            r.job_reference,
            r.outcome_id,
            r.case_id,
            r.case_kind,
            r.verdict,
            r.band,
            r.total_min,
            r.total_max,
            r.profile_id,
        )

    @property
    def total(self) -> str:
        return _span(self.total_min, self.total_max)

    @property
    def name(self) -> str:
        ref = f" ({self.reference})" if self.reference else ""
        return f"job {self.title!r}{ref}"  # by its title, never its number (issue 17)

    @property
    def name_first(self) -> str:
        """The name at the start of a sentence."""
        return "J" + self.name[1:]

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "title": self.title,
            "reference": self.reference,
            "outcome_id": self.outcome_id,
            "case_id": self.case_id,
            "kind": self.kind,
            "verdict": self.verdict,
            "band": self.band,
            "total_min": self.total_min,
            "total_max": self.total_max,
            "profile_id": self.profile_id,
        }


@dataclass(frozen=True, slots=True)
class OutcomeConflict:
    """Jobs alike by title or profile whose outcomes differ."""

    kind: str  # same-title | same-profile
    key: str  # the title as first written, or the profile id
    jobs: tuple[JobOutcome, ...]
    differs_in: tuple[str, ...]  # "band", "verdict"
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "differs_in": list(self.differs_in),
            "jobs": [j.to_json() for j in self.jobs],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class JobLevel:
    job_id: int
    title: str
    level: str  # as decided, e.g. "5", "3(a)"

    def to_json(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "title": self.title, "level": self.level}


@dataclass(frozen=True, slots=True)
class LevelDifference:
    """On one factor, jobs matched to the same profile were given different levels."""

    profile_id: str
    factor: int
    factor_name: str
    modal_level: str | None  # the level most of the jobs have; None when there is a tie
    modal_count: int
    jobs_compared: int
    differing: tuple[JobLevel, ...]  # jobs away from the modal level (all, on a tie)
    reason: str
    kind: str = "factor-level"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "profile_id": self.profile_id,
            "factor": self.factor,
            "factor_name": self.factor_name,
            "modal_level": self.modal_level,
            "modal_count": self.modal_count,
            "jobs_compared": self.jobs_compared,
            "differing": [j.to_json() for j in self.differing],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class NearBoundary:
    """A total within the rule set's margin of a band boundary."""

    job: JobOutcome
    total: int
    band: str
    to_band_below: int | None
    to_band_above: int | None
    margin: int
    reason: str
    kind: str = "near-boundary"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "job": self.job.to_json(),
            "total": self.total,
            "band": self.band,
            "to_band_below": self.to_band_below,
            "to_band_above": self.to_band_above,
            "margin": self.margin,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class OutsideProfile:
    """An outcome outside the national profile it was matched to."""

    job: JobOutcome
    profile_id: str
    suite_id: str
    suite_version: int
    profile_total_min: int
    profile_total_max: int
    profile_bands: tuple[str, ...]
    total_outside: bool
    band_outside: bool
    reason: str
    kind: str = "outside-profile"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "job": self.job.to_json(),
            "profile_id": self.profile_id,
            "suite_id": self.suite_id,
            "suite_version": self.suite_version,
            "profile_total_min": self.profile_total_min,
            "profile_total_max": self.profile_total_max,
            "profile_bands": list(self.profile_bands),
            "total_outside": self.total_outside,
            "band_outside": self.band_outside,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class CheckedOutcome:
    """One checked outcome as the outside-profile check saw it, for charts and tables:
    its profile's range (None when it was not compared: no profile, a no-match verdict,
    or a profile no longer found) and the same outside flags the findings use."""

    job: JobOutcome
    suite_id: str | None = None
    suite_version: int | None = None
    profile_total_min: int | None = None
    profile_total_max: int | None = None
    profile_band: str = ""
    profile_bands: tuple[str, ...] = ()
    total_outside: bool = False
    band_outside: bool = False

    @property
    def compared(self) -> bool:
        return self.profile_total_min is not None and self.profile_total_max is not None


@dataclass(frozen=True, slots=True)
class ConsistencyReport:
    organisation_id: int
    scope: str
    outcomes_checked: int
    rule_set_id: str
    rule_set_version: int
    boundary_margin: int
    same_title: tuple[OutcomeConflict, ...]
    same_profile: tuple[OutcomeConflict, ...]
    factor_levels: tuple[LevelDifference, ...]
    near_boundary: tuple[NearBoundary, ...]
    outside_profile: tuple[OutsideProfile, ...]
    #: every checked outcome with its profile range (not part of the JSON findings)
    checked: tuple[CheckedOutcome, ...] = ()

    @property
    def count(self) -> int:
        return (
            len(self.same_title)
            + len(self.same_profile)
            + len(self.factor_levels)
            + len(self.near_boundary)
            + len(self.outside_profile)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "scope": self.scope,
            "outcomes_checked": self.outcomes_checked,
            "rule_set": {"id": self.rule_set_id, "version": self.rule_set_version},
            "boundary_margin": self.boundary_margin,
            "findings": self.count,
            "same_title": [f.to_json() for f in self.same_title],
            "same_profile": [f.to_json() for f in self.same_profile],
            "factor_levels": [f.to_json() for f in self.factor_levels],
            "near_boundary": [f.to_json() for f in self.near_boundary],
            "outside_profile": [f.to_json() for f in self.outside_profile],
        }


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def _title_key(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().casefold()


def _conflict(kind: str, key: str, jobs: list[JobOutcome], what: str) -> OutcomeConflict | None:
    """The group's finding when its outcomes differ in band or verdict."""
    if len(jobs) < 2:
        return None
    differs = tuple(
        name
        for name, values in (
            ("band", {j.band for j in jobs}),
            ("verdict", {j.verdict for j in jobs}),
        )
        if len(values) > 1
    )
    if not differs:
        return None
    by_outcome: dict[str, list[JobOutcome]] = defaultdict(list)
    for j in jobs:
        by_outcome[f"band {j.band}, {j.verdict}"].append(j)
    parts = "; ".join(
        f"{text}: {', '.join(j.name for j in members)}" for text, members in by_outcome.items()
    )
    return OutcomeConflict(
        kind,
        key,
        tuple(jobs),
        differs,
        f"{len(jobs)} jobs {what} have different {' and '.join(d + 's' for d in differs)}: "
        f"{parts}.",
    )


def _same_title(latest: Iterable[OutcomeRecord]) -> list[OutcomeConflict]:
    groups: dict[str, list[JobOutcome]] = defaultdict(list)
    shown: dict[str, str] = {}
    for r in latest:
        key = _title_key(r.job_title)
        shown.setdefault(key, " ".join(r.job_title.split()))
        groups[key].append(JobOutcome.of(r))
    found = (
        _conflict("same-title", shown[key], jobs, f"titled {shown[key]!r}")
        for key, jobs in sorted(groups.items())
    )
    return [c for c in found if c is not None]


def _same_profile(latest: Iterable[OutcomeRecord]) -> list[OutcomeConflict]:
    groups: dict[str, list[JobOutcome]] = defaultdict(list)
    for r in latest:
        if r.profile_id:
            groups[r.profile_id].append(JobOutcome.of(r))
    found = (
        _conflict("same-profile", pid, jobs, f"matched to profile {pid}")
        for pid, jobs in sorted(groups.items())
    )
    return [c for c in found if c is not None]


def _level_key(text: str) -> str:
    """Levels compare by number: options (a), (b) never change the points."""
    try:
        return "-".join(str(lv) for lv in parse_level_expression(text).levels)
    except BandwiseError:
        return " ".join(text.split())


def _factor_levels(scheme: Scheme, latest: Iterable[OutcomeRecord]) -> list[LevelDifference]:
    groups: dict[str, list[OutcomeRecord]] = defaultdict(list)
    for r in latest:
        if r.profile_id and len(r.levels) == len(scheme.factors):
            groups[r.profile_id].append(r)
    found = []
    for pid, records in sorted(groups.items()):
        if len(records) < 2:
            continue
        for n in range(1, len(scheme.factors) + 1):
            keys = [_level_key(r.levels[n - 1]) for r in records]
            counts = Counter(keys).most_common()
            if len(counts) < 2:
                continue
            top, top_count = counts[0]
            tie = counts[1][1] == top_count
            modal_text = None
            if not tie:
                modal_text = next(
                    r.levels[n - 1].strip() for r, k in zip(records, keys, strict=True) if k == top
                )
            differing = tuple(
                JobLevel(r.job_id, r.job_title, r.levels[n - 1].strip())
                for r, k in zip(records, keys, strict=True)
                if tie or k != top
            )
            name = scheme.factor(n).name
            listed = "; ".join(f"job {j.title!r} at level {j.level}" for j in differing)
            if tie:
                reason = (
                    f"The {len(records)} jobs matched to profile {pid} have no common level on "
                    f"factor {n} ({name}): {listed}."
                )
            else:
                reason = (
                    f"{top_count} of the {len(records)} jobs matched to profile {pid} are at "
                    f"level {modal_text} on factor {n} ({name}); "
                    f"{'this one differs' if len(differing) == 1 else 'these differ'}: {listed}."
                )
            found.append(
                LevelDifference(
                    pid,
                    n,
                    name,
                    modal_text,
                    0 if tie else top_count,
                    len(records),
                    differing,
                    reason,
                )
            )
    return found


def _near_boundary(
    scheme: Scheme, latest: Iterable[OutcomeRecord], margin: int
) -> list[NearBoundary]:
    found = []
    for r in latest:
        for total in sorted({r.total_min, r.total_max}):
            if total < 0:
                continue
            b = boundary(scheme, total, margin)
            if not b.within_margin:
                continue
            sides = []
            if b.to_band_below is not None and b.to_band_below <= margin:
                sides.append(
                    f"losing {b.to_band_below} point{'s' if b.to_band_below != 1 else ''} "
                    "would drop it a band"
                )
            if b.to_band_above is not None and b.to_band_above <= margin:
                sides.append(
                    f"gaining {b.to_band_above} point{'s' if b.to_band_above != 1 else ''} "
                    "would lift it a band"
                )
            if not sides:  # above the band table: within the margin of its top
                sides.append(f"{b.nearer} points above the top of the band table")
            job = JobOutcome.of(r)
            found.append(
                NearBoundary(
                    job,
                    total,
                    b.band,
                    b.to_band_below,
                    b.to_band_above,
                    margin,
                    f"{job.name_first} totals {total} (band {b.band}), within "
                    f"{margin} points of a band boundary: {' and '.join(sides)}. Check the "
                    "deciding factor levels.",
                )
            )
            break  # one finding per outcome
    return found


def _profile_for(suites: SuiteCache, r: OutcomeRecord) -> tuple[Profile, str, int] | None:
    """The profile the outcome used, in the suite version it recorded (or the current
    version when it recorded none)."""
    assert r.profile_id is not None
    if r.suite_id:
        version = r.suite_version or current_version(
            suites.session, suites.organisation_id, r.suite_id
        )
        suite = suites.get(r.suite_id, version)
        if suite is None:
            return None
        profile = suite.profile(r.profile_id)
        return (profile, suite.id, version) if profile else None
    for suite in builtin_library().suites:  # no suite recorded: the built-in library
        profile = suite.profile(r.profile_id)
        if profile is not None:
            return profile, suite.id, builtin_library().version_of(suite.id)
    return None


def _checked(scheme: Scheme, suites: SuiteCache, r: OutcomeRecord) -> CheckedOutcome:
    """The outcome against its profile's total range and band (the one rule the
    outside-profile findings and the charts share)."""
    job = JobOutcome.of(r)
    if not r.profile_id or r.verdict == "no-match":
        return CheckedOutcome(job)
    resolved = _profile_for(suites, r)
    if resolved is None:
        return CheckedOutcome(job)
    profile, suite_id, version = resolved
    comp = compute(scheme, profile)
    if comp.total is None:
        return CheckedOutcome(job)
    low, high = comp.total.min, comp.total.max
    bands = band_set(scheme, r.band)
    return CheckedOutcome(
        job,
        suite_id,
        version,
        low,
        high,
        profile.band_label,
        profile.bands,
        total_outside=r.total_min < low or r.total_max > high,
        band_outside=bool(profile.bands)
        and (bands is None or not set(bands) <= set(profile.bands)),
    )


def _outside_profile(
    scheme: Scheme, suites: SuiteCache, latest: Iterable[OutcomeRecord]
) -> tuple[list[OutsideProfile], list[CheckedOutcome]]:
    found = []
    checked = []
    for r in latest:
        c = _checked(scheme, suites, r)
        checked.append(c)
        if not (c.total_outside or c.band_outside):
            continue
        assert r.profile_id is not None and c.suite_id is not None
        assert c.suite_version is not None
        assert c.profile_total_min is not None and c.profile_total_max is not None
        job = c.job
        low, high = c.profile_total_min, c.profile_total_max
        problems = []
        if c.total_outside:
            problems.append(
                f"its total {job.total} is outside the profile's range {_span(low, high)}"
            )
        if c.band_outside:
            problems.append(f"its band {r.band} is not the profile's band {c.profile_band}")
        note = (
            " (a hybrid outcome: the factors evaluated locally may explain it)"
            if r.verdict == "hybrid" or r.case_kind == "hybrid"
            else ""
        )
        found.append(
            OutsideProfile(
                job,
                r.profile_id,
                c.suite_id,
                c.suite_version,
                low,
                high,
                c.profile_bands,
                c.total_outside,
                c.band_outside,
                f"{job.name_first} is matched to profile {r.profile_id} ({c.suite_id} "
                f"version {c.suite_version}), but {' and '.join(problems)}{note}.",
            )
        )
    return found, checked


def check_consistency(
    db: Database,
    actor: Actor,
    scope: str = "confirmed",
    rules: RuleSet | None = None,
    scheme: Scheme | None = None,
) -> ConsistencyReport:
    """Every consistency finding over the actor's organisation's outcomes."""
    actor.require("read")
    if scope not in SCOPES:
        raise InvalidInput(f"scope is one of {', '.join(SCOPES)}", "scope")
    scheme = scheme or load_scheme()
    with db.transaction() as session:
        rules = rules or rule_set_for(session, actor.organisation_id)
        records = outcome_records(session, actor.organisation_id)
        latest = list(latest_per_job(records, confirmed_only=scope == "confirmed").values())
        suites = SuiteCache(session, scheme, actor.organisation_id)
        outside, checked = _outside_profile(scheme, suites, latest)
    return ConsistencyReport(
        organisation_id=actor.organisation_id,
        scope=scope,
        outcomes_checked=len(latest),
        rule_set_id=rules.id,
        rule_set_version=rules.version,
        boundary_margin=rules.boundary_margin,
        same_title=tuple(_same_title(latest)),
        same_profile=tuple(_same_profile(latest)),
        factor_levels=tuple(_factor_levels(scheme, latest)),
        near_boundary=tuple(_near_boundary(scheme, latest, rules.boundary_margin)),
        outside_profile=tuple(outside),
        checked=tuple(checked),
    )
