"""Suggestions for a job description against the organisation's profile library (its
imported suites, else the built-in ones). Reading permission; nothing is stored.
Suggestions only: a panel decides every level and the band."""

from __future__ import annotations

from ..errors import DocumentError
from ..scheme.loader import load_scheme
from ..suggest import Suggestions, checked_text, job_description_from_bytes, suggest
from .base import Actor, Database, InvalidInput
from .suites import organisation_library

MAX_TOP = 20


def suggest_for_text(
    db: Database, actor: Actor, text: str, top: int = 5, backend: str | None = None
) -> Suggestions:
    """Suggestions for the text of a job description."""
    actor.require("read")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is 1 to {MAX_TOP}", "top")
    try:
        text = checked_text(text, "the job description")
    except DocumentError as exc:
        raise InvalidInput(str(exc), "text") from exc
    library = organisation_library(db, actor.organisation_id)
    try:
        return suggest(text, library, load_scheme(), top, backend)
    except ValueError as exc:  # an unknown backend
        raise InvalidInput(str(exc), "backend") from exc


def suggest_for_file(
    db: Database,
    actor: Actor,
    data: bytes,
    filename: str,
    top: int = 5,
    backend: str | None = None,
) -> Suggestions:
    """Suggestions for a job description file (PDF, Word or text), as uploaded."""
    actor.require("read")
    try:
        text = job_description_from_bytes(data, filename or "the job description")
    except DocumentError as exc:
        raise InvalidInput(str(exc), "file") from exc
    return suggest_for_text(db, actor, text, top, backend)
