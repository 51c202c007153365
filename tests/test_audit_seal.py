"""The audit trail is sealed in the database itself, on SQLite and PostgreSQL: every way
SQL offers to rewrite a stored event (UPDATE, DELETE, INSERT OR REPLACE, REPLACE INTO,
an upsert, UPDATE OR REPLACE, TRUNCATE) is refused, and the history reads the same
afterwards. An insert that would be silently skipped (INSERT OR IGNORE, ON CONFLICT DO
NOTHING) may be refused or do nothing, but never changes an event."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bandwise.services.base import Database
from bandwise.services.jobs import create_job, update_job
from dbfixtures import People

COLUMNS = "id, organisation_id, user_id, at, action, entity, entity_id"
FORGED = "(:id, :org, :user, :at, 'forged', 'job', :entity_id)"

#: Statements that rewrite history; each must be refused with the append-only message.
REWRITES: dict[str, tuple[str, ...]] = {
    "both": (
        "UPDATE audit_events SET action = 'forged' WHERE id = :id",
        "UPDATE audit_events SET after = NULL",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
        f"INSERT INTO audit_events ({COLUMNS}) VALUES {FORGED} "
        "ON CONFLICT (id) DO UPDATE SET action = excluded.action",
    ),
    "sqlite": (
        f"INSERT OR REPLACE INTO audit_events ({COLUMNS}) VALUES {FORGED}",
        f"REPLACE INTO audit_events ({COLUMNS}) VALUES {FORGED}",
        "UPDATE OR REPLACE audit_events SET action = 'forged' WHERE id = :id",
        "UPDATE OR IGNORE audit_events SET action = 'forged' WHERE id = :id",
    ),
    "postgresql": (
        "TRUNCATE audit_events",
        "TRUNCATE audit_events RESTART IDENTITY CASCADE",
        "MERGE INTO audit_events AS a USING (SELECT CAST(:id AS integer) AS id) AS s "
        "ON a.id = s.id WHEN MATCHED THEN UPDATE SET action = 'forged'",
        "MERGE INTO audit_events AS a USING (SELECT CAST(:id AS integer) AS id) AS s "
        "ON a.id = s.id WHEN MATCHED THEN DELETE",
    ),
}

#: Inserts that skip a row whose id exists: refused or a no-op, never a change.
SKIPS: dict[str, tuple[str, ...]] = {
    "both": (f"INSERT INTO audit_events ({COLUMNS}) VALUES {FORGED} ON CONFLICT DO NOTHING",),
    "sqlite": (f"INSERT OR IGNORE INTO audit_events ({COLUMNS}) VALUES {FORGED}",),
    "postgresql": (),
}


def history(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM audit_events ORDER BY id"))]


def _params(db: Database, people: People) -> dict[str, Any]:
    first = history(db)[0]
    return {
        "id": first[0],
        "org": people.organisation_id,
        "user": people.admin.user_id,
        "at": first[3],
        "entity_id": first[6],
    }


def _statements(table: dict[str, tuple[str, ...]], dialect: str) -> list[str]:
    return [*table["both"], *table[dialect]]


def test_every_way_to_rewrite_an_audit_event_is_refused_and_history_is_unchanged(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    update_job(db, people.lead, job.id, job.version, {"title": "Art Therapist"})
    stored = history(db)
    assert [row[4] for row in stored] == ["job.created", "job.updated"]
    params = _params(db, people)
    statements = _statements(REWRITES, db.engine.dialect.name)
    assert len(statements) >= 7
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only") as refused, db.engine.begin() as conn:
            conn.execute(text(statement), params)
        assert "append-only" in str(refused.value), statement
        assert history(db) == stored, statement


def test_an_insert_that_would_skip_an_existing_event_changes_nothing(
    db: Database, people: People
) -> None:
    create_job(db, people.lead, "Arts Therapist")
    stored = history(db)
    params = _params(db, people)
    for statement in _statements(SKIPS, db.engine.dialect.name):
        try:
            with db.engine.begin() as conn:
                conn.execute(text(statement), params)
        except DBAPIError as exc:  # refused outright: as good as skipped
            assert "append-only" in str(exc), statement
        assert history(db) == stored, statement


def test_new_events_are_still_appended_after_a_refused_rewrite(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    update_job(db, people.lead, job.id, job.version, {"title": "Art Therapist"})
    assert [row[4] for row in history(db)] == ["job.created", "job.updated"]
