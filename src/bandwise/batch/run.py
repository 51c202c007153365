"""``bandwise match-batch``: match every row of a CSV or XLSX to one profile or its nearest.

Decided rows (one level per factor) go through the vectorised kernel; rows with a
range (``2-3``) go through the exact scalar matcher, because their verdict ranges
over every combination of their candidate levels. A bad row is reported in its
own output row, with ``error`` set, and the run carries on; only a file that
cannot be used at all (unreadable, a required column missing, an output that
cannot be written) stops the run, and then no output is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..errors import BandwiseError, ProfileDataError, UnknownProfileError
from ..profiles.library import Library
from ..profiles.matching import nearest, target_of
from ..scheme.jobs import Job, JobFactor, job_factor
from ..scheme.matching import (
    MATCH_WITH_VARIATION,
    NO_MATCH,
    PROFILE_MATCH,
    UNDECIDED,
    MatchResult,
    Target,
    match,
)
from ..scheme.model import Scheme
from ..scheme.rules import RuleSet
from ..scheme.scoring import ABOVE_TABLE, band_for
from . import kernel
from .io import Cell, InputTable, output_kind, read_rows, write_rows

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

COLUMNS = (
    "job_id",
    "title",
    "profile_id",
    "verdict",
    "total_min",
    "total_max",
    "bands",
    "variations",
    "broken_rules",
    "rule_set",
    "error",
)

_UNDECIDED, _BAD = 0, -1  # level codes besides 1..8 in the parsed level array


@dataclass(frozen=True, slots=True)
class BatchSummary:
    input: Path
    output: Path
    mode: str  # "nearest" or the profile id
    rule_set: str  # id@version
    rows: int
    matched: int  # profile-match
    with_variation: int
    no_match: int
    undecided: int
    errors: int
    seconds: float

    def describe(self) -> str:
        target = "its nearest profile" if self.mode == "nearest" else f"profile {self.mode}"
        return (
            f"Matched {self.rows} row{'s' if self.rows != 1 else ''} of {self.input.name} to "
            f"{target} (rule set {self.rule_set}) in {self.seconds:.2f} s: "
            f"{self.matched} profile-match, {self.with_variation} match-with-variation, "
            f"{self.no_match} no-match, {self.undecided} undecided, "
            f"{self.errors} with errors (see the error column). Wrote {self.output}."
        )


class _Parsed:
    """Each factor's distinct level texts, parsed once: values repeat heavily in a batch."""

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.codes: list[dict[str, int]] = [{} for _ in scheme.factors]
        self.factors: list[dict[str, JobFactor]] = [{} for _ in scheme.factors]
        self.errors: list[dict[str, str]] = [{} for _ in scheme.factors]

    def column(self, number: int, texts: list[str]) -> npt.NDArray[np.int8]:
        codes, factors, errors = (
            self.codes[number - 1],
            self.factors[number - 1],
            self.errors[number - 1],
        )
        for text in set(texts).difference(codes):
            try:
                jf = job_factor(self.scheme, number, text)
            except BandwiseError as exc:
                codes[text] = _BAD
                errors[text] = str(exc)
                continue
            factors[text] = jf
            codes[text] = jf.levels[0] if jf.decided else _UNDECIDED
        return np.fromiter(map(codes.__getitem__, texts), dtype=np.int8, count=len(texts))

    def job(self, texts: list[str]) -> Job:
        return Job(tuple(self.factors[n][t] for n, t in enumerate(texts)))

    def problems(self, texts: list[str]) -> list[str]:
        return [self.errors[n][t] for n, t in enumerate(texts) if t in self.errors[n]]


def _targets(scheme: Scheme, library: Library, profile: str | None) -> list[Target]:
    if profile is not None:
        return [target_of(scheme, library.get(profile))]
    targets = []
    for p in library.profiles:
        try:
            targets.append(target_of(scheme, p))
        except ProfileDataError:
            continue  # as nearest() does: a profile that cannot be matched is skipped
    if not targets:
        raise UnknownProfileError("the library has no profile that can be matched")
    return targets


