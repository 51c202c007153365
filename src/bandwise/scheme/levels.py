"""The level-expression grammar of national profiles, and score expressions.

Profiles print the JE level of a factor as, for example, ``5(c)``, ``2(a)(d)- 3(c)``,
``2(a), 4(b)``, ``1–2(a) (b)(c)`` or, in compact sources, ``3ab-4b``. Meaning:

* a hyphen or dash joins a range: every level between the ends is admitted;
* a comma between levels lists alternatives: only those levels;
* letters are options of the level they follow; a comma between letter groups of
  one level (``6(a),(c)``) lists more options;
* in compact forms, a level written straight after another (``3ab4b``) continues
  the range, as if a hyphen stood between them [inference; the published
  convention was not found].

The parse keeps every separator exactly as printed, so ``render()`` gives back the
text character for character, and ``canonical()`` gives one normal spelling.

    expression := group ( "," group )*
    group      := term ( dash term | term )*          # juxtaposition only in compact form
    term       := LEVEL ( paren-options | letters )?
    paren-options := "(" x ")" ( [","]? "(" x ")" )*  # blanks allowed between groups
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import LevelExpressionError

DASHES = "-–—‑"
_WS = " \t\u00a0"
DIGITS = "0123456789"
#: A level number has at most this many digits: levels run 1 to 8, and a longer run of
#: digits is a mistake (or an attack: int() of thousands of digits is refused or slow).
MAX_LEVEL_DIGITS = 3
#: A printed score has at most this many digits (points and totals are below 10,000).
MAX_SCORE_DIGITS = 6


@dataclass(frozen=True, slots=True)
class LevelTerm:
    """One level as printed, with the option letters it names."""

    level: int
    options: tuple[str, ...] = ()
    raw_options: str = ""  # options exactly as printed, e.g. "(a) (b)(c)" or "acd"
    separator: str = ""  # what follows this term as printed: "- ", "– ", ", ", "" (last)


@dataclass(frozen=True, slots=True)
class LevelExpression:
    """A parsed level expression. Terms are in printed order; ``groups`` split on commas.

    ``levels`` is every level the expression admits, ascending.
    """

    terms: tuple[LevelTerm, ...]
    leading: str = ""
    trailing: str = ""
    # derived once: profiles are validated and matched many times over
    levels: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        admitted: set[int] = set()
        for group in self.groups:
            admitted.update(range(group[0].level, group[-1].level + 1))
        object.__setattr__(self, "levels", tuple(sorted(admitted)))

    @property
    def groups(self) -> tuple[tuple[LevelTerm, ...], ...]:
        groups: list[tuple[LevelTerm, ...]] = []
        current: list[LevelTerm] = []
        for term in self.terms:
            current.append(term)
            if term.separator.strip() == ",":
                groups.append(tuple(current))
                current = []
        if current:
            groups.append(tuple(current))
        return tuple(groups)

    @property
    def options(self) -> dict[int, tuple[str, ...]]:
        """Option letters named for each level (levels without letters are absent)."""
        out: dict[int, tuple[str, ...]] = {}
        for term in self.terms:
            if term.options:
                out[term.level] = tuple(dict.fromkeys(out.get(term.level, ()) + term.options))
        return out

    @property
    def is_range(self) -> bool:
        return len(self.levels) > 1

    def render(self) -> str:
        """The expression exactly as printed."""
        body = "".join(f"{t.level}{t.raw_options}{t.separator}" for t in self.terms)
        return f"{self.leading}{body}{self.trailing}"

    def canonical(self, compact: bool = False) -> str:
        """One normal spelling: ``2(a)(d)-3(c)`` (or ``2ad-3c`` when ``compact``)."""
        parts = []
        last = len(self.terms) - 1
        for i, t in enumerate(self.terms):
            opts = "".join(t.options) if compact else "".join(f"({o})" for o in t.options)
            sep = "" if i == last else (", " if t.separator.strip() == "," else "-")
            parts.append(f"{t.level}{opts}{sep}")
        return "".join(parts)

    def __str__(self) -> str:
        return self.render()


_LEVEL = re.compile(r"[0-9]+")  # ASCII only: \d and int() also take "٥" and "５"
_LETTERS = re.compile(r"[a-z]+")
_PAREN_OPT = re.compile(r"[ \t\u00a0]*,?[ \t\u00a0]*\(([a-z])\)")
_SEP = re.compile(rf"[ \t\u00a0]*([,{re.escape(DASHES)}])[ \t\u00a0]*")


def parse_level_expression(text: str) -> LevelExpression:
    """Parse a JE level expression; raise :class:`LevelExpressionError` with the position."""
    n = len(text)
    pos = len(text) - len(text.lstrip(_WS))
    leading = text[:pos]
    end = len(text.rstrip(_WS))
    trailing = text[end:]
    if pos >= end:
        raise LevelExpressionError(text, 0, "empty level expression")
    terms: list[LevelTerm] = []
    starts: list[int] = []
    while True:
        starts.append(pos)
        m = _LEVEL.match(text, pos)
        if not m or m.start() >= end:
            raise LevelExpressionError(text, min(pos, n - 1), _not_a_number(text, pos, "level"))
        level = _number(text, m, MAX_LEVEL_DIGITS, "level")
        if level == 0:
            raise LevelExpressionError(text, pos, "levels start at 1")
        pos = m.end()
        options: list[str] = []
        at: list[int] = []  # where each option letter stands in the text
        opt_start = pos
        lm = _LETTERS.match(text, pos)
        if lm and lm.end() <= end:
            options = list(lm.group())
            at = list(range(lm.start(), lm.end()))
            pos = lm.end()
        else:
            while True:
                om = _PAREN_OPT.match(text, pos)
                if not om or om.end() > end:
                    break
                if "," in text[pos : om.start(1)] and not options:
                    break  # ",(a)" straight after a level number is not an option list
                options.append(om.group(1))
                at.append(om.start(1))
                pos = om.end()
        for i, letter in enumerate(options):
            if letter in options[:i]:
                raise LevelExpressionError(text, at[i], f"option ({letter}) is repeated")
        raw_options = text[opt_start:pos]
        if pos >= end:
            terms.append(LevelTerm(level, tuple(options), raw_options, ""))
            break
        sm = _SEP.match(text, pos)
        if sm and sm.end() < end + 1:
            separator = text[pos : sm.end()]
            if sm.end() >= end:
                raise LevelExpressionError(text, pos, "expression ends with a separator")
            pos = sm.end()
        elif text[pos] in DIGITS and options and not raw_options.endswith(")"):
            separator = ""  # compact juxtaposition: "3ab4b"
        else:
            raise LevelExpressionError(
                text, pos, f"unexpected {text[pos]!r}: expected (a) option, '-', '–' or ','"
            )
        terms.append(LevelTerm(level, tuple(options), raw_options, separator))
    _check_order(text, terms, starts)
    return LevelExpression(tuple(terms), leading, trailing)


def _not_a_number(text: str, pos: int, what: str) -> str:
    """Why no number starts at ``pos``: a digit of another script gets its own message."""
    if pos < len(text) and unicodedata.decimal(text[pos], None) is not None:
        return f"{text[pos]!r} is not one of the digits 0-9, which {what} numbers are written in"
    return f"expected a {what} number"


def _number(text: str, m: re.Match[str], most: int, what: str) -> int:
    digits = m.group()
    if len(digits) > most:
        cut = digits if len(digits) <= 8 else digits[:8] + "…"
        raise LevelExpressionError(
            text,
            m.start(),
            f"{what} {cut} is not a {what} number: it has {len(digits)} digits, at most {most}",
        )
    return int(digits)


def _check_order(text: str, terms: list[LevelTerm], starts: list[int]) -> None:
    for previous, term, start in zip(terms, terms[1:], starts[1:], strict=False):
        if term.level <= previous.level:
            kind = "alternatives" if previous.separator.strip() == "," else "a range"
            raise LevelExpressionError(
                text,
                start,
                f"{kind} must ascend: level {term.level} follows level {previous.level}",
            )


@dataclass(frozen=True, slots=True)
class ScoreExpression:
    """Points as printed in a profile's JE Score column: ``45``, ``7-12``, ``12-21- 32``."""

    text: str
    values: tuple[int, ...]

    def render(self) -> str:
        return self.text


