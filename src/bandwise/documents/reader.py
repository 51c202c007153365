"""Open a profile document by file type and read it; the one entry point for all formats."""

from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from ..profiles.model import ReadResult
from ..scheme.model import Scheme
from .text_reader import read_profile_text

MAX_BYTES = 50 * 1024 * 1024  # a profile suite is tens of pages; larger is not a profile document
TEXT_SUFFIXES = {".txt", ".text", ".tsv", ""}


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
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror})") from exc
    suffix = path.suffix.lower()
    if data.startswith(b"%PDF") or suffix == ".pdf":
        raise DocumentError(name, "PDF files are not read yet; use the text extracted from the PDF")
    if data.startswith(b"PK\x03\x04") or suffix == ".docx":
        raise DocumentError(name, "Word files are not read yet; use the text extracted from it")
    if not data.strip():
        raise DocumentError(name, "is empty")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(name, "is not a text file (it contains NUL bytes)")
    result = read_profile_text(data, path.name, suite_id, scheme)
    if not result.suite.profiles:
        raise DocumentError(
            name, "no national profile found (expected a 'Profile Suite and Label' row)"
        )
    return result
