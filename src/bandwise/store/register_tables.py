"""The JE register's tables (migration 0004): what a trust's job description register
holds beyond the job itself, the job description reviews, the postholders over time,
panel members' JE training, and the quarterly returns to NHS England.

Kept apart from :mod:`.tables` so the register grows without touching the case tables;
:mod:`.tables` imports this module so one metadata holds every table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base
from .types import UTCDateTime

JD_REVIEW_RESULTS = ("unchanged", "band-increased", "band-decreased", "band-unchanged")


def _now() -> Any:
    return func.now()


class JobRegister(Base):
    """A job's register entry: staff group, the band the trust holds for it (the band of
    its latest outcome wins where bandwise has one), the JD's dates, and extra columns
    from an import kept as notes."""

    __tablename__ = "job_register"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    staff_group: Mapped[str | None] = mapped_column(String(60))
    band: Mapped[str | None] = mapped_column(String(10))
    jd_written: Mapped[dt.date | None] = mapped_column(Date)
    jd_last_reviewed: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class Postholders(Base):
    """How many people hold a job (headcount and whole-time equivalent) as at a date:
    one row per date, so the history stays."""

    __tablename__ = "job_postholders"
    __table_args__ = (
        UniqueConstraint("job_id", "as_at", name="uq_job_postholders"),
        CheckConstraint("headcount >= 0", name="ck_job_postholders_headcount"),
        CheckConstraint("wte >= 0", name="ck_job_postholders_wte"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    as_at: Mapped[dt.date] = mapped_column(Date)
    headcount: Mapped[int] = mapped_column(Integer)
    wte: Mapped[Any] = mapped_column(Numeric(9, 2))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class JdReview(Base):
    """A job description review: the date, who reviewed it, the result and how many staff
    it affected, linked to the case when the JD was re-matched or re-evaluated."""

    __tablename__ = "jd_reviews"
    __table_args__ = (
        CheckConstraint(
            "result IN (" + ", ".join(repr(r) for r in JD_REVIEW_RESULTS) + ")",
            name="ck_jd_reviews_result",
        ),
        CheckConstraint("staff_affected >= 0", name="ck_jd_reviews_staff"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(20))
    band_before: Mapped[str | None] = mapped_column(String(10))
    band_after: Mapped[str | None] = mapped_column(String(10))
    staff_affected: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class JeTraining(Base):
    """When a person was trained in job evaluation (for the annual practices audit)."""

    __tablename__ = "je_training"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    trained_on: Mapped[dt.date] = mapped_column(Date)


class JeReturn(Base):
    """One quarter's JE KPI return for one organisation: the answers people give (board
    readiness, SRO sign-off, estimated flags) and, once submitted, the frozen figures."""

    __tablename__ = "je_returns"
    __table_args__ = (UniqueConstraint("organisation_id", "quarter", name="uq_je_returns"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q3"
    board_readiness: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    estimated: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sro_name: Mapped[str | None] = mapped_column(String(200))
    sro_confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    sro_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
