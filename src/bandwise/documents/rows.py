"""Helpers shared by the PDF and Word readers: table cells to the rows the reader takes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .text_reader import TableRow

_NUMBERED_LINE = re.compile(r"^\s*(?:\d{1,2}\s*[.)]|[•▪●◦∙·-])\s+")
_CELL_GAP = re.compile(r"\t| {2,}")
STATEMENT_LABEL = "job statement"


def clean(text: str) -> str:
    """Whitespace runs (line breaks included) as one space."""
    return " ".join(text.split())


def is_statement_label(cell: str) -> bool:
    return clean(cell).lower() == STATEMENT_LABEL


def statement_items(lines: Sequence[str]) -> list[str]:
    """The items of a job statement cell drawn as lines.

    A line that starts with a number ("2. ") or a bullet starts a new item; any other
    line continues the item before it (the text wrapped; kept as a line of the item, so
    the reader can rejoin a word the wrap broke). Bullets are dropped;
    numbers are kept for the reader, which strips them.
    """
    items: list[str] = []
    for line in lines:
        text = clean(line)
        if not text:
            continue
        bullet = _NUMBERED_LINE.match(text)
        if bullet and not bullet.group(0).strip()[0].isdigit():
            text = text[bullet.end() :]
        if bullet or not items:
            items.append(text)
        else:
            items[-1] = f"{items[-1]}\n{text}"  # the reader rejoins a word the wrap broke
    return items


def statement_rows(cells: Sequence[str], items: Sequence[str]) -> list[TableRow]:
    """A job statement row with several items as one row per item, as the reader reads them.

    ``cells`` is the row as read (label first); the items replace the text cell.
    """
    if len(items) < 2:
        return [TableRow(tuple(cells))]
    rest = tuple(cells[2:])
    out = [TableRow((cells[0], items[0], *rest))]
    out += [TableRow(("", item, *("" for _ in rest))) for item in items[1:]]
    return out


def text_line_cells(line: str) -> tuple[str, ...]:
    """A line of extracted text as cells: tabs, or runs of two or more spaces, separate them.

    A line indented by such a run starts with an empty cell, as a row whose first
    cell is empty does.
    """
    stripped = line.rstrip()
    return tuple(clean(c) for c in _CELL_GAP.split(stripped))


def reason(exc: BaseException) -> str:
    """A library's own words on a file it could not read, as ": ..." (or "" when its
    words are about its code, not the file)."""
    if isinstance(exc, (AttributeError, TypeError, NameError, AssertionError)):
        return ""
    text = clean(str(exc))
    text = text if len(text) <= 120 else text[:117] + "..."
    return f": {text}" if text else ""
