"""Profile documents as other producers and extractors make them (issue 14).

The text of the rendered suite as ``pdftotext`` (plain and ``-layout``) and pypdf give it,
header rows with a "No." column, rows cut by a page break with their JE level split over
two lines. Renderings are made at run time, once per session.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import docfixtures as fx
from bandwise.documents.reader import read_document
from bandwise.documents.text_reader import read_profile_text
from bandwise.documents.words import Vocabulary, join_lines
from bandwise.errors import DocumentError
from bandwise.profiles.library import load_builtin_suite
from bandwise.profiles.model import ReadResult, Suite

SUITE = load_builtin_suite("arts-therapies")
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (scripts/browser-test-deps)"
)


needs_libreoffice = pytest.mark.skipif(
    fx.soffice() is None, reason="LibreOffice (scripts/browser-test-deps)"
)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.render_pdf(SUITE, tmp_path_factory.mktemp("producers") / "suite.pdf")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each Word fixture converted to PDF by LibreOffice, once per session (one run)."""
    folder = tmp_path_factory.mktemp("libreoffice")
    words = [
        fx.render_docx(SUITE, folder / "word.docx"),
        fx.render_docx(SUITE, folder / "word-styled.docx", styled=True),
    ]
    return {p.stem: p for p in fx.libreoffice_pdfs(words, folder / "pdf")}


@pytest.fixture(scope="session")
def weasyprint_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.render_weasyprint(SUITE, tmp_path_factory.mktemp("weasyprint") / "web.pdf")


@pytest.fixture(scope="session")
def chromium_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium (scripts/browser-test-deps)")
    return fx.render_chromium(SUITE, tmp_path_factory.mktemp("chromium") / "web.pdf")


_READ: dict[Path, ReadResult] = {}


def read(path: Path) -> ReadResult:
    if path not in _READ:
        _READ[path] = read_document(path)
    return _READ[path]


def _spaced(text: str) -> str:
    """The text with no space after a slash or hyphen: the published text prints some
    compounds with one ("complex/ sensitive", "co- ordination") and a producer's wrap at
    that point looks the same, so that space alone cannot be read back."""
    return re.sub(r"(?<=[A-Za-z][/-]) ", "", text)


def assert_read_back(got: Suite, want: Suite = SUITE) -> None:
    """Everything the document states, read back: JE levels and scores by their meaning
    (a wrapped "2(b)(c)" / "(d)" keeps no trace of whether a space was there)."""
    assert [p.id for p in got.profiles] == [p.id for p in want.profiles]
    for g, w in zip(got.profiles, want.profiles, strict=True):
        assert (g.title, g.band_label, g.band_text, g.stated_total, g.marked) == (
            w.title,
            w.band_label,
            w.band_text,
            w.stated_total,
            w.marked,
        ), w.id
        assert [_spaced(i) for i in g.job_statement] == [_spaced(i) for i in w.job_statement]
        assert len(g.factors) == len(w.factors), w.id
        for gf, wf in zip(g.factors, w.factors, strict=True):
            where = f"{w.id} factor {wf.number}"
            assert (gf.number, gf.name) == (wf.number, wf.name), where
            assert (gf.levels, gf.stated_scores) == (wf.levels, wf.stated_scores), where
            assert gf.level_text.replace(" ", "") == wf.level_text.replace(" ", ""), where
            assert _spaced(gf.descriptor) == _spaced(wf.descriptor), where
            assert _spaced(gf.example) == _spaced(wf.example), where
    assert [(c.title, c.band_text, c.page) for c in got.contents] == [
        (c.title, c.band_text, c.page) for c in want.contents
    ]
    assert [(h.change, h.date, h.notes) for h in got.history] == [
        (h.change, h.date, h.notes) for h in want.history
    ]


# -- documents from other producers -----------------------------------------------------


@needs_libreoffice
@pytest.mark.parametrize("name", ["word", "word-styled"])
def test_word_converted_to_pdf_by_libreoffice_reads_back_with_no_warnings(
    name: str, libreoffice: dict[str, Path]
) -> None:
    result = read(libreoffice[name])
    assert_read_back(result.suite)
    assert result.unplaced == ()
    assert _warnings(result) == []


