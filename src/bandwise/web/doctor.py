"""The server's health checks: ``bandwise doctor`` prints them, ``bandwise serve`` runs
them at start and refuses to serve when one fails (the same messages).

Each check gives ``ok``, ``warn`` or ``fail`` and one line saying what it found and what
to do. Only ``fail`` makes ``doctor`` exit 1 and ``serve`` refuse; a ``warn`` is advice
that a working server may have reasons to ignore (HTTPS off, every proxy trusted, a
readable secret file). The checks:

* ``settings``: every ``BANDWISE_*`` variable has a valid value (else nothing more runs);
* ``secret``: the secret key is set, not a placeholder, long and varied enough (about 128
  bits by a simple estimate); with ``BANDWISE_ENV=development`` the fixed development
  key is a warning;
* ``data-folder``: the data folder can be written (or created);
* ``database``: the database answers, is at this release's latest schema, and the audit
  trail's sealing triggers are in place;
* ``assets``: the NHS.UK frontend and htmx files are in the package;
* ``time-zone``: ``BANDWISE_TIMEZONE`` has zone data (``tzdata``);
* ``https``: HTTPS and the trusted proxies are coherent;
* ``smtp``: when ``BANDWISE_SMTP_HOST`` is set, the From address is set and the mail
  server answers (``serve`` shows a failure here as a warning: a mail server down for a
  minute must not stop the app, letters can wait).
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import smtplib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import BandwiseError, ConfigError
from ..settings import Settings as EnvironmentSettings
from ..settings import load

Status = Literal["ok", "warn", "fail"]

#: The vendored front-end files every page needs (copied by scripts/vendor-assets).
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
ASSETS = (
    "nhsuk/nhsuk-frontend.min.css",
    "nhsuk/nhsuk-frontend.min.js",
    "htmx/htmx.min.js",
)
#: A secret estimated at fewer bits than this is weak (a token_urlsafe(32) has ~190).
SECRET_BITS = 128
SMTP_TIMEOUT = 5.0
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: Status
    message: str

    def line(self) -> str:
        return f"{self.status.upper():<4}  {self.name}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


def healthy(checks: list[Check]) -> bool:
    return all(c.status != "fail" for c in checks)


def run_checks(environ: Mapping[str, str] | None = None, smtp: bool = True) -> list[Check]:
    """Every check, in order. ``smtp=False`` turns a failing mail server check into a
    warning (what ``serve`` does)."""
    try:
        env = load(environ)
    except ConfigError as exc:
        return [Check("settings", "fail", str(exc))]
    checks = [
        Check("settings", "ok", "every BANDWISE_* variable has a valid value"),
        _secret(environ, env),
        _data_folder(env),
        _database(env),
        _assets(),
        _time_zone(env),
        _https(env),
    ]
    if env.smtp_host:
        mail = _smtp(env)
        if not smtp and mail.status == "fail":
            mail = Check(mail.name, "warn", mail.message)
        checks.append(mail)
    return checks


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except BandwiseError as exc:
        return Check(name, "fail", str(exc))


# -- the checks -----------------------------------------------------------------------------


def secret_bits(secret: str) -> float:
    """A rough strength estimate: length × log2(distinct characters)."""
    distinct = len(set(secret))
    return len(secret) * math.log2(distinct) if distinct > 1 else 0.0


def _secret(environ: Mapping[str, str] | None, env: EnvironmentSettings) -> Check:
    from .settings import DEVELOPMENT_SECRET, Settings

    def check() -> Check:
        settings = Settings.from_env(environ)
        secret = settings.secret_key
        if env.development and secret == DEVELOPMENT_SECRET:
            return Check(
                "secret",
                "warn",
                "BANDWISE_ENV=development uses a fixed development key: never use it on a "
                "server people use",
            )
        settings.validate()
        bits = secret_bits(secret.strip())
        if not env.development and bits < SECRET_BITS:
            return Check(
                "secret",
                "fail",
                f"BANDWISE_SECRET_KEY is weak (about {bits:.0f} bits, at least {SECRET_BITS} "
                f"needed): set it to the output of `{GENERATE}`",
            )
        key_file = env.secret_key_file
        if key_file is not None and _mode(key_file) & 0o077:
            return Check(
                "secret",
                "warn",
                f"BANDWISE_SECRET_KEY_FILE {key_file} can be read by other accounts: "
                f"`chmod 600 {key_file}`",
            )
        where = f"from {key_file}" if key_file else "from BANDWISE_SECRET_KEY"
        return Check("secret", "ok", f"a strong secret key is set ({where})")

    return _guarded("secret", check)


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode
    except OSError:
        return 0


def _writable(folder: Path) -> OSError | None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return exc
    return None


def _data_folder(env: EnvironmentSettings) -> Check:
    folder = env.data_folder
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    fix = (
        "give the service account write access to it, or set BANDWISE_DATA_DIR to a folder "
        "it can write"
    )
    if not existing.is_dir():
        return Check(
            "data-folder", "fail", f"the data folder {folder} cannot be created: {existing} "
            f"is not a folder; {fix}"
        )  # fmt: skip
    problem = _writable(existing)
    if problem is not None:
        reason = problem.strerror or str(problem)
        return Check("data-folder", "fail", f"{existing} cannot be written ({reason}): {fix}")
    if existing != folder:
        return Check("data-folder", "ok", f"{folder} will be created when first needed")
    return Check("data-folder", "ok", f"{folder} can be written")


def _database(env: EnvironmentSettings) -> Check:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    from ..store import maintenance
    from ..store.db import make_engine, sqlite_path

    url = env.database or f"sqlite:///{env.data_folder / 'bandwise.db'}"
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return Check(
            "database",
            "fail",
            f"there is no database at {path}: run `bandwise db upgrade` to create it",
        )

    def check() -> Check:
        if url.startswith("postgresql"):  # a server that drops packets: no 2-minute wait
            engine = create_engine(url, connect_args={"connect_timeout": 5}, poolclass=NullPool)
        else:
            engine = make_engine(url)
        try:
            with engine.connect() as conn:
                version = maintenance.schema_version(conn)
                problem = maintenance.version_problem(version)
                missing = [] if problem else maintenance.missing_seals(conn)
        except DBAPIError as exc:
            reason = str(exc.orig or exc).strip().splitlines()
            return Check(
                "database",
                "fail",
                f"the database cannot be reached: {reason[0] if reason else exc}: check "
                "BANDWISE_DATABASE_URL and that the database server runs",
            )
        finally:
            engine.dispose()
        if problem:
            return Check("database", "fail", problem)
        if missing:
            return Check(
                "database",
                "fail",
                f"the audit trail is not sealed (missing {', '.join(missing)}): restore from "
                "a backup, and run `bandwise db check`",
            )
        return Check("database", "ok", f"reachable, at schema version {version}, audit sealed")

    return _guarded("database", check)


def _assets() -> Check:
    missing = [name for name in ASSETS if not (VENDOR_DIR / name).is_file()]
    if missing:
        return Check(
            "assets",
            "fail",
            f"front-end files missing ({', '.join(missing)}): install the release wheel, or "
            "run scripts/vendor-assets in a checkout",
        )
    return Check("assets", "ok", "NHS.UK frontend and htmx are in the package")


def _time_zone(env: EnvironmentSettings) -> Check:
    try:
        ZoneInfo.no_cache(env.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return Check(
            "time-zone",
            "fail",
            f"no zone data for {env.timezone}: install it (apt install tzdata, or "
            "pip install tzdata in the server's Python environment)",
        )
    return Check("time-zone", "ok", f"times are shown in {env.timezone}")


def _https(env: EnvironmentSettings) -> Check:
    entries = [e.strip() for e in env.forwarded_allow_ips.split(",") if e.strip()]
    for entry in entries:
        if entry == "*" or entry.startswith("unix:"):
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return Check(
                "https",
                "fail",
                f"BANDWISE_FORWARDED_ALLOW_IPS: {entry!r} is not an address or network: "
                "list the reverse proxy's addresses, e.g. 127.0.0.1",
            )
    if "*" in entries:
        return Check(
            "https",
            "warn",
            "BANDWISE_FORWARDED_ALLOW_IPS=* trusts X-Forwarded-For from any client, who can "
            "then dodge sign-in throttling: list the reverse proxy's addresses instead",
        )
    if not env.https and not env.development:
        return Check(
            "https",
            "warn",
            "BANDWISE_HTTPS is off: session cookies are marked Secure only on requests that "
            "arrive over HTTPS; behind an HTTPS proxy set BANDWISE_HTTPS=1",
        )
    return Check("https", "ok", "HTTPS and the trusted proxies are set")


def _smtp(env: EnvironmentSettings) -> Check:
    where = f"{env.smtp_host}:{env.smtp_port}"
    if not env.smtp_from:
        return Check(
            "smtp",
            "fail",
            "BANDWISE_SMTP_HOST is set but BANDWISE_SMTP_FROM is not: set the From address "
            "of the letters emailed",
        )
    try:
        server = smtplib.SMTP(env.smtp_host or "", env.smtp_port, timeout=SMTP_TIMEOUT)
    except (OSError, smtplib.SMTPException) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return Check(
            "smtp",
            "fail",
            f"the mail server {where} does not answer ({reason}): check BANDWISE_SMTP_HOST, "
            "BANDWISE_SMTP_PORT and the firewall",
        )
    with contextlib.suppress(OSError, smtplib.SMTPException):
        server.quit()
    server.close()
    return Check("smtp", "ok", f"the mail server {where} answers")
