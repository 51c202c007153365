"""Who is using a page, and the form helpers every page shares.

Pages use the browser session cookie only (never an API token). A request without a
live session is redirected to the sign-in page (``?next=`` brings the user back); a user
who must change a one-time password is sent to the password page first. Every POST must
carry the session's CSRF token in the ``csrf_token`` form field (or the ``X-CSRF-Token``
header, which htmx sends from the page's ``hx-headers``), and must come from this site
when the browser says where it came from (``Origin``, else ``Referer``; ``Origin: null``
is refused): a cross-site form post is refused before anything is read.

Page routes take ``user: PageUser`` (a signed-in :class:`Principal` whose password is
settled) and ``db: DB``; ``user.actor`` is what the services take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from ...errors import PageRedirect as PageRedirect  # re-exported
from ...services import sessions
from ...services.base import Conflict, InvalidInput
from ...services.fields import DATE_MAX, DATE_MIN
from ...services.sessions import Principal
from ..auth import (  # check_origin: the one place that decides what is this site
    SESSION_COOKIE,
    _check_csrf,
    check_origin,
    get_db,
    get_settings,
    token_from_cookie,
)
from ..models import MAX_INT

#: A record's id in a page address (``/cases/{case_id}``): a number the database can hold,
#: so ``/cases/99999999999999999999`` is a clear 422 page rather than a database overflow.
RecordId = Annotated[int, Path(ge=1, le=MAX_INT)]
#: ``?page=`` of a paged list: at least 1, and small enough that the offset still fits.
PageNumber = Annotated[int, Query(ge=1, le=MAX_INT // 1000)]
#: ``?document=`` naming one of the job's documents (absent means none chosen).
OptionalRecordId = Annotated[int | None, Query(ge=1, le=MAX_INT)]
#: The years a date typed into a page may fall in (beyond them it is a typing slip).
FIRST_YEAR, LAST_YEAR = DATE_MIN.year, DATE_MAX.year  # the services' date rule


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (``/cases/3``), never ``//evil`` or ``https://...``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def session_principal(request: Request) -> Principal | None:
    """The signed-in user of this browser, or None (no redirect)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    token = token_from_cookie(get_settings(request).secret_key, cookie)
    if not token:
        return None
    return sessions.resolve_session(get_db(request), token)


async def _signed_in_page(request: Request) -> Principal:
    from starlette.concurrency import run_in_threadpool

    principal = await run_in_threadpool(session_principal, request)
    if principal is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            here = "/"
        raise PageRedirect(f"/sign-in?next={quote(here, safe='/')}")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_origin(request)
        await _check_csrf(request, principal)
    return principal


async def _page_user(principal: Annotated[Principal, Depends(_signed_in_page)]) -> Principal:
    if principal.must_change_password:
        raise PageRedirect("/account/password")
    return principal


#: Any signed-in browser user, even one who must still change a one-time password.
PageSignedIn = Annotated[Principal, Depends(_signed_in_page)]
#: A signed-in browser user whose password is settled: what almost every page takes.
PageUser = Annotated[Principal, Depends(_page_user)]


def redirect(location: str) -> RedirectResponse:
    """After a successful POST: 303 so the browser GETs the next page (no resubmission)."""
    return RedirectResponse(location, status_code=303)


def field_text(form: FormData, name: str, default: str = "") -> str:
    """A text field of a submitted form ('' when absent; files are not text)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def field_int(form: FormData, name: str) -> int | None:
    """An integer field, or None when empty, not a number, or beyond what the database
    holds (the service then says why; a huge number must never reach a query)."""
    text = field_text(form, name)
    if len(text) > 11 or not text.isascii():  # int() also reads "٥" and "５"
        return None
    try:
        number = int(text)
    except ValueError:
        return None
    return number if -MAX_INT <= number <= MAX_INT else None


def error_list(exc: Exception, field_ids: dict[str, str] | None = None) -> list[dict[str, str]]:
    """An NHS error summary list from a service error: the field it names links to the
    form control (``field_ids`` maps service field names to element ids)."""
    field = getattr(exc, "field", None)
    message = getattr(exc, "message", None) or str(exc)
    target = (field_ids or {}).get(field or "", field or "")
    return [{"text": message, "href": f"#{target}" if target else "#maincontent"}]


def parse_date(
    values: Mapping[str, str], field: str, label: str, *, iso: bool = False
) -> dt.date | None:
    """The one date parser of the pages: the NHS date input's three boxes
    (``{field}_day``, ``{field}_month``, ``{field}_year``) or, with ``iso``, one
    ``YYYY-MM-DD`` text in ``values[field]``. None when nothing was typed; an
    InvalidInput naming ``field`` when it is not a real date between 1900 and 2100
    (huge numbers included: they must never reach the database)."""
    example = "2026-10-01" if iso else "1 10 2026"
    problem = InvalidInput(
        f"{label} must be a real date between {FIRST_YEAR} and {LAST_YEAR}, for example {example}",
        field,
    )
    if iso:
        text = (values.get(field) or "").strip()
        if not text:
            return None
        if len(text) > 10:
            raise problem
        try:
            date = dt.date.fromisoformat(text)
        except (ValueError, OverflowError):
            raise problem from None
    else:
        parts = [(values.get(f"{field}_{p}") or "").strip() for p in ("day", "month", "year")]
        if not any(parts):
            return None
        if any(len(p) > 4 or not (p.isascii() and p.isdigit()) for p in parts):
            raise problem
        try:
            day, month, year = (int(p) for p in parts)
            date = dt.date(year, month, day)
        except (ValueError, OverflowError):
            raise problem from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise problem
    return date


def form_version(form: FormData) -> int:
    """The case version a workflow form was read at. A form without one (or with
    garbage) is refused: saving it would skip the check that nobody changed the case
    meanwhile."""
    version = field_int(form, "version")
    if version is None or version < 1:
        raise Conflict(
            "This form did not say which version of the case it was read from, so nothing "
            "has been saved: reload the page and try again"
        )
    return version
