"""Database engines: an SQLite file by default, PostgreSQL when BANDWISE_DATABASE_URL says so.

SQLite gets WAL mode (readers never block the writer) and foreign keys on every
connection; PostgreSQL uses psycopg 3. Nothing is created at import time: callers
build an engine from settings (the app factory, the CLI, tests).

Transactions on SQLite: pysqlite would send no ``BEGIN`` before a SELECT (only before
the first write), so a version read and the write after it were not one transaction.
Here pysqlite's own transaction handling is off and every transaction begins with our
``BEGIN IMMEDIATE``, which takes the database's write lock at once: writers queue (up to
``busy_timeout``) and each reads what the one before it committed. A read-only unit of
work (:func:`reader`) begins a plain deferred ``BEGIN``: a snapshot that takes no write
lock, so reads never wait for writers nor writers for reads.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StorageError
from ..settings import load


def database_url() -> str:
    """``BANDWISE_DATABASE_URL``, or an SQLite file in the data folder."""
    settings = load()
    if settings.database:
        return settings.database
    folder = settings.data_folder
    _make_folder(folder, "data folder")
    return f"sqlite:///{folder / 'bandwise.db'}"


def _make_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a path under a regular file, a read-only folder
        raise StorageError(f"create the {what} {str(folder)!r}", exc) from exc


def sqlite_path(url: str) -> Path | None:
    """The file an SQLite URL names (``file:`` URIs too), or None (memory, other engines)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database or ""
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


#: Execution option marking a read-only unit of work (see the module docstring).
READ_ONLY = "bandwise_read_only"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: _sqlite_begin sends it
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    with contextlib.suppress(sqlite3.OperationalError):
        # a read-only database keeps its journal mode and can still be read
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Begin every SQLite transaction ourselves: with the write lock unless read-only."""
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _make_folder(path.parent, "database folder")
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "checkin", _server_default_access)
    return engine


def _server_default_access(dbapi_connection: Any, _record: Any) -> None:
    """After a read-only unit of work SQLAlchemy resets psycopg's ``read_only`` to False,
    which makes every later ``BEGIN`` say ``READ WRITE`` and override a database or role
    set to ``default_transaction_read_only``. Back to None: the server's default rules."""
    if dbapi_connection is not None and dbapi_connection.read_only is not None:
        dbapi_connection.read_only = None


def reader(engine: Engine) -> Engine:
    """The engine for read-only units of work: on SQLite a deferred ``BEGIN`` (a snapshot,
    no write lock); on PostgreSQL a ``REPEATABLE READ READ ONLY`` transaction (one
    snapshot for all its queries, and any write in it is refused)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(
            **{READ_ONLY: True}, isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return engine.execution_options(**{READ_ONLY: True})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session
