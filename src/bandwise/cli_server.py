"""Command line for the server: run it, migrate its database, manage user accounts."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

from .cli_common import JsonOpt, UsageError, console, database_error, plain, print_json

if TYPE_CHECKING:
    from .services.base import Database

db_app = typer.Typer(
    help="The case-records database (SQLite in the data folder, or BANDWISE_DATABASE_URL).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
users_app = typer.Typer(
    help="User accounts: the first administrator, more users, the list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OrganisationOpt = typer.Option(
    None,
    "--organisation",
    help="Organisation slug (needed only when the database holds several).",
)


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _database(migrate: bool = False) -> Database:
    from .services.base import Database
    from .store.db import database_url

    url = database_url()
    if migrate:
        migrate_once(url)
    return Database.connect(url)


def _not_set_up(exc: Exception) -> UsageError:
    return database_error(exc)


def migrate_once(url: str) -> None:
    """Migrate ``url``, one process at a time: several servers starting together on one
    database wait for each other (a PostgreSQL advisory lock, or a lock file next to
    the SQLite file) instead of racing to create the same tables.

    A folder or database that cannot be written is a :class:`StorageError` (one line,
    exit 2), never a traceback."""
    from sqlalchemy.exc import DBAPIError

    from .errors import StorageError

    try:
        _migrate_once(url)
    except OSError as exc:
        raise StorageError(f"migrate the database {_safe_url(url)}", exc) from exc
    except DBAPIError as exc:
        raise StorageError(f"migrate the database {_safe_url(url)}", exc.orig or exc) from exc


def _migrate_once(url: str) -> None:
    from .store.migrate import upgrade

    if url.startswith("postgresql"):
        from sqlalchemy import text

        from .store.db import make_engine

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
                try:
                    upgrade(url)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
                    conn.commit()
        finally:
            engine.dispose()
        return
    from .store.db import sqlite_path

    path = sqlite_path(url)
    if path is None:
        upgrade(url)
        return
    try:
        import fcntl
    except ImportError:  # Windows: no advisory file locks; start one process first
        upgrade(url)
        return
    lock_path = path.with_name(path.name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            upgrade(url)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_MIGRATION_LOCK = 0x62616E64  # "band"


FIRST_ADMIN_EMAIL = "admin@bandwise.example"


def _local_secret() -> None:
    """For a local first run: a random secret kept in the data folder (mode 0600) and
    handed to the server through BANDWISE_SECRET_KEY_FILE, unless one is configured."""
    from .settings import load

    configured = load()
    if configured.secret_key.get_secret_value() or configured.secret_key_file:
        return
    import secrets

    from .errors import StorageError

    folder = configured.data_folder
    path = folder / "secret_key"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
    except OSError as exc:
        raise StorageError(f"keep a secret key in the data folder {str(folder)!r}", exc) from exc
    os.environ["BANDWISE_SECRET_KEY_FILE"] = str(path)


def _first_run(url: str, host: str, port: int) -> None:
    """Check the built-in suite, and create the first administrator on an empty database
    (the one-time password is printed once and must be changed at first sign-in)."""
    from .profiles.library import load_library
    from .services import accounts
    from .services.base import Database

    library = load_library()
    out = console()
    for suite, version in zip(library.suites, library.versions, strict=True):
        out.print(
            f"Profile suite: {suite.title} (version {version}, {len(suite.profiles)} profiles)",
            markup=False,
            highlight=False,
        )
    db = Database.connect(url)
    try:
        if accounts.user_count(db) == 0:
            user, password = accounts.create_admin(
                db, accounts.SETUP_ORGANISATION_NAME, FIRST_ADMIN_EMAIL
            )
            out.print("", markup=False)
            out.print("First administrator created (shown only now):", markup=False)
            out.print(f"  email:              {user.email}", markup=False, highlight=False)
            out.print(f"  one-time password:  {password}", markup=False, highlight=False)
            out.print("  You choose your own password at first sign-in.", markup=False)
        else:
            out.print(
                "Sign in with your account (a lost administrator password: "
                "`bandwise users create-admin` for a new organisation, or ask another admin).",
                markup=False,
            )
    finally:
        db.engine.dispose()
    out.print(f"Open http://{host}:{port}/ in a browser.", markup=False, highlight=False)


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes (they share the database)."
    ),
    setup: bool = typer.Option(
        False,
        "--setup",
        help="First run on this machine: keep a random secret in the data folder when none "
        "is configured, and create the first administrator on an empty database.",
    ),
) -> None:
    """Run the web app and API: migrates the configured database first, then serves the
    pages at / and the REST API at /api."""
    from .settings import load
    from .web.settings import Settings

    if setup:
        _local_secret()
    settings = Settings.from_env()
    settings.validate()  # refuse a missing or placeholder secret before touching anything
    migrate_once(settings.database_url)
    from .cli_db import startup_checks

    startup_checks()  # `bandwise doctor`'s checks: a failing one stops the server here
    if setup:
        _first_run(settings.database_url, host, port)
    import uvicorn

    console().print(
        f"bandwise serving http://{host}:{port}/ on {_safe_url(settings.database_url)}",
        markup=False,
        highlight=False,
    )
    uvicorn.run(
        "bandwise.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=load().forwarded_allow_ips,
        log_level=load().log_level.lower(),
        server_header=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema (safe to run again)."""
    from .store.db import database_url

    url = database_url()
    migrate_once(url)
    console().print(f"Database up to date: {_safe_url(url)}", markup=False, highlight=False)


