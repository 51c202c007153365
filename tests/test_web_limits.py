"""Request body limits are enforced while the body is read: a declared or streamed body
over the limit is refused (413, in the app's error shape) without reading past it.

The app is driven at the ASGI level with a ``receive`` that counts the bytes it hands
over, so "never read past the limit" is measured, not assumed; an endless chunked body
proves nothing buffers the whole body first."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
from collections.abc import Iterable
from typing import Any

import pytest
from fastapi import FastAPI

from apikit import make_app, token_client
from bandwise.web.limits import MULTIPART_SLACK
from bandwise.web.settings import ConfigError, Settings
from dbfixtures import People

CHUNK = 64 * 1024
GIB = 1024**3


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, received: int) -> None:
        self.status, self.headers, self.body, self.received = status, headers, body, received

    def json(self) -> Any:
        return json.loads(self.body)


def drive(
    app: FastAPI,
    path: str,
    chunks: Iterable[bytes],
    headers: dict[str, str],
    method: str = "POST",
) -> Reply:
    """One request through the ASGI app; ``received`` is how many body bytes it took."""
    received = 0
    source = iter(chunks)
    start: dict[str, Any] = {}
    body = bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal received
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        received += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # In a thread of its own: the browser tests' Playwright keeps an event loop running
    # in the main thread for the rest of the session, where asyncio.run() is refused.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    head = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    return Reply(int(start["status"]), head, bytes(body), received)


def endless() -> Iterable[bytes]:
    return itertools.repeat(b"x" * CHUNK)


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("path", ["/api/session", "/api/jobs"])
def test_a_declared_body_over_the_limit_is_refused_before_a_byte_is_read(
    db_url: str, path: str
) -> None:
    app = make_app(db_url)
    reply = drive(app, path, endless(), {**JSON, "content-length": str(GIB)})
    assert reply.status == 413
    assert reply.json()["error"]["code"] == "too-large"
    assert reply.received == 0


@pytest.mark.parametrize("path", ["/api/session", "/api/jobs"])
def test_an_endless_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    db_url: str, db: Any, people: People, path: str
) -> None:
    app = make_app(db_url)
    token = token_client(app, db, people.lead).headers
    reply = drive(app, path, endless(), {**JSON, **token, "transfer-encoding": "chunked"})
    assert reply.status == 413, reply.body
    error = reply.json()["error"]
    assert error["code"] == "too-large" and "1 MiB" in error["message"]
    limit = Settings(database_url="", secret_key="").max_body_bytes
    assert limit < reply.received <= limit + CHUNK


def test_a_declared_body_over_the_route_limit_but_under_an_uploads_is_refused_unread(
    db_url: str,
) -> None:
    app = make_app(db_url)
    two_mib = str(2 * 1024 * 1024)
    reply = drive(app, "/api/session", endless(), {**JSON, "content-length": two_mib})
    assert reply.status == 413 and reply.received == 0
    assert "1 MiB" in reply.json()["error"]["message"]


@pytest.mark.parametrize("declared", [None, GIB], ids=["chunked", "declared"])
def test_a_page_form_over_the_limit_gets_the_error_page(db_url: str, declared: int | None) -> None:
    app = make_app(db_url)
    form = {"content-type": "application/x-www-form-urlencoded"}
    length = {"content-length": str(declared)} if declared else {"transfer-encoding": "chunked"}
    reply = drive(app, "/sign-in", endless(), {**form, **length})
    assert reply.status == 413
    assert reply.headers["content-type"].startswith("text/html")
    assert b"The file is too large" in reply.body and b"request is larger than" in reply.body
    assert declared is None or reply.received == 0


def test_an_upload_route_has_its_own_larger_limit(db_url: str, db: Any, people: People) -> None:
    app = make_app(db_url, max_body_bytes=4096)
    lead = token_client(app, db, people.lead)
    job = lead.client.post("/api/jobs", json={"title": "Porter"}, headers=lead.headers)
    assert job.status_code == 201, job.text
    text = b"The porter moves patients between wards and departments.\n" * 2000
    uploaded = lead.client.post(
        f"/api/jobs/{job.json()['id']}/documents",
        files={"file": ("jd.txt", text, "text/plain")},
        headers=lead.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    big_json = {"title": "x" * 5000}
    refused = lead.client.post("/api/jobs", json=big_json, headers=lead.headers)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "too-large"


def test_an_upload_over_its_route_limit_is_refused_unread_with_the_files_limit(
    db_url: str,
) -> None:
    from bandwise.services.documents import MAX_DOCUMENT_BYTES

    app = make_app(db_url)
    length = str(MAX_DOCUMENT_BYTES + MULTIPART_SLACK + 1)
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": length}
    reply = drive(app, "/api/jobs/1/documents", endless(), headers)
    assert reply.status == 413 and reply.received == 0
    assert reply.json()["error"]["message"] == "the upload is larger than 20 MiB"


def test_the_body_limit_is_a_setting() -> None:
    env = {"BANDWISE_ENV": "development", "BANDWISE_DATABASE_URL": "sqlite://"}
    assert Settings.from_env(env).max_body_bytes == 1024 * 1024
    assert Settings.from_env({**env, "BANDWISE_MAX_BODY_BYTES": "65536"}).max_body_bytes == 65536
    with pytest.raises(ConfigError, match="not a number"):
        Settings.from_env({**env, "BANDWISE_MAX_BODY_BYTES": "lots"})
    with pytest.raises(ConfigError, match="BANDWISE_MAX_BODY_BYTES is at least 1024"):
        Settings.from_env({**env, "BANDWISE_MAX_BODY_BYTES": "100"})
