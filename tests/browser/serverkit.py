"""A real bandwise server for the browser tests: uvicorn in a subprocess on a free
loopback port, with its own data folder, a migrated SQLite database, a real secret and one
organisation's people, created through :mod:`bandwise.services.accounts` exactly as an
administrator would (one-time password, then changed to :data:`PASSWORD`).

The test process keeps a :class:`~bandwise.services.base.Database` on the same file
(``server.db``), so a test can build records through the services (``tests/workflowkit.py``
and ``tests/recordfixtures.py`` take a ``Database`` and actors) and then look at them in
the browser. ``user.actor`` is each person's services actor.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher

from bandwise.services import accounts, sessions
from bandwise.services.base import Actor, Database
from bandwise.store.migrate import upgrade

#: Every seeded user's password (the services' rules: at least 12 characters).
PASSWORD = "correct horse battery staple"
ORGANISATION = "Test Valley NHS Trust"
DOMAIN = "test-valley.nhs.example"
#: (key, role, side, name): the same keys as ``tests/pagekit.py``'s ``web.people``.
USERS: tuple[tuple[str, str, str | None, str], ...] = (
    ("admin", "admin", None, "Ada Admin"),
    ("lead", "je-lead", None, "Lee Lead"),
    ("management", "practitioner", "management", "Mona Manager"),
    ("management2", "practitioner", "management", "Max Manager"),
    ("staff", "practitioner", "staff-side", "Sam Steward"),
    ("staff2", "practitioner", "staff-side", "Sid Steward"),
    ("checker", "practitioner", "management", "Cara Checker"),
    ("viewer", "viewer", None, "Vic Viewer"),
)
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class BrowserUser:
    """Someone who can sign in through the form: ``email`` and ``password``."""

    key: str
    email: str
    name: str
    role: str
    side: str | None
    password: str
    actor: Actor


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:<port>, no trailing slash
    db: Database  # the server's database, opened by the test process
    db_url: str
    data_dir: Path
    log_path: Path
    users: dict[str, BrowserUser]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def user(self, key: str) -> BrowserUser:
        return self.users[key]

    def new_user(
        self, role: str = "practitioner", side: str | None = "management", name: str = ""
    ) -> tuple[BrowserUser, str]:
        """A fresh account made by the administrator; returns it and its one-time password
        (``user.password`` is that one-time password until the user changes it)."""
        tag = secrets.token_hex(3)
        view, one_time = accounts.create_user(
            self.db,
            self.users["admin"].actor,
            f"new-{tag}@{DOMAIN}",
            name or f"New Starter {tag}",
            role,
            side if role == "practitioner" else None,
        )
        user = BrowserUser(
            f"new-{tag}", view.email, view.name, view.role, view.side, one_time, view.actor()
        )
        return user, one_time

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _quick_hashes() -> Iterator[None]:
    """Cheaper Argon2 parameters while seeding (24 hashes): still real Argon2id hashes,
    which the server verifies (and upgrades to its own parameters) at sign-in."""
    original = accounts._hasher
    quick = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    accounts._hasher = lambda: quick  # type: ignore[assignment]
    try:
        yield
    finally:
        accounts._hasher = original


def _seed(db: Database) -> dict[str, BrowserUser]:
    """The organisation and its people through the services: the first administrator from
    the command-line path, everyone else added by that administrator; each then changes
    the one-time password."""
    with _quick_hashes():
        return _seed_people(db)


def _seed_people(db: Database) -> dict[str, BrowserUser]:
    admin_email = f"admin@{DOMAIN}"
    admin, admin_once = accounts.create_admin(db, ORGANISATION, admin_email, USERS[0][3])
    made: list[tuple[str, accounts.UserView, str]] = [("admin", admin, admin_once)]
    for key, role, side, name in USERS[1:]:
        view, once = accounts.create_user(
            db, admin.actor(), f"{key}@{DOMAIN}", name, role, side, checker=role != "viewer"
        )  # everyone but the viewer may check (the independence rules still apply)
        made.append((key, view, once))

    def settle(item: tuple[str, accounts.UserView, str]) -> BrowserUser:
        key, view, once = item
        sessions.change_password(db, view.actor(), once, PASSWORD)
        return BrowserUser(key, view.email, view.name, view.role, view.side, PASSWORD, view.actor())

    return {user.key: user for user in map(settle, made)}


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str) -> bool:
    """True once ``/api/health`` answers; False if the process ended first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _healthy(url):
        if process.poll() is not None:
            return False
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bandwise server on {url} did not answer in time")
        time.sleep(0.05)
    return True


@contextmanager
def live_server(root: Path) -> Iterator[LiveServer]:
    """Migrate and seed a database, start uvicorn (``bandwise.web.app:app_from_env``) on a
    free port (another, if something took the port first), wait for ``/api/health``;
    stop it afterwards."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{data_dir / 'bandwise.db'}"
    upgrade(db_url)
    db = Database.connect(db_url)
    log_path = root / "server.log"
    server = LiveServer("", db, db_url, data_dir, log_path, _seed(db))
    env = {
        **os.environ,
        "BANDWISE_DATA_DIR": str(data_dir),
        "BANDWISE_DATABASE_URL": db_url,
        "BANDWISE_SECRET_KEY": secrets.token_urlsafe(48),
        "BANDWISE_ENV": "production",
        "BANDWISE_HTTPS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("BANDWISE_SECRET_KEY_FILE", None)
    try:
        for _attempt in range(3):
            port = free_port()
            server.url = f"http://127.0.0.1:{port}"
            command = [
                *(sys.executable, "-m", "uvicorn", "--factory", "bandwise.web.app:app_from_env"),
                *("--host", "127.0.0.1", "--port", str(port)),
                *("--no-access-log", "--log-level", "warning"),
            ]
            server.process = _start(command, env, log_path)
            if _wait_until_healthy(server.process, server.url):
                break
        else:
            raise RuntimeError(f"the bandwise server did not start:\n{server.log_tail()}")
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        db.engine.dispose()
