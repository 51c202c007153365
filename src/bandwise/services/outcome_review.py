"""What a consistency checker reads before confirming one case's outcome (handbook
chapter 14): the outcome factor by factor (the profile's level beside the level the
panel agreed, the outcome and the evidence), the variations and mismatches, how far the
total sits from a band boundary, and the organisation's most similar outcomes in force.

A bare list of sixteen levels ("6, 7, 4, 2, 3(a)…") is not checkable; a table with the
factor names, the profile's levels and the evidence is, and so is a comparison with the
jobs already banded on the same profile at the nearest totals. Read-only: it decides
nothing and records nothing.

*Similar outcomes* are the latest confirmed outcome of each active job of the same
organisation (the outcomes in force, as :mod:`.consistency` checks them), other than
this case's own, matched to the same profile of the same suite (for a local evaluation:
other local evaluations), nearest in total first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import UnknownProfileError
from ..profiles.model import Profile
from ..scheme.evaluation import boundary
from ..scheme.explain import stored_factors
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from ..store import tables as t
from .base import Actor, Database, get_owned
from .case_records import decisions_of, latest_outcome, rule_set_for, utc
from .outcome_queries import OutcomeRecord, SuiteCache, latest_per_job, outcome_records
from .suites import library_in

__all__ = [
    "BoundaryDistance",
    "OutcomeReview",
    "ReviewFactor",
    "SimilarOutcome",
    "review_outcome",
    "similar_outcomes",
]

#: How many similar outcomes the check page compares with.
SIMILAR_COUNT = 3
FLAGGED = ("variation", "mismatch")


@dataclass(frozen=True, slots=True)
class ReviewFactor:
    """One factor of a recorded outcome."""

    number: int
    name: str
    profile_level: str  # as the profile prints it ("" for a local evaluation)
    agreed_level: str
    outcome: str  # match | variation | mismatch, "/"-joined over a range; "" if none
    reason: str
    points: str
    evidence: str
    evidence_changed: bool  # the evidence was edited after the outcome was recorded

    @property
    def flagged(self) -> bool:
        """A variation or mismatch: what a checker looks at first."""
        return any(part in FLAGGED for part in self.outcome.split("/"))


@dataclass(frozen=True, slots=True)
class BoundaryDistance:
    """How far one total of the outcome sits from the edges of its band."""

    total: int
    band: str
    to_band_below: int | None  # points to lose to drop a band (None in the lowest band)
    to_band_above: int | None  # points to gain to rise a band (None above the table)
    within_margin: bool
    margin: int


@dataclass(frozen=True, slots=True)
class SimilarOutcome:
    """Another job's outcome in force, to compare with."""

    case_id: int
    job_id: int
    job_title: str
    job_reference: str
    outcome_id: int
    verdict: str
    band: str
    total_min: int
    total_max: int
    recorded_at: dt.datetime
    gap: int  # points between the two totals (0 when their ranges overlap)
    differing: tuple[int, ...]  # factors whose agreed level differs from this outcome's


@dataclass(frozen=True, slots=True)
class OutcomeReview:
    """A case's latest recorded outcome, as the consistency check page shows it."""

    case_id: int
    outcome_id: int
    profile_title: str  # "" for a local evaluation or a profile no longer in the library
    factors: tuple[ReviewFactor, ...]
    boundaries: tuple[BoundaryDistance, ...]
    similar: tuple[SimilarOutcome, ...]

    @property
    def variations(self) -> tuple[int, ...]:
        return tuple(f.number for f in self.factors if "variation" in f.outcome.split("/"))

    @property
    def mismatches(self) -> tuple[int, ...]:
        return tuple(f.number for f in self.factors if "mismatch" in f.outcome.split("/"))

    @property
    def near_boundary(self) -> bool:
        return any(b.within_margin for b in self.boundaries)


