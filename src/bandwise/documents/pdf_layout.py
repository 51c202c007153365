"""Page layout for the PDF reader: words grouped into lines, cells and text columns.

Text outside ruled tables (titles, total lines, contents) is read in reading order:
lines by position, cells split at wide gaps, and a page set in two columns read one
column after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .text_reader import TableRow

GUTTER = 12.0  # points of clear space between two columns of a page

# --- page layout ----------------------------------------------------------------------


@dataclass
class _Atom:
    """A table or a word outside tables, with its box (top-down coordinates)."""

    x0: float
    top: float
    x1: float
    bottom: float
    rows: list[TableRow] | None = None  # a table's rows; None for a word
    text: str = ""
    size: float = 0.0

    @property
    def core(self) -> tuple[float, float]:
        """Vertical extent used to tell lines apart (a word's box overlaps the next line's)."""
        if self.rows is not None:
            return self.top, self.bottom
        inset = (self.bottom - self.top) * 0.25
        return self.top + inset, self.bottom - inset


def _bands(atoms: Sequence[_Atom]) -> list[list[_Atom]]:
    """Atoms in horizontal bands: a band ends where no atom spans the space below it."""
    bands: list[list[_Atom]] = []
    bottom = 0.0
    for atom in sorted(atoms, key=lambda a: a.core[0]):
        top, low = atom.core
        if bands and top <= bottom:
            bands[-1].append(atom)
            bottom = max(bottom, low)
        else:
            bands.append([atom])
            bottom = low
    return bands


def _cell_gap(atoms: Sequence[_Atom]) -> float:
    sizes = sorted(a.size for a in atoms if a.rows is None) or [10.0]
    return max(1.2 * sizes[len(sizes) // 2], 6.0)


def _line_cells(words: Sequence[_Atom]) -> list[str]:
    """One line of words as cells: a gap wider than about a character's height separates."""
    gap = _cell_gap(words)
    cells: list[list[str]] = []
    right = None
    for word in sorted(words, key=lambda a: a.x0):
        if right is None or word.x0 - right > gap:
            cells.append([])
        cells[-1].append(word.text)
        right = word.x1 if right is None else max(right, word.x1)
    return [" ".join(c) for c in cells]


def _is_text_column(atoms: Sequence[_Atom]) -> bool:
    """Lines of running text or tables, at least two of them, no line split into cells."""
    bands = _bands(atoms)
    if len(bands) < 2:
        return False
    for band in bands:
        words = [a for a in band if a.rows is None]
        if words and len(_line_cells(words)) > 1:
            return False
    return True


def _column_cut(atoms: Sequence[_Atom]) -> tuple[float, list[_Atom], list[_Atom]] | None:
    """The widest clear vertical strip that parts two columns of text or tables."""
    left_edge = min(a.x0 for a in atoms)
    width = max(a.x1 for a in atoms) - left_edge
    gaps: list[tuple[float, float]] = []
    covered = None
    for atom in sorted(atoms, key=lambda a: a.x0):
        if covered is not None and atom.x0 - covered >= GUTTER:
            gaps.append((atom.x0 - covered, covered))
        covered = atom.x1 if covered is None else max(covered, atom.x1)
    for size, at in sorted(gaps, reverse=True):
        left = [a for a in atoms if a.x1 <= at]
        right = [a for a in atoms if a.x1 > at]
        wide = all(
            max(a.x1 for a in side) - min(a.x0 for a in side) >= 0.25 * width
            for side in (left, right)
        )
        if wide and _is_text_column(left) and _is_text_column(right):
            return size, left, right
    return None


def _layout(atoms: Sequence[_Atom]) -> list[list[_Atom]]:
    """Atoms in reading order, grouped: each group is one table or one line of words.

    A recursive cut: at the widest clear strip, across the page (between bands) or
    down it (between columns), so columns are read one after the other and
    everything else top to bottom.
    """
    if not atoms:
        return []
    bands = _bands(atoms)
    band_gap, band_at = 0.0, 0
    for i in range(1, len(bands)):
        gap = min(a.core[0] for a in bands[i]) - max(a.core[1] for a in bands[i - 1])
        if gap >= band_gap:
            band_gap, band_at = gap, i
    column = _column_cut(atoms)
    if column is not None and (len(bands) < 2 or column[0] > band_gap):
        return [*_layout(column[1]), *_layout(column[2])]
    if len(bands) > 1:
        above = [a for band in bands[:band_at] for a in band]
        below = [a for band in bands[band_at:] for a in band]
        return [*_layout(above), *_layout(below)]
    groups: list[list[_Atom]] = []
    line: list[_Atom] = []
    for atom in sorted(atoms, key=lambda a: a.x0):
        if atom.rows is None:
            line.append(atom)
            continue
        if line:
            groups.append(line)
            line = []
        groups.append([atom])
    if line:
        groups.append(line)
    return groups
