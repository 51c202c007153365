"""Reading a job description (text, Word with tables, PDF, bytes, pasted text) and
splitting it into sentences; every file that cannot be read is one DocumentError, and
the command line says it on one line with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import docfixtures as fx
from bandwise.documents import docx_reader
from bandwise.errors import DocumentError
from bandwise.suggest import (
    checked_text,
    job_description_from_bytes,
    read_job_description,
    split_sentences,
)
from bandwise.suggest import reader as reader_module
from clikit import run_main

JD_LINES = [
    "Art Psychotherapist",
    "Main duties",
    "- Assess clients for individual or group art psychotherapy.",
    "- Provide clinical supervision to trainees on placement.",
    "Hold the budget for art materials; order supplies for the team.",
]


# -- formats ------------------------------------------------------------------------------


def _docx(path: Path) -> Path:
    from docx import Document

    doc = Document()
    doc.add_heading("Art Psychotherapist", level=1)
    doc.add_paragraph("Assess clients for individual or group art psychotherapy.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Responsibility"
    table.cell(0, 1).text = "Provide clinical supervision to trainees on placement."
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Hold the budget for art materials and order supplies."
    inner = table.cell(0, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "Write reports for the multidisciplinary team."
    doc.save(str(path))
    return path


def test_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "jd.txt"
    path.write_text("\n".join(JD_LINES), encoding="utf-8")
    assert read_job_description(path) == "\n".join(JD_LINES)


def test_windows_1252_text(tmp_path: Path) -> None:
    path = tmp_path / "jd.txt"
    path.write_bytes("Manages the team’s budget – all of it.".encode("cp1252"))
    assert "team’s budget – all" in read_job_description(path)


def test_word_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    text = read_job_description(_docx(tmp_path / "jd.docx"))
    lines = [line for line in text.splitlines() if line]
    assert lines[0] == "Art Psychotherapist"
    assert "Provide clinical supervision to trainees on placement." in lines
    assert "Write reports for the multidisciplinary team." in lines  # a table in a cell
    merged = "Hold the budget for art materials and order supplies."
    assert lines.count(merged) == 1  # a merged cell is read once
    order = [lines.index(x) for x in ("Responsibility", merged)]
    assert order == sorted(order)


def test_pdf_text(tmp_path: Path) -> None:
    path = fx.text_pdf(tmp_path / "jd.pdf", JD_LINES)
    text = read_job_description(path)
    assert "Provide clinical supervision to trainees on placement." in " ".join(text.split())


def test_bytes_and_pasted_text(tmp_path: Path) -> None:
    data = _docx(tmp_path / "jd.docx").read_bytes()
    assert "art psychotherapy" in job_description_from_bytes(data, "upload.docx")
    assert checked_text("Pasted text with words.") == "Pasted text with words."
    with pytest.raises(DocumentError, match="has no text to read"):
        checked_text("  12 34 \n", "<paste>")


# -- bad files ----------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _truncated_pdf(d: Path) -> Path:
    whole = fx.text_pdf(d / "whole.pdf", JD_LINES * 20).read_bytes()
    return _write(d / "half.pdf", whole[: len(whole) // 2])


BAD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "encrypted-pdf": (
        lambda d: fx.encrypt_pdf(fx.text_pdf(d / "open.pdf", JD_LINES), d / "locked.pdf"),
        "is encrypted (password-protected)",
    ),
    "image-only-pdf": (
        lambda d: fx.image_only_pdf(d / "scan.pdf"),
        "has no text layer; it may be a scan",
    ),
    "corrupt-pdf": (_truncated_pdf, "is not a readable PDF (it may be damaged or truncated)"),
    "pdf-header-only": (
        lambda d: _write(d / "header.pdf", b"%PDF-1.7\n%garbage\n"),
        "is not a readable PDF",
    ),
    "named-pdf-not-pdf": (
        lambda d: _write(d / "notes.pdf", b"Just some notes\n"),
        "is named .pdf but is not a PDF file",
    ),
    "empty-file": (lambda d: _write(d / "empty.txt", b""), "is empty"),
    "blank-file": (lambda d: _write(d / "blank.txt", b"  \n\n\t "), "is empty"),
    "numbers-only": (lambda d: _write(d / "n.txt", b"12 34\n56\n"), "has no text to read"),
    "binary-file": (lambda d: _write(d / "x.txt", b"\x00\x01\x02abc" * 10), "NUL bytes"),
    "zip-bomb-docx": (
        lambda d: fx.zip_bomb(d / "bomb.docx", declared_mib=210),
        "would unpack to 210 MiB; the limit is 200 MiB for a Word document (a zip bomb?)",
    ),
    "docx-not-a-zip": (
        lambda d: _write(d / "notes.docx", b"These are my notes, not a Word file.\n"),
        "is named .docx but is not a Word document (not a zip package)",
    ),
    "docx-damaged-zip": (
        lambda d: _write(d / "damaged.docx", b"PK\x03\x04" + b"\x00" * 200),
        "is not a readable zip package",
    ),
    "zip-without-word-document": (
        lambda d: fx.zip_without_document(d / "sheet.docx"),
        "is a zip file but not a Word document",
    ),
    "old-word-doc": (
        lambda d: _write(d / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512),
        "is a Word 97-2003 (.doc)",
    ),
    "missing-file": (lambda d: d / "nowhere.txt", "no such file"),
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad-jds")
    return {name: build(folder) for name, (build, _) in BAD.items()}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_one_document_error(case: str, bad_files: dict[str, Path]) -> None:
    path = bad_files[case]
    with pytest.raises(DocumentError) as info:
        read_job_description(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert BAD[case][1] in message
    assert "\n" not in message


def test_oversized_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Manages the budget for the service. " * 100, encoding="utf-8")
    monkeypatch.setattr(reader_module, "MAX_BYTES", 1024)
    with pytest.raises(DocumentError, match=r"the limit is 0 MiB for a job description"):
        read_job_description(path)
    with pytest.raises(DocumentError, match="for a job description"):
        job_description_from_bytes(path.read_bytes(), "big.txt")


def test_too_much_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "MAX_CHARS", 100)
    with pytest.raises(DocumentError, match="characters of text; the limit is 100"):
        checked_text("word " * 50, "<paste>")


def test_too_many_pdf_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = fx.text_pdf(tmp_path / "long.pdf", [*JD_LINES, "\f", *JD_LINES, "\f", *JD_LINES])
    monkeypatch.setattr(reader_module, "MAX_PAGES", 2)
    with pytest.raises(DocumentError, match="has 3 pages; the limit is 2"):
        read_job_description(path)


def test_zip_limit_is_the_profile_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One setting governs Word files for profiles and job descriptions alike."""
    path = _docx(tmp_path / "jd.docx")
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 1024)
    with pytest.raises(DocumentError, match="a zip bomb"):
        read_job_description(path)


