"""Every ``BANDWISE_*`` setting, read from the environment in one place (pydantic-settings).

The CLI, the web app, the database and the document readers all ask :func:`load`; none
reads ``os.environ`` itself. Each variable is a typed field with its default and what it
does (``docs/deployment.md``'s tables are checked against these fields by a test). A bad
value is one :class:`~bandwise.errors.ConfigError` naming the variable and what was
expected, never a traceback; an empty variable counts as unset.

Nothing is read at import time: call :func:`load` (optionally with a mapping instead of
the process environment, as the tests and ``Settings.from_env`` do).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from .clock import UK_ZONE_NAME
from .errors import ConfigError, LimitSettingError

PREFIX = "BANDWISE_"
#: The folder of the data when neither ``BANDWISE_DATA_DIR`` nor ``XDG_DATA_HOME`` is set.
DEFAULT_DATA_HOME = Path.home() / ".local" / "share"

_given: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "bandwise_settings_environ", default=None
)


class _MappingSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _positive(description: str, default: float, unit: str = "") -> Any:
    return Field(default, gt=0, description=description, json_schema_extra={"unit": unit})


class Settings(BaseSettings):
    """The settings of one process: the field ``x`` is the variable ``BANDWISE_X``."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    data_dir: Path | None = Field(
        None, description="The data folder (default $XDG_DATA_HOME/bandwise)"
    )
    xdg_data_home: Path | None = Field(
        None, validation_alias="XDG_DATA_HOME", description="(not BANDWISE_) XDG data home"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the database (default SQLite in the data folder)"
    )
    secret_key: SecretStr = Field(SecretStr(""), description="Signs session cookies")
    secret_key_file: Path | None = Field(None, description="A file holding the secret key")
    env: Literal["production", "development"] = Field(
        "production", description="production or development"
    )
    https: bool = Field(False, description="Users reach the server over HTTPS")
    session_hours: float = _positive("How long a browser session lasts", 12, "hours")
    login_max_failures: int = Field(5, ge=1, description="Failed sign-ins before a lockout")
    login_window_minutes: float = _positive("The window, and the lockout", 15, "minutes")
    timezone: str = Field(UK_ZONE_NAME, description="Zone for times shown to users")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="The largest request body of JSON and forms"
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1", description="Proxies whose X-Forwarded-* headers are trusted"
    )
    log_level: str = Field("info", description="uvicorn log level")
    smtp_host: str | None = Field(
        None, description="Mail server for letters (unset: letters are never emailed)"
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="Mail server port")
    smtp_username: str | None = Field(None, description="Mail server user name")
    smtp_password: SecretStr = Field(SecretStr(""), description="Mail server password")
    smtp_from: str | None = Field(None, description="The From address of letters emailed")
    smtp_starttls: bool = Field(True, description="Use STARTTLS with the mail server")
    parse_cpu_seconds: int = _positive("CPU time of one parse", 30, "s of CPU time")
    parse_wall_seconds: float = _positive("wall-clock time of one parse", 60.0, "s")
    parse_memory_mb: int = _positive("memory of the parsing process", 1024, "MiB of memory")
    parse_workers: int = _positive("documents parsed at once by one server", 2)
    parse_max_chars: int = _positive("characters of text", 10_000_000, "characters of text")
    parse_max_paragraphs: int = _positive("paragraphs of a Word file", 100_000, "paragraphs")
    parse_max_lines: int = _positive("lines of a text file", 200_000, "lines")
    parse_max_unplaced: int = _positive(
        "lines of a profile document the reader cannot place",
        10_000,
        "lines that are not profile rows",
    )
    parse_max_content_mb: float = _positive(
        "page content (drawing instructions) of a PDF", 16.0, "MiB of page content"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            if value != UK_ZONE_NAME:  # the default works even without zone data
                raise ValueError("unknown time zone") from None
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        given = _given.get()
        if given is not None:
            return (init_settings, _MappingSource(settings_cls, given))
        return (init_settings, env_settings)

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def data_folder(self) -> Path:
        """``BANDWISE_DATA_DIR``, or ``$XDG_DATA_HOME/bandwise`` (``~/.local/share/bandwise``)."""
        if self.data_dir is not None:
            return self.data_dir
        return (self.xdg_data_home or DEFAULT_DATA_HOME) / "bandwise"

    @property
    def database(self) -> str | None:
        """``BANDWISE_DATABASE_URL`` with ``postgresql://`` meaning psycopg 3, or None."""
        url = self.database_url
        if url and url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url[len("postgresql://") :]
        return url


def variable(name: str) -> str:
    """The environment variable of the field ``name``."""
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else PREFIX + name.upper()


def _number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _expected(error: Mapping[str, Any], whole: bool) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "float_parsing"):
        whole_number = whole and _number(error.get("input"))
        return "is not a whole number" if whole_number else "is not a number"
    if kind == "greater_than":
        return f"is more than {context.get('gt')}"
    if kind == "greater_than_equal":
        return f"is at least {context.get('ge')}"
    if kind == "bool_parsing":
        return "is 1 or 0 (true/false, yes/no, on/off)"
    if kind == "value_error" and "time zone" in str(error.get("msg")):
        return "is a time zone name such as Europe/London"
    if kind == "literal_error":
        return f"is {context.get('expected', 'one of the allowed values')}"
    return str(error.get("msg", "is not valid"))


def _config_error(exc: ValidationError) -> ConfigError:
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    raw = error.get("input")
    shown = repr(raw[:40]) if isinstance(raw, str) else repr(raw)
    field = Settings.model_fields.get(name)
    expected = _expected(error, field is not None and field.annotation is int)
    what = variable(name) if name else "a setting"
    if expected.startswith("is not"):  # a value of the wrong kind: say what it is
        message = f"{what}: {shown} {expected}"
    else:
        message = f"{what} {expected}, not {shown}"
    kind = LimitSettingError if name.startswith("parse_") else ConfigError
    return kind(message)


@contextmanager
def _environment(environ: Mapping[str, str] | None) -> Iterator[None]:
    token = _given.set(environ)
    try:
        yield
    finally:
        _given.reset(token)


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from ``environ`` (default: the process environment)."""
    try:
        with _environment(environ):
            return Settings()
    except ValidationError as exc:
        raise _config_error(exc) from None
