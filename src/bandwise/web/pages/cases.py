"""The case pages: the list of cases, a case's page (job, profile, decisions, outcomes,
checks and the actions its status allows) and a case's nearest profiles.

The matching form lives in :mod:`.case_form`, the workflow steps (panel outcome,
consistency check, notification, closing) in :mod:`.case_actions`; both use the
helpers here to read a case with what its pages show beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ... import workflow
from ...policy import policy
from ...profiles.model import Profile
from ...services import accounts, cases, jobs, reviews, suites
from ...services.accounts import UserView
from ...services.base import Database, InvalidInput, RuleViolation
from ...services.case_preview import case_profile, nearest_for_case
from ...services.cases import CaseDetail
from ...services.jobs import JobView
from ...services.sessions import Principal
from ...store import tables as t
from ..auth import DB
from . import labels
from .common import factor_names
from .deps import PageNumber, PageUser, RecordId
from .templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = policy().page_size("cases")

#: The permission each workflow action needs: the workflow table's (read, not copied).
ACTION_PERMISSIONS: dict[str, str] = {a.name: a.permission for a in workflow.TABLE}

SIDE_LABELS = {"management": "management side", "staff-side": "staff side"}


@dataclass(frozen=True, slots=True)
class CaseContext:
    """A case with the job, profile and people its pages name."""

    detail: CaseDetail
    job: JobView
    profile: Profile | None
    suite_title: str
    users: Mapping[int, UserView]
    #: The profile's suite ("" for none) and the library's current version of it: the
    #: version whose wording and rules the form, the live result and the outcome use.
    suite_id: str = ""
    suite_version: int = 0

    @property
    def id(self) -> int:
        return self.detail.case.id

    @property
    def opened_on_other_version(self) -> bool:
        """The case was opened against another version of the suite than the current one
        (the version shown is then not the one the case records until an outcome)."""
        opened = self.detail.case.suite_version
        return bool(self.suite_version) and opened is not None and opened != self.suite_version

    def profile_href(self, version: int | None = None) -> str:
        """The case's profile in the library, pinned to ``version`` (the current one by
        default); "" when the suite is not known."""
        case = self.detail.case
        if not self.suite_id or not case.profile_id:
            return ""
        return (
            f"/library/profiles/{self.suite_id}/{case.profile_id}"
            f"?version={version or self.suite_version}"
        )

    def can(self, principal: Principal, action: str) -> bool:
        """The case's status allows ``action`` and the user's role may do it."""
        return action in self.detail.actions and principal.actor.can(
            workflow.action(action).permission
        )

    def is_checker(self, principal: Principal) -> bool:
        """Whether an administrator made the user a consistency checker."""
        me = self.users.get(principal.actor.user_id)
        return me is not None and me.consistency_checker

    def check_refusal(self, principal: Principal) -> str:
        """Why the user may not check the latest outcome (sat on its panel, recorded it or
        made a factor decision: the service's rule), as a sentence; "" when they may."""
        checker = self.is_checker(principal)
        reason = cases.check_refusal(self.detail, principal.actor.user_id, checker)
        return reason[:1].upper() + reason[1:] + "." if reason else ""

    def name_of(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return user.name if user else "a person no longer listed"


def load_case(db: Database, user: Principal, case_id: int) -> CaseContext:
    """The case (NotFound for another organisation's) with its job, profile and people."""
    actor = user.actor
    detail = cases.get_case(db, actor, case_id)
    job = jobs.get_job(db, actor, detail.case.job_id)
    library = suites.organisation_library(db, actor.organisation_id)
    profile = case_profile(library, detail.case)
    suite = library.suite(detail.case.suite_id or "")
    if suite is None and profile is not None:  # a case recorded without its suite
        suite = library.suite_of(profile)
    users = {u.id: u for u in accounts.list_users(db, actor)}
    return CaseContext(
        detail,
        job,
        profile,
        suite.title if suite else "",
        users,
        suite.id if suite else detail.case.suite_id or "",
        library.version_of(suite.id) if suite else 0,
    )


def case_breadcrumbs(ctx: CaseContext, *extra: tuple[str, str]) -> list[dict[str, str]]:
    crumbs = [
        {"href": "/cases", "text": "Cases"},
        {"href": f"/cases/{ctx.id}", "text": labels.case_name(ctx.detail.case.kind, ctx.job.title)},
    ]
    crumbs += [{"href": href, "text": text} for href, text in extra]
    return crumbs


def case_page_context(db: Database, user: Principal, ctx: CaseContext) -> dict[str, Any]:
    """What the case page shows: the case, the current result of its decisions, the
    actions allowed to this user."""
    detail = ctx.detail
    preview = None
    preview_error = ""
    if detail.case.status != "closed":
        try:
            preview = cases.compute_preview(db, user.actor, ctx.id)
        except RuleViolation as exc:  # the profile is no longer in the library
            preview_error = exc.message
    allowed = [a for a in detail.actions if ctx.can(user, a)]
    if ctx.check_refusal(user):  # someone independent of the outcome checks it
        allowed = [a for a in allowed if a != "record a consistency check"]
    if detail.case.kind == "review":
        related = [r for r in reviews.list_reviews(db, user.actor) if r.review_case_id == ctx.id]
    else:
        related = list(reviews.list_reviews(db, user.actor, case_id=ctx.id))
    open_review = next((r for r in related if r.status == "open"), None)
    return {
        "ctx": ctx,
        "case": detail.case,
        "detail": detail,
        "preview": preview,
        "preview_json": preview.json if preview else None,
        "preview_error": preview_error,
        "allowed": allowed,
        "reviews": related,
        "open_review": open_review,
        "factor_names": factor_names(),
        "side_labels": SIDE_LABELS,
        "breadcrumbs": [{"href": "/cases", "text": "Cases"}],
    }


def render_case_page(
    request: Request,
    db: Database,
    user: Principal,
    case_id: int,
    *,
    errors: Sequence[dict[str, str]] = (),
    values: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = load_case(db, user, case_id)
    context = case_page_context(db, user, ctx)
    context.update({"errors": list(errors), "values": dict(values or {})})
    return render(request, "cases/case.html", context, principal=user, status_code=status_code)


# ---------------------------------------------------------------- routes


@router.get("/cases")
def case_list(
    user: PageUser,
    request: Request,
    db: DB,
    status: str = "",
    kind: str = "",
    page: PageNumber = 1,
) -> Response:
    actor = user.actor
    errors = []
    if status and status not in t.CASE_STATUSES:
        errors.append({"text": f"Choose a status from the list, not {status!r}", "href": "#status"})
        status = ""
    if kind and kind not in t.CASE_KINDS:
        errors.append({"text": f"Choose a kind from the list, not {kind!r}", "href": "#kind"})
        kind = ""
    page = max(page, 1)
    result = cases.list_cases(
        db,
        actor,
        status=status or None,
        kind=kind or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    job_titles = {
        j.id: j for j in jobs.list_jobs(db, actor, limit=policy().page_size("list_limit")).items
    }
    for c in result.items:
        if c.job_id not in job_titles:
            job_titles[c.job_id] = jobs.get_job(db, actor, c.job_id)
    library = suites.organisation_library(db, actor.organisation_id)
    profiles = {}
    for c in result.items:
        profile = case_profile(library, c)
        if profile is not None:
            profiles[c.id] = profile.title
    pages = max(1, -(-result.total // PAGE_SIZE))
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("kind", kind)) if v)
    return render(
        request,
        "cases/list.html",
        {
            "cases": result.items,
            "total": result.total,
            "status": status,
            "kind": kind,
            "statuses": t.CASE_STATUSES,
            "kinds": t.CASE_KINDS,
            "jobs": job_titles,
            "profiles": profiles,
            "page": page,
            "pages": pages,
            "query": query,
            "errors": errors,
        },
        principal=user,
        status_code=422 if errors else 200,
    )


@router.get("/cases/{case_id}")
def case_page(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return render_case_page(request, db, user, case_id)


@router.get("/cases/{case_id}/nearest")
def case_nearest(
    case_id: RecordId, user: PageUser, request: Request, db: DB, top: int = 5
) -> Response:
    ctx = load_case(db, user, case_id)
    if not 1 <= top <= 20:
        raise InvalidInput("show 1 to 20 profiles", "top")
    view = nearest_for_case(db, user.actor, case_id, top=top)
    names = factor_names()
    rows = []
    for n in range(1, 17):
        cells = [p.json["factors"][n - 1] for p in view.profiles]
        rows.append({"number": n, "name": names[n], "job": view.levels[n - 1], "cells": cells})
    return render(
        request,
        "cases/nearest.html",
        {
            "ctx": ctx,
            "case": ctx.detail.case,
            "view": view,
            "rows": rows,
            "top": top,
            "breadcrumbs": case_breadcrumbs(ctx),
        },
        principal=user,
    )
