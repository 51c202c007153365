"""What a case's decisions would give, without saving them: the matching form's live
result and a case's nearest profiles.

A panel types levels into the form and wants the per-factor outcome, the running total,
band and verdict at once, before anything is stored. :func:`preview_levels` reads the
unsaved level texts and answers with the same figures the saved case would get: the
same library functions (``compare_factor``, ``match_profile``, ``evaluate``) under the
same rule set and library as :func:`.case_records.compute`, and the same JSON
(``match_to_json``, ``evaluation_to_json``). A level that does not parse is reported on
its factor, never raised, so the form can show it beside the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidLevelsError, ProfileDataError, UnknownProfileError
from ..profiles.library import Library
from ..profiles.matching import match_profile, nearest, target_of
from ..profiles.model import Profile
from ..scheme.evaluation import Boundary, boundary, evaluate
from ..scheme.explain import evaluation_to_json, match_to_json
from ..scheme.jobs import Job, JobFactor, job_factor
from ..scheme.loader import load_scheme
from ..scheme.matching import FactorComparison, compare_factor
from ..store import tables as t
from .base import Actor, Database, InvalidInput, RuleViolation, get_owned
from .case_records import FACTORS, case_mode, decisions_of, rule_set_for
from .suites import library_in

__all__ = [
    "FactorOutcome",
    "FormPreview",
    "NearestProfile",
    "NearestView",
    "case_profile",
    "nearest_for_case",
    "preview_levels",
]

MAX_LEVEL_TEXT = 20


@dataclass(frozen=True, slots=True)
class FactorOutcome:
    """One factor of the form: the level text as typed and what it gives."""

    number: int
    text: str
    error: str | None  # the level text does not parse or is not a level of the factor
    levels: tuple[int, ...]  # the job's candidate levels (empty when none or invalid)
    points: tuple[int, ...]
    profile_levels: tuple[int, ...]  # the profile's admitted levels (match and hybrid)
    outcome: str | None  # match | variation | mismatch (worst over a range); None if none
    outcomes: tuple[str, ...]  # every outcome a range allows, best first
    reason: str

    @property
    def undecided(self) -> bool:
        return len(self.outcomes) > 1


@dataclass(frozen=True, slots=True)
class FormPreview:
    """The live result of sixteen level texts; ``json`` (the full result, as the case
    would record it) once every factor has a valid level, ranges allowed."""

    case_id: int
    mode: str  # match | hybrid | evaluation
    factors: tuple[FactorOutcome, ...]
    missing: tuple[int, ...]
    invalid: tuple[int, ...]
    undecided: tuple[int, ...]  # factors given as a range
    points_so_far: tuple[int, int]  # over the factors with a valid level
    json: dict[str, Any] | None
    profile_error: str = ""  # the case's profile is no longer usable
    #: how far a decided total sits from its band's edges (None while a range is open)
    boundary: Boundary | None = None

    @property
    def complete(self) -> bool:
        return self.json is not None

    @property
    def decided_count(self) -> int:
        return len(FACTORS) - len(self.missing) - len(self.invalid)


def _profile_ref(row: t.Case) -> str:
    return f"{row.suite_id}/{row.profile_id}" if row.suite_id else str(row.profile_id)


def case_profile(library: Library, row_or_view: Any) -> Profile | None:
    """The case's profile in the library, or None (evaluation case, or no longer there)."""
    if not row_or_view.profile_id:
        return None
    try:
        return library.get(_profile_ref(row_or_view))
    except UnknownProfileError:
        return None


def _comparison_outcome(
    n: int, text: str, jf: JobFactor, comparison: FactorComparison | None, points: tuple[int, ...]
) -> FactorOutcome:
    if comparison is None:
        return FactorOutcome(n, text, None, jf.levels, points, (), None, (), "")
    return FactorOutcome(
        n,
        text,
        None,
        jf.levels,
        points,
        comparison.profile_levels,
        comparison.outcome,
        comparison.outcomes,
        comparison.reason,
    )


