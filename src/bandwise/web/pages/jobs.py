"""Jobs: the list (search, status, pages), create and edit (with the version read, so a
change someone else saved first is a conflict, not lost), a job's page with its documents
and cases, document upload and download, and opening a case (the kind, and the profile
found by title or suite).

Uploads go through :func:`bandwise.services.documents.add_document`, which sniffs the
type and enforces the size limit; a download is always an attachment with the sniffed
type and ``nosniff``, so a stored file is never rendered by the browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ...policy import policy
from ...profiles.library import Library
from ...profiles.validate import known_problems
from ...scheme.loader import load_scheme
from ...services import accounts, cases, documents, jobs, suites
from ...services.base import Conflict, Database, InvalidInput, ServiceError
from ...services.documents import MAX_DOCUMENT_BYTES
from ...store.tables import DOCUMENT_KINDS
from ..auth import DB
from ..http import document_download
from ..limits import upload_limit
from .deps import (
    PageNumber,
    PageUser,
    RecordId,
    error_list,
    field_int,
    field_text,
    redirect,
)
from .templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = policy().page_size("jobs")
JOB_STATUSES = ("active", "archived")
JOB_FIELDS = {
    "title": "title",
    "reference": "reference",
    "department": "department",
    "status": "status",
}
DOC_FIELDS = {"content": "document", "kind": "kind", "file": "document"}
CASE_FIELDS = {"kind": "kind", "profile_id": "profile", "job_id": "kind"}
#: How many profiles the case page lists at once (search to narrow).
MAX_PROFILES = 50


def by_field(errors: list[dict[str, str]]) -> dict[str, str]:
    """Error messages by element id, for each field's own error message."""
    return {e["href"][1:]: e["text"] for e in errors}


def _sentence(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**e, "text": e["text"][:1].upper() + e["text"][1:]} for e in errors]


def form_errors(exc: ServiceError, ids: dict[str, str]) -> list[dict[str, str]]:
    return _sentence(error_list(exc, ids))


# ---------------------------------------------------------------- list, create, edit


