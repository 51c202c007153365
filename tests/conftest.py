"""Shared test set-up, and the plugin that runs YAML cases.

Every ``tests/cases/*.yaml`` file is a list of cases. Each case is one pytest item named
by its ``name`` sentence, so a failure reads as the rule that broke::

    - name: A job at the lowest level of every factor scores 86 and falls in band 1
      levels: [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]
      expect: {total: 86, band: "1"}

``kind`` (default ``score``) picks the runner from :data:`CASE_KINDS`; a new kind of case
is one function registered with :func:`case_kind`, naming the keys it takes. Unknown keys
fail the case, so a misspelt expectation can never pass silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bandwise.scheme import load_scheme, score, strict_yaml

pytest_plugins = ["pytester"]

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = frozenset({"name", "kind"})  # keys every case may have
DEFAULT_KIND = "score"


class CaseFailure(AssertionError):
    """A case did not hold; the message says what was expected and what came out."""


Runner = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class CaseKind:
    run: Runner
    keys: frozenset[str]  # keys a case of this kind may have, besides name and kind
    required: frozenset[str]


CASE_KINDS: dict[str, CaseKind] = {}


def case_kind(
    name: str, keys: Iterable[str], required: Iterable[str] = ()
) -> Callable[[Runner], Runner]:
    """Register a runner for cases with ``kind: <name>``."""

    def register(run: Runner) -> Runner:
        CASE_KINDS[name] = CaseKind(run, frozenset(keys), frozenset(required))
        return run

    return register


def check_keys(where: str, given: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise CaseFailure(
            f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(sorted(allowed))}"
        )


# ---------------------------------------------------------------- case kinds

SCORE_EXPECT_KEYS = ("total", "band", "above_table", "notes_contain")


@case_kind("score", keys={"levels", "expect"}, required={"levels", "expect"})
def run_score_case(case: dict[str, Any]) -> None:
    levels, expect = case["levels"], case["expect"]
    if not isinstance(levels, list) or not all(type(lv) is int for lv in levels):
        raise CaseFailure(f"levels must be a list of whole numbers, got {levels!r}")
    if not isinstance(expect, dict) or not expect:
        raise CaseFailure(f"expect must name at least one of {', '.join(SCORE_EXPECT_KEYS)}")
    check_keys("expect", expect, SCORE_EXPECT_KEYS)

    result = score(load_scheme(), levels)
    problems: list[str] = []

    def compare(what: str, expected: object, got: object) -> None:
        if expected != got:
            problems.append(f"{what}: expected {expected!r}, got {got!r}")

    if "total" in expect:
        compare("total", expect["total"], result.total)
    if "band" in expect:
        compare("band", str(expect["band"]), result.band.label)
    if "above_table" in expect:
        compare("above_table", expect["above_table"], result.band.above_table)
    wanted = expect.get("notes_contain", [])
    for fragment in [wanted] if isinstance(wanted, str) else wanted:
        if not any(fragment in note for note in result.band.notes):
            problems.append(
                f"notes: expected one containing {fragment!r}, got {result.band.notes!r}"
            )
    if problems:
        band = result.band.label if result.band.above_table else f"band {result.band.label}"
        raise CaseFailure(
            "\n".join([*problems, f"(levels {levels} scored {result.total}: {band})"])
        )


# ---------------------------------------------------------------- collection


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent == CASES_DIR:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[CaseItem]:
        text = self.path.read_text(encoding="utf-8")
        try:
            cases = strict_yaml.loads(text)  # refuses duplicate keys
        except strict_yaml.StrictYamlError as exc:
            raise self.CollectError(f"{self.path.name}: {exc}") from exc
        if not isinstance(cases, list) or not cases:
            raise self.CollectError(f"{self.path.name}: expected a list of cases")
        lines = text.splitlines()
        seen: set[str] = set()
        for i, case in enumerate(cases, start=1):
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise self.CollectError(f"{self.path.name}: case {i} has no 'name' sentence")
            name = " ".join(name.split())
            if name in seen:
                raise self.CollectError(f"{self.path.name}: two cases are named {name!r}")
            if "::" in name:
                raise self.CollectError(f"{self.path.name}: a case name cannot contain '::'")
            seen.add(name)
            line = next((n for n, ln in enumerate(lines) if name in " ".join(ln.split())), 0)
            yield CaseItem.from_parent(self, name=name, case=case, line=line)


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict[str, Any], line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.line = line

    def runtest(self) -> None:
        kind_name = self.case.get("kind", DEFAULT_KIND)
        kind = CASE_KINDS.get(kind_name)
        if kind is None:
            raise CaseFailure(
                f"unknown kind {kind_name!r}; known kinds: {', '.join(sorted(CASE_KINDS))}"
            )
        check_keys("the case", self.case, CASE_KEYS | kind.keys)
        missing = sorted(kind.required - set(self.case))
        if missing:
            raise CaseFailure(f"a {kind_name} case needs {', '.join(missing)}")
        kind.run(self.case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailure):
            return f"{self.path.name}:{self.line + 1}: {self.name}\n{excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line, f"case: {self.name}"
