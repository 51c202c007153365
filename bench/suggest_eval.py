"""Accuracy of ``bandwise suggest`` on the evaluation set (prints figures, asserts nothing).

    python bench/suggest_eval.py [--backend bm25|semantic] [--verbose]

For every backend that is installed (BM25 always; the semantic one with
``pip install 'bandwise[semantic]'``), over the job descriptions in
``tests/suggest_eval/*.yaml``:

* profile top-1 and top-3 accuracy, over the descriptions that have a profile;
* for descriptions with no profile (``profile: null``), how often the top profile
  reads as a weak fit (as it should);
* per factor: exact (the most likely level is the panel's level, or one of the two a
  panel would accept), in range (the panel's level is among the suggested levels),
  within one level, and how often the factor had evidence at all.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.suggest import BACKENDS, Suggestions, semantic_available, suggest

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "suggest_eval"


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    profile: str | None
    kind: str
    levels: tuple[tuple[int, ...], ...]
    text: str


def _levels(value: Any) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,)
    low, _, high = str(value).partition("-")
    return tuple(range(int(low), int(high or low) + 1))


def load_cases(folder: Path = EVAL_DIR) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.append(
            Case(
                data["id"],
                data["title"],
                data["profile"],
                data["kind"],
                tuple(_levels(v) for v in data["levels"]),
                data["text"],
            )
        )
    return cases


def _distance(level: int, wanted: tuple[int, ...]) -> int:
    return min(abs(level - w) for w in wanted)


def evaluate(backend: str, cases: list[Case] | None = None) -> dict[str, Any]:
    """Accuracy figures for one backend."""
    cases = cases if cases is not None else load_cases()
    scheme = load_scheme()
    library = builtin_library()
    suggest("warm up", library, scheme, backend=backend)
    top1 = top3 = with_profile = 0
    none_ok = none_total = 0
    per_factor = {
        n: {"exact": 0, "in_range": 0, "within_one": 0, "evidence": 0} for n in range(1, 17)
    }
    rows = []
    times = []
    for case in cases:
        t0 = time.perf_counter()
        result: Suggestions = suggest(case.text, library, scheme, top=5, backend=backend)
        times.append(time.perf_counter() - t0)
        ranked = [p.id for p in result.profiles]
        if case.profile is not None:
            with_profile += 1
            top1 += ranked[:1] == [case.profile]
            top3 += case.profile in ranked[:3]
        else:
            none_total += 1
            none_ok += result.profiles[0].fit == "weak"
        misses = []
        for f, wanted in zip(result.factors, case.levels, strict=True):
            stats = per_factor[f.number]
            if f.level is None:
                misses.append(f"{f.number}:-")
                continue
            stats["evidence"] += 1
            stats["exact"] += f.level in wanted
            stats["in_range"] += any(w in f.levels for w in wanted)
            stats["within_one"] += _distance(f.level, wanted) <= 1
            if f.level not in wanted:
                misses.append(f"{f.number}:{f.level}≠{'/'.join(map(str, wanted))}")
        rows.append((case, ranked, result, misses))
    n = len(cases)
    factor_rows = {k: {m: v / n for m, v in stats.items()} for k, stats in per_factor.items()}
    return {
        "backend": backend,
        "cases": n,
        "top1": top1 / with_profile if with_profile else 0.0,
        "top3": top3 / with_profile if with_profile else 0.0,
        "with_profile": with_profile,
        "none_detected": none_ok / none_total if none_total else 0.0,
        "none_total": none_total,
        "factors": factor_rows,
        "exact": statistics.mean(r["exact"] for r in factor_rows.values()),
        "in_range": statistics.mean(r["in_range"] for r in factor_rows.values()),
        "within_one": statistics.mean(r["within_one"] for r in factor_rows.values()),
        "evidence": statistics.mean(r["evidence"] for r in factor_rows.values()),
        "median_ms": statistics.median(times) * 1000,
        "rows": rows,
    }


def report(figures: dict[str, Any], verbose: bool = False) -> None:
    print(f"backend {figures['backend']}: {figures['cases']} job descriptions")
    print(
        f"  profiles: top-1 {figures['top1']:.0%}, top-3 {figures['top3']:.0%} "
        f"(of {figures['with_profile']} with a profile); no-profile cases read as a weak fit: "
        f"{figures['none_detected']:.0%} (of {figures['none_total']})"
    )
    print(
        f"  factors (mean of 16): exact {figures['exact']:.0%}, in range "
        f"{figures['in_range']:.0%}, within one level {figures['within_one']:.0%}, "
        f"with evidence {figures['evidence']:.0%}"
    )
    print(f"  median time per job description (warm): {figures['median_ms']:.1f} ms")
    print("  factor  exact  in-range  within-one  evidence")
    for number, row in figures["factors"].items():
        print(
            f"  {number:>6}  {row['exact']:>5.0%}  {row['in_range']:>8.0%}  "
            f"{row['within_one']:>10.0%}  {row['evidence']:>8.0%}"
        )
    if verbose:
        for case, ranked, result, misses in figures["rows"]:
            mark = (
                "" if case.profile is None or ranked[:1] == [case.profile] else "  <-- top-1 miss"
            )
            print(f"\n  {case.id} (want {case.profile}){mark}")
            for p in result.profiles[:3]:
                print(
                    f"    {p.score:.3f} {p.fit:7} {p.id} (text {p.text_score:.2f}, levels "
                    f"{p.level_agreement:.2f})"
                )
            print(f"    total {result.total_min}-{result.total_max} bands {result.bands}")
            print(f"    factor misses: {' '.join(misses) or 'none'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, help="one backend (default: all installed)")
    parser.add_argument("--verbose", action="store_true", help="every case's ranking and misses")
    args = parser.parse_args(argv)
    backends = [args.backend] if args.backend else list(BACKENDS)
    for backend in backends:
        if backend == "semantic" and not semantic_available():
            print("backend semantic: not installed (pip install 'bandwise[semantic]'); skipped")
            continue
        report(evaluate(backend), verbose=args.verbose)
        print()


if __name__ == "__main__":
    main()