@needs_libreoffice
def test_words_libreoffice_broke_in_narrow_cells_are_rejoined_and_said(
    libreoffice: dict[str, Path],
) -> None:
    result = read(libreoffice["word"])
    rejoined = [f.message for f in result.findings if f.code == "word-rejoined"]
    assert rejoined and all(f.severity == "info" for f in result.findings)
    names = {f.name for p in result.suite.profiles for f in p.factors}
    assert "Communication & Relationship Skills" in names
    assert not [n for n in names if " al " in f" {n} " or n.endswith(" nt")]


def test_web_page_printed_by_weasyprint_reads_back_with_rows_split_across_pages(
    weasyprint_pdf: Path,
) -> None:
    result = read(weasyprint_pdf)
    assert_read_back(result.suite)
    assert result.unplaced == ()
    assert _warnings(result) == []
    # rows cut by a page end, continued after the repeated "No. | Factor | ..." header
    assert [f.code for f in result.findings if f.code == "continued-cell"]


def _pdftotext(pdf: Path, *options: str) -> Path:
    out = pdf.with_name(f"{pdf.stem}{''.join(options) or '-plain'}.txt")
    if not out.exists():
        subprocess.run(["pdftotext", *options, str(pdf), str(out)], check=True)
    return out


def _pypdf_text(pdf: Path) -> Path:
    from pypdf import PdfReader

    out = pdf.with_name(f"{pdf.stem}-pypdf.txt")
    out.write_text("\n".join(p.extract_text() for p in PdfReader(pdf).pages), encoding="utf-8")
    return out


def assert_same_figures(got: Suite, want: Suite = SUITE) -> None:
    """Everything the document states, the descriptor and example read as one text."""
    assert [p.id for p in got.profiles] == [p.id for p in want.profiles]
    for g, w in zip(got.profiles, want.profiles, strict=True):
        assert (g.title, g.band_text, g.stated_total, g.marked) == (
            w.title,
            w.band_text,
            w.stated_total,
            w.marked,
        ), w.id
        assert g.job_statement == w.job_statement, w.id
        for gf, wf in zip(g.factors, w.factors, strict=True):
            where = f"{w.id} factor {wf.number}"
            assert (gf.number, gf.name, gf.level_text, gf.score_text) == (
                wf.number,
                wf.name,
                wf.level_text,
                wf.score_text,
            ), where
            assert f"{gf.descriptor} {gf.example}".strip() == (
                f"{wf.descriptor} {wf.example}".strip()
            ), where
        assert len(g.factors) == len(w.factors), w.id
    assert [(c.title, c.band_text, c.page) for c in got.contents] == [
        (c.title, c.band_text, c.page) for c in want.contents
    ]
    assert [(h.change, h.date, h.notes) for h in got.history] == [
        (h.change, h.date, h.notes) for h in want.history
    ]


def _warnings(result: ReadResult) -> list[str]:
    return [f"{f.code}: {f.message}" for f in result.findings if f.severity != "info"]


# -- text from other extractors -------------------------------------------------------------


@needs_pdftotext
def test_pdftotext_layout_text_is_read_by_its_column_positions(rendered: Path) -> None:
    result = read_document(_pdftotext(rendered, "-layout"))
    assert_same_figures(result.suite)
    assert result.unplaced == ()
    assert _warnings(result) == []


@needs_pdftotext
def test_pdftotext_plain_text_is_refused_with_what_was_expected(rendered: Path) -> None:
    with pytest.raises(DocumentError, match=r"no factor rows.*import the PDF or Word file"):
        read_document(_pdftotext(rendered))


def test_pypdf_text_is_refused_with_what_was_expected(rendered: Path) -> None:
    with pytest.raises(DocumentError, match=r"no factor rows.*import the PDF or Word file"):
        read_document(_pypdf_text(rendered))


def test_copied_text_without_columns_never_imports_with_exit_0(
    rendered: Path, tmp_path: Path
) -> None:
    out = tmp_path / "suite.yaml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandwise",
            "profiles",
            "import",
            str(_pypdf_text(rendered)),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "import the PDF or Word file itself" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


# -- header rows, titles and rows cut by a page break --------------------------------------

