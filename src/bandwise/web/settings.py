"""Server settings, read from the environment when the app is built (never at import).

* ``BANDWISE_DATABASE_URL``: SQLAlchemy URL (``postgresql+psycopg://...``); default an
  SQLite file in the data folder (``BANDWISE_DATA_DIR``).
* ``BANDWISE_SECRET_KEY`` (or ``BANDWISE_SECRET_KEY_FILE``): signs session cookies;
  required, long and random, unless ``BANDWISE_ENV=development``.
* ``BANDWISE_ENV``: ``production`` (default) or ``development``.
* ``BANDWISE_HTTPS``: ``1`` when users reach the server over HTTPS (Secure cookies).
* ``BANDWISE_SESSION_HOURS`` (12), ``BANDWISE_LOGIN_MAX_FAILURES`` (5),
  ``BANDWISE_LOGIN_WINDOW_MINUTES`` (15), ``BANDWISE_TIMEZONE`` (Europe/London).
* ``BANDWISE_MAX_BODY_BYTES`` (1 MiB): the largest request body of every route except the
  document uploads, which have their own limits (:data:`MAX_BODY_BYTES`).
* ``BANDWISE_PARSE_*``: the limits of parsing a document (CPU time, memory, wall-clock
  time, pages, paragraphs, lines, characters; :mod:`bandwise.documents.limits`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..documents.limits import LimitSettingError, ParseLimits
from ..errors import (
    ConfigError,
)
from ..services.accounts import Throttle
from ..store.db import database_url

#: Values that appear in examples and templates; never accepted as a real secret.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "please-change-me",
        "secret",
        "secret-key",
        "secretkey",
        "your-secret-key",
        "placeholder",
        "development",
        "dev",
        "insecure",
        "test",
        "xxx",
    }
)
MIN_SECRET_LENGTH = 32
#: Used only with BANDWISE_ENV=development when no secret is set (the same in every process).
DEVELOPMENT_SECRET = "bandwise-development-only-secret-do-not-use-in-production"
#: The largest request body (JSON or a form) of any route but an upload: a sign-in, a job
#: or 16 factor decisions with their evidence are a few tens of KiB at most.
MAX_BODY_BYTES = 1024 * 1024


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def is_placeholder(secret: str) -> bool:
    value = secret.strip().lower()
    return (
        value in PLACEHOLDER_SECRETS
        or ("change" in value and "me" in value)
        or len(set(value)) < 6
        or len(secret.strip()) < MIN_SECRET_LENGTH
    )


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    environment: str = "production"
    https: bool = False
    session_lifetime: dt.timedelta = dt.timedelta(hours=12)
    throttle: Throttle = field(default_factory=Throttle)
    max_body_bytes: int = MAX_BODY_BYTES
    parse_limits: ParseLimits = field(default_factory=ParseLimits)

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        secret = env.get("BANDWISE_SECRET_KEY", "")
        secret_file = env.get("BANDWISE_SECRET_KEY_FILE")
        if secret_file:
            try:
                secret = Path(secret_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"BANDWISE_SECRET_KEY_FILE {secret_file}: {exc.strerror}"
                ) from exc
        environment = env.get("BANDWISE_ENV", "production").strip().lower() or "production"
        if environment not in ("production", "development"):
            raise ConfigError(f"BANDWISE_ENV is 'production' or 'development', not {environment!r}")
        if not secret and environment == "development":
            secret = DEVELOPMENT_SECRET
        url = env.get("BANDWISE_DATABASE_URL") or database_url()
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        try:
            hours = float(env.get("BANDWISE_SESSION_HOURS", "12"))
            failures = int(env.get("BANDWISE_LOGIN_MAX_FAILURES", "5"))
            minutes = float(env.get("BANDWISE_LOGIN_WINDOW_MINUTES", "15"))
            max_body = int(env.get("BANDWISE_MAX_BODY_BYTES", str(MAX_BODY_BYTES)))
        except ValueError as exc:
            raise ConfigError(f"a numeric BANDWISE_ setting is not a number: {exc}") from exc
        if hours <= 0 or failures < 1 or minutes <= 0:
            raise ConfigError("session hours, login failures and window must be positive")
        if max_body < 1024:
            raise ConfigError(f"BANDWISE_MAX_BODY_BYTES is at least 1024, not {max_body}")
        try:
            parse_limits = ParseLimits.from_env(env)
        except LimitSettingError as exc:
            raise ConfigError(str(exc)) from exc
        return cls(
            database_url=url,
            secret_key=secret,
            environment=environment,
            https=_flag(env.get("BANDWISE_HTTPS")),
            session_lifetime=dt.timedelta(hours=hours),
            throttle=Throttle(
                max_failures=failures,
                window=dt.timedelta(minutes=minutes),
                timezone=env.get("BANDWISE_TIMEZONE", "Europe/London"),
            ),
            max_body_bytes=max_body,
            parse_limits=parse_limits,
        )

    def validate(self) -> None:
        """Refuse to run with a missing or placeholder secret, except in development."""
        if self.development:
            return
        if is_placeholder(self.secret_key):
            raise ConfigError(
                "BANDWISE_SECRET_KEY is missing or a placeholder: set it to a long random "
                f"value (at least {MIN_SECRET_LENGTH} characters), e.g. the output of "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`; '
                "for local development only, set BANDWISE_ENV=development"
            )
