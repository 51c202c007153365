"""Parsing within bounds: hostile documents (made here, small) are stopped at the limits as
they are extracted, and a parse in a child process is killed past its CPU time, memory or
wall-clock time, with one clear message naming the limit and the document's own name.

The limits are lowered through :class:`ParseLimits` so each test stays small and fast; no
test asserts a duration (``bench/bench_parse_child.py`` and ``bench_import_memory.py``
print the figures)."""

from __future__ import annotations

import codecs
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

import hostiledocs as hostile
from bandwise.documents import isolated, pdf_reader
from bandwise.documents.isolated import ParseInterrupted, ParseTimedOut, parse_in_child
from bandwise.documents.limits import Budget, LimitSettingError, ParseLimits
from bandwise.documents.reader import read_document, read_document_bytes
from bandwise.documents.text_reader import read_profile_lines, read_profile_text
from bandwise.errors import DocumentError, DocumentTooComplex
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.suggest.reader import job_description_from_bytes

TOO_COMPLEX = "document too complex to read within the limits"
JD_LINES = "The post holder manages the budget of the service and leads a team of therapists."
#: A hostile PDF: 50 pages sharing one stream of 20,000 text operators (8 KB on disk).
HEAVY_PDF = hostile.shared_stream_pdf(50, 20_000)


def _profile(data: bytes, name: str, limits: ParseLimits) -> object:
    return read_document_bytes(data, name, None, None, limits)


def _jd(data: bytes, name: str, limits: ParseLimits) -> object:
    return job_description_from_bytes(data, name, limits)


READERS = {"profile document": _profile, "job description": _jd}


# -- budgets checked as the text is extracted --------------------------------------------


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_word_file_of_many_tiny_paragraphs_is_stopped_at_the_paragraph_limit(
    reader: str,
) -> None:
    data = hostile.tiny_paragraphs_docx(5_000)
    with pytest.raises(DocumentTooComplex) as info:
        READERS[reader](data, "many.docx", ParseLimits(max_paragraphs=1_000))
    message = str(info.value)
    assert message.startswith(f"many.docx: {TOO_COMPLEX} (more than 1,000 paragraphs")
    assert "BANDWISE_PARSE_MAX_PARAGRAPHS" in message


def test_a_word_file_within_the_paragraph_limit_is_read() -> None:
    data = hostile.tiny_paragraphs_docx(50, JD_LINES)
    text = job_description_from_bytes(data, "jd.docx", ParseLimits(max_paragraphs=1_000))
    assert text.count(JD_LINES) == 50


