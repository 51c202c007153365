"""Input lines of an extracted profile document, and the page order they are read in.

Shared by the text reader and the PDF reader: the patterns that recognise a factor
row and a total line, a line's cells worked out once, and the repair of pages that
text extraction reversed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..profiles.model import Finding

FACTOR_NO = re.compile(r"^\s*([0-9]{1,2})\s*\.?\s*$")
# Numbers are ASCII digits ("٥" is not read as 5) and a total at most six of them: a
# longer run is not a total (int() of thousands of digits fails).
TOTAL = re.compile(
    r"JE\s*Score\s*:?\s*([0-9]{1,6})(?![0-9])(?:\s*[-–—]\s*([0-9]{1,6})(?![0-9]))?", re.I
)
# a roman-numeral variant of one band ("6i", "6ii", 2025-style suites) before the usual forms
_ROMAN = r"[0-9]{1,2}(?:\s*\((?:iii|ii|iv|i|v)\)|(?:iii|ii|iv|i|v)(?![A-Za-z]))"
BAND = re.compile(
    rf"Ban+d+\s*:?\s*({_ROMAN}|[0-9]{{1,2}}[a-dA-D]{{0,2}}"
    r"(?:\s*[-–—]\s*(?:[0-9]{1,2})?[a-dA-D]?)?)"
)
BAND_ALONE = re.compile(
    rf"^\s*({_ROMAN}|[0-9]{{1,2}}[a-dA-D]{{0,2}}(?:\s*[-–—]\s*(?:[0-9]{{1,2}})?[a-dA-D]?)?)\s*$"
)
NUMBERED = re.compile(r"^\s*([0-9]{1,2})\s*[.)]\s+")
WS = re.compile(r"\s+")
TAB_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s*\t\s*(?=\d)")  # cells, not a split word


@dataclass
class Line:
    """One input line; its cells and tab-free text are worked out once."""

    no: int
    text: str
    bold: int | None = None  # tables: characters of bold text opening the descriptor cell
    cells: list[str] = field(init=False, repr=False)
    flat: str = field(init=False, repr=False)  # tabs removed: undoes "Fac\tctor"
    blank: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.cells = self.text.split("\t")
        self.flat = WS.sub(" ", TAB_BETWEEN_DIGITS.sub(" ", self.text).replace("\t", "")).strip()
        self.blank = not self.text.strip()


#: Lines in one block (a page's run of lines between blank lines) that the reader holds to
#: see whether the page was extracted in reverse; a page has far fewer. A longer run is
#: read in the order it comes, so a huge file never sits in memory as Line objects.
MAX_BLOCK = 10_000


def reading_order(lines: list[Line], source: str) -> tuple[list[Line], list[Finding]]:
    """Undo pages that extraction reversed: a block whose factor numbers run downwards."""
    findings: list[Finding] = []
    return list(ordered_lines(lines, source, findings)), findings


def ordered_lines(lines: Iterable[Line], source: str, findings: list[Finding]) -> Iterator[Line]:
    """``lines`` as a stream in reading order (:func:`reading_order`), the findings about
    reversed pages added to ``findings``. Blank lines stay in place, so states that end at
    a blank still end; a block starts after a blank line or at a form feed."""
    block: list[Line] = []
    for line in lines:
        if line.blank:
            yield from _block_in_order(block, source, findings)
            block = []
            yield line
        elif line.text.startswith("\f"):
            yield from _block_in_order(block, source, findings)
            block = [line]
        else:
            block.append(line)
            if len(block) > MAX_BLOCK:  # not a page: read as it comes
                yield from block
                block = []
    yield from _block_in_order(block, source, findings)


def _block_in_order(block: list[Line], source: str, findings: list[Finding]) -> list[Line]:
    numbers = [
        int(m.group(1))
        for ln in block
        if len(ln.cells) >= 3 and (m := FACTOR_NO.match(ln.cells[0]))
    ]
    if len(numbers) >= 2 and all(a > b for a, b in itertools.pairwise(numbers)):
        block = list(reversed(block))
        findings.append(
            Finding(
                "warning",
                "page-reversed",
                f"Lines {block[-1].no}-{block[0].no} run from factor {numbers[0]} down to "
                f"factor {numbers[-1]}: the page was extracted in reverse and is read "
                "bottom to top.",
                None,
                None,
                None,
                None,
                block[-1].no,
                source,
            )
        )
    return block
