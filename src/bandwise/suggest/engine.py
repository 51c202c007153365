"""Suggestions for a job description: the closest profiles, a likely level for each
factor, and the sentences behind each. Suggestions only: a person always decides.

How (docs/suggestions.md has the long version):

1. The job description is split into sentences (:mod:`.sentences`).
2. Each sentence is scored against every labelled passage (:mod:`.passages`) by the
   chosen backend (:mod:`.backends`), giving a similarity in [0, 1].
3. Factor levels: a sentence bears on a factor when its best match among that factor's
   passages is strong enough, absolutely and next to the other factors. Its closest
   passages of the factor then vote for the levels they are labelled with, weighted by
   similarity. The votes give the likely level, the levels close behind it (a range) and
   a confidence; a factor no sentence bears on has "not enough evidence".
4. Profiles: each profile is scored on how well its own text (title, job statement,
   factor descriptors and examples) covers the job description, and on how far the
   suggested levels fall within the levels the profile admits.
5. The total and bands that the suggested levels imply come from the weighting chart
   (:func:`bandwise.scheme.scoring.score_range`, :func:`bands_for`). A factor with no
   evidence takes the levels of the closest profile there, and the output says so.

The index of passages is built once per library and backend and kept in the process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..profiles.library import Library
from ..scheme.model import Scheme
from ..scheme.scoring import bands_for, score_range
from .backends import BM25, SEMANTIC, Bm25Index, Index, SemanticIndex, semantic_available
from .cues import CueLevel, as_suggestion, factor_levels, find_hits, load_settings
from .passages import PassageSet, build_passages
from .ranking import agreement, best_per_profile, explain, factor_fits
from .results import (
    CLOSE,
    DISCLAIMER,
    HIGH,
    LOW,
    MEDIUM,
    NOT_ENOUGH,
    PARTIAL,
    WEAK,
    Evidence,
    FactorSuggestion,
    ProfileSuggestion,
    Suggestions,
)
from .sentences import Sentence, split_sentences
from .stated import with_stated, without_stated, word_count

__all__ = [  # the result types live in .results; kept importable from here
    "DISCLAIMER",
    "NOT_ENOUGH",
    "Evidence",
    "FactorSuggestion",
    "ProfileSuggestion",
    "Suggestions",
    "clear_cache",
    "prepared",
    "resolve_backend",
    "suggest",
]


@dataclass(frozen=True, slots=True)
class Tuning:
    """The settings of one backend (its scores are on its own scale)."""

    min_relevance: float  # a sentence bears on a factor from this similarity up
    relative: float  # ... and when within this share of its best factor
    top_passages: int  # passages of a factor that vote for each sentence
    vote_power: float  # a sentence's vote weight is its relevance to this power
    range_share: float  # levels with this share of the top level's votes join the range
    profile_floor: float  # sentence-profile similarity below this counts as nothing
    text_weight: float  # profile score: share of text coverage (the rest: level agreement)
    text_scale: float  # mean sentence similarity that counts as full text coverage
    evidence_words: int = 4  # shorter sentences (headings) are never evidence for a factor


def tuning_for(backend: str) -> Tuning:
    """A backend's settings, from ``data/cues.yaml`` (``backends``, with their provenance)."""
    values = load_settings().backends[backend]
    return Tuning(
        min_relevance=values["min_relevance"],
        relative=values["relative"],
        top_passages=int(values["top_passages"]),
        vote_power=values["vote_power"],
        range_share=values["range_share"],
        profile_floor=values["profile_floor"],
        text_weight=values["text_weight"],
        text_scale=values["text_scale"],
        evidence_words=int(values.get("evidence_words", 4)),
    )