@pytest.mark.parametrize("case", ["encrypted-pdf", "zip-bomb-docx", "empty-file", "corrupt-pdf"])
def test_bad_file_cli_exits_2_with_one_line(case: str, bad_files: dict[str, Path]) -> None:
    path = bad_files[case]
    proc = run_main("suggest", path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"bandwise: {path}: ")
    assert BAD[case][1] in lines[0]


# -- sentences -----------------------------------------------------------------------------


def _texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_bullets_and_numbers_start_sentences() -> None:
    text = (
        "Duties\n"
        "• Assess clients for therapy\n"
        "- Provide group sessions\n"
        "1. Keep clinical records\n"
        "2) Attend team meetings\n"
        "(a) Order art materials\n"
    )
    assert _texts(text) == [
        "Assess clients for therapy",
        "Provide group sessions",
        "Keep clinical records",
        "Attend team meetings",
        "Order art materials",
    ]


def test_wrapped_lines_join_and_sentences_split() -> None:
    text = (
        "The postholder will assess clients referred by the multidisciplinary team and\n"
        "decide whether therapy is suitable. They will run groups, e.g. open studio\n"
        "groups, on the wards. Dr Smith supervises the post.\n"
    )
    assert _texts(text) == [
        "The postholder will assess clients referred by the multidisciplinary team and "
        "decide whether therapy is suitable.",
        "They will run groups, e.g. open studio groups, on the wards.",
        "Dr Smith supervises the post.",
    ]


def test_semicolon_lists_split_when_the_parts_are_long_enough() -> None:
    text = (
        "Holds the budget for the art therapy service; orders supplies and equipment for "
        "the team; authorises travel expenses for clients\n\n"
        "Sitting; standing; walking\n"
    )
    assert _texts(text) == [
        "Holds the budget for the art therapy service",
        "orders supplies and equipment for the team",
        "authorises travel expenses for clients",
        "Sitting; standing; walking",
    ]


def test_paragraph_lines_are_never_joined_by_width() -> None:
    """Word paragraphs and pasted web text: one long line each, often with no full stop."""
    duties = [
        "Provide individual and group art psychotherapy to adults with severe and enduring "
        "mental illness across the inpatient wards and the community teams",
        "Communicate highly complex and sensitive information to service users, carers and "
        "colleagues in the multidisciplinary team, often in emotive situations",
        "Take part in audit and service evaluation and contribute to the development of the "
        "arts therapies service as a member of the working group",
    ]
    assert _texts("\n".join(duties)) == duties


def test_labelled_fields_stay_apart() -> None:
    text = "Department: Adult Acute Inpatient Wards, Mental Health Directorate\nReports to: Lead\n"
    assert _texts(text) == [
        "Department: Adult Acute Inpatient Wards, Mental Health Directorate",
        "Reports to: Lead",
    ]


def test_offsets_point_back_into_the_text() -> None:
    text = "  • Provide clinical\n    supervision to students.  Keep records up to date.\n"
    for s in split_sentences(text):
        assert " ".join(text[s.start : s.end].split()) == s.text
    assert [s.index for s in split_sentences(text)] == [0, 1]
