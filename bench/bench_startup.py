"""Benchmark: wall time of ``bandwise --help`` (prints figures, asserts nothing).

Runs the installed console script (or ``python -m bandwise`` when there is none)
in a fresh process N times and prints the median, against a target of 0.3 s.

    python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)


def command() -> list[str]:
    beside = Path(sys.executable).with_name("bandwise")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("bandwise")
    return [found] if found else [sys.executable, "-m", "bandwise"]


def _once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def run(runs: int = 10) -> list[Figure]:
    argv = [*command(), "--help"]
    _once(argv)  # warm up the file cache
    times = [_once(argv) for _ in range(runs)]
    median = statistics.median(times)
    verdict = "OK" if median < TARGET_S else "OVER TARGET"
    print(
        f"{' '.join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv))}: "
        f"median {median:.3f} s over {runs} runs (min {min(times):.3f}, max {max(times):.3f}) "
        f"(target < {TARGET_S} s: {verdict})"
    )
    return [("bandwise --help (wall)", median, "s", f"< {TARGET_S} s")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs (default 10)")
    args = parser.parse_args(argv)
    run(args.runs)


if __name__ == "__main__":
    main()
