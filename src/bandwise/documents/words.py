"""Rejoin words that a producer broke across the lines of a narrow table cell.

A Word document laid out by LibreOffice (or a browser) breaks a word too long for its
column wherever the column ends: ``Communic`` / ``ation``, ``Developme`` / ``nt``,
``Knowledge`` / ``,``. Text extraction then reads the two halves as two words. A break
is undone only where the joined word is known (the scheme's own words, the factor names,
words seen whole elsewhere in the document) and one half on its own is not a word; a
line that ends in ``/`` or ``-`` after letters (``Patient/`` ``Client``, ``co-``
``ordinates``) is joined to the next where the compound is seen whole in the document or
the scheme: the published text itself prints some with a space ("complex/ sensitive"),
which looks the same once wrapped. (Its "co- ordination" is read as the scheme's
"co-ordination".)
Everything else is left alone: an unknown pair of halves stays two words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..scheme.model import Scheme

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_COMPOUND = re.compile(r"[A-Za-z][-/][A-Za-z]")
_PUNCT_ONLY = re.compile(r"^[,.;:)\]]+$")
_CORE = re.compile(r"^[^A-Za-z]*(.*?)[^A-Za-z]*$")


def words_of(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def scheme_text(scheme: Scheme) -> Iterable[str]:
    """The scheme's own words: factor names and every level and option descriptor."""
    for factor in scheme.factors:
        yield " ".join((factor.name, factor.profile_name, *factor.aliases))
        for level in factor.levels:
            yield level.descriptor
            yield from (option.descriptor for option in level.options)


class Vocabulary:
    """Known words: the scheme's, and those seen whole inside lines of the document."""

    def __init__(self, scheme: Scheme) -> None:
        self.known: set[str] = set()
        self.compound: set[str] = set()  # "co-ordinates", "patient/client": seen whole
        for text in scheme_text(scheme):
            self.known |= words_of(text)
            self.compound |= {self._core(t) for t in text.split() if _COMPOUND.search(t)}

    def see(self, lines: Iterable[str]) -> None:
        """Learn the words of ``lines`` that are whole: not the first or last on a line,
        where a break would have cut them."""
        for line in lines:
            tokens = line.split()
            for token in tokens[1:-1]:
                self.known |= words_of(token)
                if _COMPOUND.search(token):
                    self.compound.add(self._core(token))

    def _core(self, token: str) -> str:
        m = _CORE.match(token)
        return (m.group(1) if m else token).lower()

    def joined(self, before: str, after: str) -> str | None:
        """``before`` + ``after`` as one token when they are the halves of one word."""
        if not before or not after:
            return None
        if _PUNCT_ONLY.match(after):
            return before + after
        if len(before) > 1 and before.endswith(("/", "-")) and before[-2].isalpha():
            # only a compound seen whole: "complex/ sensitive" is printed with its space
            whole = self._core(before + after)
            last = self._core(re.split(r"/", before + after)[-1])
            return before + after if whole in self.compound or last in self.compound else None
        if not (before[-1].isalpha() and after[0].isalpha()):
            return None
        whole = self._core(before + after)
        if whole in self.compound:  # "Patient/Cl" "ient": broken inside a compound
            return before + after
        tail = re.split(r"[/-]", before)[-1]  # "therapists/psychotherapist" "s"
        whole = self._core(tail + after)
        if not whole.isalpha() or whole not in self.known:
            return None
        a, b = self._core(tail), self._core(after)
        if a in self.known and b in self.known and min(len(a), len(b)) > 1:
            return None  # two words that are each a word: "in" "to" stays ("s" is not one)
        return before + after


def join_lines(lines: list[str], vocabulary: Vocabulary | None) -> tuple[str, list[str]]:
    """A cell's lines as one text, broken words rejoined; and the words rejoined."""
    tokens_by_line = [line.split() for line in lines]
    tokens_by_line = [t for t in tokens_by_line if t]
    if not tokens_by_line:
        return "", []
    out = list(tokens_by_line[0])
    repaired: list[str] = []
    for tokens in tokens_by_line[1:]:
        word = vocabulary.joined(out[-1], tokens[0]) if vocabulary else None
        if word is not None:
            repaired.append(f"{out[-1]} {tokens[0]}")
            out[-1] = word
            out.extend(tokens[1:])
        else:
            out.extend(tokens)
    return " ".join(out), repaired
