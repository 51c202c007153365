"""A case's matching report, built once: the page, its PDF, ``GET /api/cases/{id}/report``
and ``bandwise report case ID`` all render this one structure.

Every figure comes from the case record: the outcome in force (its panel, checks and the
result saved with it, read by key through :func:`bandwise.scheme.explain.stored_factors`,
never from the explanation's table columns, whose headings are wording), the job, and
the organisation's profile library for the profile's levels as printed and its known
problems. A case without an outcome in force (none yet, or one a consistency check
returned) is a draft from its current decisions, computed as the case page computes them
(with the library's current suite version), with a returned outcome apart, unsigned.
Codes stay codes (verdict ``profile-match``, rule set ``bandwise-default``): each
renderer puts them in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from ..errors import NotFound, ServiceError, UnknownProfileError
from ..profiles.library import Library
from ..profiles.validate import known_problems
from ..scheme.explain import StoredFactor, levels_text, points_text, stored_factors
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from . import accounts, cases, jobs
from .base import Actor, Database
from .case_records import CaseDetail, CaseView, DecisionView, OutcomeView, PanelView, in_force
from .jobs import JobView
from .suites import organisation_library


def span(low: int | None, high: int | None) -> str:
    """``475`` or ``470–480`` (an en dash, as printed); empty without a total."""
    if low is None or high is None:
        return ""
    return str(low) if low == high else f"{low}–{high}"


@dataclass(frozen=True, slots=True)
class RuleSetRef:
    id: str
    version: int | None


@dataclass(frozen=True, slots=True)
class ReportFactor:
    """One factor: the profile's level beside the level the panel agreed, the outcome and
    points of the result, the evidence, and the library's known problems with the
    profile's entry. ``evidence`` is empty and ``evidence_changed`` true when the decision
    changed after the outcome was recorded (the outcome keeps no copy of it)."""

    number: int
    name: str
    profile_level: str
    agreed_level: str
    outcomes: tuple[str, ...]
    points: tuple[int, ...]
    evidence: str
    evidence_changed: bool
    known_problems: tuple[str, ...]

    @property
    def outcome_text(self) -> str:
        return "/".join(self.outcomes)

    @property
    def points_text(self) -> str:
        return points_text(self.points)


@dataclass(frozen=True, slots=True)
class ReportCheck:
    outcome_id: int
    decision: str  # approved | returned
    reasons: str
    checked_at: dt.datetime | None
    checker_id: int
    checker: str


@dataclass(frozen=True, slots=True)
class ReturnedLevel:
    number: int
    name: str
    level: str


@dataclass(frozen=True, slots=True)
class ReturnedOutcome:
    """An outcome a consistency check returned: as it was recorded, not in force (no
    evidence: what is typed now may not be what it was decided on)."""

    outcome_id: int
    verdict: str
    total_min: int
    total_max: int
    band: str
    rule_set: RuleSetRef
    suite_id: str | None
    suite_version: int | None
    suite_title: str
    panel: PanelView | None
    recorded_at: dt.datetime | None
    levels: tuple[ReturnedLevel, ...]
    checks: tuple[ReportCheck, ...]

    @property
    def total_text(self) -> str:
        return span(self.total_min, self.total_max)


@dataclass(frozen=True, slots=True)
class MatchingReport:
    """Everything the matching report shows. ``draft`` is true when no outcome is in
    force: the figures are then provisional, from the current decisions, and
    ``suite_version`` is the library's current one (``opened_version`` names the version
    the case was opened against when it differs)."""

    case: CaseView
    job: JobView
    draft: bool
    outcome_id: int | None
    recorded_at: dt.datetime | None
    profile_id: str | None
    profile_title: str
    suite_id: str | None
    suite_title: str
    suite_version: int | None
    opened_version: int | None
    verdict: str
    total_min: int | None
    total_max: int | None
    band: str
    rule_set: RuleSetRef | None
    scheme_edition: str
    factors: tuple[ReportFactor, ...]
    summary: tuple[str, ...]
    panel: PanelView | None  # members: accounts, and guests (user_id null) by organisation
    rationale: str  # the panel's reasons in its own words ("" when none was written)
    checks: tuple[ReportCheck, ...]
    returned: ReturnedOutcome | None
    generated_at: dt.datetime

    @property
    def total_text(self) -> str:
        return span(self.total_min, self.total_max)

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``GET /api/cases/{id}/report`` (the same serialiser as the API's)."""
        data = _json_adapter().dump_python(self, mode="json")
        assert isinstance(data, dict)
        return data


