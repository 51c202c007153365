"""Read a national profile document from the text extracted from its PDF.

The layout is rows of tab-separated cells (factor number, factor name, descriptor
and example, JE level, JE score) with a title line, a job statement and a total
line per profile, plus the contents table and the version history. Extraction
damages it in known ways (words split by tabs, band labels split across cells,
pages reversed, cells continued after a page break); the reader repairs what it
can, says so in a finding, and lists every line it could not use as unplaced.
Nothing is silently dropped.

Lines are read as a stream (:func:`read_profile_lines`): only the rows in use are kept,
and the reader stops at the budgets of :mod:`.limits` (lines, characters, unplaced
lines) as it goes, so a huge file of junk ends quickly with one clear error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from ..errors import LevelExpressionError
from ..profiles.ids import slugify, unique_id
from ..profiles.model import (
    ContentsEntry,
    FactorEntry,
    Finding,
    HistoryEntry,
    Profile,
    Range,
    ReadResult,
    Suite,
    UnplacedLine,
)
from ..profiles.validate import band_label_of
from ..scheme.band_labels import normalise_band_text
from ..scheme.levels import parse_level_expression, parse_score_expression
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from .aligned import space_aligned
from .decode import decode, split_lines
from .limits import Budget, ParseLimits
from .lines import BAND, BAND_ALONE, FACTOR_NO, NUMBERED, TOTAL, WS, Line, ordered_lines
from .split import Cell, Split, split_cells
from .words import Vocabulary, join_lines


@dataclass
class _FactorDraft:
    number: int
    name: str
    level_text: str
    score_text: str
    parts: list[str]
    line: int
    continuation_lines: list[int] = field(default_factory=list)
    bold: int | None = None


@dataclass
class _ProfileDraft:
    title: str
    line: int
    marked: bool
    job_statement: list[str] = field(default_factory=list)
    factors: dict[int, _FactorDraft] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    total: Range | None = None
    band_text: str = ""
    archived: bool = False


_ARCHIVED = re.compile(r"\s*[(\[]?\s*\barchived\b\s*[)\]]?\s*[:–—-]?\s*", re.I)


def _archived(title: str) -> tuple[str, bool]:
    """The title without an "Archived" mark ("(Archived)", "Archived: ..."), and whether
    it had one: 2025-style suites keep withdrawn profiles, marked so."""
    cleaned = _ARCHIVED.sub(" ", title).strip()
    return (cleaned, True) if cleaned != title.strip() and cleaned else (title, False)


def _key(title: str) -> str:
    return WS.sub(" ", title).strip().lower()


_DASHES = ("-", "–", "—")


def _continues_level(last: _FactorDraft, level: str, score: str) -> bool:
    """Whether a row with no factor number carries the rest of the last factor's JE level or
    score, cut by a page break ("3(a)-" then "4(b)"): the first part ends in a dash or
    the next part is a bracketed letter."""

    def open_end(before: str, after: str) -> bool:
        return (
            not after
            or not before  # the row's number was all that fitted before the break
            or before.endswith(_DASHES)
            or after.startswith(("(", *_DASHES))
        )

    return open_end(last.level_text, level) and open_end(last.score_text, score)


def _glue(before: str, after: str) -> str:
    """Two parts of a cell as one, as a cell's wrapped lines are joined."""
    return f"{before} {after}".strip()


_HEADER_WORDS = ("level descriptor", "je level", "je score", "factor", "no.")


def _is_table_header(line: Line) -> bool:
    """The factor table's header row, by its words, whatever its columns: "Factor |
    Level descriptor ... | JE Level | JE Score", with or without a "No." column; it is
    repeated at the top of each page the table runs onto."""
    lower = line.flat.lower()
    if FACTOR_NO.match(line.cells[0]) or (TOTAL.search(line.flat) and "je level" not in lower):
        return False
    if not ("level descriptor" in lower or ("je level" in lower and "je score" in lower)):
        return False
    rest = lower
    for word in _HEADER_WORDS:
        rest = rest.replace(word, " ")
    rest = re.sub(r"\b(and|example|job|information|number|fa\w*|\w*tor)\b|[^a-z]", " ", rest)
    if not rest.strip():
        return True
    # the same words with spaces inside them, as a narrow cell breaks them ("N o.", "Scor e")
    rest = re.sub(r"[^a-z]", "", lower)
    for word in ("leveldescriptor", "jelevel", "jescore", "factor", "no", "and", "example"):
        rest = rest.replace(word, "")
    return not re.sub(r"job|information|number", "", rest)


