"""The scheme, the profile library, scoring, matching, local evaluation and nearest profiles.

Each endpoint calls the same library functions as the command line and answers with
the same JSON as the matching ``--json`` command (``bandwise score``, ``match``,
``evaluate``, ``nearest``, ``profiles list``, ``profiles show``, ``scheme show``);
a test holds the two to the same output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from pydantic import Field

from ...errors import BandwiseError, InvalidLevelsError, ProfileDataError, UnknownProfileError
from ...profiles.library import Library
from ...scheme.model import Scheme
from ...services.base import Actor, InvalidInput
from ..auth import CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody
from ..models import Storable, StrictInput, text

router = APIRouter(tags=["scoring"], responses=ERROR_RESPONSES)

FACTORS = 16
LevelText = Annotated[str, text(20, 1), Storable]
Levels = Annotated[
    list[LevelText],
    Field(
        min_length=FACTORS,
        max_length=FACTORS,
        description='16 levels in factor order, as text: a level ("5"), with options '
        '("5c", "3(a)"), or a range when undecided ("2-3")',
    ),
]
ProfileId = Annotated[str, text(200, 1), Storable]


def get_library(request: Request) -> Library:
    """The profile library for this request. ``app.state.library_loader`` is the hook for
    organisation-specific libraries (stored suites); by default the CLI's library."""
    loader: Callable[[], Library] = request.app.state.library_loader
    return loader()


LibraryDep = Annotated[Library, Depends(get_library)]


def _scheme(actor: Actor) -> Scheme:
    from ...scheme.loader import load_scheme

    actor.require("read")
    return load_scheme()


def _job(scheme: Scheme, levels: list[str]) -> Any:
    from ...scheme.jobs import parse_job

    return parse_job(scheme, levels)


def _rules() -> Any:
    from ...scheme.rules import default_rule_set

    return default_rule_set()


class ScoreIn(StrictInput):
    levels: Levels


class MatchIn(StrictInput):
    profile_id: ProfileId
    levels: Levels
    hybrid: bool = False


class EvaluateIn(StrictInput):
    levels: Levels


class NearestIn(StrictInput):
    levels: Levels
    top: Annotated[int, Field(ge=1, le=100)] = 5


# -- JSON documents shared with the command line ------------------------------------------


def scheme_json(s: Scheme) -> dict[str, Any]:
    """``bandwise scheme show --json``."""
    return {
        "edition": {
            "id": s.edition.id,
            "title": s.edition.title,
            "effective_from": s.edition.effective_from.isoformat(),
        },
        "factors": [
            {
                "number": f.number,
                "slug": f.slug,
                "name": f.name,
                "profile_name": f.profile_name,
                "verified": f.verified,
                "reference": f.reference.cite(),
                "levels": [
                    {
                        "level": lv.number,
                        "points": lv.points,
                        "descriptor": lv.descriptor,
                        "verified": lv.verified,
                        "options": [
                            {"letter": o.letter, "descriptor": o.descriptor, "verified": o.verified}
                            for o in lv.options
                        ],
                    }
                    for lv in f.levels
                ],
            }
            for f in s.factors
        ],
        "bands": [
            {
                "band": b.label,
                "min": b.min,
                "max": b.max,
                "closed_to_new_entrants_from": b.closed_to_new_entrants_from.isoformat()
                if b.closed_to_new_entrants_from
                else None,
            }
            for b in s.bands.bands
        ],
        "min_total": s.min_total,
        "max_total": s.max_total,
    }


def score_json(scheme: Scheme, parts: list[str]) -> dict[str, Any]:
    """``bandwise score --levels ... --json``: one decided level per factor."""
    from ...scheme.levels import parse_job_level
    from ...scheme.scoring import score

    numbers = []
    for n, level_text in enumerate(parts, start=1):
        f = scheme.factor(n)
        try:
            level, _ = parse_job_level(level_text)
        except BandwiseError:
            level = 0
        if not f.has_level(level):
            raise InvalidInput(
                f"factor {n} ({f.name}): {level_text!r} is not a level; valid levels "
                f"are 1 to {f.max_level}",
                f"levels.{n - 1}",
            )
        numbers.append(level)
    result = score(scheme, numbers)
    return {
        "total": result.total,
        "band": result.band.label,
        "above_table": result.band.above_table,
        "notes": list(result.band.notes),
        "factors": [
            {"number": f.number, "level": parts[f.number - 1], "points": f.points}
            for f in result.factors
        ],
    }