@cache
def _json_adapter() -> TypeAdapter[MatchingReport]:
    return TypeAdapter(MatchingReport)


def _changed(decision: DecisionView | None, outcome: OutcomeView | None) -> bool:
    """Whether a decision changed after ``outcome`` was recorded."""
    return (
        decision is not None
        and outcome is not None
        and outcome.recorded_at is not None
        and decision.updated_at is not None
        and decision.updated_at > outcome.recorded_at
    )


class _Names:
    """Users' names, each read once (a user of another organisation is not found)."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db, self.actor, self.known = db, actor, dict[int, str]()

    def __call__(self, user_id: int) -> str:
        if user_id not in self.known:
            try:
                self.known[user_id] = accounts.get_user(self.db, self.actor, user_id).name
            except NotFound:
                self.known[user_id] = f"user {user_id}"
        return self.known[user_id]


def _checks(
    detail: CaseDetail, outcome: OutcomeView | None, name: _Names
) -> tuple[ReportCheck, ...]:
    if outcome is None:
        return ()
    return tuple(
        ReportCheck(
            c.outcome_id, c.decision, c.reasons, c.checked_at, c.checker_id, name(c.checker_id)
        )
        for c in detail.checks
        if c.outcome_id == outcome.id
    )


def _suite_title(library: Library, suite_id: str | None) -> str:
    """The suite's title, never its id (one no longer in the library, in words)."""
    if not suite_id:
        return ""
    suite = library.suite(suite_id)
    return suite.title if suite is not None else f"profile suite {suite_id.replace('-', ' ')}"


def _profile(
    scheme: Scheme, library: Library, case: CaseView, version: int | None
) -> tuple[str, dict[int, str], dict[int, list[str]]]:
    """The profile's title, its level text per factor as printed in the suite, and the
    library's known problems with each entry (only when the organisation's library holds
    ``version``, the one the report is about); no title for a profile the library lost."""
    if not case.profile_id:
        return "", {}, {}
    ref = f"{case.suite_id}/{case.profile_id}" if case.suite_id else case.profile_id
    try:
        profile = library.get(ref)
    except UnknownProfileError:
        return "", {}, {}
    if case.suite_id and library.version_of(case.suite_id) != version:
        return profile.title, {}, {}
    return (
        profile.title,
        {e.number: e.level_text for e in profile.factors},
        known_problems(scheme, profile),
    )


def _returned(
    scheme: Scheme, detail: CaseDetail, outcome: OutcomeView | None, library: Library, name: _Names
) -> ReturnedOutcome | None:
    if outcome is None:
        return None
    return ReturnedOutcome(
        outcome.id,
        outcome.verdict,
        outcome.total_min,
        outcome.total_max,
        outcome.band,
        RuleSetRef(outcome.rule_set_id, outcome.rule_set_version),
        outcome.suite_id,
        outcome.suite_version,
        _suite_title(library, outcome.suite_id),
        outcome.panel,
        outcome.recorded_at,
        tuple(
            ReturnedLevel(f.number, f.name, level)
            for f, level in zip(scheme.factors, outcome.levels, strict=False)
        ),
        _checks(detail, outcome, name),
    )


def _rule_set(result: Mapping[str, Any]) -> RuleSetRef | None:
    rules = result.get("rule_set")
    if not isinstance(rules, Mapping) or "id" not in rules:
        return None
    version = rules.get("version")
    return RuleSetRef(str(rules["id"]), version if isinstance(version, int) else None)


def _total(result: Mapping[str, Any]) -> tuple[int | None, int | None]:
    total = result.get("total")
    if isinstance(total, Mapping):
        low, high = total.get("min"), total.get("max")
        if isinstance(low, int) and isinstance(high, int):
            return low, high
    return None, None