# -- the index, once per library -------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    passages: PassageSet
    factor_index: Index  # for levels: the arts therapies' own words left out (BM25)
    profile_index: Index  # for profiles: every word
    factor_columns: tuple[np.ndarray, ...]  # [factor - 1] -> passage columns with levels
    level_matrix: np.ndarray  # (n_passages, max_level) level weights
    owner_columns: tuple[np.ndarray, ...]  # [profile] -> passage columns it states
    owner_flat: np.ndarray  # every profile's columns, one profile after another
    owner_starts: np.ndarray  # where each profile's columns start in owner_flat
    credit: np.ndarray  # (profiles, factors, levels): 1 admitted, 0.4 one level off, else 0
    rated: np.ndarray  # (profiles, factors): 1 where the profile admits some level


_CACHE: OrderedDict[tuple[Any, ...], tuple[Library, _Prepared]] = OrderedDict()
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def _fingerprint(library: Library, scheme: Scheme, backend: str) -> tuple[Any, ...]:
    content = tuple(
        (
            p.id,
            p.title,
            p.job_statement,
            tuple((f.number, f.level_text, f.descriptor, f.example) for f in p.factors),
        )
        for p in library.profiles
    )
    return (backend, scheme.edition.id, len(scheme.factors), hash(content))


def _prepare(library: Library, scheme: Scheme, backend: str) -> _Prepared:
    passages = build_passages(library, scheme)
    factor_index: Index
    profile_index: Index
    if backend == SEMANTIC:
        factor_index = profile_index = SemanticIndex(passages.passages)
    else:
        factor_index = Bm25Index(passages.passages, discipline=False)
        profile_index = Bm25Index(passages.passages, discipline=True)
    width = max(f.max_level for f in scheme.factors)
    levels = np.zeros((len(passages.passages), width + 1), dtype=np.float32)
    for k, p in enumerate(passages.passages):
        for level, weight in p.levels:
            levels[k, level] = weight
    factor_columns = tuple(
        np.array(
            [k for k, p in enumerate(passages.passages) if p.factor == f.number and p.levels],
            dtype=np.int64,
        )
        for f in scheme.factors
    )
    owners: list[list[int]] = [[] for _ in passages.profile_ids]
    for k, p in enumerate(passages.passages):
        for owner in p.profiles:
            owners[owner].append(k)
    n_profiles, n_factors = len(passages.profile_ids), len(scheme.factors)
    credit = np.zeros((n_profiles, n_factors, width + 1), dtype=np.float32)
    near = load_settings().ranking["near_credit"]  # one level off counts this much
    rated = np.zeros((n_profiles, n_factors), dtype=np.float32)
    for j, per_factor in enumerate(passages.admitted):
        for f, admitted in enumerate(per_factor):
            if not admitted:
                continue
            rated[j, f] = 1.0
            for level in range(1, width + 1):
                distance = min(abs(level - a) for a in admitted)
                credit[j, f, level] = 1.0 if distance == 0 else near if distance == 1 else 0
    lengths = np.array([len(o) for o in owners], dtype=np.int64)
    flat = np.array([k for o in owners for k in o], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if owners else lengths
    return _Prepared(
        passages,
        factor_index,
        profile_index,
        factor_columns,
        levels,
        tuple(np.array(o, dtype=np.int64) for o in owners),
        flat,
        starts,
        credit,
        rated,
    )


def prepared(library: Library, scheme: Scheme, backend: str) -> _Prepared:
    """The passages and index for a library and backend, built once and kept."""
    with _CACHE_LOCK:
        for key, (lib, prep) in _CACHE.items():
            if lib is library and key[0] == backend and key[1] == scheme.edition.id:
                _CACHE.move_to_end(key)
                return prep
    key = _fingerprint(library, scheme, backend)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            _CACHE[key] = (library, hit[1])
            return hit[1]
    prep = _prepare(library, scheme, backend)
    with _CACHE_LOCK:
        _CACHE[key] = (library, prep)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prep


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def resolve_backend(backend: str | None) -> tuple[str, tuple[str, ...]]:
    """The backend to use and any note about it (a missing extra falls back to BM25)."""
    if backend is None:
        return BM25, ()
    if backend not in (BM25, SEMANTIC):
        raise ValueError(f"unknown backend {backend!r}; use {BM25} or {SEMANTIC}")
    if backend == SEMANTIC and not semantic_available():
        return BM25, (
            "The semantic backend is not installed (pip install 'bandwise[semantic]'); "
            "the suggestions use BM25.",
        )
    return backend, ()


# -- suggesting --------------------------------------------------------------------------


def _evidence(
    sentences: Sequence[Sentence],
    sims: np.ndarray,
    columns: np.ndarray,
    passages: PassageSet,
    rows: Sequence[int],
    limit: int,
) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for s in rows[:limit]:
        row = sims[s, columns]
        best = int(columns[int(np.argmax(row))])
        p = passages.passages[best]
        sentence = sentences[s]
        out.append(
            Evidence(
                sentence.index,
                sentence.text,
                sentence.start,
                sentence.end,
                float(sims[s, best]),
                p.text,
                p.label,
            )
        )
    return tuple(out)


def _factor(
    number: int,
    name: str,
    max_level: int,
    sentences: Sequence[Sentence],
    sims: np.ndarray,
    relevance: np.ndarray,
    routed: np.ndarray,
    prep: _Prepared,
    tuning: Tuning,
    evidence_limit: int,
) -> tuple[FactorSuggestion, np.ndarray]:
    columns = prep.factor_columns[number - 1]
    votes = np.zeros(prep.level_matrix.shape[1], dtype=np.float64)
    rows = [int(s) for s in np.flatnonzero(routed[:, number - 1])]
    rows.sort(key=lambda s: (-float(relevance[s, number - 1]), s))
    for s in rows:
        row = sims[s, columns]
        k = min(tuning.top_passages, len(columns))
        top = np.argsort(-row, kind="stable")[:k]
        weights = row[top].astype(np.float64)
        if weights.sum() <= 0:
            continue
        dist = (weights[:, None] * prep.level_matrix[columns[top]]).sum(axis=0) / weights.sum()
        votes += dist * float(relevance[s, number - 1]) ** tuning.vote_power
    total = float(votes.sum())
    if not rows or total <= 0:
        return (
            FactorSuggestion(number, name, (), None, NOT_ENOUGH, 0.0, (), ()),
            np.zeros_like(votes),
        )
    share = votes / total
    top_level = int(np.argmax(share))  # ties: the lower level
    levels = tuple(
        lv
        for lv in range(1, max_level + 1)
        if share[lv] > 0 and share[lv] >= tuning.range_share * share[top_level]
    )
    strength = sum(sorted((float(relevance[s, number - 1]) for s in rows), reverse=True)[:3])
    spread = float(sum(share[lv] for lv in levels))
    peak = float(share[top_level])
    score = min(1.0, strength / 1.5) * (0.5 * peak + 0.5 * spread)
    if score >= 0.55 and peak >= 0.5:
        label = HIGH
    elif score >= 0.3:
        label = MEDIUM
    else:
        label = LOW
    ordered = sorted(
        ((lv, float(share[lv])) for lv in range(1, max_level + 1) if share[lv] > 0.005),
        key=lambda t: (-t[1], t[0]),
    )
    evidence = _evidence(sentences, sims, columns, prep.passages, rows, evidence_limit)
    return (
        FactorSuggestion(number, name, levels, top_level, label, score, tuple(ordered), evidence),
        share,
    )


def suggest(
    text: str,
    library: Library,
    scheme: Scheme,
    top: int = 5,
    backend: str | None = None,
    evidence: int = 3,
    include_archived: bool = False,
) -> Suggestions:
    """Suggestions for a job description's text: profiles best first, a suggested level or
    range for each factor with its evidence, and the total and bands they imply. Archived
    profiles are left out unless ``include_archived`` (``Library.offered``).

    ``backend`` is ``"bm25"`` (the default) or ``"semantic"`` (falls back to BM25, with a
    note, when the extra is not installed). Nothing is fetched from the network.
    """
    name, notes = resolve_backend(backend)
    tuning = tuning_for(name)
    library = library.offered(include_archived)
    prep = prepared(library, scheme, name)
    # a stated band, grade or salary is what the panel decides: never evidence (a line
    # that says nothing else is not a sentence at all)
    sentences = [s for s in split_sentences(text) if word_count(without_stated(s.text)) >= 2]
    texts = [without_stated(s.text) for s in sentences]
    sims = prep.factor_index.similarities(texts)
    profile_sims = (
        sims if prep.profile_index is prep.factor_index else prep.profile_index.similarities(texts)
    )
    n_factors = len(scheme.factors)
    relevance = np.zeros((len(sentences), n_factors), dtype=np.float32)
    for k in range(n_factors):
        columns = prep.factor_columns[k]
        if len(columns) and len(sentences):
            relevance[:, k] = sims[:, columns].max(axis=1)
    long_enough = np.array(
        [word_count(t) >= tuning.evidence_words for t in texts], dtype=bool
    ).reshape(-1, 1)
    best = relevance.max(axis=1, keepdims=True) if n_factors else relevance
    routed = (
        (relevance >= tuning.min_relevance) & (relevance >= tuning.relative * best) & long_enough
    )
    factors: list[FactorSuggestion] = []
    shares: list[np.ndarray] = []
    for f in scheme.factors:
        suggestion, share = _factor(
            f.number,
            f.name,
            f.max_level,
            sentences,
            sims,
            relevance,
            routed,
            prep,
            tuning,
            evidence,
        )
        factors.append(suggestion)
        shares.append(share)
    cue_levels = factor_levels(find_hits(texts))
    for k, suggestion in enumerate(factors):
        cue = cue_levels.get(suggestion.number)
        if cue is not None:
            factors[k] = as_suggestion(suggestion, cue, sentences, texts, evidence)
    profiles, ranking = _rank_profiles(
        sentences, profile_sims, prep, factors, shares, cue_levels, tuning, top, evidence
    )
    result = _with_total(scheme, prep, profiles, factors, name, len(sentences), notes)
    return with_stated(result, text, ranking)


def _rank_profiles(
    sentences: Sequence[Sentence],
    sims: np.ndarray,
    prep: _Prepared,
    factors: Sequence[FactorSuggestion],
    shares: Sequence[np.ndarray],
    cue_levels: dict[int, CueLevel],
    tuning: Tuning,
    top: int,
    evidence_limit: int,
) -> tuple[tuple[ProfileSuggestion, ...], tuple[str, ...]]:
    """Profiles best first (level agreement, then text similarity; :mod:`.ranking`) and
    the lines that say which factors decided the order."""
    passages = prep.passages
    n = len(passages.profile_ids)
    if n == 0:
        return (), ()
    settings = load_settings()
    weights_cfg = settings.ranking
    texts = [without_stated(s.text) for s in sentences]
    content = np.array([word_count(t) >= tuning.evidence_words for t in texts], dtype=bool)
    best = best_per_profile(sims, prep.owner_columns, prep.owner_flat, prep.owner_starts)
    kept = np.where(best >= tuning.profile_floor, best, 0.0)[content]
    coverage = kept.mean(axis=0) if kept.shape[0] else np.zeros(n)
    mean = best.mean(axis=1) if n else np.zeros(len(sentences))
    levels = {f: (c.level, c.weight) for f, c in cue_levels.items()}
    confidence = np.array([f.confidence_score for f in factors], dtype=np.float64)
    agreements = agreement(
        prep.credit, prep.rated, levels, shares, confidence, weights_cfg["text_factor_weight"]
    )
    text_scores = np.minimum(1.0, coverage / tuning.text_scale)
    cue_weight = sum(min(w, 2.0) for _, w in levels.values())
    a = weights_cfg["agreement_weight"] if cue_weight else 1 - tuning.text_weight
    totals = a * agreements + (1 - a) * text_scores
    scored = [(float(totals[j]), j, float(text_scores[j]), float(agreements[j])) for j in range(n)]
    scored.sort(key=lambda t: (-round(t[0], 9), -t[2], t[1]))
    out: list[ProfileSuggestion] = []
    for score, j, text_score, agree in scored[:top]:
        row_best = best[:, j]
        # sentences that matched this profile well, those that set it apart first
        key = row_best + np.maximum(0.0, row_best - mean) if len(sentences) else row_best
        order = [
            int(s)
            for s in np.argsort(-key, kind="stable")
            if row_best[int(s)] >= tuning.profile_floor
        ]
        ev = _evidence(sentences, sims, prep.owner_columns[j], passages, order, evidence_limit)
        fit = _fit(score, text_score, cue_weight, weights_cfg)
        if not settings.of_profession(passages.profile_titles[j], texts):
            fit = WEAK
        out.append(
            ProfileSuggestion(
                passages.profile_ids[j],
                passages.profile_titles[j],
                score,
                text_score,
                agree,
                fit,
                ev,
                factor_fits(passages.admitted[j], levels),
            )
        )
    ranking = explain([p.id for p in out], [p.factor_fit for p in out])
    return tuple(out), ranking


def _fit(score: float, text_score: float, cue_weight: float, cfg: dict[str, float]) -> str:
    """Close, partial or weak. Weak whatever the levels when the profile's wording barely
    covers the JD (another profession); at most partial on little seniority evidence."""
    if text_score < cfg["weak_text"]:
        return WEAK
    if score >= cfg["close"] and cue_weight >= cfg["min_cue_weight"]:
        return CLOSE
    return PARTIAL if score >= cfg["partial"] else WEAK


def _with_total(
    scheme: Scheme,
    prep: _Prepared,
    profiles: tuple[ProfileSuggestion, ...],
    factors: list[FactorSuggestion],
    backend: str,
    n_sentences: int,
    notes: tuple[str, ...],
) -> Suggestions:
    # a weak top profile may be another profession's: its levels would invent a band
    fitting = profiles[0] if profiles and profiles[0].fit != WEAK else None
    closest = None
    if fitting is not None:
        closest = prep.passages.profile_ids.index(fitting.id)
    level_sets: list[tuple[int, ...]] = []
    assumed: list[tuple[int, tuple[int, ...]]] = []
    for f, suggestion in zip(scheme.factors, factors, strict=True):
        if suggestion.levels:
            level_sets.append(suggestion.levels)
            continue
        fill: tuple[int, ...] = ()
        if closest is not None:
            fill = prep.passages.admitted[closest][f.number - 1]
        if not fill:
            fill = f.level_numbers
        level_sets.append(fill)
        assumed.append((f.number, fill))
    low, high = score_range(scheme, level_sets)
    bands = tuple(b.label for b in bands_for(scheme, low, high))
    extra = list(notes)
    if n_sentences == 0:
        extra.append("No sentences were found in the job description.")
    if profiles and fitting is None:
        extra.append(
            "No profile in the library fits this job description well (the closest is a "
            "weak fit): it may be another profession's job, or need local evaluation."
        )
    if assumed:
        source = f"the closest profile ({fitting.id})" if fitting else "the whole scale"
        extra.append(
            "Not enough evidence for factor(s) "
            + ", ".join(str(n) for n, _ in assumed)
            + f"; the total uses the levels of {source} there."
        )
    return Suggestions(
        profiles,
        tuple(factors),
        low,
        high,
        bands,
        tuple(assumed),
        fitting.id if assumed and fitting else None,
        backend,
        n_sentences,
        tuple(extra),
    )
