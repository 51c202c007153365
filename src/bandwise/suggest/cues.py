"""JE-aware evidence: the seniority and responsibility statements of a job description.

What separates the profiles of a suite is seniority, factor by factor (supervised vs
supervises vs line-manages vs manages managers; uses vs authorises vs holds a budget;
follows vs develops policy; takes part in vs leads research), not vocabulary. Text
similarity cannot see that, so these statements are read by rules kept as data
(``data/cues.yaml``, with their provenance): each cue points one or more factors at a
level; a negation before it drops it, "may"/"when asked" weakens it, and a statement of
leadership that follows "supervised by" / "supports the lead in" is not the post
holder's own (dropped, or one level lower).

A factor's suggested level is the highest level whose cues weigh enough together: a job
is evaluated on the most demanding duty it clearly holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .results import Evidence, FactorSuggestion
from .sentences import Sentence


@dataclass(frozen=True, slots=True)
class Cue:
    pattern: re.Pattern[str]
    levels: tuple[tuple[int, int], ...]  # (factor, level)
    weight: float
    why: str
    leading: bool


TITLE_WORDS = 10  # a first sentence this short is read as the job's title


@dataclass(frozen=True, slots=True)
class Profession:
    applies_to: re.Pattern[str]  # matched against a profile's title
    modality: re.Pattern[str]
    practice: re.Pattern[str]
    support: re.Pattern[str] | None = None  # a support post's title (first sentence)
    unqualified: re.Pattern[str] | None = None  # "is not a qualified therapist", anywhere

    def shown_in(self, texts: list[str]) -> bool:
        """Whether some sentence has the post holder practising or leading a modality (and
        the JD is not titled as a support post, nor says the post holder is unqualified)."""
        title = texts[0] if texts and len(texts[0].split()) <= TITLE_WORDS else ""
        if self.support is not None and self.support.search(title):
            return False
        if self.unqualified is not None and any(self.unqualified.search(t) for t in texts):
            return False
        return any(self.modality.search(t) and self.practice.search(t) for t in texts)


@dataclass(frozen=True, slots=True)
class CueSettings:
    cues: tuple[Cue, ...]
    negation: re.Pattern[str]
    hedge: re.Pattern[str]
    receiving: re.Pattern[str]
    supporting: re.Pattern[str]
    hedge_weight: float
    negation_window: int
    min_weight: float
    high_weight: float
    medium_weight: float
    ranking: dict[str, float]
    professions: tuple[Profession, ...] = ()
    backends: dict[str, dict[str, float]] = field(default_factory=dict)

    def of_profession(self, title: str, texts: list[str]) -> bool:
        """False when a profile titled ``title`` has a profession check the JD fails."""
        return all(p.shown_in(texts) for p in self.professions if p.applies_to.search(title))


@dataclass(frozen=True, slots=True)
class CueHit:
    sentence: int  # position in the list of sentences given
    factor: int
    level: int
    weight: float
    why: str  # the cue's reason, with any modifier that applied ("may: weaker")
    span: tuple[int, int]  # the matched words, offsets in the sentence's text


@dataclass(frozen=True, slots=True)
class CueLevel:
    factor: int
    level: int
    weight: float  # the cue weight behind that level
    confidence: str  # high | medium | low
    hits: tuple[CueHit, ...]  # the hits at that level first, strongest first


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def settings_from(data: dict[str, Any]) -> CueSettings:
    """Cue settings from the YAML's mapping (a bad entry names its index)."""
    markers, levels = data["markers"], data["levels"]
    cues = []
    for k, entry in enumerate(data["cues"]):
        try:
            cues.append(
                Cue(
                    _compile(entry["pattern"]),
                    tuple(sorted((int(f), int(lv)) for f, lv in entry["levels"].items())),
                    float(entry.get("weight", 1.0)),
                    str(entry["why"]),
                    bool(entry.get("leading", False)),
                )
            )
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ValueError(f"cues.yaml: cue {k + 1}: {exc}") from exc
    return CueSettings(
        tuple(cues),
        _compile(markers["negation"]),
        _compile(markers["hedge"]),
        _compile(markers["receiving"]),
        _compile(markers["supporting"]),
        float(markers["hedge_weight"]),
        int(markers["negation_window"]),
        float(levels["min_weight"]),
        float(levels["high_weight"]),
        float(levels["medium_weight"]),
        {str(k): float(v) for k, v in data["ranking"].items()},
        tuple(
            Profession(
                _compile(p["applies_to"]),
                _compile(p["modality"]),
                _compile(p["practice"]),
                _compile(p["support"]) if p.get("support") else None,
                _compile(p["unqualified"]) if p.get("unqualified") else None,
            )
            for p in data.get("profession", ())
        ),
        {
            str(name): {str(k): float(v) for k, v in values.items()}
            for name, values in data.get("backends", {}).items()
        },
    )


