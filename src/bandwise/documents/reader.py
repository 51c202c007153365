"""Open a profile document by file type and read it; the one entry point for all formats.

The type is told by the file's first bytes, then by its suffix: ``%PDF`` is a PDF
(:mod:`.pdf_reader`), a zip package is a Word file (:mod:`.docx_reader`), anything
else is the text extracted from a PDF (:mod:`.text_reader`).

A document is read from a file (:func:`read_document`: the command line, where the file
is the operator's own) or from the bytes of an upload (:func:`read_document_bytes`: the
server, which runs it in a child process within limits, :mod:`.isolated`, and names the
document by the uploader's file name, never a server path). Either way the readers stop
at the parsing limits as they extract (:mod:`.limits`); a text file is read as a stream
of lines, never whole into memory.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from ..errors import DocumentError
from ..profiles.model import Finding, ReadResult
from ..scheme.model import Scheme
from .limits import Budget, ParseLimits
from .text_reader import read_profile_lines

MAX_BYTES = 50 * 1024 * 1024  # a profile suite is tens of pages; larger is not a profile document
TEXT_SUFFIXES = {".txt", ".text", ".tsv", ""}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc and other Office binary files


def read_document(
    path: Path,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
) -> ReadResult:
    """Read a profile document within ``limits`` (the environment's when None); a
    :class:`DocumentError` when it cannot be read at all. A document holding several
    suites gives the first, with a warning naming the others (:func:`read_suites`)."""
    return _first_of(_read_path(path, suite_id, scheme, limits))


def read_suites(
    path: Path,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
) -> tuple[ReadResult, ...]:
    """Every suite a profile document holds, in order (a second "National Profiles for
    ..." title starts a new suite). ``suite_id`` is refused for more than one suite."""
    result = _read_path(path, suite_id, scheme, limits)
    if suite_id and result.more:
        raise DocumentError(
            str(path),
            f"holds {1 + len(result.more)} profile suites; --suite-id names one suite, so "
            "leave it out (each suite takes the id of the library suite with its title)",
        )
    return (replace(result, more=()), *result.more)


def _first_of(result: ReadResult) -> ReadResult:
    if not result.more:
        return result
    titles = ", ".join(f"'{r.suite.title}'" for r in result.more)
    note = Finding(
        "warning",
        "more-suites",
        f"The document holds {1 + len(result.more)} profile suites; this reads the first, "
        f"'{result.suite.title}', not {titles}. `bandwise profiles import` imports each.",
        file=result.suite.source,
    )
    return replace(result, findings=(*result.findings, note))


def _read_path(
    path: Path, suite_id: str | None, scheme: Scheme | None, limits: ParseLimits | None
) -> ReadResult:
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
    return _read(path, name, head, suite_id, scheme, limits)


def read_document_bytes(
    data: bytes,
    filename: str,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
) -> ReadResult:
    """Read a profile document given as the bytes of an upload named ``filename`` (the
    uploader's own name: messages and the suite's source say it); nothing is written."""
    name = Path(filename.replace("\\", "/")).name or "document"
    if len(data) > MAX_BYTES:
        raise DocumentError(
            name,
            f"is {len(data) // (1024 * 1024)} MiB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MiB for a profile document",
        )
    if not data:
        raise DocumentError(name, "is empty")
    return _first_of(_read(data, name, data[:1024], suite_id, scheme, limits))


def _read(
    source: Path | bytes,
    name: str,
    head: bytes,
    suite_id: str | None,
    scheme: Scheme | None,
    limits: ParseLimits | None,
) -> ReadResult:
    suffix = Path(name).suffix.lower()
    if b"%PDF-" in head:
        from .pdf_reader import read_pdf

        result = read_pdf(source, suite_id, scheme, limits, name)
    elif head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        from .docx_reader import read_docx

        result = read_docx(source, suite_id, scheme, limits, name)
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
        result = _read_text(source, name, suite_id, scheme, Budget(name, limits))
    for each in (result, *result.more):
        _check(name, each)
    return result


def _check(name: str, result: ReadResult) -> None:
    """Refuse a suite with no profile, or with a profile that has no factor rows."""
    if not result.suite.profiles:
        raise DocumentError(
            name, "no national profile found (expected a 'Profile Suite and Label' row)"
        )
    empty = [p for p in result.suite.profiles if not p.factors]
    if empty:
        first = empty[0]
        raise DocumentError(
            name,
            f"has {len(empty)} of {len(result.suite.profiles)} profile(s) with no factor rows "
            f"(the first: '{first.title}', line {first.line}); each profile needs rows of "
            "factor number, factor name, level descriptor, JE level and JE score in columns "
            "(separated by tabs, or aligned with spaces). Text from pdftotext or a PDF viewer "
            "often loses the columns: import the PDF or Word file itself",
        )


def _read_text(
    source: Path | bytes,
    name: str,
    suite_id: str | None,
    scheme: Scheme | None,
    budget: Budget,
) -> ReadResult:
    """A text document read as a stream of lines: its encoding is found in a first pass
    over the bytes, then the lines are decoded and read one at a time."""

    def opener() -> IO[bytes]:
        return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")

    try:
        encoding = _encoding(opener, name)

        def lines() -> Iterator[str]:
            with (
                opener() as raw,
                io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=None) as text,
            ):
                for line in text:
                    yield line[:-1] if line.endswith("\n") else line

        return read_profile_lines(lines(), Path(name).name, suite_id, scheme, encoding, budget)
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror})") from exc


_CHUNK = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _encoding(opener: Callable[[], IO[bytes]], name: str) -> str:
    """The encoding :func:`~.decode.decode` would choose (BOM, UTF-8, Windows-1252, then
    Latin-1), found chunk by chunk; an empty or binary file is refused here."""
    with opener() as fh:
        head = fh.read(4096)
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DocumentError(name, "is not a text file (it contains NUL bytes)")
        blank = not head.strip()
        while blank and (chunk := fh.read(_CHUNK)):
            blank = not chunk.strip()
    if blank:
        raise DocumentError(name, "is empty")
    candidates = [*[enc for bom, enc in _BOMS if head.startswith(bom)][:1], "utf-8", "cp1252"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with opener() as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"
