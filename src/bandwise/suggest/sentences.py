"""Split a job description into sentences, each a verbatim span of the text.

A job description is prose, bullet lists, numbered duties, tables turned into lines and
semicolon lists. The splitter works on lines first: a line opening with a bullet or a
number starts a new item; a line that carries on the one before (it opens in lower case,
or the line before was long and had no closing punctuation: text wrapped by an editor
or a PDF) joins it. Items are then cut at sentence ends (not after "e.g.", "Dr" and the
like), at bullets inside a line and at semicolons between long enough parts.

Every sentence keeps its ``start`` and ``end`` offsets in the text it came from, and its
``text`` is that span with runs of whitespace (line breaks included) read as one space,
so evidence can always be found again in the job description word for word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(
    r"^[ \t]*(?:[-–—•▪●◦∙·*‣⁃➢►→✓\uf0a7\uf0b7\uf0d8\uf076o][ \t]+"
    r"|\(?\d{1,2}(?:\.\d{1,2})*[.)][ \t]+|\(?[a-zA-Z][.)][ \t]+|\([ivx]{1,4}\)[ \t]+)"
)
_FIELD = re.compile(r"^[ \t]*[A-Z][A-Za-z /&'-]{0,40}:[ \t]+\S")  # "Reports to: ..."
_INLINE_BULLET = re.compile(r"[ \t]+[•▪●◦\uf0a7\uf0b7][ \t]+")
_END = re.compile(r"[.!?][\"')\]’”]*\s+(?=[\"'(\[‘“]?[A-Z0-9])")
_SEMI = re.compile(r";\s+")
_ABBREV = frozenset(
    {"e.g", "i.e", "etc", "eg", "ie", "dr", "mr", "mrs", "ms", "no", "approx", "incl", "vs", "st"}
)
_WORD = re.compile(r"[A-Za-z]{2,}")
MAX_WRAP = 130  # lines longer than this (at the 90th percentile) are paragraphs, not wrapped
WRAP_MIN = 40  # in wrapped text, a line this long (and near the wrap width) may run on
MIN_SEMICOLON_WORDS = 4


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    text: str  # the span with whitespace runs as one space
    start: int  # offsets in the job description's text
    end: int

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


def _lines(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    at = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((at, at + len(body)))
        at += len(line)
    return spans


def _wrap_width(text: str, spans: list[tuple[int, int]]) -> int:
    """The width text was wrapped at, or 0 when its lines are paragraphs (not wrapped)."""
    lengths = sorted(len(text[s:e].rstrip()) for s, e in spans if text[s:e].strip())
    if len(lengths) < 3:
        return 0
    width = lengths[int(0.9 * (len(lengths) - 1))]
    return width if width <= MAX_WRAP else 0


def _items(text: str) -> list[tuple[int, int]]:
    """Bullets, numbered lines and paragraphs (wrapped lines joined) as spans."""
    spans = _lines(text)
    wrap = _wrap_width(text, spans)
    wrapped_from = max(WRAP_MIN, int(0.75 * wrap)) if wrap else 0
    items: list[list[int]] = []
    previous = ""
    for start, end in spans:
        line = text[start:end]
        stripped = line.strip()
        if not stripped:
            previous = ""
            continue
        bullet = _BULLET.match(line)
        first = stripped[0]
        was_wrapped = bool(wrap) and len(previous.rstrip()) >= wrapped_from
        joins = (
            items
            and previous
            and not bullet
            and not _FIELD.match(line)
            and not previous.rstrip().endswith((".", "!", "?", ":"))
            and (first.islower() or was_wrapped or first in ",;)&")
        )
        if joins:
            items[-1][1] = end
        else:
            indent = bullet.end() if bullet else len(line) - len(line.lstrip())
            items.append([start + indent, end])
        previous = line
    return [(s, e) for s, e in items]


def _cut(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    at = start
    for m in pattern.finditer(text, start, end):
        if pattern is _END:
            before = text[at : m.start() + 1].split()
            last = before[-1].rstrip(".!?").lower() if before else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()):
                continue
            out.append((at, m.start() + 1))
        else:
            out.append((at, m.start()))
        at = m.end()
    out.append((at, end))
    return out


def _semicolons(text: str, start: int, end: int) -> list[tuple[int, int]]:
    parts = _cut(text, start, end, _SEMI)
    if len(parts) == 1:
        return parts
    if all(len(_WORD.findall(text[s:e])) >= MIN_SEMICOLON_WORDS for s, e in parts):
        return parts
    return [(start, end)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str, min_words: int = 2) -> list[Sentence]:
    """The job description's sentences in order (each with at least ``min_words`` words)."""
    spans: list[tuple[int, int]] = []
    for item_start, item_end in _items(text):
        for s1, e1 in _cut(text, item_start, item_end, _INLINE_BULLET):
            for s2, e2 in _cut(text, s1, e1, _END):
                spans.extend(_semicolons(text, s2, e2))
    out: list[Sentence] = []
    for s, e in spans:
        s, e = _trim(text, s, e)
        bullet = _BULLET.match(text[s:e])
        if bullet:
            s, e = _trim(text, s + bullet.end(), e)
        body = " ".join(text[s:e].split())
        if len(_WORD.findall(body)) < min_words:
            continue
        out.append(Sentence(len(out), body, s, e))
    return out