_PROFILE_HEAD = [
    "National Profiles for Nursing",
    "",
    "Profile Suite and Label\tNurse Team Leader",
    "Job Statement\t1. Leads a team",
]


def _factor_rows(level16: str = "2(a)", score16: str = "7") -> list[str]:
    scores = [45, 196, 27, 15, 27, 30, 5, 12, 5, 4, 5, 21, 7, 7, 25]
    rows = [
        f"{n}.\tFactor {n}\tDescriptor {n} text Example {n}\t3\t{s}"
        for n, s in enumerate(scores, 1)
    ]
    rows.append(f"16.\tWorking Conditions\tOccasional exposure Example\t{level16}\t{score16}")
    return rows


def test_header_row_with_a_number_column_is_not_unplaced() -> None:
    header = "No.\tFactor\tLevel descriptor and example job information\tJE Level\tJE Score"
    lines = [*_PROFILE_HEAD, "", header, *_factor_rows(), "\tJE Score 453\tBand 6"]
    result = read_profile_text("\n".join(lines))
    assert result.unplaced == ()
    assert not [f for f in result.findings if f.code == "unplaced-text"]
    assert len(result.suite.profiles[0].factors) == 16


def test_suite_title_repeated_as_a_page_header_is_not_unplaced() -> None:
    header = "Factor\tLevel descriptor and example job information\tJE Level\tJE Score"
    rows = _factor_rows()
    lines = [*_PROFILE_HEAD, header, *rows[:8], "\f" + _PROFILE_HEAD[0], header, *rows[8:]]
    result = read_profile_text("\n".join([*lines, "\tJE Score 453\tBand 6"]))
    assert result.unplaced == ()
    assert len(result.suite.profiles[0].factors) == 16


def test_level_and_score_cut_by_a_page_break_are_joined_to_their_row() -> None:
    header = "Factor\tLevel descriptor and example job information\tJE Level\tJE Score"
    rows = _factor_rows(level16="2(a)-", score16="7-")
    lines = [*_PROFILE_HEAD, header, *rows, "", header, "\t\tand more example\t3(a)\t12"]
    result = read_profile_text("\n".join([*lines, "\tJE Score 453-458\tBand 6"]))
    factor = result.suite.profiles[0].factors[-1]
    assert (factor.level_text, factor.score_text) == ("2(a)- 3(a)", "7- 12")
    assert factor.stated_scores == (7, 12)
    assert factor.example.endswith("and more example")
    assert result.unplaced == ()
    assert [f.code for f in result.findings if f.factor == 16] == ["continued-cell"]


# -- 2025-style suites ---------------------------------------------------------------------

_SCORES = [45, 196, 27, 15, 27, 30, 5, 12, 5, 4, 5, 21, 7, 7, 25, 7]


def _profile(title: str, band: str) -> list[str]:
    header = "Factor\tLevel descriptor and example job information\tJE Level\tJE Score"
    rows = [f"Profile Suite and Label\t{title}", "Job Statement\t1. Cares for patients", header]
    rows += [f"{n}.\tFactor {n}\tText {n}\t3\t{s}" for n, s in enumerate(_SCORES, 1)]
    return [*rows, f"\t\tJE Score {sum(_SCORES)}\tBand {band}", ""]


def test_roman_and_lettered_variants_of_a_band_are_separate_profiles_with_stable_ids() -> None:
    head = ["National Profiles for Nursing and Midwifery", ""]
    ii, i, a = _profile("Midwife", "6ii"), _profile("Midwife", "6i"), _profile("Associate", "4a")
    one = read_profile_text("\n".join([*head, *ii, *i, *a]))
    other = read_profile_text("\n".join([*head, *a, *i, *ii]))
    got = [(p.id, p.band_label, p.bands) for p in one.suite.profiles]
    assert got == [
        ("midwife-6ii", "6ii", ("6",)),
        ("midwife-6i", "6i", ("6",)),
        ("associate", "4a", ("4",)),
    ]
    # the same ids whatever order the profiles come in
    assert {p.id for p in other.suite.profiles} == {p.id for p in one.suite.profiles}
    assert not [f for f in one.findings if f.severity != "info"]