def test_a_word_file_of_many_runs_in_one_paragraph_is_stopped_at_the_element_limit() -> None:
    data = hostile.tiny_paragraphs_docx(1, "a", runs=500)  # one paragraph, 1,500 elements
    with pytest.raises(DocumentTooComplex, match=r"more than 200 XML elements, 20 a paragraph"):
        job_description_from_bytes(data, "runs.docx", ParseLimits(max_paragraphs=10))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_pdf_whose_pages_share_one_content_stream_is_stopped_before_any_page_is_read(
    reader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content is measured first: no page's text is extracted at all."""
    extracted: list[int] = []
    real_extract, real_read_page = pypdf.PageObject.extract_text, pdf_reader._read_page

    def counting_extract(self: pypdf.PageObject, *args: object, **kwargs: object) -> str:
        extracted.append(1)
        return real_extract(self, *args, **kwargs)  # type: ignore[arg-type]

    def counting_read_page(*args: object) -> object:
        extracted.append(1)
        return real_read_page(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pypdf.PageObject, "extract_text", counting_extract)
    monkeypatch.setattr(pdf_reader, "_read_page", counting_read_page)
    data = hostile.shared_stream_pdf(100, 20_000)  # 100 pages x 140 KB of content, 8 KB file
    with pytest.raises(DocumentTooComplex) as info:
        READERS[reader](data, "shared.pdf", ParseLimits(max_content_mb=1))
    assert str(info.value).startswith(f"shared.pdf: {TOO_COMPLEX} (more than 1 MiB of page")
    assert "BANDWISE_PARSE_MAX_CONTENT_MB" in str(info.value)
    assert extracted == []


def test_junk_lines_stop_at_the_limit_of_lines_that_are_not_profile_rows(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(hostile.junk_lines(5_000))
    with pytest.raises(DocumentTooComplex) as info:
        read_document(path, limits=ParseLimits(max_unplaced=100))
    assert str(info.value) == (
        f"{path}: {TOO_COMPLEX} (more than 100 lines that are not profile rows; "
        "setting BANDWISE_PARSE_MAX_UNPLACED)"
    )


def test_reading_lines_stops_taking_them_at_the_line_limit() -> None:
    """The reader takes lines one at a time and stops at the budget, not after the file."""
    taken: list[int] = []

    def lines() -> Iterator[str]:
        for n in range(100_000):
            taken.append(n)
            yield "" if n % 2 else f"Line {n}"

    with pytest.raises(DocumentTooComplex, match=r"more than 1,000 lines; setting BANDWISE_PARSE"):
        read_profile_lines(
            lines(), "long.txt", budget=Budget("long.txt", ParseLimits(max_lines=1000))
        )
    assert len(taken) == 1_001


def test_characters_are_counted_as_lines_are_read() -> None:
    data = ("x" * 1_000 + "\n").encode() * 20
    with pytest.raises(DocumentTooComplex, match=r"more than 5,000 characters of text"):
        read_profile_text(data, "wide.txt", limits=ParseLimits(max_chars=5_000))


ENCODINGS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with a BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16": lambda text: text.encode("utf-16"),
    "windows-1252": lambda text: text.encode("cp1252"),
    "latin-1 (bytes cp1252 lacks)": lambda text: text.encode("latin-1") + b"\x81\n",
    "CR LF line ends": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "CR line ends": lambda text: text.replace("\n", "\r").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_a_text_file_read_as_a_stream_reads_as_it_did_whole(encoding: str, tmp_path: Path) -> None:
    text = SEED_DOCUMENT.read_text(encoding="utf-8").replace("–", "-")
    if encoding.startswith(("windows", "latin")):
        text = text.replace("Arts", "Årts", 1)  # a letter outside ASCII
    data = ENCODINGS[encoding](text)
    path = tmp_path / "seed.txt"
    path.write_bytes(data)
    streamed = read_document(path)
    whole = read_profile_text(data, "seed.txt")
    assert streamed == whole
    assert read_document_bytes(data, "seed.txt") == whole


# -- the settings ---------------------------------------------------------------------------


def test_parse_limits_are_read_from_the_environment() -> None:
    limits = ParseLimits.from_env(
        {"BANDWISE_PARSE_CPU_SECONDS": "5", "BANDWISE_PARSE_MAX_CONTENT_MB": "2.5"}
    )
    assert limits == ParseLimits(cpu_seconds=5, max_content_mb=2.5)
    assert ParseLimits.from_env({}) == ParseLimits()


@pytest.mark.parametrize("value", ["many", "0", "-3", "1.5"])
def test_a_parse_limit_that_is_not_a_positive_number_is_refused_naming_it(value: str) -> None:
    with pytest.raises(LimitSettingError, match="BANDWISE_PARSE_MAX_LINES"):
        ParseLimits.from_env({"BANDWISE_PARSE_MAX_LINES": value})


# -- the child process ----------------------------------------------------------------------


def test_a_document_read_in_a_child_process_reads_as_in_this_one() -> None:
    data = SEED_DOCUMENT.read_bytes()
    limits = ParseLimits()
    assert parse_in_child(_profile, (data, "seed.txt", limits), limits, "seed.txt") == _profile(
        data, "seed.txt", limits
    )


def test_a_parse_past_its_cpu_time_is_killed() -> None:
    limits = ParseLimits(cpu_seconds=1, wall_seconds=600, max_content_mb=1_000)
    with pytest.raises(DocumentTooComplex) as info:
        parse_in_child(_profile, (HEAVY_PDF, "heavy.pdf", limits), limits, "heavy.pdf")
    assert str(info.value) == (
        f"heavy.pdf: {TOO_COMPLEX} (more than 1 s of CPU time; setting BANDWISE_PARSE_CPU_SECONDS)"
    )
    assert isolated.running() == 0


def test_a_parse_past_its_wall_clock_time_is_killed() -> None:
    limits = ParseLimits(cpu_seconds=600, wall_seconds=0.5, max_content_mb=1_000)
    with pytest.raises(ParseTimedOut) as info:
        parse_in_child(_jd, (HEAVY_PDF, "heavy.pdf", limits), limits, "heavy.pdf")
    assert str(info.value) == (
        f"heavy.pdf: {TOO_COMPLEX} (more than 0.5 s; setting BANDWISE_PARSE_WALL_SECONDS)"
    )
    assert isolated.running() == 0


def test_a_parse_past_its_memory_is_stopped() -> None:
    limits = ParseLimits(memory_mb=1)  # below what the child already maps: any growth fails
    data = hostile.junk_lines(200_000)  # 3.6 MB: reading it takes megabyte buffers
    with pytest.raises(DocumentTooComplex, match=r"more than 1 MiB of memory; setting BANDWISE"):
        parse_in_child(_profile, (data, "big.txt", limits), limits, "big.txt")


def test_an_error_in_the_child_names_the_upload_never_a_server_path() -> None:
    limits = ParseLimits()
    with pytest.raises(DocumentError) as info:
        parse_in_child(
            _profile, (b"not a profile\n", "C:\\Users\\me\\jd.txt", limits), limits, "jd.txt"
        )
    assert str(info.value) == (
        "jd.txt: no national profile found (expected a 'Profile Suite and Label' row)"
    )


def test_stopping_the_parses_ends_a_running_one_with_a_shutting_down_error() -> None:
    limits = ParseLimits(cpu_seconds=600, wall_seconds=600, max_content_mb=1_000)
    outcome: list[BaseException] = []

    def parse() -> None:
        try:
            parse_in_child(_profile, (HEAVY_PDF, "heavy.pdf", limits), limits, "heavy.pdf")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=parse)
    thread.start()
    deadline = time.monotonic() + 60
    while isolated.running() == 0 and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert isolated.stop_all() == 1
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ParseInterrupted)
    assert str(outcome[0]) == f"heavy.pdf: {isolated.SHUTTING_DOWN}"
    assert isolated.running() == 0


