"""Letters: a case's letters page (produce the outcome letters, list them with their PDF
and Word downloads and whether they were emailed, send a failed one again), the review
decision letter from a review's page, and the letter templates an administrator or JE
lead edits (``/admin/letters``) with the documented fields beside them and a preview.

Every rule is the service's (:mod:`bandwise.services.letters`); a refusal is shown in
the error summary with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...letters import FIELDS, KIND_LABELS, KINDS
from ...services import letter_templates, letters, reviews
from ...services.base import Conflict, Database, InvalidInput, NotFound, RuleViolation
from ...services.letters import Recipient
from ...services.sessions import Principal
from ..auth import DB, get_settings
from ..http import attachment
from .cases import case_breadcrumbs, load_case
from .deps import PageUser, RecordId, error_list, field_int, field_text, parse_date, redirect
from .templating import render

router = APIRouter(include_in_schema=False)

FORM_ERRORS = (InvalidInput, RuleViolation, Conflict)
FIELD_IDS = {
    "jobholder": "jobholder_name",
    "jobholder_email": "jobholder_email",
    "manager": "manager_name",
    "manager_email": "manager_email",
    "effective_on": "effective_on-day",
    "recipient": "recipient_name",
    "recipient_email": "recipient_email",
    "subject": "subject",
    "body": "body",
    "version": "maincontent",
    "status": "maincontent",
    "kind": "maincontent",
    "smtp": "maincontent",
    "email": "maincontent",
}
DONE = {
    "notified": "The notification has been recorded. You can now produce the letters.",
    "produced": "The letters have been produced and attached to the case.",
    "emailed": "The letter has been sent again.",
    "review-letter": "The review decision letter has been produced and attached to the case.",
}


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, Conflict) else 422


# ---------------------------------------------------------------- a case's letters


def _case_page(
    request: Request,
    db: Database,
    user: Principal,
    case_id: int,
    errors: list[dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = load_case(db, user, case_id)
    made = letters.list_letters(db, user.actor, case_id)
    refusal = letters.outcome_letter_refusal(db, user.actor, case_id)
    done = request.query_params.get("done", "")
    return render(
        request,
        "letters/case.html",
        {
            "ctx": ctx,
            "case": ctx.detail.case,
            "job": ctx.job,
            "letters": made,
            "refusal": refusal,
            "can_produce": refusal is None and user.actor.can("write"),
            "can_email": get_settings(request).mailer is not None and user.actor.can("write"),
            "can_edit_templates": user.actor.can("manage-letters"),
            "kind_labels": KIND_LABELS,
            "done": DONE.get(done, ""),
            "errors": errors or [],
            "values": values or {},
            "breadcrumbs": case_breadcrumbs(ctx, (f"/cases/{case_id}/letters", "Letters")),
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/cases/{case_id}/letters")
def case_letters_page(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return _case_page(request, db, user, case_id)


def _others(text: str) -> list[Recipient]:
    """Other jobholders, one a line: ``Name`` or ``Name, email``."""
    out = []
    for line in text.splitlines():
        name, _, email = line.partition(",")
        if name.strip() or email.strip():
            out.append(Recipient(name.strip(), email.strip() or None))
    return out


def _produce(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    names = (
        "jobholder_name",
        "jobholder_email",
        "other_jobholders",
        "manager_name",
        "manager_email",
        "effective_on_day",
        "effective_on_month",
        "effective_on_year",
    )
    values = {n: field_text(form, n) for n in names}
    try:
        effective = parse_date(values, "effective_on", "The date the band takes effect")
        jobholders = [
            Recipient(values["jobholder_name"], values["jobholder_email"] or None),
            *_others(values["other_jobholders"]),
        ]
        manager = None
        if values["manager_name"] or values["manager_email"]:
            manager = Recipient(values["manager_name"], values["manager_email"] or None)
        letters.produce_outcome_letters(
            db, user.actor, case_id, jobholders, manager, effective, get_settings(request).mailer
        )
    except FORM_ERRORS as exc:
        return _case_page(
            request,
            db,
            user,
            case_id,
            errors=error_list(exc, FIELD_IDS),
            values=values,
            status_code=_status(exc),
        )
    return redirect(f"/cases/{case_id}/letters?done=produced")


@router.post("/cases/{case_id}/letters")
async def case_letters_post(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    form = await request.form()
    return await run_in_threadpool(_produce, request, db, user, case_id, form)


def _download(db: Database, user: Principal, letter_id: int, fmt: str) -> Response:
    content, media, name = letters.letter_file(db, user.actor, letter_id, fmt)
    return Response(content, media_type=media, headers={"Content-Disposition": attachment(name)})


@router.get("/letters/{letter_id}.pdf")
def letter_pdf(letter_id: RecordId, user: PageUser, db: DB) -> Response:
    return _download(db, user, letter_id, "pdf")


@router.get("/letters/{letter_id}.docx")
def letter_docx(letter_id: RecordId, user: PageUser, db: DB) -> Response:
    return _download(db, user, letter_id, "docx")


def _email(request: Request, db: Database, user: Principal, letter_id: int) -> Response:
    letter = letters.get_letter(db, user.actor, letter_id)
    try:
        sent = letters.email_letter(db, user.actor, letter_id, get_settings(request).mailer)
    except FORM_ERRORS as exc:
        return _case_page(
            request,
            db,
            user,
            letter.case_id,
            errors=error_list(exc, FIELD_IDS),
            status_code=_status(exc),
        )
    done = "emailed" if sent.sent_at is not None else "produced"
    return redirect(f"/cases/{letter.case_id}/letters?done={done}")


@router.post("/letters/{letter_id}/email")
async def letter_email_post(
    letter_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    return await run_in_threadpool(_email, request, db, user, letter_id)


# ---------------------------------------------------------------- a review's decision letter


def _review_letter(
    request: Request, db: Database, user: Principal, review_id: int, form: FormData
) -> Response:
    review = reviews.get_review(db, user.actor, review_id)
    name, email = field_text(form, "recipient_name"), field_text(form, "recipient_email")
    recipient = Recipient(name, email or None) if name or email else None
    try:
        letters.produce_review_letter(
            db, user.actor, review_id, recipient, get_settings(request).mailer
        )
    except FORM_ERRORS as exc:
        return _case_page(
            request,
            db,
            user,
            review.case_id,
            errors=error_list(exc, FIELD_IDS),
            status_code=_status(exc),
        )
    return redirect(f"/cases/{review.case_id}/letters?done=review-letter")


@router.post("/reviews/{review_id}/letter")
async def review_letter_post(
    review_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    form = await request.form()
    return await run_in_threadpool(_review_letter, request, db, user, review_id, form)


# ---------------------------------------------------------------- templates (admin)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no kind of letter {kind!r}")
    return kind


@router.get("/admin/letters")
def templates_page(user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("manage-letters")
    return render(
        request,
        "letters/templates.html",
        {
            "templates": letter_templates.list_templates(db, user.actor),
            "kind_labels": KIND_LABELS,
            "saved": request.query_params.get("saved", ""),
        },
        principal=user,
    )


def _edit_page(
    request: Request,
    db: Database,
    user: Principal,
    kind: str,
    values: dict[str, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
    preview: Any = None,
    status_code: int = 200,
) -> Response:
    current = letter_templates.get_template(db, user.actor, kind)
    return render(
        request,
        "letters/template_edit.html",
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "template": current,
            "fields": FIELDS[kind],
            "values": values
            or {"subject": current.subject, "body": current.body, "version": current.version},
            "errors": errors or [],
            "preview": preview,
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/admin/letters/{kind}")
def template_edit_page(kind: str, user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("manage-letters")
    return _edit_page(request, db, user, _kind(kind))


def _save(request: Request, db: Database, user: Principal, kind: str, form: FormData) -> Response:
    values: dict[str, Any] = {
        "subject": field_text(form, "subject"),
        "body": field_text(form, "body"),
        "version": field_int(form, "version"),
    }
    action = field_text(form, "action")
    try:
        if values["version"] is None and action != "preview":
            raise Conflict(
                "This form did not say which version of the template it was read from, so "
                "nothing has been saved: reload the page and try again"
            )
        if action == "preview":
            shown = letter_templates.preview(kind, values["subject"], values["body"])
            return _edit_page(request, db, user, kind, values, preview=shown)
        if action == "reset":
            letter_templates.reset_template(db, user.actor, kind, values["version"])
            return redirect(f"/admin/letters?saved={kind}")
        letter_templates.save_template(
            db, user.actor, kind, values["subject"], values["body"], values["version"]
        )
    except FORM_ERRORS as exc:
        return _edit_page(
            request,
            db,
            user,
            kind,
            values,
            errors=error_list(exc, FIELD_IDS),
            status_code=_status(exc),
        )
    return redirect(f"/admin/letters?saved={kind}")


@router.post("/admin/letters/{kind}")
async def template_edit_post(kind: str, user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("manage-letters")
    _kind(kind)
    form = await request.form()
    return await run_in_threadpool(_save, request, db, user, kind, form)
