"""What a database error says about the storage beneath it, in words an administrator can
act on (a full disk, a read-only file, a server out of reach), and the health check's
probes of reading and writing.

A fault of the storage is answered 503 ``storage-unavailable`` (see
:mod:`bandwise.web.errors`); any other database error stays an unexpected 500.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ..services.base import Database
from ..store.db import READ_ONLY

DISK_FULL = "the database cannot be written: disk full"
READ_ONLY_FILE = "the database cannot be written: the database file is read-only"
READ_ONLY_SERVER = "the database cannot be written: the database is read-only"
UNREACHABLE = "the database cannot be reached"
BUSY = "the database is busy: try again in a moment"

#: The driver's words (SQLite, then PostgreSQL) for each fault, lower case.
_SIGNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DISK_FULL, ("database or disk is full", "no space left on device", "could not extend file")),
    (READ_ONLY_FILE, ("attempt to write a readonly database", "read-only file system")),
    (READ_ONLY_SERVER, ("read-only transaction", "recovery is in progress")),
    (
        UNREACHABLE,
        (
            "unable to open database file",
            "connection refused",
            "could not connect",
            "connection to server",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "could not translate host name",
            "name or service not known",
            "no route to host",
            "timeout expired",
        ),
    ),
    (BUSY, ("database is locked", "database table is locked")),
)


def storage_fault(exc: BaseException) -> str | None:
    """The fault of the storage this error reports, or None when it reports none (a
    constraint, a bug in a query: those are not the storage's)."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return UNREACHABLE
    words = str(exc.orig if exc.orig is not None else exc).lower()
    for fault, signs in _SIGNS:
        if any(sign in words for sign in signs):
            return fault
    return None


def _describe(exc: Exception) -> str:
    return storage_fault(exc) or f"the database failed: {type(exc).__name__}"


def probe(db: Database) -> tuple[str, str] | None:
    """None when the database answers a read and takes a write; else the check that
    failed (``database-read`` or ``database-write``) and what failed. The write probe
    changes a row to itself and rolls back: it meets a read-only or unopenable database,
    a lost server and a held write lock (SQLite begins it with the write lock); a full
    disk only when the write needs space before the commit."""
    check = "database-read"
    try:
        with db.engine.connect().execution_options(**{READ_ONLY: True}) as conn:
            conn.execute(text("SELECT 1"))
        check = "database-write"
        with db.engine.connect() as conn, conn.begin() as transaction:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            transaction.rollback()
    except Exception as exc:  # any driver error means: not healthy
        return check, f"the {check} check failed: {_describe(exc)}"
    return None