@lru_cache(maxsize=1)
def load_settings() -> CueSettings:
    """The built-in cues (``bandwise/suggest/data/cues.yaml``), read once."""
    text = resources.files("bandwise.suggest").joinpath("data/cues.yaml").read_text("utf-8")
    return settings_from(yaml.safe_load(text))


def _before(pattern: re.Pattern[str], text: str, cue: re.Match[str]) -> bool:
    """Whether a marker starts before the cue (it may overlap it: "supports the lead in")."""
    return any(m.start() < cue.start() for m in pattern.finditer(text, 0, cue.end()))


def find_hits(texts: list[str], settings: CueSettings | None = None) -> list[CueHit]:
    """Every cue in ``texts`` (one sentence each), with negation, hedging, receiving and
    supporting applied."""
    settings = settings or load_settings()
    hits: list[CueHit] = []
    for s, text in enumerate(texts):
        for cue in settings.cues:
            for m in cue.pattern.finditer(text):
                # "may lead audits" is hedged; "patients who may not accept" after it is not
                hedged = settings.hedge.search(text, 0, m.end()) is not None
                window = text[max(0, m.start() - settings.negation_window) : m.start()]
                if settings.negation.search(window):
                    continue
                if cue.leading and _before(settings.receiving, text, m):
                    continue
                lower = cue.leading and _before(settings.supporting, text, m)
                weight = cue.weight * (settings.hedge_weight if hedged else 1.0)
                why = cue.why + (" (only possibly: weaker)" if hedged else "")
                if lower:
                    why += " (supports someone else in it: one level lower)"
                for factor, level in cue.levels:
                    lv = max(1, level - 1) if lower else level
                    hits.append(CueHit(s, factor, lv, weight, why, (m.start(), m.end())))
                break  # one match per cue and sentence
    return hits


def factor_levels(hits: list[CueHit], settings: CueSettings | None = None) -> dict[int, CueLevel]:
    """For each factor with cues: the highest level whose cues weigh ``min_weight`` or more
    (the same sentence counting once per level), with a confidence from that weight."""
    settings = settings or load_settings()
    by_factor: dict[int, dict[int, dict[int, float]]] = {}
    for h in hits:
        per_sentence = by_factor.setdefault(h.factor, {}).setdefault(h.level, {})
        per_sentence[h.sentence] = max(per_sentence.get(h.sentence, 0.0), h.weight)
    out: dict[int, CueLevel] = {}
    for factor, per_level in by_factor.items():
        weights = {lv: sum(ws.values()) for lv, ws in per_level.items()}
        strong = [lv for lv, w in weights.items() if w >= settings.min_weight]
        if not strong:
            continue
        level = max(strong)
        weight = weights[level]
        if weight >= settings.high_weight:
            confidence = "high"
        elif weight >= settings.medium_weight:
            confidence = "medium"
        else:
            confidence = "low"
        mine = [h for h in hits if h.factor == factor]
        mine.sort(key=lambda h: (h.level != level, -h.weight, h.sentence))
        out[factor] = CueLevel(factor, level, weight, confidence, tuple(mine))
    return out


def as_suggestion(
    suggestion: FactorSuggestion,
    cue: CueLevel,
    sentences: Sequence[Sentence],
    texts: Sequence[str],
    limit: int,
) -> FactorSuggestion:
    """A factor's suggestion from its seniority statements (they outrank wording)."""
    settings = load_settings()
    evidence: list[Evidence] = []
    seen: set[int] = set()
    for hit in cue.hits:
        if hit.sentence in seen or len(evidence) >= limit:
            continue
        seen.add(hit.sentence)
        s = sentences[hit.sentence]
        evidence.append(
            Evidence(
                s.index,
                s.text,
                s.start,
                s.end,
                hit.weight,
                texts[hit.sentence][hit.span[0] : hit.span[1]],
                f"seniority rule, factor {hit.factor} level {hit.level}: {hit.why}",
            )
        )
    return FactorSuggestion(
        suggestion.number,
        suggestion.name,
        (cue.level,),
        cue.level,
        cue.confidence,
        min(1.0, cue.weight / settings.high_weight),
        ((cue.level, 1.0),),
        tuple(evidence),
        basis="rules",
    )
