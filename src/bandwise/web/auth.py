"""Who is asking: a browser session cookie (with CSRF protection) or an API token.

Routers take these as parameters::

    from bandwise.web.auth import CurrentActor, DB

    @router.get("/things")
    def list_things(actor: CurrentActor, db: DB) -> ...:
        return services.things.list_things(db, actor)

* ``Authorization: Bearer bw_...`` (an API token) wins over a cookie and needs no CSRF
  token: a browser never adds that header across sites by itself.
* A session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) authenticates browser
  requests; every state-changing request (not GET/HEAD/OPTIONS) authenticated by it
  must carry the session's CSRF token in the ``X-CSRF-Token`` header or a
  ``csrf_token`` form field, else 403 ``csrf-failed``.
* A user whose password must change (a one-time password) may only read ``/api/me``,
  change the password and sign out: anything else is 403 ``password-change-required``.

Role checks are not made here: the services make them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from ..errors import CrossSiteRequest, CsrfFailed, PasswordChangeRequired
from ..services import sessions
from ..services.accounts import Unauthenticated
from ..services.base import Actor, Database
from ..services.sessions import Principal, SessionStart
from .settings import Settings

SESSION_COOKIE = "bandwise_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token (`bw_...`), created at POST /api/tokens. Exempt from CSRF.",
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The browser session cookie set by POST /api/session. State-changing "
    "requests must also send the session's CSRF token in the X-CSRF-Token header.",
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


AppSettings = Annotated[Settings, Depends(get_settings)]
DB = Annotated[Database, Depends(get_db)]


# -- cookies ------------------------------------------------------------------------------


def _signature(secret: str, token: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def cookie_value(secret: str, token: str) -> str:
    """``token.signature``: a cookie not signed with this server's secret is ignored
    before the database is asked (rotating the secret signs every browser out)."""
    return f"{token}.{_signature(secret, token)}"


def token_from_cookie(secret: str, value: str) -> str | None:
    token, _, signature = value.rpartition(".")
    if not token or not hmac.compare_digest(signature, _signature(secret, token)):
        return None
    return token


def secure_cookies(settings: Settings, request: Request) -> bool:
    return settings.https or request.url.scheme == "https"


def set_session_cookie(
    response: Response, settings: Settings, request: Request, started: SessionStart
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value(settings.secret_key, started.token),
        max_age=int(settings.session_lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings, request),
    )


def clear_session_cookie(response: Response, settings: Settings, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings, request),
    )


def _site(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.netloc if parts.scheme in ("http", "https") else None


def check_origin(request: Request) -> None:
    """Refuse a state-changing request another site's page sent (beside the CSRF token and
    SameSite=Lax cookies; and the only guard of signing in, which has no session yet).
    A browser says where a POST came from in ``Origin`` (every current browser, on every
    POST), else in ``Referer``; ``Origin: null`` (a sandboxed frame, a page hiding where it
    is, a redirect from another site) is refused too. A request carrying neither comes
    from no web page (a script, curl), which no other site can make a browser send."""
    origin = request.headers.get("origin")
    source = origin if origin is not None else request.headers.get("referer")
    if source is None:
        return
    if source == "null" or _site(source) != request.headers.get("host", ""):
        raise CrossSiteRequest(
            "this request came from another site (or hid where it came from) and has been "
            "refused: use bandwise's own pages, or a client that is not a web page"
        )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- dependencies -------------------------------------------------------------------------


def _identify(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    """Resolve the credentials (runs in the thread pool: it reads the database)."""
    db = get_db(request)
    if bearer is not None:
        principal = sessions.resolve_api_token(db, bearer.credentials)
        if principal is None:
            raise Unauthenticated("the API token is not valid (unknown or revoked)")
        return principal
    if cookie:
        token = token_from_cookie(get_settings(request).secret_key, cookie)
        principal = sessions.resolve_session(db, token) if token else None
        if principal is None:
            raise Unauthenticated("the session has ended: sign in again")
        return principal
    raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer ...'")


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    supplied = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if supplied is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not supplied or not expected or not hmac.compare_digest(supplied, expected):
        raise CsrfFailed(
            f"this request needs the session's CSRF token in the {CSRF_HEADER} header",
            CSRF_HEADER,
        )


async def signed_in(
    request: Request, principal: Annotated[Principal, Depends(_identify)]
) -> Principal:
    """Any signed-in user, even one who must still change a one-time password."""
    await _check_csrf(request, principal)
    return principal


async def current_principal(
    principal: Annotated[Principal, Depends(signed_in)],
) -> Principal:
    if principal.must_change_password:
        raise PasswordChangeRequired(
            "change your one-time password first (POST /api/me/password)", "password"
        )
    return principal


async def current_actor(principal: Annotated[Principal, Depends(current_principal)]) -> Actor:
    return principal.actor


SignedIn = Annotated[Principal, Depends(signed_in)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
