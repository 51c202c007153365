"""The organisation's details (administrators: ``manage-organisation``; anyone else gets
403): its name, postal address and logo, printed at the head of reports and letters.
Each form carries the version it was read at, so a change someone else saved first is a
conflict shown on the page, never lost."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ...services import organisation
from ...services.base import Conflict, Database, InvalidInput
from ...services.organisation import LOGO_MOST_BYTES, OrganisationView
from ..auth import DB
from ..limits import upload_limit
from .deps import PageUser, error_list, field_int, field_text, redirect
from .templating import render

router = APIRouter(include_in_schema=False)

FIELDS = {"name": "name", "address": "address", "logo": "logo", "version": "name"}
SAVED = {
    "details": "The name and address are saved.",
    "logo": "The logo is saved: reports and letters print it.",
    "removed": "The logo is removed from reports and letters.",
}
CONFLICT = (
    "Someone else changed the organisation's details after you opened the page. Your "
    "changes are below and have not been saved: check them, then save again."
)


def _manager(user: PageUser) -> None:
    user.actor.require("manage-organisation")


def _errors(exc: Exception) -> list[dict[str, str]]:
    return [{**e, "text": e["text"][:1].upper() + e["text"][1:]} for e in error_list(exc, FIELDS)]


def _page(
    request: Request,
    user: PageUser,
    db: Database,
    view: OrganisationView,
    values: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    head = organisation.letterhead(db, user.actor.organisation_id)
    return render(
        request,
        "admin/organisation.html",
        {
            "organisation": view,
            "letterhead": head,
            "values": values,
            "errors": errors or [],
            "by_field": {e["href"][1:]: e["text"] for e in errors or []},
            "saved": SAVED.get(request.query_params.get("saved", "")),
            "logo_kb": LOGO_MOST_BYTES // 1024,
            "breadcrumbs": [{"href": "/admin", "text": "Admin"}],
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/admin/organisation")
def organisation_page(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    view = organisation.details(db, user.actor)
    values = {"name": view.name, "address": view.address, "version": view.version}
    return _page(request, user, db, view, values)


@router.post("/admin/organisation")
async def save_details(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    form = await request.form()
    return await run_in_threadpool(_save_details, user, request, db, form)


def _save_details(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    raw = form.get("address")
    values: dict[str, Any] = {
        "name": field_text(form, "name"),
        "address": raw if isinstance(raw, str) else "",
        "version": field_int(form, "version"),
    }
    try:
        if values["version"] is None:
            raise Conflict("the form had no version: reload the page and make your change")
        organisation.update_details(
            db,
            user.actor,
            version=values["version"],
            name=values["name"],
            address=values["address"],
        )
    except Conflict:
        view = organisation.details(db, user.actor)
        values["version"] = view.version
        errors = [{"text": CONFLICT, "href": "#name"}]
        return _page(request, user, db, view, values, errors, 409)
    except InvalidInput as exc:
        view = organisation.details(db, user.actor)
        return _page(request, user, db, view, values, _errors(exc), 422)
    return redirect("/admin/organisation?saved=details")


@router.post("/admin/organisation/logo", dependencies=[upload_limit(LOGO_MOST_BYTES)])
async def upload_logo(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    form = await request.form()
    upload = form.get("logo")
    data = b""
    if isinstance(upload, UploadFile):
        data = await upload.read(LOGO_MOST_BYTES + 1)
    return await run_in_threadpool(_save_logo, user, request, db, form, data)


def _save_logo(
    user: PageUser, request: Request, db: Database, form: FormData, data: bytes
) -> Response:
    view = organisation.details(db, user.actor)
    values = {"name": view.name, "address": view.address, "version": view.version}
    try:
        if not data:
            raise InvalidInput("choose a PNG or JPEG image to upload", "logo")
        organisation.set_logo(db, user.actor, data, field_int(form, "version"))
    except Conflict:
        return _page(request, user, db, view, values, [{"text": CONFLICT, "href": "#logo"}], 409)
    except InvalidInput as exc:
        return _page(request, user, db, view, values, _errors(exc), 422)
    return redirect("/admin/organisation?saved=logo")


@router.post("/admin/organisation/logo/remove")
async def remove_logo(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    form = await request.form()
    return await run_in_threadpool(_remove_logo, user, request, db, form)


def _remove_logo(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    try:
        organisation.remove_logo(db, user.actor, field_int(form, "version"))
    except Conflict:
        view = organisation.details(db, user.actor)
        values = {"name": view.name, "address": view.address, "version": view.version}
        return _page(request, user, db, view, values, [{"text": CONFLICT, "href": "#logo"}], 409)
    return redirect("/admin/organisation?saved=removed")