@router.get("/jobs")
def job_list(
    user: PageUser,
    request: Request,
    db: DB,
    q: str = "",
    status: str = "",
    page: PageNumber = 1,
) -> Response:
    status = status if status in JOB_STATUSES else ""
    page = max(1, page)
    found = jobs.list_jobs(
        db, user.actor, q.strip(), status or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max(1, -(-found.total // PAGE_SIZE))

    def page_url(n: int) -> str:
        return "/jobs?" + urlencode({"q": q, "status": status, "page": n})

    return render(
        request,
        "jobs/list.html",
        {
            "jobs": found.items,
            "total": found.total,
            "q": q,
            "status": status,
            "page": page,
            "pages": pages,
            "previous_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None,
            "statuses": JOB_STATUSES,
        },
        principal=user,
    )


def _job_form(
    request: Request,
    user: PageUser,
    values: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    job: jobs.JobView | None = None,
    status_code: int = 200,
    saved: jobs.JobView | None = None,
) -> Response:
    return render(
        request,
        "jobs/form.html",
        {
            "job": job,
            "values": values,
            "errors": errors or [],
            "by_field": by_field(errors or []),
            "saved": saved,
            "statuses": JOB_STATUSES,
        },
        principal=user,
        status_code=status_code,
    )


def _typed(form: FormData) -> dict[str, Any]:
    return {name: field_text(form, name) for name in ("title", "reference", "department")}


@router.get("/jobs/new")
def new_job(user: PageUser, request: Request) -> Response:
    user.actor.require("write")
    return _job_form(request, user, {"title": "", "reference": "", "department": ""})


@router.post("/jobs/new")
async def create_job(user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_create_job, user, request, db, form)


def _create_job(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    values = _typed(form)
    try:
        job = jobs.create_job(db, user.actor, **values)
    except InvalidInput as exc:
        return _job_form(request, user, values, form_errors(exc, JOB_FIELDS), status_code=422)
    return redirect(f"/jobs/{job.id}?created=1")


@router.get("/jobs/{job_id}/edit")
def edit_job(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    user.actor.require("write")
    job = jobs.get_job(db, user.actor, job_id)
    values = {
        "title": job.title,
        "reference": job.reference,
        "department": job.department,
        "status": job.status,
        "version": job.version,
    }
    return _job_form(request, user, values, job=job)


@router.post("/jobs/{job_id}/edit")
async def update_job(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_update_job, job_id, user, request, db, form)


def _update_job(
    job_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    job = jobs.get_job(db, user.actor, job_id)
    values: dict[str, Any] = {**_typed(form), "status": field_text(form, "status")}
    version = field_int(form, "version")
    values["version"] = version
    try:
        if version is None:
            raise Conflict("the form had no version: reload the job and make your change", None)
        jobs.update_job(
            db, user.actor, job_id, version, {k: v for k, v in values.items() if k != "version"}
        )
    except Conflict:
        # Keep what was typed; the hidden version becomes the saved one, so saving again
        # (after reading what the other person saved) is a deliberate overwrite.
        current = jobs.get_job(db, user.actor, job_id)
        errors = [
            {
                "text": "Someone else changed this job after you opened it. Your changes are "
                "below and have not been saved: check the saved details, then save again.",
                "href": "#title",
            }
        ]
        values["version"] = current.version
        return _job_form(request, user, values, errors, current, 409, saved=current)
    except InvalidInput as exc:
        return _job_form(request, user, values, form_errors(exc, JOB_FIELDS), job, 422)
    return redirect(f"/jobs/{job.id}?saved=1")


# ---------------------------------------------------------------- a job's page, documents


def _job_page(
    request: Request,
    user: PageUser,
    db: Database,
    job_id: int,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
    kind: str = "job-description",
) -> Response:
    job = jobs.get_job(db, user.actor, job_id)
    docs = documents.list_documents(db, user.actor, job_id)
    names = accounts.user_names(db, user.actor)
    job_cases = cases.list_cases(
        db, user.actor, job_id=job_id, limit=policy().page_size("list_limit")
    ).items
    return render(
        request,
        "jobs/detail.html",
        {
            "job": job,
            "documents": docs,
            "names": names,
            "cases": job_cases,
            "errors": errors or [],
            "by_field": by_field(errors or []),
            "kinds": DOCUMENT_KINDS,
            "kind": kind,
            "max_mib": MAX_DOCUMENT_BYTES // 1048576,
            "flash": next(
                (k for k in ("created", "saved", "uploaded") if request.query_params.get(k)), None
            ),
            "breadcrumbs": [{"href": "/jobs", "text": "Jobs"}],
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/jobs/{job_id}")
def job_page(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return _job_page(request, user, db, job_id)


@router.post("/jobs/{job_id}/documents", dependencies=[upload_limit(MAX_DOCUMENT_BYTES)])
async def upload_document(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_upload_document, job_id, user, request, db, form)


def _upload_document(
    job_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    kind = field_text(form, "kind") or "job-description"
    upload = form.get("document")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("select a document to upload", "file")
        content = upload.file.read(MAX_DOCUMENT_BYTES + 1)
        documents.add_document(
            db,
            user.actor,
            job_id,
            kind,
            upload.filename,
            content,
            upload.content_type or "",
        )
    except InvalidInput as exc:
        errors = form_errors(exc, DOC_FIELDS)
        return _job_page(request, user, db, job_id, errors, 422, kind)
    return redirect(f"/jobs/{job_id}?uploaded=1#documents")


@router.get("/documents/{document_id}/download")
def download_document(document_id: RecordId, user: PageUser, db: DB) -> Response:
    """The stored bytes as a download, with the type sniffed at upload (never rendered)."""
    return document_download(*documents.get_content(db, user.actor, document_id))


# ---------------------------------------------------------------- opening a case


def matching_profiles(
    library: Library, query: str, include_archived: bool = False
) -> list[dict[str, Any]]:
    """The library's profiles whose title or id, or whose suite's title or id, holds every
    word of ``query`` (case-insensitive), as radio choices ``suite/profile``. A profile its
    suite has archived is not offered for a new case unless ``include_archived``."""
    words = query.lower().split()
    found = []
    for suite in library.offered(include_archived).suites:
        version = library.version_of(suite.id)
        for profile in suite.profiles:
            haystack = f"{profile.title} {profile.id} {suite.title} {suite.id}".lower()
            if all(w in haystack for w in words):
                band = f"band {profile.band_label}" if profile.band_label else "band not stated"
                flagged = sorted(known_problems(load_scheme(), profile))
                problem = (
                    f"; known problem in the profile on factor {', '.join(map(str, flagged))}"
                    " (see the profile)"
                    if flagged
                    else ""
                )
                found.append(
                    {
                        "value": f"{suite.id}/{profile.id}",
                        "text": profile.title,
                        "hint": f"{suite.title}, version {version}; {band}{problem}",
                    }
                )
    return found


def _case_form(
    request: Request,
    user: PageUser,
    db: Database,
    job_id: int,
    q: str,
    kind: str,
    profile: str,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    job = jobs.get_job(db, user.actor, job_id)
    found = matching_profiles(suites.organisation_library(db, user.actor.organisation_id), q)
    return render(
        request,
        "jobs/open_case.html",
        {
            "job": job,
            "q": q,
            "kind": kind if kind in cases.OPENABLE_KINDS else "match",
            "profile": profile,
            "profiles": found[:MAX_PROFILES],
            "found": len(found),
            "errors": errors or [],
            "by_field": by_field(errors or []),
            "backLink": {"href": f"/jobs/{job.id}", "text": f"Back to {job.title}"},
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/jobs/{job_id}/cases/new")
def new_case(
    job_id: RecordId,
    user: PageUser,
    request: Request,
    db: DB,
    q: str = "",
    kind: str = "match",
    profile: str = "",
) -> Response:
    user.actor.require("write")
    return _case_form(request, user, db, job_id, q.strip(), kind, profile)


@router.post("/jobs/{job_id}/cases/new")
async def open_case(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_open_case, job_id, user, request, db, form)


def _open_case(
    job_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    kind, profile, q = field_text(form, "kind"), field_text(form, "profile"), field_text(form, "q")
    try:
        if not kind:
            raise InvalidInput("choose what kind of case to open", "kind")
        # A profile radio left checked does not belong to an evaluation case.
        opened = cases.open_case(
            db, user.actor, job_id, kind, None if kind == "evaluation" else profile or None
        )
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        errors = form_errors(exc, CASE_FIELDS)
        return _case_form(request, user, db, job_id, q, kind, profile, errors, exc.status)
    return redirect(f"/cases/{opened.case.id}/form")
