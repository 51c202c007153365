"""Small look-ups several page modules share (one definition, so the pages agree)."""

from __future__ import annotations

from ...scheme.loader import load_scheme

#: How findings are listed: errors first, then warnings, then notes (unknown last).
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def factor_names() -> dict[int, str]:
    """Factor number -> name in the scheme's wording ("3" -> "Planning and organisational
    skills")."""
    return {f.number: f.name for f in load_scheme().factors}


def severity_rank(severity: str) -> int:
    """Where a finding of ``severity`` sorts (see :data:`SEVERITY_ORDER`)."""
    return SEVERITY_ORDER.get(severity, len(SEVERITY_ORDER))
