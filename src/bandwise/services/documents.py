"""A job's documents (job description, person specification, organisation chart): stored
with the case records, never trusted.

The content type is told from the bytes, not from what the uploader declared: a PDF
starts ``%PDF-``, a Word document is a zip package holding ``word/document.xml``, and
plain text is UTF-8 without control characters. Anything else is refused. A declared
type that disagrees is recorded as the sniffed one (the audit event keeps both). The
file name is reduced to a safe base name. The audit trail records the metadata and the
SHA-256, never the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import defer

from ..clock import as_utc as _utc
from ..store import tables as t
from .base import Actor, Database, InvalidInput, audit, get_owned, snapshot
from .fields import check_date

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 255
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain; charset=utf-8"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", TEXT: ".txt"}
FIELDS = ("job_id", "kind", "filename", "content_type", "size", "sha256", "document_date")
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}


@dataclass(frozen=True, slots=True)
class DocumentView:
    id: int
    job_id: int
    kind: str
    filename: str
    content_type: str  # as sniffed from the content
    size: int
    sha256: str
    document_date: dt.date | None
    uploaded_by: int
    created_at: dt.datetime | None

    @classmethod
    def of(cls, r: t.Document) -> DocumentView:
        return cls(
            r.id,
            r.job_id,
            r.kind,
            r.filename,
            r.content_type,
            r.size,
            r.sha256,
            r.document_date,
            r.uploaded_by,
            _utc(r.created_at),
        )


def sniff_content_type(content: bytes) -> str | None:
    """PDF, Word (.docx) or UTF-8 plain text, told from the bytes; None for anything else."""
    if content[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return DOCX if "word/document.xml" in names else None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
        return None
    return TEXT


def safe_filename(name: str, content_type: str) -> str:
    """The base name only (no folders), without control characters, at most 255 characters
    (the extension kept); an empty result becomes ``document`` plus the type's extension."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    base = base.strip().lstrip(".").strip()
    if not base:
        base = "document" + EXTENSIONS[content_type]
    if len(base) > MAX_FILENAME:
        stem, dot, ext = base.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            base = stem[: MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext
        else:
            base = base[:MAX_FILENAME]
    return base


def add_document(
    db: Database,
    actor: Actor,
    job_id: int,
    kind: str,
    filename: str,
    content: bytes,
    content_type: str = "",
    document_date: dt.date | None = None,
) -> DocumentView:
    """Store a document for a job; ``content_type`` is what the uploader declared."""
    actor.require("write")
    if kind not in t.DOCUMENT_KINDS:
        raise InvalidInput(f"kind is one of {', '.join(t.DOCUMENT_KINDS)}", "kind")
    if not content:
        raise InvalidInput("the document is empty", "content")
    check_date(document_date, "document_date")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"the document is {len(content) / 1048576:.1f} MiB; the limit is "
            f"{MAX_DOCUMENT_BYTES // 1048576} MiB",
            "content",
        )
    sniffed = sniff_content_type(content)
    if sniffed is None:
        raise InvalidInput(
            "only PDF, Word (.docx) and plain text (UTF-8) documents are "
            "accepted; this file is none of them",
            "content",
        )
    declared = content_type.split(";", 1)[0].strip().lower()
    name = safe_filename(filename, sniffed)
    with db.transaction() as session:
        job = get_owned(session, t.Job, job_id, actor, "job")
        row = t.Document(
            organisation_id=actor.organisation_id,
            job_id=job.id,
            kind=kind,
            filename=name,
            content_type=sniffed,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            document_date=document_date,
            uploaded_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        after = snapshot(row, FIELDS)
        if declared and declared != sniffed.split(";", 1)[0]:
            after["declared_content_type"] = content_type.strip()[:100]
        if name != filename:
            after["given_filename"] = filename[:300]
        audit(session, actor, "document.added", "document", row.id, None, after)
        return DocumentView.of(row)


def list_documents(db: Database, actor: Actor, job_id: int) -> tuple[DocumentView, ...]:
    actor.require("read")
    with db.reading() as session:
        job = get_owned(session, t.Job, job_id, actor, "job")
        rows = session.scalars(
            select(t.Document)
            .where(t.Document.job_id == job.id, t.Document.organisation_id == actor.organisation_id)
            .options(defer(t.Document.content))
            .order_by(t.Document.id)
        )
        return tuple(DocumentView.of(r) for r in rows)


def get_document(db: Database, actor: Actor, document_id: int) -> DocumentView:
    actor.require("read")
    with db.reading() as session:
        return DocumentView.of(get_owned(session, t.Document, document_id, actor, "document"))


def get_content(db: Database, actor: Actor, document_id: int) -> tuple[DocumentView, bytes]:
    """The metadata and the stored bytes (serve them with the sniffed type, as a download)."""
    actor.require("read")
    with db.reading() as session:
        row = get_owned(session, t.Document, document_id, actor, "document")
        return DocumentView.of(row), bytes(row.content)
