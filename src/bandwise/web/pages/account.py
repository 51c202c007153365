"""My account: who I am (name, email, role, side), the link to change my password, and my
API tokens for scripts (create: the token is shown once, never stored readable; revoke).

Changing the password is the foundation's ``/account/password`` page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...services import accounts, sessions
from ...services.base import Database, InvalidInput, NotFound
from ..auth import DB
from .deps import PageUser, RecordId, error_list, field_text, redirect
from .templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    user: PageUser,
    db: Database,
    *,
    errors: list[dict[str, str]] | None = None,
    new_token: str | None = None,
    new_name: str = "",
    status_code: int = 200,
) -> Response:
    me = accounts.get_user(db, user.actor, user.actor.user_id)
    tokens = sessions.list_api_tokens(db, user.actor)
    return render(
        request,
        "account/account.html",
        {
            "me": me,
            "tokens": tokens,
            "errors": errors or [],
            "new_token": new_token,
            "token_name": new_name if errors else "",
            "revoked": request.query_params.get("revoked") == "1",
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/account")
def account_page(user: PageUser, request: Request, db: DB) -> Response:
    return _page(request, user, db)


@router.post("/account/tokens")
async def create_token(user: PageUser, request: Request, db: DB) -> Response:
    """Answered with the page itself (not a redirect), so the token never goes in a URL."""
    form = await request.form()
    return await run_in_threadpool(_create_token, user, request, db, form)


def _create_token(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    name = field_text(form, "name")
    try:
        _view, token = sessions.create_api_token(db, user.actor, name)
    except InvalidInput as exc:
        errors = error_list(exc, {"name": "token-name"})
        errors = [{**e, "text": e["text"][:1].upper() + e["text"][1:]} for e in errors]
        return _page(request, user, db, errors=errors, new_name=name, status_code=422)
    return _page(request, user, db, new_token=token, new_name=name, status_code=201)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: RecordId, user: PageUser, db: DB) -> Response:
    """Only my own tokens from this page (an administrator's wider power stays in the API)."""
    if not any(t.id == token_id for t in sessions.list_api_tokens(db, user.actor)):
        raise NotFound(f"no API token {token_id}")
    sessions.revoke_api_token(db, user.actor, token_id)
    return redirect("/account?revoked=1#tokens")
