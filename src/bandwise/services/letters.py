"""The letters of a case: the outcome letters (to the jobholder or jobholders and to the
manager) and the review decision letter, produced from the organisation's templates (or
the built-in ones), stored with the case as PDF and Word, listed in its audit trail and,
when a mail server is set up and an address was given, emailed.

Rules:

- Outcome letters are produced once the case's outcome is in force (approved by the
  consistency check: the case is confirmed, notified, under review or closed with that
  outcome); a review case's letter is the review decision letter instead.
- The review decision letter is produced once the review is decided (upheld or not
  upheld); it is to the person who asked for the review unless another name is given, and
  it is kept with the original case.
- The review deadline in an outcome letter is the notification date plus the review
  window (:func:`.reviews.review_deadline`, the policy's three months); a letter produced
  before the notification is recorded counts its own date as the notification.
- The effective date is what the user gives, by default the notification date.
- Each letter is one row with the fields its template saw, the template's version (0: the
  built-in wording), the PDF and the Word file, and one ``letter.produced`` audit event
  on the case.

The letter is rendered outside the transaction (WeasyPrint takes a moment, and no lock
should wait for it); the rows and events are then written in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..letters import (
    DOCX_MEDIA_TYPE,
    KIND_LABELS,
    PDF_MEDIA_TYPE,
    LetterText,
    Page,
    letter_docx,
    letter_pdf,
    render_letter,
)
from ..letters.fields import OUTCOME_JOBHOLDER, OUTCOME_MANAGER, REVIEW_DECISION
from ..store import tables as t
from ..store.organisation_tables import Letter
from .accounts import normalise_email
from .base import Actor, Database, InvalidInput, RuleViolation, audit, get_owned, now
from .case_records import utc
from .fields import check_date, check_line
from .letter_fields import (
    DEFAULT_JOBHOLDER,
    DEFAULT_MANAGER,
    outcome_facts,
    outcome_letter_fields,
    review_letter_fields,
)
from .letter_mail import Mailer, Outgoing, send
from .letter_templates import template_of
from .organisation import letterhead_of

#: The most jobholders one request writes to (a job held by many gets a letter each).
MOST_JOBHOLDERS = 50


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class LetterView:
    id: int
    case_id: int
    review_request_id: int | None
    kind: str
    recipient_name: str
    recipient_email: str | None
    letter_date: dt.date
    subject: str
    template_version: int
    created_by: int
    created_at: dt.datetime | None
    sent_at: dt.datetime | None
    send_attempts: int
    send_error: str | None

    @classmethod
    def of(cls, r: Letter) -> LetterView:
        return cls(
            r.id,
            r.case_id,
            r.review_request_id,
            r.kind,
            r.recipient_name,
            r.recipient_email,
            r.letter_date,
            str((r.fields or {}).get("subject", "")),
            r.template_version,
            r.created_by,
            utc(r.created_at),
            utc(r.sent_at),
            r.send_attempts,
            r.send_error,
        )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def email_failed(self) -> bool:
        return self.send_error is not None and self.sent_at is None

    def filename(self, extension: str) -> str:
        return f"{self.kind}-{self.letter_date.isoformat()}-{self.id}.{extension}"


@dataclass(frozen=True, slots=True)
class _Draft:
    """A letter ready to store: who it is to, what it says and its files."""

    kind: str
    recipient: Recipient
    fields: dict[str, Any]
    text: LetterText
    version: int
    pdf: bytes
    docx: bytes


# ---------------------------------------------------------------- input


def _recipient(person: Recipient, field: str, default: str) -> Recipient:
    name = check_line(person.name or default, field, "the recipient's name", 200)
    email = (person.email or "").strip()
    if not email:
        return Recipient(name, None)
    try:
        return Recipient(name, normalise_email(email))
    except InvalidInput as exc:
        raise InvalidInput(exc.message, f"{field}_email") from None


# ---------------------------------------------------------------- outcome letters


def _render(session: Session, actor: Actor, kind: str, fields: dict[str, Any]) -> _Draft:
    template, version = template_of(session, actor.organisation_id, kind)
    text = render_letter(template, fields, kind)
    page = Page(
        letterhead_of(session, actor.organisation_id),
        str(fields["letter_date"]),
        str(fields["recipient_name"]),
        text,
    )
    return _Draft(
        kind,
        Recipient(str(fields["recipient_name"])),
        fields,
        text,
        version,
        letter_pdf(page),
        letter_docx(page),
    )


def produce_outcome_letters(
    db: Database,
    actor: Actor,
    case_id: int,
    jobholders: Sequence[Recipient] = (),
    manager: Recipient | None = None,
    effective_on: dt.date | None = None,
    mailer: Mailer | None = None,
) -> tuple[LetterView, ...]:
    """A letter to each jobholder (one to "The jobholder" when none is named) and, when
    ``manager`` is given, one to the manager; stored, audited and, with a ``mailer``,
    emailed to those with an address."""
    actor.require("write")
    check_date(effective_on, "effective_on")
    people = [
        _recipient(p, "jobholder", DEFAULT_JOBHOLDER) for p in jobholders if p.name or p.email
    ]
    people = people or [Recipient(DEFAULT_JOBHOLDER)]
    if len(people) > MOST_JOBHOLDERS:
        raise InvalidInput(f"at most {MOST_JOBHOLDERS} jobholders at once", "jobholder")
    boss = _recipient(manager, "manager", DEFAULT_MANAGER) if manager else None
    today = dt.datetime.now(dt.UTC).date()
    names = [p.name for p in people]
    drafts: list[tuple[_Draft, Recipient]] = []
    with db.reading() as session:
        wanted = [(OUTCOME_JOBHOLDER, p) for p in people]
        if boss is not None:
            wanted.append((OUTCOME_MANAGER, boss))
        for kind, person in wanted:
            fields = outcome_letter_fields(
                session,
                actor,
                case_id,
                kind,
                person.name,
                names,
                boss.name if boss else "",
                effective_on,
                today,
            )
            drafts.append((_render(session, actor, kind, fields), person))
    views = _store(db, actor, case_id, None, drafts, today)
    return _email_all(db, actor, views, mailer)


# ---------------------------------------------------------------- review decision letter


def produce_review_letter(
    db: Database,
    actor: Actor,
    review_id: int,
    recipient: Recipient | None = None,
    mailer: Mailer | None = None,
) -> LetterView:
    """The decision letter of a decided review, to ``recipient`` (by default the person
    who asked for the review), kept with the original case."""
    actor.require("write")
    person = _recipient(recipient, "recipient", "") if recipient and recipient.name else None
    email = recipient.email if recipient and not recipient.name else None
    today = dt.datetime.now(dt.UTC).date()
    with db.reading() as session:
        request, fields = review_letter_fields(
            session, actor, review_id, person.name if person else "", today
        )
        if person is None:
            person = _recipient(Recipient(request.requested_by, email), "recipient", "")
        draft = _render(session, actor, REVIEW_DECISION, fields)
        case_id = request.case_id
    views = _store(db, actor, case_id, review_id, [(draft, person)], today)
    return _email_all(db, actor, views, mailer)[0]


def outcome_letter_refusal(db: Database, actor: Actor, case_id: int) -> str | None:
    """Why the case's outcome letters cannot be produced now (the rule's sentence), or
    None when they can (the case page offers the form only then)."""
    actor.require("read")
    with db.reading() as session:
        try:
            outcome_facts(session, actor, case_id)
        except RuleViolation as exc:
            return exc.message
    return None


# ---------------------------------------------------------------- storing, reading


def _store(
    db: Database,
    actor: Actor,
    case_id: int,
    review_id: int | None,
    drafts: Sequence[tuple[_Draft, Recipient]],
    today: dt.date,
) -> list[LetterView]:
    views = []
    with db.transaction() as session:
        get_owned(session, t.Case, case_id, actor, "case")
        for draft, person in drafts:
            row = Letter(
                organisation_id=actor.organisation_id,
                case_id=case_id,
                review_request_id=review_id,
                kind=draft.kind,
                recipient_name=person.name,
                recipient_email=person.email,
                letter_date=today,
                fields={"subject": draft.text.subject, "values": draft.fields},
                template_version=draft.version,
                pdf=draft.pdf,
                docx=draft.docx,
                created_by=actor.user_id,
                created_at=now(),
                send_attempts=0,
            )
            session.add(row)
            session.flush()
            audit(
                session,
                actor,
                "letter.produced",
                "case",
                case_id,
                after={
                    "letter_id": row.id,
                    "kind": draft.kind,
                    "recipient_name": person.name,
                    "recipient_email": person.email,
                    "letter_date": today.isoformat(),
                    "template_version": draft.version,
                    **({"review_request_id": review_id} if review_id else {}),
                },
            )
            views.append(LetterView.of(row))
    return views


def list_letters(db: Database, actor: Actor, case_id: int) -> tuple[LetterView, ...]:
    """The case's letters, newest first (NotFound for another organisation's case)."""
    actor.require("read")
    with db.reading() as session:
        get_owned(session, t.Case, case_id, actor, "case")
        rows = session.scalars(
            select(Letter).where(Letter.case_id == case_id).order_by(Letter.id.desc())
        )
        return tuple(LetterView.of(r) for r in rows)


def get_letter(db: Database, actor: Actor, letter_id: int) -> LetterView:
    actor.require("read")
    with db.reading() as session:
        return LetterView.of(get_owned(session, Letter, letter_id, actor, "letter"))


def letter_file(db: Database, actor: Actor, letter_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The letter's PDF or Word file: (content, media type, file name)."""
    actor.require("read")
    if fmt not in ("pdf", "docx"):
        raise InvalidInput(f"a letter is a pdf or a docx file, not {fmt!r}", "format")
    with db.reading() as session:
        row = get_owned(session, Letter, letter_id, actor, "letter")
        view = LetterView.of(row)
        content = bytes(row.pdf if fmt == "pdf" else row.docx)
    media = PDF_MEDIA_TYPE if fmt == "pdf" else DOCX_MEDIA_TYPE
    return content, media, view.filename(fmt)


