"""Explanations: one object per result, rendered alike by the CLI, the API, pages and reports.

An :class:`Explanation` is a titled factor table (one row per factor: the profile's
levels, the job's, the outcome, the points and the reason) plus summary lines and
the references that decided it. ``*_to_json`` give each result's JSON contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .evaluation import Evaluation
from .matching import MatchResult
from .model import Scheme
from .rules import RuleSet
from .scoring import ABOVE_TABLE


@dataclass(frozen=True, slots=True)
class Explanation:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    summary: tuple[str, ...]
    references: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "summary": list(self.summary),
            "references": list(self.references),
        }


def levels_text(levels: tuple[int, ...]) -> str:
    """``4``, a run ``2-3`` or a list ``2, 4``: a factor's levels as the table shows them."""
    if len(levels) > 1 and list(levels) == list(range(levels[0], levels[-1] + 1)):
        return f"{levels[0]}-{levels[-1]}"
    return ", ".join(map(str, levels))


def points_text(points: tuple[int, ...]) -> str:
    """``196`` or ``22-36``: a factor's points, each value once, in order."""
    return "-".join(map(str, dict.fromkeys(points)))


def outcome_text(outcome: str, outcomes: tuple[str, ...]) -> str:
    """A factor's outcome, or every outcome its candidate levels give (``match/variation``)."""
    return outcome if len(outcomes) == 1 else "/".join(outcomes)


def _span(values: tuple[int, int]) -> str:
    return str(values[0]) if values[0] == values[1] else f"{values[0]}-{values[1]}"


def _bands(labels: tuple[str, ...], above: bool = False) -> str:
    parts = list(labels) + (["above the published band table"] if above else [])
    return " or ".join(parts) if parts else "none"


def _rules_ref(rules: RuleSet) -> str:
    source = rules.source or "built in"
    return f"Rule set {rules.id} v{rules.version} ({source}); {rules.reference.cite()}"


def explain_match(scheme: Scheme, result: MatchResult) -> Explanation:
    rows = tuple(
        (
            str(c.number),
            scheme.factor(c.number).name,
            levels_text(c.profile_levels),
            levels_text(c.job_levels),
            outcome_text(c.outcome, c.outcomes),
            points_text(c.points),
            c.reason,
        )
        for c in result.factors
    )
    summary = [
        f"Verdict: {result.verdict}"
        + (f" (possible: {', '.join(result.verdicts)})" if len(result.verdicts) > 1 else ""),
        f"Total {_span(result.total)}: band {_bands(result.bands, result.above_table)}; the "
        f"profile covers band {_bands(result.profile_bands)}.",
        f"Variations: {result.variations} (at most {result.rule_set.max_varied_factors}).",
    ]
    summary += [f"Broken rule {b.id}: {b.message}" for b in result.broken_rules]
    if result.hybrid is not None:
        summary.append(f"Hybrid: {result.hybrid.reason}")
    summary += [f"Next: {s.message}" for s in result.next_steps]
    return Explanation(
        f"Job matched to {result.profile_title} ({result.profile_id})",
        ("#", "Factor", "Profile", "Job", "Outcome", "Points", "Reason"),
        rows,
        tuple(summary),
        (
            _rules_ref(result.rule_set),
            scheme.weighting_reference.cite(),
            scheme.bands.reference.cite(),
        ),
    )


def explain_evaluation(scheme: Scheme, ev: Evaluation) -> Explanation:
    rows = tuple(
        (
            str(f.number),
            scheme.factor(f.number).name,
            levels_text(f.levels),
            points_text(f.points),
        )
        for f in ev.factors
    )
    summary = [f"Total {_span(ev.total)}: band {_bands(ev.band_labels)}."]
    if ev.deciding_factors:
        summary.append(
            f"Band {_bands(ev.band_labels)} depending on factor"
            f"{'s' if len(ev.deciding_factors) > 1 else ''} "
            f"{', '.join(map(str, ev.deciding_factors))}."
        )
    if ev.boundary is not None:
        b = ev.boundary
        near = [
            f"{b.to_band_below} point(s) above the band below" if b.to_band_below else None,
            f"{b.to_band_above} point(s) below the band above" if b.to_band_above else None,
        ]
        summary.append(
            "Boundary: "
            + "; ".join(n for n in near if n)
            + (f". Within {b.margin} points of a boundary: check it." if b.within_margin else ".")
        )
    if ev.sensitivity is not None:
        for name, changes in (("up", ev.sensitivity.up), ("down", ev.sensitivity.down)):
            if changes:
                best = changes[0]
                summary.append(
                    f"Smallest change {name}: factor {best.number} from level {best.from_level} "
                    f"to {best.to_level} gives {best.new_total}, band {best.new_band}"
                    + (
                        f" ({len(changes) - 1} other factor(s) could too)"
                        if len(changes) > 1
                        else ""
                    )
                    + "."
                )
            else:
                summary.append(f"No single factor change moves the job a band {name}.")
    elif not ev.deciding_factors and any(len(f.levels) > 1 for f in ev.factors):
        summary.append("Sensitivity is shown once every factor is decided.")
    summary += list(ev.notes)
    return Explanation(
        "Local evaluation",
        ("#", "Factor", "Level", "Points"),
        rows,
        tuple(summary),
        (_rules_ref(ev.rule_set), scheme.weighting_reference.cite(), scheme.bands.reference.cite()),
    )