def test_band_range_labels_read_as_before() -> None:
    result = read_profile_text("\n".join(_profile("Consultant", "8a-b") + _profile("Lead", "8ab")))
    assert [(p.band_label, p.bands) for p in result.suite.profiles] == [
        ("8a-b", ("8a", "8b")),
        ("8a-b", ("8a", "8b")),
    ]


def test_archived_profiles_are_flagged_kept_and_saved_with_their_flag() -> None:
    from bandwise.profiles.serialize import dump_suite_yaml, load_suite_yaml
    from bandwise.scheme import load_scheme

    lines = [
        "National Profiles for Nursing and Midwifery",
        "",
        *_profile("Midwife (Archived)", "6i"),
        *_profile("Midwife", "6i"),
        *_profile("Archive Manager", "4a"),
    ]
    suite = read_profile_text("\n".join(lines)).suite
    got = [(p.id, p.title, p.archived) for p in suite.profiles]
    assert got == [
        ("midwife-6i-archived", "Midwife", True),
        ("midwife-6i", "Midwife", False),
        ("archive-manager", "Archive Manager", False),
    ]
    again = load_suite_yaml(load_scheme(), dump_suite_yaml(suite), "suite.yaml")
    assert [p.archived for p in again.profiles] == [True, False, False]


# -- broken words --------------------------------------------------------------------------


def _vocabulary(*document: str) -> Vocabulary:
    from bandwise.scheme import load_scheme

    vocabulary = Vocabulary(load_scheme())
    vocabulary.see(document)
    return vocabulary


def test_a_word_broken_in_a_cell_is_rejoined_only_where_the_whole_word_is_known() -> None:
    vocabulary = _vocabulary("the new patients/clients and the reassurance of all")
    assert join_lines(["Communic", "ation & Relationship"], vocabulary) == (
        "Communication & Relationship",
        ["Communic ation"],
    )
    assert join_lines(["Knowledge", ", Training"], vocabulary)[0] == "Knowledge, Training"
    assert join_lines(["for all patients/", "clients"], vocabulary)[0] == (
        "for all patients/clients"
    )
    # each half a word of its own, an unknown whole, a slash compound never seen whole
    assert join_lines(["comes in", "to the room"], vocabulary)[0] == "comes in to the room"
    assert join_lines(["the Zorb", "ulator"], vocabulary)[0] == "the Zorb ulator"
    assert join_lines(["complex/", "sensitive"], vocabulary)[0] == "complex/ sensitive"
    assert join_lines(["empathy &", "reassurance"], vocabulary)[0] == "empathy & reassurance"


def test_space_aligned_text_rejoins_a_name_broken_in_its_column_and_says_so() -> None:
    header = f"{'Factor':<32}{'Level descriptor and example job information':<48}JE Level  JE Score"
    lines = [
        "National Profiles for Nursing",
        "",
        "Profile Suite and Label          Nurse",
        "",
        header,
        "",
        f"{'1.      Communic':<32}{'Communicates sensitive information':<48}{'4':<10}32",
        f"{'        ation & Relationship':<32}",
        f"{'        Skills':<32}",
    ]
    for n in range(2, 17):
        lines += ["", f"{f'{n}.      Factor {n}':<32}{f'Text {n}':<48}{'3':<10}21"]
    lines += ["", "JE Score 347            Band 5"]
    result = read_profile_text("\n".join(lines))
    factor = result.suite.profiles[0].factors[0]
    assert factor.name == "Communication & Relationship Skills"
    assert (factor.level_text, factor.score_text) == ("4", "32")
    assert [f.message for f in result.findings if f.code == "word-rejoined"] == [
        "'Communic ation' read as 'Communication'."
    ]
    assert result.unplaced == ()


# -- speed without loss ----------------------------------------------------------------------


def test_fast_pages_make_the_same_objects_as_pdfplumber(
    rendered: Path, weasyprint_pdf: Path
) -> None:
    """The faster character conversion (documents/pdf_fast.py) changes no value."""
    import pdfplumber

    from bandwise.documents.pdf_fast import FastPage, fast

    for path in (rendered, weasyprint_pdf):
        with pdfplumber.open(path) as theirs, pdfplumber.open(path) as ours:
            for page, quick in zip(theirs.pages, ours.pages, strict=True):
                assert isinstance(fast(quick), FastPage)
                assert quick.objects == page.objects, f"{path.name} page {page.page_number}"
                assert quick.chars, path.name