def test_a_suite_yaml_over_the_size_limit_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bandwise.scheme import load_scheme
    from bandwise.services import profile_import

    path = tmp_path / "suite.yaml"
    path.write_text("profiles: [" + "{}, " * 1_000 + "]\n", encoding="utf-8")
    monkeypatch.setattr(profile_import, "MAX_BYTES", 1024)
    with pytest.raises(DocumentError, match=r"suite.yaml: is larger than 0 MiB; not a suite YAML"):
        profile_import.read_and_validate(load_scheme(), path)


def test_a_pdf_stating_more_pages_than_the_limit_is_refused_before_its_page_tree_is_walked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walked: list[int] = []
    real = pypdf.PdfReader.get_num_pages

    def counting(self: pypdf.PdfReader) -> int:
        walked.append(1)
        return real(self)

    monkeypatch.setattr(pypdf.PdfReader, "get_num_pages", counting)
    data = hostile.shared_stream_pdf(120, 1)
    with pytest.raises(DocumentError, match=r"jd.pdf: has 120 pages; the limit is 100 for a job"):
        job_description_from_bytes(data, "jd.pdf", ParseLimits())
    assert walked == []


def test_junk_paragraphs_of_a_word_file_stop_at_the_limit_of_unplaced_rows() -> None:
    data = hostile.tiny_paragraphs_docx(500, "lorem ipsum")
    with pytest.raises(DocumentTooComplex, match=r"more than 100 lines that are not profile rows"):
        read_document_bytes(data, "junk.docx", limits=ParseLimits(max_unplaced=100))


def test_a_parse_is_refused_at_once_when_too_many_already_wait_for_a_worker() -> None:
    """One worker busy and four parses waiting (QUEUE_PER_WORKER): the next is told the
    server is busy instead of holding one more server thread."""
    one = ParseLimits(workers=1, cpu_seconds=600, wall_seconds=600, max_content_mb=1_000)
    text = (JD_LINES.encode(), "jd.txt", one)
    outcomes: list[object] = []

    def parse(target: object, args: tuple[object, ...], name: str) -> None:
        try:
            outcomes.append(parse_in_child(target, args, one, name))  # type: ignore[arg-type]
        except BaseException as exc:
            outcomes.append(exc)

    busy = threading.Thread(target=parse, args=(_profile, (HEAVY_PDF, "heavy.pdf", one), "heavy"))
    busy.start()
    queued = [threading.Thread(target=parse, args=(_jd, text, "jd.txt")) for _ in range(4)]
    deadline = time.monotonic() + 60
    while isolated.running() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    for thread in queued:
        thread.start()
    while isolated.waiting() < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (isolated.running(), isolated.waiting()) == (1, 4)
    with pytest.raises(ParseInterrupted) as info:
        parse_in_child(_jd, text, one, "jd.txt")
    assert str(info.value) == f"jd.txt: {isolated.BUSY}"
    isolated.stop_all()  # the heavy parse ends; the queued ones then run
    for thread in [busy, *queued]:
        thread.join(timeout=120)
    assert sum(isinstance(o, ParseInterrupted) for o in outcomes) == 1
    assert sum(isinstance(o, str) and JD_LINES in o for o in outcomes) == 4
