"""Light text normalisation for lexical retrieval: lower case, NHS abbreviations spelt
out, a few everyday synonyms mapped to the profiles' words, English stop words dropped,
words stemmed (Snowball, through PyStemmer) so "supervises", "supervision" and
"supervising" meet.

The abbreviation and synonym lists are short and written for job descriptions in the
NHS; each maps to the words the national profiles and the factor plan use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

#: Abbreviations as they appear in job descriptions (matched as whole words, any case).
ABBREVIATIONS: dict[str, str] = {
    "mdt": "multidisciplinary team",
    "camhs": "child adolescent mental health services",
    "cmht": "community mental health team",
    "picu": "psychiatric intensive care unit",
    "rmn": "registered mental nurse",
    "ot": "occupational therapy",
    "ots": "occupational therapists",
    "slt": "speech language therapy",
    "salt": "speech language therapy",
    "hcpc": "health care professions council registration",
    "cpd": "continuing professional development",
    "cpa": "care programme approach",
    "dmp": "dance movement psychotherapy",
    "cbt": "cognitive behavioural therapy",
    "ld": "learning disability",
    "wte": "whole time equivalent",
    "afc": "agenda for change",
    "epr": "electronic patient record",
    "ehr": "electronic health record",
    "qi": "quality improvement",
    "hr": "human resources",
    "r&d": "research development",
    "baat": "professional association",
    "badth": "professional association",
    "bamt": "professional association",
    "admp": "professional association",
    "bps": "professional association",
    "nvq": "vocational qualification",
    "msc": "master's degree",
    "ma": "master's degree",
    "bsc": "degree",
    "phd": "doctorate",
    "ipu": "inpatient unit",
}

#: Everyday words in job descriptions mapped to the words the profiles use.
SYNONYMS: dict[str, str] = {
    "service user": "patient client",
    "service users": "patients clients",
    "young people": "clients",
    "young person": "client",
    "newly qualified": "entry level",
    "preceptorship": "entry level",
    "postholder": "",
    "post holder": "",
    "caseload": "patient workload",
    "line manage": "line manager",
    "line manages": "line manager",
    "line management": "line manager",
    "budget holder": "holds budget",
    "art psychotherapy": "arts therapy psychotherapy",
    "art psychotherapist": "arts therapist psychotherapist",
    "art therapy": "arts therapy",
    "art therapist": "arts therapist",
    "music therapy": "arts therapy",
    "music therapist": "arts therapist",
    "dramatherapy": "arts therapy",
    "dramatherapist": "arts therapist",
    "drama therapy": "arts therapy",
    "drama therapist": "arts therapist",
    "dance movement psychotherapy": "arts therapy psychotherapy",
    "dance movement psychotherapist": "arts therapist psychotherapist",
    "arts psychotherapies": "arts therapies psychotherapies",
}

#: Words every job description has, which say nothing about a factor's level.
DOMAIN_STOPWORDS = frozenset(
    {
        "will",
        "also",
        "may",
        "including",
        "within",
        "e",
        "g",
        "job",
        "jobs",
        "post",
        "role",
        "duty",
        "duties",
        "main",
        "key",
        "trust",
        "trusts",
        "nhs",
        "description",
        "responsibilities",
        "purpose",
        "summary",
        "title",
        "band",
        "hours",
        "week",
        "day",
        "days",
        "required",
        "requirements",
        "ensure",
        "ensures",
        "person",
        "specification",
        "essential",
        "desirable",
        "etc",
    }
)

#: The arts therapies' own words: they tell which profession a text is about, not a level.
#: Left out when a sentence is matched to a factor's level wording (kept for profiles).
DISCIPLINE_WORDS = frozenset(
    {
        "art",
        "arts",
        "therapy",
        "therapies",
        "therapist",
        "therapists",
        "psychotherapy",
        "psychotherapies",
        "psychotherapist",
        "psychotherapists",
        "music",
        "drama",
        "dance",
        "movement",
        "form",
        "patient",
        "patients",
        "client",
        "clients",
        "relevant",
    }
)

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SPLITTERS = re.compile(r"[/\-–—_]")


def _phrase_pattern(words: dict[str, str]) -> re.Pattern[str]:
    keys = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![a-z0-9])")


_ABBREV_RE = _phrase_pattern(ABBREVIATIONS)
_SYN_RE = _phrase_pattern(SYNONYMS)


@functools.cache
def _stopwords() -> frozenset[str]:
    from bm25s.tokenization import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | DOMAIN_STOPWORDS


@functools.cache
def _stemmer() -> Callable[[str], str]:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - PyStemmer is a dependency; plain words still work
        return lambda word: word
    stem = Stemmer.Stemmer("english")
    cache: dict[str, str] = {}

    def stem_word(word: str) -> str:
        out = cache.get(word)
        if out is None:
            out = cache[word] = str(stem.stemWord(word))
        return out

    return stem_word


def normalise(text: str) -> str:
    """Lower case, abbreviations spelt out, synonyms mapped, separators as spaces."""
    lowered = text.lower().replace("’", "'")
    lowered = _ABBREV_RE.sub(lambda m: f" {ABBREVIATIONS[m.group(0)]} ", lowered)
    lowered = lowered.replace("&", " and ")
    lowered = _SPLITTERS.sub(" ", lowered)
    return _SYN_RE.sub(lambda m: f" {SYNONYMS[m.group(0)]} ", lowered)


@functools.cache
def _discipline_stems() -> frozenset[str]:
    stem = _stemmer()
    return frozenset(stem(w) for w in DISCIPLINE_WORDS)


def tokens(text: str, discipline: bool = True) -> list[str]:
    """The stemmed content words of a text, in order (repeats kept); without the arts
    therapies' own words when ``discipline`` is false."""
    stop = _stopwords()
    stem = _stemmer()
    out: list[str] = []
    for word in _TOKEN.findall(normalise(text)):
        word = word.removesuffix("'s")
        if len(word) < 2 or word in stop or word.isdigit():
            continue
        out.append(stem(word))
    if not discipline:
        drop = _discipline_stems()
        out = [w for w in out if w not in drop]
    return out
