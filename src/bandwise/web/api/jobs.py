"""Jobs: list (filters, pages), create, read, update (optimistic), archive."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel

from ...policy import policy
from ...services import jobs as service
from ...services.jobs import JobView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, Version, optional, text

#: The most rows one list asks for (policy data).
LIST_LIMIT = policy().page_size("list_limit")

router = APIRouter(tags=["jobs"], responses=ERROR_RESPONSES)

JobId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such job in your organisation"}
}
STALE: Responses = {409: {"model": ErrorBody, "description": "The job changed since you read it"}}


class JobIn(StrictInput):
    title: Annotated[str, text(200, 1), Storable]
    reference: Annotated[str, text(100), Storable] = ""
    department: Annotated[str, text(200), Storable] = ""


class JobPatch(StrictInput):
    version: Version
    title: Annotated[str, Storable] = optional(200, 1)
    reference: Annotated[str, Storable] = optional(100)
    department: Annotated[str, Storable] = optional(200)
    status: Literal["active", "archived"] = optional()


class JobOut(BaseModel):
    id: int
    title: str
    reference: str
    department: str
    status: str
    version: int

    @classmethod
    def of(cls, view: JobView) -> JobOut:
        return cls(
            id=view.id,
            title=view.title,
            reference=view.reference,
            department=view.department,
            status=view.status,
            version=view.version,
        )


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    offset: int
    limit: int


@router.get("/jobs", response_model=JobPage)
def list_jobs(
    actor: CurrentActor,
    db: DB,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    limit: Annotated[int, Query(ge=1, le=LIST_LIMIT)] = 50,
    search: Annotated[
        str, Query(max_length=200, pattern=r"^[^\x00]*$", description="In title or reference")
    ] = "",
    status: Annotated[Literal["active", "archived"] | None, Query()] = None,
    department: Annotated[
        str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="Exact department")
    ] = None,
) -> JobPage:
    """The organisation's jobs, oldest first, ``limit`` at a time from ``offset``."""
    page = service.list_jobs(db, actor, search, status, department, offset, limit)
    return JobPage(
        items=[JobOut.of(j) for j in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.post("/jobs", status_code=201, response_model=JobOut)
def create_job(body: JobIn, actor: CurrentActor, db: DB, response: Response) -> JobOut:
    job = service.create_job(db, actor, body.title, body.reference, body.department)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return JobOut.of(job)


@router.get("/jobs/{job_id}", response_model=JobOut, responses=NOT_FOUND)
def get_job(job_id: JobId, actor: CurrentActor, db: DB) -> JobOut:
    return JobOut.of(service.get_job(db, actor, job_id))


@router.patch("/jobs/{job_id}", response_model=JobOut, responses={**NOT_FOUND, **STALE})
def update_job(job_id: JobId, body: JobPatch, actor: CurrentActor, db: DB) -> JobOut:
    """Change the fields sent, made against ``version``; a stale version is 409."""
    return JobOut.of(service.update_job(db, actor, job_id, body.version, body.changes("version")))


@router.delete("/jobs/{job_id}", response_model=JobOut, responses={**NOT_FOUND, **STALE})
def archive_job(
    job_id: JobId,
    actor: CurrentActor,
    db: DB,
    version: Annotated[int, Query(ge=1, le=MAX_INT, description="The version you read")],
) -> JobOut:
    """Archive the job (jobs are never deleted: their cases and audit trail stay)."""
    return JobOut.of(service.update_job(db, actor, job_id, version, {"status": "archived"}))
