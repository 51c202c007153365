"""Read a national profile document from its PDF.

Ruled tables are read with pdfplumber, cell by cell, so a descriptor that wraps over
several lines stays one cell; the bold text opening the descriptor cell (the level
descriptor, as opposed to the plain example job information) is taken from the
characters' font names. Text outside the tables (the suite title, headings, the
total line) is read as lines and placed between the table rows by its position,
columns side by side read one after the other. A page with no ruled table at all
is read as text lines, cells split at wide gaps, as the text reader does.

Pages are read in document order unless their content says otherwise: a page that
continues a profile's factors is put after the page where that profile's factors
stop (``page-order``). A page whose text runs sideways is turned upright first
(``page-rotated``). The rows then go through the same reader as extracted text,
with the same findings and the same guarantee that every row is used or listed
as unplaced.

A file that is not a readable PDF (encrypted, scanned with no text, damaged, too
large) is a :class:`DocumentError` with one message; nothing is half-read. The page
content is measured before any page is read, and the characters counted page by page
(:class:`~.limits.Budget`): a document over the limits stops there.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import DocumentError, LevelExpressionError
from ..profiles.model import Finding, Range, ReadResult
from ..scheme.levels import parse_score_expression
from ..scheme.model import Scheme
from .limits import Budget, ParseLimits
from .lines import FACTOR_NO, TOTAL
from .pdf_fast import fast
from .pdf_layout import _Atom, _layout, _line_cells
from .pdf_open import SCAN_MESSAGE, open_pdf, quiet
from .rows import (
    clean,
    is_statement_label,
    reason,
    statement_items,
    statement_rows,
    text_line_cells,
)
from .text_reader import TableRow, read_profile_rows

MAX_PAGES = 500  # a profile suite is tens of pages
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
_LABEL = "profile suite and label"

Row = TableRow | None


# -- tables ---------------------------------------------------------------------------


def _inside(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def _reading_order(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Characters line by line, top to bottom, each line left to right."""
    lines: list[list[dict[str, Any]]] = []
    top = None
    for char in sorted(chars, key=lambda c: c["top"]):
        if top is None or char["top"] - top > 3:
            lines.append([])
            top = char["top"]
        lines[-1].append(char)
    return [c for line in lines for c in sorted(line, key=lambda c: c["x0"])]


def _cell_text(chars: list[dict[str, Any]]) -> tuple[str, list[str], str | None]:
    """The cell's text, its lines, and the bold text opening it (None when it does not)."""
    from pdfplumber.utils.text import extract_text

    if not chars:
        return "", [], None
    raw = extract_text(chars)
    lines = [clean(line) for line in raw.split("\n")]
    text = clean(raw)
    lead: list[str] = []
    for char in _reading_order(chars):
        glyph = char["text"]
        if not glyph.strip():
            continue
        if not _BOLD_FONT.search(char.get("fontname", "")):
            break
        lead.append(glyph)
    if not lead:
        return text, lines, None
    wanted = "".join(lead).replace(" ", "")
    seen = 0
    for end, ch in enumerate(text, start=1):
        if ch != " ":
            seen += 1
        if seen == len(wanted):
            bold = text[:end]
            return text, lines, bold if bold.replace(" ", "") == wanted else None
    return text, lines, None


