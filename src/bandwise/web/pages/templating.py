"""Rendering the pages: one Jinja2 environment over our templates and the NHS.UK frontend
macros (``nhsuk-frontend-jinja``), and :func:`render`, which every page uses.

``render`` adds what every page needs (the signed-in user, the CSRF token, the
navigation, a per-response CSP nonce) and sets the Content-Security-Policy: scripts only
from this server or with the nonce, so text a user typed (evidence, document names) can
never run even if a template forgot to escape it (autoescape is on everywhere).

An htmx request (``HX-Request: true``) gets ``partial`` = True in the context: a template
may then render only the fragment being replaced.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    pass_context,
)
from jinja2.runtime import Context

from ...clock import UK as UK  # re-exported: the one UK zone
from ...clock import uk_date, uk_datetime
from ...profiles.library import builtin_library
from ...services.sessions import Principal
from ...services.suites import organisation_library
from ..report_pdf import breakable
from . import labels

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
#: Where scripts/vendor-assets copies the NHS.UK frontend and htmx (never committed).
VENDOR_DIR = STATIC_DIR / "vendor"
ASSET_PATH = "/static/vendor/nhsuk/assets"

#: The main navigation: (label, path, the permission that shows it or None).
NAVIGATION: tuple[tuple[str, str, str | None], ...] = (
    ("Dashboard", "/", None),
    ("Jobs", "/jobs", None),
    ("Cases", "/cases", None),
    ("Profiles", "/library", None),
    ("Consistency", "/consistency", None),
    ("Reviews", "/reviews", None),
    ("Reports", "/reports", None),
    ("Admin", "/admin", "manage-users"),
)


def _page_titles(context: Context) -> labels.Titles:
    """The page's titles (the organisation's library), or the built-in library's for a
    report rendered outside a request."""
    titles = context.get("titles")
    return titles if isinstance(titles, labels.Titles) else labels.Titles(builtin_library)


@pass_context
def _in_words(context: Context, text: str) -> str:
    """Generated text with its codes as words and profile ids as titles."""
    return labels.in_words(str(text), _page_titles(context))


@pass_context
def _profile_title(context: Context, profile_id: str | None, suite_id: str | None = None) -> str:
    """``{{ o.profile_id | profile_title(o.suite_id) }}``: the profile's title."""
    return _page_titles(context).profile(profile_id, suite_id)


@pass_context
def _suite_title(context: Context, suite_id: str | None) -> str:
    """``{{ o.suite_id | suite_title }}``: the profile suite's title."""
    return _page_titles(context).suite(suite_id)


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(str(TEMPLATE_DIR)), PackageLoader("nhsuk_frontend_jinja")]
        ),
        undefined=ChainableUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    # codes as words: one map each, in .labels (never ``replace("-", " ")`` in a template)
    for name in (
        "verdict_label",
        "status_label",
        "kind_label",
        "review_status_label",
        "factor_outcome_label",
        "document_kind_label",
        "role_label",
        "side_label",
    ):
        env.filters[name] = getattr(labels, name)
    env.filters["in_words"] = _in_words
    env.filters["breakable"] = breakable  # long runs without a space, in PDF reports
    env.filters["profile_title"] = _profile_title
    env.filters["suite_title"] = _suite_title
    env.globals["rule_set_title"] = labels.rule_set_title
    env.globals["case_name"] = labels.case_name
    env.globals["edition_title"] = labels.edition_title
    return env


templates = Jinja2Templates(env=_environment())


def assets_installed() -> bool:
    return (VENDOR_DIR / "nhsuk" / "nhsuk-frontend.min.css").is_file()


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def content_security_policy(nonce: str) -> str:
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def navigation(request: Request, principal: Principal | None) -> list[dict[str, Any]]:
    if principal is None:
        return []
    path = request.url.path
    items = []
    for label, href, permission in NAVIGATION:
        if permission and not principal.actor.can(permission):
            continue
        current = path == href if href == "/" else path.startswith(href)
        if href == "/reports" and path.startswith(("/exports", "/returns/")):
            current = True  # the pages the reports page lists
        items.append({"text": label, "href": href, "current": current})
    return items


def _titles(request: Request, principal: Principal | None) -> labels.Titles | None:
    """Profile and suite titles of the user's organisation, read only if a page asks."""
    if principal is None:
        return None
    db = request.app.state.db
    organisation_id = principal.actor.organisation_id
    return labels.Titles(lambda: organisation_library(db, organisation_id))


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``name`` with the page context every template may use."""
    nonce = secrets.token_urlsafe(16)
    full: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "actor": principal.actor if principal else None,
        "csrf_token": principal.csrf_token if principal else "",
        "cspNonce": nonce,
        "assetPath": ASSET_PATH,
        "navigation": navigation(request, principal),
        "partial": is_htmx(request),
        "assets_installed": assets_installed(),
        "titles": _titles(request, principal),
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    response.headers["Content-Security-Policy"] = content_security_policy(nonce)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