_NUMBER = re.compile(r"[0-9]+")
_SCORE_SEP = re.compile(rf"[ \t\u00a0]*[,{DASHES}][ \t\u00a0]*")


def parse_score_expression(text: str) -> ScoreExpression:
    """Numbers joined by '-', '–' or ','; an error names the first character out of place."""
    end = len(text.rstrip(_WS))
    pos = len(text) - len(text.lstrip(_WS))
    if pos >= end:
        raise LevelExpressionError(text, 0, "empty score expression")
    values: list[int] = []
    while True:
        m = _NUMBER.match(text, pos)
        if not m:
            raise LevelExpressionError(text, pos, _not_a_number(text, pos, "score"))
        values.append(_number(text, m, MAX_SCORE_DIGITS, "score"))
        pos = m.end()
        if pos >= end:
            return ScoreExpression(text, tuple(values))
        sep = _SCORE_SEP.match(text, pos)
        if not sep:
            raise LevelExpressionError(text, pos, "a score is numbers joined by '-' or ','")
        if sep.end() >= end:
            raise LevelExpressionError(text, pos, "score ends with a separator")
        pos = sep.end()


def parse_job_level(text: str) -> tuple[int, tuple[str, ...]]:
    """One level for a job, with any options: ``5``, ``5c``, ``3(a)``, ``6(a)(c)``."""
    expression = parse_level_expression(text)
    if len(expression.terms) != 1:
        raise LevelExpressionError(text, 0, "expected a single level such as 5, 5c or 3(a)")
    term = expression.terms[0]
    return term.level, term.options
