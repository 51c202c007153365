"""panels as made up, the organisation's details and rule sets, letters

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

- ``users.consistency_checker``: the capability an administrator grants to do
  consistency checks.
- ``panel_members``: a member is an account or a guest recorded by name, side and
  organisation (``user_id`` becomes nullable; exactly one of the two is given).
- ``outcomes.rationale``: the panel's reasons in its own words.
- ``organisations``: address, logo and a version for concurrent edits.
- ``local_rule_sets``: versions of an organisation's matching rules, one in force.
- ``letter_templates`` and ``letters``: the organisation's wording and the letters made.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _created(name: str) -> sa.Column[dt.datetime]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        server_default=sa.text("(CURRENT_TIMESTAMP)"),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "consistency_checker", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("panel_members") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("guest_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("guest_organisation", sa.String(length=200), nullable=True))
        batch.create_check_constraint(
            "ck_panel_members_user_or_guest", "(user_id IS NULL) <> (guest_name IS NULL)"
        )
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("rationale", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("logo_content_type", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))

    op.create_table(
        "local_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        _created("created_at"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "rule_set_id", "version", name="uq_local_rule_sets"),
    )
    op.create_index("ix_local_rule_sets_organisation_id", "local_rule_sets", ["organisation_id"])
    op.create_index(
        "uq_local_rule_sets_in_force",
        "local_rule_sets",
        ["organisation_id"],
        unique=True,
        sqlite_where=sa.text("in_force"),
        postgresql_where=sa.text("in_force"),
    )
    op.create_table(
        "letter_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        _created("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('outcome-jobholder', 'outcome-manager', 'review-decision')",
            name="ck_letter_templates_kind",
        ),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "kind", name="uq_letter_templates"),
    )
    op.create_index("ix_letter_templates_organisation_id", "letter_templates", ["organisation_id"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("review_request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_email", sa.String(length=254), nullable=True),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        _created("created_at"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("send_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('outcome-jobholder', 'outcome-manager', 'review-decision')",
            name="ck_letters_kind",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["review_request_id"], ["review_requests.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letters_organisation_id", "letters", ["organisation_id"])
    op.create_index("ix_letters_case_id", "letters", ["case_id"])


def downgrade() -> None:
    op.drop_table("letters")
    op.drop_table("letter_templates")
    op.drop_index("uq_local_rule_sets_in_force", table_name="local_rule_sets")
    op.drop_table("local_rule_sets")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("version")
        batch.drop_column("logo_content_type")
        batch.drop_column("logo")
        batch.drop_column("address")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("rationale")
    with op.batch_alter_table("panel_members") as batch:
        batch.drop_constraint("ck_panel_members_user_or_guest", type_="check")
        batch.drop_column("guest_organisation")
        batch.drop_column("guest_name")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("consistency_checker")