class _Bar:
    """Progress of the two long stages, matching and writing; silent when not shown."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.tasks: dict[str, TaskID] = {}

    def advance(self, stage: str, n: int) -> None:
        if self.progress is None or not n:
            return
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=self.total)
        self.progress.advance(self.tasks[stage], n)

    def rows(self, rows: Iterable[Sequence[Cell]], every: int = 2000) -> Iterator[Sequence[Cell]]:
        """``rows`` as they are written, counted on the writing bar."""
        done = 0
        for done, row in enumerate(rows, start=1):
            if done % every == 0:
                self.advance("Writing", every)
            yield row
        self.advance("Writing", done % every)


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar(None, total)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), transient=True) as progress:
        yield _Bar(progress, total)


def _bands_text(bands: tuple[str, ...], above: bool) -> str:
    return ";".join((*bands, ABOVE_TABLE) if above else bands)


def _broken_text(result: MatchResult) -> str:
    return ";".join(sorted({b.id for b in result.broken_rules}))


def run_batch(
    scheme: Scheme,
    library: Library,
    rules: RuleSet,
    input_file: Path,
    out: Path,
    profile: str | None,
    progress: bool,
) -> BatchSummary:
    """Match every row of ``input_file`` to ``profile`` (or, when None, to each row's nearest
    profile) and write the results to ``out`` (.csv or .xlsx)."""
    started = time.perf_counter()
    output_kind(out)  # refuse a bad output name before any work
    targets = _targets(scheme, library, profile)
    tables = kernel.ProfileTables.build(scheme, targets, rules)
    table = read_rows(input_file, len(scheme.factors))
    count = len(table)
    rule_set = f"{rules.id}@{rules.version}"

    parsed = _Parsed(scheme)
    codes = np.zeros((count, len(scheme.factors)), dtype=np.int8)
    for n, texts in enumerate(table.levels, start=1):
        codes[:, n - 1] = parsed.column(n, texts)
    bad = (codes == _BAD).any(axis=1)
    bad |= np.array([bool(p) for p in table.problems], dtype=bool)
    bad |= np.array([not j for j in table.job_ids], dtype=bool)
    undecided = (codes == _UNDECIDED).any(axis=1) & ~bad
    decided = np.flatnonzero(~bad & ~undecided)

    cols: dict[str, npt.NDArray[np.object_]] = {
        name: np.full(count, "", dtype=object) for name in COLUMNS
    }
    cols["job_id"][:] = table.job_ids
    cols["title"][:] = table.titles

    with _progress(progress, count) as bar:
        if decided.size:
            best = kernel.best_profiles(
                tables, codes[decided], on_chunk=lambda n: bar.advance("Matching", n)
            )
            _fill_decided(scheme, tables, cols, decided, best, rule_set)
        exact: dict[tuple[tuple[int, ...], ...], MatchResult] = {}
        for i in np.flatnonzero(undecided).tolist():
            job = parsed.job([column[i] for column in table.levels])
            key = job.levels()  # options are kept in the record but never change a match
            if key not in exact:
                exact[key] = _exact(scheme, library, rules, targets[0], profile, job)
            _fill_scalar(cols, i, exact[key], rule_set)
            bar.advance("Matching", 1)
        for i in np.flatnonzero(bad).tolist():
            cols["error"][i] = _row_error(table, parsed, i)
        bar.advance("Matching", int(bad.sum()))
        rows = zip(*(cols[name].tolist() for name in COLUMNS), strict=True)
        write_rows(out, COLUMNS, bar.rows(rows), count=count)
    verdicts = cols["verdict"]
    return BatchSummary(
        input=input_file,
        output=out,
        mode=profile if profile is not None else "nearest",
        rule_set=rule_set,
        rows=count,
        matched=int((verdicts == PROFILE_MATCH).sum()),
        with_variation=int((verdicts == MATCH_WITH_VARIATION).sum()),
        no_match=int((verdicts == NO_MATCH).sum()),
        undecided=int((verdicts == UNDECIDED).sum()),
        errors=int(bad.sum()),
        seconds=time.perf_counter() - started,
    )


def _fill_decided(
    scheme: Scheme,
    tables: kernel.ProfileTables,
    cols: dict[str, npt.NDArray[np.object_]],
    rows: npt.NDArray[np.intp],
    best: kernel.Best,
    rule_set: str,
) -> None:
    ids = np.array(tables.ids, dtype=object)
    verdicts = np.array(kernel.VERDICTS, dtype=object)
    broken = np.array([";".join(kernel.rule_ids(flags)) for flags in range(16)], dtype=object)
    bands = np.array([band_for(scheme, t).label for t in range(scheme.max_total + 1)], dtype=object)
    totals = best.total.astype(object)
    cols["profile_id"][rows] = ids[best.profile]
    cols["verdict"][rows] = verdicts[best.verdict]
    cols["total_min"][rows] = totals
    cols["total_max"][rows] = totals
    cols["bands"][rows] = bands[best.total]
    cols["variations"][rows] = best.variations.astype(object)
    cols["broken_rules"][rows] = broken[best.rules]
    cols["rule_set"][rows] = rule_set


def _exact(
    scheme: Scheme,
    library: Library,
    rules: RuleSet,
    target: Target,
    profile: str | None,
    job: Job,
) -> MatchResult:
    """The scalar matcher's result: exact over every combination of a range's levels."""
    if profile is not None:
        return match(scheme, target, job, rules)
    return nearest(scheme, library, job, rules, top=1)[0].result


def _fill_scalar(
    cols: dict[str, npt.NDArray[np.object_]], i: int, result: MatchResult, rule_set: str
) -> None:
    cols["profile_id"][i] = result.profile_id
    cols["verdict"][i] = result.verdict
    cols["total_min"][i] = result.total[0]
    cols["total_max"][i] = result.total[1]
    cols["bands"][i] = _bands_text(result.bands, result.above_table)
    cols["variations"][i] = result.variations
    cols["broken_rules"][i] = _broken_text(result)
    cols["rule_set"][i] = rule_set


def _row_error(table: InputTable, parsed: _Parsed, i: int) -> str:
    """Everything wrong with row ``i``, prefixed with where it is in the file."""
    if table.problems[i]:
        problems = [table.problems[i]]
    else:
        problems = [] if table.job_ids[i] else ["job_id is empty"]
        problems.extend(parsed.problems([column[i] for column in table.levels]))
    return f"row {table.row_numbers[i]}: " + "; ".join(problems)


__all__ = ["COLUMNS", "BatchSummary", "run_batch"]
