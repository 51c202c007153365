"""the JE register: register fields, postholders, JD reviews, JE training, JE returns

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

NHS England's quarterly Job Evaluation Audit and KPI return counts job descriptions by
staff group and band with their review dates, and staff whose job descriptions were
reviewed. ``job_register`` holds those fields per job (a side table, so the case tables
are untouched); ``job_postholders`` keeps headcount and WTE as at a date with history;
``jd_reviews`` records each JD review and its result; ``je_training`` when a person was
trained in JE (the annual practices audit); ``je_returns`` one quarter's answers and, once
submitted, its frozen figures.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
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
    op.create_table(
        "job_register",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("staff_group", sa.String(length=60), nullable=True),
        sa.Column("band", sa.String(length=10), nullable=True),
        sa.Column("jd_written", sa.Date(), nullable=True),
        sa.Column("jd_last_reviewed", sa.Date(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        _created("updated_at"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("job_id"),
    )
    op.create_index("ix_job_register_organisation_id", "job_register", ["organisation_id"])
    op.create_table(
        "job_postholders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("wte", sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _created("recorded_at"),
        sa.CheckConstraint("headcount >= 0", name="ck_job_postholders_headcount"),
        sa.CheckConstraint("wte >= 0", name="ck_job_postholders_wte"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "as_at", name="uq_job_postholders"),
    )
    op.create_index("ix_job_postholders_organisation_id", "job_postholders", ["organisation_id"])
    op.create_index("ix_job_postholders_job_id", "job_postholders", ["job_id"])
    op.create_table(
        "jd_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("band_before", sa.String(length=10), nullable=True),
        sa.Column("band_after", sa.String(length=10), nullable=True),
        sa.Column("staff_affected", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        _created("recorded_at"),
        sa.CheckConstraint(
            "result IN ('unchanged', 'band-increased', 'band-decreased', 'band-unchanged')",
            name="ck_jd_reviews_result",
        ),
        sa.CheckConstraint("staff_affected >= 0", name="ck_jd_reviews_staff"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_jd_reviews_organisation_id", "jd_reviews", ["organisation_id"])
    op.create_index("ix_jd_reviews_job_id", "jd_reviews", ["job_id"])
    op.create_table(
        "je_training",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_je_training_organisation_id", "je_training", ["organisation_id"])
    op.create_table(
        "je_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("board_readiness", sa.JSON(), nullable=False),
        sa.Column("estimated", sa.JSON(), nullable=False),
        sa.Column("sro_name", sa.String(length=200), nullable=True),
        sa.Column("sro_confirmed_on", sa.Date(), nullable=True),
        sa.Column("sro_recorded_by", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["sro_recorded_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "quarter", name="uq_je_returns"),
    )
    op.create_index("ix_je_returns_organisation_id", "je_returns", ["organisation_id"])


def downgrade() -> None:
    for table in ("je_returns", "je_training", "jd_reviews", "job_postholders", "job_register"):
        op.drop_table(table)
