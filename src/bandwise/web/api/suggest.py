"""Suggestions from a job description: the closest profiles of the organisation's library
and a likely level for each factor, with the sentences behind them. Suggestions only: a
panel decides. The JSON is ``bandwise suggest --json``'s."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import Field

from ...services import suggestions as service
from ...suggest.reader import MAX_BYTES, MAX_CHARS
from ..auth import DB, AppSettings, CurrentActor
from ..errors import ERROR_RESPONSES
from ..limits import upload_limit
from ..models import Storable, StrictInput, text
from .documents import TOO_LARGE, read_upload

router = APIRouter(tags=["suggestions"], responses=ERROR_RESPONSES)

Backend = Literal["bm25", "semantic"]


class SuggestIn(StrictInput):
    text: Annotated[str, text(MAX_CHARS, 1, "The job description's text"), Storable]
    top: Annotated[int, Field(ge=1, le=service.MAX_TOP)] = 5
    backend: Backend | None = None


@router.post("/suggest", response_model=dict[str, Any])
def suggest_from_text(body: SuggestIn, actor: CurrentActor, db: DB) -> dict[str, Any]:
    """Suggestions for a job description given as text."""
    return service.suggest_for_text(db, actor, body.text, body.top, body.backend).to_json()


@router.post(
    "/suggest/file",
    response_model=dict[str, Any],
    responses=TOO_LARGE,
    dependencies=[upload_limit(MAX_BYTES)],
)
def suggest_from_file(
    file: Annotated[UploadFile, File(description="A job description: PDF, Word or text")],
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
    top: Annotated[int, Form(ge=1, le=service.MAX_TOP)] = 5,
    backend: Annotated[Backend | None, Form()] = None,
) -> dict[str, Any]:
    """Suggestions for an uploaded job description file, read in a child process within
    the parsing limits (a file past them is a 422 naming the limit)."""
    data = read_upload(file, MAX_BYTES)
    name = file.filename or ""
    limits = settings.parse_limits
    return service.suggest_for_file(db, actor, data, name, top, backend, limits).to_json()
