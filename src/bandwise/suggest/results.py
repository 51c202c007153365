"""What ``suggest`` returns: profiles to try, factor levels with their evidence, the total
and bands they imply, and what the JD states about its own band (never evidence). The JSON
shape is a contract (docs/suggestions.md): keys are added, never renamed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ranking import FactorFit

NOT_ENOUGH = "not enough evidence"
HIGH, MEDIUM, LOW = "high", "medium", "low"
CLOSE, PARTIAL, WEAK = "close", "partial", "weak"
DISCLAIMER = (
    "These are suggestions drawn from the wording of the job description, to help a panel "
    "find the evidence; they are not an evaluation. A panel decides every level and the band."
)


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: int  # index of the sentence in the job description
    text: str  # the sentence, verbatim (whitespace runs as one space)
    start: int  # offsets in the job description's text
    end: int
    score: float  # similarity to the passage below, 0 to 1
    passage: str  # the labelled text it resembles
    source: str  # where that text comes from

    def to_json(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "matched": self.passage,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class ProfileSuggestion:
    id: str
    title: str
    score: float  # 0 to 1, for ranking: text coverage and level agreement together
    text_score: float
    level_agreement: float
    fit: str  # close | partial | weak: how well the profile's wording and levels fit
    evidence: tuple[Evidence, ...]
    factor_fit: tuple[FactorFit, ...] = ()  # each rule-based level against the profile's

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 3),
            "fit": self.fit,
            "text_score": round(self.text_score, 3),
            "level_agreement": round(self.level_agreement, 3),
            "evidence": [e.to_json() for e in self.evidence],
            "factor_fit": [
                {
                    "factor": f.factor,
                    "suggested": f.level,
                    "admitted": list(f.admitted),
                    "distance": f.distance,
                }
                for f in self.factor_fit
            ],
        }


@dataclass(frozen=True, slots=True)
class FactorSuggestion:
    number: int
    name: str
    levels: tuple[int, ...]  # suggested level or range; () when there is not enough evidence
    level: int | None  # the most likely level
    confidence: str  # high | medium | low | not enough evidence
    confidence_score: float  # 0 to 1
    votes: tuple[tuple[int, float], ...]  # (level, share of the votes), largest first
    evidence: tuple[Evidence, ...]
    basis: str = "text"  # "rules": seniority statements (cues.yaml); "text": wording alone

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "basis": self.basis,
            "name": self.name,
            "levels": list(self.levels),
            "level": self.level,
            "confidence": self.confidence,
            "confidence_score": round(self.confidence_score, 3),
            "votes": [{"level": lv, "share": round(share, 3)} for lv, share in self.votes],
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Suggestions:
    profiles: tuple[ProfileSuggestion, ...]  # best first
    factors: tuple[FactorSuggestion, ...]  # in factor order
    total_min: int
    total_max: int
    bands: tuple[str, ...]
    assumed: tuple[tuple[int, tuple[int, ...]], ...]  # factors with no evidence: levels used
    assumed_from: str | None  # the profile whose levels those are
    backend: str
    sentences: int
    notes: tuple[str, ...] = field(default=())
    stated_bands: tuple[str, ...] = ()  # bands the JD states for its post (not evidence)
    stated_text: tuple[str, ...] = ()  # band, grade and salary statements as written
    stated_band_disagrees: bool = False  # a stated band is not among the suggested bands
    ranking: tuple[str, ...] = ()  # which factors decided the order of the profiles

    @property
    def stated_band(self) -> str | None:
        return ", ".join(self.stated_text) if self.stated_text else None

    def to_json(self) -> dict[str, Any]:
        return {
            "profiles": [p.to_json() for p in self.profiles],
            "factors": [f.to_json() for f in self.factors],
            "total": {
                "min": self.total_min,
                "max": self.total_max,
                "assumed": [{"factor": n, "levels": list(lv)} for n, lv in self.assumed],
                "assumed_from": self.assumed_from,
            },
            "bands": list(self.bands),
            "backend": self.backend,
            "sentences": self.sentences,
            "notes": list(self.notes),
            "stated": {
                "bands": list(self.stated_bands),
                "text": list(self.stated_text),
                "disagrees": self.stated_band_disagrees,
            },
            "ranking": list(self.ranking),
            "disclaimer": DISCLAIMER,
        }