def _title_cell(line: Line, label: str) -> str | None:
    """The text after a row label such as 'Profile Suite and Label', or None."""
    cells = line.cells
    if WS.sub(" ", cells[0]).strip().lower() == label:
        return " ".join(c.strip() for c in cells[1:] if c.strip())
    flat = line.flat
    if flat.lower().startswith(label):
        return flat[len(label) :].strip()
    return None


class _Reader:
    def __init__(self, source: str, scheme: Scheme, budget: Budget | None = None) -> None:
        self.source = source
        self.vocabulary: Vocabulary | None = None  # rejoins words broken across a page
        self.scheme = scheme
        self.budget = budget
        self.findings: list[Finding] = []
        self.unplaced: list[UnplacedLine] = []
        self.title = ""
        self.contents: list[ContentsEntry] = []
        self.history: list[HistoryEntry] = []
        self.profiles: list[_ProfileDraft] = []
        self._state = "start"
        self.last_table = ""  # contents or history, the last front-matter table read
        self.rows_in_state = 0

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        """Entering a state starts its row count; blank lines end a table only after a row."""
        if self._state in ("contents", "history"):
            self.last_table = self._state
        self._state, self.rows_in_state = value, 0

    # -- findings -------------------------------------------------------
    def find(
        self,
        severity: str,
        code: str,
        message: str,
        line: int | None = None,
        factor: int | None = None,
        stated: str | None = None,
        expected: str | None = None,
    ) -> None:
        profile = None  # named by line in _attach_profiles
        self.findings.append(
            Finding(severity, code, message, profile, factor, stated, expected, line, self.source)
        )

    def unplace(self, line: Line, why: str) -> None:
        if self.budget is not None:
            self.budget.add_unplaced()
        self.unplaced.append(UnplacedLine(line.no, line.text))
        self.find("warning", "unplaced-text", f"Line {line.no} was not used: {why}.", line.no)

    # -- the state machine ----------------------------------------------
    def feed(self, line: Line) -> None:
        if line.blank:
            if self.state in ("contents", "history", "job-statement") and self.rows_in_state:
                self.state = "between"
            return
        if self._structural(line):
            return
        handler = {
            "contents": self._contents_row,
            "history": self._history_row,
            "job-statement": self._job_statement_more,
            "factors": self._factors_other,
        }.get(self.state)
        if handler and handler(line):
            self.rows_in_state += 1
            return
        if self.state == "between" and self._table_resumes(line):
            return
        if self.state == "start" and not self.title:
            self.title = line.flat
            self.state = "between"
            return
        self.unplace(line, "it is not part of any profile row the reader knows")

    def _structural(self, line: Line) -> bool:
        flat_lower = line.flat.lower()
        title = _title_cell(line, "profile suite and label")
        if title is not None:
            title, archived = _archived(title)
            marked = title.endswith("*")
            draft = _ProfileDraft(title.rstrip("*").strip(), line.no, marked, archived=archived)
            self.profiles.append(draft)
            self.state = "profile"
            return True
        if not self.profiles and flat_lower == "contents":
            self.state = "contents"
            return True
        if flat_lower.startswith("version history"):
            self.state = "history"
            return True
        statement = _title_cell(line, "job statement")
        if statement is not None and self.profiles:
            self.state = "job-statement"
            if statement:
                self._add_statement(statement)
            return True
        if _is_table_header(line):
            if self.profiles:
                self.state = "factors"
            return True
        if "profiles" in _key(self.title) and _key(line.flat) == _key(self.title):
            return True  # the suite title ("National Profiles for ...") as a page header
        if TOTAL.search(line.flat) and self.profiles and self.state in ("factors", "profile"):
            self._total_line(line)
            return True
        if FACTOR_NO.match(line.cells[0]) and len(line.cells) >= 3 and self.profiles:
            self.state = "factors"
            self._factor_row(line)
            return True
        return False

    # -- contents and version history -----------------------------------
    def _table_resumes(self, line: Line) -> bool:
        """A contents or history row after a blank line (text laid out by position puts
        blank lines between rows): still that table's row, until a profile starts."""
        if self.profiles or not self.last_table:
            return False
        if self.last_table == "history":
            return self._history_row(line)
        return self._contents_row(line)

    def _contents_row(self, line: Line) -> bool:
        cells = [c.strip() for c in line.cells if c.strip()]
        if [c.lower() for c in cells][:1] == ["profile title"]:
            return True  # the table's header row
        if len(cells) == 3 and cells[2].isdigit():
            self.contents.append(ContentsEntry(cells[0], cells[1], cells[2], line.no))
            return True
        return False

    def _history_row(self, line: Line) -> bool:
        cells = [c.strip() for c in line.cells]
        if {c.lower() for c in cells if c} == {"date", "notes"}:
            return True
        filled = [c for c in cells if c]
        if len(filled) == 3:
            self.history.append(HistoryEntry(filled[0], filled[1], filled[2], line.no))
            return True
        if len(filled) == 1 and cells[-1] and len(cells) >= 3 and self.history:
            last = self.history[-1]  # its notes continued after a page break
            self.history[-1] = replace(last, notes=f"{last.notes} {cells[-1]}")
            return True
        return False

    # -- profile parts ----------------------------------------------------
    def _add_statement(self, text: str) -> None:
        from .statements import split_statement

        self.profiles[-1].job_statement.extend(split_statement(NUMBERED.sub("", text.strip())))

    def _job_statement_more(self, line: Line) -> bool:
        cells = line.cells
        if cells[0].strip() or not any(c.strip() for c in cells[1:]):
            return False
        self._add_statement(" ".join(c.strip() for c in cells[1:] if c.strip()))
        return True

    def _factor_row(self, line: Line) -> None:
        cells = line.cells
        number = int(FACTOR_NO.match(cells[0]).group(1))  # type: ignore[union-attr]
        profile = self.profiles[-1]
        rest = [c.strip() for c in cells[2:]]
        while rest and not rest[-1]:
            rest.pop()
        if len(rest) >= 3:
            text, level, score = " ".join(c for c in rest[:-2] if c), rest[-2], rest[-1]
        else:
            text = rest[0] if rest else ""
            level = rest[1] if len(rest) > 1 else ""
            score = ""
            self.find(
                "error",
                "malformed-row",
                f"Factor {number} on line {line.no} should have descriptor, JE level and JE "
                f"score cells; found {len(rest)} cell(s) after the factor name.",
                line.no,
                number,
            )
        if number in profile.factors:
            self.unplace(line, f"factor {number} appears twice in profile '{profile.title}'")
            return
        bold = line.bold if line.bold is not None and len(rest) >= 3 and rest[0] == text else None
        profile.factors[number] = _FactorDraft(
            number,
            cells[1].strip() if len(cells) > 1 else "",
            level,
            score,
            [text],
            line.no,
            bold=bold,
        )
        profile.order.append(number)

    def _factors_other(self, line: Line) -> bool:
        cells = line.cells
        profile = self.profiles[-1]
        if cells[0].strip() or len(cells) < 3 or not profile.order:
            band = BAND_ALONE.match(line.flat)
            if band and profile.total and not profile.band_text:
                profile.band_text = band.group(1)
                return True
            return False
        last = profile.factors[profile.order[-1]]
        name, text = cells[1].strip(), cells[2].strip()
        level, score = [*cells[3:5], "", ""][:2]
        if any(c.strip() for c in cells[5:]) or not (text or level.strip() or score.strip()):
            return False
        if level.strip() or score.strip():
            if not _continues_level(last, level.strip(), score.strip()):
                return False
            last.level_text = _glue(last.level_text, level.strip())
            last.score_text = _glue(last.score_text, score.strip())
        if name:
            last.name = self._joined(last.name, name, line.no, last.number)
        if text:
            self._continue_text(last, text, line.bold, line.no)
        last.continuation_lines.append(line.no)
        self.find(
            "info",
            "continued-cell",
            f"Line {line.no} has no factor number; read as the continuation of factor "
            f"{last.number} (line {last.line}) after a page break.",
            line.no,
            last.number,
        )
        return True

    def _continue_text(self, last: _FactorDraft, text: str, bold: int | None, no: int) -> None:
        """A descriptor cell continued after a page break: the level descriptor itself when
        the part before the break was all bold and the part after opens bold, else the
        example (a part of its own, for the split)."""
        main = last.parts[0]
        if len(last.parts) == 1 and main and last.bold == len(main) and bold:
            joined = self._joined(main, text, no, last.number)
            last.parts[0] = joined
            last.bold = len(joined) - len(text) + bold
            return
        joined = self._joined(last.parts[-1], text, no, last.number)
        if joined != f"{last.parts[-1]} {text}":  # a word broken by the page break
            last.parts[-1] = joined
        else:
            last.parts.append(text)

    def _joined(
        self, before: str, after: str, no: int | None = None, factor: int | None = None
    ) -> str:
        """Two parts of a cell as one text, a word broken between them rejoined (said at
        the continuation's line ``no``, on its ``factor``)."""
        if not before:
            return after
        head, _, tail = before.rpartition(" ")
        first, _, rest = after.partition(" ")
        word = self.vocabulary.joined(tail, first) if self.vocabulary else None
        if word is None:
            return f"{before} {after}"
        self.find("info", "word-rejoined", f"'{tail} {first}' read as '{word}'.", no, factor)
        return " ".join(p for p in (head, word, rest) if p)

    def _total_line(self, line: Line) -> None:
        profile = self.profiles[-1]
        flat = line.flat
        m = TOTAL.search(flat)
        assert m is not None
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        if profile.total is not None:
            self.unplace(line, f"a second total line for profile '{profile.title}'")
            return
        profile.total = Range(min(low, high), max(low, high))
        if high < low:
            self.find(
                "warning",
                "total-reversed",
                f"The stated total {low}-{high} is written high to low.",
                line.no,
                stated=f"{low}-{high}",
                expected=f"{high}-{low}",
            )
        rest = flat[: m.start()] + " " + flat[m.end() :]
        band = BAND.search(rest)
        if band:
            profile.band_text = band.group(1).strip()
            leftover = (rest[: band.start()] + rest[band.end() :]).strip()
        else:
            leftover = rest.strip()
            alone = [c.strip() for c in line.cells if BAND_ALONE.match(c)]
            if alone:
                profile.band_text = alone[-1]
                leftover = leftover.replace(alone[-1], "", 1).strip()
        if (
            leftover
            and profile.band_text
            and (normalise_band_text(leftover) == normalise_band_text(profile.band_text))
        ):
            leftover = ""  # the label repeated in a later cell, e.g. "Band 8c-d ... 8c-d"
        if leftover:
            self.find(
                "warning",
                "unplaced-text",
                f"Line {line.no}: text {leftover!r} beside the total was not understood.",
                line.no,
            )

    # -- finishing --------------------------------------------------------
    def finish(self, suite_id: str | None) -> Suite:
        drafts = [f for p in self.profiles for f in (p.factors[n] for n in p.order)]
        splits = split_cells([Cell(f.number, tuple(f.parts), f.bold) for f in drafts])
        split_of = {id(f): s for f, s in zip(drafts, splits, strict=True)}
        used: set[str] = set()
        ids = [unique_id(slugify(name), used) for name in self._id_names()]
        self._attach_profiles(ids)
        profiles = []
        # the mark may be printed only on the contents entry, not on the profile's own title
        starred = {_key(c.title.rstrip("* ")) for c in self.contents if c.title.endswith("*")}
        withdrawn = {_key(t) for t, gone in (_archived(c.title) for c in self.contents) if gone}
        for pid, draft in zip(ids, self.profiles, strict=True):
            entries = [
                self._entry(pid, draft.factors[n], split_of[id(draft.factors[n])])
                for n in sorted(draft.factors)
            ]
            label = band_label_of(self.scheme, draft.band_text)
            profiles.append(
                Profile(
                    id=pid,
                    title=draft.title,
                    band_label=label.label if label else "",
                    bands=label.bands if label else (),
                    job_statement=tuple(draft.job_statement),
                    stated_total=draft.total,
                    factors=tuple(entries),
                    band_text=draft.band_text,
                    marked=draft.marked or _key(draft.title) in starred,
                    line=draft.line,
                    archived=draft.archived or _key(draft.title) in withdrawn,
                )
            )
            if draft.order != sorted(draft.order):
                self.findings.append(
                    Finding(
                        "info",
                        "factor-order",
                        f"Factors of '{draft.title}' are not in order in the document "
                        f"({', '.join(map(str, draft.order))}); read in factor order.",
                        pid,
                        None,
                        None,
                        None,
                        draft.line,
                        self.source,
                    )
                )
        mark = next(
            (f"{h.change}, {h.date}: {h.notes}" for h in self.history if "*" in h.notes), ""
        )
        title = self.title or "Untitled profile suite"
        sid = suite_id or slugify(re.sub(r"(?i)^national\s+profiles\s+for\s+", "", title))
        return Suite(
            sid,
            title,
            self.source,
            tuple(profiles),
            tuple(self.contents),
            tuple(self.history),
            mark,
        )

    def _id_names(self) -> list[str]:
        """What each profile's id is made from: its title, and its band label too when
        another profile has the same title ("Midwife" 6i and 6ii of a 2025-style suite),
        and "archived" for an archived one, so ids do not depend on the profiles' order."""
        titles = [_key(d.title) for d in self.profiles]
        return [
            " ".join((d.title, normalise_band_text(d.band_text), "archived" if d.archived else ""))
            if titles.count(_key(d.title)) > 1
            else d.title
            for d in self.profiles
        ]

    def _attach_profiles(self, ids: list[str]) -> None:
        """Name each finding's profile by id, by the line it was made at."""
        starts = [p.line for p in self.profiles]
        for i, f in enumerate(self.findings):
            if f.line is not None:
                owner = [pid for start, pid in zip(starts, ids, strict=True) if start <= f.line]
                self.findings[i] = replace(f, profile=owner[-1] if owner else None)

    def _entry(self, pid: str, f: _FactorDraft, split: Split) -> FactorEntry:
        expression = None
        scores: tuple[int, ...] = ()
        try:
            expression = parse_level_expression(f.level_text)
        except LevelExpressionError as exc:
            self.findings.append(
                Finding(
                    "error",
                    "level-unreadable",
                    f"JE level of factor {f.number}: {exc}",
                    pid,
                    f.number,
                    f.level_text,
                    None,
                    f.line,
                    self.source,
                )
            )
        try:
            # an empty score is already a malformed-row finding
            scores = parse_score_expression(f.score_text).values if f.score_text else ()
        except LevelExpressionError as exc:
            self.findings.append(
                Finding(
                    "error",
                    "score-unreadable",
                    f"JE score of factor {f.number}: {exc}",
                    pid,
                    f.number,
                    f.score_text,
                    None,
                    f.line,
                    self.source,
                )
            )
        return FactorEntry(
            number=f.number,
            name=f.name,
            level_text=f.level_text,
            score_text=f.score_text,
            level_expression=expression,
            stated_scores=scores,
            descriptor=split.descriptor,
            example=split.example,
            split_method=split.method,
            split_confidence=split.confidence,
            line=f.line,
            continuation_lines=tuple(f.continuation_lines),
        )


