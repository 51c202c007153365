"""Signing in and out, the signed-in user, their password and their API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from ...errors import UnsupportedMediaType
from ...services import accounts, sessions
from ...services.base import Database, InvalidInput
from ...services.sessions import Principal, TokenView
from ..auth import (
    CSRF_FIELD,
    DB,
    AppSettings,
    CurrentActor,
    SignedIn,
    check_origin,
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from ..errors import ERROR_RESPONSES, ErrorBody
from ..models import MAX_INT, Storable, StrictInput, text
from .users import UserOut

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)


class SignIn(StrictInput):
    email: Annotated[str, text(254, 1), Storable]
    password: Annotated[str, text(1024, 1), Storable]


class SessionOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: dt.datetime


class MeOut(BaseModel):
    user: UserOut
    via: Literal["session", "token"]
    csrf_token: str | None
    expires_at: dt.datetime | None


class PasswordChange(StrictInput):
    current_password: Annotated[str, text(1024, 1), Storable]
    new_password: Annotated[str, text(1024, 1), Storable]


class TokenIn(StrictInput):
    name: Annotated[str, text(100, 1), Storable]


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, view: TokenView) -> TokenOut:
        return cls(
            id=view.id,
            name=view.name,
            created_at=view.created_at,
            last_used_at=view.last_used_at,
            revoked_at=view.revoked_at,
        )


class TokenCreated(TokenOut):
    token: str


_SIGN_IN_SCHEMA = SignIn.model_json_schema()
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _sign_in_body(request: Request) -> SignIn:
    """JSON, or a form post (an HTML sign-in form; a ``csrf_token`` field is ignored), only
    from this site or from no web page at all (:func:`check_origin`): another site's page
    must not sign a browser in to an account of its choosing (login CSRF). A body of any
    other type (``text/plain``, which any page may post anywhere) is refused unread."""
    check_origin(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", *_FORMS):
        raise UnsupportedMediaType(
            "send the sign-in as application/json (or as an HTML form)", "content-type"
        )
    data: Any
    if content_type in _FORMS:
        form = await request.form()
        data = {k: v for k, v in form.multi_items() if k != CSRF_FIELD}
    else:
        try:
            data = await request.json()
        except ValueError:
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": "the body is not valid JSON"}]
            ) from None
    try:
        return SignIn.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


@router.post(
    "/session",
    response_model=SessionOut,
    responses={
        403: {"model": ErrorBody, "description": "Sent from another site's page"},
        415: {"model": ErrorBody, "description": "Neither JSON nor a form"},
        429: {"model": ErrorBody, "description": "Locked out after failed sign-ins"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _SIGN_IN_SCHEMA},
                "application/x-www-form-urlencoded": {"schema": _SIGN_IN_SCHEMA},
            },
        }
    },
)
async def sign_in(
    request: Request, response: Response, settings: AppSettings, db: DB
) -> SessionOut:
    """Sign in with email and password: sets the session cookie and returns the CSRF token
    to send with every state-changing request. Too many failures lock the email out."""
    body = await _sign_in_body(request)
    started = await run_in_threadpool(
        sessions.sign_in,
        db,
        body.email,
        body.password,
        client_address(request),
        settings.session_lifetime,
        settings.throttle,
    )
    set_session_cookie(response, settings, request, started)
    return SessionOut(
        user=UserOut.of(started.user), csrf_token=started.csrf_token, expires_at=started.expires_at
    )


@router.delete("/session", status_code=204, response_class=Response)
def sign_out(principal: SignedIn, request: Request, settings: AppSettings, db: DB) -> Response:
    """Sign out: the session ends on every server process."""
    if principal.via != "session":
        raise InvalidInput("an API token is revoked at DELETE /api/tokens/{id}, not signed out")
    sessions.end_session(db, principal.credential, hashed=True)
    response = Response(status_code=204)
    clear_session_cookie(response, settings, request)
    return response


def _me(principal: Principal, db: Database) -> MeOut:
    user = accounts.get_user(db, principal.actor, principal.actor.user_id)
    return MeOut(
        user=UserOut.of(user),
        via=principal.via,
        csrf_token=principal.csrf_token,
        expires_at=principal.expires_at,
    )


@router.get("/me", response_model=MeOut)
def me(principal: SignedIn, db: DB) -> MeOut:
    """Who is signed in (and, for a browser session, its CSRF token again)."""
    return _me(principal, db)


@router.post(
    "/me/password",
    response_model=MeOut,
    responses={429: {"model": ErrorBody, "description": "Locked out after wrong passwords"}},
)
def change_password(
    body: PasswordChange, principal: SignedIn, request: Request, settings: AppSettings, db: DB
) -> MeOut:
    """Change your password (at least 12 characters); your other sessions end. A wrong
    current password counts as a failed sign-in: too many lock both out for a while."""
    keep = principal.credential if principal.via == "session" else None
    sessions.change_password(
        db,
        principal.actor,
        body.current_password,
        body.new_password,
        keep_session=keep,
        client=client_address(request),
        throttle=settings.throttle,
    )
    return _me(principal, db)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(actor: CurrentActor, db: DB) -> list[TokenOut]:
    """Your API tokens (never the tokens themselves)."""
    return [TokenOut.of(v) for v in sessions.list_api_tokens(db, actor)]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(body: TokenIn, actor: CurrentActor, db: DB) -> TokenCreated:
    """A token for scripts (``Authorization: Bearer ...``), acting as you with your role.
    The token is shown only in this response: store it safely."""
    view, token = sessions.create_api_token(db, actor, body.name)
    return TokenCreated(**TokenOut.of(view).model_dump(), token=token)


@router.delete(
    "/tokens/{token_id}",
    response_model=TokenOut,
    responses={404: {"model": ErrorBody, "description": "No such token of yours"}},
)
def revoke_token(
    token_id: Annotated[int, PathParam(ge=1, le=MAX_INT)], actor: CurrentActor, db: DB
) -> TokenOut:
    """Revoke a token: yours, or (administrators) anyone's in the organisation."""
    return TokenOut.of(sessions.revoke_api_token(db, actor, token_id))
