"""The web app's settings, built from :mod:`bandwise.settings` (every ``BANDWISE_*``
variable, typed, with its default) when the app is built (never at import).

:class:`Settings` is what :func:`~bandwise.web.app.create_app` takes: the database URL
resolved (default an SQLite file in the data folder), the secret read from its file
(``BANDWISE_SECRET_KEY_FILE``) and checked (:meth:`Settings.validate`: required, long and
random unless ``BANDWISE_ENV=development``), the sign-in throttle and the parsing limits
as the objects the services use. Tests build it directly, without an environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..documents.limits import ParseLimits
from ..errors import ConfigError as ConfigError  # re-exported
from ..services.letter_mail import Mailer
from ..services.sessions import Throttle
from ..settings import Settings as EnvironmentSettings
from ..settings import load
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
MAX_BODY_BYTES: int = EnvironmentSettings.model_fields["max_body_bytes"].default


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
    #: The mail server letters are emailed through (``BANDWISE_SMTP_*``); None: never.
    mailer: Mailer | None = None

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The app's settings from the ``BANDWISE_*`` variables (:mod:`bandwise.settings`,
        the one reader of the environment), with the secret read from its file."""
        env = load(environ)
        secret = env.secret_key.get_secret_value()
        if env.secret_key_file:
            try:
                secret = env.secret_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"BANDWISE_SECRET_KEY_FILE {env.secret_key_file}: {exc.strerror}"
                ) from exc
        if not secret and env.development:
            secret = DEVELOPMENT_SECRET
        return cls(
            database_url=env.database or database_url(),
            secret_key=secret,
            environment=env.env,
            https=env.https,
            session_lifetime=dt.timedelta(hours=env.session_hours),
            throttle=Throttle(
                max_failures=env.login_max_failures,
                window=dt.timedelta(minutes=env.login_window_minutes),
                timezone=env.timezone,
            ),
            max_body_bytes=env.max_body_bytes,
            parse_limits=ParseLimits.from_env(environ),
            mailer=Mailer.from_settings(env),
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