def profiles_json(scheme: Scheme, lib: Library) -> list[dict[str, Any]]:
    """``bandwise profiles list --json``."""
    from ...profiles.validate import compute

    rows: list[dict[str, Any]] = []
    for suite in lib.suites:
        version = lib.version_of(suite.id)
        for p in suite.profiles:
            total = compute(scheme, p).total
            rows.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "band_label": p.band_label,
                    "bands": list(p.bands),
                    "total": {"min": total.min, "max": total.max} if total else None,
                    "suite": suite.id,
                    "suite_version": version,
                }
            )
    return rows


def profile_json(scheme: Scheme, lib: Library, profile_id: str) -> dict[str, Any]:
    """``bandwise profiles show ID --json``."""
    from ...profiles.serialize import profile_to_json
    from ...profiles.validate import validate_profile

    profile = lib.get(profile_id)
    suite = lib.suite_of(profile)
    data = profile_to_json(scheme, profile)
    findings = validate_profile(scheme, profile, suite.source)
    return {**data, "suite": suite.id, "findings": [f.to_dict() for f in findings]}


def _levels_error(exc: InvalidLevelsError) -> InvalidInput:
    field = f"levels.{exc.factor - 1}" if exc.factor else "levels"
    return InvalidInput(str(exc), field)


# -- endpoints ----------------------------------------------------------------------------


@router.get("/scheme")
def get_scheme(actor: CurrentActor) -> dict[str, Any]:
    """Factors with points per level, and the band table."""
    return scheme_json(_scheme(actor))


@router.get("/profiles")
def list_profiles(actor: CurrentActor, lib: LibraryDep) -> list[dict[str, Any]]:
    """Every profile in the library with its band and total range."""
    return profiles_json(_scheme(actor), lib)


@router.get(
    "/profiles/{profile_id:path}",
    responses={404: {"model": ErrorBody, "description": "No such profile"}},
)
def get_profile(
    profile_id: Annotated[str, PathParam(max_length=200)], actor: CurrentActor, lib: LibraryDep
) -> dict[str, Any]:
    """One profile (``arts-therapist`` or suite-qualified ``arts-therapies/arts-therapist``)."""
    return profile_json(_scheme(actor), lib, profile_id)


@router.post("/score")
def score(body: ScoreIn, actor: CurrentActor) -> dict[str, Any]:
    """Points per factor, total and band for one decided level per factor."""
    return score_json(_scheme(actor), body.levels)


@router.post("/match")
def match(body: MatchIn, actor: CurrentActor, lib: LibraryDep) -> dict[str, Any]:
    """Match a job to a national profile, factor by factor, with a verdict and reasons
    (``bandwise.scheme.explain.match_to_json``)."""
    from ...profiles.matching import match_profile
    from ...scheme.explain import match_to_json

    scheme = _scheme(actor)
    try:
        job = _job(scheme, body.levels)
    except InvalidLevelsError as exc:
        raise _levels_error(exc) from exc
    try:
        result = match_profile(scheme, lib, body.profile_id, job, _rules(), hybrid=body.hybrid)
    except (UnknownProfileError, ProfileDataError) as exc:
        raise InvalidInput(str(exc), "profile_id") from exc
    return match_to_json(scheme, result)


@router.post("/evaluate")
def evaluate(body: EvaluateIn, actor: CurrentActor) -> dict[str, Any]:
    """Evaluate a job locally: total, band, distance to the boundary, sensitivity."""
    from ...scheme.evaluation import evaluate as run_evaluation
    from ...scheme.explain import evaluation_to_json

    scheme = _scheme(actor)
    try:
        job = _job(scheme, body.levels)
    except InvalidLevelsError as exc:
        raise _levels_error(exc) from exc
    return evaluation_to_json(scheme, run_evaluation(scheme, job, _rules()))


@router.post("/nearest")
def nearest(body: NearestIn, actor: CurrentActor, lib: LibraryDep) -> list[dict[str, Any]]:
    """The library's profiles ranked for a job's levels, best first."""
    from ...profiles.matching import nearest as rank
    from ...scheme.explain import match_to_json

    scheme = _scheme(actor)
    try:
        job = _job(scheme, body.levels)
    except InvalidLevelsError as exc:
        raise _levels_error(exc) from exc
    return [
        {
            "rank": i,
            "score_distance": r.score_distance,
            "differing": r.differing,
            **match_to_json(scheme, r.result),
        }
        for i, r in enumerate(rank(scheme, lib, job, _rules(), top=body.top), start=1)
    ]
