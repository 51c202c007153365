"""The JE register and the quarterly JE KPI return, as pages.

``/register`` lists every job with its staff group, band in force, JD dates, postholders
and open cases; ``/register/import`` uploads a CSV or XLSX file, shows a preview (what
would be created, updated, and each bad row) and imports on confirmation. The preview
carries the rows it read in a hidden field, and the import checks them again, so a
changed form can do no more than a new upload. ``/returns/je-kpi`` shows a quarter's
return with the jobs behind each figure, the gaps, the previous quarter, and (for a JE
lead) the board readiness answers, estimated flags, SRO sign-off and submission.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from ...errors import InvalidInput, ServiceError
from ...returns.export import audit_html, audit_xlsx, evidence_lines, return_xlsx
from ...returns.rules import (
    BANDS,
    Quarter,
    board_readiness_statements,
    find_staff_group,
    staff_groups,
)
from ...services import jd_reviews, je_audit, je_returns, register
from ...services.base import Database, now
from ...services.register_import import MAX_BYTES, import_register, read_bytes
from ..auth import DB
from ..limits import upload_limit
from .deps import (
    PageNumber,
    PageUser,
    RecordId,
    error_list,
    field_int,
    field_text,
    parse_date,
    redirect,
)
from .labels import jd_review_result_label
from .templating import render

router = APIRouter(include_in_schema=False)

#: Jobs a register page shows (a large trust has thousands).
PAGE_SIZE = 100

TABLE_TITLES = {
    "nm_job_descriptions": "Nursing and midwifery job descriptions in use",
    "nm_staff_reviewed": "Nursing and midwifery staff reviewed against job descriptions",
}
FIGURE_TITLES = {
    "in_use": "In use",
    "reviewed_3y": "Reviewed in the last 3 years",
    "reviewed_12m": "Reviewed in the last 12 months",
    "staff_reviewed": "Staff whose JDs were reviewed",
    "increase": "Band increased",
    "decrease": "Band decreased",
    "no_change": "No change",
}


def staff_group_name(group_id: str | None) -> str:
    group = find_staff_group(group_id) if group_id else None
    return group.name if group else ""


@router.get("/register")
def register_page(
    user: PageUser, request: Request, db: DB, group: str = "", page: PageNumber = 1
) -> Response:
    """The register, :data:`PAGE_SIZE` jobs a page, optionally one staff group's
    (``group=none``: jobs with no staff group)."""
    entries = register.list_register(db, user.actor)
    if group:
        wanted = None if group == "none" else group
        entries = [e for e in entries if e.staff_group == wanted]
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [{"entry": e, "group": staff_group_name(e.staff_group)} for e in shown]

    def page_url(number: int) -> str:
        return "/register?" + urlencode({"group": group, "page": number})

    context = {
        "rows": rows,
        "total": len(entries),
        "group": group,
        "groups": staff_groups(),
        "page": page,
        "pages": pages,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < pages else None,
    }
    return render(request, "register/list.html", context, principal=user)


@router.get("/register/import")
def import_form(user: PageUser, request: Request) -> Response:
    return render(request, "register/import.html", {"errors": [], "preview": None}, principal=user)


@router.post("/register/import", dependencies=[upload_limit(3 * MAX_BYTES)])
async def import_post(user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_import, user, request, db, form)


def _import(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    confirm = field_text(form, "action") == "import"
    try:
        if confirm:
            rows = _rows_field(field_text(form, "rows"))
        else:
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput("select a CSV or XLSX file to import", "file")
            rows = read_bytes(upload.file.read(MAX_BYTES + 1), upload.filename)
        skip_bad = field_text(form, "skip_bad") == "yes"
        result = import_register(db, user.actor, rows, dry_run=not confirm, skip_bad=skip_bad)
    except ServiceError as exc:
        refused: dict[str, Any] = {"errors": error_list(exc, {"file": "file"}), "preview": None}
        return render(
            request, "register/import.html", refused, principal=user, status_code=exc.status
        )
    if confirm and result.imported:
        return redirect("/register?imported=1")
    context: dict[str, Any] = {
        "errors": [],
        "preview": result,
        "rows_json": json.dumps(rows, ensure_ascii=True),
        "skip_bad": skip_bad,
    }
    status = 422 if confirm else 200
    return render(request, "register/import.html", context, principal=user, status_code=status)


def _rows_field(text: str) -> list[tuple[int, dict[str, str]]]:
    """The preview's rows back from the hidden field; anything else is refused."""
    problem = InvalidInput("the preview has expired: upload the file again", "file")
    try:
        data = json.loads(text)
    except ValueError:
        raise problem from None
    if not isinstance(data, list):
        raise problem
    rows: list[tuple[int, dict[str, str]]] = []
    for item in data:
        ok = isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
        if not ok or not isinstance(item[1], dict):
            raise problem
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in item[1].items()):
            raise problem
        rows.append((item[0], item[1]))
    return rows


