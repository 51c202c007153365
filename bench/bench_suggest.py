"""Benchmark: suggestions from a job description (prints figures, asserts nothing).

* one job description, warm (the index already built): median over the runs, against a
  target of 100 ms, with the built-in library and with a 600-profile library;
* building the index for 600 profiles, against a target of 5 s. The 600 profiles are the
  built-in suite repeated under new titles (copy k's ids and titles end in "copy k", as
  ``tests/docfixtures.py`` makes them). Repeated text makes one passage, so the same
  library is also built with every copy's wording made distinct (a made-up word added to
  each text), which is the worst case: every passage new.

Run from the repository root with bandwise installed::

    python bench/bench_suggest.py [--runs N] [--profiles N] [--backend bm25|semantic]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import docfixtures
from bandwise.profiles.library import Library, builtin_library, load_builtin_suite
from bandwise.profiles.model import Profile
from bandwise.scheme.loader import load_scheme
from bandwise.suggest import clear_cache, semantic_available, suggest
from bandwise.suggest.engine import prepared

Figure = tuple[str, float, str, str]  # name, value, unit, target ("" when none)
WARM_TARGET_MS = 100.0
BUILD_TARGET_S = 5.0
JD = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "suggest_eval"
    / "at-dramatherapist-forensic.yaml"
)


def _jd_text() -> str:
    import yaml

    return str(yaml.safe_load(JD.read_text(encoding="utf-8"))["text"])


def _word(k: int) -> str:
    letters = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        letters = chr(ord("a") + r) + letters
    return "zq" + letters


def _distinct(profile: Profile, k: int) -> Profile:
    tag = _word(k)
    factors = tuple(
        replace(f, descriptor=f"{f.descriptor} {tag}", example=f"{f.example} {tag}")
        for f in profile.factors
    )
    return replace(
        profile,
        job_statement=tuple(f"{line} {tag}" for line in profile.job_statement),
        factors=factors,
    )


def big_library(n_profiles: int, distinct: bool) -> Library:
    suite = docfixtures.copies(load_builtin_suite("arts-therapies"), n_profiles)
    if distinct:
        suite = replace(
            suite, profiles=tuple(_distinct(p, k) for k, p in enumerate(suite.profiles))
        )
    return Library((suite,), (1,))


def _warm(text: str, library: Library, backend: str, runs: int) -> float:
    scheme = load_scheme()
    suggest(text, library, scheme, backend=backend)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        suggest(text, library, scheme, backend=backend)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _build(library: Library, backend: str) -> tuple[float, int]:
    scheme = load_scheme()
    clear_cache()
    t0 = time.perf_counter()
    prep = prepared(library, scheme, backend)
    return time.perf_counter() - t0, len(prep.passages.passages)


def _verdict(value: float, target: float) -> str:
    return "OK" if value < target else "OVER TARGET"


def run(runs: int = 20, n_profiles: int = 600, backend: str = "bm25") -> list[Figure]:
    text = _jd_text()
    figures: list[Figure] = []
    clear_cache()
    t0 = time.perf_counter()
    suggest(text, builtin_library(), load_scheme(), backend=backend)
    cold = time.perf_counter() - t0
    print(f"[{backend}] first suggestion, built-in library (index built): {cold:.3f} s")
    warm = _warm(text, builtin_library(), backend, runs)
    print(
        f"[{backend}] one job description, warm, built-in library: median {warm:.1f} ms over "
        f"{runs} runs (target < {WARM_TARGET_MS:.0f} ms: {_verdict(warm, WARM_TARGET_MS)})"
    )
    figures.append((f"suggest warm, built-in ({backend})", warm, "ms", "< 100 ms"))
    for distinct in (False, True):
        library = big_library(n_profiles, distinct)
        what = "distinct wording" if distinct else "repeated wording"
        seconds, n_passages = _build(library, backend)
        print(
            f"[{backend}] index for {n_profiles} profiles ({what}, {n_passages} passages): "
            f"{seconds:.2f} s (target < {BUILD_TARGET_S:.0f} s: "
            f"{_verdict(seconds, BUILD_TARGET_S)})"
        )
        figures.append(
            (f"suggest index, {n_profiles} profiles, {what} ({backend})", seconds, "s", "< 5 s")
        )
        warm_big = _warm(text, library, backend, max(3, runs // 4))
        print(
            f"[{backend}] one job description, warm, {n_profiles} profiles ({what}): "
            f"median {warm_big:.1f} ms"
        )
        figures.append(
            (f"suggest warm, {n_profiles} profiles, {what} ({backend})", warm_big, "ms", "")
        )
    clear_cache()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm runs (default 20)")
    parser.add_argument("--profiles", type=int, default=600, help="profiles (default 600)")
    parser.add_argument("--backend", choices=("bm25", "semantic"), default="bm25")
    args = parser.parse_args(argv)
    if args.backend == "semantic" and not semantic_available():
        print("the semantic backend is not installed (pip install 'bandwise[semantic]')")
        return
    run(args.runs, args.profiles, args.backend)


if __name__ == "__main__":
    main()