def _table_rows(table: Any, chars: list[dict[str, Any]]) -> list[TableRow]:
    box = table.bbox
    # the table's characters by the height of their middle, so each row's are found by
    # bisection rather than by testing every character of the table against every row
    mine = sorted(
        ((c["top"] + c["bottom"]) / 2, i, c) for i, c in enumerate(chars) if _inside(c, box)
    )
    heights = [y for y, _, _ in mine]
    out: list[TableRow] = []
    for row in table.rows:
        rbox = row.bbox
        band = mine[bisect_left(heights, rbox[1]) : bisect_right(heights, rbox[3])]
        row_chars = [c for _, _, c in sorted(band, key=lambda t: t[1]) if _inside(c, rbox)]
        cells: list[str] = []
        lines: list[list[str]] = []
        bold = None
        for k, cell in enumerate(row.cells):
            if cell is None:
                cells.append("")
                lines.append([])
                continue
            text, cell_lines, cell_bold = _cell_text([c for c in row_chars if _inside(c, cell)])
            # a cell keeps its lines: the reader rejoins words they break
            cells.append("\n".join(cell_lines) if len(cell_lines) > 1 else text)
            lines.append(cell_lines)
            if k == 2:
                bold = cell_bold
        if not any(cells):
            continue
        if len(cells) >= 2 and is_statement_label(cells[0]):
            out.extend(statement_rows(cells, statement_items(lines[1])))
        else:
            out.append(TableRow(tuple(cells), bold))
    return out


def _box(bbox: Any) -> tuple[float, float, float, float]:
    return float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])


def _contains(outer: tuple[float, ...], inner: tuple[float, ...]) -> bool:
    return (
        outer != inner
        and outer[0] <= inner[0] + 1
        and outer[1] <= inner[1] + 1
        and outer[2] >= inner[2] - 1
        and outer[3] >= inner[3] - 1
    )


def _overprinted(chars: list[dict[str, Any]]) -> set[int]:
    """Ids of characters drawn again over themselves (a way to fake bold): read once."""
    out: set[int] = set()
    last: dict[str, Any] | None = None
    for char in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if (
            last is not None
            and char["text"] == last["text"]
            and abs(char["x0"] - last["x0"]) <= 1
            and abs(char["top"] - last["top"]) <= 1
        ):
            out.add(id(char))
            continue
        last = char
    return out


def _table_settings(page: Any) -> dict[str, Any]:
    """The ruling lines, with a table cut by the page end closed: a row that continues on
    the next page has its side rules but no bottom rule on this page, and from some
    producers (Chromium) no top rule above its rest, which opens the next page."""
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["height"] > 2]
    if not verticals:
        return _TABLE_SETTINGS
    # a rule across a cell, not the end of a thin rectangle drawn as a side rule
    horizontals = [
        float(e["top"]) for e in page.edges if e["orientation"] == "h" and e["width"] > 3
    ]
    foot = max(float(e["bottom"]) for e in verticals)  # a row cut at the foot of the page
    head = min(float(e["top"]) for e in verticals)  # its rest, at the head of the next
    missing = [foot] if not any(abs(foot - h) <= 1 for h in horizontals) else []
    first_text = min((float(c["top"]) for c in page.chars), default=head)
    if head <= first_text and not any(abs(head - h) <= 1 for h in horizontals):
        missing.append(head)  # some producers draw no top rule on the rest
    return {**_TABLE_SETTINGS, "explicit_horizontal_lines": missing} if missing else _TABLE_SETTINGS


def _page_rows(page: Any) -> tuple[list[TableRow], bool]:
    """A page's rows in reading order, and whether it had a ruled table."""
    duplicates = _overprinted(page.chars)
    if duplicates:
        page = page.filter(lambda obj: id(obj) not in duplicates)
    chars = page.chars
    tables = page.find_tables(_table_settings(page))
    # a frame drawn round the page, or round other tables, is not a table of its own
    tables = [t for t in tables if not any(_contains(t.bbox, u.bbox) for u in tables)]
    atoms = [_Atom(*_box(t.bbox), rows=_table_rows(t, chars)) for t in tables]
    boxes = [t.bbox for t in tables]
    # words are made only of the characters outside the tables (the tables' own are read
    # cell by cell above); a word whose middle falls in a table is still left out
    outside = page.filter(
        lambda obj: obj.get("object_type") != "char" or not any(_inside(obj, b) for b in boxes)
    )
    for word in (
        outside.extract_words(extra_attrs=["size"])
        if boxes
        else page.extract_words(extra_attrs=["size"])
    ):
        if any(_inside(word, box) for box in boxes):
            continue
        atoms.append(
            _Atom(
                word["x0"],
                word["top"],
                word["x1"],
                word["bottom"],
                text=word["text"],
                size=float(word["size"]),
            )
        )
    rows: list[TableRow] = []
    for group in _layout(atoms):
        first = group[0]
        if first.rows is not None:
            rows.extend(first.rows)
        else:
            rows.append(TableRow(tuple(_line_cells(group))))
    return rows, bool(tables)


