"""Two ``bandwise serve`` processes on one database (an SQLite file; PostgreSQL when
available): a session started on one works on the other, signing out on one ends it on
both, and failed sign-ins count across both. Bounded in time; the processes are always
stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from apikit import PASSWORD, SECRET, set_password
from bandwise.services.base import Database
from bandwise.web.auth import CSRF_HEADER
from dbfixtures import People

START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _servers(db_url: str, data_dir: Path, count: int) -> Iterator[list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(
        BANDWISE_DATABASE_URL=db_url,
        BANDWISE_SECRET_KEY=SECRET,
        BANDWISE_DATA_DIR=str(data_dir),
        BANDWISE_LOG_LEVEL="warning",
    )
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for i in range(count):
            port = _free_port()
            log = (data_dir / f"server{i}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bandwise", "serve", "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + START_TIMEOUT
        for url, process in zip(urls, processes, strict=True):
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited early: {_logs(data_dir)}")
                try:
                    if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not start in {START_TIMEOUT}s: {_logs(data_dir)}")
                time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _logs(data_dir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(data_dir.glob("server*.log")))


def test_two_server_processes_share_sessions_and_throttling(
    db: Database, db_url: str, people: People, tmp_path: Path
) -> None:
    lead = set_password(db, people.lead)
    viewer = set_password(db, people.viewer)
    with _servers(db_url, tmp_path, 2) as (one, two):
        first = httpx.Client(base_url=one, timeout=10.0)
        signed_in = first.post("/api/session", json={"email": lead, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        csrf = {CSRF_HEADER: signed_in.json()["csrf_token"]}
        second = httpx.Client(base_url=two, timeout=10.0, cookies=first.cookies)
        assert second.get("/api/me").json()["user"]["email"] == lead
        created = second.post("/api/jobs", json={"title": "Made on two"}, headers=csrf)
        assert created.status_code == 201, created.text
        assert first.get(f"/api/jobs/{created.json()['id']}").status_code == 200
        assert second.delete("/api/session", headers=csrf).status_code == 204
        assert first.get("/api/me").status_code == 401

        wrong = {"email": viewer, "password": "wrong password!"}
        for client in (first, second, first, second):
            assert client.post("/api/session", json=wrong).status_code == 401
        locked = first.post("/api/session", json=wrong)
        assert locked.status_code == 429, locked.text
        right = {"email": viewer, "password": PASSWORD}
        assert second.post("/api/session", json=right).status_code == 429
        first.close()
        second.close()


def test_serve_refuses_a_placeholder_secret(db_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(
        BANDWISE_DATABASE_URL=db_url,
        BANDWISE_SECRET_KEY="change-me",
        BANDWISE_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "bandwise", "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "BANDWISE_SECRET_KEY is missing or a placeholder" in result.stderr
    assert "Traceback" not in result.stderr
