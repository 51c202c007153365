"""Validation of national profiles against the scheme: recompute, compare, report.

Every factor's points are recomputed from its levels with the weighting chart,
then the lowest and highest totals and the bands they fall in; each is compared
with what the document states. A finding names the profile, the factor, what was
stated and what was expected, so a JE lead can correct the source.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..errors import LevelExpressionError
from ..scheme.band_labels import BandLabel, label_for_bands, normalise_band_text, parse_band_label
from ..scheme.model import Factor, Scheme
from ..scheme.scoring import ABOVE_TABLE, bands_for
from .model import FactorEntry, Finding, Profile, Range, Suite


@dataclass(frozen=True, slots=True)
class FactorComputation:
    number: int
    levels: tuple[int, ...]  # admitted levels the factor has
    points: tuple[int, ...]  # the chart's points for those levels


@dataclass(frozen=True, slots=True)
class ProfileComputation:
    factors: tuple[FactorComputation, ...]
    total: Range | None  # None unless all factors have valid levels
    bands: tuple[str, ...]  # bands the computed total range falls in
    above_table: bool = False

    def factor(self, number: int) -> FactorComputation | None:
        for f in self.factors:
            if f.number == number:
                return f
        return None


def compute(scheme: Scheme, profile: Profile) -> ProfileComputation:
    """Points, total range and bands from the profile's levels and the chart."""
    factors = []
    complete = True
    for entry in profile.factors:
        if not 1 <= entry.number <= len(scheme.factors):
            continue
        factor = scheme.factor(entry.number)
        levels = tuple(lv for lv in entry.levels if factor.has_level(lv))
        complete = complete and bool(levels) and len(levels) == len(entry.levels)
        points = tuple(factor.points(lv) for lv in levels)
        factors.append(FactorComputation(entry.number, levels, points))
    numbers = sorted(f.number for f in factors)
    if not complete or numbers != list(range(1, len(scheme.factors) + 1)):
        return ProfileComputation(tuple(factors), None, ())
    low = sum(min(f.points) for f in factors)
    high = sum(max(f.points) for f in factors)
    lookups = bands_for(scheme, low, high)
    return ProfileComputation(
        tuple(factors),
        Range(low, high),
        tuple(b.band.label for b in lookups if b.band),
        any(b.above_table for b in lookups),
    )


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower().replace("&", " and ")).strip()


@functools.cache
def _known_names(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_norm_name(n) for n in names)


def name_matches(factor: Factor, printed: str) -> bool:
    known = _known_names((factor.name, factor.profile_name, *factor.aliases))
    return _norm_name(printed) in known


def _fmt(values: tuple[int, ...]) -> str:
    return "-".join(str(v) for v in values)


