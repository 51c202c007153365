"""The organisation's letter templates: read (its own wording, else the built-in one),
saved by an administrator or JE lead (``manage-letters``) after a check that the
template renders with the kind's documented fields, and reset to the built-in wording.

Versions: the built-in wording is version 0; the first save makes version 1 and each
later save or reset adds one (a reset stores the built-in wording as a new version, so a
letter's ``template_version`` always names one wording). A save names the version it
was made from and is refused when someone saved in between. Each save or reset writes
one audit event (``letter-template.saved``, ``letter-template.reset``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..letters import KINDS, LetterText, check_template, default_template, render_letter
from ..letters.fields import sample_fields
from ..store.organisation_tables import LetterTemplate
from .base import Actor, Conflict, Database, audit, now
from .case_records import utc


@dataclass(frozen=True, slots=True)
class TemplateView:
    kind: str
    subject: str
    body: str
    version: int  # 0: the built-in wording, never saved
    is_default: bool  # the wording is the built-in one
    updated_by: int | None
    updated_at: dt.datetime | None


def _row(
    session: Session, organisation_id: int, kind: str, lock: bool = False
) -> LetterTemplate | None:
    query = select(LetterTemplate).where(
        LetterTemplate.organisation_id == organisation_id, LetterTemplate.kind == kind
    )
    return session.scalar(query.with_for_update() if lock else query)


def template_of(session: Session, organisation_id: int, kind: str) -> tuple[LetterText, int]:
    """The wording in force for ``kind`` and its version (0: the built-in one)."""
    default = default_template(kind)
    row = _row(session, organisation_id, kind)
    if row is None:
        return default, 0
    return LetterText(row.subject, row.body), row.version


def _view(kind: str, row: LetterTemplate | None) -> TemplateView:
    default = default_template(kind)
    if row is None:
        return TemplateView(kind, default.subject, default.body, 0, True, None, None)
    same = (row.subject, row.body) == (default.subject, default.body)
    return TemplateView(
        kind, row.subject, row.body, row.version, same, row.updated_by, utc(row.updated_at)
    )


def list_templates(db: Database, actor: Actor) -> tuple[TemplateView, ...]:
    actor.require("read")
    with db.reading() as session:
        return tuple(_view(k, _row(session, actor.organisation_id, k)) for k in KINDS)


def get_template(db: Database, actor: Actor, kind: str) -> TemplateView:
    actor.require("read")
    default_template(kind)  # an unknown kind is an InvalidInput naming the kinds
    with db.reading() as session:
        return _view(kind, _row(session, actor.organisation_id, kind))


def preview(kind: str, subject: str, body: str) -> LetterText:
    """The template rendered with the kind's sample fields (checked as a save is)."""
    template = check_template(kind, subject, body)
    return render_letter(template, sample_fields(kind), kind)


def _write(
    db: Database, actor: Actor, kind: str, version: int | None, text: LetterText, action: str
) -> TemplateView:
    with db.transaction() as session:
        row = _row(session, actor.organisation_id, kind, lock=True)
        current = row.version if row is not None else 0
        if version is not None and version != current:
            raise Conflict(
                f"the {kind} template was changed by someone else (version {current}, you "
                f"had {version}); reload it and apply your change again",
                "version",
            )
        before = (
            {"version": current, "subject": row.subject, "body": row.body}
            if row is not None
            else {"version": 0}
        )
        if row is None:
            row = LetterTemplate(organisation_id=actor.organisation_id, kind=kind, version=1)
            session.add(row)
        else:
            row.version += 1
        row.subject, row.body = text.subject, text.body
        row.updated_by, row.updated_at = actor.user_id, now()
        session.flush()
        audit(
            session,
            actor,
            action,
            "letter_template",
            row.id,
            before=before,
            after={"kind": kind, "version": row.version, "subject": row.subject, "body": row.body},
        )
        return _view(kind, row)


def save_template(
    db: Database, actor: Actor, kind: str, subject: str, body: str, version: int | None
) -> TemplateView:
    """Save the organisation's wording of ``kind`` (checked first: an unknown field or a
    template error is an InvalidInput naming the part, the line and the field)."""
    actor.require("manage-letters")
    template = check_template(kind, subject, body)
    return _write(db, actor, kind, version, template, "letter-template.saved")


def reset_template(db: Database, actor: Actor, kind: str, version: int | None) -> TemplateView:
    """Go back to the built-in wording of ``kind`` (as a new version)."""
    actor.require("manage-letters")
    return _write(db, actor, kind, version, default_template(kind), "letter-template.reset")
