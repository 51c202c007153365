"""Accuracy of ``bandwise suggest`` on the evaluation sets (prints figures, asserts nothing).

    python bench/suggest_eval.py [--backend bm25|semantic] [--set issue16|project] [--verbose]

``issue16`` (the default): ``bench/suggest_eval/`` — 38 job descriptions written apart
from the engine in trust wording, ``tune/`` (used while tuning) and ``heldout/`` (not
looked at while tuning), reported separately. ``project``: the project's older set in
``tests/suggest_eval/`` (worded close to the profiles; kept as a regression guard).

Figures per part: profile top-1 and top-2 (overall and per profile), how often other
professions' JDs read as a weak fit (they all should), how often the engine abstains
(top profile weak) on a JD that has a profile, per-factor exact and within-one rates
(over all factors, a factor with no evidence counting as a miss) and how often a stated
band disagrees with the suggested bands.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.suggest import BACKENDS, Suggestions, semantic_available, suggest

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "issue16": (
        ROOT / "bench" / "suggest_eval" / "tune",
        ROOT / "bench" / "suggest_eval" / "heldout",
    ),
    "project": (ROOT / "tests" / "suggest_eval",),
}


@dataclass(frozen=True)
class Case:
    id: str
    part: str
    title: str
    profile: str | None
    levels: tuple[tuple[int, ...], ...] | None
    band_stated: str | None
    text: str


def _levels(value: Any) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,)
    if isinstance(value, list):
        return tuple(int(v) for v in value)
    low, _, high = str(value).partition("-")
    return tuple(range(int(low), int(high or low) + 1))


def load_cases(folder: Path) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        levels = data.get("levels")
        cases.append(
            Case(
                data["id"],
                folder.name,
                data["title"],
                data["profile"],
                tuple(_levels(v) for v in levels) if levels else None,
                data.get("band_stated"),
                data["text"],
            )
        )
    return cases


def _distance(level: int, wanted: tuple[int, ...]) -> int:
    return min(abs(level - w) for w in wanted)


def _pct(num: int, den: int) -> str:
    return f"{num}/{den} ({num / den:.0%})" if den else "-"


def evaluate(backend: str, cases: list[Case]) -> dict[str, Any]:
    """Accuracy figures for one backend over ``cases``."""
    scheme = load_scheme()
    library = builtin_library()
    suggest("warm up", library, scheme, backend=backend)
    per_profile: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, top1, top2, weak
    negatives = negatives_weak = 0
    per_factor = {n: [0, 0, 0] for n in range(1, 17)}  # exact, within one, evidence
    labelled = 0
    calibration: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # n, exact
    disagree = stated = 0
    rows, times = [], []
    for case in cases:
        t0 = time.perf_counter()
        result: Suggestions = suggest(case.text, library, scheme, top=5, backend=backend)
        times.append(time.perf_counter() - t0)
        ranked = [p.id for p in result.profiles]
        if case.profile is None:
            negatives += 1
            negatives_weak += result.profiles[0].fit == "weak"
        else:
            row = per_profile[case.profile]
            row[0] += 1
            row[1] += ranked[:1] == [case.profile]
            row[2] += case.profile in ranked[:2]
            row[3] += result.profiles[0].fit == "weak"
        stated_band = getattr(result, "stated_band", None)
        if stated_band is not None:
            stated += 1
            disagree += bool(getattr(result, "stated_band_disagrees", False))
        misses = []
        if case.levels is not None:
            labelled += 1
            for f, wanted in zip(result.factors, case.levels, strict=True):
                stats = per_factor[f.number]
                if f.level is None:
                    misses.append(f"{f.number}:-")
                    continue
                stats[2] += 1
                stats[0] += f.level in wanted
                cal = calibration[(getattr(f, "basis", "text"), f.confidence)]
                cal[0] += 1
                cal[1] += f.level in wanted
                stats[1] += _distance(f.level, wanted) <= 1
                if f.level not in wanted:
                    misses.append(f"{f.number}:{f.level}≠{'/'.join(map(str, wanted))}")
        rows.append((case, ranked, result, misses))
    with_profile = sum(r[0] for r in per_profile.values())
    return {
        "backend": backend,
        "cases": len(cases),
        "with_profile": with_profile,
        "top1": sum(r[1] for r in per_profile.values()),
        "top2": sum(r[2] for r in per_profile.values()),
        "abstained": sum(r[3] for r in per_profile.values()),
        "per_profile": dict(per_profile),
        "negatives": negatives,
        "negatives_weak": negatives_weak,
        "labelled": labelled,
        "factors": per_factor,
        "calibration": dict(calibration),
        "stated": stated,
        "disagree": disagree,
        "median_ms": statistics.median(times) * 1000 if times else 0.0,
        "max_ms": max(times) * 1000 if times else 0.0,
        "rows": rows,
    }


def report(title: str, figures: dict[str, Any], verbose: bool = False) -> None:
    n = figures["with_profile"]
    print(f"{title} — backend {figures['backend']}: {figures['cases']} job descriptions")
    print(
        f"  profiles: top-1 {_pct(figures['top1'], n)}, top-2 {_pct(figures['top2'], n)}; "
        f"abstained (top profile weak) on {figures['abstained']} of them"
    )
    for profile, (count, t1, t2, weak) in sorted(figures["per_profile"].items()):
        print(f"    {profile:28} top-1 {t1}/{count}  top-2 {t2}/{count}  weak {weak}")
    print(
        f"  other professions read as weak: {_pct(figures['negatives_weak'], figures['negatives'])}"
    )
    lab = figures["labelled"]
    if lab:
        exact = [v[0] / lab for v in figures["factors"].values()]
        within = [v[1] / lab for v in figures["factors"].values()]
        print(
            f"  factors (mean of 16, over {lab} labelled JDs): exact {statistics.mean(exact):.0%}, "
            f"within one {statistics.mean(within):.0%}"
        )
        print("    factor " + " ".join(f"{k:>4}" for k in figures["factors"]))
        print("    exact  " + " ".join(f"{v:>4.0%}" for v in exact))
        print("    within " + " ".join(f"{v:>4.0%}" for v in within))
        cal = ", ".join(
            f"{basis}/{conf} {ok}/{n}"
            for (basis, conf), (n, ok) in sorted(figures["calibration"].items())
        )
        print(f"    exact by basis/confidence: {cal}")
    if figures["stated"]:
        print(
            f"  stated band reported on {figures['stated']} JDs; flagged as disagreeing with "
            f"the suggestion on {figures['disagree']}"
        )
    print(
        f"  time per JD (warm): median {figures['median_ms']:.1f} ms, "
        f"max {figures['max_ms']:.1f} ms"
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
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, help="one backend (default: all installed)")
    parser.add_argument("--set", choices=sorted(SETS), default="issue16", help="evaluation set")
    parser.add_argument("--part", help="one part only (e.g. tune), for tuning without peeking")
    parser.add_argument("--verbose", action="store_true", help="every case's ranking and misses")
    args = parser.parse_args(argv)
    backends = [args.backend] if args.backend else list(BACKENDS)
    for backend in backends:
        if backend == "semantic" and not semantic_available():
            print("backend semantic: not installed (pip install 'bandwise[semantic]'); skipped")
            continue
        for folder in SETS[args.set]:
            if args.part and folder.name != args.part:
                continue
            report(
                f"{args.set}/{folder.name}",
                evaluate(backend, load_cases(folder)),
                verbose=args.verbose,
            )


if __name__ == "__main__":
    main()
