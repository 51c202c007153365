"""The workflow steps of a case after the form: record the panel outcome (date sat,
today's offered; members picked from the accounts that sit for a side, grouped by side,
and guests typed in by name, side and organisation; the panel's rationale), the
consistency check (confirm, or return with reasons),
the notification and closing. Each step is the service's; a rule it refuses (a panel
without a staff-side member, a factor undecided, a failing match, a stale version) is
shown in the error summary with the typed input kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from ...clock import uk_day
from ...services import cases, outcome_review
from ...services.accounts import SIDES
from ...services.base import Conflict, Database, InvalidInput, RuleViolation
from ...services.fields import digits
from ...services.sessions import Principal
from ..auth import DB
from .cases import SIDE_LABELS, case_breadcrumbs, load_case, render_case_page
from .deps import (
    PageUser,
    RecordId,
    error_list,
    field_text,
    form_version,
    parse_date,
    redirect,
)
from .templating import render

router = APIRouter(include_in_schema=False)

#: Errors the forms show (others: the error page with their own status).
FORM_ERRORS = (InvalidInput, RuleViolation, Conflict)


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, Conflict) else 422


def _date_values(form: FormData, prefix: str) -> dict[str, str]:
    return {f"{prefix}_{p}": field_text(form, f"{prefix}_{p}") for p in ("day", "month", "year")}


#: Blank guest rows the outcome form offers (more appear when these are all filled in).
GUEST_ROWS = 3
MAX_GUEST_ROWS = 20


def _today_values(prefix: str) -> dict[str, str]:
    """Today's date (in the UK) in the NHS date input's three boxes."""
    today = uk_day(dt.datetime.now(dt.UTC))
    return {f"{prefix}_day": str(today.day), f"{prefix}_month": str(today.month),
            f"{prefix}_year": str(today.year)}  # fmt: skip


def _guest_rows(form: FormData) -> list[dict[str, str]]:
    """The guest rows typed in (name, side, organisation), in order; blank rows dropped."""
    rows = []
    for n in range(1, MAX_GUEST_ROWS + 1):
        row = {k: field_text(form, f"guest_{k}_{n}") for k in ("name", "side", "organisation")}
        if any(v.strip() for v in row.values()):
            rows.append(row)
    return rows


# ---------------------------------------------------------------- panel outcome


def _render_outcome(
    request: Request,
    db: Database,
    user: Principal,
    case_id: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Sequence[dict[str, str]] = (),
    status_code: int = 200,
) -> Response:
    ctx = load_case(db, user, case_id)
    preview = cases.compute_preview(db, user.actor, case_id)
    sitting = sorted((u for u in ctx.users.values() if u.may_sit_on_panels), key=lambda u: u.name)
    groups = [
        {"side": side, "label": SIDE_LABELS[side], "people": [u for u in sitting if u.side == side]}
        for side in SIDES
    ]
    no_side = [u.name for u in ctx.users.values() if u.active and u.role != "viewer" and not u.side]
    values = dict(values or {}) or _today_values("sat_on")
    chosen = {str(x) for x in values.get("members", ())}
    guests = list(values.get("guests", ()))
    guests += [{"name": "", "side": "", "organisation": ""}] * max(
        GUEST_ROWS - len(guests), 1 if len(guests) < MAX_GUEST_ROWS else 0
    )
    return render(
        request,
        "cases/outcome.html",
        {
            "ctx": ctx,
            "case": ctx.detail.case,
            "preview": preview,
            "groups": groups,
            "no_side": no_side,
            "chosen": chosen,
            "guests": guests,
            "max_rationale": cases.MAX_RATIONALE,
            "values": values,
            "errors": list(errors),
            "side_labels": SIDE_LABELS,
            "allowed": ctx.can(user, "record a panel outcome"),
            "breadcrumbs": case_breadcrumbs(ctx),
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/cases/{case_id}/outcome")
def outcome_form(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return _render_outcome(request, db, user, case_id)


def _record_outcome(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    values: dict[str, Any] = _date_values(form, "sat_on")
    raw_members = [m for m in form.getlist("members") if isinstance(m, str)]
    values["members"] = raw_members
    rows = _guest_rows(form)
    values["guests"] = rows
    values["rationale"] = field_text(form, "rationale")
    try:
        version = form_version(form)
        sat_on = parse_date(values, "sat_on", "The date the panel sat")
        if sat_on is None:
            raise InvalidInput("Enter the date the panel sat", "sat_on")
        member_ids = [int(m) for m in raw_members if digits(m)]
        guests = [cases.Guest(r["name"], r["side"], r["organisation"]) for r in rows]
        cases.record_panel_outcome(
            db, user.actor, case_id, version, sat_on, member_ids, guests, values["rationale"]
        )
    except FORM_ERRORS as exc:
        fields = {"sat_on": "sat_on-day", "members": "members", "levels": "levels"}
        fields |= {f"guests[{n}]": f"guest_name_{n}" for n in range(1, len(rows) + 1)}
        fields |= {"guests": "guest_name_1", "rationale": "rationale"}
        errors = error_list(exc, fields)
        return _render_outcome(
            request, db, user, case_id, values=values, errors=errors, status_code=_status(exc)
        )
    return redirect(f"/cases/{case_id}?done=outcome")


@router.post("/cases/{case_id}/outcome")
async def outcome_post(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_record_outcome, request, db, user, case_id, form)


# ---------------------------------------------------------------- consistency check


def _render_check(
    request: Request,
    db: Database,
    user: Principal,
    case_id: int,
    *,
    values: Mapping[str, str] | None = None,
    errors: Sequence[dict[str, str]] = (),
    status_code: int = 200,
) -> Response:
    ctx = load_case(db, user, case_id)
    outcome = ctx.detail.outcome
    return render(
        request,
        "cases/check.html",
        {
            "ctx": ctx,
            "case": ctx.detail.case,
            "outcome": outcome,
            # the factor table, boundary distance and similar outcomes the checker compares
            "review": outcome_review.review_outcome(db, user.actor, case_id),
            # why this user may not check (panel, recorder, decisions): the service's rule
            "check_refusal": ctx.check_refusal(user),
            # an administrator refused only for not being a checker may make themselves one
            "grant_self": (
                f"/admin/users/{user.actor.user_id}"
                if user.actor.can("manage-users")
                and not ctx.is_checker(user)
                and not cases.check_refusal(ctx.detail, user.actor.user_id, True)
                else ""
            ),
            "values": dict(values or {}),
            "errors": list(errors),
            "side_labels": SIDE_LABELS,
            "allowed": ctx.can(user, "record a consistency check"),
            "breadcrumbs": case_breadcrumbs(ctx),
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/cases/{case_id}/check")
def check_form(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return _render_check(request, db, user, case_id)


def _record_check(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    values = {"decision": field_text(form, "decision"), "reasons": field_text(form, "reasons")}
    try:
        if not values["decision"]:
            raise InvalidInput("Choose whether to confirm the outcome or return it", "decision")
        cases.consistency_check(
            db,
            user.actor,
            case_id,
            form_version(form),
            values["decision"],
            values["reasons"],
        )
    except FORM_ERRORS as exc:
        errors = error_list(exc, {"decision": "decision-approved", "reasons": "reasons"})
        return _render_check(
            request, db, user, case_id, values=values, errors=errors, status_code=_status(exc)
        )
    return redirect(f"/cases/{case_id}?done=check")


@router.post("/cases/{case_id}/check")
async def check_post(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_record_check, request, db, user, case_id, form)


# ---------------------------------------------------------------- notification, close


def _notify(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    values = _date_values(form, "notified")
    try:
        on = parse_date(
            {k.replace("notified_", "notified_on_"): v for k, v in values.items()},
            "notified_on",
            "The notification date",
        )
        cases.notify(db, user.actor, case_id, form_version(form), on)
    except FORM_ERRORS as exc:
        return render_case_page(
            request,
            db,
            user,
            case_id,
            errors=error_list(exc, {"notified_on": "notified_on"}),
            values=values,
            status_code=_status(exc),
        )
    # the notification is when a team writes to the jobholder: offer the letters next
    return redirect(f"/cases/{case_id}/letters?done=notified")


@router.post("/cases/{case_id}/notification")
async def notification_post(
    case_id: RecordId, user: PageUser, request: Request, db: DB
) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_notify, request, db, user, case_id, form)


def _close(
    request: Request, db: Database, user: Principal, case_id: int, form: FormData
) -> Response:
    reason = field_text(form, "reason")
    try:
        cases.close(db, user.actor, case_id, form_version(form), reason)
    except FORM_ERRORS as exc:
        return render_case_page(
            request,
            db,
            user,
            case_id,
            errors=error_list(exc, {"reason": "reason"}),
            values={"reason": reason},
            status_code=_status(exc),
        )
    return redirect(f"/cases/{case_id}?done=closed")


@router.post("/cases/{case_id}/close")
async def close_post(case_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    return await run_in_threadpool(_close, request, db, user, case_id, form)
