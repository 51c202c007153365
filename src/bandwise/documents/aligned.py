"""Text whose columns are aligned with spaces (``pdftotext -layout``) as tab-separated rows.

The text reader takes rows of tab-separated cells, as text copied from the published PDF
comes. ``pdftotext -layout`` keeps the page's columns by position instead: each cell
wraps over several lines at the same column, rows are separated by blank lines and the
table's header row says where the columns start. This module turns such text into the
rows the reader takes (one line per row, cells joined across their wrapped lines), so a
file with no tab at all is read like the PDF it came from. Text without tabs whose
columns cannot be told apart is passed on unchanged; the reader then finds no factor
rows and the import is refused with a message saying to import the PDF itself.

Lines keep the number of the first input line they were made from, so findings still
name a line of the file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from .lines import Line
from .words import Vocabulary, join_lines

_GAP = re.compile(r"\S+(?: \S+)*")  # a run of text with single spaces inside
_FACTOR_START = re.compile(r"^\s{0,3}\d{1,2}\s*\.?$")
_NUMBER_AND_NAME = re.compile(r"^(\d{1,2}\.) +([A-Z].*)$")
_NUMBERED_ITEM = re.compile(r"^\d{1,2}\s*[.)]\s")
_PEEK = 400  # lines looked at to decide whether the text is space-aligned
_SLACK = 3  # characters a cell may start before its column's header


def _segments(text: str) -> list[tuple[int, str]]:
    """The line's runs of text separated by two or more spaces, with their columns."""
    out: list[tuple[int, str]] = []
    for m in _GAP.finditer(text.replace("\t", " ")):
        if out and m.start() - (out[-1][0] + len(out[-1][1])) < 2:
            out[-1] = (out[-1][0], f"{out[-1][1]} {m.group(0)}")
        else:
            out.append((m.start(), m.group(0)))
    return out


def space_aligned(
    lines: Iterable[Line],
    vocabulary: Vocabulary | None = None,
    repairs: list[tuple[int, str]] | None = None,
) -> Iterator[Line]:
    """``lines`` with space-aligned columns turned into tab-separated rows; unchanged when
    any of the first lines has a tab (the text is already in cells). ``vocabulary``
    rejoins words a cell's wrapping broke (:mod:`.words`), learning as it reads; each
    repair is added to ``repairs`` as (line, the two halves)."""
    it = iter(lines)
    head = list(itertools.islice(it, _PEEK))
    rest = itertools.chain(head, it)
    aligned = any(
        "level descriptor" in ln.text.lower() or "je level" in ln.text.lower() for ln in head
    ) and not any("\t" in ln.text for ln in head)
    if not aligned:
        yield from rest
        return
    aligner = _Aligner(vocabulary)
    if repairs is not None:
        aligner.repairs = repairs
    yield from aligner.run(rest)


class _Aligner:
    def __init__(self, vocabulary: Vocabulary | None) -> None:
        self.vocabulary = vocabulary
        self.repairs: list[tuple[int, str]] = []  # (line, "Communic ation"): words rejoined
        self.columns: list[int] | None = None  # starts of number, name, descriptor, level, score
        self.row: list[list[str]] | None = None  # the factor row being gathered, cell lines
        self.row_no = 0
        self.row_page = ""  # the form feed opening the row's first line, kept
        self.held: Line | None = None  # a line outside tables that later lines may continue
        self.held_more: list[str] = []  # its continuations, joined once (never quadratic)

    def run(self, lines: Iterable[Line]) -> Iterator[Line]:
        for line in lines:
            yield from self._feed(line)
        yield from self._flush()

    def _flush(self) -> Iterator[Line]:
        if self.row is not None:
            cells = [self._join_cell(k, parts) for k, parts in enumerate(self.row)]
            yield Line(self.row_no, self.row_page + "\t".join(cells))
            self.row = None
        if self.held is not None:
            more = " ".join(self.held_more)
            yield Line(self.held.no, f"{self.held.text} {more}") if more else self.held
            self.held, self.held_more = None, []

    def _feed(self, line: Line) -> Iterator[Line]:
        page = "\f" if line.text.startswith("\f") else ""
        text = line.text.replace("\f", "")
        segs = _segments(text)
        if not segs:
            yield from self._flush()
            yield line
            return
        lower = text.lower()
        if "je level" in lower and ("je score" in lower or "level descriptor" in lower):
            yield from self._flush()
            self._header(segs)
            yield Line(line.no, page + "\t".join(s for _, s in segs))
            return
        cols = self.columns
        number = _NUMBER_AND_NAME.match(segs[0][1])
        if cols is not None and number and segs[0][0] == 0:  # "1. Communication &": one space
            segs[:1] = [(0, number.group(1)), (number.start(2), number.group(2))]
        if cols is not None and _FACTOR_START.match(segs[0][1]) and len(segs) >= 3:
            yield from self._flush()
            if cols[1] == 0 or segs[1][0] < cols[2] - _SLACK:
                cols[1] = segs[1][0] if cols[1] == 0 else cols[1]
            self.row, self.row_no, self.row_page = [[] for _ in range(5)], line.no, page
            self._place(segs)
            return
        if cols is not None and segs[0][0] >= cols[2] - _SLACK and not page:
            if self.row is None:  # a cell continued after the header on a new page
                self.row, self.row_no, self.row_page = [[] for _ in range(5)], line.no, page
            self._place(segs)
            return
        if self.row is not None and cols is not None and segs[0][0] > 0 and not page:
            self._place(segs)  # the name column's wrapped line
            return
        if (
            self.row is None
            and self.held is not None
            and segs[0][0] > 0
            and len(segs) == 1
            and not page
            and not _NUMBERED_ITEM.match(segs[0][1])
        ):
            self.held_more.append(segs[0][1])  # a wrapped cell
            return
        yield from self._flush()
        cells = [s for _, s in segs]
        if segs[0][0] > 0:
            cells.insert(0, "")
        self.columns = None if _starts_profile(cells[0]) else self.columns
        self.held = Line(line.no, page + "\t".join(cells))

    def _join_cell(self, k: int, parts: list[str]) -> str:
        """A cell's wrapped lines as one text, as a PDF reader joins a cell's lines; in the
        name and descriptor, words broken by the wrapping rejoined."""
        if k not in (1, 2) or self.vocabulary is None:
            return " ".join(parts)
        self.vocabulary.see(parts)
        text, repaired = join_lines(parts, self.vocabulary)
        self.repairs.extend((self.row_no, pair) for pair in repaired)
        return text

    def _header(self, segs: list[tuple[int, str]]) -> None:
        starts = {s.lower(): x for x, s in segs}
        level = next((x for s, x in starts.items() if s.startswith("je level")), None)
        score = next((x for s, x in starts.items() if s.startswith("je score")), None)
        desc = next((x for s, x in starts.items() if "descriptor" in s), None)
        if level is None or score is None or desc is None:
            self.columns = None
            return
        self.columns = [0, 0, desc, level, score]

    def _place(self, segs: list[tuple[int, str]]) -> None:
        assert self.row is not None and self.columns is not None
        cols = self.columns
        for x, text in segs:
            k = max(i for i, start in enumerate(cols) if i == 0 or x >= start - _SLACK)
            if k == 1 and cols[1] == 0:
                k = 0
            self.row[k].append(text)


def _starts_profile(cell: str) -> bool:
    return cell.lower().startswith(("profile suite and label", "contents", "version history"))