_SUITE_TITLE = re.compile(r"(?i)^\s*national\s+profiles\s+for\s+\S")


class _Suites:
    """The readers of a document, one per suite: a suite title ("National Profiles for
    ...") other than the current suite's, once that suite has profiles, starts the next."""

    def __init__(self, first: _Reader) -> None:
        self.readers = [first]
        self.starts = [0]

    @property
    def current(self) -> _Reader:
        return self.readers[-1]

    def feed(self, line: Line) -> None:
        reader = self.current
        if (
            reader.profiles
            and _SUITE_TITLE.match(line.flat)
            and _key(line.flat) != _key(reader.title)
        ):
            nxt = _Reader(reader.source, reader.scheme, reader.budget)
            nxt.vocabulary = reader.vocabulary
            nxt.title, nxt.state = line.flat, "between"
            self.readers.append(nxt)
            self.starts.append(line.no)
            return
        reader.feed(line)

    def at(self, line: int) -> _Reader:
        """The reader of the suite that holds ``line``."""
        return self.readers[max(k for k, s in enumerate(self.starts) if s <= line)]

    def finish(self, suite_id: str | None, encoding: str) -> ReadResult:
        """The first suite's result, carrying the others (``more``). ``suite_id`` names
        the first suite only; the others take theirs from their titles."""
        results = [
            ReadResult(
                r.finish(suite_id if k == 0 else None),
                tuple(r.findings),
                tuple(r.unplaced),
                encoding,
            )
            for k, r in enumerate(self.readers)
        ]
        return replace(results[0], more=tuple(results[1:]))


