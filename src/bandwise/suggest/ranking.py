"""Ranking profiles for a job description: level agreement first, text similarity second.

The profiles of one suite share their vocabulary; what separates them is seniority,
factor by factor. So a profile is ranked on how well the suggested levels agree with the
levels it admits (the matching engine's level distance, as ``bandwise nearest`` uses it:
0 admitted, 1 one level off, more beyond), with the seniority cues (:mod:`.cues`)
weighing most and the text-only factor votes little; text similarity (how much of the JD
the profile's own wording covers) decides between profiles whose levels agree equally and
says whether the JD is of the profile's profession at all: a JD of another profession
stays a weak fit however its levels fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class FactorFit:
    factor: int
    level: int  # the suggested level (from the seniority cues)
    admitted: tuple[int, ...]  # the levels the profile admits
    distance: int  # 0 admitted, else how many levels off


def best_per_profile(
    sims: np.ndarray, owner_columns: Sequence[np.ndarray], flat: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """For each sentence and profile, the best similarity among the profile's passages."""
    n = len(owner_columns)
    out = np.zeros((sims.shape[0], n), dtype=np.float32)
    if not sims.shape[0] or not len(flat):
        return out
    lengths = np.array([len(c) for c in owner_columns])
    stated = np.flatnonzero(lengths > 0)
    gathered = sims[:, flat]
    out[:, stated] = np.maximum.reduceat(gathered, starts[stated], axis=1)
    return out


def agreement(
    credit: np.ndarray,
    rated: np.ndarray,
    cue_levels: dict[int, tuple[int, float]],
    text_shares: Sequence[np.ndarray],
    text_weights: np.ndarray,
    text_factor_weight: float,
) -> np.ndarray:
    """Each profile's level agreement, 0 to 1: the cue factors weighted by their cue weight
    (capped at 2), the other factors' text votes by ``text_factor_weight`` times their
    confidence."""
    n_profiles, n_factors, width = credit.shape
    share = np.zeros((n_factors, width), dtype=np.float64)
    weights = np.zeros(n_factors, dtype=np.float64)
    for f in range(n_factors):
        if f + 1 in cue_levels:
            level, weight = cue_levels[f + 1]
            if level < width:
                share[f, level] = 1.0
                weights[f] = min(weight, 2.0)
        elif f < len(text_shares) and text_shares[f].shape[0] == width:
            share[f] = text_shares[f]
            weights[f] = text_factor_weight * float(text_weights[f])
    got = np.einsum("jfl,fl,f->j", credit, share, weights)
    total = rated @ weights
    out: np.ndarray = np.divide(got, total, out=np.zeros(n_profiles), where=total > 0)
    return out


def factor_fits(
    admitted: Sequence[tuple[int, ...]], cue_levels: dict[int, tuple[int, float]]
) -> tuple[FactorFit, ...]:
    """How each cue factor's suggested level stands against one profile's levels."""
    out = []
    for factor, (level, _) in sorted(cue_levels.items()):
        levels = admitted[factor - 1] if factor - 1 < len(admitted) else ()
        if not levels:
            continue
        out.append(FactorFit(factor, level, levels, min(abs(level - a) for a in levels)))
    return tuple(out)


def _levels(levels: tuple[int, ...]) -> str:
    if len(levels) > 1 and levels == tuple(range(levels[0], levels[-1] + 1)):
        return f"{levels[0]}-{levels[-1]}"
    return "/".join(map(str, levels))


def explain(
    ids: Sequence[str], fits: Sequence[tuple[FactorFit, ...]], limit: int = 4
) -> tuple[str, ...]:
    """One line per listed profile after the first: the factors on which the profile above
    it agrees better with the suggested levels (these decided the order)."""
    lines = []
    for k in range(1, len(ids)):
        above = {f.factor: f for f in fits[k - 1]}
        below = {f.factor: f for f in fits[k]}
        decided = [
            (above[n], below[n])
            for n in sorted(above)
            if n in below and above[n].distance < below[n].distance
        ]
        if not decided:
            lines.append(
                f"{ids[k - 1]} is above {ids[k]} on the wording of the job description "
                "(their levels agree equally with the suggested ones)."
            )
            continue
        parts = [
            f"factor {a.factor} (suggested {a.level}; admits {_levels(a.admitted)} "
            f"vs {_levels(b.admitted)})"
            for a, b in decided[:limit]
        ]
        lines.append(f"{ids[k - 1]} is above {ids[k]} on " + ", ".join(parts) + ".")
    return tuple(lines)
