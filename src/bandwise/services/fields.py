"""Rules for the text and dates people type, in one place for the API, pages and CLI.

* Names and titles are one line of visible text: control characters (ESC, BEL and the
  other C0/C1 controls, which can rewrite a terminal or a log), line and paragraph
  separators and bidirectional overrides (which make text read other than it is stored)
  are refused with a message naming the field. Longer text (evidence, reasons) is not
  checked: it is often pasted from documents, and pages and exports escape it.
* Dates lie between :data:`DATE_MIN` and :data:`DATE_MAX`: a job evaluation outside
  them is a typing mistake (1800, 20226), so the API and the pages refuse it alike.
* A search term is matched literally: ``%`` and ``_`` are not wildcards.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from ..plaintext import unsafe_char
from .base import InvalidInput

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)

LIKE_ESCAPE = "\\"


def _describe(c: str) -> str:
    name = unicodedata.name(c, "")
    code = f"U+{ord(c):04X}"
    return f"{code} {name}" if name else code


def check_line(value: str, field: str, what: str, most: int, required: bool = True) -> str:
    """``value`` stripped, as one line of at most ``most`` visible characters, or
    :class:`InvalidInput` naming the field (``what`` is how a message calls it)."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{what} is empty", field)
    if len(text) > most:
        raise InvalidInput(f"{what} has at most {most} characters", field)
    for c in text:
        if unsafe_char(c):
            raise InvalidInput(
                f"{what} may not contain control characters ({_describe(c)}): "
                "type it as one line of plain text",
                field,
            )
    return text


def date_in_range(value: dt.date) -> str | None:
    """Why ``value`` is refused, or None: the one date rule of the API and the pages."""
    if DATE_MIN <= value <= DATE_MAX:
        return None
    return (
        f"{value.isoformat()} is outside the dates bandwise accepts "
        f"({DATE_MIN.year} to {DATE_MAX.year})"
    )


def check_date(value: dt.date | None, field: str) -> dt.date | None:
    if value is not None and (problem := date_in_range(value)):
        raise InvalidInput(problem, field)
    return value


def digits(text: str, most: int = 9) -> bool:
    """``text`` is 1 to ``most`` ASCII digits: what ``int()`` may read from a form or an
    address (``str.isdigit`` also passes "٥", "５" and "²", which int() reads or refuses)."""
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def like_pattern(term: str) -> str:
    """``%term%`` for ``LIKE ... ESCAPE '\\'``, with the term's own ``%``, ``_`` and
    ``\\`` escaped so that it is matched literally."""
    escaped = (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"
