"""Benchmark: hostile level input (prints figures, asserts nothing).

(a) how long the level parser takes to refuse a level of N digits (it says how many
    digits there are and never calls int() on them), against a plain level;
(b) ``match-batch`` end to end (``run_batch``) on a CSV of decided jobs where a share of
    the rows carry hostile levels (thousands of digits, "٥", options the factor plan
    lacks): each is that row's error, and the run's time is compared with a clean file.

Run from the repository root with bandwise installed::

    python bench/bench_hostile_levels.py [--rows N] [--runs N]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import tempfile
import time
from pathlib import Path

from bandwise.batch.run import run_batch
from bandwise.errors import LevelExpressionError
from bandwise.profiles.library import builtin_library
from bandwise.scheme.levels import parse_level_expression
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.rules import default_rule_set

ARTS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
HOSTILE = ["1" * 5000, "٥", "1(q)", "3abc", "9" * 100_000]


def _refuse_seconds(text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(LevelExpressionError):
            parse_level_expression(text)
        best = min(best, time.perf_counter() - started)
    return best


def _csv(path: Path, rows: int, hostile_every: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["job_id", "title", *(f"f{n}" for n in range(1, 17))])
        for i in range(rows):
            levels = list(ARTS)
            if hostile_every and i % hostile_every == 0:
                levels[(i // hostile_every) % 16] = HOSTILE[i % len(HOSTILE)]
            out.writerow([f"J{i}", "", *levels])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    print("(a) refusing one level expression (best of 200):")
    for label, text in [
        ("plain level '5'", "5"),
        ("5,000 digits", "1" * 5000),
        ("100,000 digits", "9" * 100_000),
        ("'٥'", "٥"),
    ]:
        print(f"    {label:>16}: {_refuse_seconds(text, 200) * 1e6:8.1f} µs")

    scheme, library, rules = load_scheme(), builtin_library(), default_rule_set()
    print(f"(b) match-batch --nearest, {args.rows} rows (median of {args.runs} runs):")
    with tempfile.TemporaryDirectory() as tmp:
        for label, every in [("clean", 0), ("1 row in 5 hostile", 5)]:
            source = _csv(Path(tmp) / f"in-{every}.csv", args.rows, every)
            times, errors = [], 0
            for _ in range(args.runs):
                summary = run_batch(
                    scheme, library, rules, source, Path(tmp) / "out.csv", None, False
                )
                times.append(summary.seconds)
                errors = summary.errors
            print(f"    {label:>18}: {statistics.median(times):6.2f} s, {errors} row errors")


if __name__ == "__main__":
    main()
