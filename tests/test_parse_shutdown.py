"""A shutdown is not held hostage by a parse: ``bandwise serve`` asked to stop (SIGTERM)
while it parses a hostile upload kills the parse's child process, answers that request
503 and exits, long before the parse's own limits would have ended it. A real server on
loopback; bounded in time; the process is always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import hostiledocs as hostile
from apikit import PASSWORD, SECRET, set_password
from bandwise.services.base import Database
from bandwise.store.migrate import upgrade
from bandwise.web.auth import CSRF_HEADER
from dbfixtures import make_people

WAIT = 60.0  # seconds any one step may take on a busy machine; the parse would take hours


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _parse_running(server: int) -> bool:
    """Whether a parse child runs: a child of the server's forkserver."""
    return any(_children(forkserver) for forkserver in _children(server))


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the parse process in /proc")
def test_a_stopping_server_kills_a_running_parse_and_exits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shutdown.db'}"
    upgrade(url)
    db = Database.connect(url)
    email = set_password(db, make_people(db).lead)
    db.engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(
        BANDWISE_DATABASE_URL=url,
        BANDWISE_SECRET_KEY=SECRET,
        BANDWISE_DATA_DIR=str(tmp_path),
        BANDWISE_LOG_LEVEL="warning",
        BANDWISE_PARSE_CPU_SECONDS="3600",
        BANDWISE_PARSE_WALL_SECONDS="3600",
        BANDWISE_PARSE_MAX_CONTENT_MB="100000",
        BANDWISE_PARSE_MAX_CHARS="1000000000",
    )
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bandwise", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    answers: list[httpx.Response | Exception] = []
    try:
        deadline = time.monotonic() + WAIT
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        client = httpx.Client(base_url=base, timeout=WAIT * 2)
        signed = client.post("/api/session", json={"email": email, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        headers = {CSRF_HEADER: signed.json()["csrf_token"]}
        pdf = hostile.shared_stream_pdf(400, 100_000)  # within the page limit, hours of parsing

        def upload() -> None:
            try:
                answers.append(
                    client.post(
                        "/api/suites/preview", files={"file": ("h.pdf", pdf)}, headers=headers
                    )
                )
            except Exception as exc:  # the connection may close as the server stops
                answers.append(exc)

        thread = threading.Thread(target=upload)
        thread.start()
        deadline = time.monotonic() + WAIT
        while not _parse_running(server.pid):
            assert thread.is_alive() and time.monotonic() < deadline, [
                a.text if isinstance(a, httpx.Response) else a for a in answers
            ]
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT)  # raises TimeoutExpired if the parse held the shutdown
        thread.join(timeout=WAIT)
        assert not thread.is_alive()
        answer = answers[0]
        if isinstance(answer, httpx.Response):
            assert answer.status_code == 503, answer.text
            assert "shutting down" in answer.json()["error"]["message"]
        client.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=WAIT)
        log.close()
