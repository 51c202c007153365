"""Letters: produce a case's outcome letters and a decided review's decision letter, list
a case's letters, download one as PDF or Word, send one again by email; read and edit
the organisation's letter templates (``manage-letters``: administrators and JE leads).
The documented fields are in ``docs/letters.md`` and in ``GET /api/letter-templates``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from ...letters import DOCX_MEDIA_TYPE, FIELDS, KIND_LABELS
from ...services import letter_templates as templates
from ...services import letters as service
from ...services.letter_templates import TemplateView
from ...services.letters import LetterView, Recipient
from ..auth import DB, CurrentActor, get_settings
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..http import attachment
from ..models import MAX_INT, Storable, StrictInput, text
from .cases import CaseId, Day
from .reviews import ReviewId

router = APIRouter(tags=["letters"], responses=ERROR_RESPONSES)

LetterId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
Kind = Literal["outcome-jobholder", "outcome-manager", "review-decision"]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such case, review or letter in your organisation"}
}


class RecipientIn(StrictInput):
    name: Annotated[str, text(200), Storable] = ""
    email: Annotated[str, text(254), Storable] | None = None


class OutcomeLettersIn(StrictInput):
    jobholders: Annotated[
        list[RecipientIn], Field(default_factory=list, max_length=service.MOST_JOBHOLDERS)
    ]
    manager: RecipientIn | None = None
    effective_on: Day | None = None


class ReviewLetterIn(StrictInput):
    recipient: RecipientIn | None = None


class LetterOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    case_id: int
    review_request_id: int | None
    kind: str
    recipient_name: str
    recipient_email: str | None
    letter_date: dt.date
    subject: str
    template_version: int
    created_by: int
    created_at: dt.datetime | None
    sent_at: dt.datetime | None
    send_attempts: int
    send_error: str | None
    pdf_url: str
    docx_url: str

    @classmethod
    def of(cls, v: LetterView) -> LetterOut:
        """The service's view with the download links (a field the view gains without
        one here is refused: ``extra="forbid"``)."""
        return cls(
            **dataclasses.asdict(v),
            pdf_url=f"/api/letters/{v.id}.pdf",
            docx_url=f"/api/letters/{v.id}.docx",
        )


class FieldOut(BaseModel):
    name: str
    description: str


class TemplateOut(BaseModel):
    kind: str
    label: str
    subject: str
    body: str
    version: int
    is_default: bool
    updated_by: int | None
    updated_at: dt.datetime | None
    fields: list[FieldOut]

    @classmethod
    def of(cls, v: TemplateView) -> TemplateOut:
        return cls(
            kind=v.kind,
            label=KIND_LABELS[v.kind],
            subject=v.subject,
            body=v.body,
            version=v.version,
            is_default=v.is_default,
            updated_by=v.updated_by,
            updated_at=v.updated_at,
            fields=[FieldOut(name=f.name, description=f.description) for f in FIELDS[v.kind]],
        )


class TemplateIn(StrictInput):
    subject: Annotated[str, text(300, 1)]
    body: Annotated[str, text(20_000, 1)]
    version: Annotated[
        int, Field(ge=0, le=MAX_INT, description="The version you read (0: the built-in one)")
    ]


class TemplateResetIn(StrictInput):
    version: Annotated[int, Field(ge=0, le=MAX_INT)]


def _person(p: RecipientIn | None) -> Recipient | None:
    return Recipient(p.name, p.email) if p is not None else None


@router.post(
    "/cases/{case_id}/letters",
    status_code=201,
    response_model=list[LetterOut],
    responses=NOT_FOUND,
)
def produce_outcome_letters(
    case_id: CaseId, body: OutcomeLettersIn, actor: CurrentActor, db: DB, request: Request
) -> list[LetterOut]:
    """The outcome letters of a case whose outcome the consistency check confirmed: one
    to each jobholder (one to "The jobholder" when none is named) and, with ``manager``,
    one to the manager; emailed to those with an address when a mail server is set up."""
    made = service.produce_outcome_letters(
        db,
        actor,
        case_id,
        [Recipient(p.name, p.email) for p in body.jobholders],
        _person(body.manager),
        body.effective_on,
        get_settings(request).mailer,
    )
    return [LetterOut.of(v) for v in made]


@router.get("/cases/{case_id}/letters", response_model=list[LetterOut], responses=NOT_FOUND)
def list_letters(case_id: CaseId, actor: CurrentActor, db: DB) -> list[LetterOut]:
    """The case's letters, newest first (a review's decision letter is with its case)."""
    return [LetterOut.of(v) for v in service.list_letters(db, actor, case_id)]


@router.post(
    "/reviews/{review_id}/letter", status_code=201, response_model=LetterOut, responses=NOT_FOUND
)
def produce_review_letter(
    review_id: ReviewId,
    actor: CurrentActor,
    db: DB,
    request: Request,
    body: ReviewLetterIn | None = None,
) -> LetterOut:
    """The decision letter of a decided review, by default to whoever asked for it (the
    body may be left out)."""
    recipient = _person(body.recipient) if body is not None else None
    made = service.produce_review_letter(
        db, actor, review_id, recipient, get_settings(request).mailer
    )
    return LetterOut.of(made)


def _file(db: DB, actor: CurrentActor, letter_id: int, fmt: str) -> Response:
    content, media, name = service.letter_file(db, actor, letter_id, fmt)
    return Response(content, media_type=media, headers={"Content-Disposition": attachment(name)})


@router.get(
    "/letters/{letter_id}.pdf",
    responses={**NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
    response_class=Response,
)
def letter_pdf(letter_id: LetterId, actor: CurrentActor, db: DB) -> Response:
    """The letter as PDF."""
    return _file(db, actor, letter_id, "pdf")


@router.get(
    "/letters/{letter_id}.docx",
    responses={**NOT_FOUND, 200: {"content": {DOCX_MEDIA_TYPE: {}}}},
    response_class=Response,
)
def letter_docx(letter_id: LetterId, actor: CurrentActor, db: DB) -> Response:
    """The letter as a Word document."""
    return _file(db, actor, letter_id, "docx")


@router.post("/letters/{letter_id}/email", response_model=LetterOut, responses=NOT_FOUND)
def email_letter(letter_id: LetterId, actor: CurrentActor, db: DB, request: Request) -> LetterOut:
    """Send the letter (again) to its recipient's address; the result is recorded on it."""
    return LetterOut.of(service.email_letter(db, actor, letter_id, get_settings(request).mailer))


