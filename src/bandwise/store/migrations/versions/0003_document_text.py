"""cache the text extracted from stored documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Reading a job description for suggestions parsed the stored PDF or Word file again on
every view of the suggestions page (a hostile Word file: a minute and gigabytes each
time). ``document_texts`` keeps, per document, the text the reader extracted or the
reason it could not be read, with the reader version and the parsing limits it was read
under: the text is reused until the reader changes; an error is reused until the reader
or the limits change. Stored documents never change, so nothing else invalidates it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_texts",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=40), nullable=False),
        sa.Column("limits", sa.String(length=400), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(text IS NULL) <> (error IS NULL)", name="ck_document_texts_text_or_error"
        ),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )


def downgrade() -> None:
    op.drop_table("document_texts")