class _Checker:
    def __init__(self, scheme: Scheme, profile: Profile, source: str | None) -> None:
        self.scheme = scheme
        self.profile = profile
        self.source = source
        self.findings: list[Finding] = []

    def add(
        self,
        severity: str,
        code: str,
        message: str,
        factor: int | None = None,
        stated: str | None = None,
        expected: str | None = None,
        line: int | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                severity,
                code,
                message,
                self.profile.id,
                factor,
                stated,
                expected,
                line if line is not None else self.profile.line,
                self.source,
            )
        )

    def run(self) -> list[Finding]:
        comp = compute(self.scheme, self.profile)
        self.factors_present()
        for entry in self.profile.factors:
            if 1 <= entry.number <= len(self.scheme.factors):
                self.factor(entry, self.scheme.factor(entry.number))
        self.total(comp)
        self.band(comp)
        return self.findings

    def factors_present(self) -> None:
        numbers = [e.number for e in self.profile.factors]
        for n in range(1, len(self.scheme.factors) + 1):
            if n not in numbers:
                self.add(
                    "error",
                    "missing-factor",
                    f"Factor {n} ({self.scheme.factor(n).name}) is missing from the profile.",
                    n,
                    None,
                    "a row for this factor",
                )
        for entry in self.profile.factors:
            if not 1 <= entry.number <= len(self.scheme.factors):
                self.add(
                    "error",
                    "unknown-factor",
                    f"There is no factor {entry.number}; the scheme has factors 1 to "
                    f"{len(self.scheme.factors)}.",
                    entry.number,
                    str(entry.number),
                    f"1-{len(self.scheme.factors)}",
                    entry.line,
                )

    def factor(self, entry: FactorEntry, factor: Factor) -> None:
        n, line = entry.number, entry.line
        if entry.name and not name_matches(factor, entry.name):
            self.add(
                "warning",
                "factor-name-mismatch",
                f"Factor {n} is printed as {entry.name!r}; the scheme calls it "
                f"{factor.profile_name!r}.",
                n,
                entry.name,
                factor.profile_name,
                line,
            )
        if entry.level_expression is None:
            return  # the reader already reported the unreadable level
        bad = [lv for lv in entry.levels if not factor.has_level(lv)]
        if bad:
            self.add(
                "error",
                "unknown-level",
                f"Factor {n} ({factor.name}) has levels 1 to {factor.max_level}; the profile "
                f"gives level {_fmt(tuple(bad))} in {entry.level_text!r}.",
                n,
                entry.level_text,
                f"1-{factor.max_level}",
                line,
            )
            return
        for lv, letters in entry.options.items():
            known = factor.level(lv).letters
            for letter in letters:
                if letter not in known:
                    have = ", ".join(f"({x})" for x in known) or "no lettered options"
                    self.add(
                        "warning",
                        "unknown-option",
                        f"Factor {n} level {lv} has {have}; the profile names ({letter}).",
                        n,
                        f"{lv}({letter})",
                        have,
                        line,
                    )
        self.score(entry, factor)

    def score(self, entry: FactorEntry, factor: Factor) -> None:
        if not entry.stated_scores:
            return
        expected = tuple(factor.points(lv) for lv in entry.levels)
        stated = entry.stated_scores
        endpoints = (expected[0], expected[-1])
        if stated == expected or (len(expected) > 2 and stated == endpoints):
            return
        n = entry.number
        detail = []
        for value in stated:
            if value not in expected:
                at = [lv.number for lv in factor.levels if lv.points == value]
                detail.append(
                    f"{value} is the chart's figure for level {at[0]}"
                    if at
                    else f"{value} is not a figure of factor {n} at any level"
                )
        self.add(
            "error",
            "score-mismatch",
            f"Factor {n} ({factor.name}) is stated at level {entry.level_text.strip()} "
            f"with score {entry.score_text.strip()}; the weighting chart gives "
            f"{_fmt(expected)} for level {_fmt(entry.levels)}"
            + (f" ({'; '.join(detail)})" if detail else "")
            + ".",
            n,
            _fmt(stated),
            _fmt(expected),
            entry.line,
        )

    def total(self, comp: ProfileComputation) -> None:
        stated = self.profile.stated_total
        if stated is None:
            self.add(
                "warning",
                "total-missing",
                "No 'JE Score' total line was read.",
                None,
                None,
                str(comp.total) if comp.total else None,
            )
            return
        if comp.total is None:
            return  # levels are incomplete or invalid; already reported per factor
        if (stated.min, stated.max) != (comp.total.min, comp.total.max):
            from_stated = self._total_from_stated_scores()
            hint = (
                f" Adding the printed factor scores gives {from_stated}."
                if from_stated and from_stated != str(comp.total)
                else ""
            )
            self.add(
                "error",
                "total-mismatch",
                f"The stated total {stated} does not match {comp.total}, the lowest and "
                f"highest totals of the profile's levels on the weighting chart.{hint}",
                None,
                str(stated),
                str(comp.total),
            )
        else:
            wrong = [e.number for e in self.profile.factors if self._score_wrong(e)]
            if wrong:
                self.add(
                    "info",
                    "total-agrees-with-levels",
                    f"The stated total {stated} agrees with the levels, so the printed "
                    f"score of factor {', '.join(map(str, wrong))} is the likely misprint, "
                    "not the level.",
                    None,
                    str(stated),
                    str(comp.total),
                )

    def _score_wrong(self, entry: FactorEntry) -> bool:
        return any(f.code == "score-mismatch" and f.factor == entry.number for f in self.findings)

    def _total_from_stated_scores(self) -> str | None:
        entries = self.profile.factors
        if len(entries) != len(self.scheme.factors) or any(not e.stated_scores for e in entries):
            return None
        low = sum(min(e.stated_scores) for e in entries)
        high = sum(max(e.stated_scores) for e in entries)
        return str(Range(low, high))

    def band(self, comp: ProfileComputation) -> None:
        p = self.profile
        if not p.band_text:
            self.add(
                "warning",
                "band-missing",
                "No band label was read for the profile.",
                None,
                None,
                label_for_bands(comp.bands) or None,
            )
            return
        label = _safe_label(self.scheme, p.band_text)
        if label is None:
            self.add(
                "error",
                "band-unreadable",
                f"The band label {p.band_text!r} is not a band of the scheme.",
                None,
                p.band_text,
                ", ".join(self.scheme.bands.labels),
            )
            return
        if "1" in label.bands:
            self.add(
                "info",
                "band-1-closed",
                "Band 1 is closed to new entrants from 1 December 2018; band 1 profiles are "
                "no longer used for matching.",
                None,
                label.label,
                None,
            )
        if comp.above_table:
            self.add(
                "warning",
                "above-band-table",
                f"The highest total {comp.total.max if comp.total else ''} is above the "
                "published band table (which ends at 765).",
                None,
                None,
                None,
            )
        if comp.total is None or tuple(comp.bands) == label.bands:
            return
        order = self.scheme.bands.labels
        lowest_stated = order.index(label.bands[0])
        top_ok = bool(comp.bands) and order.index(comp.bands[-1]) <= order.index(label.bands[-1])
        reaches = set(label.bands) <= set(comp.bands)
        expected = label_for_bands(comp.bands)
        if top_ok and reaches and order.index(comp.bands[0]) < lowest_stated:
            self.add(
                "warning",
                "band-below-label",
                f"The lowest total {comp.total.min} falls in band {comp.bands[0]}, below the "
                f"profile's band {label.label}. The handbook allows this for generic "
                "profiles (no job is expected to sit at the bottom of every range); such a "
                "job should be matched to a lower-band profile.",
                None,
                label.label,
                expected,
            )
            return
        self.add(
            "error",
            "band-mismatch",
            f"The profile is labelled band {label.label}, but its totals {comp.total} fall "
            + (f"in band {expected}." if expected else f"{ABOVE_TABLE}."),
            None,
            label.label,
            expected or ABOVE_TABLE,
        )


