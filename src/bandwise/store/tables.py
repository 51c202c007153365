"""The case-record tables. Every row belongs to an organisation (tenant), except the
audit trail's organisation may be null for system events.

Records that people edit concurrently carry a ``version`` for optimistic
concurrency: an update names the version it read, and a stale one is refused
rather than silently overwriting someone else's change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import UTCDateTime

ROLES = ("admin", "je-lead", "practitioner", "viewer")
SIDES = ("management", "staff-side")
CASE_KINDS = ("match", "hybrid", "evaluation", "review")
CASE_STATUSES = ("draft", "outcome-recorded", "returned", "confirmed", "review-requested", "closed")
DOCUMENT_KINDS = ("job-description", "person-specification", "organisation-chart", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _now() -> Any:
    return func.now()


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    # Printed on reports and letters (migration 0005); edited by an administrator.
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_content_type: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="ck_users_role"),
        CheckConstraint(f"side IS NULL OR {_in('side', SIDES)}", name="ck_users_side"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    side: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Granted by an administrator: may do consistency checks (migration 0005).
    consistency_checker: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    version: Mapped[int] = mapped_column(Integer, default=1)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """Browser sessions live in the database so any server process can serve any request."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """Failed sign-ins, shared by every server process, for throttling."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("status", ("active", "archived")), name="ck_jobs_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (CheckConstraint(_in("kind", DOCUMENT_KINDS), name="ck_documents_kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    document_date: Mapped[dt.date | None] = mapped_column(Date)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class DocumentText(Base):
    """The text extracted from a stored document, or why it could not be read, so the
    document is parsed once, not on every view (migration 0003)."""

    __tablename__ = "document_texts"
    __table_args__ = (
        CheckConstraint(
            "(text IS NULL) <> (error IS NULL)", name="ck_document_texts_text_or_error"
        ),
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reader: Mapped[str] = mapped_column(String(40))  # the extraction's version
    limits: Mapped[str] = mapped_column(String(400))  # the parsing limits it was read under
    text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("kind", CASE_KINDS), name="ck_cases_kind"),
        CheckConstraint(_in("status", CASE_STATUSES), name="ck_cases_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), default="draft")
    profile_id: Mapped[str | None] = mapped_column(String(100))
    suite_id: Mapped[str | None] = mapped_column(String(100))
    suite_version: Mapped[int | None] = mapped_column(Integer)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Panel(Base):
    """A panel sitting: who sat, on which side, on what date."""

    __tablename__ = "panels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    sat_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class PanelMember(Base):
    """One member of a sitting: an account, or a guest recorded by name, side and
    organisation (a staff-side representative from outside the JE team, migration 0005)."""

    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("panel_id", "user_id", name="uq_panel_members"),
        CheckConstraint(_in("side", SIDES), name="ck_panel_members_side"),
        CheckConstraint(
            "(user_id IS NULL) <> (guest_name IS NULL)", name="ck_panel_members_user_or_guest"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    side: Mapped[str] = mapped_column(String(20))  # the member's side when they sat
    guest_name: Mapped[str | None] = mapped_column(String(200))
    guest_organisation: Mapped[str | None] = mapped_column(String(200))


class FactorDecision(Base):
    __tablename__ = "factor_decisions"
    __table_args__ = (
        UniqueConstraint("case_id", "factor", name="uq_factor_decisions"),
        CheckConstraint("factor BETWEEN 1 AND 16", name="ck_factor_decisions_factor"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    factor: Mapped[int] = mapped_column(Integer)
    levels: Mapped[str] = mapped_column(String(40))  # as given: "5", "5c", "3(a)", "2-3"
    evidence: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class Outcome(Base):
    """What a panel decided, with everything needed to re-explain it years later."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    panel_id: Mapped[int | None] = mapped_column(ForeignKey("panels.id"))
    verdict: Mapped[str] = mapped_column(String(30))
    total_min: Mapped[int] = mapped_column(Integer)
    total_max: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(60))
    levels: Mapped[list[Any]] = mapped_column(JSON)  # the 16 level texts decided
    profile_id: Mapped[str | None] = mapped_column(String(100))
    suite_id: Mapped[str | None] = mapped_column(String(100))
    suite_version: Mapped[int | None] = mapped_column(Integer)
    scheme_edition: Mapped[str] = mapped_column(String(100))
    rule_set_id: Mapped[str] = mapped_column(String(100))
    rule_set_version: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Why the panel decided as it did, in its own words (migration 0005).
    rationale: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class ConsistencyCheck(Base):
    __tablename__ = "consistency_checks"
    __table_args__ = (
        CheckConstraint(
            _in("decision", ("approved", "returned")), name="ck_consistency_checks_decision"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"))
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class ReviewRequest(Base):
    __tablename__ = "review_requests"
    __table_args__ = (
        CheckConstraint(
            _in("status", ("open", "upheld", "not-upheld", "withdrawn")),
            name="ck_review_requests_status",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    review_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    requested_by: Mapped[str] = mapped_column(String(200))  # the jobholder(s), by name
    requested_on: Mapped[dt.date] = mapped_column(Date)
    disputed_factors: Mapped[list[Any]] = mapped_column(JSON)
    grounds: Mapped[str] = mapped_column(Text)
    late_override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late_override_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class StoredSuite(Base):
    """An imported national profile suite, one row per version (the YAML as stored)."""

    __tablename__ = "profile_suites"
    __table_args__ = (
        UniqueConstraint("organisation_id", "suite_id", "version", name="uq_profile_suites"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    suite_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)  # the suite YAML
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class AuditEvent(Base):
    """Append-only: the database refuses UPDATE and DELETE on this table (see migrations)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now(), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


from . import organisation_tables as _organisation_tables  # noqa: E402,F401  (rules, letters)
from . import register_tables as _register_tables  # noqa: E402,F401  (the JE register's tables)