def _fallback_rows(text: str) -> list[TableRow]:
    """A page's text (pypdf, layout mode) as rows: cells at tabs or wide gaps."""
    rows: list[TableRow] = []
    for line in text.splitlines():
        cells = text_line_cells(line)
        if any(cells):
            rows.append(TableRow(cells))
    return rows


# -- page order -----------------------------------------------------------------------


def _scores(text: str) -> tuple[int, int] | None:
    try:
        values = parse_score_expression(text).values if text.strip() else ()
    except LevelExpressionError:
        return None
    return (min(values), max(values)) if values else None


@dataclass
class _Page:
    number: int  # 1-based, as stored in the file
    rows: list[TableRow]
    findings: list[Finding] = field(default_factory=list)
    has_text: bool = True
    titles: list[str] = field(default_factory=list)  # profiles that start on the page
    contents: list[str] = field(default_factory=list)  # titles in a contents table
    head_first: int | None = None  # first factor before any profile starts on the page
    head_continued: bool = False  # the page opens with a continued cell
    head_total: Range | None = None
    head_sum: tuple[int, int] | None = (0, 0)  # stated scores of the head's factors
    tail_open: int | None = None  # last factor of a profile still open at the page end
    tail_sum: tuple[int, int] | None = (0, 0)

    @property
    def continues(self) -> bool:
        """Rows before any profile starts on the page: the rest of an earlier profile."""
        return self.head_first is not None or self.head_continued or self.head_total is not None

    @property
    def has_profile_rows(self) -> bool:
        return bool(self.titles) or self.continues or self.head_total is not None

    def study(self) -> None:
        """What the page holds, for putting pages in order."""
        in_head = True
        in_contents = False
        last: int | None = None
        closed = True
        total: tuple[int, int] | None = (0, 0)
        for row in self.rows:
            cells = [clean(c) for c in row.cells]
            flat = " ".join(c for c in cells if c)
            lower = flat.lower()
            if lower == "contents" or lower.startswith("profile title"):
                in_contents = True
                continue
            if lower.startswith(_LABEL):
                if in_head:
                    self.head_sum = total
                in_head, in_contents = False, False
                self.titles.append(clean(flat[len(_LABEL) :]))
                last, closed, total = None, False, (0, 0)
                continue
            if in_contents and len([c for c in cells if c]) == 3:
                self.contents.append(next(c for c in cells if c))
                continue
            number = FACTOR_NO.match(cells[0]) if cells else None
            if number and len(cells) >= 3:
                n = int(number.group(1))
                if in_head and self.head_first is None:
                    self.head_first = n
                last = n
                score = _scores(cells[-1])
                total = (total[0] + score[0], total[1] + score[1]) if total and score else None
                continue
            if (
                in_head
                and self.head_first is None
                and len(cells) >= 4  # a factor table's row, not a 3-column front table's
                and not cells[0]
                and not cells[1]
                and cells[2]
                and not TOTAL.search(flat)
            ):
                self.head_continued = True
                continue
            m = TOTAL.search(flat)
            if m:
                low = int(m.group(1))
                high = int(m.group(2)) if m.group(2) else low
                if in_head and self.head_total is None:
                    self.head_total = Range(min(low, high), max(low, high))
                    self.head_sum = total
                closed = True
        if in_head:
            self.head_sum = total
        if not in_head and not closed and last is not None:
            self.tail_open, self.tail_sum = last, total
        elif in_head and self.continues and self.head_total is None and last is not None:
            self.tail_open, self.tail_sum = last, total  # a middle page of a long profile


