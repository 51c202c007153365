"""Render a profile suite into Word and PDF documents laid out like the published ones.

The published profile documents lay each profile out as a two-column table
(Profile Suite and Label | title; Job Statement | numbered lines), then a
five-column ruled factor table (number | name | bold level descriptor followed by
the plain example job information | JE Level | JE Score) whose header row is
repeated at the top of the next page, and the total line ("JE Score 438-448
Band 6") below the table. The contents table and the version history come first.

Reading a rendering back must give the suite it was rendered from, so these
builders are the round-trip fixtures of ``tests/test_pdf_docx.py`` and the
documents of ``bench/bench_documents.py``. Everything is built at run time; no
binary file is kept in the repository.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import escape

from bandwise.profiles.model import FactorEntry, Profile, Suite

HEADER = ("Factor", "", "Level descriptor and example job information", "JE Level", "JE Score")
LABEL = "Profile Suite and Label"
#: the factor table's column widths in a Word rendering (number, name, descriptor, level,
#: score): a narrow name column, so a producer that lays the table out breaks long words
WIDTHS_CM = (1.0, 2.6, 9.4, 1.9, 1.6)
STATEMENT = "Job Statement"


def break_after(profile: Profile) -> int:
    """The factor after which a profile's table continues on the next page.

    The factor whose text the published document continued after a page break,
    when there is one, else factor 11.
    """
    for entry in profile.factors:
        if entry.continuation_lines:
            return entry.number
    return 11


def continued(entry: FactorEntry) -> bool:
    """Whether the example is drawn on a row of its own after the page break."""
    return bool(entry.continuation_lines and entry.example)


def total_text(profile: Profile) -> str:
    return f"JE Score {profile.stated_total}"


def band_text(profile: Profile) -> str:
    return f"Band {profile.band_text}"


def copies(suite: Suite, n_profiles: int) -> Suite:
    """The suite's profiles repeated to ``n_profiles``; copy k's titles end in " Copy k"."""
    out = []
    for k in range(n_profiles):
        base = suite.profiles[k % len(suite.profiles)]
        copy = k // len(suite.profiles) + 1
        if copy > 1:
            base = replace(base, id=f"{base.id}-copy-{copy}", title=f"{base.title} Copy {copy}")
        out.append(base)
    return replace(suite, profiles=tuple(out))


# -- Word ------------------------------------------------------------------------------


def render_docx(suite: Suite, path: Path, *, styled: bool = False) -> Path:
    """The suite as a Word document (tables as in the published layout).

    ``styled`` makes the descriptor bold through a character style rather than the
    run's own setting, and draws each job statement item on a row of its own with the
    "Job Statement" cell merged down those rows.
    """
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm
    from docx.table import Table

    doc = Document()
    if styled:
        strong = doc.styles.add_style("Level Descriptor", WD_STYLE_TYPE.CHARACTER)
        strong.font.bold = True

    def grid(rows: int, cols: int) -> Table:
        table = doc.add_table(rows=rows, cols=cols)
        table.style = "Table Grid"
        if cols == len(WIDTHS_CM):  # the factor table's columns, as the published ones
            table.autofit = False
            for column, width in zip(table.columns, WIDTHS_CM, strict=True):
                column.width = Cm(width)  # the grid, which LibreOffice lays out by
                for cell in column.cells:
                    cell.width = Cm(width)
        return table

    def header_row(table: Table) -> None:
        row = table.rows[0]
        for cell, text in zip(row.cells, HEADER, strict=True):
            cell.text = text
        row.cells[0].merge(row.cells[1])  # "Factor" spans the number and name columns
        row.cells[0].text = HEADER[0]
        tr_pr = row._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)

    def factor_row(table: Table, index: int, entry: FactorEntry, example: bool = True) -> None:
        cells = table.rows[index].cells
        cells[0].text = f"{entry.number}."
        cells[1].text = entry.name
        para = cells[2].paragraphs[0]
        if entry.descriptor:
            if styled:
                para.add_run(entry.descriptor, style="Level Descriptor")
            else:
                para.add_run(entry.descriptor).bold = True
        if example and entry.example:
            para.add_run((" " if entry.descriptor else "") + entry.example)
        cells[3].text = entry.level_text
        cells[4].text = entry.score_text

    title = doc.add_paragraph()
    title.add_run(suite.title).bold = True
    doc.add_paragraph("Contents")
    contents = grid(1 + len(suite.contents), 3)
    for cell, text in zip(contents.rows[0].cells, ("Profile Title", "Band", "Page"), strict=True):
        cell.text = text
    for i, c in enumerate(suite.contents, start=1):
        for cell, text in zip(contents.rows[i].cells, (c.title, c.band_text, c.page), strict=True):
            cell.text = text
    doc.add_paragraph("")
    doc.add_paragraph("Version history and amendments")
    history = grid(1 + len(suite.history), 3)
    for cell, text in zip(history.rows[0].cells, ("", "Date", "Notes"), strict=True):
        cell.text = text
    for i, h in enumerate(suite.history, start=1):
        for cell, text in zip(history.rows[i].cells, (h.change, h.date, h.notes), strict=True):
            cell.text = text

    for profile in suite.profiles:
        doc.add_page_break()
        items = list(profile.job_statement)
        label = grid(1 + (len(items) if styled else 1), 2)
        label.rows[0].cells[0].text = LABEL
        label.rows[0].cells[1].text = profile.title
        label.rows[1].cells[0].text = STATEMENT
        if styled:
            label.rows[1].cells[0].merge(label.rows[-1].cells[0])
            for k, item in enumerate(items, start=1):
                label.rows[k].cells[1].text = item
        else:
            cell = label.rows[1].cells[1]
            for k, item in enumerate(items, start=1):
                para = cell.paragraphs[0] if k == 1 else cell.add_paragraph()
                para.add_run(f"{k}. {item}")
        doc.add_paragraph("")
        cut = break_after(profile)
        first = [f for f in profile.factors if f.number <= cut]
        second = [f for f in profile.factors if f.number > cut]
        carry = [f for f in first if continued(f)]
        table = grid(1 + len(first), 5)
        header_row(table)
        for i, entry in enumerate(first, start=1):
            factor_row(table, i, entry, example=not continued(entry))
        if second or carry:
            doc.add_page_break()
            table = grid(1 + len(carry) + len(second), 5)
            header_row(table)
            for i, entry in enumerate(carry, start=1):
                table.rows[i].cells[2].paragraphs[0].add_run(entry.example)
            for i, entry in enumerate(second, start=1 + len(carry)):
                factor_row(table, i, entry)
        doc.add_paragraph(f"{total_text(profile)}\t{band_text(profile)}")
    doc.save(str(path))
    return path


# -- PDF ---------------------------------------------------------------------------------


def _pdf_styles() -> dict[str, object]:
    from reportlab.lib.styles import ParagraphStyle

    return {
        "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=7.5, leading=9.5),
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=15, leading=19),
        "h2": ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=11, leading=14),
        "body": ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12),
    }


def _p(text: str, style: object) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)


def render_pdf(
    suite: Suite,
    path: Path,
    *,
    two_column_front: bool = False,
    one_table: bool = False,
    page_size: tuple[float, float] | None = None,
) -> Path:
    """The suite as a PDF with ruled tables (reportlab platypus).

    ``two_column_front`` lays the contents and the version history side by side in
    two frames; ``one_table`` draws each profile's factors as one table that
    reportlab splits wherever a page ends, repeating the header row (``repeatRows``),
    on pages of ``page_size``.
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        FrameBreak,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    styles = _pdf_styles()
    cell, head = styles["cell"], styles["head"]
    width, height = page_size or A4
    margin = 36.0
    inner = width - 2 * margin
    ruled = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    factor_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("SPAN", (0, 0), (1, 0)),
        ]
    )
    factor_widths = [0.06 * inner, 0.17 * inner, 0.57 * inner, 0.1 * inner, 0.1 * inner]

    def header() -> list[object]:
        return [_p(HEADER[0], head), "", *(_p(t, head) for t in HEADER[2:])]

    def factor_row(entry: FactorEntry, example: bool = True) -> list[object]:
        parts = []
        if entry.descriptor:
            parts.append(f"<b>{escape(entry.descriptor)}</b>")
        if example and entry.example:
            parts.append(escape(entry.example))
        return [
            _p(f"{entry.number}.", cell),
            _p(entry.name, cell),
            Paragraph(" ".join(parts), cell),
            _p(entry.level_text, cell),
            _p(entry.score_text, cell),
        ]

    def carry_row(entry: FactorEntry) -> list[object]:
        return ["", "", _p(entry.example, cell), "", ""]

    def factor_table(rows: list[list[object]], repeat: int = 0) -> object:
        return Table(rows, colWidths=factor_widths, style=factor_style, repeatRows=repeat)

    story: list[object] = [_p(suite.title, styles["title"]), Spacer(1, 12)]
    if two_column_front:
        story.append(FrameBreak())
    half = inner if not two_column_front else (inner - 18) / 2
    contents = Table(
        [
            [_p("Profile Title", head), _p("Band", head), _p("Page", head)],
            *[[_p(c.title, cell), _p(c.band_text, cell), _p(c.page, cell)] for c in suite.contents],
        ],
        colWidths=[0.66 * half, 0.2 * half, 0.14 * half],
        style=ruled,
    )
    history = Table(
        [
            ["", _p("Date", head), _p("Notes", head)],
            *[[_p(h.change, cell), _p(h.date, cell), _p(h.notes, cell)] for h in suite.history],
        ],
        colWidths=[0.25 * half, 0.2 * half, 0.55 * half],
        style=ruled,
    )
    story += [_p("Contents", styles["h2"]), Spacer(1, 6), contents, Spacer(1, 18)]
    if two_column_front:
        story.append(FrameBreak())
    story += [_p("Version history and amendments", styles["h2"]), Spacer(1, 6), history]
    if two_column_front:
        story.append(NextPageTemplate("page"))

    for profile in suite.profiles:
        story.append(PageBreak())
        statement = [_p(f"{k}. {t}", cell) for k, t in enumerate(profile.job_statement, 1)]
        story.append(
            Table(
                [[_p(LABEL, head), _p(profile.title, cell)], [_p(STATEMENT, head), statement]],
                colWidths=[0.23 * inner, 0.77 * inner],
                style=ruled,
            )
        )
        story.append(Spacer(1, 10))
        if one_table:
            rows = [header()]
            for entry in profile.factors:
                rows.append(factor_row(entry, example=not continued(entry)))
                if continued(entry):
                    rows.append(carry_row(entry))
            story.append(factor_table(rows, repeat=1))
        else:
            cut = break_after(profile)
            first = [f for f in profile.factors if f.number <= cut]
            second = [f for f in profile.factors if f.number > cut]
            carry = [carry_row(f) for f in first if continued(f)]
            story.append(
                factor_table([header(), *(factor_row(f, not continued(f)) for f in first)])
            )
            if second or carry:
                story.append(PageBreak())
                story.append(factor_table([header(), *carry, *(factor_row(f) for f in second)]))
        story.append(Spacer(1, 8))
        gap = "&nbsp;" * 12
        story.append(
            Paragraph(f"{escape(total_text(profile))}{gap}{escape(band_text(profile))}", head)
        )

    doc = BaseDocTemplate(
        str(path),
        pagesize=(width, height),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=suite.title,
    )
    body = Frame(margin, margin, inner, height - 2 * margin, id="body")
    templates = [PageTemplate(id="page", frames=[body])]
    if two_column_front:
        top_h = 50.0
        col_h = height - 2 * margin - top_h
        front = PageTemplate(
            id="front",
            frames=[
                Frame(margin, height - margin - top_h, inner, top_h, id="top"),
                Frame(margin, margin, half, col_h, id="left"),
                Frame(margin + half + 18, margin, half, col_h, id="right"),
            ],
        )
        templates.insert(0, front)
    doc.addPageTemplates(templates)
    doc.build(story)
    return path