def _normal(level: str) -> str:
    return "".join(str(level).split()).lower()


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Points between two total ranges; 0 when they overlap."""
    return max(0, a[0] - b[1], b[0] - a[1])


def _similar(
    records: Sequence[OutcomeRecord],
    case_id: int,
    profile: tuple[str | None, str | None],
    totals: tuple[int, int],
    levels: Sequence[str],
    top: int,
) -> tuple[SimilarOutcome, ...]:
    mine = [_normal(lv) for lv in levels]
    found = []
    for r in latest_per_job(records).values():
        if r.case_id == case_id or (r.profile_id, r.suite_id) != profile:
            continue
        theirs = [_normal(lv) for lv in r.levels]
        differing = tuple(
            n for n, (a, b) in enumerate(zip(mine, theirs, strict=False), start=1) if a != b
        )
        found.append(
            SimilarOutcome(
                r.case_id,
                r.job_id,
                r.job_title,
                r.job_reference,
                r.outcome_id,
                r.verdict,
                r.band,
                r.total_min,
                r.total_max,
                r.recorded_at,
                _gap(totals, (r.total_min, r.total_max)),
                differing,
            )
        )
    midpoint = sum(totals)
    found.sort(
        key=lambda s: (
            s.gap,
            abs(s.total_min + s.total_max - midpoint),
            len(s.differing),
            -s.recorded_at.timestamp(),
            s.outcome_id,
        )
    )
    return tuple(found[:top])


def review_outcome(
    db: Database, actor: Actor, case_id: int, top: int = SIMILAR_COUNT
) -> OutcomeReview | None:
    """The case's latest recorded outcome laid out for checking (None before one is
    recorded), with the ``top`` most similar outcomes in force."""
    actor.require("read")
    scheme = load_scheme()
    with db.reading() as session:
        case = get_owned(session, t.Case, case_id, actor, "case")
        outcome = latest_outcome(session, case.id)
        if outcome is None:
            return None
        decisions = decisions_of(session, case.id)
        rules = rule_set_for(session, case.organisation_id)
        profile = _profile_of(session, scheme, case.organisation_id, outcome)
        records = outcome_records(session, case.organisation_id)
        recorded_at = utc(outcome.recorded_at)
        levels = [str(lv) for lv in outcome.levels or []]
        stored = stored_factors(outcome.explanation)
        factors = []
        for factor in scheme.factors:
            n = factor.number
            result = stored.get(n)
            printed = profile.factor(n) if profile is not None else None
            decision = decisions.get(n)
            updated = utc(decision.updated_at) if decision is not None else None
            changed = bool(updated and recorded_at and updated > recorded_at)
            factors.append(
                ReviewFactor(
                    n,
                    factor.name,
                    printed.level_text
                    if printed is not None
                    else (result.profile_text if result else ""),
                    levels[n - 1] if len(levels) >= n else "",
                    result.outcome_text if result else "",
                    result.reason if result else "",
                    result.points_text if result else "",
                    decision.evidence if decision is not None else "",
                    changed,
                )
            )
        totals = (outcome.total_min, outcome.total_max)
        boundaries = tuple(
            BoundaryDistance(
                total, b.band, b.to_band_below, b.to_band_above, b.within_margin, b.margin
            )
            for total in sorted(set(totals))
            if total >= 0
            for b in (boundary(scheme, total, rules.boundary_margin),)
        )
        similar = _similar(
            records, case.id, (outcome.profile_id, outcome.suite_id), totals, levels, top
        )
        return OutcomeReview(
            case.id,
            outcome.id,
            profile.title if profile is not None else "",
            tuple(factors),
            boundaries,
            similar,
        )


def _profile_of(
    session: Session, scheme: Scheme, organisation_id: int, outcome: t.Outcome
) -> Profile | None:
    """The profile in the suite version the outcome recorded (else the current one)."""
    if not outcome.profile_id:
        return None
    if outcome.suite_id and outcome.suite_version:
        suite = SuiteCache(session, scheme, organisation_id).get(
            outcome.suite_id, outcome.suite_version
        )
        found = suite.profile(outcome.profile_id) if suite is not None else None
        if found is not None:
            return found
    ref = f"{outcome.suite_id}/{outcome.profile_id}" if outcome.suite_id else outcome.profile_id
    try:
        return library_in(session, organisation_id).get(ref)
    except UnknownProfileError:
        return None


def similar_outcomes(
    db: Database, actor: Actor, case_id: int, top: int = SIMILAR_COUNT
) -> tuple[SimilarOutcome, ...]:
    """The ``top`` outcomes in force most like the case's latest outcome (none before
    one is recorded)."""
    review = review_outcome(db, actor, case_id, top)
    return review.similar if review is not None else ()
