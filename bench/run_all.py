"""Run every benchmark and print a summary table (figures only; nothing is asserted).

    python bench/run_all.py [--quick]

``--quick`` uses fewer runs, for a smoke check.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch
import bench_documents
import bench_import
import bench_startup
import bench_suggest
import suggest_eval


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    args = parser.parse_args(argv)
    runs, big_runs, startup_runs, batch_runs = (5, 1, 3, 1) if args.quick else (20, 3, 10, 3)

    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s)\n"
    )
    print("== import ==")
    figures = bench_import.run(runs=runs, big_runs=big_runs)
    print("\n== startup ==")
    figures += bench_startup.run(runs=startup_runs)
    print("\n== batch ==")
    figures += bench_batch.run(runs=batch_runs)
    print("\n== PDF and Word import ==")
    figures += bench_documents.run(runs=1, n_profiles=20 if args.quick else 100)
    print("\n== suggestions from a job description ==")
    figures += bench_suggest.run(runs=5 if args.quick else 20, n_profiles=600)
    accuracy = suggest_eval.evaluate("bm25")
    suggest_eval.report(accuracy)
    figures += [
        ("suggest profile top-1 (bm25)", 100 * accuracy["top1"], "%", ""),
        ("suggest profile top-3 (bm25)", 100 * accuracy["top3"], "%", ""),
        ("suggest factor exact (bm25)", 100 * accuracy["exact"], "%", ""),
        ("suggest factor within one (bm25)", 100 * accuracy["within_one"], "%", ""),
    ]

    print("\n== summary ==")
    width = max(len(name) for name, *_ in figures)
    print(f"{'benchmark':<{width}}  {'value':>10}  {'target':<8}")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}")
    for name, value, unit, target in figures:
        shown = f"{value:.1f} {unit}" if unit in ("ms", "M/s", "%") else f"{value:.3f} {unit}"
        print(f"{name:<{width}}  {shown:>10}  {target:<8}")


if __name__ == "__main__":
    main()
