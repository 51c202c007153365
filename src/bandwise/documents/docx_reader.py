"""Read a national profile document from a Word file (.docx).

The body is read in document order, paragraphs and tables as they come. A table row
gives one cell per grid column: a cell merged across columns gives its text once,
then empty cells, so the columns stay where the reader expects them, and a cell
merged down the rows gives its text on its first row only. The bold runs opening
the descriptor cell are the level descriptor (``bold``). A paragraph outside tables
is a row of its own, cells split at tabs; a page break is a blank row. The rows then
go through the same reader as extracted text, with the same findings and the same
guarantee that every row is used or listed as unplaced.

The file is checked as a zip before Word parsing begins: what is not a zip, not a
Word document, or would unpack to more than :data:`MAX_UNPACKED` bytes (a zip bomb)
is a :class:`DocumentError` with one message. With a budget, the document's XML is then
streamed once to count its paragraphs and elements (:func:`count_paragraphs`), so a file
of millions of tiny paragraphs is stopped at the limit before python-docx builds them.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import DocumentError, DocumentTooComplex
from ..profiles.model import ReadResult
from ..scheme.model import Scheme
from .limits import ELEMENTS_PER_PARAGRAPH, Budget, ParseLimits
from .rows import clean, is_statement_label, reason, statement_items, statement_rows
from .text_reader import TableRow, read_profile_rows

MAX_UNPACKED = 200 * 1024 * 1024  # a profile suite's Word file unpacks to a few MiB
MAX_MEMBERS = 10_000
MAIN_PART = "word/document.xml"

Row = TableRow | None


def check_package(
    source: Path | IO[bytes], name: str | None = None, budget: Budget | None = None
) -> None:
    """A :class:`DocumentError` unless the file (a path, or bytes being read) is a zip
    holding a Word document of sane size (and, with a ``budget``, within its paragraphs)."""
    name = name or str(source)
    try:
        with zipfile.ZipFile(source) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(
            name, f"is not a Word document (.docx): it is not a readable zip package ({exc})"
        ) from exc
    if len(members) > MAX_MEMBERS:
        raise DocumentError(
            name, f"has {len(members)} parts; a Word document has tens (a zip bomb?)"
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:
        raise DocumentError(
            name,
            f"would unpack to {unpacked // (1024 * 1024)} MiB; the limit is "
            f"{MAX_UNPACKED // (1024 * 1024)} MiB for a Word document (a zip bomb?)",
        )
    if MAIN_PART not in {m.filename for m in members}:
        raise DocumentError(name, f"is a zip file but not a Word document (no {MAIN_PART})")
    if budget is not None:
        if not isinstance(source, Path):
            source.seek(0)
        count_paragraphs(source, name, budget)


def count_paragraphs(source: Path | IO[bytes], name: str, budget: Budget) -> None:
    """Stream the main part's XML once, counting paragraphs (``w:p``, in tables too) and
    elements, stopping at the budget; memory stays small whatever the file holds."""
    from lxml import etree  # type: ignore[import-untyped]

    paragraph = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
    max_elements = budget.limits.max_paragraphs * ELEMENTS_PER_PARAGRAPH
    elements = 0
    try:
        with zipfile.ZipFile(source) as package, package.open(MAIN_PART) as xml:
            for _, element in etree.iterparse(xml, events=("end",), resolve_entities=False):
                elements += 1
                if element.tag == paragraph:
                    budget.add_paragraph()
                if elements > max_elements:
                    raise DocumentTooComplex(
                        name,
                        f"more than {max_elements:,} XML elements, {ELEMENTS_PER_PARAGRAPH} a "
                        "paragraph allowed; setting BANDWISE_PARSE_MAX_PARAGRAPHS",
                    )
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except DocumentError:
        raise
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(
            name, f"is not a readable Word document (it may be damaged){reason(exc)}"
        ) from exc


# -- text and bold ----------------------------------------------------------------------


def _runs(paragraph: Any) -> Iterator[Any]:
    """The paragraph's own runs in order: inside hyperlinks and insertions too, not
    deleted text, and not the runs of text boxes anchored in it."""
    from docx.oxml.ns import qn
    from docx.text.run import Run

    p = paragraph._p
    skip = {qn("w:del"), qn("w:moveFrom"), qn("w:p"), qn("w:txbxContent")}
    for r in p.iter(qn("w:r")):
        node = r.getparent()
        while node is not None and node is not p and node.tag not in skip:
            node = node.getparent()
        if node is p:
            yield Run(r, paragraph)


def _text(paragraph: Any) -> str:
    return "".join(run.text for run in _runs(paragraph))


def _style_bold(style: Any) -> bool | None:
    seen = 0
    while style is not None and seen < 20:  # a base-style loop in a damaged file
        bold = style.font.bold
        if bold is not None:
            return bool(bold)
        style, seen = style.base_style, seen + 1
    return None


def _bold(run: Any, paragraph: Any) -> bool:
    """Whether a run shows bold: its own setting, else its character style's, else the
    paragraph style's."""
    if run.bold is not None:
        return bool(run.bold)
    for style in (run.style, paragraph.style):
        bold = _style_bold(style)
        if bold is not None:
            return bold
    return False


