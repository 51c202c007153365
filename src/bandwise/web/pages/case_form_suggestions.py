"""Suggestions inside the matching workspace: each factor's suggested level(s), the
confidence and the sentences behind them, in the factor's row.

* ``GET /cases/{id}/form?fragment=suggestions`` (htmx, once the form has loaded: scoring
  the job description takes a moment) answers with one out-of-band block per factor
  (:func:`suggestion_slots`, called by the form's route);
* ``POST /cases/{id}/form/suggestion`` (``workspace.js``) accepts one level of a factor's
  suggestion, with only the sentences the panel ticked as evidence (none by default), or
  ignores it; JSON with the factor's new level, evidence and the case version. Both are
  recorded in the audit trail by :func:`~bandwise.services.suggestions.record_suggestion`.

Without JavaScript the suggestions page (``/cases/{id}/suggestions``) does the same.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...services import cases
from ...services import suggestions as service
from ...services.base import Conflict, Database, ServiceError
from ..auth import DB
from .deps import PageUser, RecordId, field_text, form_version
from .suggestions import Source, _choice, _compute, _factor, _limits, ticked_sentences
from .templating import render

router = APIRouter(include_in_schema=False)


def _source(db: Database, user: PageUser, job_id: int) -> Source:
    latest = service.latest_job_description(db, user.actor, job_id)
    return Source(document=latest) if latest else Source()


def suggestion_slots(request: Request, db: Database, user: PageUser, case_id: int) -> Response:
    """Every factor's suggestion as out-of-band blocks for the workspace's rows."""
    case = cases.get_case(db, user.actor, case_id)
    source = _source(db, user, case.case.job_id)
    try:
        result = _compute(db, user, source, _limits(request))
    except ServiceError:  # a stored document that cannot be read: the page says so
        result = None
    context = {
        "result": result,
        "source": source,
        "case_id": case_id,
        "can_change": "change the factor decisions" in case.actions and user.actor.can("write"),
    }
    return render(request, "cases/_form_suggestions.html", context, principal=user)


def _decide(
    request: Request, db: Database, user: PageUser, case_id: int, form: FormData
) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    source = _source(db, user, case.case.job_id)
    try:
        choice, number, level = _choice(field_text(form, "choice"))
        result = _compute(db, user, source, _limits(request))
        if result is None or source.document is None:
            return JSONResponse({"message": "the job has no job description to suggest from"}, 422)
        if str(source.document.id) != field_text(form, "document_id"):
            raise Conflict("a newer job description has been added: reload the page")
        updated = service.record_suggestion(
            db,
            user.actor,
            case_id,
            form_version(form),
            _factor(result, number),
            choice,
            level,
            result.backend,
            source.label,
            ticked_sentences(form, number),
        )
    except ServiceError as exc:
        return JSONResponse({"message": exc.message}, exc.status)
    decision = next((d for d in updated.decisions if d.factor == number), None)
    return JSONResponse(
        {
            "choice": choice,
            "factor": number,
            "levels": decision.levels if decision else "",
            "evidence": decision.evidence if decision else "",
            "version": updated.case.version,
        }
    )


@router.post("/cases/{case_id}/form/suggestion")
async def form_suggestion_decision(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    """Accept (one level of) or ignore a factor's suggestion from the workspace."""
    form = await request.form()
    return await run_in_threadpool(_decide, request, db, user, case_id, form)
