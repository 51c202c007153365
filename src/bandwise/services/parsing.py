"""Documents the server reads: uploads and stored job documents, parsed in a child process
within the parsing limits (:mod:`bandwise.documents.isolated`), never in the server's own.

The size is checked before a child is started (:class:`TooLarge`, 413). A document that
cannot be read is :class:`InvalidInput` (422) with the reader's words, naming the
uploader's file name, never a server path; one past a limit says which ("document too
complex to read within the limits (...)"). A parse that did not happen (the server busy
with other documents, or stopping) is :class:`Unavailable` (503).

The text of a stored document is extracted once and kept (``document_texts``, migration
0003): the suggestions page and API read it from there instead of parsing the file again
on every view. An error is kept too, until the reader or the limits change.
"""

from __future__ import annotations

from sqlalchemy import select

from ..documents import reader as profile_reader
from ..documents.isolated import ParseInterrupted, ParseTimedOut, parse_in_child
from ..documents.limits import ParseLimits, current
from ..documents.reader import read_document_bytes
from ..errors import DocumentError
from ..errors import TooLarge as TooLarge  # re-exported
from ..errors import Unavailable as Unavailable  # re-exported
from ..profiles.model import ReadResult
from ..store import tables as t
from ..suggest import reader as jd_reader
from ..suggest.reader import job_description_from_bytes
from .base import Actor, Conflict, Database, InvalidInput, NotFound, ServiceError

#: The job-description extraction's version: change it when the extracted text would
#: change, so cached texts are read again.
READER_VERSION = "jd-1"


def _check_size(data: bytes, name: str, limit: int, what: str, field: str) -> None:
    if len(data) > limit:
        raise TooLarge(
            f"{name}: is {len(data) / (1024 * 1024):.1f} MiB; the limit is "
            f"{limit // (1024 * 1024)} MiB for {what}",
            field,
        )


def _refused(exc: DocumentError, field: str) -> ServiceError:
    if isinstance(exc, ParseInterrupted):
        return Unavailable(str(exc), field)
    return InvalidInput(str(exc), field)


def read_profile_upload(
    data: bytes,
    filename: str,
    limits: ParseLimits | None = None,
    suite_id: str | None = None,
    field: str = "file",
) -> ReadResult:
    """A profile document as uploaded (``filename`` is the uploader's name for it)."""
    limits = current(limits)
    name = _name(filename, "the profile document")
    _check_size(data, name, profile_reader.MAX_BYTES, "a profile document", field)
    try:
        return parse_in_child(
            read_document_bytes, (data, name, suite_id, None, limits), limits, name
        )
    except DocumentError as exc:
        raise _refused(exc, field) from exc


def job_description_upload(
    data: bytes, filename: str, limits: ParseLimits | None = None, field: str = "file"
) -> str:
    """The text of a job description as uploaded (PDF, Word or text)."""
    limits = current(limits)
    name = _name(filename, "the job description")
    _check_size(data, name, jd_reader.MAX_BYTES, "a job description", field)
    try:
        return parse_in_child(job_description_from_bytes, (data, name, limits), limits, name)
    except DocumentError as exc:
        raise _refused(exc, field) from exc


def _name(filename: str, otherwise: str) -> str:
    """The upload's own base name (a browser may send a path), for messages."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or otherwise


def document_text(
    db: Database, actor: Actor, document_id: int, limits: ParseLimits | None = None
) -> str:
    """The text of a stored job document as the job-description reader extracts it: read
    from ``document_texts`` when it was extracted before, else parsed in a child process
    (outside any transaction) and kept. A document that cannot be read is InvalidInput."""
    actor.require("read")
    limits = current(limits)
    with db.reading() as session:
        filename = session.scalar(
            select(t.Document.filename).where(
                t.Document.id == document_id,
                t.Document.organisation_id == actor.organisation_id,
            )
        )
        if filename is None:
            raise NotFound(f"no document {document_id}")
        cached = session.get(t.DocumentText, document_id)
        if cached is not None and _current(cached, limits):
            if cached.text is not None:
                return cached.text
            raise InvalidInput(cached.error or "the document cannot be read", "file")
        content = session.scalar(select(t.Document.content).where(t.Document.id == document_id))
    text: str | None = None
    error: str | None = None
    try:
        text = parse_in_child(
            job_description_from_bytes, (bytes(content or b""), filename, limits), limits, filename
        )
    except (ParseInterrupted, ParseTimedOut) as exc:
        raise _refused(exc, "file") from exc  # not the document's fault: not kept
    except DocumentError as exc:
        error = str(exc)
    _keep(db, actor.organisation_id, document_id, text, error, limits)
    if text is None:
        raise InvalidInput(error or "the document cannot be read", "file")
    return text


def _current(cached: t.DocumentText, limits: ParseLimits) -> bool:
    if cached.reader != READER_VERSION:
        return False
    return cached.text is not None or cached.limits == limits.signature()


def _keep(
    db: Database,
    organisation_id: int,
    document_id: int,
    text: str | None,
    error: str | None,
    limits: ParseLimits,
) -> None:
    """Store (or replace) the extraction; two first views at once store it once."""
    try:
        with db.transaction() as session:
            row = session.get(t.DocumentText, document_id)
            if row is None:
                row = t.DocumentText(document_id=document_id, organisation_id=organisation_id)
                session.add(row)
            row.reader, row.limits = READER_VERSION, limits.signature()[:400]
            row.text, row.error = text, error
    except Conflict:
        pass  # another request stored the same extraction meanwhile (a duplicate key)
