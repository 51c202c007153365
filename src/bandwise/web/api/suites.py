"""The organisation's profile suites: list, versions, the stored YAML of a version, and
importing a new version from a profile document (preview first, then import against the
version the preview showed).

The role is checked before the upload is read: a viewer gets 403 at once. The document
is read from the upload's bytes in a child process within the parsing limits, and an
error names the uploaded file by its own name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel

from ...documents.reader import MAX_BYTES
from ...profiles.model import ReadResult
from ...services import parsing
from ...services import suites as service
from ...services.base import Actor
from ...services.suites import SuiteImport, SuiteSummary, SuiteVersionView
from ..auth import DB, AppSettings, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..limits import upload_limit
from ..models import MAX_INT
from ..settings import Settings
from .documents import TOO_LARGE, read_upload
from .records import SuiteId

router = APIRouter(tags=["profile suites"], responses=ERROR_RESPONSES)

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "No such suite or version"}}
UploadedFile = Annotated[UploadFile, File(description="A profile document: PDF, Word or text")]
SuiteIdForm = Annotated[
    str | None,
    Form(max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Import as this suite"),
]


class SuiteImportOut(BaseModel):
    suite_id: str
    title: str
    version: int
    base_version: int
    created: bool
    diff: dict[str, Any] | None
    findings: list[dict[str, Any]]
    profiles: list[str]

    @classmethod
    def of(cls, result: SuiteImport) -> SuiteImportOut:
        return cls(
            suite_id=result.suite_id,
            title=result.title,
            version=result.version,
            base_version=result.base_version,
            created=result.created,
            diff=result.diff.to_json() if result.diff is not None else None,
            findings=[dict(f.to_dict()) for f in result.findings],
            profiles=list(result.profiles),
        )


def _read(file: UploadFile, actor: Actor, settings: Settings) -> ReadResult:
    """Read the uploaded document with the same reader as ``bandwise profiles import``,
    once the actor may import (never parse for someone who may not)."""
    actor.require("import")
    content = read_upload(file, MAX_BYTES)
    return parsing.read_profile_upload(content, file.filename or "", settings.parse_limits)


@router.get("/suites", response_model=list[SuiteSummary])
def list_suites(actor: CurrentActor, db: DB) -> tuple[SuiteSummary, ...]:
    """The suites of the organisation's library with their current versions."""
    return service.list_suites(db, actor)


@router.get("/suites/{suite_id}/versions", response_model=list[SuiteVersionView])
def list_versions(suite_id: SuiteId, actor: CurrentActor, db: DB) -> tuple[SuiteVersionView, ...]:
    """The imported versions of a suite, oldest first (built-in versions are not listed)."""
    return service.list_suite_versions(db, actor, suite_id)


@router.get(
    "/suites/{suite_id}/versions/{version}",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"application/yaml": {}}}},
)
def get_version(
    suite_id: SuiteId,
    version: Annotated[int, PathParam(ge=1, le=MAX_INT)],
    actor: CurrentActor,
    db: DB,
) -> Response:
    """The suite as it was at that version, as YAML."""
    content = service.get_suite_yaml(db, actor, suite_id, version)
    return Response(content, media_type="application/yaml; charset=utf-8")


@router.post(
    "/suites/preview",
    response_model=SuiteImportOut,
    responses=TOO_LARGE,
    dependencies=[upload_limit(MAX_BYTES)],
)
def preview_import(
    file: UploadedFile,
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
    suite_id: SuiteIdForm = None,
) -> SuiteImportOut:
    """What importing the document would do (nothing is stored): the version it would
    become and the differences from the current version."""
    result = _read(file, actor, settings)
    return SuiteImportOut.of(service.preview_import(db, actor, result, suite_id))


@router.post(
    "/suites/import",
    response_model=SuiteImportOut,
    status_code=201,
    responses={
        **TOO_LARGE,
        200: {"model": SuiteImportOut, "description": "Unchanged: nothing stored"},
        409: {"model": ErrorBody, "description": "Imported meanwhile: preview again"},
    },
    dependencies=[upload_limit(MAX_BYTES)],
)
def import_suite(
    file: UploadedFile,
    version: Annotated[
        int, Form(ge=0, le=MAX_INT, description="base_version from the preview (0: new)")
    ],
    actor: CurrentActor,
    db: DB,
    settings: AppSettings,
    response: Response,
    suite_id: SuiteIdForm = None,
) -> SuiteImportOut:
    """Store the document's suite as the next version (201), or nothing when unchanged
    (200); ``version`` guards against an import made since the preview (409)."""
    result = service.import_suite(db, actor, _read(file, actor, settings), suite_id, version)
    if not result.created:
        response.status_code = 200
    return SuiteImportOut.of(result)
