"""The web app's pages: server-rendered HTML on the NHS.UK design system.

Adding a page: write ``bandwise/web/pages/<area>.py`` with a module-level
``router = APIRouter(include_in_schema=False)`` whose routes take ``user: PageUser`` and
``db: DB`` (from :mod:`.deps` and :mod:`bandwise.web.auth`), call a service and return
:func:`.templating.render`; templates live in ``bandwise/web/templates/<area>/``. Add
the router to :data:`PAGE_ROUTERS`. POST routes answer with :func:`.deps.redirect`
(303) on success and re-render the form with an error summary on a service error.
Every page must work without JavaScript; htmx (``hx-*`` attributes) only makes it
quicker.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    account,
    admin,
    admin_organisation,
    admin_rules,
    audit,
    case_actions,
    case_form,
    case_form_suggestions,
    case_workspace,
    cases,
    consistency,
    dashboard,
    jobs,
    letters,
    library,
    register,
    reports,
    reviews,
    session,
    suggestions,
)

#: The page routers, after the API's.
PAGE_ROUTERS: list[APIRouter] = [
    session.router,
    dashboard.router,
    cases.router,
    case_form.router,
    case_form_suggestions.router,
    case_workspace.router,
    case_actions.router,
    jobs.router,
    account.router,
    admin.router,
    admin_rules.router,
    admin_organisation.router,
    reviews.router,
    audit.router,
    suggestions.router,
    library.router,
    reports.router,
    consistency.router,
    register.router,
    letters.router,
]