def test_a_row_with_only_its_name_and_score_before_a_page_break_is_joined_whole() -> None:
    """Head of Arts Therapies, factor 14, as a browser printed it: name and score at the
    foot of a page; descriptor and the level "3(a)-" / "4(b)" after the repeated header."""
    from bandwise.documents.text_reader import TableRow, read_profile_rows

    header = (
        "No.",
        "Factor",
        "Level descriptor and example job information",
        "JE Level",
        "JE Score",
    )
    rows: list[TableRow | None] = [
        TableRow(("Profile Suite and Label", "Head of Service")),
        TableRow(header),
    ]
    scores = [45, 196, 27, 15, 27, 30, 5, 12, 5, 4, 5, 21, 7]
    rows += [
        TableRow((f"{n}.", f"Factor {n}", f"Text {n}", "3", str(s)), bold=f"Text {n}")
        for n, s in enumerate(scores, 1)
    ]
    rows += [
        TableRow(("14.", "Mental Effort", "", "", "12-18")),
        None,
        TableRow(header),
        TableRow(("", "", "Frequent concentration\nPlans sessions", "3(a)-\n4(b)", "")),
        TableRow(("15.", "Emotional Effort", "Text 15", "3", "18"), bold="Text 15"),
        TableRow(("16.", "Working Conditions", "Text 16", "3", "18"), bold="Text 16"),
        TableRow(("", "", "JE Score 448-454 Band 6", "", "")),
    ]
    result = read_profile_rows(rows, "browser.pdf")
    profile = result.suite.profiles[0]
    factor = profile.factor(14)
    assert factor is not None
    assert (factor.name, factor.level_text, factor.score_text) == (
        "Mental Effort",
        "3(a)- 4(b)",
        "12-18",
    )
    assert f"{factor.descriptor} {factor.example}" == "Frequent concentration Plans sessions"
    assert factor.stated_scores == (12, 18)
    assert len(profile.factors) == 16
    assert result.unplaced == ()
    assert [f.code for f in result.findings if f.severity != "info"] == []


def test_a_header_and_a_level_broken_inside_narrow_cells_are_read_whole() -> None:
    """A browser breaks anywhere in a narrow cell: "N" / "o.", "JE Scor" / "e", "3(" / "a)"."""
    from bandwise.documents.text_reader import TableRow, read_profile_rows

    header = (
        "N\no.",
        "Factor",
        "Level descriptor and\nexample job information",
        "JE\nLevel",
        "JE Scor\ne",
    )
    rows: list[TableRow | None] = [
        TableRow(("Profile Suite and Label", "Head of Service")),
        TableRow(header),
    ]
    rows += [
        TableRow((f"{n}.", f"Factor {n}", f"Text {n}", "2(a)-3(\na)" if n == 16 else "3", "21"))
        for n in range(1, 17)
    ]
    result = read_profile_rows(rows, "browser.pdf")
    assert result.unplaced == ()
    factor = result.suite.profiles[0].factor(16)
    assert factor is not None and factor.level_text == "2(a)-3(a)"
    assert factor.level_expression is not None


def test_web_page_printed_by_chromium_reads_its_figures_back_with_no_warnings(
    chromium_pdf: Path,
) -> None:
    """Chromium draws a cut row without its bottom rule and its rest without a top rule,
    and breaks words anywhere in a narrow cell; every figure still reads back. (A word
    broken at a line end that the document never prints whole stays in two.)"""
    result = read(chromium_pdf)
    assert result.unplaced == ()
    assert _warnings(result) == []
    for got, want in zip(result.suite.profiles, SUITE.profiles, strict=True):
        assert (got.id, got.title, got.band_label, got.stated_total) == (
            want.id,
            want.title,
            want.band_label,
            want.stated_total,
        )
        assert [(f.number, f.name, f.levels, f.stated_scores) for f in got.factors] == [
            (f.number, f.name, f.levels, f.stated_scores) for f in want.factors
        ], want.id
    assert [(h.change, h.date, h.notes) for h in result.suite.history] == [
        (h.change, h.date, h.notes) for h in SUITE.history
    ]
