"""The matching workspace's pieces: what one factor's row shows, each factor's state for
the factor rail, the one-line reason of the sticky strip, "start from the profile", and
the draft's autosave (``POST /cases/{id}/form/autosave``, JSON, used by ``app.js``).

The form (:mod:`.case_form`) lays these out; the figures still come from the service's
:class:`~bandwise.services.case_preview.FormPreview`, never computed here. Every action
has a plain form post too (the form's ``action`` and ``pick`` buttons), so the page works
without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...errors import InvalidLevelsError
from ...profiles.model import FactorEntry, Profile
from ...scheme.jobs import job_factor
from ...scheme.loader import load_scheme
from ...scheme.model import Factor
from ...services import cases
from ...services.base import Conflict, Database, ServiceError
from ...services.case_preview import FactorOutcome, FormPreview, preview_levels
from ...services.cases import DecisionInput
from ..auth import DB
from .deps import PageUser, RecordId, field_int

router = APIRouter(include_in_schema=False)

FACTORS = range(1, 17)
_LEADING_FACTOR = re.compile(r"^\s*factor \d+(?: \([^)]*\))?:\s*", re.IGNORECASE)
#: The factor rail's states, in the words the page shows.
STATE_WORDS = {
    "open": "not decided",
    "match": "match",
    "variation": "variation",
    "mismatch": "mismatch",
    "undecided": "range: undecided",
    "no-evidence": "no evidence",
    "error": "not a level",
    "level": "level set",
}


@dataclass(frozen=True, slots=True)
class FactorInput:
    """One factor as the form holds it: the one level control, and the evidence.

    ``choice`` is the legacy radio (``level_N``) a form posted before the workspace may
    still send; the typed level (``levels_N``) is the one control and wins."""

    choice: str = ""
    typed: str = ""
    evidence: str = ""

    @property
    def level(self) -> str:
        return self.typed or self.choice


def profile_fill(entry: FactorEntry | None) -> str:
    """The level "start from the profile" fills in: the profile's level when it names one
    level (with its options, "3(a)"); "" for a range, which the panel decides."""
    if entry is None or len(entry.levels) != 1:
        return ""
    level = entry.levels[0]
    text = f"{level}" + "".join(f"({o})" for o in entry.options.get(level, ()))
    for candidate in (text, str(level)):
        try:
            job_factor(load_scheme(), entry.number, candidate)
        except InvalidLevelsError:
            continue
        return candidate
    return ""


def level_choices(factor: Factor, entry: FactorEntry | None = None) -> list[dict[str, Any]]:
    """The factor plan's levels and lettered options with their wording; ``profile`` marks
    the ones the profile's level names (its options, else the level itself)."""
    marked_levels = set(entry.levels) if entry else set()
    marked_options = entry.options if entry else {}
    choices: list[dict[str, Any]] = []
    for level in factor.levels:
        options = marked_options.get(level.number, ())
        choices.append(
            {
                "value": str(level.number),
                "label": f"Level {level.number}",
                "points": level.points,
                "hint": level.descriptor,
                "profile": level.number in marked_levels and not options,
                "option": False,
            }
        )
        for option in level.options:
            choices.append(
                {
                    "value": f"{level.number}({option.letter})",
                    "label": f"Level {level.number}, option ({option.letter})",
                    "points": level.points,
                    "hint": option.descriptor,
                    "profile": option.letter in options,
                    "option": True,
                }
            )
    return choices


def factor_state(given: FactorInput, outcome: FactorOutcome) -> str:
    """The rail's state of one factor (see :data:`STATE_WORDS`)."""
    if not given.level:
        return "open"
    if outcome.error:
        return "error"
    if outcome.undecided:
        return "undecided"
    if outcome.outcome == "mismatch":
        return "mismatch"
    if not given.evidence:
        return "no-evidence"
    return outcome.outcome or "level"


def factor_states(inputs: Mapping[int, FactorInput], preview: FormPreview) -> list[dict[str, Any]]:
    out = []
    for o in preview.factors:
        state = factor_state(inputs.get(o.number, FactorInput()), o)
        out.append({"number": o.number, "state": state, "words": STATE_WORDS[state]})
    return out


def _levels_text(levels: list[int] | tuple[int, ...]) -> str:
    return (
        "-".join(str(x) for x in (levels[0], levels[-1]))
        if len(levels) > 1
        else (str(levels[0]) if levels else "none")
    )