def preview_levels(db: Database, actor: Actor, case_id: int, levels: Sequence[str]) -> FormPreview:
    """The result of ``levels`` (sixteen texts in factor order, ``""`` for no decision) for
    the case, computed as the case would be, without saving anything."""
    actor.require("read")
    texts = [str(x or "").strip() for x in levels]
    if len(texts) != len(FACTORS):
        raise InvalidInput(f"give {len(FACTORS)} level texts, one per factor", "levels")
    scheme = load_scheme()
    with db.reading() as session:
        row = get_owned(session, t.Case, case_id, actor, "case")
        mode = case_mode(session, row)
        rules = rule_set_for(session, row.organisation_id)
        library = library_in(session, row.organisation_id) if mode != "evaluation" else None
        profile_row = row
    target = None
    profile_error = ""
    if library is not None:
        profile = case_profile(library, profile_row)
        if profile is None:
            profile_error = (
                f"profile {profile_row.profile_id} is no longer in the organisation's "
                f"profile suite {profile_row.suite_id}"
            )
        else:
            try:
                target = target_of(scheme, profile)
            except ProfileDataError as exc:
                profile_error = str(exc)
    parsed: dict[int, JobFactor] = {}
    outcomes: list[FactorOutcome] = []
    missing: list[int] = []
    invalid: list[int] = []
    for n, text in zip(FACTORS, texts, strict=True):
        if not text:
            missing.append(n)
            outcomes.append(FactorOutcome(n, "", None, (), (), (), None, (), ""))
            continue
        try:
            if len(text) > MAX_LEVEL_TEXT:
                raise InvalidLevelsError(
                    f"factor {n}: a level is at most {MAX_LEVEL_TEXT} characters", n
                )
            jf = job_factor(scheme, n, text)
        except InvalidLevelsError as exc:
            invalid.append(n)
            outcomes.append(FactorOutcome(n, text, str(exc), (), (), (), None, (), ""))
            continue
        parsed[n] = jf
        factor = scheme.factor(n)
        points = tuple(factor.points(lv) for lv in jf.levels)
        comparison = (
            compare_factor(scheme, n, target.levels[n - 1], jf.levels, rules)
            if target is not None
            else None
        )
        outcomes.append(_comparison_outcome(n, text, jf, comparison, points))
    low = sum(min(o.points) for o in outcomes if o.points)
    high = sum(max(o.points) for o in outcomes if o.points)
    undecided = tuple(n for n, jf in sorted(parsed.items()) if not jf.decided)
    data: dict[str, Any] | None = None
    if len(parsed) == len(FACTORS):
        job = Job(tuple(parsed[n] for n in FACTORS))
        if mode == "evaluation":
            data = evaluation_to_json(scheme, evaluate(scheme, job, rules))
        elif library is not None and target is not None:
            result = match_profile(
                scheme, library, _profile_ref(profile_row), job, rules, hybrid=mode == "hybrid"
            )
            data = match_to_json(scheme, result)
    edge = None
    if data is not None and data["total"]["min"] == data["total"]["max"]:
        edge = boundary(scheme, data["total"]["min"], rules.boundary_margin)
    return FormPreview(
        case_id,
        mode,
        tuple(outcomes),
        tuple(missing),
        tuple(invalid),
        undecided,
        (low, high),
        data,
        profile_error,
        edge,
    )


@dataclass(frozen=True, slots=True)
class NearestProfile:
    rank: int
    profile_id: str
    title: str
    suite_id: str
    score_distance: int
    differing: int
    json: dict[str, Any]  # match_to_json of the job against this profile
    suite_version: int = 1  # the library's current version of the suite


@dataclass(frozen=True, slots=True)
class NearestView:
    """The library's profiles ranked for a case's current decisions (``missing`` factors
    without a decision: then nothing is ranked)."""

    case_id: int
    levels: tuple[str | None, ...]
    missing: tuple[int, ...]
    profiles: tuple[NearestProfile, ...]


def nearest_for_case(db: Database, actor: Actor, case_id: int, top: int = 5) -> NearestView:
    """The ``top`` nearest profiles of the organisation's library for the case's saved
    decisions (ranges allowed), ranked as ``bandwise nearest`` ranks them."""
    actor.require("read")
    if not 1 <= top <= 50:
        raise InvalidInput("top is 1 to 50", "top")
    scheme = load_scheme()
    with db.reading() as session:
        row = get_owned(session, t.Case, case_id, actor, "case")
        decisions = decisions_of(session, row.id)
        library = library_in(session, row.organisation_id)
        rules = rule_set_for(session, row.organisation_id)
    levels = tuple(decisions[n].levels if n in decisions else None for n in FACTORS)
    missing = tuple(n for n in FACTORS if n not in decisions)
    if missing:
        return NearestView(case_id, levels, missing, ())
    try:
        job = Job(tuple(job_factor(scheme, n, levels[n - 1] or "") for n in FACTORS))
    except InvalidLevelsError as exc:  # stored levels are checked on saving; defensive
        raise RuleViolation(str(exc), "levels") from exc
    # Ranked suite by suite: a result names its profile by the bare id, and two suites
    # may hold the same id, so each result keeps the suite it came from. Concatenating
    # in library order and sorting stably gives the order ``nearest`` gives.
    ranked = sorted(
        (
            (r, suite.id, library.version_of(suite.id))
            for suite in library.suites
            for r in nearest(scheme, Library((suite,)), job, rules, top=top)
        ),
        key=lambda item: item[0].key,
    )[:top]
    profiles = []
    for i, (r, suite_id, version) in enumerate(ranked, start=1):
        profile = library.get(f"{suite_id}/{r.result.profile_id}")
        profiles.append(
            NearestProfile(
                i,
                profile.id,
                profile.title,
                suite_id,
                r.score_distance,
                r.differing,
                match_to_json(scheme, r.result),
                version,
            )
        )
    return NearestView(case_id, levels, (), tuple(profiles))
