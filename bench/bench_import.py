"""Benchmark: reading and validating profile documents (prints figures, asserts nothing).

(a) the seed document (five profiles): median of N runs, in milliseconds;
(b) a synthetic 600-profile document, made by repeating the seed's five profiles
    under new titles (contents and version history kept once): seconds in total
    and milliseconds per profile, against a target of 2 s.

Run from the repository root with bandwise installed::

    python bench/bench_import.py [--runs N] [--big-runs N] [--profiles N] [--profile]

``--profile`` runs the large document once under cProfile and prints the hot spots.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bandwise import load_scheme, read_document, validate_suite
from bandwise.profiles.library import SEED_DOCUMENT

BIG_TARGET_S = 2.0
TITLE_ROW = re.compile(r"^(Profile Suite and Label\t)([^\t]*?)(\s*)((?:\t.*)?)$")

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)


def synthetic_document(n_profiles: int, seed: Path = SEED_DOCUMENT) -> str:
    """The seed's profiles repeated to ``n_profiles``; copy k's titles end in " Copy k".

    The first five keep their titles, so the contents table still matches them;
    the contents and version history appear once, at the top, as in the seed.
    """
    lines = seed.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if TITLE_ROW.match(line)]
    if not starts:
        raise SystemExit(f"{seed}: no 'Profile Suite and Label' rows")
    head, blocks = lines[: starts[0]], []
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        blocks.append(lines[a:b])
    out = list(head)
    for k in range(n_profiles):
        block = blocks[k % len(blocks)]
        copy = k // len(blocks) + 1
        title = block[0]
        if copy > 1:
            m = TITLE_ROW.match(title)
            assert m is not None
            title = f"{m.group(1)}{m.group(2)} Copy {copy}{m.group(3)}{m.group(4)}"
        out.append(title)
        out.extend(block[1:])
    return "\n".join(out) + "\n"


def _read_and_validate(path: Path) -> tuple[int, int]:
    scheme = load_scheme()
    result = read_document(path, None, scheme)
    findings = list(result.findings) + validate_suite(scheme, result.suite)
    return len(result.suite.profiles), len(findings)


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def bench_seed(runs: int) -> Figure:
    _read_and_validate(SEED_DOCUMENT)  # warm up: loads the scheme and imports once
    times = _timed(lambda: _read_and_validate(SEED_DOCUMENT), runs)
    n, f = _read_and_validate(SEED_DOCUMENT)
    ms = statistics.median(times) * 1000
    print(
        f"seed document ({n} profiles, {f} findings): median {ms:.1f} ms over {runs} runs "
        f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
    )
    return ("read+validate seed (5 profiles)", ms, "ms", "")


def bench_big(n_profiles: int, runs: int, profile: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"synthetic-{n_profiles}.txt"
        path.write_text(synthetic_document(n_profiles), encoding="utf-8")
        size_kib = path.stat().st_size // 1024
        n, f = _read_and_validate(path)
        if n != n_profiles:
            raise SystemExit(f"synthetic document read as {n} profiles, expected {n_profiles}")
        times = _timed(lambda: _read_and_validate(path), runs)
        if profile:
            _profile(path)
    total = statistics.median(times)
    per = total / n_profiles * 1000
    verdict = "OK" if total < BIG_TARGET_S else "OVER TARGET"
    print(
        f"synthetic document ({n_profiles} profiles, {size_kib} KiB, "
        f"{f} findings): median {total:.2f} s over {runs} run(s), {per:.2f} ms per profile "
        f"(target < {BIG_TARGET_S:.0f} s: {verdict})"
    )
    return [
        (f"read+validate {n_profiles} profiles", total, "s", f"< {BIG_TARGET_S:.0f} s"),
        ("  per profile", per, "ms", ""),
    ]


def _profile(path: Path) -> None:
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    _read_and_validate(path)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout).strip_dirs()
    print("\n-- cProfile: top 20 by cumulative time --")
    stats.sort_stats("cumulative").print_stats(20)
    print("-- cProfile: top 15 by own time --")
    stats.sort_stats("tottime").print_stats(15)


def run(
    runs: int = 20, big_runs: int = 3, n_profiles: int = 600, profile: bool = False
) -> list[Figure]:
    return [bench_seed(runs), *bench_big(n_profiles, big_runs, profile)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs for the seed (default 20)")
    parser.add_argument("--big-runs", type=int, default=3, help="runs for the large document")
    parser.add_argument("--profiles", type=int, default=600, help="profiles in the large document")
    parser.add_argument("--profile", action="store_true", help="cProfile the large document")
    args = parser.parse_args(argv)
    run(args.runs, args.big_runs, args.profiles, args.profile)


if __name__ == "__main__":
    main()
