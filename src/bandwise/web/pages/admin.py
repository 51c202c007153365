"""Administration (the manage-users permission: administrators only; anyone else gets 403):
the organisation's users, adding one (a one-time password shown once), changing a user's
role, side or whether the account is active (with the version read, so a change someone
else saved first is a conflict), resetting a password; the overview names the matching
rule set and scheme edition in force (the rule set's own pages: :mod:`.admin_rules`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...scheme.loader import load_scheme
from ...services import accounts, register, rule_sets
from ...services.accounts import ROLES, SIDES, UserView
from ...services.base import Conflict, Database, InvalidInput, RuleViolation
from ..auth import DB
from .deps import PageUser, RecordId, error_list, field_int, field_text, parse_date, redirect
from .templating import render

router = APIRouter(include_in_schema=False)

USER_FIELDS = {
    "email": "email",
    "name": "name",
    "role": "role",
    "side": "side",
    "active": "active",
    "consistency_checker": "consistency_checker",
    "trained_on": "trained_on",
}


def _admin(user: PageUser) -> None:
    user.actor.require("manage-users")


def _errors(exc: Exception) -> list[dict[str, str]]:
    return [
        {**e, "text": e["text"][:1].upper() + e["text"][1:]} for e in error_list(exc, USER_FIELDS)
    ]


@router.get("/admin")
def admin_home(user: PageUser, request: Request, db: DB) -> Response:
    _admin(user)
    return render(
        request,
        "admin/index.html",
        {
            "users": accounts.list_users(db, user.actor),
            "organisation": accounts.get_organisation(db, user.actor).name,
            "setup_name": accounts.SETUP_ORGANISATION_NAME,
            "rules": rule_sets.current(db, user.actor).rules,
            "edition": load_scheme().edition,
        },
        principal=user,
    )


# ---------------------------------------------------------------- users


def _side(form: FormData) -> str | None:
    """The side chosen ("none" and nothing chosen: no side; a practitioner is then told
    to choose one, on the field)."""
    side = field_text(form, "side")
    return side if side and side != "none" else None


def _form_values(form: FormData, *names: str) -> dict[str, Any]:
    values: dict[str, Any] = {k: field_text(form, k) for k in (*names, "side")}
    values["consistency_checker"] = field_text(form, "consistency_checker") == "yes"
    for part in ("day", "month", "year"):
        values[f"trained_on_{part}"] = field_text(form, f"trained_on_{part}")
    return values


def _user_form(
    request: Request,
    user: PageUser,
    values: dict[str, Any],
    *,
    target: UserView | None = None,
    errors: list[dict[str, str]] | None = None,
    password: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/user.html",
        {
            "target": target,
            "values": values,
            "errors": errors or [],
            "by_field": {e["href"][1:]: e["text"] for e in errors or []},
            "roles": ROLES,
            "sides": SIDES,
            "password": password,
            "saved": request.query_params.get("saved") == "1",
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/admin/users/new")
def new_user(user: PageUser, request: Request) -> Response:
    _admin(user)
    values = {"email": "", "name": "", "role": "practitioner", "consistency_checker": False}
    return _user_form(request, user, values)


@router.post("/admin/users/new")
async def create_user(user: PageUser, request: Request, db: DB) -> Response:
    """Answered with a page showing the one-time password once (never in a URL)."""
    _admin(user)
    form = await request.form()
    return await run_in_threadpool(_create_user, user, request, db, form)


def _create_user(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    values = _form_values(form, "email", "name", "role")
    try:
        created, password = accounts.create_user(
            db,
            user.actor,
            values["email"],
            values["name"],
            values["role"],
            _side(form),
            values["consistency_checker"],
        )
    except (InvalidInput, Conflict) as exc:
        return _user_form(request, user, values, errors=_errors(exc), status_code=exc.status)
    return render(
        request,
        "admin/password.html",
        {"target": created, "password": password, "created": True},
        principal=user,
        status_code=201,
    )


def _values(target: UserView, trained_on: dt.date | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": target.name,
        "email": target.email,
        "role": target.role,
        "active": "yes" if target.active else "no",
        "consistency_checker": target.consistency_checker,
        "side": target.side or "none",
        "version": target.version,
    }
    if trained_on is not None:
        values |= {
            "trained_on_day": str(trained_on.day),
            "trained_on_month": str(trained_on.month),
            "trained_on_year": str(trained_on.year),
        }
    return values


@router.get("/admin/users/{user_id}")
def edit_user(user_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    _admin(user)
    target = accounts.get_user(db, user.actor, user_id)
    trained_on = register.je_training_of(db, user.actor, user_id)
    return _user_form(request, user, _values(target, trained_on), target=target)


@router.post("/admin/users/{user_id}")
async def update_user(user_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    _admin(user)
    form = await request.form()
    return await run_in_threadpool(_update_user, user_id, user, request, db, form)


def _update_user(
    user_id: int, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    target = accounts.get_user(db, user.actor, user_id)
    values = _form_values(form, "name", "role", "active")
    values["email"] = target.email
    version = field_int(form, "version")
    values["version"] = version
    changes = {
        "name": values["name"],
        "role": values["role"],
        "side": _side(form),
        "active": values["active"] != "no",
        "consistency_checker": values["consistency_checker"],
    }
    try:
        if version is None:
            raise Conflict("the form had no version: reload the user and make your change")
        trained_on = parse_date(values, "trained_on", "The training date")
        accounts.update_user(db, user.actor, user_id, version, changes)
        if trained_on != register.je_training_of(db, user.actor, user_id):
            register.set_je_training(db, user.actor, user_id, trained_on)
    except Conflict:
        current = accounts.get_user(db, user.actor, user_id)
        values["version"] = current.version
        errors = [
            {
                "text": "Someone else changed this user after you opened the page. Your "
                "changes are below and have not been saved: check them, then save again.",
                "href": "#name",
            }
        ]
        return _user_form(request, user, values, target=current, errors=errors, status_code=409)
    except (InvalidInput, RuleViolation) as exc:
        errors = _errors(exc)
        return _user_form(request, user, values, target=target, errors=errors, status_code=422)
    return redirect(f"/admin/users/{user_id}?saved=1")


@router.post("/admin/users/{user_id}/password")
def reset_password(user_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    """A new one-time password, shown once on the answer page."""
    _admin(user)
    target = accounts.get_user(db, user.actor, user_id)
    password = accounts.reset_password(db, user.actor, user_id)
    return render(
        request,
        "admin/password.html",
        {"target": target, "password": password, "created": False},
        principal=user,
    )
