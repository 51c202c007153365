"""A job's documents: the type told from the bytes, a size limit, safe file names, the
audit trail without the content; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest

from bandwise.services import documents
from bandwise.services.base import Database, Forbidden, InvalidInput, NotFound
from bandwise.services.documents import (
    DOCX,
    PDF,
    TEXT,
    add_document,
    safe_filename,
    sniff_content_type,
)
from bandwise.services.jobs import create_job
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import audit_events, count, last_audit

PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TEXT_BYTES = "Job description: Arts Therapist\nBand 7 — Therapies\n".encode()


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name in names:
            package.writestr(name, "<xml/>")
    return out.getvalue()


DOCX_BYTES = _zip(["[Content_Types].xml", "word/document.xml"])


def _job(db: Database, people: People) -> int:
    return create_job(db, people.lead, "Arts Therapist").id


def test_the_content_type_is_told_from_the_bytes_not_from_the_upload(
    db: Database, people: People
) -> None:
    job = _job(db, people)
    for content, declared, sniffed in [
        (PDF_BYTES, "application/pdf", PDF),
        (PDF_BYTES, "text/plain", PDF),
        (DOCX_BYTES, "application/pdf", DOCX),
        (TEXT_BYTES, "text/html; charset=utf-8", TEXT),
        (TEXT_BYTES, "", TEXT),
    ]:
        doc = add_document(db, people.staff, job, "job-description", "jd", content, declared)
        assert doc.content_type == sniffed
        after = last_audit(db).after
        assert after is not None and after["content_type"] == sniffed
        wrong = declared and declared.split(";")[0] != sniffed.split(";")[0]
        assert after.get("declared_content_type") == (declared if wrong else None)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "an image"),
        (_zip(["xl/workbook.xml"]), "a spreadsheet, not a Word document"),
        (b"PK\x03\x04 truncated", "a broken zip"),
        ("Caf\u00e9".encode("latin-1"), "text that is not UTF-8"),
        (b"text with a \x00 NUL", "binary data"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old Word", "a Word 97-2003 file"),
    ],
)
def test_anything_but_pdf_word_or_utf8_text_is_not_a_document_type(
    content: bytes, why: str
) -> None:
    assert sniff_content_type(content) is None, why


def test_a_document_of_another_type_is_refused(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput, match="only PDF, Word"):
        add_document(db, people.staff, _job(db, people), "other", "x.png", b"\x89PNG\r\n")
    assert count(db, t.Document) == 0


def test_a_document_over_the_size_limit_or_empty_is_refused(
    db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _job(db, people)
    assert documents.MAX_DOCUMENT_BYTES == 20 * 1024 * 1024
    with pytest.raises(InvalidInput, match="the limit is 20 MiB"):
        add_document(
            db, people.staff, job, "other", "big.txt", b"a" * (documents.MAX_DOCUMENT_BYTES + 1)
        )
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    assert add_document(db, people.staff, job, "other", "edge.txt", b"a" * 1000).size == 1000
    with pytest.raises(InvalidInput, match="the document is empty"):
        add_document(db, people.staff, job, "other", "empty.txt", b"")
    assert count(db, t.Document) == 1


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\JD final.pdf", "JD final.pdf"),
        ("bad\x00na\x1bme\n.pdf", "badname.pdf"),
        ("\u202eevil\u202dfdp.exe", "evilfdp.exe"),
        (".hidden.pdf", "hidden.pdf"),
        ("", "document.pdf"),
        ("///", "document.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_file_names_are_reduced_to_a_safe_base_name(given: str, safe: str) -> None:
    assert safe_filename(given, PDF) == safe
    assert len(safe_filename("x" * 1000, PDF)) == 255


def test_a_stored_document_keeps_its_hash_and_content_and_the_audit_keeps_no_bytes(
    db: Database, people: People
) -> None:
    job = _job(db, people)
    doc = add_document(
        db,
        people.staff,
        job,
        "person-specification",
        "../spec.pdf",
        PDF_BYTES,
        "application/pdf",
        dt.date(2026, 3, 1),
    )
    assert (doc.filename, doc.size, doc.sha256, doc.document_date, doc.uploaded_by) == (
        "spec.pdf",
        len(PDF_BYTES),
        hashlib.sha256(PDF_BYTES).hexdigest(),
        dt.date(2026, 3, 1),
        people.staff.user_id,
    )
    view, content = documents.get_content(db, people.viewer, doc.id)
    assert (view, content) == (doc, PDF_BYTES)
    assert documents.get_document(db, people.viewer, doc.id) == doc
    assert documents.list_documents(db, people.viewer, job) == (doc,)
    events = audit_events(db)
    assert [e.action for e in events] == ["job.created", "document.added"]
    assert events[-1].after == {
        "job_id": job,
        "kind": "person-specification",
        "filename": "spec.pdf",
        "content_type": PDF,
        "size": len(PDF_BYTES),
        "sha256": doc.sha256,
        "document_date": "2026-03-01",
        "given_filename": "../spec.pdf",
    }


def test_a_document_kind_must_be_known(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput, match="kind is one of job-description"):
        add_document(db, people.staff, _job(db, people), "contract", "x.txt", TEXT_BYTES)


def test_documents_are_private_to_their_organisation_and_viewers_only_read(
    db: Database, people: People, other_people: People
) -> None:
    job = _job(db, people)
    doc = add_document(db, people.staff, job, "job-description", "jd.txt", TEXT_BYTES)
    other = other_people.admin
    for attempt in [
        lambda: documents.get_document(db, other, doc.id),
        lambda: documents.get_content(db, other, doc.id),
        lambda: documents.list_documents(db, other, job),
        lambda: add_document(db, other, job, "other", "x.txt", TEXT_BYTES),
    ]:
        with pytest.raises(NotFound):
            attempt()
    with pytest.raises(Forbidden):
        add_document(db, people.viewer, job, "other", "x.txt", TEXT_BYTES)
    assert count(db, t.Document) == 1