def strip_reasons(preview: FormPreview) -> list[dict[str, Any]]:
    """The sticky strip's reason, in a line: each a text and the factors it concerns
    ("F2 is protected (job 8, profile 7)"), worst first."""
    data = preview.json
    if not data or preview.mode == "evaluation":
        return []
    reasons: list[dict[str, Any]] = []
    seen: set[int] = set()
    for rule in data.get("broken_rules", []):
        factors = list(rule.get("factors", []))
        text = _LEADING_FACTOR.sub("", rule["message"]).rstrip(". ") if factors else rule["message"]
        reasons.append({"text": text.rstrip(". "), "factors": factors})
        seen.update(factors)
    for f in data.get("factors", []):
        if f["outcome"] in ("mismatch", "variation") and f["number"] not in seen:
            reasons.append(
                {
                    "text": f"{f['outcome']} (job {_levels_text(f['job_levels'])}, "
                    f"profile {_levels_text(f['profile_levels'])})",
                    "factors": [f["number"]],
                }
            )
    if preview.undecided:
        reasons.append(
            {"text": "a range leaves the outcome open", "factors": list(preview.undecided)}
        )
    hybrid = data.get("hybrid")
    if hybrid:  # where the hybrid goes next comes first
        factors = list(hybrid.get("evaluated_factors", []))
        reasons.insert(0, {"text": hybrid["reason"].rstrip(". "), "factors": factors})
    return reasons


def fill_from_profile(
    profile: Profile | None, inputs: Mapping[int, FactorInput]
) -> dict[int, FactorInput]:
    """Every undecided factor set to the profile's level where it names one level; a
    range stays open for the panel."""
    out = dict(inputs)
    if profile is None:
        return out
    for n in FACTORS:
        given = out.get(n, FactorInput())
        fill = profile_fill(profile.factor(n))
        if not given.level and fill:
            out[n] = FactorInput("", fill, given.evidence)
    return out


# ---------------------------------------------------------------- autosave


def _decisions(inputs: Mapping[int, FactorInput]) -> list[DecisionInput]:
    return [
        DecisionInput(n, given.level, given.evidence if given.level else "")
        for n, given in sorted(inputs.items())
    ]


def _autosave(db: Database, user: PageUser, case_id: int, form: FormData) -> Response:
    from .case_form import inputs_from_form, level_texts

    inputs = inputs_from_form(form)
    version = field_int(form, "version")
    if version is None or version < 1:
        return JSONResponse({"saved": False, "message": "reload the page: no case version"}, 409)
    preview = preview_levels(db, user.actor, case_id, level_texts(inputs))
    problems = [f"factor {o.number}: {o.error}" for o in preview.factors if o.error]
    problems += [
        f"factor {n} has evidence but no level"
        for n, given in sorted(inputs.items())
        if given.evidence and not given.level
    ]
    if problems:
        return JSONResponse({"saved": False, "problems": problems}, 422)
    try:
        updated = cases.set_factor_decisions(db, user.actor, case_id, version, _decisions(inputs))
    except Conflict as exc:
        fresh = cases.get_case(db, user.actor, case_id)
        saved = {d.factor: d for d in fresh.decisions}
        differences = []
        for n in FACTORS:
            mine = inputs.get(n, FactorInput())
            theirs = saved.get(n)
            t_level, t_evidence = (theirs.levels, theirs.evidence) if theirs else ("", "")
            if (mine.level, mine.evidence) != (t_level, t_evidence):
                differences.append(
                    {
                        "factor": n,
                        "yours": {"levels": mine.level, "evidence": mine.evidence},
                        "saved": {"levels": t_level, "evidence": t_evidence},
                    }
                )
        return JSONResponse(
            {
                "saved": False,
                "conflict": True,
                "message": exc.message,
                "version": fresh.case.version,
                "status": fresh.case.status,
                "differences": differences,
            },
            409,
        )
    except ServiceError as exc:
        return JSONResponse({"saved": False, "problems": [exc.message]}, exc.status)
    return JSONResponse({"saved": True, "version": updated.case.version})


@router.post("/cases/{case_id}/form/autosave")
async def case_form_autosave(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    """Save the draft's levels and evidence as the panel types (``app.js``, debounced),
    with the case version: JSON ``{"saved": true, "version": …}``; 409 with both values of
    every factor that differs when someone else saved meanwhile (nothing is overwritten);
    422 with the problems (a level that is not one, evidence without a level)."""
    form = await request.form()
    return await run_in_threadpool(_autosave, db, user, case_id, form)
