"""Command line for looking after an installation: ``bandwise db backup|restore|check``
and ``bandwise doctor`` (the checks ``serve`` also runs at start).

Exit codes: 0 all well, 1 a check failed (or the backup is not whole), 2 a user mistake
(a file that exists, a backup of the other database, a restore without ``--force``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cli_common import JsonOpt, UsageError, print_json, printable
from .cli_server import _safe_url, db_app, migrate_once


def _say(text: str) -> None:
    """One line as it is (no wrapping: a path or command stays whole, for grep too)."""
    sys.stdout.write(printable(text) + "\n")


@db_app.command("backup")
def db_backup(
    out: Path = typer.Option(..., "--out", help="The backup file to write (must not exist)."),
) -> None:
    """A consistent copy of the database while it runs: SQLite's backup API (the copy is
    integrity-checked), or pg_dump --format=custom for PostgreSQL."""
    from .store import maintenance
    from .store.db import database_url, sqlite_path

    url = database_url()
    out = out.expanduser().absolute()
    if url.startswith("postgresql"):
        maintenance.backup_postgres(url, out)
    else:
        path = sqlite_path(url)
        if path is None:
            raise UsageError("an in-memory database cannot be backed up")
        maintenance.backup_sqlite(path, out)
    _say(f"Backed up {_safe_url(url)} to {out} ({out.stat().st_size:,} bytes).")


@db_app.command("restore")
def db_restore(
    backup: Path = typer.Argument(..., help="A file made by `bandwise db backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds records."
    ),
) -> None:
    """Replace the database with a backup, after checking the backup is whole and its
    schema version is known to this release; an older backup is then upgraded. Stop the
    server first."""
    from .store import maintenance
    from .store.db import database_url, make_engine, sqlite_path

    url = database_url()
    postgres = url.startswith("postgresql")
    if not backup.is_file():
        raise UsageError(f"there is no backup file {backup}")
    kind = maintenance.backup_kind(backup)
    if kind != ("postgresql" if postgres else "sqlite"):
        here = "PostgreSQL" if postgres else "SQLite"
        raise UsageError(f"{backup} is a {kind} backup but the database is {here}")
    if postgres:
        version = maintenance.postgres_backup_version(backup, url)
    else:
        version = maintenance.sqlite_backup_version(backup)
    if version is None:
        raise UsageError(f"{backup} holds no bandwise schema version: not a bandwise backup")
    if version not in maintenance.revisions():  # made by a newer release
        raise UsageError(str(maintenance.version_problem(version, f"the backup {backup}")))
    older = version != maintenance.head()
    path = None if postgres else sqlite_path(url)
    if not postgres and path is None:
        raise UsageError("an in-memory database cannot be restored into")
    if path is None or path.is_file():
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                full = maintenance.holds_data(conn)
        finally:
            engine.dispose()
        if full and not force:
            raise UsageError(
                f"the database {_safe_url(url)} already holds records: restoring replaces "
                "them all; stop the server, back it up, and add --force"
            )
    if path is None:
        maintenance.restore_postgres(backup, url)
    else:
        maintenance.restore_sqlite(backup, path)
    _say(f"Restored {_safe_url(url)} from {backup} (schema version {version}).")
    if older:  # an older release's backup
        migrate_once(url)
        _say(f"Upgraded it from schema version {version} to {maintenance.head()}.")


@db_app.command("check")
def db_check(json_: bool = JsonOpt) -> None:
    """Check the database: integrity (SQLite's integrity and foreign key checks), the
    connection and schema version, and the audit trail's sealing triggers."""
    from sqlalchemy.exc import DBAPIError

    from .store import maintenance
    from .store.db import database_url, make_engine, sqlite_path

    url = database_url()
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise UsageError(f"there is no database at {path}: run `bandwise db upgrade`")
    results: list[tuple[str, bool, str]] = []
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            results.append(("connection", True, f"{_safe_url(url)} answers"))
            problems = maintenance.integrity_problems(conn)
            if conn.dialect.name == "sqlite":
                found = "; ".join(problems) or "no damage found (integrity and foreign keys)"
            else:
                found = "the server checks its own pages; nothing more to check here"
            results.append(("integrity", not problems, found))
            version = maintenance.schema_version(conn)
            problem = maintenance.version_problem(version)
            results.append(("schema", problem is None, problem or f"at version {version}"))
            missing = maintenance.missing_seals(conn)
            sealed = (
                "append-only (its sealing triggers are in place)"
                if not missing
                else f"NOT sealed: missing {', '.join(missing)}"
            )
            results.append(("audit-trail", not missing, sealed))
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()
        results.append(("connection", False, reason[0] if reason else str(exc)))
    finally:
        engine.dispose()
    ok = all(passed for _, passed, _ in results)
    if json_:
        print_json(
            {
                "healthy": ok,
                "checks": [
                    {"name": name, "status": "ok" if passed else "fail", "message": message}
                    for name, passed, message in results
                ],
            }
        )
    else:
        for name, passed, message in results:
            _say(f"{'OK' if passed else 'FAIL':<4}  {name}: {message}")
    if not ok:
        sys.exit(1)


def doctor_cmd(json_: bool = JsonOpt) -> None:
    """Check the installation: settings, secret, data folder, database, assets, time
    zone, HTTPS and proxies, mail server; one line per check with what to do. Exit 0
    when none fails."""
    from .web.doctor import healthy, run_checks

    checks = run_checks()
    ok = healthy(checks)
    if json_:
        print_json({"healthy": ok, "checks": [c.as_json() for c in checks]})
    else:
        for check in checks:
            _say(check.line())
    if not ok:
        sys.exit(1)


def startup_checks() -> None:
    """What ``serve`` runs before it listens: the doctor's checks (a mail server that does
    not answer is only a warning); a failure is printed and the server exits 1."""
    from .web.doctor import healthy, run_checks

    checks = run_checks(smtp=False)
    for check in checks:
        if check.status != "ok":
            sys.stderr.write(f"bandwise: {check.line()}\n")
    if not healthy(checks):
        sys.stderr.write("bandwise: not serving: fix the checks above (`bandwise doctor`)\n")
        sys.exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_cmd)
