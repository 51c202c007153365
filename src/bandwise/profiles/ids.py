"""Stable profile ids: a slug of the title without its parenthetical qualifier."""

from __future__ import annotations

import re
import unicodedata


def slugify(title: str) -> str:
    base = re.sub(r"\([^)]*\)", " ", title).replace("*", " ")
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")
    return slug or "profile"


def unique_id(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate
