"""Benchmark: batch matching (prints figures, asserts nothing).

(a) the vectorised kernel: random decided jobs against synthetic profiles (the
    built-in ones with their admitted levels perturbed), best profile per job, in
    millions of job x profile comparisons per second, against a target of 10 M/s;
(b) end to end, as ``bandwise match-batch IN.csv --out OUT.csv --nearest``: a CSV of
    random decided jobs against the built-in library, wall time of ``run_batch``
    (reading, parsing, matching, writing; not making the CSV), against 2 s.

Run from the repository root with bandwise installed::

    python bench/bench_batch.py [--jobs N] [--profiles N] [--rows N] [--runs N]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bandwise.batch import kernel
from bandwise.batch.run import run_batch
from bandwise.profiles.library import builtin_library
from bandwise.profiles.matching import target_of
from bandwise.scheme import load_scheme
from bandwise.scheme.matching import Target
from bandwise.scheme.model import Scheme
from bandwise.scheme.rules import default_rule_set

KERNEL_TARGET = 10.0  # million comparisons per second
END_TO_END_TARGET_S = 2.0
SEED = 20261127

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)


def synthetic_targets(scheme: Scheme, count: int, seed: int = SEED) -> list[Target]:
    """``count`` profiles made from the built-in ones: each factor's admitted levels shifted
    by -1, 0 or +1, and now and then a level added, so some sets have gaps."""
    rng = np.random.default_rng(seed)
    base = [target_of(scheme, p) for p in builtin_library().profiles]
    out = []
    for i in range(count):
        source = base[i % len(base)]
        levels = []
        for factor, admitted in zip(scheme.factors, source.levels, strict=True):
            shift = int(rng.integers(-1, 2))
            new = {min(factor.max_level, max(1, lv + shift)) for lv in admitted}
            if rng.random() < 0.1:
                new.add(int(rng.integers(1, factor.max_level + 1)))
            levels.append(tuple(sorted(new)))
        out.append(Target(f"synthetic-{i:04d}", source.title, tuple(levels), source.bands))
    return out


def random_jobs(scheme: Scheme, count: int, seed: int = SEED) -> npt.NDArray[np.int8]:
    rng = np.random.default_rng(seed)
    columns = [rng.integers(1, f.max_level + 1, count) for f in scheme.factors]
    return np.stack(columns, axis=1).astype(np.int8)


def bench_kernel(jobs: int, profiles: int, runs: int) -> Figure:
    scheme, rules = load_scheme(), default_rule_set()
    targets = synthetic_targets(scheme, profiles)
    t0 = time.perf_counter()
    tables = kernel.ProfileTables.build(scheme, targets, rules)
    build = time.perf_counter() - t0
    levels = random_jobs(scheme, jobs)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        kernel.best_profiles(tables, levels)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    rate = jobs * profiles / median / 1e6
    verdict = "OK" if rate >= KERNEL_TARGET else "UNDER TARGET"
    print(
        f"kernel: {jobs:,} jobs x {profiles} profiles in {median:.3f} s (median of {runs}; "
        f"tables built in {build * 1000:.0f} ms, chunks of {kernel.default_chunk(profiles)} "
        f"jobs): {rate:.1f} M comparisons/s (target >= {KERNEL_TARGET:.0f} M/s: {verdict})"
    )
    return ("batch kernel (comparisons)", rate, "M/s", f">= {KERNEL_TARGET:.0f} M/s")


def bench_end_to_end(rows: int, runs: int) -> Figure:
    scheme, rules, library = load_scheme(), default_rule_set(), builtin_library()
    levels = random_jobs(scheme, rows, seed=SEED + 1)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "jobs.csv", Path(tmp) / "results.csv"
        with inp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["job_id", "title", *(f"f{n}" for n in range(1, 17))])
            for i, row in enumerate(levels.tolist()):
                writer.writerow([f"JOB-{i:06d}", f"Job {i}", *row])
        for _ in range(runs):
            t0 = time.perf_counter()
            summary = run_batch(scheme, library, rules, inp, out, profile=None, progress=False)
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    verdict = "OK" if median < END_TO_END_TARGET_S else "OVER TARGET"
    print(
        f"match-batch --nearest: {rows:,} CSV rows x {len(library.profiles)} profiles in "
        f"{median:.3f} s (median of {runs}; min {min(times):.3f}, max {max(times):.3f}) "
        f"(target < {END_TO_END_TARGET_S} s: {verdict}); {summary.no_match} no-match, "
        f"{summary.with_variation} match-with-variation, {summary.matched} profile-match"
    )
    return (
        f"match-batch {rows // 1000}k rows (wall)",
        median,
        "s",
        f"< {END_TO_END_TARGET_S} s",
    )


def run(
    jobs: int = 200_000, profiles: int = 600, rows: int = 100_000, runs: int = 3
) -> list[Figure]:
    return [bench_kernel(jobs, profiles, runs), bench_end_to_end(rows, runs)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200_000, help="kernel jobs (200000)")
    parser.add_argument("--profiles", type=int, default=600, help="kernel profiles (600)")
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows (100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (3)")
    args = parser.parse_args(argv)
    run(args.jobs, args.profiles, args.rows, args.runs)


if __name__ == "__main__":
    main()
