"""Benchmark: what parsing in a child process costs (prints figures, asserts nothing).

The server reads every upload and stored document in a child process forked from a
forkserver (``bandwise.documents.isolated``), within the parsing limits. For a short
text job description, a normal job description as a PDF (two pages) and as a Word file,
and a national profile document as a PDF (the built-in arts therapies suite, ruled
tables) and as a Word file, it prints the median time to read it in this process and in a
child, and the difference (the overhead per document); then the one-off cost of starting
the forkserver, and how long the hostile shapes of ``tests/hostiledocs.py`` take to be
refused at the default limits.

Run from the repository root with bandwise and its dev extra installed::

    python bench/bench_parse_child.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import docfixtures
import hostiledocs
from bandwise.documents.isolated import parse_in_child
from bandwise.documents.limits import ParseLimits
from bandwise.documents.reader import read_document_bytes
from bandwise.errors import DocumentError
from bandwise.profiles.library import load_builtin_suite
from bandwise.suggest.reader import job_description_from_bytes

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)
JD = (
    "The post holder provides arts therapy to patients with complex mental health needs. "
    "They assess patients, plan and deliver individual and group sessions, keep clinical "
    "records, and supervise junior therapists and students on placement."
)


#: (the reader, its arguments after the bytes and name) for each kind of document; the
#: reader runs in the child, so it is the library's own function, not one of this script.
READERS: dict[str, tuple[Callable[..., Any], Callable[[ParseLimits], tuple[Any, ...]]]] = {
    "jd": (job_description_from_bytes, lambda limits: (limits,)),
    "profile": (read_document_bytes, lambda limits: (None, None, limits)),
}


def _args(kind: str, data: bytes, name: str, limits: ParseLimits) -> tuple[Any, ...]:
    return (data, name, *READERS[kind][1](limits))


def _medians(actions: list[Callable[[], object]], runs: int) -> list[float]:
    """The median time of each action, run in turn (so a machine busy for a while slows
    them alike)."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, spent in zip(actions, times, strict=True):
            start = time.perf_counter()
            action()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def documents(folder: Path) -> list[tuple[str, str, bytes, str]]:
    suite = load_builtin_suite("arts-therapies")
    lines = [JD] * 60
    jd_pdf = docfixtures.text_pdf(folder / "jd.pdf", [*lines[:30], "\f", *lines[30:]])
    jd_docx = hostiledocs.tiny_paragraphs_docx(60, JD)
    profile_pdf = docfixtures.render_pdf(suite, folder / "suite.pdf")
    profile_docx = docfixtures.render_docx(suite, folder / "suite.docx")
    return [
        ("job description, text", "jd", JD.encode(), "jd.txt"),
        ("job description, PDF (2 pages)", "jd", jd_pdf.read_bytes(), "jd.pdf"),
        ("job description, Word", "jd", jd_docx, "jd.docx"),
        ("profile document, PDF (5 profiles)", "profile", profile_pdf.read_bytes(), "suite.pdf"),
        ("profile document, Word (5 profiles)", "profile", profile_docx.read_bytes(), "suite.docx"),
    ]


def run(runs: int = 10) -> list[Figure]:
    limits = ParseLimits()
    figures: list[Figure] = []
    start = time.perf_counter()
    parse_in_child(job_description_from_bytes, (JD.encode(), "jd.txt", limits), limits, "jd.txt")
    first = time.perf_counter() - start
    print(f"first parse (starts the forkserver, imports the readers): {first * 1000:.0f} ms")
    figures.append(("parse in a child: forkserver start", first * 1000, "ms", ""))
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-") as folder:
        for label, kind, data, name in documents(Path(folder)):
            target, args = READERS[kind][0], _args(kind, data, name, limits)
            here, child = _medians(
                [
                    lambda t=target, a=args: t(*a),
                    lambda t=target, a=args, n=name: parse_in_child(t, a, limits, n),
                ],
                runs,
            )
            print(
                f"{label}: {here * 1000:.0f} ms here, {child * 1000:.0f} ms in a child "
                f"(+{(child - here) * 1000:.0f} ms), median of {runs}"
            )
            figures.append((f"parse in a child: {label}", child * 1000, "ms", ""))
            figures.append((f"  overhead, {label}", (child - here) * 1000, "ms", ""))
    hostile = [
        (
            "hostile PDF, 100 pages sharing 200k text operators",
            hostiledocs.shared_stream_pdf(100, 200_000),
            "h.pdf",
        ),
        (
            "hostile Word file, 2 million empty paragraphs",
            hostiledocs.tiny_paragraphs_docx(2_000_000),
            "h.docx",
        ),
    ]
    for label, data, name in hostile:
        for reader, kind in (("job description", "jd"), ("profile document", "profile")):
            start = time.perf_counter()
            try:
                parse_in_child(READERS[kind][0], _args(kind, data, name, limits), limits, name)
                outcome = "read"
            except DocumentError as exc:
                outcome = str(exc).split(": ", 1)[1][:90]
            seconds = time.perf_counter() - start
            print(f"{label} ({len(data) // 1024} KiB) as a {reader}: {seconds:.2f} s, {outcome}")
            figures.append((f"refused: {label} as a {reader}", seconds, "s", ""))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per document (default 10)")
    args = parser.parse_args(argv)
    run(args.runs)


if __name__ == "__main__":
    main()
