"""The matching workspace (and the hybrid and evaluation forms): one compact row per
factor, the profile's level beside the job's level and evidence, the wording on demand.

* ``GET /cases/{id}/form`` prefills the saved decisions and shows their result
  (``?fragment=suggestions``: the rows' suggestions, for htmx after the load);
* ``POST /cases/{id}/form/preview`` (htmx, on every change) answers with the results
  fragment for the unsaved levels: the running total, band and verdict, and each
  factor's outcome (out-of-band swaps), computed by the service, never saved;
* ``POST /cases/{id}/form`` with ``action=check`` re-shows the page with the results
  (the same thing without JavaScript), with ``action=save`` saves every decision and its
  evidence in one change (optimistic locking on the case version: a stale version
  re-shows the form with the typed input kept and a clear message).

A factor's level is one control: a level expression typed ("5", "3(a)", "2-3") or
picked from the factor plan's wording (``pick`` buttons, which set it). ``action=
from-profile`` fills every undecided factor with the profile's level. The workspace's
pieces (rows, rail states, the strip's reason, autosave) are in :mod:`.case_workspace`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ...profiles.validate import known_problems
from ...scheme.loader import load_scheme
from ...services import cases, suggestions
from ...services.base import Conflict, Database, InvalidInput, RuleViolation
from ...services.case_preview import FormPreview, preview_levels
from ...services.cases import DecisionInput
from ...services.fields import digits
from ...services.sessions import Principal
from ..auth import DB
from .case_form_suggestions import suggestion_slots
from .case_workspace import (
    FactorInput,
    factor_states,
    fill_from_profile,
    level_choices,
    profile_fill,
    strip_reasons,
)
from .cases import CaseContext, case_breadcrumbs, load_case
from .deps import PageUser, RecordId, error_list, field_int, field_text, form_version, redirect
from .templating import render

router = APIRouter(include_in_schema=False)

FACTORS = range(1, 17)
FORM_TITLES = {"match": "Matching form", "hybrid": "Hybrid form", "evaluation": "Evaluation form"}


def inputs_from_saved(ctx: CaseContext) -> dict[int, FactorInput]:
    """The saved decisions as form input (the one level control holds the expression)."""
    return {d.factor: FactorInput("", d.levels, d.evidence) for d in ctx.detail.decisions}


def inputs_from_form(form: FormData) -> dict[int, FactorInput]:
    out = {}
    for n in FACTORS:
        evidence = form.get(f"evidence_{n}")
        out[n] = FactorInput(
            field_text(form, f"level_{n}"),
            field_text(form, f"levels_{n}"),
            evidence.strip() if isinstance(evidence, str) else "",
        )
    return out


def level_texts(inputs: Mapping[int, FactorInput]) -> list[str]:
    return [inputs.get(n, FactorInput()).level for n in FACTORS]


def form_factors(
    ctx: CaseContext, inputs: Mapping[int, FactorInput], preview: FormPreview
) -> list[dict[str, Any]]:
    """Everything one factor's row shows, in factor order."""
    scheme = load_scheme()
    profile = ctx.profile if preview.mode != "evaluation" else None
    notes = known_problems(scheme, profile)
    hybrid = (preview.json or {}).get("hybrid") or {}
    evaluated = set(hybrid.get("evaluated_factors", ()))
    states = factor_states(inputs, preview)
    rows = []
    for factor in scheme.factors:
        n = factor.number
        given = inputs.get(n, FactorInput())
        entry = profile.factor(n) if profile else None
        rows.append(
            {
                "number": n,
                "name": factor.name,
                "choices": level_choices(factor, entry),
                "input": given,
                "profile": entry,
                "fill": profile_fill(entry),
                "notes": notes.get(n, []),
                "evaluated": n in evaluated,
                "state": states[n - 1],
                "outcome": preview.factors[n - 1],
            }
        )
    return rows


def render_form(
    request: Request,
    user: Principal,
    ctx: CaseContext,
    inputs: Mapping[int, FactorInput],
    preview: FormPreview,
    *,
    errors: Sequence[dict[str, str]] = (),
    version: int | None = None,
    status_code: int = 200,
    checked: bool = False,
    place: int = 0,
) -> Response:
    editable = ctx.can(user, "change the factor decisions")
    rows = form_factors(ctx, inputs, preview)
    factor_errors = {o.number: o.error for o in preview.factors if o.error}
    if not place:
        raw = request.query_params.get("place", "")
        place = int(raw) if digits(raw, 2) and 1 <= int(raw) <= 16 else 0
    return render(
        request,
        "cases/form.html",
        {
            "ctx": ctx,
            "case": ctx.detail.case,
            "preview": preview,
            "factors": rows,
            "factor_errors": factor_errors,
            "errors": list(errors),
            "version": version if version is not None else ctx.detail.case.version,
            "editable": editable,
            "with_profile": ctx.profile is not None and preview.mode != "evaluation",
            "title": FORM_TITLES.get(preview.mode, "Matching form"),
            "saved": request.query_params.get("saved") == "1",
            "checked": checked,
            "reasons": strip_reasons(preview),
            "place": place,
            "with_suggestions": preview.mode != "evaluation" and _described(request, user, ctx),
            "fillable": any(f["fill"] and not f["input"].level for f in rows),
            "breadcrumbs": case_breadcrumbs(ctx),
        },
        principal=user,
        status_code=status_code,
    )


