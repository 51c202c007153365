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

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bandwise.scheme import load_scheme, score, strict_yaml

pytest_plugins = ["pytester", "dbfixtures", "pagekit"]

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


@pytest.fixture(autouse=True)
def _own_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the user's profile library (``~/.local/share/bandwise``):
    a suite saved there would change what ``bandwise profiles`` shows. Subprocesses
    inherit the variable."""
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path_factory.mktemp("bandwise-data")))


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


# ---------------------------------------------------------------- match and evaluate kinds
#
# ``match`` and ``evaluate`` cases give a job's 16 levels as texts or numbers ("5", 5, "3(a)",
# or a range "2-3"), and may override settings of the default rule set (``rules``), e.g.
# ``rules: {max_varied_factors: 2, protected_factors: [2]}``.

RULE_SETTINGS = (
    "max_levels_per_variation",
    "max_varied_factors",
    "protected_factors",
    "total_within_profile_bands",
    "hybrid_max_failed_factors",
    "boundary_margin",
)
MATCH_EXPECT_KEYS = (
    "verdict",
    "verdicts",
    "variations",
    "total",
    "bands",
    "broken_rules",
    "factors",
    "next_steps",
    "hybrid_allowed",
    "deciding_factors",
    "nearest_profiles",
    "messages_contain",
)
EVALUATE_EXPECT_KEYS = (
    "total",
    "bands",
    "boundary",
    "to_band_below",
    "to_band_above",
    "nearer",
    "within_margin",
    "sensitivity_up_first",
    "sensitivity_down_first",
    "deciding_factors",
    "notes_contain",
)
CHANGE_KEYS = ("factor", "to_level", "new_total", "new_band")


def case_rules(overrides: object) -> Any:
    """The default rule set with the case's setting overrides applied."""
    from dataclasses import replace

    from bandwise.scheme.rules import default_rule_set

    if overrides is None:
        return default_rule_set()
    if not isinstance(overrides, dict) or not overrides:
        raise CaseFailure(f"rules must map settings to values, got {overrides!r}")
    check_keys("rules", overrides, RULE_SETTINGS)
    values = dict(overrides)
    if "protected_factors" in values:
        values["protected_factors"] = frozenset(values["protected_factors"])
    return replace(default_rule_set(), **values)


def case_job(levels: object) -> Any:
    from bandwise.scheme.jobs import parse_job

    if not isinstance(levels, list) or not all(type(lv) in (int, str) for lv in levels):
        raise CaseFailure(f"levels must be a list of level texts or numbers, got {levels!r}")
    return parse_job(load_scheme(), [str(lv) for lv in levels])


def span(values: object) -> tuple[int, int]:
    """A total as the case gives it: one number, or [lowest, highest]."""
    if isinstance(values, int):
        return values, values
    if isinstance(values, list) and len(values) == 2:
        return values[0], values[1]
    raise CaseFailure(f"a total is a number or [lowest, highest], got {values!r}")


