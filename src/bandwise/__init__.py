"""bandwise: the NHS Agenda for Change Job Evaluation scheme as a library.

The public API is listed in ``__all__`` (a test guards it). Names load on first
use, so the command line starts fast.

    >>> from bandwise import load_scheme, score
    >>> score(load_scheme(), [5, 7, 3, 2, 3, 5, 1, 2, 1, 1, 1, 3, 2, 2, 4, 2]).total
    438
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "BandwiseError": "errors",
    "DocumentError": "errors",
    "InvalidLevelsError": "errors",
    "LevelExpressionError": "errors",
    "ProfileDataError": "errors",
    "SchemeDataError": "errors",
    "UnknownProfileError": "errors",
    "Scheme": "scheme.model",
    "Factor": "scheme.model",
    "Level": "scheme.model",
    "Option": "scheme.model",
    "Band": "scheme.model",
    "load_scheme": "scheme.loader",
    "parse_level_expression": "scheme.levels",
    "parse_score_expression": "scheme.levels",
    "parse_band_label": "scheme.band_labels",
    "score": "scheme.scoring",
    "score_range": "scheme.scoring",
    "band_for": "scheme.scoring",
    "bands_for": "scheme.scoring",
    "points_for": "scheme.scoring",
    "Profile": "profiles.model",
    "FactorEntry": "profiles.model",
    "Suite": "profiles.model",
    "Finding": "profiles.model",
    "ReadResult": "profiles.model",
    "Library": "profiles.library",
    "builtin_library": "profiles.library",
    "compute": "profiles.validate",
    "validate_profile": "profiles.validate",
    "validate_suite": "profiles.validate",
    "read_document": "documents.reader",
    "read_profile_text": "documents.text_reader",
}

__all__ = [
    "Band",
    "BandwiseError",
    "DocumentError",
    "Factor",
    "FactorEntry",
    "Finding",
    "InvalidLevelsError",
    "Level",
    "LevelExpressionError",
    "Library",
    "Option",
    "Profile",
    "ProfileDataError",
    "ReadResult",
    "Scheme",
    "SchemeDataError",
    "Suite",
    "UnknownProfileError",
    "band_for",
    "bands_for",
    "builtin_library",
    "compute",
    "load_scheme",
    "parse_band_label",
    "parse_level_expression",
    "parse_score_expression",
    "points_for",
    "read_document",
    "read_profile_text",
    "score",
    "score_range",
    "validate_profile",
    "validate_suite",
]

if TYPE_CHECKING:
    from .documents.reader import read_document
    from .documents.text_reader import read_profile_text
    from .errors import (
        BandwiseError,
        DocumentError,
        InvalidLevelsError,
        LevelExpressionError,
        ProfileDataError,
        SchemeDataError,
        UnknownProfileError,
    )
    from .profiles.library import Library, builtin_library
    from .profiles.model import FactorEntry, Finding, Profile, ReadResult, Suite
    from .profiles.validate import compute, validate_profile, validate_suite
    from .scheme.band_labels import parse_band_label
    from .scheme.levels import parse_level_expression, parse_score_expression
    from .scheme.loader import load_scheme
    from .scheme.model import Band, Factor, Level, Option, Scheme
    from .scheme.scoring import band_for, bands_for, points_for, score, score_range


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bandwise' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