# ---------------------------------------------------------------- email


def _email_all(
    db: Database, actor: Actor, views: Sequence[LetterView], mailer: Mailer | None
) -> tuple[LetterView, ...]:
    if mailer is None:
        return tuple(views)
    return tuple(email_letter(db, actor, v.id, mailer) if v.recipient_email else v for v in views)


def email_letter(db: Database, actor: Actor, letter_id: int, mailer: Mailer | None) -> LetterView:
    """Send the letter (again) to its recipient's address, and record how it went."""
    actor.require("write")
    if mailer is None:
        raise RuleViolation(
            "letters are not emailed: no mail server is set up (BANDWISE_SMTP_HOST)", "smtp"
        )
    with db.reading() as session:
        row = get_owned(session, Letter, letter_id, actor, "letter")
        if not row.recipient_email:
            raise RuleViolation("the letter has no email address to send it to", "email")
        view = LetterView.of(row)
        body = render_text_of(row)
        outgoing = Outgoing(
            row.recipient_name,
            row.recipient_email,
            view.subject,
            body,
            bytes(row.pdf),
            view.filename("pdf"),
        )
    error = send(mailer, outgoing)
    with db.transaction() as session:
        row = get_owned(session, Letter, letter_id, actor, "letter", lock=True)
        row.send_attempts += 1
        if error is None:
            row.sent_at, row.send_error = now(), None
        else:
            row.send_error = error
        audit(
            session,
            actor,
            "letter.emailed" if error is None else "letter.email-failed",
            "case",
            row.case_id,
            after={
                "letter_id": row.id,
                "recipient_email": row.recipient_email,
                "attempts": row.send_attempts,
                **({"error": error} if error else {}),
            },
        )
        return LetterView.of(row)


def render_text_of(row: Letter) -> str:
    """The email's text: a short covering note (the attached PDF is the letter)."""
    values = (row.fields or {}).get("values", {})
    return (
        f"Dear {values.get('recipient_name', row.recipient_name)},\n\n"
        "Please find attached a letter from the job evaluation team of "
        f"{values.get('organisation_name', 'your organisation')} about "
        f"{values.get('job_title', 'your job')}.\n\n"
        f"{values.get('signed_by', '')}\n"
    )
