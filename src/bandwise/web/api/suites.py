"""The organisation's profile suites: list, versions, the stored YAML of a version, and
importing a new version from a profile document (preview first, then import against the
version the preview showed).

The role is checked before the upload is read: the two upload routes read their form
themselves (FastAPI would read a declared file before any dependency runs), so a viewer
gets 403 before a byte of the body is received. The document is read from the upload's
bytes in a child process within the parsing limits, and an error names the uploaded file
by its own name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

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
from .documents import TOO_LARGE
from .records import SuiteId

router = APIRouter(tags=["profile suites"], responses=ERROR_RESPONSES)

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "No such suite or version"}}
SUITE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class _PreviewFields(BaseModel):
    """The upload form's fields besides the file, checked as FastAPI checks a form."""

    model_config = ConfigDict(extra="ignore")
    suite_id: Annotated[
        str | None,
        Field(max_length=100, pattern=SUITE_ID_PATTERN, description="Import as this suite"),
    ] = None


class _ImportFields(_PreviewFields):
    version: Annotated[
        int, Field(ge=0, le=MAX_INT, description="base_version from the preview (0: new)")
    ]


def _form_body(fields: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of an upload form: the file and ``fields``."""
    schema = fields.model_json_schema()
    properties = {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "title": "File",
            "description": "A profile document: PDF, Word or text",
        },
        **schema["properties"],
    }
    required = ["file", *schema.get("required", [])]
    body = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": body}}}}


async def _read_form(
    request: Request, actor: Actor, settings: Settings, fields: type[BaseModel]
) -> tuple[ReadResult, Any]:
    """The uploaded document, read with the same reader as ``bandwise profiles import``,
    and the form's other fields; nothing of the body is read until the actor may import."""
    actor.require("import")
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    given = {k: v for k, v in form.items() if k != "file" and isinstance(v, str) and v != ""}
    problems: list[Any] = []
    if not isinstance(upload, UploadFile):
        problems.append({"type": "missing", "loc": ("body", "file"), "msg": "Field required"})
    try:
        checked = fields.model_validate(given)
    except ValidationError as exc:
        problems += [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    if problems or not isinstance(upload, UploadFile):
        raise RequestValidationError(problems)
    try:
        content = await upload.read(MAX_BYTES + 1)
        name = upload.filename or ""
    finally:
        await form.close()
    result = await run_in_threadpool(
        parsing.read_profile_upload, content, name, settings.parse_limits
    )
    return result, checked


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
    openapi_extra=_form_body(_PreviewFields),
)
async def preview_import(
    request: Request, actor: CurrentActor, db: DB, settings: AppSettings
) -> SuiteImportOut:
    """What importing the document would do (nothing is stored): the version it would
    become and the differences from the current version."""
    result, form = await _read_form(request, actor, settings, _PreviewFields)
    summary = await run_in_threadpool(service.preview_import, db, actor, result, form.suite_id)
    return SuiteImportOut.of(summary)


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
    openapi_extra=_form_body(_ImportFields),
)
async def import_suite(
    request: Request, actor: CurrentActor, db: DB, settings: AppSettings, response: Response
) -> SuiteImportOut:
    """Store the document's suite as the next version (201), or nothing when unchanged
    (200); ``version`` guards against an import made since the preview (409)."""
    read, form = await _read_form(request, actor, settings, _ImportFields)
    result = await run_in_threadpool(
        service.import_suite, db, actor, read, form.suite_id, form.version
    )
    if not result.created:
        response.status_code = 200
    return SuiteImportOut.of(result)
