"""Job statement lines: strip numbering, split items that extraction ran together."""

from __future__ import annotations

import itertools

from .split import candidates


def split_statement(text: str) -> list[str]:
    """Split at each place where a new capitalised item starts after a lower-case word.

    The published job statement is a numbered list; extraction sometimes joins
    items into one line ("...in the relevant art form Provides individual...").
    Joining the items with a space gives back the text exactly.
    """
    text = " ".join(text.split())
    if not text:
        return []
    cuts = [0, *candidates(text), len(text) + 1]
    return [text[a : b - 1] for a, b in itertools.pairwise(cuts) if text[a : b - 1]]