def _safe_label(scheme: Scheme, text: str) -> BandLabel | None:
    try:
        return parse_band_label(scheme.bands, text)
    except LevelExpressionError:
        return None


def validate_profile(scheme: Scheme, profile: Profile, source: str | None = None) -> list[Finding]:
    return _Checker(scheme, profile, source).run()


@functools.lru_cache(maxsize=2048)
def _factor_findings(scheme: Scheme, profile: Profile) -> tuple[tuple[int, str], ...]:
    return tuple(
        (f.factor, f.message)
        for f in validate_profile(scheme, profile)
        if f.factor is not None and f.severity in ("error", "warning")
    )


def known_problems(scheme: Scheme, profile: Profile | None) -> dict[int, list[str]]:
    """The warnings and errors about a profile's entries, per factor: the known misprints
    (such as a score that is the chart's figure for another level) that the matching
    workspace, the profile picker and the matching report flag beside the entry."""
    notes: dict[int, list[str]] = {}
    for factor, message in _factor_findings(scheme, profile) if profile is not None else ():
        notes.setdefault(factor, []).append(message)
    return notes


def validate_suite(scheme: Scheme, suite: Suite) -> list[Finding]:
    """Every profile, then the contents table against the profiles."""
    findings: list[Finding] = []
    for profile in suite.profiles:
        findings.extend(validate_profile(scheme, profile, suite.source))
    findings.extend(_contents(scheme, suite))
    return findings


def _contents(scheme: Scheme, suite: Suite) -> list[Finding]:
    out: list[Finding] = []
    if not suite.contents:
        return out
    by_title = {_norm_name(p.title): p for p in suite.profiles}
    listed = set()
    for entry in suite.contents:
        key = _norm_name(entry.title.rstrip("*"))
        listed.add(key)
        profile = by_title.get(key)
        if profile is None:
            out.append(
                Finding(
                    "warning",
                    "contents-mismatch",
                    f"The contents lists {entry.title!r}, but no such profile was read.",
                    None,
                    None,
                    entry.title,
                    None,
                    entry.line,
                    suite.source,
                )
            )
            continue
        a = _safe_label(scheme, entry.band_text)
        b = _safe_label(scheme, profile.band_text) if profile.band_text else None
        if a is None or (b is not None and a.bands != b.bands):
            out.append(
                Finding(
                    "warning",
                    "contents-mismatch",
                    f"The contents gives band {entry.band_text!r} for this profile; "
                    f"the profile itself says {profile.band_text!r}.",
                    profile.id,
                    None,
                    entry.band_text,
                    profile.band_text,
                    entry.line,
                    suite.source,
                )
            )
    for p in suite.profiles:
        if _norm_name(p.title) not in listed:
            out.append(
                Finding(
                    "warning",
                    "contents-mismatch",
                    f"Profile {p.title!r} is not listed in the contents.",
                    p.id,
                    None,
                    None,
                    p.title,
                    p.line,
                    suite.source,
                )
            )
    return out


def band_label_of(scheme: Scheme, text: str) -> BandLabel | None:
    """The parsed band label, or None when it is not one (used by readers)."""
    return _safe_label(scheme, text) if text.strip() else None


__all__ = [
    "FactorComputation",
    "ProfileComputation",
    "band_label_of",
    "compute",
    "name_matches",
    "normalise_band_text",
    "validate_profile",
    "validate_suite",
]
