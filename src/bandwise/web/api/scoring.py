"""The scheme, the profile library, scoring, matching, local evaluation and nearest profiles.

Each endpoint calls the same library functions as the command line and answers with
the same JSON as the matching ``--json`` command (``bandwise score``, ``match``,
``evaluate``, ``nearest``, ``profiles list``, ``profiles show``, ``scheme show``), built
by the same code (``bandwise.scheme.views``, ``bandwise.profiles.views``,
``bandwise.scheme.explain``); a test holds the two to the same output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from pydantic import Field

from ...errors import InvalidLevelsError, ProfileDataError, UnknownProfileError
from ...profiles.library import Library
from ...scheme.model import Scheme
from ...scheme.rules import RuleSet
from ...services.base import Actor, InvalidInput
from ..auth import DB, CurrentActor
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


def get_library(request: Request, actor: CurrentActor, db: DB) -> Library:
    """The signed-in user's organisation's library: the built-in suites plus the versions
    imported into the database (:func:`~bandwise.services.suites.organisation_library`),
    the same library the pages and cases use. ``app.state.library_loader``, when an
    application was built with one, replaces it (kept for callers of ``create_app``)."""
    from ...services.suites import organisation_library

    actor.require("read")
    loader: Callable[[], Library] | None = request.app.state.library_loader
    return loader() if loader is not None else organisation_library(db, actor.organisation_id)


LibraryDep = Annotated[Library, Depends(get_library)]


def _scheme(actor: Actor) -> Scheme:
    from ...scheme.loader import load_scheme

    actor.require("read")
    return load_scheme()


def _job(scheme: Scheme, levels: list[str]) -> Any:
    from ...scheme.jobs import parse_job

    return parse_job(scheme, levels)


def get_rules(actor: CurrentActor, db: DB) -> RuleSet:
    """The matching rule set of the signed-in user's organisation: its local rule set in
    force, or the built-in default."""
    from ...services.rule_sets import rules_in_force

    return rules_in_force(db, actor)


RulesDep = Annotated[RuleSet, Depends(get_rules)]


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
    include_archived: bool = False  # profiles their suite has archived are left out


def _levels_error(exc: InvalidLevelsError) -> InvalidInput:
    field = f"levels.{exc.factor - 1}" if exc.factor else "levels"
    return InvalidInput(str(exc), field)


# -- endpoints ----------------------------------------------------------------------------


@router.get("/scheme")
def get_scheme(actor: CurrentActor) -> dict[str, Any]:
    """Factors with points per level, and the band table."""
    from ...scheme.views import scheme_to_json

    return scheme_to_json(_scheme(actor))


@router.get("/profiles")
def list_profiles(actor: CurrentActor, lib: LibraryDep) -> list[dict[str, Any]]:
    """Every profile in the library with its band and total range."""
    from ...profiles.views import profiles_to_json

    return profiles_to_json(_scheme(actor), lib)


@router.get(
    "/profiles/{profile_id:path}",
    responses={404: {"model": ErrorBody, "description": "No such profile"}},
)
def get_profile(
    profile_id: Annotated[str, PathParam(max_length=200)], actor: CurrentActor, lib: LibraryDep
) -> dict[str, Any]:
    """One profile (``arts-therapist`` or suite-qualified ``arts-therapies/arts-therapist``)."""
    from ...profiles.views import profile_view

    return profile_view(_scheme(actor), lib, profile_id).to_json()


@router.post("/score")
def score(body: ScoreIn, actor: CurrentActor) -> dict[str, Any]:
    """Points per factor, total and band for one decided level per factor."""
    from ...scheme.views import score_levels, score_to_json

    try:
        result = score_levels(_scheme(actor), body.levels)
    except InvalidLevelsError as exc:
        raise _levels_error(exc) from exc
    return score_to_json(result, body.levels)


@router.post("/match")
def match(body: MatchIn, actor: CurrentActor, lib: LibraryDep, rules: RulesDep) -> dict[str, Any]:
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
        result = match_profile(scheme, lib, body.profile_id, job, rules, hybrid=body.hybrid)
    except (UnknownProfileError, ProfileDataError) as exc:
        raise InvalidInput(str(exc), "profile_id") from exc
    return match_to_json(scheme, result)


@router.post("/evaluate")
def evaluate(body: EvaluateIn, actor: CurrentActor, rules: RulesDep) -> dict[str, Any]:
    """Evaluate a job locally: total, band, distance to the boundary, sensitivity."""
    from ...scheme.evaluation import evaluate as run_evaluation
    from ...scheme.explain import evaluation_to_json

    scheme = _scheme(actor)
    try:
        job = _job(scheme, body.levels)
    except InvalidLevelsError as exc:
        raise _levels_error(exc) from exc
    return evaluation_to_json(scheme, run_evaluation(scheme, job, rules))


@router.post("/nearest")
def nearest(
    body: NearestIn, actor: CurrentActor, lib: LibraryDep, rules: RulesDep
) -> list[dict[str, Any]]:
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
        for i, r in enumerate(
            rank(scheme, lib, job, rules, top=body.top, include_archived=body.include_archived),
            start=1,
        )
    ]