def read_profile_text(
    data: bytes | str,
    source: str = "<text>",
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    limits: ParseLimits | None = None,
) -> ReadResult:
    """Read a profile document's extracted text. Never raises for what is inside the text,
    only :class:`~bandwise.errors.DocumentTooComplex` past the ``limits``."""
    text, encoding = decode(data)
    return read_profile_lines(
        split_lines(text), source, suite_id, scheme, encoding, Budget(source, limits)
    )


def read_profile_lines(
    lines: Iterable[str],
    source: str = "<text>",
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    encoding: str = "utf-8",
    budget: Budget | None = None,
) -> ReadResult:
    """Read a profile document's extracted text given as lines (without their line ends),
    one at a time: what is not in use is not kept. ``encoding`` is the one they were
    decoded with; ``budget`` stops the reading at the limits (the environment's when
    None)."""
    budget = budget or Budget(source)
    reader = _Reader(source, scheme or load_scheme(), budget)
    if encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        reader.find(
            "warning",
            "encoding",
            f"The file is not UTF-8; it was read as {encoding}. Check dashes and accented letters.",
        )
    order_findings: list[Finding] = []
    reader.vocabulary = Vocabulary(reader.scheme)
    repairs: list[tuple[int, str]] = []
    aligned = space_aligned(_counted(lines, budget), reader.vocabulary, repairs)
    suites = _Suites(reader)
    for line in ordered_lines(aligned, source, order_findings):
        suites.feed(Line(line.no, line.text.replace("\f", "")) if "\f" in line.text else line)
    for no, pair in repairs:
        word = pair.replace(" ", "")
        suites.at(no).find("info", "word-rejoined", f"'{pair}' read as '{word}'.", no)
    reader.findings[:0] = order_findings  # reading-order findings come first, as they apply
    return suites.finish(suite_id, encoding)