class Problems:
    """Collects every difference so one failing case shows them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def compare(self, what: str, expected: object, got: object) -> None:
        if expected != got:
            self.items.append(f"{what}: expected {expected!r}, got {got!r}")

    def raise_if_any(self, context: str) -> None:
        if self.items:
            raise CaseFailure("\n".join([*self.items, context]))


@case_kind(
    "match",
    keys={"profile", "levels", "hybrid", "rules", "expect"},
    required={"profile", "levels", "expect"},
)
def run_match_case(case: dict[str, Any]) -> None:
    """Expectations: ``factors`` gives the outcome of factors by number (``match``,
    ``variation``, ``mismatch``, or e.g. ``match/variation`` when a range leaves it open);
    every factor it does not list must be a ``match``. ``broken_rules`` and ``next_steps``
    are the ids and kinds in order; ``hybrid_allowed`` is whether hybrid
    matching/evaluation is allowed (asked for, or offered as a next step)."""
    from bandwise.profiles.library import builtin_library
    from bandwise.profiles.matching import match_profile

    expect = case["expect"]
    if not isinstance(expect, dict) or not expect:
        raise CaseFailure(f"expect must name at least one of {', '.join(MATCH_EXPECT_KEYS)}")
    check_keys("expect", expect, MATCH_EXPECT_KEYS)
    hybrid = case.get("hybrid", False)
    if not isinstance(hybrid, bool):
        raise CaseFailure(f"hybrid must be true or false, got {hybrid!r}")
    scheme = load_scheme()
    rules = case_rules(case.get("rules"))
    job = case_job(case["levels"])
    r = match_profile(scheme, builtin_library(), case["profile"], job, rules, hybrid=hybrid)

    p = Problems()
    if "verdict" in expect:
        p.compare("verdict", expect["verdict"], r.verdict)
    if "verdicts" in expect:
        p.compare("verdicts", list(expect["verdicts"]), list(r.verdicts))
    if "variations" in expect:
        p.compare("variations", expect["variations"], r.variations)
    if "total" in expect:
        p.compare("total", span(expect["total"]), r.total)
    if "bands" in expect:
        p.compare("bands", [str(b) for b in expect["bands"]], list(r.bands))
    if "broken_rules" in expect:
        p.compare("broken rules", list(expect["broken_rules"]), [b.id for b in r.broken_rules])
    if "factors" in expect:
        wanted = {int(k): v for k, v in (expect["factors"] or {}).items()}
        for c in r.factors:
            got = c.outcome if len(c.outcomes) == 1 else "/".join(c.outcomes)
            p.compare(f"factor {c.number}", wanted.get(c.number, "match"), got)
    if "next_steps" in expect:
        p.compare("next steps", list(expect["next_steps"]), [s.kind for s in r.next_steps])
    if "hybrid_allowed" in expect:
        allowed = (
            r.hybrid.allowed
            if r.hybrid is not None
            else any(s.kind == "hybrid" for s in r.next_steps)
        )
        p.compare("hybrid allowed", expect["hybrid_allowed"], allowed)
    if "deciding_factors" in expect:
        p.compare("deciding factors", list(expect["deciding_factors"]), list(r.deciding_factors))
    if "nearest_profiles" in expect:
        named = [list(s.profiles) for s in r.next_steps if s.kind == "nearest-profiles"]
        p.compare("nearest profiles", [list(expect["nearest_profiles"])], named)
    wanted_msgs = expect.get("messages_contain", [])
    messages = [b.message for b in r.broken_rules]
    for fragment in [wanted_msgs] if isinstance(wanted_msgs, str) else wanted_msgs:
        if not any(fragment in m for m in messages):
            p.items.append(f"broken-rule messages: none contains {fragment!r}: {messages!r}")
    p.raise_if_any(
        f"(job {case['levels']} against {case['profile']}: {r.verdict}, total {r.total}, "
        f"broken {[b.id for b in r.broken_rules]}, "
        f"outcomes {[(c.number, c.outcome) for c in r.factors if c.outcome != 'match']})"
    )


def _change_matches(p: Problems, what: str, expected: object, changes: tuple[Any, ...]) -> None:
    if expected is None:
        p.compare(what, None, changes[0] if changes else None)
        return
    if not isinstance(expected, dict) or not {"factor", "to_level"} <= set(expected):
        raise CaseFailure(f"{what} must give factor and to_level (or be null), got {expected!r}")
    check_keys(what, expected, CHANGE_KEYS)
    if not changes:
        p.items.append(f"{what}: expected {expected!r}, got no change")
        return
    first = changes[0]
    got = {
        "factor": first.number,
        "to_level": first.to_level,
        "new_total": first.new_total,
        "new_band": first.new_band,
    }
    p.compare(
        what,
        {k: str(v) if k == "new_band" else v for k, v in expected.items()},
        {k: got[k] for k in expected},
    )


@case_kind("evaluate", keys={"levels", "rules", "expect"}, required={"levels", "expect"})
def run_evaluate_case(case: dict[str, Any]) -> None:
    """Expectations: ``boundary: null`` when the job is undecided; ``to_band_below`` etc. are
    the boundary fields; ``sensitivity_up_first`` / ``_down_first`` the first (smallest)
    change as {factor, to_level[, new_total, new_band]}, or null when no single factor
    change moves the band that way."""
    from bandwise.scheme.evaluation import evaluate

    expect = case["expect"]
    if not isinstance(expect, dict) or not expect:
        raise CaseFailure(f"expect must name at least one of {', '.join(EVALUATE_EXPECT_KEYS)}")
    check_keys("expect", expect, EVALUATE_EXPECT_KEYS)
    ev = evaluate(load_scheme(), case_job(case["levels"]), case_rules(case.get("rules")))

    p = Problems()
    if "total" in expect:
        p.compare("total", span(expect["total"]), ev.total)
    if "bands" in expect:
        p.compare("bands", [str(b) for b in expect["bands"]], list(ev.band_labels))
    if "boundary" in expect:
        if expect["boundary"] is not None:
            raise CaseFailure("boundary can only be null (give the boundary fields instead)")
        p.compare("boundary", None, ev.boundary)
    b = ev.boundary
    for key in ("to_band_below", "to_band_above", "nearer", "within_margin"):
        if key in expect:
            if b is None:
                p.items.append(f"{key}: expected {expect[key]!r}, but there is no boundary")
            else:
                p.compare(key, expect[key], getattr(b, key))
    for key, attr in (("sensitivity_up_first", "up"), ("sensitivity_down_first", "down")):
        if key in expect:
            if ev.sensitivity is None:
                p.items.append(f"{key}: expected {expect[key]!r}, but there is no sensitivity")
            else:
                _change_matches(p, key, expect[key], getattr(ev.sensitivity, attr))
    if "deciding_factors" in expect:
        p.compare("deciding factors", list(expect["deciding_factors"]), list(ev.deciding_factors))
    wanted = expect.get("notes_contain", [])
    for fragment in [wanted] if isinstance(wanted, str) else wanted:
        if not any(fragment in note for note in ev.notes):
            p.items.append(f"notes: expected one containing {fragment!r}, got {ev.notes!r}")
    p.raise_if_any(
        f"(levels {case['levels']} evaluated {ev.total}: bands {list(ev.band_labels)}, "
        f"boundary {b})"
    )


# ---------------------------------------------------------------- workflow kind
#
# ``workflow`` cases (tests/cases/workflow.yaml) ask the case workflow table
# (bandwise.workflow) whether a role may take an action on a case in a status: ``case``
# gives the case's facts (``status`` or several ``statuses``, ``kind``, ``notified_on``,
# ``open_review``, and for the check ``panel``, ``recorded_by``, ``decided_by``), ``who``
# the actor (``role`` or several ``roles``, ``user_id``); ``expect`` says ``allowed``,
# the ``next`` status (with the check's ``choice``), the refusal's ``reason`` (a fragment)
# and ``field``, or, without an action, the ``actions`` the case allows whoever asks.

WORKFLOW_FACTS = (
    "status",
    "statuses",
    "kind",
    "id",
    "notified_on",
    "open_review",
    "panel",
    "recorded_by",
    "decided_by",
)
WORKFLOW_EXPECT = ("allowed", "next", "reason", "field", "actions")


@case_kind(
    "workflow", keys={"case", "who", "action", "choice", "expect"}, required={"case", "expect"}
)
def run_workflow_case(case: dict[str, Any]) -> None:
    from bandwise import workflow

    facts, expect = case["case"], case["expect"]
    check_keys("case", facts, WORKFLOW_FACTS)
    check_keys("expect", expect, WORKFLOW_EXPECT)
    who = case.get("who") or {}
    check_keys("who", who, ("role", "roles", "user_id", "checker"))
    statuses = facts.get("statuses") or [facts.get("status")]
    roles = who.get("roles") or [who.get("role")]
    problems = []
    for status in statuses:
        if status not in workflow.STATUSES:
            raise CaseFailure(f"unknown status {status!r}; statuses: {workflow.STATUSES}")
        notified = facts.get("notified_on")
        subject = workflow.CaseFacts(
            id=facts.get("id", 7),
            kind=facts.get("kind", "match"),
            status=status,
            notified_on=dt.date.fromisoformat(str(notified)) if notified else None,
            open_review=facts.get("open_review"),
            panel=frozenset(facts.get("panel", ())),
            recorded_by=facts.get("recorded_by"),
            decided_by=tuple(tuple(pair) for pair in facts.get("decided_by", ())),  # type: ignore[misc]
        )
        if "action" not in case:
            got = list(workflow.actions(subject))
            if got != expect.get("actions"):
                problems.append(f"{status}: actions {got}, expected {expect.get('actions')}")
            continue
        for role in roles:
            checker = bool(who.get("checker", True))
            actor = workflow.Who(who.get("user_id", 1), role, checker) if role else None
            where = f"{status}, {role or 'anyone'}"
            refused = workflow.refusal(case["action"], subject, actor)
            if "allowed" in expect and (refused is None) != expect["allowed"]:
                problems.append(
                    f"{where}: expected {'allowed' if expect['allowed'] else 'refused'}, got "
                    + ("allowed" if refused is None else f"refused: {refused.reason}")
                )
            if "reason" in expect and (refused is None or expect["reason"] not in refused.reason):
                problems.append(
                    f"{where}: expected a refusal containing {expect['reason']!r}, got "
                    + (repr(refused.reason) if refused else "allowed")
                )
            if "field" in expect and (refused is None or refused.field != expect["field"]):
                problems.append(f"{where}: expected field {expect['field']!r}, got {refused}")
            if "next" in expect:
                nxt = workflow.next_status(case["action"], status, case.get("choice"))
                if nxt != expect["next"]:
                    problems.append(f"{where}: next status {nxt!r}, expected {expect['next']!r}")
    if problems:
        raise CaseFailure("\n".join(problems))
