"""Errors at the HTTP edge: an unexpected error is an ordinary 500 answer on a connection
that stays open; a database that cannot be written or reached says so (503
``storage-unavailable``) on the API, the pages and sign-in, and ``/api/health`` probes a
write."""

from __future__ import annotations

import http.client
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from apikit import PASSWORD, assert_error, make_app, set_password, settings_for, token_client
from bandwise.services.base import Database
from bandwise.web.app import create_app
from dbfixtures import People


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """The app under a real uvicorn server on 127.0.0.1 (in a thread); yields the port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_connection_stays_open_after_a_500(db_url: str) -> None:
    router = APIRouter()

    @router.get("/explode")
    def explode() -> None:
        raise RuntimeError("boom")

    app = create_app(settings_for(db_url), routers=[router])
    with serving(app) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/explode")
        first = conn.getresponse()
        assert first.status == 500 and b"internal-error" in first.read()
        assert (first.getheader("connection") or "").lower() != "close"
        sock = conn.sock
        assert sock is not None
        conn.request("GET", "/api/health")
        second = conn.getresponse()
        assert second.status == 200, second.read()
        second.read()
        assert conn.sock is sock  # the same connection answered both
        conn.close()


def _refuse_writes(db: Database) -> None:
    """Every new connection refuses writes, as a read-only database file (or a read-only
    PostgreSQL) does. Tests run as root, whom file permissions do not stop, so the
    database itself is told: ``PRAGMA query_only`` / ``default_transaction_read_only``."""
    sqlite = db.engine.dialect.name == "sqlite"

    @event.listens_for(db.engine, "connect")
    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if sqlite:
            cursor.execute("PRAGMA query_only=ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()
        cursor.close()

    db.engine.dispose()


def test_a_read_only_database_is_a_503_that_says_so_on_the_api_pages_and_sign_in(
    db_url: str, db: Database, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    email = set_password(db, people.lead)
    _refuse_writes(app.state.db)
    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="bandwise.web"):
        created = lead.client.post("/api/jobs", json={"title": "Porter"}, headers=lead.headers)
    error = assert_error(created, 503, "storage-unavailable")
    assert error["message"].startswith("the database cannot be written: the database ")
    assert "read-only" in error["message"]
    reference = error["message"].split("reference ")[1].split(";")[0]
    assert any(f"storage fault {reference}" in r.getMessage() for r in caplog.records)

    signed_in = client.post("/api/session", json={"email": email, "password": PASSWORD})
    assert "read-only" in assert_error(signed_in, 503, "storage-unavailable")["message"]
    page = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "The database cannot be written" in page.text and "read-only" in page.text

    health = assert_error(client.get("/api/health"), 503, "unavailable", "database-write")
    assert "read-only" in health["message"]


def test_a_full_disk_is_a_503_that_says_so(tmp_path: Path) -> None:
    from bandwise.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'full.db'}"
    upgrade(url)
    app = make_app(url)
    db: Database = app.state.db
    from dbfixtures import make_people

    lead = token_client(app, db, make_people(db).lead)

    @event.listens_for(db.engine, "connect")
    def no_room(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()
    for n in range(500):
        answer = lead.client.post(
            "/api/jobs", json={"title": f"Job {n} " + "x" * 180}, headers=lead.headers
        )
        if answer.status_code != 201:
            break
    error = assert_error(answer, 503, "storage-unavailable")
    assert error["message"].startswith("the database cannot be written: disk full")


def test_an_unreachable_database_is_a_503_that_says_so(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}")
    app.state.db.engine.dispose()
    app.state.db = Database.connect("postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    client = TestClient(app, raise_server_exceptions=False)
    listed = client.get("/api/jobs", headers={"Authorization": "Bearer bw_not-a-real-token"})
    error = assert_error(listed, 503, "storage-unavailable")
    assert error["message"].startswith("the database cannot be reached")
    page = client.post("/sign-in", data={"email": "a@b.nhs.uk", "password": "whatever it is"})
    assert page.status_code == 503 and "The database cannot be reached" in page.text
    health = assert_error(client.get("/api/health"), 503, "unavailable", "database-read")
    assert "cannot be reached" in health["message"]
    app.state.db.engine.dispose()