@users_app.command("create-admin")
def users_create_admin(
    email: str = typer.Option(..., "--email", help="The administrator's email (sign-in name)."),
    organisation: str | None = typer.Option(
        None,
        "--organisation",
        help="The organisation's name (default: the set-up name, which an administrator "
        "changes under Admin).",
    ),
    name: str = typer.Option("Administrator", "--name", help="The administrator's name."),
    json_: bool = JsonOpt,
) -> None:
    """Create an organisation and its first administrator; prints a one-time password."""
    from .services.accounts import SETUP_ORGANISATION_NAME, create_admin

    organisation = organisation or SETUP_ORGANISATION_NAME
    user, password = create_admin(_database(migrate=True), organisation, email, name)
    if json_:
        print_json({"email": user.email, "one_time_password": password})
        return
    out = console()
    out.print(f"Administrator {user.email} created for {organisation}.", markup=False)
    out.print(f"One-time password: {password}", markup=False, highlight=False)
    out.print("It is shown only now; it must be changed at first sign-in.", markup=False)


@users_app.command("create")
def users_create(
    email: str = typer.Option(..., "--email", help="Sign-in email."),
    name: str = typer.Option(..., "--name", help="Full name."),
    role: str = typer.Option(..., "--role", help="admin, je-lead, practitioner or viewer."),
    side: str | None = typer.Option(
        None, "--side", help="management or staff-side (practitioners must have one)."
    ),
    checker: bool = typer.Option(
        False, "--checker", help="Make them a consistency checker (not for a viewer)."
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Add a user; prints a one-time password they must change at first sign-in."""
    from sqlalchemy.exc import DBAPIError

    from .services.accounts import create_user_as_operator

    try:
        user, password = create_user_as_operator(
            _database(), email, name, role, side, organisation, checker
        )
    except DBAPIError as exc:
        raise _not_set_up(exc) from exc
    if json_:
        print_json({"email": user.email, "role": user.role, "one_time_password": password})
        return
    out = console()
    out.print(f"User {user.email} ({user.role}) created.", markup=False)
    out.print(f"One-time password: {password}", markup=False, highlight=False)


@users_app.command("list")
def users_list(organisation: str | None = OrganisationOpt, json_: bool = JsonOpt) -> None:
    """Every account with its organisation, role, side and state."""
    from sqlalchemy.exc import DBAPIError

    from .services.accounts import list_users_as_operator

    try:
        rows = list_users_as_operator(_database(), organisation)
    except DBAPIError as exc:
        raise _not_set_up(exc) from exc
    data: list[dict[str, Any]] = [
        {
            "organisation": org.slug,
            "email": u.email,
            "name": u.name,
            "role": u.role,
            "side": u.side,
            "active": u.active,
            "must_change_password": u.must_change_password,
            "consistency_checker": u.consistency_checker,
        }
        for org, u in rows
    ]
    if json_:
        print_json(data)
        return
    from rich.table import Table

    table = Table(title="Users")
    for col in ("Organisation", "Email", "Name", "Role", "Side", "State"):
        table.add_column(col, no_wrap=col in ("Email", "Role"))
    for r in data:
        state = "active" if r["active"] else "inactive"
        if r["must_change_password"]:
            state += ", one-time password"
        if r["consistency_checker"]:
            state += ", consistency checker"
        cells = (r["organisation"], r["email"], r["name"], r["role"], r["side"] or "-", state)
        table.add_row(*map(plain, cells))  # a name cannot drive the terminal nor be markup
    console().print(table)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
