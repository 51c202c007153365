"""``bandwise doctor``: one line per check with what to do, exit 1 when one fails (a
warning does not fail), ``--json``; ``bandwise serve`` runs the same checks at start
and refuses to serve with the same messages."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bandwise.store.db import make_engine
from bandwise.store.migrate import upgrade
from bandwise.web import doctor
from clikit import Ran, run_main

STRONG = secrets.token_urlsafe(48)
NAMES = ["settings", "secret", "data-folder", "database", "assets", "time-zone", "https"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def healthy(tmp_path: Path) -> dict[str, str]:
    """The environment of a healthy SQLite installation in ``tmp_path``."""
    upgrade(f"sqlite:///{tmp_path / 'bandwise.db'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(BANDWISE_DATA_DIR=str(tmp_path), BANDWISE_SECRET_KEY=STRONG, BANDWISE_HTTPS="1")
    return env


def _doctor(env: dict[str, str], *args: str) -> Ran:
    return run_main("doctor", *args, env=env)


def _line(ran: Ran, name: str) -> str:
    found = [line for line in ran.stdout.splitlines() if f"  {name}: " in line]
    assert len(found) == 1, ran.stdout
    return found[0]


def test_a_healthy_installation_passes_every_check_and_exits_0(healthy: dict[str, str]) -> None:
    ran = _doctor(healthy)
    assert ran.returncode == 0, ran.stdout
    lines = ran.stdout.splitlines()
    assert [line.split(":")[0].split()[-1] for line in lines] == NAMES
    assert all(line.startswith("OK    ") for line in lines), ran.stdout
    assert "at schema version" in _line(ran, "database")


def test_the_json_report_lists_each_check_with_its_status_and_message(
    healthy: dict[str, str],
) -> None:
    healthy["BANDWISE_SECRET_KEY"] = "change-me"
    ran = _doctor(healthy, "--json")
    assert ran.returncode == 1
    report = json.loads(ran.stdout)
    assert report["healthy"] is False
    assert [c["name"] for c in report["checks"]] == NAMES
    assert all(set(c) == {"name", "status", "message"} for c in report["checks"])
    assert {c["name"]: c["status"] for c in report["checks"]}["secret"] == "fail"


def _at_0004(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    upgrade(f"sqlite:///{path}", "0004")
    env["BANDWISE_DATABASE_URL"] = f"sqlite:///{path}"


def _unsealed(env: dict[str, str], tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bandwise.db'}")
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
    engine.dispose()


FAILING: dict[str, tuple[Any, str, str]] = {
    "a placeholder secret": (
        {"BANDWISE_SECRET_KEY": "change-me"},
        "secret",
        "BANDWISE_SECRET_KEY is missing or a placeholder",
    ),
    "a weak secret": (
        {"BANDWISE_SECRET_KEY": "abcdefg" * 5},
        "secret",
        "BANDWISE_SECRET_KEY is weak (about 98 bits, at least 128 needed)",
    ),
    "a missing secret file": (
        {"BANDWISE_SECRET_KEY": "", "BANDWISE_SECRET_KEY_FILE": "/nonexistent/key"},
        "secret",
        "BANDWISE_SECRET_KEY_FILE /nonexistent/key",
    ),
    "a bad setting": (
        {"BANDWISE_SESSION_HOURS": "a day"},
        "settings",
        "BANDWISE_SESSION_HOURS: 'a day' is not a number",
    ),
    "no database yet": (
        {"BANDWISE_DATABASE_URL": "sqlite:////nonexistent/folder/bandwise.db"},
        "database",
        "there is no database at /nonexistent/folder/bandwise.db: run `bandwise db upgrade`",
    ),
    "a database behind the release": (
        _at_0004,
        "database",
        "has schema version 0004, this release needs",
    ),
    "an unsealed audit trail": (
        _unsealed,
        "database",
        "the audit trail is not sealed (missing audit_events_no_update)",
    ),
    "an unreachable database server": (
        {"BANDWISE_DATABASE_URL": "postgresql://u:p@127.0.0.1:1/bandwise"},
        "database",
        "the database cannot be reached",
    ),
    "a proxy address that is not one": (
        {"BANDWISE_FORWARDED_ALLOW_IPS": "127.0.0.1,10.0.0.300"},
        "https",
        "BANDWISE_FORWARDED_ALLOW_IPS: '10.0.0.300' is not an address or network",
    ),
    "a mail server without a From address": (
        {"BANDWISE_SMTP_HOST": "127.0.0.1"},
        "smtp",
        "BANDWISE_SMTP_FROM is not",
    ),
    "a mail server that does not answer": (
        lambda env, _: env.update(
            BANDWISE_SMTP_HOST="127.0.0.1",
            BANDWISE_SMTP_PORT=str(_free_port()),
            BANDWISE_SMTP_FROM="je@trust.nhs.example",
        ),
        "smtp",
        "does not answer",
    ),
}


@pytest.mark.parametrize("case", list(FAILING), ids=list(FAILING))
def test_each_failing_check_says_what_to_do_and_exits_1(
    healthy: dict[str, str], tmp_path: Path, case: str
) -> None:
    change, name, message = FAILING[case]
    if callable(change):
        change(healthy, tmp_path)
    else:
        healthy.update(change)
    ran = _doctor(healthy)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    line = _line(ran, name)
    assert line.startswith("FAIL  "), line
    assert message in line, line
    assert sum(row.startswith("FAIL") for row in ran.stdout.splitlines()) == 1, ran.stdout


def test_a_data_folder_that_cannot_be_created_fails(
    healthy: dict[str, str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    healthy["BANDWISE_DATA_DIR"] = str(blocker / "data")
    healthy["BANDWISE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'bandwise.db'}"
    ran = _doctor(healthy)
    assert ran.returncode == 1
    line = _line(ran, "data-folder")
    assert line.startswith("FAIL") and "a-file is not a folder" in line


def test_missing_front_end_files_fail(
    healthy: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "VENDOR_DIR", tmp_path / "no-vendor")
    ran = _doctor(healthy)
    assert ran.returncode == 1
    assert "front-end files missing (nhsuk/nhsuk-frontend.min.css" in _line(ran, "assets")


class _NoZoneData:
    """``ZoneInfo`` on a machine without zone data (no /usr/share/zoneinfo, no tzdata)."""

    @staticmethod
    def no_cache(key: str) -> None:
        raise zoneinfo.ZoneInfoNotFoundError(f"No time zone found with key {key}")


@pytest.fixture
def no_zone_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor, "ZoneInfo", _NoZoneData)


def test_a_time_zone_without_zone_data_fails(healthy: dict[str, str], no_zone_data: None) -> None:
    ran = _doctor(healthy)
    assert ran.returncode == 1
    assert "no zone data for Europe/London: install it" in _line(ran, "time-zone")


@pytest.mark.parametrize(
    ("change", "name", "message"),
    [
        ({"BANDWISE_HTTPS": ""}, "https", "BANDWISE_HTTPS is off"),
        ({"BANDWISE_FORWARDED_ALLOW_IPS": "*"}, "https", "trusts X-Forwarded-For from any"),
        (
            {"BANDWISE_ENV": "development", "BANDWISE_SECRET_KEY": ""},
            "secret",
            "fixed development key",
        ),
    ],
    ids=["https-off", "every-proxy-trusted", "development-key"],
)
def test_a_warning_is_shown_but_does_not_fail(
    healthy: dict[str, str], change: dict[str, str], name: str, message: str
) -> None:
    healthy.update(change)
    ran = _doctor(healthy)
    assert ran.returncode == 0, ran.stdout
    line = _line(ran, name)
    assert line.startswith("WARN  ") and message in line


def test_a_secret_file_others_can_read_is_a_warning(
    healthy: dict[str, str], tmp_path: Path
) -> None:
    key = tmp_path / "secret_key"
    key.write_text(STRONG + "\n", encoding="utf-8")
    key.chmod(0o644)
    healthy.update(BANDWISE_SECRET_KEY="", BANDWISE_SECRET_KEY_FILE=str(key))
    ran = _doctor(healthy)
    assert ran.returncode == 0
    assert f"chmod 600 {key}" in _line(ran, "secret")


@pytest.fixture
def mail_server() -> Iterator[int]:
    """A listener that greets like an SMTP server and answers QUIT."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"220 mail.trust.nhs.example ESMTP\r\n")
                conn.recv(1024)
                conn.sendall(b"221 bye\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    listener.close()


def test_a_mail_server_that_answers_passes(healthy: dict[str, str], mail_server: int) -> None:
    healthy.update(
        BANDWISE_SMTP_HOST="127.0.0.1",
        BANDWISE_SMTP_PORT=str(mail_server),
        BANDWISE_SMTP_FROM="je@trust.nhs.example",
    )
    ran = _doctor(healthy)
    assert ran.returncode == 0, ran.stdout
    assert _line(ran, "smtp").startswith(f"OK    smtp: the mail server 127.0.0.1:{mail_server}")


# -- serve runs the same checks ----------------------------------------------------------


def test_serve_refuses_to_start_with_the_doctors_message(
    healthy: dict[str, str], tmp_path: Path
) -> None:
    healthy["BANDWISE_SECRET_KEY"] = "abcdefg" * 5
    result = subprocess.run(
        [sys.executable, "-m", "bandwise", "serve", "--port", str(_free_port())],
        env=healthy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "bandwise: FAIL  secret: BANDWISE_SECRET_KEY is weak" in result.stderr
    assert "not serving" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_without_the_front_end_files(
    healthy: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "VENDOR_DIR", tmp_path / "no-vendor")
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the server started"))
    ran = run_main("serve", "--port", str(_free_port()), env=healthy)
    assert ran.returncode == 1
    assert "FAIL  assets: front-end files missing" in ran.stderr


def test_serve_only_warns_when_the_mail_server_does_not_answer(
    healthy: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    healthy.update(
        BANDWISE_SMTP_HOST="127.0.0.1",
        BANDWISE_SMTP_PORT=str(_free_port()),
        BANDWISE_SMTP_FROM="je@trust.nhs.example",
    )
    ran = run_main("serve", "--port", str(_free_port()), env=healthy)
    assert ran.returncode == 0, ran.stderr
    assert len(started) == 1
    assert "WARN  smtp: the mail server" in ran.stderr


def test_serve_setup_in_development_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(BANDWISE_DATA_DIR=str(tmp_path / "fresh"), BANDWISE_ENV="development")
    ran = run_main("serve", "--setup", "--port", str(_free_port()), env=env)
    assert ran.returncode == 0, ran.stderr
    assert len(started) == 1 and "one-time password" in ran.stdout
