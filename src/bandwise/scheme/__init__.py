"""The pure core: the JE scheme as frozen data, the level grammar, and scoring."""

from .levels import (
    LevelExpression,
    LevelTerm,
    ScoreExpression,
    parse_level_expression,
    parse_score_expression,
)
from .loader import load_scheme, load_scheme_from
from .model import Band, BandTable, Edition, Factor, Level, Option, Reference, Scheme
from .scoring import (
    ABOVE_TABLE,
    BandLookup,
    FactorPoints,
    Score,
    band_for,
    bands_for,
    points_for,
    score,
    score_range,
)

__all__ = [
    "ABOVE_TABLE",
    "Band",
    "BandLookup",
    "BandTable",
    "Edition",
    "Factor",
    "FactorPoints",
    "Level",
    "LevelExpression",
    "LevelTerm",
    "Option",
    "Reference",
    "Scheme",
    "Score",
    "ScoreExpression",
    "band_for",
    "bands_for",
    "load_scheme",
    "load_scheme_from",
    "parse_level_expression",
    "parse_score_expression",
    "points_for",
    "score",
    "score_range",
]
