"""Several suites in one document: a second "National Profiles for ..." title starts a new
suite; ``read_suites`` gives each, ``profiles import`` imports each, and the single-suite
reader gives the first with a warning naming the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bandwise.documents.reader import read_document, read_suites
from bandwise.documents.text_reader import TableRow, read_profile_rows
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.scheme.loader import load_scheme
from bandwise.services.base import Database
from bandwise.services.profile_import import read_and_validate, read_merged
from dbfixtures import People
from test_library_service import OURS, one_profile_document, run, run_json

SEED = SEED_DOCUMENT.read_text(encoding="utf-8")
TWO_SUITES = SEED.rstrip("\n") + "\n\n\n" + one_profile_document()


@pytest.fixture
def two_suites(tmp_path: Path) -> Path:
    path = tmp_path / "two-suites.txt"
    path.write_text(TWO_SUITES, encoding="utf-8")
    return path


def test_a_second_suite_title_starts_a_new_suite_with_its_own_profiles(two_suites: Path) -> None:
    first, second = read_suites(two_suites)
    alone = read_document(SEED_DOCUMENT)
    assert first.suite.title == "National Profiles for Art Therapy"
    assert [p.id for p in first.suite.profiles] == [p.id for p in alone.suite.profiles]
    assert first.suite.profiles == alone.suite.profiles
    assert second.suite.title == "National Profiles for Hyperbaric Medicine"
    assert second.suite.id == "hyperbaric-medicine"
    assert [p.id for p in second.suite.profiles] == [OURS]
    assert len(second.suite.profiles[0].factors) == 16
    assert not first.more and not second.more
    for result in (first, second):
        assert not [f for f in result.findings if f.code == "unplaced-text"], result.findings


def test_each_suites_findings_name_lines_of_that_suite(two_suites: Path) -> None:
    first, second = read_suites(two_suites)
    start = TWO_SUITES.splitlines().index("National Profiles for Hyperbaric Medicine") + 1
    assert all(f.line is None or f.line < start for f in first.findings)
    assert all(f.line is None or f.line > start for f in second.findings)
    assert second.suite.profiles[0].line > start


def test_the_single_suite_reader_gives_the_first_suite_and_warns_of_the_others(
    two_suites: Path,
) -> None:
    result = read_document(two_suites)
    assert result.suite.title == "National Profiles for Art Therapy"
    warned = [f for f in result.findings if f.code == "more-suites"]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert "'National Profiles for Hyperbaric Medicine'" in warned[0].message
    assert not [f for f in read_document(SEED_DOCUMENT).findings if f.code == "more-suites"]


def test_the_suite_title_repeated_as_a_page_header_starts_no_new_suite(tmp_path: Path) -> None:
    lines = SEED.splitlines()
    middle = next(i for i, line in enumerate(lines) if "JE Score 438-448" in line) + 1
    path = tmp_path / "headers.txt"
    path.write_text("\n".join([*lines[:middle], lines[0], *lines[middle:]]), encoding="utf-8")
    (only,) = read_suites(path)
    assert len(only.suite.profiles) == len(read_document(SEED_DOCUMENT).suite.profiles)


def test_table_rows_from_a_pdf_or_word_file_split_into_suites_the_same_way() -> None:
    rows = [
        TableRow(tuple(line.split("\t"))) if line.strip() else None
        for line in TWO_SUITES.splitlines()
    ]
    result = read_profile_rows(rows, "two-suites.pdf")
    assert [r.suite.title for r in (result, *result.more)] == [
        "National Profiles for Art Therapy",
        "National Profiles for Hyperbaric Medicine",
    ]
    assert [p.id for p in result.more[0].suite.profiles] == [OURS]


def test_profiles_import_saves_each_suite_a_document_holds(
    db: Database,
    db_url: str,
    people: People,
    two_suites: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    report = run_json(capsys, monkeypatch, "profiles", "import", str(two_suites), "--save", "--yes")
    files = report["files"]
    assert [(f["file"], f["suite"]["id"]) for f in files] == [
        (str(two_suites), "arts-therapies"),
        (str(two_suites), "hyperbaric-medicine"),
    ]
    assert (files[0]["saved"], files[0]["library_version"]) == (None, 1)  # as built in
    assert (files[1]["saved"]["suite_id"], files[1]["saved"]["version"]) == (
        "hyperbaric-medicine",
        1,
    )
    listed = run_json(capsys, monkeypatch, "profiles", "list")
    assert OURS in [r["id"] for r in listed]


def test_a_suite_id_or_out_file_for_a_document_with_several_suites_is_refused(
    tmp_path: Path,
    two_suites: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path / "data"))
    code, out, err = run(
        capsys, monkeypatch, "profiles", "import", str(two_suites), "--suite-id", "x"
    )
    assert (code, out) == (2, "")
    assert "holds 2 profile suites; --suite-id names one suite" in err
    code, out, err = run(
        capsys, monkeypatch, "profiles", "import", str(two_suites), "--out", str(tmp_path / "o")
    )
    assert (code, out) == (2, "")
    assert "--out takes one suite" in err and "holds 2" in err


# ---------------------------------------------------------------- one suite in parts


def _parts(tmp_path: Path, overlap: int = 0) -> tuple[Path, Path]:
    """The seed split after its second profile into two documents, each with the title;
    ``overlap`` profiles before the cut are in both."""
    lines = SEED.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Profile Suite and Label")]
    a, b = tmp_path / "part-a.txt", tmp_path / "part-b.txt"
    a.write_text("\n".join(lines[: starts[2]]) + "\n", encoding="utf-8")
    b.write_text("\n".join([lines[0], "", *lines[starts[2 - overlap] :]]) + "\n", "utf-8")
    return a, b


def _shape(suite: Any) -> list[Any]:
    return [
        (
            p.id,
            p.title,
            p.band_label,
            p.stated_total,
            p.job_statement,
            [(f.number, f.level_text, f.score_text, f.descriptor) for f in p.factors],
        )
        for p in suite.profiles
    ]


def test_one_suite_split_over_two_documents_reads_as_the_whole_suite(tmp_path: Path) -> None:
    merged, findings = read_merged(load_scheme(), list(_parts(tmp_path)))
    whole = read_document(SEED_DOCUMENT).suite
    assert merged.suite.title == whole.title and merged.suite.id == whole.id
    assert _shape(merged.suite) == _shape(whole)
    assert merged.suite.source == "part-a.txt + part-b.txt"
    assert merged.suite.contents == whole.contents and merged.suite.history == whole.history
    _, whole_findings = read_and_validate(load_scheme(), SEED_DOCUMENT)

    def errors(found: list[Any]) -> list[Any]:  # the seed's own misprint, and no other
        return [(f.code, f.profile, f.factor) for f in found if f.severity == "error"]

    assert errors(findings) == errors(whole_findings)
    assert not [f for f in findings if f.code in ("unplaced-text", "contents-mismatch")]


def test_profiles_import_merge_saves_nothing_when_the_parts_make_the_library_suite(
    db: Database,
    db_url: str,
    people: People,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    a, b = _parts(tmp_path)
    report = run_json(
        capsys, monkeypatch, "profiles", "import", str(a), str(b), "--merge", "--save", "--yes"
    )
    assert report["suite"]["id"] == "arts-therapies"
    assert len(report["profiles"]) == 5
    assert (report["saved"], report["library_version"]) == (None, 1)  # the same suite


def test_merge_refuses_parts_of_different_suites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path / "data"))
    other = tmp_path / "other.txt"
    other.write_text(one_profile_document(), encoding="utf-8")
    code, out, err = run(
        capsys, monkeypatch, "profiles", "import", str(SEED_DOCUMENT), str(other), "--merge"
    )
    assert (code, out) == (2, "")
    assert "is suite 'National Profiles for Hyperbaric Medicine', not " in err
    assert "'National Profiles for Art Therapy'" in err and "other.txt" in err


def test_merge_refuses_a_profile_in_two_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path / "data"))
    a, b = _parts(tmp_path, overlap=1)
    code, out, err = run(capsys, monkeypatch, "profiles", "import", str(a), str(b), "--merge")
    assert (code, out) == (2, "")
    assert "part-b.txt" in err
    assert "profile 'Arts Therapist (Art, Music, Drama, Dance Movement)'" in err
    assert "is also in" in err and "part-a.txt" in err


def test_merge_needs_two_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path / "data"))
    code, out, err = run(capsys, monkeypatch, "profiles", "import", str(SEED_DOCUMENT), "--merge")
    assert (code, out) == (2, "")
    assert "--merge reads the parts of one suite: give two or more files" in err


def test_merged_profiles_of_one_title_in_two_bands_take_ids_with_their_band(
    tmp_path: Path,
) -> None:
    one = one_profile_document()
    cut = "JE Score 438-448\tBan\td 6"
    assert cut in one
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(one.replace(cut, "JE Score 438-448\tBand 6i"), encoding="utf-8")
    stray = "\nA stray note of the second part.\n"  # a finding of that part's profile
    b.write_text(one.replace(cut, "JE Score 438-448\tBand 6ii") + stray, encoding="utf-8")
    merged, findings = read_merged(load_scheme(), [a, b])
    together = tmp_path / "together.txt"
    body = b.read_text(encoding="utf-8").split("\n", 1)[1].replace(stray, "")
    together.write_text(a.read_text(encoding="utf-8") + body, encoding="utf-8")
    (whole,) = read_suites(together)
    ids = [p.id for p in merged.suite.profiles]
    assert ids == [p.id for p in whole.suite.profiles]
    assert ids == [f"{OURS}-6i", f"{OURS}-6ii"]
    stray_finding = next(f for f in findings if f.code == "unplaced-text")
    assert stray_finding.profile == f"{OURS}-6ii"  # the part's finding names the new id