@router.get("/register/{job_id}")
def entry_page(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return _entry_page(job_id, user, request, db, [])


def _entry_page(
    job_id: int,
    user: PageUser,
    request: Request,
    db: Database,
    errors: list[dict[str, str]],
    status: int = 200,
) -> Response:
    entry = register.get_entry(db, user.actor, job_id)
    context = {
        "errors": errors,
        "e": entry,
        "group": staff_group_name(entry.staff_group),
        "groups": staff_groups(),
        "bands": BANDS,
        "history": register.postholder_history(db, user.actor, job_id),
        "reviews": jd_reviews.list_jd_reviews(db, user.actor, job_id),
        "results": jd_reviews.RESULTS,
        "result_label": jd_review_result_label,
    }
    return render(request, "register/entry.html", context, principal=user, status_code=status)


async def _entry_action(
    job_id: int, action: str, user: PageUser, request: Request, db: Database
) -> Response:
    form = await request.form()
    return await run_in_threadpool(_entry_post, job_id, action, user, request, db, form)


@router.post("/register/{job_id}/fields")
async def entry_fields(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return await _entry_action(job_id, "fields", user, request, db)


@router.post("/register/{job_id}/postholders")
async def entry_postholders(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return await _entry_action(job_id, "postholders", user, request, db)


@router.post("/register/{job_id}/review")
async def entry_review(job_id: RecordId, user: PageUser, request: Request, db: DB) -> Response:
    return await _entry_action(job_id, "review", user, request, db)


def _entry_post(
    job_id: int, action: str, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    actor = user.actor
    try:
        if action == "fields":
            register.update_register(
                db, actor, job_id,
                {
                    "staff_group": field_text(form, "staff_group") or None,
                    "band": field_text(form, "band") or None,
                    "jd_written": _date(form, "jd_written", "The date the JD was written"),
                    "jd_last_reviewed": _date(form, "jd_last_reviewed", "The JD's last review"),
                },
            )  # fmt: skip
        elif action == "postholders":
            as_at = _date(form, "as_at", "The postholders' date")
            headcount = field_int(form, "headcount")
            if as_at is None or headcount is None:
                raise InvalidInput("enter the date, the headcount and the WTE", "as_at")
            register.record_postholders(
                db, actor, job_id, as_at, headcount, field_text(form, "wte")
            )
        elif action == "review":
            day = _date(form, "reviewed_on", "The review date")
            if day is None:
                raise InvalidInput("enter the date the JD was reviewed", "reviewed_on")
            jd_reviews.record_jd_review(
                db, actor, job_id, day, field_text(form, "reviewer"), field_text(form, "result"),
                staff_affected=field_int(form, "staff_affected") or 0,
                band_before=field_text(form, "band_before") or None,
                band_after=field_text(form, "band_after") or None,
                case_id=field_int(form, "case_id"),
                notes=field_text(form, "notes"),
            )  # fmt: skip
        else:
            raise InvalidInput(f"no action {action!r} on a register entry", "action")
    except ServiceError as exc:
        return _entry_page(job_id, user, request, db, error_list(exc), exc.status)
    return redirect(f"/register/{job_id}")


def _date(form: FormData, field: str, label: str) -> dt.date | None:
    """A date typed in the NHS date input's three boxes (``field_day`` ...)."""
    boxes = {f"{field}_{p}": field_text(form, f"{field}_{p}") for p in ("day", "month", "year")}
    return parse_date(boxes, field, label)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _latest_quarter() -> str:
    today = now().date()
    quarter = Quarter(today.year, (today.month - 1) // 3 + 1)
    return str(quarter.previous())


@router.get("/returns/je-kpi")
def return_page(user: PageUser, request: Request, db: DB, quarter: str = "") -> Response:
    return _return_page(user, request, db, quarter or _latest_quarter(), [])


def _return_page(
    user: PageUser,
    request: Request,
    db: Database,
    quarter: str,
    errors: list[dict[str, str]],
    status: int = 200,
) -> Response:
    try:
        payload = je_returns.je_kpi_return(db, user.actor, quarter, detail=True)
    except ServiceError as exc:
        refused = {"errors": error_list(exc, {"quarter": "quarter"}), "quarter": quarter[:7]}
        return render(
            request,
            "register/return.html",
            refused | {"payload": None},
            principal=user,
            status_code=exc.status,
        )
    statements = board_readiness_statements()
    context: dict[str, Any] = {
        "errors": errors,
        "quarter": quarter,
        "payload": payload,
        "statements": list(zip(statements, payload["board_readiness"], strict=True)),
        "table_titles": TABLE_TITLES,
        "figure_titles": FIGURE_TITLES,
        "lead": user.actor.role in ("admin", "je-lead"),
        "as_at": dt.date.fromisoformat(payload["as_at"]),
        "signed_on": _day(payload["sro_signoff"]["on"]),
    }
    return render(request, "register/return.html", context, principal=user, status_code=status)


@router.get("/returns/je-kpi.xlsx")
def return_download(user: PageUser, db: DB, quarter: str = "") -> Response:
    payload = je_returns.je_kpi_return(db, user.actor, quarter or _latest_quarter(), detail=True)
    return Response(
        return_xlsx(payload),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="je-kpi-{payload["quarter"]}.xlsx"'},
    )


async def _return_action(
    quarter: str, action: str, user: PageUser, request: Request, db: Database
) -> Response:
    form = await request.form()
    return await run_in_threadpool(_return_post, quarter[:7], action, user, request, db, form)


@router.post("/returns/je-kpi/{quarter}/readiness")
async def return_readiness(quarter: str, user: PageUser, request: Request, db: DB) -> Response:
    return await _return_action(quarter, "readiness", user, request, db)


@router.post("/returns/je-kpi/{quarter}/estimated")
async def return_estimated(quarter: str, user: PageUser, request: Request, db: DB) -> Response:
    return await _return_action(quarter, "estimated", user, request, db)


@router.post("/returns/je-kpi/{quarter}/signoff")
async def return_signoff(quarter: str, user: PageUser, request: Request, db: DB) -> Response:
    return await _return_action(quarter, "signoff", user, request, db)


@router.post("/returns/je-kpi/{quarter}/submit")
async def return_submit(quarter: str, user: PageUser, request: Request, db: DB) -> Response:
    return await _return_action(quarter, "submit", user, request, db)


def _return_post(
    quarter: str, action: str, user: PageUser, request: Request, db: Database, form: FormData
) -> Response:
    actor = user.actor
    try:
        if action == "readiness":
            answers = {s.id: (field_text(form, s.id) or None) for s in board_readiness_statements()}
            je_returns.set_board_readiness(db, actor, quarter, answers)
        elif action == "estimated":
            je_returns.set_estimated(
                db, actor, quarter, field_text(form, "table"), field_text(form, "band"),
                field_text(form, "reason"),
            )  # fmt: skip
        elif action == "signoff":
            day = _date(form, "confirmed_on", "The sign-off date")
            if day is None:
                raise InvalidInput("enter the date the SRO approved the data", "confirmed_on")
            je_returns.record_sro_signoff(db, actor, quarter, field_text(form, "sro_name"), day)
        elif action == "submit":
            je_returns.submit_return(db, actor, quarter)
        else:
            raise InvalidInput(f"no action {action!r} on a return", "action")
    except ServiceError as exc:
        return _return_page(user, request, db, quarter, error_list(exc), exc.status)
    return redirect(f"/returns/je-kpi?quarter={quarter}")


def _audit_period(start: str, end: str) -> tuple[dt.date, dt.date]:
    """The period asked for, by default the last financial year that has ended."""
    today = now().date()
    year = today.year if today.month >= 4 else today.year - 1
    first = _iso(start, "from") or dt.date(year - 1, 4, 1)
    last = _iso(end, "to") or dt.date(year, 3, 31)
    return first, last


def _iso(text: str, field: str) -> dt.date | None:
    return parse_date({field: text}, field, f"The {field} date", iso=True) if text else None


@router.get("/returns/je-audit")
def audit_page(
    user: PageUser, request: Request, db: DB, start: str = Query("", alias="from"),
    end: str = Query("", alias="to"),
) -> Response:  # fmt: skip
    try:
        first, last = _audit_period(start, end)
        audit = je_audit.practices_audit(db, user.actor, first, last)
    except ServiceError as exc:
        context: dict[str, Any] = {"errors": error_list(exc), "audit": None}
        context |= {"start": start[:10], "end": end[:10]}
        return render(
            request, "register/audit.html", context, principal=user, status_code=exc.status
        )
    items = [(item, evidence_lines(item["evidence"])) for item in audit["statements"]]
    context = {
        "errors": [],
        "audit": audit,
        "items": items,
        "start": audit["from"],
        "end": audit["to"],
    }
    return render(request, "register/audit.html", context, principal=user)


@router.get("/returns/je-audit.pdf")
def audit_pdf(
    user: PageUser, db: DB, start: str = Query("", alias="from"), end: str = Query("", alias="to")
) -> Response:
    return _audit_download("pdf", user, db, start, end)


@router.get("/returns/je-audit.xlsx")
def audit_xlsx_download(
    user: PageUser, db: DB, start: str = Query("", alias="from"), end: str = Query("", alias="to")
) -> Response:
    return _audit_download("xlsx", user, db, start, end)


def _audit_download(fmt: str, user: PageUser, db: Database, start: str, end: str) -> Response:
    first, last = _audit_period(start, end)
    audit = je_audit.practices_audit(db, user.actor, first, last)
    name = f"je-practices-{audit['from']}-{audit['to']}"
    if fmt == "pdf":
        from ..report_pdf import html_to_pdf

        content, media = html_to_pdf(audit_html(audit)), "application/pdf"
    elif fmt == "xlsx":
        content = audit_xlsx(audit)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise InvalidInput("the practices audit downloads as .pdf or .xlsx", "format")
    return Response(
        content, media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )  # fmt: skip


@router.post("/returns/je-audit/training")
async def record_training(user: PageUser, request: Request, db: DB) -> Response:
    form = await request.form()
    return await run_in_threadpool(_record_training, user, request, db, form)


def _record_training(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    person = field_int(form, "user_id")
    try:
        day = _date(form, "trained_on", "The training date")
        if person is None:
            raise InvalidInput("choose the person", "user_id")
        register.set_je_training(db, user.actor, person, day)
    except ServiceError as exc:
        return render(
            request, "register/audit.html", {"errors": error_list(exc), "audit": None},
            principal=user, status_code=exc.status,
        )  # fmt: skip
    return redirect("/returns/je-audit")
