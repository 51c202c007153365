"""Suggestions from a job description: closest profiles and likely factor levels, with the
sentences behind them. Suggestions only: a person always decides (docs/suggestions.md).

    from bandwise.suggest import suggest
    result = suggest(text, load_library(), load_scheme())
    result.to_json()
"""

from __future__ import annotations

from .backends import BACKENDS, BM25, SEMANTIC, semantic_available
from .engine import (
    DISCLAIMER,
    NOT_ENOUGH,
    Evidence,
    FactorSuggestion,
    ProfileSuggestion,
    Suggestions,
    clear_cache,
    suggest,
)
from .reader import checked_text, job_description_from_bytes, read_job_description
from .sentences import Sentence, split_sentences

__all__ = [
    "BACKENDS",
    "BM25",
    "DISCLAIMER",
    "NOT_ENOUGH",
    "SEMANTIC",
    "Evidence",
    "FactorSuggestion",
    "ProfileSuggestion",
    "Sentence",
    "Suggestions",
    "checked_text",
    "clear_cache",
    "job_description_from_bytes",
    "read_job_description",
    "semantic_available",
    "split_sentences",
    "suggest",
]
