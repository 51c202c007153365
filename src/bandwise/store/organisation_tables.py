"""The organisation's own tables (migration 0005): its local matching rule sets, its
letter templates, and the letters it produced.

Kept apart from :mod:`.tables` so the case tables stay as they are; :mod:`.tables`
imports this module so one metadata holds every table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base
from .types import UTCDateTime

#: The letters a JE team sends: the outcome to the jobholder and to the manager, and the
#: decision on a review.
LETTER_KINDS = ("outcome-jobholder", "outcome-manager", "review-decision")


def _now() -> Any:
    return func.now()


class LocalRuleSet(Base):
    """One version of an organisation's matching rule set: the whole rule set as YAML (the
    format of ``scheme/data/matching_rules.yaml``) and, for each setting changed from the
    default, the administrator's reason. Versions are never edited; a change is a new
    version. At most one version is in force per organisation; none means the default."""

    __tablename__ = "local_rule_sets"
    __table_args__ = (
        UniqueConstraint("organisation_id", "rule_set_id", "version", name="uq_local_rule_sets"),
        Index(
            "uq_local_rule_sets_in_force",
            "organisation_id",
            unique=True,
            sqlite_where=text("in_force"),
            postgresql_where=text("in_force"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    rule_set_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # the rule set YAML
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON)  # setting name -> reason
    in_force: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())


class LetterTemplate(Base):
    """The organisation's own wording of a letter (a Jinja2 template of documented
    fields); without a row the built-in default is used."""

    __tablename__ = "letter_templates"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", name="uq_letter_templates"),
        CheckConstraint(
            "kind IN ('outcome-jobholder', 'outcome-manager', 'review-decision')",
            name="ck_letter_templates_kind",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Letter(Base):
    """A letter produced for a case (an outcome) or a review request (its decision): the
    fields it was written from, the rendered PDF and Word files, and, when SMTP is set
    up, whether it was emailed."""

    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('outcome-jobholder', 'outcome-manager', 'review-decision')",
            name="ck_letters_kind",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    review_request_id: Mapped[int | None] = mapped_column(ForeignKey("review_requests.id"))
    kind: Mapped[str] = mapped_column(String(40))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    letter_date: Mapped[dt.date] = mapped_column(Date)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the values the template saw
    template_version: Mapped[int] = mapped_column(Integer)  # 0: the built-in default
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    docx: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), server_default=_now())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_error: Mapped[str | None] = mapped_column(Text)
