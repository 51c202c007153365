"""Read a job description (JD) as plain text: from a text file, a Word file, a PDF, or bytes.

The type is told by the first bytes, then by the suffix, as for profile documents
(:mod:`bandwise.documents.reader`): ``%PDF`` is a PDF, a zip package is a Word file,
an OLE header is an old binary Office file (refused), anything else is text.

What cannot be read at all is one :class:`DocumentError` with one line of message:
a missing, empty, oversized, encrypted, scanned (no text layer) or damaged file, a
``.docx`` that is not a zip package or that would unpack to a huge size (a zip bomb).
The Word checks are the profile reader's (:mod:`bandwise.documents.docx_reader`
limits), so one setting governs both.

Reading stops at the parsing limits (:mod:`bandwise.documents.limits`) as the text is
extracted: a PDF's page content is measured before any page is read and its text counted
page by page, a Word file's paragraphs are counted before python-docx builds them, and
text stops at :data:`MAX_CHARS`. The server runs this reader in a child process with
CPU-time, memory and wall-clock limits (:mod:`bandwise.documents.isolated`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from ..documents import docx_reader
from ..documents.decode import decode
from ..documents.limits import Budget, ParseLimits
from ..documents.pdf_open import SCAN_MESSAGE, open_pdf, quiet
from ..documents.rows import reason
from ..errors import DocumentError

MAX_BYTES = 20 * 1024 * 1024  # a job description is a few pages; larger is not one
MAX_PAGES = 100
MAX_CHARS = 400_000  # about 60,000 words of text once extracted
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")


def read_job_description(path: Path, limits: ParseLimits | None = None) -> str:
    """The text of a JD file; a :class:`DocumentError` when it cannot be read."""
    name = str(path)
    if not path.exists():
        raise DocumentError(name, "no such file")
    if path.is_dir():
        raise DocumentError(name, "is a folder, not a file")
    size = path.stat().st_size
    _check_size(name, size)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror})") from exc
    return job_description_from_bytes(data, name, limits)


def job_description_from_bytes(
    data: bytes, name: str = "<upload>", limits: ParseLimits | None = None
) -> str:
    """The text of a JD given as the bytes of a file named ``name`` (for uploads), read
    within ``limits`` (the environment's when None)."""
    _check_size(name, len(data))
    budget = Budget(name, limits)
    if not data.strip():
        raise DocumentError(name, "is empty")
    suffix = Path(name).suffix.lower()
    head = data[:1024]
    if b"%PDF-" in head:
        text = _pdf_text(data, name, budget)
    elif head.startswith(_ZIP):
        text = _docx_text(data, name, budget)
    elif head.startswith(_OLE):
        raise DocumentError(
            name, "is a Word 97-2003 (.doc) or other Office binary file; save it as .docx or PDF"
        )
    elif suffix == ".pdf":
        raise DocumentError(name, "is named .pdf but is not a PDF file (no %PDF header)")
    elif suffix == ".docx":
        raise DocumentError(name, "is named .docx but is not a Word document (not a zip package)")
    else:
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DocumentError(name, "is not a text file (it contains NUL bytes)")
        if len(data) > 4 * MAX_CHARS:  # at most 4 bytes a character: too long already
            _too_long(name, len(data) // 4, more=True)
        text, _ = decode(data)
    return checked_text(text, name)


def checked_text(text: str, name: str = "<text>") -> str:
    """Text given directly (pasted): refused when it has no words or is far too long."""
    if not any(ch.isalpha() for ch in text):
        raise DocumentError(name, "has no text to read (is it empty, or only numbers?)")
    if len(text) > MAX_CHARS:
        _too_long(name, len(text))
    return text


def _too_long(name: str, length: int, more: bool = False) -> NoReturn:
    raise DocumentError(
        name,
        f"has {'more than ' if more else ''}{length:,} characters of text; the limit is "
        f"{MAX_CHARS:,} for a job description",
    )


def _check_size(name: str, size: int) -> None:
    if size > MAX_BYTES:
        raise DocumentError(
            name,
            f"is {size / (1024 * 1024):.1f} MiB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MiB for a job description",
        )
    if size == 0:
        raise DocumentError(name, "is empty")


# -- PDF --------------------------------------------------------------------------------


def _pdf_text(data: bytes, name: str, budget: Budget) -> str:
    with quiet():
        try:
            return _pdf_pages(data, name, budget)
        except DocumentError:
            raise
        except Exception as exc:
            raise DocumentError(
                name, f"is not a readable PDF (it may be damaged or truncated){reason(exc)}"
            ) from exc


def _pdf_pages(data: bytes, name: str, budget: Budget) -> str:
    """The pages' text; the page content is measured first (:func:`open_pdf`), and the
    text stops at :data:`MAX_CHARS` as the pages are read."""
    reader, _ = open_pdf(io.BytesIO(data), name, MAX_PAGES, "job description", "use that", budget)
    pages: list[str] = []
    length = 0
    for page in reader.pages:
        text = (page.extract_text() or "").strip("\n")
        budget.add_chars(len(text))
        length += len(text) + 2
        if length > MAX_CHARS + 2:
            _too_long(name, MAX_CHARS, more=True)
        pages.append(text)
    text = "\n\n".join(pages)
    if not any(ch.isalpha() for ch in text):
        raise DocumentError(name, SCAN_MESSAGE)
    return text


# -- Word -------------------------------------------------------------------------------


def _docx_text(data: bytes, name: str, budget: Budget) -> str:
    stream = io.BytesIO(data)
    docx_reader.check_package(stream, name, budget)
    stream.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import docx

            document = docx.Document(stream)
            lines = []
            length = 0
            for line in _blocks(document):
                budget.add_chars(len(line))
                length += len(line) + 1
                if length > MAX_CHARS + 1:
                    _too_long(name, MAX_CHARS, more=True)
                lines.append(line)
        except DocumentError:
            raise
        except Exception as exc:
            raise DocumentError(
                name, f"is not a readable Word document (it may be damaged){reason(exc)}"
            ) from exc
    text = "\n".join(lines)
    if not any(ch.isalpha() for ch in text):
        raise DocumentError(name, "has no text to read (is it empty?)")
    return text


def _blocks(document: Any) -> Iterator[str]:
    """Paragraphs and table cells in document order, one line per paragraph; a cell
    merged across columns or down rows is read once. Headers and footers are left out."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def walk(container: Any, seen: set[Any]) -> Iterator[str]:
        for item in container.iter_inner_content():
            if isinstance(item, Paragraph):
                text = item.text
                yield from (line for line in text.split("\n") if line.strip())
                yield ""  # a paragraph ends here: never joined to the next
            elif isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        if cell._tc in seen:  # the element itself: kept alive, so no id reuse
                            continue
                        seen.add(cell._tc)
                        yield from walk(cell, seen)
                        yield ""

    yield from walk(document, set())
