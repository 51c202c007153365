"""PDF and Word documents: renderings of the built-in suite read back as exactly that suite.

The documents are drawn at test time by ``tests/docfixtures.py`` (python-docx and
reportlab, laid out like the published profile documents) from the built-in
arts-therapies suite; reading one must give the same profiles, word for word, with
nothing unplaced. Variants move the layout about (two columns, turned pages,
repeated header rows, shuffled pages, no ruling at all); bad files each give one
clear :class:`DocumentError`, and the CLI says it on one line with exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import docfixtures as fx
from bandwise.cli import app
from bandwise.documents import docx_reader, pdf_reader
from bandwise.documents import reader as reader_module
from bandwise.documents.reader import read_document
from bandwise.documents.rows import statement_items, statement_rows, text_line_cells
from bandwise.documents.text_reader import TableRow
from bandwise.errors import DocumentError
from bandwise.profiles.library import SEED_DOCUMENT, load_builtin_suite
from bandwise.profiles.model import ReadResult, Suite
from bandwise.profiles.validate import validate_suite
from bandwise.scheme import load_scheme
from clikit import run_main

SUITE = load_builtin_suite("arts-therapies")
_READ: dict[Path, ReadResult] = {}


def read(path: Path) -> ReadResult:
    """Each rendering is read once per session; reading is the slow part."""
    if path not in _READ:
        _READ[path] = read_document(path)
    return _READ[path]


# -- renderings (built once per session, in a temporary folder) -----------------------


@pytest.fixture(scope="session")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("documents")


@pytest.fixture(scope="session")
def main_pdf(docs_dir: Path) -> Path:
    return fx.render_pdf(SUITE, docs_dir / "suite.pdf")


@pytest.fixture(scope="session")
def main_docx(docs_dir: Path) -> Path:
    return fx.render_docx(SUITE, docs_dir / "suite.docx")


VARIANTS: dict[str, Callable[[Path, Path], Path]] = {
    "word": lambda d, pdf: fx.render_docx(SUITE, d / "word.docx"),
    "word-styled": lambda d, pdf: fx.render_docx(SUITE, d / "styled.docx", styled=True),
    "pdf": lambda d, pdf: pdf,
    "pdf-two-column-front-page": lambda d, pdf: fx.render_pdf(
        SUITE, d / "two-column.pdf", two_column_front=True
    ),
    "pdf-repeated-headers": lambda d, pdf: fx.render_pdf(
        SUITE, d / "repeated.pdf", one_table=True, page_size=(595.0, 420.0)
    ),
    "pdf-turned-sideways": lambda d, pdf: fx.rotate_pages(pdf, d / "sideways.pdf", {1: 90, 2: 270}),
    "pdf-landscape-pages": lambda d, pdf: fx.rotate_pages(
        pdf, d / "landscape.pdf", {1: 90, 4: 270}, upright=True
    ),
    "pdf-shuffled": lambda d, pdf: fx.reorder_pages(
        pdf, d / "shuffled.pdf", [4, 9, 0, 2, 7, 10, 1, 3, 8, 6, 5]
    ),
    "pdf-reversed": lambda d, pdf: fx.reorder_pages(
        pdf, d / "reversed.pdf", list(reversed(range(fx.page_count(pdf))))
    ),
    "pdf-owner-password-only": lambda d, pdf: fx.owner_only_encrypted_pdf(pdf, d / "owner.pdf"),
}

#: findings the reader makes on each variant besides the two continued cells
EXPECTED_CODES: dict[str, set[str]] = {
    "pdf-turned-sideways": {"page-rotated"},
    "pdf-shuffled": {"page-order"},
    "pdf-reversed": {"page-order"},
}


@pytest.fixture(scope="session")
def variant(docs_dir: Path, main_pdf: Path) -> Callable[[str], Path]:
    """The variant's file by name, drawn the first time it is asked for."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = VARIANTS[name](docs_dir, main_pdf)
        return cache[name]

    return get


