"""Sign in, sign out, and the change-password page (a one-time password must be changed
before anything else)."""

from __future__ import annotations

import functools

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...services import sessions
from ...services.accounts import TooManyAttempts, Unauthenticated
from ...services.base import InvalidInput
from ..auth import (
    DB,
    AppSettings,
    check_origin,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from .deps import PageSignedIn, field_text, redirect, safe_next, session_principal
from .templating import render

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    if session_principal(request) is not None:
        return redirect(safe_next(next))
    return render(request, "session/sign_in.html", {"next": safe_next(next), "errors": []})


@router.post("/sign-in")
async def sign_in(request: Request, settings: AppSettings, db: DB) -> Response:
    check_origin(request)
    form = await request.form()
    email, password = field_text(form, "email"), str(form.get("password") or "")
    target = safe_next(field_text(form, "next"))
    errors: list[dict[str, str]] = []
    if not email:
        errors.append({"text": "Enter your email address", "href": "#email"})
    if not password:
        errors.append({"text": "Enter your password", "href": "#password"})
    if not errors:
        try:
            started = await run_in_threadpool(
                sessions.sign_in,
                db,
                email,
                password,
                client_address(request),
                settings.session_lifetime,
                settings.throttle,
            )
        except (Unauthenticated, TooManyAttempts) as exc:
            errors.append({"text": exc.message, "href": "#email"})
        else:
            response = redirect(
                "/account/password" if started.user.must_change_password else target
            )
            set_session_cookie(response, settings, request, started)
            return response
    return render(
        request,
        "session/sign_in.html",
        {"next": target, "errors": errors, "email": email},
        status_code=422 if not any("many" in e["text"] for e in errors) else 429,
    )


@router.post("/sign-out")
def sign_out(principal: PageSignedIn, request: Request, settings: AppSettings, db: DB) -> Response:
    sessions.end_session(db, principal.credential, hashed=True)
    response = redirect("/sign-in?signed_out=1")
    clear_session_cookie(response, settings, request)
    return response


@router.get("/account/password")
def password_page(principal: PageSignedIn, request: Request) -> Response:
    return render(request, "session/password.html", {"errors": []}, principal=principal)


@router.post("/account/password")
async def change_password(
    principal: PageSignedIn, request: Request, settings: AppSettings, db: DB
) -> Response:
    form = await request.form()
    current = str(form.get("current_password") or "")
    new = str(form.get("new_password") or "")
    confirm = str(form.get("confirm_password") or "")
    errors: list[dict[str, str]] = []
    status = 422
    if new != confirm:
        errors.append({"text": "The new passwords do not match", "href": "#confirm_password"})
    else:
        try:
            await run_in_threadpool(  # password hashing is slow: off the event loop
                functools.partial(
                    sessions.change_password,
                    db,
                    principal.actor,
                    current,
                    new,
                    principal.credential,
                    client=client_address(request),
                    throttle=settings.throttle,
                )
            )
        except (InvalidInput, Unauthenticated, TooManyAttempts) as exc:
            errors.append({"text": exc.message, "href": f"#{exc.field or 'new_password'}"})
            status = 429 if isinstance(exc, TooManyAttempts) else 422
        else:
            return redirect("/?password_changed=1")
    return render(
        request,
        "session/password.html",
        {"errors": errors},
        principal=principal,
        status_code=status,
    )
