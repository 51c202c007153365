"""One error shape for every failure: ``{"error": {"code", "message", "field"}}``.

* a :class:`~bandwise.services.base.ServiceError` answers with its own ``status``,
  ``code`` and ``field`` (403 forbidden, 404 not-found, 409 conflict, 422 ...);
* a request that does not fit the input model is 422 ``invalid-input`` naming the
  field (``title``, ``levels.3``; query and path parameters by name);
* any other bandwise error (a level that does not parse, an unknown profile) is 422;
* a database error that is the storage's fault (a full disk, a read-only file, a server
  out of reach) is a 503 ``storage-unavailable`` saying which, with a log reference;
* an unexpected exception is a 500 ``internal-error`` with a reference to the server
  log; the traceback is logged, never sent, and the connection stays open.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BandwiseError, UnknownProfileError
from ..services.accounts import TooManyAttempts
from ..services.base import ServiceError

log = logging.getLogger("bandwise.web")

_HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-attempts",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    """What every error response carries."""

    error: ErrorDetail


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers=headers,
    )


#: How routers describe their error responses in the OpenAPI document.
Responses = dict[int | str, dict[str, Any]]

#: Error responses to list in the OpenAPI document of every operation.
ERROR_RESPONSES: Responses = {
    401: {"model": ErrorBody, "description": "Not signed in, or the credentials are not valid"},
    403: {"model": ErrorBody, "description": "The role may not do this, or CSRF check failed"},
    422: {"model": ErrorBody, "description": "The input does not fit (the field is named)"},
}


def _field(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or None


def _message(error: dict[str, Any]) -> str:
    where = _field(error.get("loc", ()))
    text = str(error.get("msg", "invalid value"))
    return f"{where}: {text}" if where else text


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong, before it is answered as JSON (the API) or as an HTML page."""

    status: int
    code: str
    message: str
    field: str | None = None
    headers: dict[str, str] | None = None
    reference: str | None = None  # an unexpected error's key into the server log
    page_message: str | None = None  # what the error page says instead of the message


def _validation_error(_request: Request, exc: Exception) -> Failure:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    message = _message(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return Failure(422, "invalid-input", message, _field(first.get("loc", ())))


def _service_error(_request: Request, exc: Exception) -> Failure:
    assert isinstance(exc, ServiceError)
    headers = None
    if isinstance(exc, TooManyAttempts):
        from ..services.base import now

        seconds = max(1, int((exc.retry_at - now()).total_seconds()) + 1)
        headers = {"Retry-After": str(seconds)}
    elif exc.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return Failure(exc.status, exc.code, exc.message, exc.field, headers)


def _bandwise_error(_request: Request, exc: Exception) -> Failure:
    if isinstance(exc, UnknownProfileError):
        return Failure(404, "not-found", str(exc), "profile_id")
    field = None
    factor = getattr(exc, "factor", None)
    if isinstance(factor, int):
        field = f"levels.{factor - 1}"
    return Failure(422, "invalid-input", str(exc), field)


def _http_error(_request: Request, exc: Exception) -> Failure:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("-", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = NO_SUCH_ENDPOINT
    return Failure(exc.status_code, code, message, None, dict(exc.headers or {}) or None)


def _unexpected(request: Request, exc: Exception) -> Failure:
    reference = uuid.uuid4().hex[:12]
    log.error(
        "internal error %s on %s %s", reference, request.method, request.url.path, exc_info=exc
    )
    return Failure(
        500,
        "internal-error",
        f"something went wrong on the server (reference {reference}); the details are in "
        "the server log",
        reference=reference,
    )


STORAGE_UNAVAILABLE = "storage-unavailable"


def _storage_error(request: Request, exc: Exception) -> Failure:
    """A database error: 503 naming the storage's fault (a full disk, a read-only file, a
    lost server), logged with a reference; any other database error is unexpected."""
    from .storage import storage_fault

    fault = storage_fault(exc)
    if fault is None:
        return _unexpected(request, exc)
    reference = uuid.uuid4().hex[:12]
    log.error(
        "storage fault %s on %s %s: %s",
        reference,
        request.method,
        request.url.path,
        fault,
        exc_info=exc,
    )
    return Failure(
        503,
        STORAGE_UNAVAILABLE,
        f"{fault} (reference {reference}; the details are in the server log)",
        reference=reference,
        page_message=f"{fault[:1].upper()}{fault[1:]}. Tell your bandwise administrator.",
    )


NO_SUCH_ENDPOINT = "no such endpoint"

_HEADINGS = {
    400: "The request could not be understood",
    401: "You need to sign in",
    403: "You cannot do this",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "Someone else changed this first",
    413: "The file is too large",
    415: "This kind of file cannot be used here",
    422: "There is a problem with what was sent",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "The service cannot use its database",
}


def is_api(request: Request) -> bool:
    """API clients get JSON errors; browsers on a page get an HTML page."""
    path = request.url.path
    return path.startswith("/api") or path == "/openapi.json"


def _page_error(request: Request, status: int, message: str, reference: str | None = None) -> Any:
    from .pages.deps import session_principal
    from .pages.templating import render

    try:
        principal = session_principal(request)
    except Exception:  # the database itself may be what failed
        principal = None
    heading = _HEADINGS.get(status, "Something went wrong")
    return render(
        request,
        "error.html",
        {"heading": heading, "message": message, "reference": reference, "errors": []},
        principal=principal,
        status_code=status,
    )


def _dispatch(describe: Callable[[Request, Exception], Failure]) -> Any:
    """One handler per kind of error: JSON in the API, an HTML page everywhere else."""

    async def handle(request: Request, exc: Exception) -> Any:
        failure = describe(request, exc)
        if is_api(request):
            return error_response(
                failure.status, failure.code, failure.message, failure.field, failure.headers
            )
        if failure.page_message is not None:
            message = failure.page_message
        elif failure.reference is not None:
            message = "Try again later. If it happens again, tell your bandwise administrator."
        elif failure.message == NO_SUCH_ENDPOINT:
            message = "There is no page at this address. Check it, or start from the dashboard."
        else:
            message = failure.message[:1].upper() + failure.message[1:]
        page = _page_error(request, failure.status, message, failure.reference)
        if failure.headers and "Retry-After" in failure.headers:
            page.headers["Retry-After"] = failure.headers["Retry-After"]
        return page

    return handle


async def _page_redirect(_request: Request, exc: Exception) -> Any:
    from fastapi.responses import RedirectResponse

    from .pages.deps import PageRedirect

    assert isinstance(exc, PageRedirect)
    return RedirectResponse(exc.location, status_code=303)


class AnswerUnexpected:
    """Answer an unexpected error as an ordinary 500 (JSON or page, with its log
    reference) and end there. Starlette's outermost error middleware answers too but
    then re-raises, and uvicorn closes the connection on an error out of the app, so a
    keep-alive client lost its connection with every 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answer = _dispatch(_unexpected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:  # half a response has gone: only closing the connection ends it
                raise
            response = await self.answer(Request(scope, receive), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    from .pages.deps import PageRedirect

    app.add_exception_handler(PageRedirect, _page_redirect)
    app.add_exception_handler(RequestValidationError, _dispatch(_validation_error))
    app.add_exception_handler(ServiceError, _dispatch(_service_error))
    app.add_exception_handler(BandwiseError, _dispatch(_bandwise_error))
    app.add_exception_handler(StarletteHTTPException, _dispatch(_http_error))
    app.add_exception_handler(DBAPIError, _dispatch(_storage_error))
    app.add_exception_handler(Exception, _dispatch(_unexpected))