def rule_set_json(rules: RuleSet) -> dict[str, Any]:
    return {"id": rules.id, "version": rules.version}


def match_to_json(scheme: Scheme, result: MatchResult) -> dict[str, Any]:
    return {
        "profile_id": result.profile_id,
        "verdict": result.verdict,
        "verdicts": list(result.verdicts),
        "rule_set": rule_set_json(result.rule_set),
        "total": {"min": result.total[0], "max": result.total[1]},
        "bands": list(result.bands) + ([ABOVE_TABLE] if result.above_table else []),
        "profile_bands": list(result.profile_bands),
        "variations": result.variations,
        "factors": [
            {
                "number": c.number,
                "profile_levels": list(c.profile_levels),
                "job_levels": list(c.job_levels),
                "outcome": c.outcome,
                "outcomes": list(c.outcomes),
                "distance": c.distance,
                "direction": c.direction,
                "points": list(c.points),
                "rule": c.rule,
                "reason": c.reason,
            }
            for c in result.factors
        ],
        "broken_rules": [
            {"id": b.id, "message": b.message, "factors": list(b.factors)}
            for b in result.broken_rules
        ],
        "next_steps": [
            {
                "kind": s.kind,
                "message": s.message,
                "factors": list(s.factors),
                "profiles": list(s.profiles),
            }
            for s in result.next_steps
        ],
        "hybrid": None
        if result.hybrid is None
        else {
            "allowed": result.hybrid.allowed,
            "reason": result.hybrid.reason,
            "evaluated_factors": list(result.hybrid.evaluated_factors),
        },
        "deciding_factors": list(result.deciding_factors),
        "explanation": explain_match(scheme, result).to_json(),
    }


def evaluation_to_json(scheme: Scheme, ev: Evaluation) -> dict[str, Any]:
    b = ev.boundary
    s = ev.sensitivity

    def changes(items: tuple[Any, ...]) -> list[dict[str, Any]]:
        return [
            {
                "factor": c.number,
                "from_level": c.from_level,
                "to_level": c.to_level,
                "new_total": c.new_total,
                "new_band": c.new_band,
            }
            for c in items
        ]

    return {
        "rule_set": rule_set_json(ev.rule_set),
        "total": {"min": ev.total[0], "max": ev.total[1]},
        "bands": [x.label for x in ev.bands],
        "factors": [
            {
                "number": f.number,
                "levels": list(f.levels),
                "points": list(f.points),
                "options": {str(k): list(v) for k, v in f.options},
            }
            for f in ev.factors
        ],
        "boundary": None
        if b is None
        else {
            "band": b.band,
            "to_band_below": b.to_band_below,
            "to_band_above": b.to_band_above,
            "nearer": b.nearer,
            "within_margin": b.within_margin,
            "margin": b.margin,
        },
        "sensitivity": None if s is None else {"up": changes(s.up), "down": changes(s.down)},
        "deciding_factors": list(ev.deciding_factors),
        "notes": list(ev.notes),
        "explanation": explain_evaluation(scheme, ev).to_json(),
    }


@dataclass(frozen=True, slots=True)
class StoredFactor:
    """One factor of a stored result (``match_to_json`` or ``evaluation_to_json``), read
    by key from its ``factors`` list: never from the explanation table, whose column
    headings are wording and may change. An evaluation has no profile levels or
    outcomes."""

    number: int
    profile_levels: tuple[int, ...]
    job_levels: tuple[int, ...]
    outcome: str
    outcomes: tuple[str, ...]
    points: tuple[int, ...]
    reason: str

    @property
    def outcome_text(self) -> str:
        return outcome_text(self.outcome, self.outcomes) if self.outcomes else self.outcome

    @property
    def points_text(self) -> str:
        return points_text(self.points)

    @property
    def profile_text(self) -> str:
        return levels_text(self.profile_levels)


def _ints(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool))


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def stored_factors(result: Mapping[str, Any] | None) -> dict[int, StoredFactor]:
    """A stored result's factors by number (a factor missing or malformed is left out:
    a record from an older release shows as blank, never as an error)."""
    out: dict[int, StoredFactor] = {}
    factors = (result or {}).get("factors")
    for f in factors if isinstance(factors, list) else ():
        if not isinstance(f, Mapping):
            continue
        number = f.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        outcomes = _texts(f.get("outcomes"))
        out[number] = StoredFactor(
            number,
            _ints(f.get("profile_levels")),
            _ints(f.get("job_levels", f.get("levels"))),
            str(f.get("outcome") or ""),
            outcomes,
            _ints(f.get("points")),
            str(f.get("reason") or ""),
        )
    return out
