"""Which characters may reach a terminal or a one-line field as themselves.

Kept free of imports beyond the standard library: the command line uses it to print
stored text, and the services (``services.fields``) to refuse it on input.
"""

from __future__ import annotations

import unicodedata

#: Bidirectional embeddings, overrides and isolates (the "Trojan Source" characters).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_char(c: str) -> bool:
    """A control character (ESC, BEL, C0, C1), a line or paragraph separator, or a
    bidirectional control: it can rewrite a terminal or make text read other than it is."""
    return c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Zl", "Zp")
