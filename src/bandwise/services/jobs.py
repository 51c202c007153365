"""Jobs: create, read, update (optimistic), list with filters and pages. The pattern every
service follows: check the role, one transaction, the audit event inside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select

from ..policy import policy
from ..store import tables as t
from .base import Actor, Database, InvalidInput, audit, check_version, get_owned, now, snapshot
from .fields import LIKE_ESCAPE, check_line, like_pattern

T = TypeVar("T")

FIELDS = ("title", "reference", "department", "status")
#: One-line text fields: how a message names them and their column's length.
_LINES = {"title": ("a job's title", 200), "reference": ("a reference", 100),
          "department": ("a department", 200)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    title: str
    reference: str
    department: str
    status: str
    version: int

    @classmethod
    def of(cls, row: t.Job) -> JobView:
        return cls(row.id, row.title, row.reference, row.department, row.status, row.version)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    if "title" in out and not out["title"]:
        raise InvalidInput("a job needs a title", "title")
    for key, (what, most) in _LINES.items():
        if isinstance(out.get(key), str):
            out[key] = check_line(out[key], key, what, most, required=False)
    if "status" in out and out["status"] not in ("active", "archived"):
        raise InvalidInput("status is 'active' or 'archived'", "status")
    return out


def create_job(
    db: Database, actor: Actor, title: str, reference: str = "", department: str = ""
) -> JobView:
    actor.require("write")
    data = _clean({"title": title, "reference": reference, "department": department})
    with db.transaction() as session:
        row = t.Job(organisation_id=actor.organisation_id, status="active", version=1, **data)
        session.add(row)
        session.flush()
        audit(session, actor, "job.created", "job", row.id, None, snapshot(row, FIELDS))
        return JobView.of(row)


def get_job(db: Database, actor: Actor, job_id: int) -> JobView:
    actor.require("read")
    with db.reading() as session:
        return JobView.of(get_owned(session, t.Job, job_id, actor, "job"))


def update_job(
    db: Database, actor: Actor, job_id: int, version: int, changes: dict[str, Any]
) -> JobView:
    """Apply ``changes`` made against ``version``; a stale version is a Conflict."""
    actor.require("write")
    data = _clean(changes)
    with db.transaction() as session:
        row = get_owned(session, t.Job, job_id, actor, "job", lock=True)
        before = snapshot(row, FIELDS)
        check_version(row, version, "job")
        for key, value in data.items():
            setattr(row, key, value)
        row.updated_at = now()
        audit(session, actor, "job.updated", "job", row.id, before, snapshot(row, FIELDS))
        return JobView.of(row)


def list_jobs(
    db: Database,
    actor: Actor,
    search: str = "",
    status: str | None = None,
    department: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[JobView]:
    actor.require("read")
    most = policy().page_size("list_limit")
    if not 1 <= limit <= most or offset < 0:
        raise InvalidInput(f"limit is 1 to {most} and offset at least 0", "limit")
    query = select(t.Job).where(t.Job.organisation_id == actor.organisation_id)
    if search:
        like = like_pattern(search.lower())  # "%" and "_" are matched as typed
        query = query.where(
            func.lower(t.Job.title).like(like, escape=LIKE_ESCAPE)
            | func.lower(t.Job.reference).like(like, escape=LIKE_ESCAPE)
        )
    if status:
        query = query.where(t.Job.status == status)
    if department:
        query = query.where(t.Job.department == department)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(t.Job.id).offset(offset).limit(limit))
        return Page(tuple(JobView.of(r) for r in rows), total, offset, limit)