# -- PDF variants (pypdf) ----------------------------------------------------------------


def rotate_pages(src: Path, dst: Path, pages: dict[int, int], *, upright: bool = False) -> Path:
    """Set ``/Rotate`` on the given pages (0-based index -> degrees).

    With ``upright`` the content is turned the other way first, so the page shows
    upright in a viewer (a landscape page as Word writes it); without, the page
    shows turned.
    """
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(src))
    for i, page in enumerate(writer.pages):
        degrees = pages.get(i, 0)
        if not degrees:
            continue
        if upright:
            box = page.mediabox
            w, h = float(box.width), float(box.height)
            # turn the content against the page's turn (exact matrices, as Word writes
            # them), moving it back onto the page
            matrix = {
                90: (0.0, 1.0, -1.0, 0.0, h, 0.0),
                180: (-1.0, 0.0, 0.0, -1.0, w, h),
                270: (0.0, -1.0, 1.0, 0.0, 0.0, w),
            }[degrees % 360]
            page.add_transformation(Transformation(matrix))
            page.mediabox.upper_right = (h, w) if degrees % 180 else (w, h)
            page.cropbox.upper_right = page.mediabox.upper_right
        page.rotate(degrees)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def reorder_pages(src: Path, dst: Path, order: Sequence[int]) -> Path:
    """The pages of ``src`` in ``order`` (0-based indexes)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(src)
    writer = PdfWriter()
    for i in order:
        writer.add_page(reader.pages[i])
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def encrypt_pdf(src: Path, dst: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def owner_only_encrypted_pdf(src: Path, dst: Path) -> Path:
    """Encrypted with an owner password only: opens without a password, as viewers do."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password="", owner_password="owner")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A 'scan': pages with a raster image and filled shapes, and no text at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    png = _tiny_png()
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        c.drawImage(ImageReader(io.BytesIO(png)), 50, 400, width=400, height=300)
        c.rect(60, 100, 300, 200, fill=1)
        c.showPage()
    c.save()
    return path


