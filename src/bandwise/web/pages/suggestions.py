"""Suggestions for a case: the closest profiles and a likely level for each factor, read
from the job's latest job description document, or from text pasted or a file uploaded
here. A practitioner may accept a factor's suggestion (it becomes the draft's decision,
with the supporting sentences as its evidence) or ignore it; both are written to the
case's audit trail. Suggestions only: a person always decides.

Accepting or ignoring re-computes the suggestions on the server from the same source
(the document, or the text carried in the form), so what is recorded is what the engine
suggested, never what a browser claims it suggested. The BM25 backend runs offline.

Files are read in a child process within the parsing limits (the app's settings); a
stored document's text is extracted once and kept (``services.parsing``), so showing
the page again does not parse the file again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ...documents.limits import ParseLimits
from ...services import cases, documents, jobs, parsing, suggestions
from ...services.base import Database, InvalidInput, NotFound, ServiceError
from ...services.case_records import CaseDetail
from ...services.fields import digits
from ...suggest import (
    DISCLAIMER,
    NOT_ENOUGH,
    FactorSuggestion,
    Suggestions,
)
from ...suggest.reader import MAX_BYTES
from ..auth import DB
from ..limits import upload_limit
from ..models import MAX_INT
from . import labels
from .deps import (
    OptionalRecordId,
    PageUser,
    RecordId,
    error_list,
    field_text,
    form_version,
    redirect,
)
from .templating import is_htmx, render

router = APIRouter(include_in_schema=False)

TOP = 5
FIELD_IDS = {"text": "text", "file": "file", "choice": "maincontent", "level": "maincontent"}


@dataclass(frozen=True, slots=True)
class Source:
    """Where the suggestions come from: a stored document of the job, or given text."""

    document: documents.DocumentView | None = None
    text: str = ""

    @property
    def label(self) -> str:
        if self.document is not None:
            return f"the document {self.document.filename}"
        return "pasted text"


def _document_source(db: Database, user: PageUser, case: CaseDetail, raw: str | None) -> Source:
    """The chosen document (``?document=``) of the case's job, else its latest job
    description; an empty Source when the job has none."""
    if raw:
        number = int(raw) if digits(raw, 10) else 0
        if not 1 <= number <= MAX_INT:  # never a number the database cannot hold
            raise NotFound(f"no document {raw[:20]}")
        document = documents.get_document(db, user.actor, number)
        if document.job_id != case.case.job_id:
            raise NotFound(f"no document {document.id} for this case's job")
        return Source(document=document)
    latest = suggestions.latest_job_description(db, user.actor, case.case.job_id)
    return Source(document=latest) if latest else Source()


def _limits(request: Request) -> ParseLimits:
    limits: ParseLimits = request.app.state.settings.parse_limits
    return limits


def _compute(
    db: Database, user: PageUser, source: Source, limits: ParseLimits
) -> Suggestions | None:
    if source.document is not None:
        return suggestions.suggest_for_document(
            db, user.actor, source.document.id, TOP, limits=limits
        )
    if source.text:
        return suggestions.suggest_for_text(db, user.actor, source.text, TOP)
    return None


def _context(
    db: Database,
    user: PageUser,
    case: CaseDetail,
    source: Source,
    result: Suggestions | None,
    **extra: Any,
) -> dict[str, Any]:
    job = jobs.get_job(db, user.actor, case.case.job_id)
    described = [
        d for d in documents.list_documents(db, user.actor, job.id) if d.kind == "job-description"
    ]
    return {
        "case": case.case,
        "job": job,
        "source": source,
        "result": result,
        "documents": described,
        "decisions": {d.factor: d for d in case.decisions},
        "can_change": "change the factor decisions" in case.actions and user.actor.can("write"),
        "disclaimer": DISCLAIMER,
        "not_enough": NOT_ENOUGH,
        "done": {},
        "breadcrumbs": [
            {"href": "/cases", "text": "Cases"},
            {"href": f"/cases/{case.case.id}", "text": labels.case_name(case.case.kind, job.title)},
            {"href": f"/cases/{case.case.id}/suggestions", "text": "Suggestions"},
        ],
        **extra,
    }


@router.get("/cases/{case_id}/suggestions")
def suggestions_page(
    case_id: RecordId,
    user: PageUser,
    request: Request,
    db: DB,
    document: OptionalRecordId = None,
) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    source = _document_source(db, user, case, str(document) if document else None)
    fragment = request.query_params.get("fragment") == "1"
    errors: list[dict[str, str]] = []
    result = None
    try:
        result = _compute(db, user, source, _limits(request))
    except (InvalidInput, parsing.Unavailable) as exc:  # a stored document not read
        errors = error_list(exc, {"file": "maincontent", "text": "maincontent"})
    done = request.query_params.get("done", "")
    choice, _, factor = done.partition("-")
    context = _context(
        db,
        user,
        case,
        source,
        result,
        errors=errors,
        done={int(factor): choice} if digits(factor, 2) else {},
    )
    name = "suggestions/_panel.html" if fragment else "suggestions/page.html"
    return render(request, name, context, principal=user)


def _upload(form: FormData) -> tuple[bytes, str] | None:
    value = form.get("file")
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    data = value.file.read(MAX_BYTES + 1)
    return (data, value.filename) if data else None


@router.post("/cases/{case_id}/suggestions", dependencies=[upload_limit(MAX_BYTES)])
async def suggest_from_given(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    """Suggestions for an uploaded file or pasted text (nothing is stored). Reading a PDF
    or Word file and scoring it are slow: they run off the event loop."""
    form = await request.form()
    return await run_in_threadpool(_suggest_from_given, case_id, user, request, db, form)


def _suggest_from_given(
    case_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    text = field_text(form, "text")
    upload = _upload(form)
    try:
        if upload is not None:
            data, filename = upload
            source = Source(text=parsing.job_description_upload(data, filename, _limits(request)))
        else:
            if not text:
                raise InvalidInput("paste the job description's text or choose a file", "text")
            source = Source(text=text)
        result = suggestions.suggest_for_text(db, user.actor, source.text, TOP)
    except ServiceError as exc:
        context = _context(
            db, user, case, Source(text=text), None, errors=error_list(exc, FIELD_IDS)
        )
        return render(
            request, "suggestions/page.html", context, principal=user, status_code=exc.status
        )
    return render(
        request, "suggestions/page.html", _context(db, user, case, source, result), principal=user
    )


def _choice(raw: str) -> tuple[str, int, int | None]:
    """``accept:3:4`` (factor 3, level 4) or ``ignore:3``."""
    parts = raw.split(":")
    try:
        if parts[0] == "accept" and len(parts) == 3:
            return "accepted", int(parts[1]), int(parts[2])
        if parts[0] == "ignore" and len(parts) == 2:
            return "ignored", int(parts[1]), None
    except ValueError:
        pass
    raise InvalidInput("choose to accept or ignore a factor's suggestion", "choice")


def ticked_sentences(form: FormData, number: int) -> list[int]:
    """The supporting sentences the panel ticked for factor ``number`` (``sentence_N``
    checkboxes): only these become evidence; none are ticked at first."""
    values = [v for v in form.getlist(f"sentence_{number}") if isinstance(v, str)]
    if not all(digits(v) for v in values):
        raise InvalidInput("choose the sentences from the list", "sentences")
    return [int(v) for v in values]


def _factor(result: Suggestions, number: int) -> FactorSuggestion:
    for f in result.factors:
        if f.number == number:
            return f
    raise InvalidInput(f"factor {number} does not exist; factors are 1 to 16", "choice")


@router.post("/cases/{case_id}/suggestions/decision")
async def decide_suggestion(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    """Accept (one level of) or ignore one factor's suggestion (the suggestions are
    scored again to find what was offered: off the event loop)."""
    form = await request.form()
    return await run_in_threadpool(_decide_suggestion, case_id, user, request, db, form)


def _decide_suggestion(
    case_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    case = cases.get_case(db, user.actor, case_id)
    if field_text(form, "source") == "document":
        source = _document_source(db, user, case, field_text(form, "document_id") or "0")
    else:
        source = Source(text=field_text(form, "text"))
    number = 0
    try:
        choice, number, level = _choice(field_text(form, "choice"))
        result = _compute(db, user, source, _limits(request))
        if result is None:
            raise InvalidInput("there are no suggestions to accept or ignore", "choice")
        factor = _factor(result, number)
        updated = suggestions.record_suggestion(
            db,
            user.actor,
            case.case.id,
            form_version(form),
            factor,
            choice,
            level,
            result.backend,
            source.label,
            ticked_sentences(form, number),
        )
    except NotFound:
        raise
    except ServiceError as exc:
        case = cases.get_case(db, user.actor, case_id)
        if is_htmx(request) and number:
            context = _context(db, user, case, source, _result_or_none(db, request, user, source))
            context |= {"factor_number": number, "error": exc.message, "oob_version": True}
            return render(request, "suggestions/_factor_response.html", context, principal=user)
        context = _context(
            db,
            user,
            case,
            source,
            _result_or_none(db, request, user, source),
            errors=error_list(exc),
        )
        return render(
            request, "suggestions/page.html", context, principal=user, status_code=exc.status
        )
    done = {number: choice}
    if is_htmx(request):
        context = _context(db, user, updated, source, result, done=done, factor_number=number)
        context["oob_version"] = True
        return render(request, "suggestions/_factor_response.html", context, principal=user)
    if source.document is not None:
        return redirect(
            f"/cases/{case.case.id}/suggestions?document={source.document.id}"
            f"&done={choice}-{number}#suggestion-factor-{number}"
        )
    context = _context(db, user, updated, source, result, done=done)
    return render(request, "suggestions/page.html", context, principal=user)


def _result_or_none(
    db: Database, request: Request, user: PageUser, source: Source
) -> Suggestions | None:
    try:
        return _compute(db, user, source, _limits(request))
    except ServiceError:
        return None
