"""The store itself: migrations apply, foreign keys hold, the audit trail is append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bandwise.services.base import Database
from bandwise.services.jobs import create_job
from bandwise.store.migrate import upgrade
from dbfixtures import People


def test_migrations_apply_twice_without_error(db_url: str) -> None:
    upgrade(db_url)  # already at head: a no-op


def test_the_database_refuses_to_change_or_delete_audit_events(
    db: Database, people: People
) -> None:
    create_job(db, people.lead, "Arts Therapist")
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_events")).scalars().all() == [
            "job.created"
        ]


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO jobs (organisation_id, title, reference, department, "
                "status, version) VALUES (999, 'x', '', '', 'active', 1)"
            )
        )


def test_sqlite_runs_in_wal_mode(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
