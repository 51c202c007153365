"""The labelled passages the suggestions are drawn from.

Everything here is text that already carries a label:

* each profile's per-factor level descriptor and example job information, labelled with
  the levels the profile admits for that factor. Where a profile admits several levels
  and its text gives as many alternatives separated by "/" (as in "Frequent
  concentration, work pattern predictable/occasional intense concentration" for levels
  2 and 4), each alternative is labelled with its own level; otherwise the whole text
  counts towards each admitted level equally;
* the factor plan's level descriptors and lettered options (bandwise's own wording),
  each labelled with its level; stubs that only say a wording was not verified are left
  out;
* each profile's title and job statement lines, labelled with the profile only (they
  rank profiles; they carry no factor level).

The same text met again (profiles share much of their wording) is one passage whose
level weights add up, and which names every profile it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..profiles.library import Library
from ..scheme.model import Scheme

PROFILE = "profile"
PLAN = "plan"
STATEMENT = "statement"

_UNVERIFIED = re.compile(
    r"\s*\((?:[^()]*\b(?:wording|inferred|source|not read|not verified)\b[^()]*)\)", re.I
)
_STUB = re.compile(r"^option \([a-z]\) of level \d+[,.]?\s*(?:probably|possibly)?\s*", re.I)
_MIN_WORDS = 2


@dataclass(frozen=True, slots=True)
class Passage:
    factor: int  # 0 for a title or job statement line
    text: str
    levels: tuple[tuple[int, float], ...]  # (level, weight), weights summing to 1; () for factor 0
    profiles: tuple[int, ...]  # indexes into the library's profiles that state this text
    kind: str  # profile | plan | statement
    label: str  # where it comes from, for people


@dataclass(frozen=True, slots=True)
class PassageSet:
    passages: tuple[Passage, ...]
    profile_ids: tuple[str, ...]
    profile_titles: tuple[str, ...]
    admitted: tuple[tuple[tuple[int, ...], ...], ...]  # [profile][factor - 1] -> levels


def _plan_text(text: str) -> str:
    text = _UNVERIFIED.sub("", text).strip()
    stub = _STUB.match(text)
    if stub:
        text = text[stub.end() :].strip()
    return text


def _alternatives(text: str, levels: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """A text with one "/"-separated alternative per admitted level, split to those levels."""
    if len(levels) > 1:
        parts = [p.strip(" ;,") for p in text.split("/")]
        if len(parts) == len(levels) and all(len(p.split()) >= _MIN_WORDS for p in parts):
            return [(p, (lv,)) for p, lv in zip(parts, levels, strict=True)]
    return [(text, levels)]


class _Builder:
    def __init__(self) -> None:
        self.order: list[tuple[int, str]] = []
        self.weights: dict[tuple[int, str], dict[int, float]] = {}
        self.owners: dict[tuple[int, str], list[int]] = {}
        self.kinds: dict[tuple[int, str], str] = {}
        self.labels: dict[tuple[int, str], str] = {}

    def add(
        self,
        factor: int,
        text: str,
        levels: tuple[int, ...],
        owner: int | None,
        kind: str,
        label: str,
    ) -> None:
        text = " ".join(text.split())
        if len(text.split()) < _MIN_WORDS:
            return
        key = (factor, text.lower())
        if key not in self.weights:
            self.order.append(key)
            self.weights[key] = {}
            self.owners[key] = []
            self.kinds[key] = kind
            self.labels[key] = label
        for level in levels:
            weights = self.weights[key]
            weights[level] = weights.get(level, 0.0) + 1.0 / len(levels)
        if owner is not None and owner not in self.owners[key]:
            self.owners[key].append(owner)

    def build(self, texts: dict[tuple[int, str], str]) -> tuple[Passage, ...]:
        out = []
        for key in self.order:
            weights = self.weights[key]
            total = sum(weights.values())
            levels = tuple(sorted((lv, w / total) for lv, w in weights.items())) if total else ()
            out.append(
                Passage(
                    key[0],
                    texts[key],
                    levels,
                    tuple(self.owners[key]),
                    self.kinds[key],
                    self.labels[key],
                )
            )
        return tuple(out)


def build_passages(library: Library, scheme: Scheme) -> PassageSet:
    """The labelled passages of a library and the scheme's factor plan, in a fixed order."""
    builder = _Builder()
    texts: dict[tuple[int, str], str] = {}

    def add(
        factor: int, text: str, levels: tuple[int, ...], owner: int | None, kind: str, label: str
    ) -> None:
        clean = " ".join(text.split())
        texts.setdefault((factor, clean.lower()), clean)
        builder.add(factor, clean, levels, owner, kind, label)

    profiles = library.profiles
    admitted: list[tuple[tuple[int, ...], ...]] = []
    for k, profile in enumerate(profiles):
        add(0, profile.title, (), k, STATEMENT, f"{profile.id}: title")
        for line in profile.job_statement:
            add(0, line, (), k, STATEMENT, f"{profile.id}: job statement")
        per_factor: list[tuple[int, ...]] = []
        for factor in scheme.factors:
            entry = profile.factor(factor.number)
            levels = tuple(lv for lv in (entry.levels if entry else ()) if factor.has_level(lv))
            per_factor.append(levels)
            if entry is None or not levels:
                continue
            for part, name in ((entry.descriptor, "descriptor"), (entry.example, "example")):
                for text, lv in _alternatives(part, levels):
                    add(
                        factor.number,
                        text,
                        lv,
                        k,
                        PROFILE,
                        f"{profile.id}: factor {factor.number} {name}",
                    )
        admitted.append(tuple(per_factor))
    for factor in scheme.factors:
        for level in factor.levels:
            add(
                factor.number,
                _plan_text(level.descriptor),
                (level.number,),
                None,
                PLAN,
                f"factor plan: factor {factor.number} level {level.number}",
            )
            for option in level.options:
                add(
                    factor.number,
                    _plan_text(option.descriptor),
                    (level.number,),
                    None,
                    PLAN,
                    f"factor plan: factor {factor.number} level {level.number}({option.letter})",
                )
    return PassageSet(
        builder.build(texts),
        tuple(p.id for p in profiles),
        tuple(p.title for p in profiles),
        tuple(admitted),
    )
