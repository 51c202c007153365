"""Run every benchmark and print a summary table (figures only; nothing is asserted).

    python bench/run_all.py [--quick] [--server]

``--quick`` uses fewer runs, for a smoke check. ``--server`` adds the load and fault runs
against ``bandwise serve`` (bench_server.py: starts servers on loopback; on PostgreSQL too
when BANDWISE_TEST_POSTGRES_URL is set, whose public schema it drops and recreates) and
the contended load run (bench_load.py: one and two workers on SQLite).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch
import bench_documents
import bench_import
import bench_import_memory
import bench_load
import bench_parse_child
import bench_records_out
import bench_report
import bench_server
import bench_startup
import bench_suggest
import bench_web_form
import bench_workspace
import suggest_eval


def suggest_figures(label: str, accuracy: dict[str, Any]) -> list[tuple[str, float, str, str]]:
    """The summary's suggestion figures (percentages) from ``suggest_eval.evaluate``."""
    n, lab = accuracy["with_profile"], accuracy["labelled"]
    factors = accuracy["factors"].values()
    out = [
        (f"suggest profile top-1 ({label})", 100 * accuracy["top1"] / n if n else 0.0, "%", ""),
        (f"suggest profile top-2 ({label})", 100 * accuracy["top2"] / n if n else 0.0, "%", ""),
    ]
    if lab:
        exact = sum(v[0] for v in factors) / (16 * lab)
        within = sum(v[1] for v in factors) / (16 * lab)
        out += [
            (f"suggest factor exact ({label})", 100 * exact, "%", ""),
            (f"suggest factor within one ({label})", 100 * within, "%", ""),
        ]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument(
        "--server", action="store_true", help="also load and fault runs against bandwise serve"
    )
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
    print("\n== parsing in a child process, within the limits ==")
    figures += bench_parse_child.run(runs=3 if args.quick else 10)
    print("\n== profiles import of large text files (peak memory) ==")
    figures += bench_import_memory.run()
    print("\n== suggestions from a job description ==")
    figures += bench_suggest.run(runs=5 if args.quick else 20, n_profiles=600)
    for folder in suggest_eval.SETS["issue16"]:  # written apart from the engine: tune, held out
        accuracy = suggest_eval.evaluate("bm25", suggest_eval.load_cases(folder))
        suggest_eval.report(f"issue16/{folder.name}", accuracy)
        figures += suggest_figures(f"{folder.name}, bm25", accuracy)
    print("\n== the matching form's live update (bandwise serve on loopback) ==")
    figures += bench_web_form.run(requests=100 if args.quick else 300)
    print("\n== the matching workspace in chromium (height, key presses, autosave) ==")
    figures += bench_workspace.run(requests=50 if args.quick else 200)
    print("\n== matching report (HTML and PDF) ==")
    figures += bench_report.run(runs=5 if args.quick else 20)
    print("\n== letters, exports, board PDF, backup, check and doctor ==")
    figures += bench_records_out.run(
        outcomes=200 if args.quick else 2000, runs=3 if args.quick else 5
    )
    if args.server:
        print("\n== bandwise serve: load and SIGKILL runs ==")
        figures += bench_server.run(
            requests=50 if args.quick else 250,
            seconds=5.0 if args.quick else 20.0,
            postgres_url=os.environ.get("BANDWISE_TEST_POSTGRES_URL") or None,
        )
        print("\n== bandwise serve: contended reads and same-version writes (SQLite) ==")
        figures += bench_load.run(requests=40 if args.quick else 150)

    print("\n== summary ==")
    width = max(len(name) for name, *_ in figures)
    print(f"{'benchmark':<{width}}  {'value':>10}  {'target':<8}")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 8}")
    for name, value, unit, target in figures:
        if unit in ("ms", "M/s", "%", "req/s"):
            shown = f"{value:.1f} {unit}"
        elif unit == "writes":
            shown = f"{value:.0f} {unit}"
        else:
            shown = f"{value:.3f} {unit}"
        print(f"{name:<{width}}  {shown:>10}  {target:<8}")


if __name__ == "__main__":
    main()
