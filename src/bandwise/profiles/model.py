"""National profiles as frozen data: a suite, its profiles, and each profile's factor entries.

What a profile document *states* (level and score as printed, stated total and band)
is kept apart from what bandwise *computes* from the chart, so a discrepancy is
always visible rather than silently corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..scheme.levels import LevelExpression

SEVERITIES = ("error", "warning", "info")

#: Every finding code bandwise reports. A test checks each is documented in
#: docs/data-formats.md; a Finding with any other code is a programming error.
FINDING_CODES = frozenset(
    {
        "above-band-table",
        "band-1-closed",
        "band-below-label",
        "band-mismatch",
        "band-missing",
        "band-unreadable",
        "continued-cell",
        "contents-mismatch",
        "encoding",
        "factor-name-mismatch",
        "factor-order",
        "level-unreadable",
        "malformed-row",
        "missing-factor",
        "more-suites",
        "no-table-on-page",
        "page-order",
        "page-reversed",
        "page-rotated",
        "score-mismatch",
        "score-unreadable",
        "total-agrees-with-levels",
        "total-missing",
        "total-mismatch",
        "total-reversed",
        "unknown-factor",
        "unknown-level",
        "unknown-option",
        "unplaced-text",
        "word-rejoined",
    }
)


@dataclass(frozen=True, slots=True)
class FactorEntry:
    number: int
    name: str  # as printed
    level_text: str  # JE Level as printed, e.g. "2(a)(d)- 3(c)"
    score_text: str  # JE Score as printed, e.g. "7-12"
    level_expression: LevelExpression | None  # None when the level text does not parse
    stated_scores: tuple[int, ...]
    descriptor: str
    example: str
    split_method: str = "none"  # bold | recurrence | sentence-start | page-break | none
    split_confidence: str = "low"  # high | medium | low
    line: int = 0
    continuation_lines: tuple[int, ...] = ()

    @property
    def levels(self) -> tuple[int, ...]:
        return self.level_expression.levels if self.level_expression else ()

    @property
    def options(self) -> dict[int, tuple[str, ...]]:
        return self.level_expression.options if self.level_expression else {}

    @property
    def text(self) -> str:
        """Descriptor and example as one text, exactly as read."""
        return " ".join(p for p in (self.descriptor, self.example) if p)


@dataclass(frozen=True, slots=True)
class Range:
    min: int
    max: int

    def __str__(self) -> str:
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    title: str
    band_label: str  # normal spelling, e.g. "8a-b"; "" when none was read
    bands: tuple[str, ...]
    job_statement: tuple[str, ...]
    stated_total: Range | None
    factors: tuple[FactorEntry, ...]
    band_text: str = ""  # as printed
    marked: bool = False  # title carried the suite's mark (e.g. "*" = new profile)
    line: int = 0
    # withdrawn from the suite (2025-style suites keep them, marked "Archived"): kept for
    # old cases; matching and suggestions leave them out unless asked for
    archived: bool = False

    def factor(self, number: int) -> FactorEntry | None:
        for entry in self.factors:
            if entry.number == number:
                return entry
        return None


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    title: str
    band_text: str
    page: str
    line: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    change: str
    date: str
    notes: str
    line: int


@dataclass(frozen=True, slots=True)
class Suite:
    id: str
    title: str
    source: str  # file name the suite was read from
    profiles: tuple[Profile, ...]
    contents: tuple[ContentsEntry, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    mark_meaning: str = ""  # what the "*" on a title means, from the version history

    def profile(self, profile_id: str) -> Profile | None:
        for p in self.profiles:
            if p.id == profile_id:
                return p
        return None


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # error | warning | info
    code: str
    message: str
    profile: str | None = None
    factor: int | None = None
    stated: str | None = None
    expected: str | None = None
    line: int | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        if self.code not in FINDING_CODES or self.severity not in SEVERITIES:
            raise ValueError(f"unregistered finding {self.severity}/{self.code}")

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "code": self.code,
            "profile": self.profile,
            "factor": self.factor,
            "stated": self.stated,
            "expected": self.expected,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class UnplacedLine:
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What a document reader returns: the suite, what it noticed, and what it could not place."""

    suite: Suite
    findings: tuple[Finding, ...] = ()
    unplaced: tuple[UnplacedLine, ...] = field(default=())
    encoding: str = "utf-8"
    # the other suites the same document holds, in order: a second "National Profiles
    # for ..." title starts a new suite (``bandwise.documents.reader.read_suites``)
    more: tuple[ReadResult, ...] = ()
