"""Band labels as printed on profiles: ``6``, ``8a-b``, ``8A – 8B``, ``8c-9``, ``8ab``, and
the 2025 suites' variants of one band, ``6i``, ``6ii``, ``4a`` (label kept, band 6 or 4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import LevelExpressionError
from .model import BandTable

_LABEL = re.compile(
    r"^(?P<n1>[1-9])(?P<l1>[a-d]{0,2})(?:-(?P<n2>[1-9])?(?P<l2>[a-d])?)?$",
)


# 2025-style labels: one band's profiles told apart by a roman numeral ("6i", "6ii") or,
# on a band with no sub-bands, a letter ("4a"); the band is the number
_VARIANT = re.compile(r"^(?P<n>[1-9])(?:\(?(?P<roman>iii|ii|iv|i|v)\)?|(?P<letter>[a-d]))$")


@dataclass(frozen=True, slots=True)
class BandLabel:
    text: str  # as printed
    label: str  # normal spelling, e.g. "8a-b"
    bands: tuple[str, ...]  # every band the label covers, in order, e.g. ("8a", "8b")


def normalise_band_text(text: str) -> str:
    s = re.sub(r"\s+", "", text.lower())
    s = re.sub(r"^band", "", s)
    return re.sub(r"[–—‑]", "-", s)


def parse_band_label(table: BandTable, text: str) -> BandLabel:
    """Read a band label; a span covers every band between its ends in the band table."""
    s = normalise_band_text(text)
    variant = _VARIANT.match(s)
    if variant and (variant.group("roman") or s not in table.labels):
        band, suffix = variant.group("n"), variant.group("roman") or variant.group("letter")
        if band not in table.labels:
            raise LevelExpressionError(text, 0, f"band {band} is not in the band table")
        return BandLabel(text, f"{band}{suffix}", (band,))
    m = _LABEL.match(s)
    if not m:
        raise LevelExpressionError(text, 0, "not a band label (expected e.g. 6, 8a, 8a-b, 8c-9)")
    n1, l1, n2, l2 = m.group("n1"), m.group("l1"), m.group("n2"), m.group("l2")
    if len(l1) == 2:  # "8ab": a two-band label written without a dash
        if n2 or l2:
            raise LevelExpressionError(text, 0, "not a band label")
        first, last = n1 + l1[0], n1 + l1[1]
    else:
        first = n1 + l1
        last = first if n2 is None and l2 is None else (n2 or n1) + (l2 or "")
    labels = table.labels
    if first not in labels or last not in labels:
        missing = first if first not in labels else last
        raise LevelExpressionError(text, 0, f"band {missing} is not in the band table")
    i, j = labels.index(first), labels.index(last)
    if j < i:
        raise LevelExpressionError(text, 0, "a band span must ascend")
    covered = labels[i : j + 1]
    return BandLabel(text, _spell(first, last), covered)


def _spell(first: str, last: str) -> str:
    if first == last:
        return first
    if first[0] == last[0] and len(first) == len(last) == 2:
        return f"{first}-{last[1]}"
    return f"{first}-{last}"


def label_for_bands(bands: tuple[str, ...]) -> str:
    """The normal spelling of a run of bands, e.g. ("8c", "8d") -> "8c-d"."""
    if not bands:
        return ""
    return _spell(bands[0], bands[-1])