def _tiny_png() -> bytes:
    import struct
    import zlib

    w, h = 8, 8
    raw = b"".join(b"\x00" + bytes([(x * 30 + y * 20) % 256 for x in range(w)]) for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def text_pdf(
    path: Path, lines: Sequence[str], *, page_size: tuple[float, float] | None = None
) -> Path:
    """Plain text lines on pages (no tables); each tab becomes a wide gap."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    size = 6.0
    width, height = page_size or A4
    c = canvas.Canvas(str(path), pagesize=(width, height))
    y = height - 40
    for line in lines:
        if line == "\f" or y < 40:
            c.showPage()
            y = height - 40
            if line == "\f":
                continue
        x = 30.0
        for part in line.split("\t"):
            if part:
                c.setFont("Helvetica", size)
                c.drawString(x, y, part)
                x += stringWidth(part, "Helvetica", size)
            x += 24
        y -= size * 1.5
    c.showPage()
    c.save()
    return path


def profile_lines(suite: Suite) -> list[str]:
    """The suite as tab-separated text lines, one row each, a form feed between pages."""
    out = [suite.title, "", "Contents", "", "Profile Title\tBand\tPage"]
    out += [f"{c.title}\t{c.band_text}\t{c.page}" for c in suite.contents]
    out += ["", "Version history and amendments", "", "\tDate\tNotes"]
    out += [f"{h.change}\t{h.date}\t{h.notes}" for h in suite.history]
    for p in suite.profiles:
        out += ["\f", f"{LABEL}\t{p.title}"]
        out += [
            (f"{STATEMENT}\t" if k == 0 else "\t") + line for k, line in enumerate(p.job_statement)
        ]
        out += ["", "\t".join(HEADER)]
        for f in p.factors:
            out.append(f"{f.number}.\t{f.name}\t{f.text}\t{f.level_text}\t{f.score_text}")
        out.append(f"\t\t{total_text(p)}\t{band_text(p)}")
    return out


# -- Word and zip oddities -----------------------------------------------------------------


def zip_without_document(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return path


def zip_bomb(path: Path, declared_mib: int = 300) -> Path:
    """A .docx-looking zip whose member unpacks to ``declared_mib`` MiB of zeros.

    Deflate packs zeros about 1000:1, so the file itself is a few hundred KiB.
    """
    chunk = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        with zf.open("word/media/padding.bin", "w", force_zip64=True) as fh:
            for _ in range(declared_mib):
                fh.write(chunk)
    return path


# -- other producers -----------------------------------------------------------------------


def soffice() -> str | None:
    """LibreOffice's command (Debian's libreoffice-writer-nogui, scripts/test-deps)."""
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdfs(documents: Sequence[Path], out_dir: Path) -> list[Path]:
    """Each Word document converted to PDF by LibreOffice, all in one run of it (starting
    LibreOffice is most of the time), with a profile folder of its own so runs in parallel
    do not share one."""
    import subprocess

    command = soffice()
    if command is None:
        raise RuntimeError("LibreOffice is not installed: run scripts/test-deps")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = (out_dir / "lo-profile").resolve().as_uri()
    subprocess.run(
        [
            command,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            *map(str, documents),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = [out_dir / f"{doc.stem}.pdf" for doc in documents]
    missing = [p.name for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice made no {', '.join(missing)}")
    return out


def render_html(suite: Suite) -> str:
    """The suite as a web page laid out like the published documents: one table per
    profile whose header row repeats on each printed page, rows free to break across
    pages, narrow level and score columns (so "3(a)-4(b)" wraps)."""
    css = """
    @page { size: A5; margin: 12mm; }
    body { font-family: sans-serif; font-size: 8pt; }
    table { border-collapse: collapse; width: 100%; margin-bottom: 4mm; table-layout: fixed; }
    th, td { border: 0.6pt solid black; padding: 1.5pt; vertical-align: top; text-align: left;
             overflow-wrap: anywhere; }
    tr { break-inside: auto; }
    .n { width: 7mm; } .name { width: 22mm; } .lvl { width: 17mm; } .sc { width: 13mm; }
    .profile { break-before: page; }
    """
    h = escape
    out = [f"<html><head><style>{css}</style></head><body><h1>{h(suite.title)}</h1>"]
    out.append("<p>Contents</p><table><tr><td>Profile Title</td><td>Band</td><td>Page</td></tr>")
    out += [
        f"<tr><td>{h(c.title)}</td><td>{h(c.band_text)}</td><td>{h(c.page)}</td></tr>"
        for c in suite.contents
    ]
    out.append("</table><p>Version history and amendments</p>")
    out.append("<table><tr><td></td><td>Date</td><td>Notes</td></tr>")
    out += [
        f"<tr><td>{h(v.change)}</td><td>{h(v.date)}</td><td>{h(v.notes)}</td></tr>"
        for v in suite.history
    ]
    out.append("</table>")
    for p in suite.profiles:
        items = "<br/>".join(f"{k}. {h(item)}" for k, item in enumerate(p.job_statement, 1))
        out.append(
            f'<table class="profile"><tr><td>{LABEL}</td><td>{h(p.title)}</td></tr>'
            f"<tr><td>{STATEMENT}</td><td>{items}</td></tr></table>"
        )
        out.append(
            '<table><col class="n"/><col class="name"/><col/><col class="lvl"/><col class="sc"/>'
            '<thead><tr><th class="n">No.</th><th class="name">Factor</th>'
            "<th>Level descriptor and example job information</th>"
            '<th class="lvl">JE Level</th><th class="sc">JE Score</th></tr></thead><tbody>'
        )
        for f in p.factors:
            text = (
                f"<b>{h(f.descriptor)}</b> {h(f.example)}"
                if f.example
                else f"<b>{h(f.descriptor)}</b>"
            )
            out.append(
                f"<tr><td>{f.number}.</td><td>{h(f.name)}</td><td>{text}</td>"
                f"<td>{h(f.level_text)}</td><td>{h(f.score_text)}</td></tr>"
            )
        out.append(f"</tbody></table><p>{h(total_text(p))} {h(band_text(p))}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def render_chromium(suite: Suite, path: Path) -> Path:
    """The suite's web page (:func:`render_html`) printed to PDF by headless Chromium
    (Debian's, installed by scripts/browser-test-deps), as "Save as PDF" in a browser."""
    import shutil
    import subprocess

    html = path.with_suffix(".html")
    html.write_text(render_html(suite), encoding="utf-8")
    command = shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run(
        [
            command,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={path.parent / 'chromium-profile'}",
            f"--print-to-pdf={path}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


def render_weasyprint(suite: Suite, path: Path) -> Path:
    """The suite's web page (:func:`render_html`) printed to PDF by WeasyPrint."""
    from weasyprint import HTML

    HTML(string=render_html(suite)).write_pdf(str(path))
    return path
