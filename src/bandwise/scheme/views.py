"""JSON documents for the scheme and for scoring, shared by the command line and the API.

``bandwise scheme show --json`` and ``GET /api/scheme`` answer with :func:`scheme_to_json`;
``bandwise score --json`` and ``POST /api/score`` with :func:`score_to_json` of
:func:`score_levels`. One builder per document keeps the two byte-identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import BandwiseError, InvalidLevelsError, LevelExpressionError, shown
from .jobs import check_options
from .levels import parse_job_level
from .model import Scheme
from .scoring import Score, score


def scheme_to_json(s: Scheme) -> dict[str, Any]:
    """Factors with points per level, and the band table (``bandwise scheme show --json``)."""
    return {
        "edition": {
            "id": s.edition.id,
            "title": s.edition.title,
            "effective_from": s.edition.effective_from.isoformat(),
        },
        "factors": [
            {
                "number": f.number,
                "slug": f.slug,
                "name": f.name,
                "profile_name": f.profile_name,
                "verified": f.verified,
                "reference": f.reference.cite(),
                "levels": [
                    {
                        "level": lv.number,
                        "points": lv.points,
                        "descriptor": lv.descriptor,
                        "verified": lv.verified,
                        "options": [
                            {"letter": o.letter, "descriptor": o.descriptor, "verified": o.verified}
                            for o in lv.options
                        ],
                    }
                    for lv in f.levels
                ],
            }
            for f in s.factors
        ],
        "bands": [
            {
                "band": b.label,
                "min": b.min,
                "max": b.max,
                "closed_to_new_entrants_from": b.closed_to_new_entrants_from.isoformat()
                if b.closed_to_new_entrants_from
                else None,
            }
            for b in s.bands.bands
        ],
        "min_total": s.min_total,
        "max_total": s.max_total,
    }


def score_levels(scheme: Scheme, parts: Sequence[str]) -> Score:
    """Score one decided level per factor, given as text (``5``, ``5c``, ``3(a)``).

    Raises :class:`InvalidLevelsError` naming the factor when a text is not one of its
    levels (a range such as ``2-3`` is undecided, so not a level here).
    """
    numbers = []
    for n, level_text in enumerate(parts, start=1):
        f = scheme.factor(n)
        reason = ""
        try:
            level, options = parse_job_level(level_text)
        except BandwiseError as exc:
            level, options = 0, ()
            reason = f" ({exc.message})" if isinstance(exc, LevelExpressionError) else ""
        if not f.has_level(level):
            raise InvalidLevelsError(
                f"factor {n} ({f.name}): {shown(level_text)} is not a level{reason}; valid "
                f"levels are 1 to {f.max_level}",
                n,
            )
        check_options(f, level, options)
        numbers.append(level)
    return score(scheme, numbers)


def score_to_json(result: Score, parts: Sequence[str]) -> dict[str, Any]:
    """Points per factor, total and band (``bandwise score --json``); ``parts`` are the
    levels as given, echoed per factor."""
    return {
        "total": result.total,
        "band": result.band.label,
        "above_table": result.band.above_table,
        "notes": list(result.band.notes),
        "factors": [
            {"number": f.number, "level": parts[f.number - 1], "points": f.points}
            for f in result.factors
        ],
    }
