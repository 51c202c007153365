"""Opening a PDF for reading: pypdf's reader after the checks every PDF must pass (not
locked, not too many pages, not more page content than the parsing limit, measured before
any page is read), and quiet parsing. Shared by the profile reader (:mod:`.pdf_reader`)
and the job-description reader (:mod:`bandwise.suggest.reader`)."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import DocumentError
from .limits import Budget

SCAN_MESSAGE = "has no text layer; it may be a scan — OCR is not supported"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the PDF libraries' log lines and warnings about what they work round.

    The user gets one :class:`DocumentError` or the findings instead. (Logger levels
    are process-wide: reading PDFs in several threads at once may leave one quiet.)
    """
    loggers = [logging.getLogger(n) for n in ("pypdf", "pdfminer", "pdfplumber")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


# -- opening --------------------------------------------------------------------------


def open_pdf(
    source: Path | IO[bytes],
    name: str,
    max_pages: int,
    purpose: str = "profile document",
    then: str = "import that",
    budget: Budget | None = None,
) -> tuple[Any, int]:
    """pypdf's reader after the checks a file must pass: not locked, not too many pages,
    and (with a ``budget``) not more page content than the limit, measured before any
    page is read.

    Shared by the profile reader and the job-description reader; ``purpose`` and ``then``
    word the messages for each."""
    from pypdf import PdfReader

    reader = PdfReader(source, strict=False)
    if reader.is_encrypted:
        try:
            unlocked = bool(reader.decrypt(""))
        except Exception:
            unlocked = False
        if not unlocked:
            raise DocumentError(
                name,
                f"is encrypted (password-protected); save a copy without the password and {then}",
            )
    declared = _declared_pages(reader)
    if declared is not None and declared > max_pages:  # before pypdf walks the page tree
        raise DocumentError(name, f"has {declared} pages; the limit is {max_pages} for a {purpose}")
    count = len(reader.pages)
    if count == 0:
        raise DocumentError(name, "has no pages")
    if count > max_pages:
        raise DocumentError(name, f"has {count} pages; the limit is {max_pages} for a {purpose}")
    if budget is not None:
        for page in reader.pages:
            budget.add_content(content_size(page))
    return reader, count


def _declared_pages(reader: Any) -> int | None:
    """The page count the document states (``/Count`` of its page tree), read without
    walking the tree; None when it states none that makes sense."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
        return int(count) if int(count) >= 0 else None
    except Exception:
        return None


def content_size(page: Any) -> int:
    """Bytes of a page's decoded content streams and of the forms its resources hold.

    A stream shared by many pages counts on each, as each page is parsed on its own (pypdf
    decodes a shared stream once). Measuring is cheap beside parsing: a page's text
    operators are what cost time."""
    from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

    streams: list[Any] = []
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if isinstance(contents, ArrayObject):
        streams.extend(item.get_object() for item in contents)
    elif contents is not None:
        streams.append(contents)
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    forms = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    forms = forms.get_object() if forms is not None else None
    if isinstance(forms, DictionaryObject):
        for form in forms.values():
            form = form.get_object()
            if isinstance(form, StreamObject) and form.get("/Subtype") == "/Form":
                streams.append(form)
    return sum(len(s.get_data()) for s in streams if isinstance(s, StreamObject))
