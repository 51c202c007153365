"""One negative fixture per finding code, and the errors of the document entry point.

The fixtures are in tests/invalid/profiles/: ``_base.txt`` is a single valid profile that
reads and validates with no finding at all; every other ``.txt`` is that document with one
change, and ``expectations.yaml`` names the finding it must give (code, severity, profile,
factor, stated, expected, line and part of the message).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest

from bandwise.documents import reader as reader_module
from bandwise.documents.reader import read_document
from bandwise.documents.text_reader import read_profile_text
from bandwise.errors import DocumentError
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.profiles.model import FINDING_CODES, Finding, ReadResult
from bandwise.profiles.validate import compute, validate_suite
from bandwise.scheme import strict_yaml
from bandwise.scheme.loader import load_scheme

FIXTURES = Path(__file__).parent / "invalid" / "profiles"
BASE = FIXTURES / "_base.txt"
EXPECTATIONS: dict[str, dict[str, Any]] = strict_yaml.loads(
    (FIXTURES / "expectations.yaml").read_text(encoding="utf-8")
)
DEFAULT_PROFILE = "test-practitioner"
FIELDS = {
    "change",
    "file",
    "code",
    "severity",
    "profile",
    "factor",
    "stated",
    "expected",
    "line",
    "message",
    "also",
}
# The codes the brief for this suite names, in case FINDING_CODES ever loses one.
REQUIRED_CODES = {
    "score-mismatch",
    "total-mismatch",
    "band-mismatch",
    "band-below-label",
    "unknown-level",
    "unknown-option",
    "unknown-factor",
    "missing-factor",
    "factor-name-mismatch",
    "level-unreadable",
    "score-unreadable",
    "band-unreadable",
    "band-missing",
    "total-missing",
    "malformed-row",
    "unplaced-text",
    "page-reversed",
    "continued-cell",
    "contents-mismatch",
    "encoding",
    "band-1-closed",
    "above-band-table",
    "factor-order",
}


def fixture_path(name: str) -> Path:
    return FIXTURES / EXPECTATIONS[name].get("file", f"{name}.txt")


def read_and_validate(path: Path) -> tuple[ReadResult, list[Finding]]:
    result = read_profile_text(path.read_bytes(), path.name)
    return result, [*result.findings, *validate_suite(load_scheme(), result.suite)]


# -- the fixture set itself ---------------------------------------------------------


def test_base_document_reads_and_validates_clean() -> None:
    result, findings = read_and_validate(BASE)
    assert findings == []
    assert result.unplaced == ()
    assert result.encoding == "utf-8"
    (profile,) = result.suite.profiles
    assert profile.id == DEFAULT_PROFILE
    assert [f.number for f in profile.factors] == list(range(1, 17))
    comp = compute(load_scheme(), profile)
    assert comp.total is not None
    assert comp.total == profile.stated_total
    assert (comp.total.min, comp.total.max) == (346, 351)
    assert comp.bands == profile.bands == ("5",)


# Codes about PDF pages, which a text fixture cannot show: tests/test_pdf_docx.py draws
# a PDF for each (turned, shuffled and unruled pages).
PDF_PAGE_CODES = {"no-table-on-page", "page-order", "page-rotated"}


# Codes about the whole document, which read_document gives (read_profile_text reads
# one suite): each has its fixture and test below.
DOCUMENT_CODES = {"more-suites"}
DOCUMENT_FIXTURES = {"more-suites.txt"}


def test_a_document_of_two_suites_warns_that_only_the_first_is_read() -> None:
    result = read_document(FIXTURES / "more-suites.txt")
    assert [(f.code, f.severity) for f in result.findings] == [("more-suites", "warning")]
    message = result.findings[0].message
    assert "'National Profiles for Other Therapy'" in message and "imports each" in message
    assert [p.title for p in result.suite.profiles] == ["Test Practitioner"]


def test_every_finding_code_has_a_fixture() -> None:
    covered = {spec["code"] for spec in EXPECTATIONS.values()} | PDF_PAGE_CODES | DOCUMENT_CODES
    assert REQUIRED_CODES <= FINDING_CODES
    assert sorted(FINDING_CODES - covered) == []
    assert sorted(covered - FINDING_CODES) == []


def test_every_fixture_file_has_an_expectation() -> None:
    files = {p.name for p in FIXTURES.glob("*.txt")} - {BASE.name} - DOCUMENT_FIXTURES
    named = {fixture_path(name).name for name in EXPECTATIONS}
    assert sorted(files ^ named) == []


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_expectation_is_well_formed(name: str) -> None:
    spec = EXPECTATIONS[name]
    assert set(spec) <= FIELDS, f"{name}: unknown keys {sorted(set(spec) - FIELDS)}"
    assert {"change", "code", "severity", "message", "line"} <= set(spec)
    assert fixture_path(name).is_file()
    assert fixture_path(name).read_bytes() != BASE.read_bytes()


# -- each fixture gives its finding -----------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_fixture_gives_its_finding(name: str) -> None:
    spec = EXPECTATIONS[name]
    _, findings = read_and_validate(fixture_path(name))
    matching = [f for f in findings if f.code == spec["code"]]
    assert len(matching) == 1, f"{name}: {[f.to_dict() for f in findings]}"
    (finding,) = matching
    assert finding.severity == spec["severity"]
    assert finding.profile == spec.get("profile", DEFAULT_PROFILE)
    assert finding.factor == spec.get("factor")
    assert finding.stated == spec.get("stated")
    assert finding.expected == spec.get("expected")
    assert finding.line == spec["line"]
    assert spec["message"] in finding.message
    assert finding.file == fixture_path(name).name
    codes = {f.code for f in findings}
    assert codes == {spec["code"], *spec.get("also", [])}


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_read_document_gives_the_same_findings(name: str) -> None:
    path = fixture_path(name)
    result = read_document(path)
    direct = read_profile_text(path.read_bytes(), path.name)
    assert result == direct


def test_encoding_fixture_reads_the_dash() -> None:
    path = fixture_path("encoding")
    assert b"\x96" in path.read_bytes()
    result, _ = read_and_validate(path)
    assert result.encoding == "cp1252"
    entry = result.suite.profiles[0].factor(16)
    assert entry is not None
    assert entry.level_text == "2(a)\u20133(a)"
    assert entry.levels == (2, 3)


def test_unplaced_fixture_lists_the_line() -> None:
    result, _ = read_and_validate(fixture_path("unplaced-text"))
    lines = fixture_path("unplaced-text").read_text(encoding="utf-8").split("\n")
    assert [(u.line, u.text) for u in result.unplaced] == [(16, lines[15])]
    assert lines[15] == "#### page 2 of 3 ####"


def test_page_reversed_fixture_reads_like_the_base() -> None:
    base, _ = read_and_validate(BASE)
    result, _ = read_and_validate(fixture_path("page-reversed"))
    got = result.suite.profiles[0]
    want = base.suite.profiles[0]
    assert [(f.number, f.text, f.level_text, f.score_text) for f in got.factors] == [
        (f.number, f.text, f.level_text, f.score_text) for f in want.factors
    ]
    assert got.stated_total == want.stated_total
    assert got.band_label == want.band_label


def test_continued_cell_fixture_joins_the_example() -> None:
    base, _ = read_and_validate(BASE)
    result, _ = read_and_validate(fixture_path("continued-cell"))
    got = result.suite.profiles[0].factor(11)
    want = base.suite.profiles[0].factor(11)
    assert got is not None and want is not None
    assert (got.descriptor, got.example) == (want.descriptor, want.example)
    assert got.split_method == "page-break"
    assert got.continuation_lines == (22,)


# -- read_document: files that cannot be read at all --------------------------------


def _document_error(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        read_document(path)
    assert info.value.file == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in str(_document_error(tmp_path / "nothing-here.txt"))


def test_folder(tmp_path: Path) -> None:
    folder = tmp_path / "suite.txt"
    folder.mkdir()
    assert "is a folder" in str(_document_error(folder))


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n\n"], ids=["empty", "whitespace"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert str(_document_error(path)).endswith("is empty")


def test_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "NUL bytes" in str(_document_error(path))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # by suffix, even with text inside
        ("suite.pdf", SEED_DOCUMENT.read_bytes(), "is named .pdf but is not a PDF file"),
        # by magic number: read as a PDF, which this truncated one is not
        ("suite.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "is not a readable PDF"),
        ("suite.docx", SEED_DOCUMENT.read_bytes(), "is named .docx but is not a Word document"),
        ("suite.txt", b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "is not a Word document"),
    ],
    ids=["pdf-suffix", "pdf-magic", "docx-suffix", "docx-magic"],
)
def test_pdf_and_word_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    """Told by first bytes, then suffix; bad ones are one clear error (tests/test_pdf_docx.py
    reads good ones)."""
    path = tmp_path / name
    path.write_bytes(content)
    assert message in str(_document_error(path))


def test_text_with_no_profile(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_text("Dear colleague,\n\nPlease find the minutes attached.\n", encoding="utf-8")
    assert "no national profile found" in str(_document_error(path))


def test_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(SEED_DOCUMENT.read_bytes())
    monkeypatch.setattr(reader_module, "MAX_BYTES", 1024)
    assert "the limit is" in str(_document_error(path))


def test_utf16_text_with_nul_bytes_is_read(tmp_path: Path) -> None:
    """UTF-16 text is full of NUL bytes; its byte order mark says it is text."""
    path = tmp_path / "seed-utf16.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + SEED_DOCUMENT.read_text("utf-8").encode("utf-16-le"))
    result = read_document(path)
    assert result.encoding == "utf-16"
    assert len(result.suite.profiles) == 5