def _leading_bold(paragraphs: list[Any]) -> str | None:
    """The bold text opening a cell, or None when it does not open with bold text."""
    parts: list[str] = []
    for k, paragraph in enumerate(paragraphs):
        if k and parts:
            parts.append(" ")
        for run in _runs(paragraph):
            text = run.text
            if not text.strip():
                parts.append(text)
                continue
            if not _bold(run, paragraph):
                bold = clean("".join(parts))
                return bold or None
            parts.append(text)
    return clean("".join(parts)) or None


# -- body -------------------------------------------------------------------------------


def _cell_paragraphs(cell: Any) -> list[Any]:
    """A cell's paragraphs in order, those of tables nested in it included."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[Any] = []
    for item in cell.iter_inner_content():
        if isinstance(item, Paragraph):
            out.append(item)
        elif isinstance(item, Table):
            for row in item.rows:
                for tc in row._tr.tc_lst:
                    from docx.table import _Cell

                    out.extend(_cell_paragraphs(_Cell(tc, item)))
    return out


def _table_rows(table: Any) -> Iterator[TableRow]:
    from docx.table import _Cell

    for tr in table._tbl.tr_lst:
        cells: list[str] = [""] * tr.grid_before
        texts: list[list[str]] = [[] for _ in cells]
        bold = None
        for tc in tr.tc_lst:
            paragraphs = _cell_paragraphs(_Cell(tc, table))
            lines = [_text(p) for p in paragraphs]
            if len(cells) == 2:
                bold = _leading_bold(paragraphs)
            cells.append(clean(" ".join(lines)))
            texts.append(lines)
            for _ in range(tc.grid_span - 1):
                cells.append("")
                texts.append([])
        if not any(cells):
            continue
        if len(cells) >= 2 and is_statement_label(cells[0]):
            items = [i for para in texts[1] for i in statement_items(para.split("\n"))]
            yield from statement_rows(cells, items)
        else:
            yield TableRow(tuple(cells), bold)


def _page_break(paragraph: Any) -> tuple[bool, bool]:
    """Whether a page break comes before the paragraph, and whether one comes in it."""
    from docx.oxml.ns import qn

    p = paragraph._p
    before = p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None
    inside = any(br.get(qn("w:type")) == "page" for br in p.iter(qn("w:br")))
    return before, inside


def _body_rows(container: Any, body: Any) -> Iterator[Row]:
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, body)
            before, inside = _page_break(paragraph)
            if before:
                yield None
            text = _text(paragraph)
            if text.strip():
                for line in text.split("\n"):
                    if line.strip():
                        yield TableRow(tuple(line.split("\t")))
            else:
                yield None
            if inside:
                yield None
        elif child.tag == qn("w:tbl"):
            yield from _table_rows(Table(child, body))
            yield None
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_rows(content, body)


def read_docx(
    path: Path | bytes,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
    name: str | None = None,
) -> ReadResult:
    """Read a profile document's Word file (a file, or its bytes named ``name``) within
    ``limits``; a :class:`DocumentError` when it cannot be read."""
    name = name or str(path if isinstance(path, Path) else "<upload>")
    budget = Budget(name, limits)
    source: Path | IO[bytes] = io.BytesIO(path) if isinstance(path, bytes) else path
    check_package(source, name, budget)
    if not isinstance(source, Path):
        source.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import docx

            document = docx.Document(str(source) if isinstance(source, Path) else source)
            rows = []
            for row in _body_rows(document.element.body, document._body):
                if row is not None:
                    budget.add_chars(sum(len(cell) for cell in row.cells))
                rows.append(row)
        except (DocumentError, MemoryError):
            raise
        except Exception as exc:
            raise DocumentError(
                name, f"is not a readable Word document (it may be damaged){reason(exc)}"
            ) from exc
    return read_profile_rows(rows, Path(name).name, suite_id, scheme, budget=budget)
