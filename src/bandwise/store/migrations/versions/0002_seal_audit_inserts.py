"""seal the audit trail against rewriting by insert

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

SQLite's ``INSERT OR REPLACE`` and ``REPLACE INTO`` delete the row with the same id and
insert a new one without firing the DELETE trigger (recursive triggers are off), so an
existing audit event could be rewritten. A BEFORE INSERT trigger refuses any insert
whose id is already taken. PostgreSQL needs nothing more: ``INSERT ... ON CONFLICT DO
UPDATE`` fires the UPDATE trigger of 0001, which refuses it.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEALED = "the audit trail is append-only: an existing audit event cannot be replaced"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""
            CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
            WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
            BEGIN SELECT RAISE(ABORT, '{SEALED}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_replace")
