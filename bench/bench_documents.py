"""Benchmark: importing profile documents as PDF and as Word (prints figures, asserts nothing).

The built-in suite's five profiles are repeated under new titles (copy k's titles end
in " Copy k") to ``--profiles`` profiles, drawn as a PDF (reportlab, ruled tables,
two pages a profile) and as a Word document (python-docx) by ``tests/docfixtures.py``,
then read and validated as ``bandwise profiles import`` does: seconds in total and
seconds per profile (wall clock and CPU), median of the runs.

PDF import, 20 profiles, CPU seconds per profile (read only, median of 5): 0.137 before
issue 14's changes, 0.100 after (characters made into dicts by ``documents/pdf_fast.py``,
a table's characters found per row by bisection, words made only outside the tables).

Run from the repository root with bandwise and its dev extra installed::

    python bench/bench_documents.py [--runs N] [--profiles N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import docfixtures
from bandwise import load_scheme, read_document, validate_suite
from bandwise.profiles.library import load_builtin_suite

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)


def _import(path: Path) -> tuple[int, int]:
    scheme = load_scheme()
    result = read_document(path, None, scheme)
    findings = list(result.findings) + validate_suite(scheme, result.suite)
    return len(result.suite.profiles), len(findings)


def bench_format(kind: str, n_profiles: int, runs: int) -> list[Figure]:
    suite = docfixtures.copies(load_builtin_suite("arts-therapies"), n_profiles)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{n_profiles}.{kind}"
        if kind == "pdf":
            docfixtures.render_pdf(suite, path)
            pages = f"{docfixtures.page_count(path)} pages, "
        else:
            docfixtures.render_docx(suite, path)
            pages = ""
        size_kib = path.stat().st_size // 1024
        times, cpu = [], []
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            n, f = _import(path)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        if n != n_profiles:
            raise SystemExit(f"{path.name} read as {n} profiles, expected {n_profiles}")
    total = statistics.median(times)
    per = total / n_profiles
    cpu_per = statistics.median(cpu) / n_profiles
    print(
        f"{kind.upper()} ({n_profiles} profiles, {pages}{size_kib} KiB, {f} findings): "
        f"median {total:.2f} s over {runs} run(s), {per:.3f} s per profile "
        f"({cpu_per:.3f} s of CPU, the steadier figure on a shared machine)"
    )
    return [
        (f"import {kind.upper()} {n_profiles} profiles", total, "s", ""),
        (f"  {kind.upper()} per profile", per, "s", ""),
        (f"  {kind.upper()} CPU per profile", cpu_per, "s", ""),
    ]


def run(runs: int = 1, n_profiles: int = 100) -> list[Figure]:
    return [*bench_format("pdf", n_profiles, runs), *bench_format("docx", n_profiles, runs)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per format (default 1)")
    parser.add_argument("--profiles", type=int, default=100, help="profiles in each document")
    args = parser.parse_args(argv)
    run(args.runs, args.profiles)


if __name__ == "__main__":
    main()