def assert_same_suite(got: Suite, want: Suite = SUITE) -> None:
    """The suite as read equals the built-in one in everything the document states."""
    assert got.title == want.title
    assert [p.id for p in got.profiles] == [p.id for p in want.profiles]
    for g, w in zip(got.profiles, want.profiles, strict=True):
        assert (g.title, g.band_label, g.bands, g.band_text, g.marked) == (
            w.title,
            w.band_label,
            w.bands,
            w.band_text,
            w.marked,
        ), w.id
        assert g.stated_total == w.stated_total, w.id
        assert g.job_statement == w.job_statement, w.id
        assert [f.number for f in g.factors] == [f.number for f in w.factors], w.id
        for gf, wf in zip(g.factors, w.factors, strict=True):
            where = f"{w.id} factor {wf.number}"
            assert gf.name == wf.name, where
            assert gf.level_text == wf.level_text, where
            assert gf.score_text == wf.score_text, where
            assert gf.descriptor == wf.descriptor, where
            assert gf.example == wf.example, where
            assert gf.stated_scores == wf.stated_scores, where
            assert gf.levels == wf.levels, where
    assert [(c.title, c.band_text, c.page) for c in got.contents] == [
        (c.title, c.band_text, c.page) for c in want.contents
    ]
    assert [(h.change, h.date, h.notes) for h in got.history] == [
        (h.change, h.date, h.notes) for h in want.history
    ]
    assert got.mark_meaning == want.mark_meaning


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_rendering_reads_back_as_the_builtin_suite(
    name: str, variant: Callable[[str], Path]
) -> None:
    result = read(variant(name))
    assert_same_suite(result.suite)
    assert result.unplaced == ()
    # the bold text in the document decides every descriptor/example split
    assert {f.split_method for p in result.suite.profiles for f in p.factors} == {"bold"}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_rendering_findings_are_only_the_repairs_it_needed(
    name: str, variant: Callable[[str], Path]
) -> None:
    result = read(variant(name))
    codes = [f.code for f in result.findings]
    assert codes.count("continued-cell") == 2  # head-of-arts-therapies 11, consultant 8
    assert set(codes) == {"continued-cell"} | EXPECTED_CODES.get(name, set())
    # the same validation findings as the built-in suite
    scheme = load_scheme()

    def key(suite: Suite) -> list[tuple[str, str, str | None, int | None]]:
        found = validate_suite(scheme, suite)
        return sorted((f.severity, f.code, f.profile, f.factor) for f in found)

    assert key(result.suite) == key(SUITE)


def test_continued_cells_are_read_where_the_page_breaks(main_pdf: Path, main_docx: Path) -> None:
    for path in (main_pdf, main_docx):
        result = read(path)
        continued = [f for f in result.findings if f.code == "continued-cell"]
        assert [(f.profile, f.factor) for f in continued] == [
            ("head-of-arts-therapies", 11),
            ("arts-therapies-consultant", 8),
        ]
    # in a PDF a row number means little: the message names the page
    pdf_messages = [f.message for f in read(main_pdf).findings]
    assert any(m.endswith("(page 9)") for m in pdf_messages)


def test_sideways_pages_are_named(variant: Callable[[str], Path]) -> None:
    turned = [f for f in read(variant("pdf-turned-sideways")).findings if f.code == "page-rotated"]
    assert [f.severity for f in turned] == ["info", "info"]
    assert "Page 2 runs sideways" in turned[0].message
    assert "Page 3 runs sideways" in turned[1].message


def test_shuffled_pages_say_the_order_they_were_read_in(variant: Callable[[str], Path]) -> None:
    (moved,) = [f for f in read(variant("pdf-shuffled")).findings if f.code == "page-order"]
    assert moved.severity == "warning"
    # stored order 5,10,1,3,8,11,2,4,9,7,6: the front page first, each profile's pages
    # together, profiles in contents order
    assert "read in the order 3, 7, 4, 8, 1, 11, 10, 5, 9, 2, 6" in moved.message


def test_page_without_ruled_tables_is_read_as_text_lines(docs_dir: Path) -> None:
    path = fx.text_pdf(docs_dir / "text-only.pdf", fx.profile_lines(SUITE), page_size=(1400, 600))
    result = read_document(path)
    assert result.unplaced == ()
    notes = [f for f in result.findings if f.code == "no-table-on-page"]
    assert notes and all(f.severity == "info" for f in notes)
    assert len(notes) == fx.page_count(path)
    got, want = result.suite, SUITE
    assert [p.id for p in got.profiles] == [p.id for p in want.profiles]
    for g, w in zip(got.profiles, want.profiles, strict=True):
        assert (g.title, g.band_label, g.stated_total, g.job_statement) == (
            w.title,
            w.band_label,
            w.stated_total,
            w.job_statement,
        )
        # no bold in plain text: the split is the text reader's judgement, the text exact
        assert [(f.level_text, f.score_text, f.text) for f in g.factors] == [
            (f.level_text, f.score_text, f.text) for f in w.factors
        ]


