"""Job documents: upload (multipart, PDF, Word or UTF-8 text, 20 MiB at most), list,
read and download. The type is sniffed from the bytes, never taken from the upload;
downloads are served with that type as an attachment (``nosniff``), so a stored file is
never rendered by the browser."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from ...services import documents as service
from ...services.documents import MAX_DOCUMENT_BYTES, DocumentView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..http import attachment as attachment  # re-exported
from ..http import document_download
from ..limits import upload_limit
from ..models import MAX_INT
from .jobs import JobId


class HtmlSafeJSONResponse(JSONResponse):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u`` escapes: a file name such as
    ``<script>.pdf`` comes back intact to a JSON parser but is never markup, even to a
    client that wrongly inserts the raw response into a page."""

    def render(self, content: Any) -> bytes:
        text = super().render(content).decode("utf-8")
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escape)
        return text.encode("utf-8")


router = APIRouter(
    tags=["documents"], responses=ERROR_RESPONSES, default_response_class=HtmlSafeJSONResponse
)

DocumentId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such job or document in your organisation"}
}
TOO_LARGE: Responses = {413: {"model": ErrorBody, "description": "The upload is too large"}}


def read_upload(file: UploadFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the upload: a longer file is refused by the service."""
    return file.file.read(limit + 1)


@router.post(
    "/jobs/{job_id}/documents",
    status_code=201,
    response_model=DocumentView,
    responses={**NOT_FOUND, **TOO_LARGE},
    dependencies=[upload_limit(MAX_DOCUMENT_BYTES)],
)
def upload_document(
    job_id: JobId,
    file: Annotated[UploadFile, File(description="PDF, Word (.docx) or UTF-8 text")],
    actor: CurrentActor,
    db: DB,
    response: Response,
    kind: Annotated[
        str, Form(max_length=40, description="job-description, person-specification, ...")
    ] = "job-description",
    document_date: Annotated[dt.date | None, Form(description="YYYY-MM-DD")] = None,
) -> DocumentView:
    content = read_upload(file, MAX_DOCUMENT_BYTES)
    document = service.add_document(
        db,
        actor,
        job_id,
        kind,
        file.filename or "",
        content,
        file.content_type or "",
        document_date,
    )
    response.headers["Location"] = f"/api/documents/{document.id}"
    return document


@router.get("/jobs/{job_id}/documents", response_model=list[DocumentView], responses=NOT_FOUND)
def list_documents(job_id: JobId, actor: CurrentActor, db: DB) -> tuple[DocumentView, ...]:
    return service.list_documents(db, actor, job_id)


@router.get("/documents/{document_id}", response_model=DocumentView, responses=NOT_FOUND)
def get_document(document_id: DocumentId, actor: CurrentActor, db: DB) -> DocumentView:
    return service.get_document(db, actor, document_id)


@router.get(
    "/documents/{document_id}/content",
    response_class=Response,
    responses={
        **NOT_FOUND,
        200: {"content": {t: {} for t in service.EXTENSIONS}, "description": "The file"},
    },
)
def download_document(document_id: DocumentId, actor: CurrentActor, db: DB) -> Response:
    """The stored bytes, as a download with the sniffed type."""
    return document_download(*service.get_content(db, actor, document_id))
