"""Helpers for the page tests (server-rendered HTML through FastAPI's TestClient).

The pages run on SQLite here: the services beneath them are tested on SQLite and
PostgreSQL already, and the pages add only presentation. ``web`` gives an app, its
database and one organisation's people; ``web.client(actor)`` is a signed-in browser-like
client whose ``post`` adds the session's CSRF token to every form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from apikit import SECRET, make_app, session_client, set_password
from bandwise.services.base import Actor, Database
from dbfixtures import People, copy_of, make_people


@dataclass
class PageClient:
    """A signed-in browser: ``get`` and ``post`` (forms, with the CSRF token added)."""

    client: TestClient
    csrf: str

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(
        self, url: str, data: dict[str, Any] | list[tuple[str, Any]] | None = None, **kwargs: Any
    ) -> Any:
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        if not any(k == "csrf_token" for k, _ in items):
            items.append(("csrf_token", self.csrf))
        fields: dict[str, list[Any]] = {}
        for key, value in items:  # repeated names (checkboxes) become lists
            values = value if isinstance(value, list) else [value]
            fields.setdefault(key, []).extend(values)
        kwargs.setdefault("follow_redirects", False)
        return self.client.post(url, data=fields, **kwargs)

    def htmx(self, url: str, data: dict[str, Any] | None = None) -> Any:
        """What htmx sends: the CSRF token in the header, ``HX-Request: true``."""
        return self.client.post(
            url, data=data or {}, headers={"HX-Request": "true", "X-CSRF-Token": self.csrf}
        )


@dataclass
class Web:
    app: FastAPI
    db: Database
    people: People
    url: str
    clients: list[TestClient] = field(default_factory=list)

    def client(self, actor: Actor) -> PageClient:
        signed = session_client(self.app, self.db, actor)
        signed.client.follow_redirects = False
        self.clients.append(signed.client)
        assert signed.csrf is not None
        return PageClient(signed.client, signed.csrf)

    def anonymous(self) -> TestClient:
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        self.clients.append(client)
        return client

    def password_for(self, actor: Actor) -> str:
        """Give a fixture user a real password; returns their email."""
        return set_password(self.db, actor)


@pytest.fixture
def web(tmp_path: Path, sqlite_template: Path) -> Iterator[Web]:
    url = copy_of(sqlite_template, tmp_path / "pages.db")  # migrated once per session
    app = make_app(url)
    db: Database = app.state.db
    yield Web(app, db, make_people(db), url)
    db.engine.dispose()


#: Page routes that answer with a file (a download), not an HTML page.
NOT_HTML = re.compile(r"\.(pdf|csv|xlsx|docx)$|/download$")


def walk_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute of an app with its full path, also inside included routers (recent
    FastAPI keeps an included router as one entry in ``app.routes``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            inner = prefix + (getattr(context, "prefix", "") or "")
            yield from walk_routes(route.original_router.routes, inner)


def page_paths(app: FastAPI, method: str = "GET") -> list[str]:
    """The app's page paths (not the API, not static files) answering ``method``."""
    return sorted(
        {
            path
            for path, route in walk_routes(app.routes)
            if method in (route.methods or set())
            and not path.startswith(("/api", "/openapi", "/static"))
        }
    )


def text_of(html: str) -> str:
    """The visible text of a page, tags removed and spaces squeezed (for assertions)."""
    without = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without)).strip()


__all__ = ["NOT_HTML", "SECRET", "PageClient", "Web", "page_paths", "text_of", "walk_routes", "web"]
