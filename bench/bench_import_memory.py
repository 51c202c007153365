"""Benchmark: peak memory of ``bandwise profiles import`` on large text files (prints
figures, asserts nothing).

Two files are generated in a temporary folder:

* ``junk-45mb.txt``: 45 MB of short lines that are not a profile document;
* ``lines-1m.txt``: one million short lines;

and ``bandwise profiles import FILE --json`` is run on each in a child process. For each
run it prints the seconds taken, the child's peak resident memory (``ru_maxrss`` of that
child, from ``os.wait4``), its exit code and the first line it wrote to stderr (the
error a user sees). ``--raise-lines`` also runs the 1M-line file with the line budget
raised above its size (``BANDWISE_PARSE_MAX_LINES``), to show what reading it in full
costs once the budget lets it through.

Run from the repository root with bandwise installed::

    python bench/bench_import_memory.py [--raise-lines]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)


def junk_file(path: Path, megabytes: int = 45) -> Path:
    """``megabytes`` MB of short lines of junk (no profile rows)."""
    line = b"lorem ipsum %07d\n"
    target = megabytes * 1_000_000
    with path.open("wb") as fh:
        written, i = 0, 0
        while written < target:
            chunk = b"".join(line % n for n in range(i, i + 10_000))
            fh.write(chunk)
            written += len(chunk)
            i += 10_000
    return path


def line_file(path: Path, lines: int = 1_000_000) -> Path:
    """``lines`` short lines."""
    with path.open("wb") as fh:
        for start in range(0, lines, 10_000):
            fh.write(b"".join(b"line %d\n" % n for n in range(start, start + 10_000)))
    return path


def measure(path: Path, env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Seconds, peak RSS (MiB), exit code and first stderr line of one import run."""
    command = [sys.executable, "-m", "bandwise", "profiles", "import", str(path), "--json"]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, **(env or {})},
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        first = next((ln.strip() for ln in err.read().decode(errors="replace").splitlines()), "")
    return seconds, usage.ru_maxrss / 1024, child.returncode, first


def run(raise_lines: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-") as folder:
        root = Path(folder)
        cases: list[tuple[str, Path, dict[str, str] | None]] = [
            ("45 MB of short lines", junk_file(root / "junk-45mb.txt"), None),
            ("1M short lines", line_file(root / "lines-1m.txt"), None),
        ]
        if raise_lines:
            cases.append(
                (
                    "1M short lines, line budget raised",
                    root / "lines-1m.txt",
                    {
                        "BANDWISE_PARSE_MAX_LINES": "2000000",
                        "BANDWISE_PARSE_MAX_UNPLACED": "2000000",
                        "BANDWISE_PARSE_MAX_CHARS": "50000000",
                    },
                )
            )
        for label, path, env in cases:
            seconds, peak, code, first = measure(path, env)
            size = path.stat().st_size / 1_000_000
            print(f"{label} ({size:.1f} MB): {seconds:.1f} s, peak RSS {peak:.0f} MiB, exit {code}")
            if first:
                print(f"    {first[:160].replace(folder, '<tmp>')}")
            figures.append((f"profiles import, {label}: time", seconds, "s", ""))
            figures.append((f"profiles import, {label}: peak RSS", peak, "MiB", ""))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--raise-lines",
        action="store_true",
        help="also read the 1M-line file with the line budget raised above its size",
    )
    args = parser.parse_args(argv)
    run(args.raise_lines)


if __name__ == "__main__":
    main()
