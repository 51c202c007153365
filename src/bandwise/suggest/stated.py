"""A band, grade or salary stated in a job description: reported, never used as evidence.

The band is what the panel is deciding, so a JD's "Band 7" or "£43,742 - £50,056" must
not move the suggestions. :func:`find_stated` reports what the JD states about its own
post; :func:`without_stated` removes every band, grade and salary mention (the post's or
another's, e.g. "supervise the band 6 therapist") from a sentence before it is scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .results import Suggestions

_BAND = re.compile(
    r"\b(?:(?:agenda for change|afc|nhs)\s+)?(?:band|grade)\s*:?\s*([1-9](?:\s?[a-d])?)\b"
    r"(?:\s+equivalent)?",
    re.IGNORECASE,
)
_SALARY = re.compile(
    r"£\s?\d{2},\d{3}(?:\.\d\d)?\b(?:\s*(?:-|–|—|to)\s*£?\s?\d{2},\d{3}(?:\.\d\d)?\b)?"
    r"(?:\s*(?:per annum|pa\b|p\.a\.|a year|pro rata))?",
    re.IGNORECASE,
)
_OTHERS = re.compile(r"\b(?:the|a|an|our|their|your|other|two|three)\s+$", re.IGNORECASE)
_PEOPLE_AFTER = re.compile(  # "band 5 physiotherapists", "band 6 staff": other posts
    r"[ \t]+(?:[a-z]+[ \t]+){0,2}(?:[a-z]+ists|staff|nurses|workers|colleagues|posts|assistants)\b"
)


@dataclass(frozen=True, slots=True)
class Stated:
    bands: tuple[str, ...]  # band labels the JD states for its own post, e.g. ("7",)
    text: tuple[str, ...]  # every statement as written (bands and salaries)


def find_stated(text: str) -> Stated:
    """The bands and salaries a job description states for its own post ("Band 7",
    "Agenda for Change Band 8a", "£43,742 - £50,056"); "the band 6 therapist" is another
    post's band and is not reported."""
    bands: list[str] = []
    said: list[str] = []
    for m in _BAND.finditer(text):
        if _OTHERS.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        if _PEOPLE_AFTER.match(text, m.end()):
            continue
        label = m.group(1).replace(" ", "").lower()
        if label not in bands:
            bands.append(label)
        if m.group(0) not in said:
            said.append(" ".join(m.group(0).split()))
    for m in _SALARY.finditer(text):
        phrase = " ".join(m.group(0).split())
        if phrase not in said:
            said.append(phrase)
    return Stated(tuple(bands), tuple(said))


def without_stated(sentence: str) -> str:
    """The sentence with every band, grade and salary mention taken out."""
    return " ".join(_SALARY.sub(" ", _BAND.sub(" ", sentence)).split())


_WORD = re.compile(r"[A-Za-z]{2,}")


def word_count(text: str) -> int:
    """Words of two letters or more (as the sentence splitter counts them)."""
    return len(_WORD.findall(text))


def with_stated(result: Suggestions, text: str, ranking: tuple[str, ...]) -> Suggestions:
    """Report a stated band or salary separately, flagged when the suggestion disagrees."""
    stated = find_stated(text)
    disagrees = bool(stated.bands) and not any(b in result.bands for b in stated.bands)
    notes = list(result.notes)
    if stated.text:
        notes.append(
            "The job description states "
            + "; ".join(stated.text)
            + ". A stated band, grade or salary is not used as evidence (it is what the "
            "panel decides)."
        )
    if disagrees:
        notes.append(
            f"The stated band ({', '.join(stated.bands)}) is not among the bands the "
            f"suggested levels imply ({', '.join(result.bands) or 'none'}): check the duties "
            "against the band the post was advertised at."
        )
    return replace(
        result,
        notes=tuple(notes),
        stated_bands=stated.bands,
        stated_text=stated.text,
        stated_band_disagrees=disagrees,
        ranking=ranking,
    )
