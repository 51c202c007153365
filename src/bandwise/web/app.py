"""The web application factory.

``create_app(settings)`` builds a FastAPI app with its own database engine; nothing
is read from the environment or connected at import time. ``bandwise serve`` runs
:func:`app_from_env` (settings from ``BANDWISE_*`` variables) under uvicorn.

Adding a resource: write ``bandwise/web/api/<resource>.py`` with a module-level
``router = APIRouter(tags=[...], responses=ERROR_RESPONSES)`` whose endpoints take
``actor: CurrentActor, db: DB`` (from :mod:`bandwise.web.auth`) and call a service, then
add the router to :data:`ROUTERS` below. Paths are relative to ``/api``. Services raise
:class:`~bandwise.services.base.ServiceError` subclasses; the error handlers turn them
into ``{"error": {...}}`` responses with the right status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..documents import isolated
from ..profiles.library import Library
from ..services.base import Database
from .api import (
    auth,
    cases,
    documents,
    health,
    jobs,
    letters,
    organisation,
    records,
    returns,
    reviews,
    rule_sets,
    scoring,
    suggest,
    suites,
    users,
)
from .errors import AnswerUnexpected, install_error_handlers
from .limits import BodyLimit
from .pages import PAGE_ROUTERS
from .pages.templating import STATIC_DIR
from .settings import Settings

#: The API, in the order it appears in the OpenAPI document. New routers go here
#: (cases, reviews, documents, consistency, reports ...).
ROUTERS: list[APIRouter] = [
    health.router,
    auth.router,
    users.router,
    jobs.router,
    scoring.router,
    cases.router,
    reviews.router,
    documents.router,
    suites.router,
    records.router,
    suggest.router,
    returns.router,
    organisation.router,
    rule_sets.router,
    letters.router,
]

API_PREFIX = "/api"

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Headers every response carries (no sniffing, no framing; no caching except the
    static assets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k, v)
                    for k, v in _SECURITY_HEADERS
                    if k not in present and not (static and k == b"cache-control")
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    routers: Sequence[APIRouter] = (),
    library_loader: Callable[[], Library] | None = None,
) -> FastAPI:
    """A ready app. ``settings`` default to the environment's; a missing or placeholder
    secret is refused (:class:`~bandwise.web.settings.ConfigError`) unless in development.
    ``routers`` are added after :data:`ROUTERS` (for extensions and tests).

    The API's profile library is the signed-in user's organisation's (built-in suites plus
    the imported versions), as for the pages; ``library_loader``, when given, replaces it
    for every request (kept for existing callers; nothing in bandwise passes one)."""
    settings = settings or Settings.from_env()
    settings.validate()
    owned = database is None
    db = database or Database.connect(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        restore = isolated.stop_on_signals()  # a shutdown never waits for a parse
        try:
            yield
        finally:
            restore()
            isolated.stop_all()
        if owned:
            db.engine.dispose()

    app = FastAPI(
        title="bandwise",
        version=__version__,
        summary="NHS Agenda for Change Job Evaluation: jobs, scoring, matching and cases",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.library_loader = library_loader
    install_error_handlers(app)
    for router in [*ROUTERS, *routers]:
        app.include_router(router, prefix=API_PREFIX)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    from fastapi.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimit, default=settings.max_body_bytes)
    app.add_middleware(AnswerUnexpected)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory ``bandwise serve`` runs in each worker process."""
    return create_app(Settings.from_env())
