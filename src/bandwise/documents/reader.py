"""Open a profile document by file type and read it; the one entry point for all formats.

The type is told by the file's first bytes, then by its suffix: ``%PDF`` is a PDF
(:mod:`.pdf_reader`), a zip package is a Word file (:mod:`.docx_reader`), anything
else is the text extracted from a PDF (:mod:`.text_reader`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from ..profiles.model import ReadResult
from ..scheme.model import Scheme
from .text_reader import read_profile_text

MAX_BYTES = 50 * 1024 * 1024  # a profile suite is tens of pages; larger is not a profile document
TEXT_SUFFIXES = {".txt", ".text", ".tsv", ""}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc and other Office binary files


def read_document(
    path: Path, suite_id: str | None = None, scheme: Scheme | None = None
) -> ReadResult:
    """Read a profile document; a :class:`DocumentError` when it cannot be read at all."""
    name = str(path)
    if not path.exists():
        raise DocumentError(name, "no such file")
    if path.is_dir():
        raise DocumentError(name, "is a folder, not a file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DocumentError(
            name,
            f"is {size // (1024 * 1024)} MiB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MiB for a profile document",
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise DocumentError(name, "is empty")
    suffix = path.suffix.lower()
    if b"%PDF-" in head:
        from .pdf_reader import read_pdf

        result = read_pdf(path, suite_id, scheme)
    elif head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        from .docx_reader import read_docx

        result = read_docx(path, suite_id, scheme)
    elif head.startswith(_OLE):
        raise DocumentError(
            name,
            "is a Word 97-2003 (.doc) or other Office binary file; save it as .docx or PDF "
            "and import that",
        )
    elif suffix == ".pdf":
        raise DocumentError(name, "is named .pdf but is not a PDF file (no %PDF header)")
    elif suffix == ".docx":
        raise DocumentError(name, "is named .docx but is not a Word document (not a zip package)")
    else:
        result = read_profile_text(_text_bytes(path), path.name, suite_id, scheme)
    if not result.suite.profiles:
        raise DocumentError(
            name, "no national profile found (expected a 'Profile Suite and Label' row)"
        )
    return result


def _text_bytes(path: Path) -> bytes:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror})") from exc
    if not data.strip():
        raise DocumentError(name, "is empty")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(name, "is not a text file (it contains NUL bytes)")
    return data