def _counted(lines: Iterable[str], budget: Budget) -> Iterator[Line]:
    for no, text in enumerate(lines, start=1):
        budget.add_line()
        budget.add_chars(len(text))
        yield Line(no, text)


@dataclass(frozen=True, slots=True)
class TableRow:
    """One table row from a PDF or Word document, for :func:`read_profile_rows`.

    ``bold`` is the bold text opening the descriptor cell when the document marks it
    (the level descriptor is bold, the example job information plain).
    """

    cells: tuple[str, ...]
    bold: str | None = None


_OPEN_BRACKET = re.compile(r"\(\s+")
_CLOSE_BRACKET = re.compile(r"\s+\)")


def _clean(cell: str) -> str:
    return " ".join(cell.split())


def _bold_length(text: str, bold: str) -> int | None:
    """How much of ``text`` the bold text opening its cell covers, counted by its
    characters other than spaces (a rejoined word has lost a space)."""
    wanted = bold.replace(" ", "").replace("\n", "")
    if not wanted:
        return None
    seen = 0
    for end, ch in enumerate(text, start=1):
        if ch != " ":
            seen += 1
        if seen == len(wanted):
            return end if text[:end].replace(" ", "") == wanted else None
    return None


def read_profile_rows(
    rows: Iterable[TableRow | None],
    source: str,
    suite_id: str | None = None,
    scheme: Scheme | None = None,
    findings: Iterable[Finding] = (),
    budget: Budget | None = None,
) -> ReadResult:
    """Read profiles from table rows (``None`` marks a page break), with the same rules,
    findings and unplaced-row guarantee as the text reader. ``line`` numbers are row numbers;
    ``budget`` (the extraction's) also bounds the rows that are not profile rows."""
    scheme = scheme or load_scheme()
    reader = _Reader(source, scheme, budget)
    reader.findings.extend(findings)
    rows = list(rows)
    reader.vocabulary = Vocabulary(scheme)
    reader.vocabulary.see(
        line for row in rows if row is not None for cell in row.cells for line in cell.split("\n")
    )
    suites = _Suites(reader)
    for no, row in enumerate(rows, start=1):
        reader = suites.current
        if row is None:
            suites.feed(Line(no, ""))
            continue
        cells = []
        for k, cell in enumerate(row.cells):
            if "\n" in cell:
                text, repaired = join_lines(cell.split("\n"), reader.vocabulary)
                for pair in repaired:
                    word = pair.replace(" ", "")
                    reader.find("info", "word-rejoined", f"'{pair}' read as '{word}'.", no)
                if k >= 3:  # a JE level or score wrapped inside its brackets: "3(" / "a)"
                    text = _OPEN_BRACKET.sub("(", _CLOSE_BRACKET.sub(")", text))
                cells.append(text)
            else:
                cells.append(_clean(cell))
        bold = _bold_length(cells[2], row.bold) if row.bold and len(cells) > 2 else None
        suites.feed(Line(no, "\t".join(cells), bold))
    return suites.finish(suite_id, "utf-8")
