"""Alembic environment: runs migrations on the engine bandwise builds (SQLite pragmas included)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bandwise.store.db import make_engine
from bandwise.store.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # before any BEGIN: the pragma is a no-op inside a transaction
            _foreign_keys(conn, on=False)
        try:
            context.configure(
                connection=conn, target_metadata=target_metadata, render_as_batch=True
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _no_broken_references(conn)
        finally:
            if sqlite:
                _foreign_keys(conn, on=True)
    engine.dispose()


def _foreign_keys(conn: Connection, on: bool) -> None:
    """SQLite's foreign keys off while migrating: a batch migration rebuilds a table
    (copy, drop, rename), and dropping a table that others refer to (``users``) with
    foreign keys on deletes its rows' references first, which fails as soon as the
    database holds records. Alembic's documented way; checked after by
    :func:`_no_broken_references`."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _no_broken_references(conn: Connection) -> None:
    """Refuse (roll back) a migration that left a row referring to a missing one."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"the migration left {len(broken)} broken references ({table} row {rowid} "
            f"refers to a missing {parent})"
        )


run_migrations_online()