__all__ = ["FactorInput", "inputs_from_form", "level_choices", "level_texts", "router"]


def _described(request: Request, user: Principal, ctx: CaseContext) -> bool:
    """The job has a job description, so the rows can show suggestions from it."""
    db: Database = request.app.state.db
    return suggestions.latest_job_description(db, user.actor, ctx.detail.case.job_id) is not None


def _level_errors(preview: FormPreview) -> list[dict[str, str]]:
    return [{"text": o.error, "href": f"#levels_{o.number}"} for o in preview.factors if o.error]


def _evidence_without_level(inputs: Mapping[int, FactorInput]) -> list[dict[str, str]]:
    """Evidence typed for a factor with no level would be lost on saving: say so."""
    return [
        {
            "text": f"Factor {n} has evidence but no level: choose or type its level, or "
            "clear the evidence",
            "href": f"#levels_{n}",
        }
        for n, given in sorted(inputs.items())
        if given.evidence and not given.level
    ]


# ---------------------------------------------------------------- routes


@router.get("/cases/{case_id}/form")
def case_form(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    if request.query_params.get("fragment") == "suggestions":  # htmx, after the load
        return suggestion_slots(request, db, user, case_id)
    ctx = load_case(db, user, case_id)
    inputs = inputs_from_saved(ctx)
    preview = preview_levels(db, user.actor, case_id, level_texts(inputs))
    return render_form(request, user, ctx, inputs, preview)


@router.post("/cases/{case_id}/form/preview")
async def case_form_preview(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    """The results fragment for the unsaved levels (htmx swaps it in; nothing is saved)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    inputs = inputs_from_form(form)
    preview = await run_in_threadpool(preview_levels, db, user.actor, case_id, level_texts(inputs))
    return render(
        request,
        "cases/_form_results.html",
        {
            "preview": preview,
            "case_id": case_id,
            "oob": True,
            "states": factor_states(inputs, preview),
            "reasons": strip_reasons(preview),
        },
        principal=user,
    )


def _save(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    ctx = load_case(db, user, case_id)
    inputs = inputs_from_form(form)
    version = field_int(form, "version")
    action = field_text(form, "action")
    place = _place(form)
    picked = _picked(field_text(form, "pick"))
    if picked is not None:  # a level picked from the wording (without JavaScript)
        place, level = picked
        inputs = {**inputs, place: FactorInput("", level, inputs[place].evidence)}
    elif action == "from-profile":
        inputs = fill_from_profile(ctx.profile, inputs)
    preview = preview_levels(db, user.actor, case_id, level_texts(inputs))
    if action != "save" or picked is not None:
        return render_form(
            request, user, ctx, inputs, preview, version=version, checked=True, place=place
        )
    try:  # a form without its case version would skip the optimistic lock: refused
        form_version(form)
    except Conflict as exc:
        return render_form(
            request, user, ctx, inputs, preview, errors=error_list(exc), status_code=409
        )
    problems = _level_errors(preview) + _evidence_without_level(inputs)
    if problems:
        return render_form(
            request, user, ctx, inputs, preview, errors=problems, version=version, status_code=422
        )
    decisions = [
        DecisionInput(n, given.level, given.evidence if given.level else "")
        for n, given in sorted(inputs.items())
    ]
    try:
        cases.set_factor_decisions(db, user.actor, case_id, version, decisions)
    except Conflict:
        fresh = load_case(db, user, case_id)
        message = (
            "Someone else changed this case while you were editing it (it is now "
            f"{fresh.detail.case.status.replace('-', ' ')}). Your levels and evidence are "
            "kept below and have not been saved. Check the case's current decisions, then "
            "save again to replace them with yours."
        )
        return render_form(
            request,
            user,
            fresh,
            inputs,
            preview,
            errors=[{"text": message, "href": "#factor-1"}],
            version=fresh.detail.case.version,
            status_code=409,
        )
    except (InvalidInput, RuleViolation) as exc:
        return render_form(
            request,
            user,
            ctx,
            inputs,
            preview,
            errors=error_list(exc, {"decisions": "factor-1", "status": "factor-1"}),
            version=version,
            status_code=422,
        )
    if place:  # saving keeps the panel's place: back at the factor it was on
        return redirect(f"/cases/{case_id}/form?saved=1&place={place}#factor-{place}")
    return redirect(f"/cases/{case_id}/form?saved=1")


def _place(form: FormData) -> int:
    """The factor the panel was on (``place``, set by app.js), 0 when none."""
    raw = field_text(form, "place")
    return int(raw) if digits(raw, 2) and 1 <= int(raw) <= 16 else 0


def _picked(raw: str) -> tuple[int, str] | None:
    """A ``pick`` button's value, ``"6:3(a)"``: factor 6 set to level 3(a)."""
    number, _, level = raw.partition(":")
    if not digits(number, 2) or not 1 <= int(number) <= 16 or not level or len(level) > 20:
        return None
    return int(number), level


@router.post("/cases/{case_id}/form")
async def case_form_post(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    """Save as draft (``action=save``), or show the result of the typed levels (``check``)."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_save, request, db, user, case_id, form)
