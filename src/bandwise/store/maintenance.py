"""Looking after the database: its schema version, its integrity, backups and restores
(``bandwise db backup|restore|check`` and ``bandwise doctor``).

* **SQLite** is copied with SQLite's online backup API (a consistent copy while the
  server runs, never a half-written file), and the copy is checked with
  ``PRAGMA integrity_check`` before it is kept. A restore copies a checked backup into
  the database with the same API.
* **PostgreSQL** is dumped with ``pg_dump --format=custom`` and restored with
  ``pg_restore`` piped into ``psql --single-transaction`` (after dropping the old
  schema in the same transaction, so a failed restore leaves the database as it was).
  The commands run when the PostgreSQL client is on the PATH; otherwise the error says
  the command to run by hand.

A backup's schema version (its ``alembic_version``) must be one this release knows:
a backup made by a newer release is refused, an older one is upgraded after restoring.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import URL, make_url

from ..errors import StorageError, UsageError
from .migrate import alembic_config

#: The triggers that make the audit trail append-only (migrations 0001 and 0002).
SEALS: dict[str, frozenset[str]] = {
    "sqlite": frozenset(
        {"audit_events_no_update", "audit_events_no_delete", "audit_events_no_replace"}
    ),
    "postgresql": frozenset(
        {"audit_events_no_update", "audit_events_no_delete", "audit_events_no_truncate"}
    ),
}
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: How long a PostgreSQL client command may run.
PG_TIMEOUT = 3600


def revisions() -> list[str]:
    """The schema versions this release knows, oldest first (the last is the head)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head() -> str:
    return revisions()[-1]


def schema_version(conn: Connection) -> str | None:
    """The database's schema version, or None when it was never migrated."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def version_problem(version: str | None, what: str = "the database") -> str | None:
    """Why ``version`` is not this release's latest schema (with what to do), or None."""
    known = revisions()
    if version is None:
        return f"{what} is not set up: run `bandwise db upgrade`"
    if version not in known:
        return (
            f"{what} has schema version {version}, which this release does not know "
            f"(it was made by a newer release): install that release or a later one"
        )
    if version != known[-1]:
        return (
            f"{what} has schema version {version}, this release needs {known[-1]}: "
            "run `bandwise db upgrade`"
        )
    return None