@router.get("/letter-templates", response_model=list[TemplateOut])
def list_templates(actor: CurrentActor, db: DB) -> list[TemplateOut]:
    """The organisation's letter templates (the built-in wording where none was saved),
    each with the fields it may use."""
    return [TemplateOut.of(v) for v in templates.list_templates(db, actor)]


@router.get("/letter-templates/{kind}", response_model=TemplateOut)
def get_template(kind: Kind, actor: CurrentActor, db: DB) -> TemplateOut:
    return TemplateOut.of(templates.get_template(db, actor, kind))


@router.put(
    "/letter-templates/{kind}",
    response_model=TemplateOut,
    responses={409: {"model": ErrorBody, "description": "Saved by someone else since"}},
)
def save_template(kind: Kind, body: TemplateIn, actor: CurrentActor, db: DB) -> TemplateOut:
    """Save the organisation's wording (``manage-letters``); a template that does not
    render with the kind's fields is refused (422) naming the part, line and field."""
    return TemplateOut.of(
        templates.save_template(db, actor, kind, body.subject, body.body, body.version)
    )


@router.post("/letter-templates/{kind}/reset", response_model=TemplateOut)
def reset_template(kind: Kind, body: TemplateResetIn, actor: CurrentActor, db: DB) -> TemplateOut:
    """Go back to the built-in wording (as a new version)."""
    return TemplateOut.of(templates.reset_template(db, actor, kind, body.version))
