"""Split a factor cell into the level descriptor and the example job information.

In the published PDF the descriptor is bold and the example plain; text
extraction runs them together ("...highly emotive atmosphere Communicates complex
condition related information..."). The split is a judgement, so it records how
it was made and how sure it is, and never loses a character:
``descriptor + " " + example`` is always the text as read.

Evidence, strongest first:

* recurrence: the same factor's descriptor recurs across profiles, so a prefix that
  other profiles share, ending at a plausible boundary, is the descriptor;
* bold: where the document says which text is bold (PDF and Word tables), that decides;
* page break: text continued on a row after a page break is the example, when the
  first part has no boundary of its own;
* sentence start: a capitalised word after a lower-case one, followed by a
  lower-case word, is where the example usually begins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_CAPITAL = re.compile(r"^[A-Z][a-z]+(?:-[a-z]*)?[,;:]?$")
_PREV_END = re.compile(r"[a-z0-9).]$")


@dataclass(frozen=True, slots=True)
class Split:
    descriptor: str
    example: str
    method: str  # bold | recurrence | sentence-start | page-break | none
    confidence: str  # high | medium | low


def candidates(text: str) -> list[int]:
    """Character offsets where the example could begin (each after a single space)."""
    tokens = text.split(" ")
    out: list[int] = []
    offset = 0
    for k, tok in enumerate(tokens):
        if (
            k > 0
            and _CAPITAL.match(tok)
            and tokens[k - 1]
            and _PREV_END.search(tokens[k - 1])
            and not tokens[k - 1][0].isupper()
            and k + 1 < len(tokens)
            and tokens[k + 1][:1]
            and not tokens[k + 1][0].isupper()
        ):
            out.append(offset)
        offset += len(tok) + 1
    return out


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


@dataclass(frozen=True, slots=True)
class Cell:
    """One factor's text as read: the row's own text and any continuation texts."""

    factor: int
    parts: tuple[str, ...]
    bold: int | None = None  # characters of bold text opening the main part (PDF/DOCX tables)

    @property
    def main(self) -> str:
        return self.parts[0] if self.parts else ""


def split_cells(cells: Sequence[Cell]) -> list[Split]:
    """Split every cell, using the whole document for recurrence evidence."""
    seen: Counter[tuple[int, str]] = Counter()
    prepared = []
    for cell in cells:
        main = cell.main.strip()
        cands = candidates(main)
        prefixes = [_norm(main[:pos]) for pos in cands]
        for prefix in set(prefixes):
            seen[(cell.factor, prefix)] += 1
        prepared.append((cell, main, cands, prefixes))
    return [_split_one(*p, seen) for p in prepared]


def _split_one(
    cell: Cell, main: str, cands: list[int], prefixes: list[str], seen: Counter[tuple[int, str]]
) -> Split:
    rest = " ".join(p.strip() for p in cell.parts[1:] if p.strip())
    if cell.bold is not None and 0 < cell.bold <= len(main):
        descriptor = main[: cell.bold].rstrip()
        example = main[cell.bold :].lstrip()
        if len(descriptor) + len(example) + 1 == len(main) or not example:
            example = " ".join(p for p in (example, rest) if p)
            return Split(descriptor, example, "bold", "high")
    if not cands:
        if rest:
            return Split(main, rest, "page-break", "high")
        return Split(main, rest, "none", "low")
    # how many other profiles share each candidate descriptor for this factor
    shares = [seen[(cell.factor, prefix)] - 1 for prefix in prefixes]
    index = max(range(len(cands)), key=lambda i: (shares[i], -i))
    best, shared = cands[index], shares[index]
    descriptor, example = main[: best - 1], main[best:]
    if rest:
        example = f"{example} {rest}"
    if shared > 0:
        ties = shares.count(shared)
        return Split(descriptor, example, "recurrence", "high" if ties == 1 else "medium")
    confidence = "medium" if len(cands) == 1 else "low"
    return Split(descriptor, example, "sentence-start", confidence)