def missing_seals(conn: Connection) -> list[str]:
    """The audit trail's sealing triggers that are not in place (sorted)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        query = text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
            "AND tgrelid = to_regclass('audit_events')"
        )
    else:
        query = text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
        )
    present = set(conn.execute(query).scalars())
    return sorted(SEALS.get(dialect, frozenset()) - present)


def integrity_problems(conn: Connection) -> list[str]:
    """What SQLite's integrity and foreign key checks report (nothing on PostgreSQL,
    whose pages are checked by the server itself)."""
    if conn.dialect.name != "sqlite":
        return []
    return _sqlite_problems(conn.connection.dbapi_connection)  # type: ignore[arg-type]


def _sqlite_problems(raw: sqlite3.Connection) -> list[str]:
    found = [row[0] for row in raw.execute("PRAGMA integrity_check").fetchall()]
    problems = [] if found == ["ok"] else [f"integrity check: {line}" for line in found[:20]]
    for table, rowid, parent, _ in raw.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        problems.append(f"foreign key check: {table} row {rowid} refers to a missing {parent}")
    return problems


def holds_data(conn: Connection) -> bool:
    """Whether any table but ``alembic_version`` has a row."""
    names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
    quote = conn.dialect.identifier_preparer.quote
    return any(
        conn.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first() is not None
        for name in names
    )


# -- backup ------------------------------------------------------------------------------


def _refuse_existing(out: Path) -> None:
    if out.exists():
        raise UsageError(f"{out} already exists: give a new file name for the backup")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent} is not a folder: create it first")


def backup_sqlite(database: Path, out: Path) -> None:
    """A consistent copy of the SQLite file ``database`` (online: the server may run),
    checked before it is kept, as one self-contained file (no ``-wal``)."""
    _refuse_existing(out)
    if not database.is_file():
        raise UsageError(f"there is no database at {database}: nothing to back up")
    partial = out.with_name(out.name + ".partial")
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = _sqlite_problems(copy)
        if problems:
            raise StorageError("make a whole backup", "; ".join(problems))
        partial.replace(out)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"back up the database to {out}", exc) from exc
    finally:
        partial.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class PgTarget:
    """The parts of a PostgreSQL URL the client commands take (the password by
    ``PGPASSWORD``, never on the command line)."""

    host: str | None
    port: int | None
    username: str | None
    password: str | None
    database: str
    sslmode: str | None = None

    @classmethod
    def of(cls, url: str) -> PgTarget:
        parts: URL = make_url(url)
        sslmode = parts.query.get("sslmode")
        return cls(
            parts.host,
            parts.port,
            parts.username,
            parts.password,
            parts.database or "",
            sslmode if isinstance(sslmode, str) else None,
        )

    def args(self) -> list[str]:
        out = []
        if self.host:
            out += ["--host", self.host]
        if self.port:
            out += ["--port", str(self.port)]
        if self.username:
            out += ["--username", self.username]
        return out

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        if self.sslmode:
            env["PGSSLMODE"] = self.sslmode
        return env

    def shown(self) -> str:
        """The arguments as an operator would type them (no password)."""
        return " ".join([*self.args(), self.database])


def _client(name: str, documented: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise UsageError(
            f"{name} is not on the PATH: install the PostgreSQL client (apt install "
            f"postgresql-client, the server's major version or later) or run: {documented}"
        )
    return found


def _run(command: list[str], target: PgTarget, what: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            env=target.env(),
            timeout=PG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StorageError(what, exc) from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise StorageError(what, reason[0] if reason else f"exit status {done.returncode}")
    return done.stdout


def backup_postgres(url: str, out: Path) -> None:
    """``pg_dump --format=custom`` of the database at ``url`` into ``out``."""
    _refuse_existing(out)
    target = PgTarget.of(url)
    documented = f"pg_dump --format=custom --file {out} {target.shown()}"
    pg_dump = _client("pg_dump", documented)
    partial = out.with_name(out.name + ".partial")
    try:
        _run(
            [pg_dump, "--format=custom", "--file", str(partial), *target.args(), target.database],
            target,
            f"back up the database with `{documented}`",
        )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


# -- restore -----------------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql``: which database made the backup file."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise UsageError(f"cannot read the backup {path}: {exc.strerror or exc}") from exc
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise UsageError(
        f"{path} is not a bandwise backup (neither an SQLite database nor a pg_dump "
        "custom-format file)"
    )


def sqlite_backup_version(path: Path) -> str | None:
    """Check an SQLite backup is whole; its schema version."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            problems = _sqlite_problems(conn)
            has_version = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            version = (
                conn.execute("SELECT version_num FROM alembic_version").fetchone()
                if has_version
                else None
            )
    except sqlite3.Error as exc:
        raise UsageError(f"the backup {path} cannot be read: {exc}") from exc
    if problems:
        raise UsageError(f"the backup {path} is damaged: {'; '.join(problems)}")
    return None if version is None else str(version[0])


def restore_sqlite(backup: Path, database: Path) -> None:
    """Copy the (checked) ``backup`` over ``database`` with the backup API."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
            contextlib.closing(sqlite3.connect(database, timeout=30)) as target,
        ):
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"restore the database {database}", exc) from exc


_COPY_VERSION = re.compile(rb"COPY [\w.\"]*alembic_version \(version_num\) FROM stdin;\n(.*?)\n")


def postgres_backup_version(backup: Path, url: str) -> str | None:
    """Check a pg_dump file can be read whole (``pg_restore --list``); its schema version."""
    target = PgTarget.of(url)
    pg_restore = _client("pg_restore", f"pg_restore --list {backup}")
    what = f"read the backup {backup}"
    _run([pg_restore, "--list", str(backup)], target, what)
    data = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(backup)],
        target,
        what,
    )
    found = _COPY_VERSION.search(data)
    if found is None or found.group(1) == b"\\.":
        return None
    return found.group(1).decode("ascii", "replace").strip()


def restore_postgres(backup: Path, url: str) -> None:
    """Replace the database's tables with the backup's, in one transaction."""
    target = PgTarget.of(url)
    documented = (
        f"pg_restore --clean --if-exists --no-owner --single-transaction "
        f"--dbname {target.database} {' '.join(target.args())} {backup}"
    )
    pg_restore = _client("pg_restore", documented)
    psql = _client("psql", documented)
    what = f"restore the database from {backup}"
    script = _run(
        [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(backup)], target, what
    )
    preamble = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    _run(
        [psql, "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1",
         *target.args(), "--dbname", target.database, "--file=-"],
        target,
        what,
        stdin=preamble + script,
    )  # fmt: skip