def _summary(result: Mapping[str, Any]) -> tuple[str, ...]:
    explanation = result.get("explanation")
    lines = explanation.get("summary") if isinstance(explanation, Mapping) else None
    return tuple(str(line) for line in lines) if isinstance(lines, list) else ()


def _factor(
    number: int,
    name: str,
    printed: str,
    stored: StoredFactor | None,
    agreed: str,
    decision: DecisionView | None,
    outcome: OutcomeView | None,
    notes: list[str],
) -> ReportFactor:
    changed = _changed(decision, outcome)
    return ReportFactor(
        number=number,
        name=name,
        profile_level=printed or (levels_text(stored.profile_levels) if stored else ""),
        agreed_level=agreed,
        outcomes=(stored.outcomes or ((stored.outcome,) if stored.outcome else ()))
        if stored
        else (),
        points=tuple(dict.fromkeys(stored.points)) if stored else (),
        evidence="" if changed or decision is None else decision.evidence,
        evidence_changed=changed,
        known_problems=tuple(notes),
    )


def matching_report(
    db: Database, actor: Actor, case_id: int, library: Library | None = None
) -> MatchingReport:
    """The case's matching report (NotFound for a case of another organisation).
    ``library`` is the organisation's profile library when the caller has it already."""
    detail = cases.get_case(db, actor, case_id)
    job = jobs.get_job(db, actor, detail.case.job_id)
    scheme = load_scheme()
    library = library or organisation_library(db, actor.organisation_id)
    name = _Names(db, actor)
    outcome, returned = in_force(detail)
    case = detail.case
    result: Mapping[str, Any] = outcome.explanation if outcome else {}
    if outcome is None:
        try:
            result = cases.compute_preview(db, actor, case_id).json or {}
        except ServiceError:
            result = {}
    suite_id = (outcome.suite_id if outcome else None) or case.suite_id
    if outcome is not None:
        suite_version = outcome.suite_version or case.suite_version
    else:  # the version the preview computes with: the library's current one
        suite_version = (library.version_of(suite_id) if suite_id else 0) or case.suite_version
    opened_version = (
        case.suite_version
        if outcome is None and suite_id and case.suite_version not in (None, suite_version)
        else None
    )
    stored = stored_factors(result)
    profile_title, printed, notes = _profile(scheme, library, case, suite_version)
    decisions = {d.factor: d for d in detail.decisions}
    factors = []
    for factor in scheme.factors:
        n = factor.number
        if outcome is not None and len(outcome.levels) >= n:
            agreed = outcome.levels[n - 1]
        else:
            agreed = decisions[n].levels if n in decisions else ""
        factors.append(
            _factor(
                n,
                factor.name,
                printed.get(n, ""),
                stored.get(n),
                agreed,
                decisions.get(n),
                outcome,
                notes.get(n, []),
            )
        )
    low, high = (outcome.total_min, outcome.total_max) if outcome else _total(result)
    bands = result.get("bands")
    return MatchingReport(
        case=case,
        job=job,
        draft=outcome is None,
        outcome_id=outcome.id if outcome else None,
        recorded_at=outcome.recorded_at if outcome else None,
        profile_id=case.profile_id,
        profile_title=profile_title,
        suite_id=suite_id,
        suite_title=_suite_title(library, suite_id),
        suite_version=suite_version,
        opened_version=opened_version,
        verdict=outcome.verdict if outcome else str(result.get("verdict") or ""),
        total_min=low,
        total_max=high,
        band=outcome.band
        if outcome
        else (", ".join(map(str, bands)) if isinstance(bands, list) else ""),
        rule_set=RuleSetRef(outcome.rule_set_id, outcome.rule_set_version)
        if outcome
        else _rule_set(result),
        scheme_edition=outcome.scheme_edition if outcome else scheme.edition.id,
        factors=tuple(factors),
        summary=_summary(result),
        panel=outcome.panel if outcome else None,
        rationale=outcome.rationale if outcome else "",
        checks=_checks(detail, outcome, name),
        returned=_returned(scheme, detail, returned, library, name),
        generated_at=dt.datetime.now(dt.UTC),
    )