def _follows(prev: _Page, page: _Page) -> bool:
    if prev.tail_open is None:
        return False
    if page.head_first is None:
        return page.head_continued or page.head_total is not None
    # the next factor, or the same one when its row was cut and its number repeated
    return page.head_first in (prev.tail_open + 1, prev.tail_open)


def _order_pages(pages: list[_Page]) -> tuple[list[_Page], bool]:
    """Pages in reading order by their content; True when that is not the stored order."""
    first_profile = next((i for i, p in enumerate(pages) if p.has_profile_rows), len(pages))
    in_order = all(
        not page.continues or (i > 0 and _follows(pages[i - 1], page))
        for i, page in enumerate(pages)
    ) and all(page.has_profile_rows or not page.contents for page in pages[first_profile:])
    if in_order:
        return pages, False
    listed = [clean(t).rstrip("*").strip().lower() for p in pages for t in p.contents]

    def rank(page: _Page) -> tuple[int, int]:
        title = clean(page.titles[0]).rstrip("*").strip().lower()
        return (listed.index(title) if title in listed else len(listed), page.number)

    front = [p for p in pages if not p.has_profile_rows]
    chains = [[p] for p in sorted((p for p in pages if p.titles and not p.continues), key=rank)]
    running: list[tuple[int, int] | None] = [chain[0].tail_sum for chain in chains]
    waiting = [p for p in pages if p.continues]

    def fit(sums: tuple[int, int] | None, page: _Page) -> tuple[int, int]:
        """How well the page's stated total fits the scores so far: exact is (0, 0)."""
        if page.head_total is None or sums is None or page.head_sum is None:
            return (1, 0)
        low, high = sums[0] + page.head_sum[0], sums[1] + page.head_sum[1]
        return (0, abs(low - page.head_total.min) + abs(high - page.head_total.max))

    while True:
        # the best fitting (open profile, continuation page) pair first, then page order
        pairs = [
            (fit(running[k], page), page.number, k, page)
            for k, chain in enumerate(chains)
            if chain[-1].tail_open is not None
            for page in waiting
            if _follows(chain[-1], page)
        ]
        if not pairs:
            break
        _, _, k, page = min(pairs, key=lambda t: t[:3])
        waiting.remove(page)
        chains[k].append(page)
        sums = running[k]
        if page.titles:
            running[k] = page.tail_sum
        elif sums is not None and page.head_sum is not None:
            running[k] = (sums[0] + page.head_sum[0], sums[1] + page.head_sum[1])
        else:
            running[k] = None
    order = front + [p for chain in chains for p in chain]
    # a page that follows no open profile (a factor number misread, say) stays after the
    # page it came after in the file
    for i, page in enumerate(pages):
        if all(p is not page for p in order):
            before = pages[i - 1] if i else None
            at = next((k + 1 for k, p in enumerate(order) if p is before), 0 if i == 0 else None)
            order.insert(len(order) if at is None else at, page)
    return order, [p.number for p in order] != [p.number for p in pages]


# -- the file -------------------------------------------------------------------------


def _direction(page: Any) -> int:
    """How far (degrees clockwise) the page must turn for most of its text to read upright."""
    counts = {0: 0, 90: 0, 180: 0, 270: 0}
    for char in page.chars:
        a, b = char["matrix"][0], char["matrix"][1]
        if abs(a) >= abs(b):
            counts[0 if a > 0 else 180] += 1
        else:
            counts[270 if b < 0 else 90] += 1
    turn = max(counts, key=lambda k: counts[k])
    return turn if counts[turn] > counts[0] else 0