def test_scanned_page_inside_a_text_pdf_is_a_warning(docs_dir: Path, main_pdf: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    scan = fx.image_only_pdf(docs_dir / "one-scan.pdf", pages=1)
    writer = PdfWriter(clone_from=PdfReader(main_pdf))
    writer.add_page(PdfReader(scan).pages[0])
    path = docs_dir / "with-scan.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    result = read_document(path)
    assert_same_suite(result.suite)
    (note,) = [f for f in result.findings if f.code == "no-table-on-page"]
    assert note.severity == "warning"
    assert "Page 12 has no text layer" in note.message


# -- the CLI contract -------------------------------------------------------------------


def _import_json(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(app, ["profiles", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _shape(value: object) -> object:
    """Keys and value types, lists by their first item: the JSON contract's shape."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_cli_import_json_has_the_text_import_shape(
    kind: str, main_pdf: Path, main_docx: Path
) -> None:
    path = main_pdf if kind == "pdf" else main_docx
    got = _import_json(path)
    want = _import_json(SEED_DOCUMENT)
    assert _shape(got["profiles"]) == _shape(want["profiles"])
    assert _shape(got["suite"]) == _shape(want["suite"])
    assert set(got) == set(want)
    assert got["unplaced_lines"] == []
    suite = got["suite"]
    assert isinstance(suite, dict) and suite["source"] == path.name
    profiles = got["profiles"]
    assert isinstance(profiles, list)
    assert [p["id"] for p in profiles] == [p.id for p in SUITE.profiles]
    for p, w in zip(profiles, SUITE.profiles, strict=True):
        assert [(f["descriptor"], f["example"]) for f in p["factors"]] == [
            (f.descriptor, f.example) for f in w.factors
        ]


def test_cli_import_saves_the_suite_read_from_a_pdf(main_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "suite.yaml"
    result = CliRunner().invoke(
        app,
        ["profiles", "import", str(main_pdf), "--suite-id", "arts-therapies", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    from bandwise.profiles.serialize import load_suite_yaml

    saved = load_suite_yaml(load_scheme(), out.read_text(encoding="utf-8"), out.name)
    assert saved.id == "arts-therapies"
    assert_same_suite(saved)


# -- bad files ------------------------------------------------------------------------------


def _letter_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "Dear colleague, please find the minutes attached.")
    c.showPage()
    c.save()
    return path


def _truncated(src: Path, path: Path, keep: float) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def _broken_word_xml(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document><w:body>")
    return path


BAD_FILES: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "encrypted-pdf": (
        lambda d, pdf: fx.encrypt_pdf(pdf, d / "locked.pdf"),
        "is encrypted (password-protected)",
    ),
    "scanned-pdf": (lambda d, pdf: fx.image_only_pdf(d / "scan.pdf"), pdf_reader.SCAN_MESSAGE),
    "truncated-pdf": (
        lambda d, pdf: _truncated(pdf, d / "half.pdf", 0.5),
        "is not a readable PDF (it may be damaged or truncated)",
    ),
    "pdf-header-only": (
        lambda d, pdf: _truncated(pdf, d / "header.pdf", 0.01),
        "is not a readable PDF (it may be damaged or truncated)",
    ),
    "pdf-with-no-profile": (
        lambda d, pdf: _letter_pdf(d / "letter.pdf"),
        "no national profile found (expected a 'Profile Suite and Label' row)",
    ),
    "docx-not-a-zip": (
        lambda d, pdf: _write(d / "notes.docx", b"These are my notes, not a Word file.\n"),
        "is named .docx but is not a Word document (not a zip package)",
    ),
    "docx-damaged-zip": (
        lambda d, pdf: _write(d / "damaged.docx", b"PK\x03\x04" + b"\x00" * 200),
        "is not a Word document (.docx): it is not a readable zip package",
    ),
    "zip-without-word-document": (
        lambda d, pdf: fx.zip_without_document(d / "sheet.docx"),
        "is a zip file but not a Word document (no word/document.xml)",
    ),
    "zip-bomb": (
        lambda d, pdf: fx.zip_bomb(d / "bomb.docx", declared_mib=210),
        "would unpack to 210 MiB; the limit is 200 MiB for a Word document (a zip bomb?)",
    ),
    "word-xml-damaged": (
        lambda d, pdf: _broken_word_xml(d / "broken.docx"),
        "is not a readable Word document (it may be damaged)",
    ),
    "old-word-doc": (
        lambda d, pdf: _write(d / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
        "is a Word 97-2003 (.doc) or other Office binary file",
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def bad_files(docs_dir: Path, main_pdf: Path) -> dict[str, Path]:
    folder = docs_dir / "bad"
    folder.mkdir()
    return {name: build(folder, main_pdf) for name, (build, _) in BAD_FILES.items()}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_one_document_error(case: str, bad_files: dict[str, Path]) -> None:
    path = bad_files[case]
    with pytest.raises(DocumentError) as info:
        read_document(path)
    assert info.value.file == str(path)
    assert str(info.value) == f"{path}: {str(info.value)[len(str(path)) + 2 :]}"
    assert BAD_FILES[case][1] in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_cli_exits_2_with_one_line(
    case: str, bad_files: dict[str, Path], tmp_path: Path
) -> None:
    path = bad_files[case]
    out = tmp_path / "saved.yaml"
    proc = run_main("profiles", "import", path, "--out", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"bandwise: {path}: ")
    assert BAD_FILES[case][1] in lines[0]
    assert not out.exists()  # nothing half-imported


def test_too_many_pages(main_pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 3)
    with pytest.raises(DocumentError, match=r"has 11 pages; the limit is 3 for a profile document"):
        read_document(main_pdf)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_too_large(
    kind: str, main_pdf: Path, main_docx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "MAX_BYTES", 1024)
    with pytest.raises(DocumentError, match="MiB for a profile document"):
        read_document(main_pdf if kind == "pdf" else main_docx)


def test_zip_bomb_limit_counts_declared_sizes(
    main_docx: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads the zip directory only: a real .docx over a lowered limit is refused."""
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 1024)
    with pytest.raises(DocumentError, match="a zip bomb"):
        read_document(main_docx)


# -- the pieces -----------------------------------------------------------------------------


def test_job_statement_lines_become_items() -> None:
    lines = [
        "1. Assesses patients/clients for suitability for individual",
        "or group arts therapy",
        "2. Provides sessions",
        "• May undertake research",
        "",
    ]
    assert statement_items(lines) == [
        # the wrapped line kept as a line of the item: the reader joins it, rejoining a
        # word the wrap broke
        "1. Assesses patients/clients for suitability for individual\nor group arts therapy",
        "2. Provides sessions",
        "May undertake research",
    ]
    assert statement_rows(["Job Statement", "x", "extra"], ["a", "b"]) == [
        TableRow(("Job Statement", "a", "extra")),
        TableRow(("", "b", "")),
    ]
    assert statement_rows(["Job Statement", "a"], ["a"]) == [TableRow(("Job Statement", "a"))]


def test_text_line_cells() -> None:
    assert text_line_cells("1.   Freedom to Act    Text here  4   32  ") == (
        "1.",
        "Freedom to Act",
        "Text here",
        "4",
        "32",
    )
    assert text_line_cells("      Continued text") == ("", "Continued text")
    assert text_line_cells("a\tb") == ("a", "b")


def _page(number: int, *rows: tuple[str, ...]) -> pdf_reader._Page:
    page = pdf_reader._Page(number, [TableRow(r) for r in rows])
    page.study()
    return page


def _factors(first: int, last: int, score: str = "10") -> list[tuple[str, ...]]:
    return [(f"{n}.", f"Factor {n}", "Text", "1", score) for n in range(first, last + 1)]


def _profile_pages(title: str, start: int, total: str, score: str = "10") -> list[pdf_reader._Page]:
    return [
        _page(start, ("Profile Suite and Label", title), *_factors(1, 11, score)),
        _page(start + 1, *_factors(12, 16, score), ("", "", f"JE Score {total}", "Band 5")),
    ]


def _numbers(pages: list[pdf_reader._Page]) -> list[int]:
    return [p.number for p in pages]


def test_page_order_keeps_a_document_in_order() -> None:
    pages = [
        _page(1, ("Contents",)),
        *_profile_pages("A", 2, "160"),
        *_profile_pages("B", 4, "160"),
    ]
    ordered, moved = pdf_reader._order_pages(pages)
    assert (_numbers(ordered), moved) == ([1, 2, 3, 4, 5], False)


def test_page_order_follows_factors_and_the_stated_total() -> None:
    # both second pages start at factor 12: the stated totals (16 x 10, 16 x 20) decide
    a, b = _profile_pages("A", 2, "160", "10"), _profile_pages("B", 4, "320", "20")
    front = _page(
        1, ("Contents",), ("Profile Title", "Band", "Page"), ("B", "5", "4"), ("A", "5", "2")
    )
    stored = [b[1], a[1], a[0], front, b[0]]
    ordered, moved = pdf_reader._order_pages(stored)
    # the front page first, then the profiles in contents order, each page after its own
    assert (_numbers(ordered), moved) == ([1, 4, 5, 2, 3], True)


def test_page_that_follows_no_profile_stays_where_it_was() -> None:
    # factor 12's number was misread: its page still comes after the page before it
    first = _page(1, ("Profile Suite and Label", "A"), *_factors(1, 11))
    second = _page(2, ("12", "Factor 12", "Text", "1", "10"), *_factors(13, 16))
    ordered, moved = pdf_reader._order_pages([first, second])
    assert (_numbers(ordered), moved) == ([1, 2], False)


# -- reading order on a page -------------------------------------------------------------------


def _words(lines: list[tuple[float, float, str]], size: float = 9.0) -> list[pdf_reader._Atom]:
    """Word boxes for text drawn at (x, y) in Helvetica-ish widths (0.5 em a letter)."""
    out = []
    for x, y, text in lines:
        for word in text.split(" "):
            width = 0.5 * size * len(word)
            out.append(pdf_reader._Atom(x, y, x + width, y + size, text=word, size=size))
            x += width + 0.28 * size
    return out


def _read_order(atoms: list[pdf_reader._Atom]) -> list[str]:
    return [
        " | ".join(pdf_reader._line_cells(group)) if group[0].rows is None else "<table>"
        for group in pdf_reader._layout(atoms)
    ]


def test_two_columns_of_text_are_read_one_after_the_other() -> None:
    left = [(40, 100 + 12 * k, f"left line {k} of running text here") for k in range(4)]
    right = [(320, 100 + 12 * k, f"right line {k} of running text here") for k in range(4)]
    title = [(40, 60, "A title across the page that runs over the gutter between columns")]
    order = _read_order(_words(title + left + right))
    assert order == [
        "A title across the page that runs over the gutter between columns",
        *(f"left line {k} of running text here" for k in range(4)),
        *(f"right line {k} of running text here" for k in range(4)),
    ]


def test_a_table_drawn_as_text_is_read_row_by_row() -> None:
    """Narrow columns (band, page) are cells of a row, not columns of a page."""
    rows = [(40, 100 + 12 * k, f"Profile title number {k}") for k in range(4)]
    rows += [(400, 100 + 12 * k, f"{k + 5}") for k in range(4)]
    rows += [(460, 100 + 12 * k, f"{2 * k + 2}") for k in range(4)]
    assert _read_order(_words(rows)) == [
        f"Profile title number {k} | {k + 5} | {2 * k + 2}" for k in range(4)
    ]


def test_text_beside_a_table_and_a_total_line_below() -> None:
    table = pdf_reader._Atom(36, 100, 560, 400, rows=[TableRow(("1.", "x", "y", "1", "5"))])
    total = _words([(200, 410, "JE Score 438-448"), (400, 410, "Band 6")])
    heading = _words([(36, 80, "Fac tor table")])
    assert _read_order([*total, table, *heading]) == [
        "Fac tor table",
        "<table>",
        "JE Score 438-448 | Band 6",
    ]
