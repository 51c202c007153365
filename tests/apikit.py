"""Helpers for the API tests: an app on the test database, clients signed in as a user
(by session cookie and CSRF token, or by API token), the error shape."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from bandwise.services import accounts, sessions
from bandwise.services.base import Actor, Database
from bandwise.store import tables as t
from bandwise.web.app import create_app
from bandwise.web.auth import CSRF_HEADER, SESSION_COOKIE, cookie_value
from bandwise.web.settings import Settings

SECRET = "test-secret-7c1f0d2a9b8e4f6a5d3c2b1a0f9e8d7c"
PASSWORD = "a long enough password"
LEVELS = ["5", "7", "3", "2", "3", "5", "1", "2", "1", "1", "1", "3", "2", "2", "4", "2"]


def settings_for(db_url: str, **changes: Any) -> Settings:
    return replace(Settings(database_url=db_url, secret_key=SECRET), **changes)


def make_app(db_url: str, **changes: Any) -> FastAPI:
    return create_app(settings_for(db_url, **changes))


def user_view(db: Database, actor: Actor) -> accounts.UserView:
    with db.transaction() as session:
        row = session.get(t.User, actor.user_id)
        assert row is not None
        return accounts.UserView.of(row)


def set_password(db: Database, actor: Actor, password: str = PASSWORD) -> str:
    """Give a fixture user a real password (fixtures have none)."""
    with db.transaction() as session:
        row = session.get(t.User, actor.user_id)
        assert row is not None
        row.password_hash = accounts.hash_password(password)
        row.must_change_password = False
        return row.email


@dataclass
class Signed:
    """A client signed in as one user; ``csrf`` is None for token clients."""

    client: TestClient
    csrf: str | None
    headers: dict[str, str]


def session_client(app: FastAPI, db: Database, actor: Actor) -> Signed:
    """A browser-like client with a session cookie (made directly, without a password)."""
    started = sessions.start_session(db, user_view(db, actor), dt.timedelta(hours=1))
    client = TestClient(app, raise_server_exceptions=False)
    client.cookies.set(SESSION_COOKIE, cookie_value(SECRET, started.token))
    return Signed(client, started.csrf_token, {CSRF_HEADER: started.csrf_token})


def token_client(app: FastAPI, db: Database, actor: Actor) -> Signed:
    _, token = sessions.create_api_token(db, actor, "tests")
    client = TestClient(app, raise_server_exceptions=False)
    return Signed(client, None, {"Authorization": f"Bearer {token}"})


def anonymous(app: FastAPI) -> Signed:
    return Signed(TestClient(app, raise_server_exceptions=False), None, {})


def assert_error(
    response: Any, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The response is ``{"error": {"code", "message", "field"}}`` with that status."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "field"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert error["field"] == field, error
    return dict(error)


def audit_actions(db: Database) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(t.AuditEvent.action).order_by(t.AuditEvent.id)))