def _upright_page(reader: Any, index: int, turn: int) -> bytes:
    """One page as a PDF of its own, turned so that its text reads upright."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter()
    page = writer.add_page(reader.pages[index])
    rotation = (int(page.get("/Rotate", 0) or 0) + turn) % 360
    page[NameObject("/Rotate")] = NumberObject(rotation)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _read_page(page: Any, text_page: Any, number: int, source: str) -> _Page:
    """One pdfplumber page as rows; ``text_page`` is pypdf's, for a page with no table."""
    notes: list[Finding] = []
    if not page.chars:
        if page.images:
            notes.append(
                Finding(
                    "warning",
                    "no-table-on-page",
                    f"Page {number} has no text layer (a scanned image?); nothing on it "
                    "was read. OCR is not supported.",
                    file=source,
                )
            )
        return _Page(number, [], notes, has_text=False)
    rows, ruled = _page_rows(page)
    if not ruled:
        rows = _fallback_rows(text_page.extract_text(extraction_mode="layout")) or rows
        notes.append(
            Finding(
                "info",
                "no-table-on-page",
                f"Page {number} has no ruled table; its text was read as lines, cells "
                "split at wide gaps.",
                file=source,
            )
        )
    return _Page(number, rows, notes)


def _read_pages(data: Path | bytes, name: str, source: str, budget: Budget) -> list[_Page]:
    import pdfplumber
    from pypdf import PdfReader

    reader, _ = open_pdf(_stream(data), name, MAX_PAGES, budget=budget)
    pages: list[_Page] = []
    with pdfplumber.open(_stream(data)) as pdf:
        for i, page in enumerate(pdf.pages):
            fast(page)
            budget.add_chars(len(page.chars))
            turn = _direction(page)
            if turn:
                page.close()
                data = _upright_page(reader, i, turn)
                with pdfplumber.open(io.BytesIO(data)) as single:
                    one = _read_page(
                        fast(single.pages[0]), PdfReader(io.BytesIO(data)).pages[0], i + 1, source
                    )
                one.findings.insert(
                    0,
                    Finding(
                        "info",
                        "page-rotated",
                        f"Page {i + 1} runs sideways; it was turned {turn}° clockwise and "
                        "read upright.",
                        file=source,
                    ),
                )
                pages.append(one)
                continue
            pages.append(_read_page(page, reader.pages[i], i + 1, source))
            page.close()
    if not any(p.has_text for p in pages):
        raise DocumentError(name, SCAN_MESSAGE)
    return pages


def _stream(data: Path | bytes) -> Path | io.BytesIO:
    return io.BytesIO(data) if isinstance(data, bytes) else data


def read_pdf(
    path: Path | bytes,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
    name: str | None = None,
) -> ReadResult:
    """Read a profile document's PDF (a file, or its bytes named ``name``) within
    ``limits``; a :class:`DocumentError` when it cannot be read."""
    name = name or str(path if isinstance(path, Path) else "<upload>")
    source = Path(name).name
    budget = Budget(name, limits)
    with quiet():
        try:
            pages = _read_pages(path, name, source, budget)
        except DocumentError:
            raise
        except MemoryError:
            raise
        except Exception as exc:
            raise DocumentError(
                name,
                f"is not a readable PDF (it may be damaged or truncated){reason(exc)}",
            ) from exc
    for page in pages:
        page.study()
    ordered, moved = _order_pages(pages)
    findings = [f for page in pages for f in page.findings]
    if moved:
        findings.append(
            Finding(
                "warning",
                "page-order",
                "Pages are not in reading order; they were read in the order "
                + ", ".join(str(p.number) for p in ordered)
                + ", following each profile's factors from page to page.",
                file=source,
            )
        )
    rows: list[Row] = []
    page_of: list[int] = []
    for page in ordered:
        if rows:
            rows.append(None)
            page_of.append(page.number)
        rows.extend(page.rows)
        page_of.extend(page.number for _ in page.rows)
    result = read_profile_rows(rows, source, suite_id, scheme, findings, budget)
    return replace(result, findings=tuple(_on_page(f, page_of) for f in result.findings))


def _on_page(finding: Finding, page_of: list[int]) -> Finding:
    """Row numbers mean little in a PDF: say which page a finding's row is on."""
    if finding.line is None or not 0 < finding.line <= len(page_of):
        return finding
    return replace(finding, message=f"{finding.message} (page {page_of[finding.line - 1]})")
