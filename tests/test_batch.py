"""Batch matching: the vectorised kernel agrees with the scalar matcher; files in and out.

The kernel is checked against :func:`bandwise.scheme.matching.match` and
:func:`bandwise.profiles.matching.nearest` pair by pair: on thousands of seeded random
jobs against every built-in profile, and (hypothesis) on random profiles, including
non-contiguous admitted levels, under random rule sets.
"""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bandwise.batch import io as batch_io
from bandwise.batch import kernel
from bandwise.batch.run import COLUMNS, run_batch
from bandwise.cli import app
from bandwise.errors import DocumentError, InvalidLevelsError, UnknownProfileError
from bandwise.profiles.library import builtin_library
from bandwise.profiles.matching import Ranked, nearest, target_of
from bandwise.scheme import load_scheme
from bandwise.scheme.jobs import job_from_levels, parse_job
from bandwise.scheme.matching import (
    MATCH_WITH_VARIATION,
    NO_MATCH,
    PROFILE_MATCH,
    UNDECIDED,
    MatchResult,
    Target,
    match,
)
from bandwise.scheme.rules import RuleSet, default_rule_set
from bandwise.scheme.scoring import ABOVE_TABLE
from clikit import Ran, run_main

SCHEME = load_scheme()
LIBRARY = builtin_library()
RULES = default_rule_set()
TARGETS = tuple(target_of(SCHEME, p) for p in LIBRARY.profiles)
TABLES = kernel.ProfileTables.build(SCHEME, TARGETS, RULES)
MAX = np.array([f.max_level for f in SCHEME.factors])
HEADER = ["job_id", "title", *(f"f{n}" for n in range(1, 17))]
OUTCOME_CODE = {"match": kernel.MATCH, "variation": kernel.VARIATION, "mismatch": kernel.MISMATCH}
VERDICT_CODE = {v: i for i, v in enumerate(kernel.VERDICTS)}
SEED = 20261127

# a job that is exactly the arts-therapist profile's lowest admitted levels: a profile-match
ARTS = [6, 7, 4, 2, 3, 5, 2, 2, 1, 1, 1, 3, 2, 2, 4, 2]


def broken_ids(result: MatchResult) -> tuple[str, ...]:
    return tuple(sorted({b.id for b in result.broken_rules}))


def profile_range(target: Target) -> tuple[int, int]:
    low = sum(min(SCHEME.factor(n).points(lv) for lv in lvs) for n, lvs in _numbered(target))
    high = sum(max(SCHEME.factor(n).points(lv) for lv in lvs) for n, lvs in _numbered(target))
    return low, high


def _numbered(target: Target) -> list[tuple[int, tuple[int, ...]]]:
    return list(enumerate(target.levels, start=1))


def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, b[0] - a[1], a[0] - b[1])


def scalar_key(result: MatchResult, target: Target) -> tuple[int, int, int, int, str]:
    """The ranking key of ``bandwise.profiles.matching.Ranked`` for one scalar result."""
    return Ranked(result, gap(result.total, profile_range(target))).key


def random_jobs(rng: np.random.Generator, count: int) -> np.ndarray[Any, Any]:
    """Half uniform jobs, half jobs near a built-in profile (so every verdict occurs)."""
    uniform = np.stack([rng.integers(1, m + 1, count // 2) for m in MAX], axis=1)
    near = np.array([[t.levels[f][0] for f in range(16)] for t in TARGETS])
    near = near[rng.integers(0, len(near), count - count // 2)]
    nudge = rng.integers(-2, 3, near.shape) * (rng.random(near.shape) < 0.2)
    near = np.clip(near + nudge, 1, MAX)
    return np.concatenate([uniform, near]).astype(np.int8)


def assert_pairs_agree(
    tables: kernel.ProfileTables, jobs: np.ndarray[Any, Any], rules: RuleSet
) -> list[str]:
    """Every (job, profile) pair against the scalar matcher; returns the verdicts seen."""
    pairs = kernel.all_pairs(tables, jobs)
    best = kernel.best_profiles(tables, jobs)
    seen = []
    for j, row in enumerate(jobs.tolist()):
        job = job_from_levels(row)
        keys = []
        for p, target in enumerate(tables.targets):
            result = match(SCHEME, target, job, rules)
            seen.append(result.verdict)
            ranked = Ranked(result, gap(result.total, profile_range(target)))
            got = {
                "verdict": kernel.VERDICTS[pairs.verdict[j, p]],
                "variations": int(pairs.variations[j, p]),
                "mismatches": int(pairs.mismatches[j, p]),
                "total": (int(pairs.total[j]), int(pairs.total[j])),
                "rules": kernel.rule_ids(int(pairs.rules[j, p])),
                "differing": int(pairs.differing[j, p]),
                "level_distance": int(pairs.level_distance[j, p]),
                "score_distance": int(pairs.score_distance[j, p]),
            }
            expected = {
                "verdict": result.verdict,
                "variations": result.variations,
                "mismatches": len(result.failing_factors),
                "total": result.total,
                "rules": broken_ids(result),
                "differing": ranked.differing,
                "level_distance": result.level_distance,
                "score_distance": ranked.score_distance,
            }
            assert got == expected, f"job {row} against {target.id}"
            outcomes = kernel.factor_outcomes(tables, jobs[j : j + 1], p)[0].tolist()
            assert outcomes == [OUTCOME_CODE[c.outcome] for c in result.factors]
            keys.append(ranked.key)
        chosen = tables.targets[int(best.profile[j])].id
        assert chosen == min(keys)[-1], f"job {row}: kernel picks {chosen}, scalar {min(keys)}"
        p = int(best.profile[j])
        assert best.verdict[j] == pairs.verdict[j, p]
        assert best.rules[j] == pairs.rules[j, p]
        assert best.variations[j] == pairs.variations[j, p]
    return seen


# -- the kernel ------------------------------------------------------------------------


def test_kernel_agrees_with_the_scalar_matcher_on_thousands_of_random_jobs() -> None:
    jobs = random_jobs(np.random.default_rng(SEED), 2000)
    seen = assert_pairs_agree(TABLES, jobs, RULES)
    assert {PROFILE_MATCH, MATCH_WITH_VARIATION, NO_MATCH} <= set(seen)


def test_kernel_nearest_is_the_library_nearest() -> None:
    jobs = random_jobs(np.random.default_rng(SEED + 1), 400)
    best = kernel.best_profiles(TABLES, jobs, chunk=37)
    for j, row in enumerate(jobs.tolist()):
        first = nearest(SCHEME, LIBRARY, job_from_levels(row), RULES)[0]
        assert TABLES.ids[int(best.profile[j])] == first.result.profile_id, row
        assert kernel.VERDICTS[best.verdict[j]] == first.result.verdict
        assert best.differing[j] == first.differing
        assert best.score_distance[j] == first.score_distance


_BAND_CHOICES = [
    (),
    ("no-such-band",),
    *((label,) for label in SCHEME.bands.labels),
    *(SCHEME.bands.labels[i : i + 2] for i in range(len(SCHEME.bands.labels) - 1)),
]


@st.composite
def targets(draw: st.DrawFn, name: str) -> Target:
    levels = tuple(
        tuple(sorted(draw(st.sets(st.integers(1, int(m)), min_size=1, max_size=3)))) for m in MAX
    )
    return Target(name, name, levels, draw(st.sampled_from(_BAND_CHOICES)))


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    return replace(
        RULES,
        max_levels_per_variation=draw(st.integers(0, 3)),
        max_varied_factors=draw(st.integers(0, 16)),
        protected_factors=frozenset(draw(st.sets(st.integers(1, 16), max_size=4))),
        total_within_profile_bands=draw(st.booleans()),
    )


job_levels = st.tuples(*(st.integers(1, int(m)) for m in MAX))


@st.composite
def near_jobs(draw: st.DrawFn, target: Target) -> tuple[int, ...]:
    """A job close to ``target``: each factor an admitted level, now and then moved a little."""
    levels = []
    for m, admitted in zip(MAX.tolist(), target.levels, strict=True):
        level = draw(st.sampled_from(admitted)) + draw(st.sampled_from((0, 0, 0, 0, -1, 1, 2)))
        levels.append(min(m, max(1, level)))
    return tuple(levels)


@st.composite
def cases(draw: st.DrawFn) -> tuple[tuple[Target, ...], RuleSet, list[tuple[int, ...]]]:
    profiles = (draw(targets("p-b")), draw(targets("p-a")), draw(targets("p-c")))
    jobs = draw(st.lists(st.one_of(job_levels, near_jobs(profiles[0])), min_size=1, max_size=6))
    return profiles, draw(rule_sets()), jobs


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_kernel_agrees_on_any_profiles_and_rule_set(
    case: tuple[tuple[Target, ...], RuleSet, list[tuple[int, ...]]],
) -> None:
    profiles, rules, jobs = case
    tables = kernel.ProfileTables.build(SCHEME, profiles, rules)
    assert tables.ids == ("p-a", "p-b", "p-c")
    assert_pairs_agree(tables, np.array(jobs, dtype=np.int8), rules)


def test_a_gap_in_the_admitted_levels_is_measured_to_the_nearest_admitted_level() -> None:
    levels = list(TARGETS[0].levels)
    levels[13] = (2, 4)  # "2(a), 4(b)": levels 2 and 4, not 3
    target = Target("gappy", "Gappy", tuple(levels), ("6",))
    tables = kernel.ProfileTables.build(SCHEME, [target], RULES)
    assert tables.dist[0, 13, 1:6].tolist() == [1, 0, 1, 0, 1]


def test_ties_go_to_the_lowest_profile_id_whatever_the_order_given() -> None:
    same = TARGETS[1].levels
    twins = [Target("zz-twin", "Z", same, ("7",)), Target("aa-twin", "A", same, ("7",))]
    tables = kernel.ProfileTables.build(SCHEME, twins, RULES)
    best = kernel.best_profiles(tables, np.array([ARTS], dtype=np.int8))
    assert tables.ids[int(best.profile[0])] == "aa-twin"


def test_chunking_does_not_change_the_result_and_reports_every_job() -> None:
    jobs = random_jobs(np.random.default_rng(SEED + 2), 1000)
    whole = kernel.best_profiles(TABLES, jobs, chunk=10_000)
    told: list[int] = []
    chunked = kernel.best_profiles(TABLES, jobs, chunk=64, on_chunk=told.append)
    assert sum(told) == 1000 and len(told) == 16
    for name in ("profile", "verdict", "total", "variations", "rules", "key"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name


def test_the_kernel_refuses_a_level_the_scheme_lacks() -> None:
    job = list(ARTS)
    job[2] = 6  # factor 3 has levels 1 to 5
    with pytest.raises(InvalidLevelsError, match="factor 3 has no level 6"):
        kernel.best_profiles(TABLES, np.array([job]))


def test_totals_are_the_charts() -> None:
    jobs = random_jobs(np.random.default_rng(SEED + 3), 50)
    totals = kernel.job_totals(TABLES, jobs)
    for row, total in zip(jobs.tolist(), totals.tolist(), strict=True):
        assert match(SCHEME, TARGETS[0], job_from_levels(row), RULES).total == (total, total)


# -- files in and out ------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[Any]], **kw: Any) -> Path:
    encoding = kw.pop("encoding", "utf-8")
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, **kw)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def expected_row(result: MatchResult) -> dict[str, str]:
    bands = list(result.bands) + ([ABOVE_TABLE] if result.above_table else [])
    return {
        "profile_id": result.profile_id,
        "verdict": result.verdict,
        "total_min": str(result.total[0]),
        "total_max": str(result.total[1]),
        "bands": ";".join(bands),
        "variations": str(result.variations),
        "broken_rules": ";".join(broken_ids(result)),
        "rule_set": f"{RULES.id}@{RULES.version}",
        "error": "",
    }


def batch(inp: Path, out: Path, profile: str | None = None) -> Any:
    return run_batch(SCHEME, LIBRARY, RULES, inp, out, profile=profile, progress=False)


def test_a_csv_round_trip_matches_the_scalar_matcher_row_by_row(tmp_path: Path) -> None:
    jobs = random_jobs(np.random.default_rng(SEED + 4), 300).tolist()
    header = [" Job_ID ", "TITLE", "notes", *(f" F{n}" for n in range(1, 17))]
    rows = [[f"J{i}", f"Job {i}", "ignored", *lv] for i, lv in enumerate(jobs)]
    inp = write_csv(tmp_path / "in.csv", header, rows, encoding="utf-8-sig")
    summary = batch(inp, tmp_path / "out.csv", profile="arts-therapist")
    out = read_csv(tmp_path / "out.csv")
    assert list(out[0]) == list(COLUMNS)
    assert len(out) == 300 and summary.rows == 300 and summary.errors == 0
    target = target_of(SCHEME, LIBRARY.get("arts-therapist"))
    for i, (row, levels) in enumerate(zip(out, jobs, strict=True)):
        assert row["job_id"] == f"J{i}" and row["title"] == f"Job {i}"
        result = match(SCHEME, target, job_from_levels(levels), RULES)
        assert {k: row[k] for k in COLUMNS[2:]} == expected_row(result)
    counts = {v: sum(r["verdict"] == v for r in out) for v in kernel.VERDICTS}
    assert (summary.matched, summary.with_variation, summary.no_match) == (
        counts[PROFILE_MATCH],
        counts[MATCH_WITH_VARIATION],
        counts[NO_MATCH],
    )


def test_nearest_mode_writes_each_jobs_nearest_profile(tmp_path: Path) -> None:
    jobs = random_jobs(np.random.default_rng(SEED + 5), 100).tolist()
    inp = write_csv(tmp_path / "in.csv", HEADER, [[f"J{i}", "", *lv] for i, lv in enumerate(jobs)])
    batch(inp, tmp_path / "out.csv")
    for row, levels in zip(read_csv(tmp_path / "out.csv"), jobs, strict=True):
        first = nearest(SCHEME, LIBRARY, job_from_levels(levels), RULES)[0].result
        assert {k: row[k] for k in COLUMNS[2:]} == expected_row(first)


def test_options_are_accepted_and_do_not_change_the_match(tmp_path: Path) -> None:
    texts = [str(lv) for lv in ARTS]
    texts[5], texts[12], texts[14] = "5c", "2(a)", " 4 "  # options the factor plan gives
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *texts], ["J2", "", *ARTS]])
    batch(inp, tmp_path / "out.csv", profile="arts-therapist")
    first, second = read_csv(tmp_path / "out.csv")
    assert first["verdict"] == PROFILE_MATCH
    assert {k: first[k] for k in COLUMNS[2:]} == {k: second[k] for k in COLUMNS[2:]}


def test_a_cp1252_csv_with_semicolons_is_read(tmp_path: Path) -> None:
    header = ["job_id", "title", *(f"f{n}" for n in range(1, 17))]
    inp = write_csv(
        tmp_path / "in.csv", header, [["J1", "Thérapeute", *ARTS]], delimiter=";", encoding="cp1252"
    )
    batch(inp, tmp_path / "out.csv", profile="arts-therapist")
    (row,) = read_csv(tmp_path / "out.csv")
    assert row["title"] == "Thérapeute" and row["verdict"] == PROFILE_MATCH


def test_an_xlsx_round_trip(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Job_ID", "Title", *(f"f{n}" for n in range(1, 17)), "comment"])
    sheet.append([101, "Art therapist", *ARTS, "numbers as ints"])
    sheet.append(["J-2", None, *(float(lv) for lv in ARTS), "numbers as floats: 3.0 is 3"])
    sheet.append(["J-3", "range", *ARTS[:9], "1-2", *ARTS[10:], None])
    sheet.append(["J-4", "bad", "9", *ARTS[1:], None])
    book.create_sheet("ignored").append(["not", "read"])
    book.save(tmp_path / "in.xlsx")

    summary = batch(tmp_path / "in.xlsx", tmp_path / "out.xlsx", profile="arts-therapist")
    assert (summary.rows, summary.errors, summary.matched) == (4, 1, 2)

    result = openpyxl.load_workbook(tmp_path / "out.xlsx")
    sheet = result.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == list(COLUMNS)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K5"
    head = dict(zip(COLUMNS, values[1], strict=True))
    assert head["job_id"] == "101" and head["verdict"] == PROFILE_MATCH
    assert head["total_min"] == head["total_max"] == 475  # numbers stay numbers
    assert values[2][3] == PROFILE_MATCH and values[2][0] == "J-2"
    ranged = dict(zip(COLUMNS, values[3], strict=True))
    scalar = match(SCHEME, target_of(SCHEME, LIBRARY.get("arts-therapist")), _ranged_job(), RULES)
    assert ranged["verdict"] == scalar.verdict
    assert (ranged["total_min"], ranged["total_max"]) == scalar.total
    bad = dict(zip(COLUMNS, values[4], strict=True))
    assert bad["verdict"] is None and "factor 1" in bad["error"]


def _ranged_job() -> Any:
    return parse_job(SCHEME, [*map(str, ARTS[:9]), "1-2", *map(str, ARTS[10:])])


def test_bad_rows_are_reported_in_their_own_row_and_the_run_carries_on(tmp_path: Path) -> None:
    good = [str(lv) for lv in ARTS]
    bad_level = list(good)
    bad_level[2] = "6"  # factor 3 has levels 1 to 5
    two_bad = list(good)
    two_bad[0], two_bad[15] = "x", ""
    path = tmp_path / "in.csv"
    lines = [
        ",".join(HEADER),
        ",".join(["J1", "good", *good]),
        ",".join(["", "no id", *good]),
        ",".join(["J3", "bad level", *bad_level]),
        ",,,,",  # a blank row is skipped, not an error
        ",".join(["J5", "two bad", *two_bad]),
        ",".join(["J6", "short", *good[:10]]),
        ",".join(["J7", "comma, unquoted", *good]),
        ",".join(["J8", "good too", *good]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = batch(path, tmp_path / "out.csv", profile="arts-therapist")
    out = {r["title"]: r for r in read_csv(tmp_path / "out.csv")}
    assert summary.rows == 7 and summary.errors == 5 and summary.matched == 2
    assert out["good"]["verdict"] == out["good too"]["verdict"] == PROFILE_MATCH
    assert out["good"]["error"] == ""
    assert out["no id"]["error"] == "row 3: job_id is empty"
    assert out["no id"]["verdict"] == ""
    message = out["bad level"]["error"]
    assert message.startswith("row 4: factor 3 (") and "valid levels are 1 to 5" in message
    message = out["two bad"]["error"]
    assert message.startswith("row 6: factor 1 (") and "; factor 16 (" in message
    assert "valid levels are 1 to 6" in message and "valid levels are 1 to 5" in message
    assert out["short"]["error"] == "row 7: the row has 12 values but the header has 18 columns"
    assert "19 values but the header has 18" in out["comma"]["error"]


def test_a_range_row_gets_the_exact_scalar_verdict(tmp_path: Path) -> None:
    texts = [str(lv) for lv in ARTS]
    texts[9] = "1-3"  # the profile admits 1: level 2 is a variation, 3 a mismatch
    decided_range = [str(lv) for lv in ARTS]
    decided_range[8] = "1-2"  # both admitted: the verdict holds whichever it is
    rows = [["R1", "undecided", *texts], ["R2", "decided", *decided_range]]
    inp = write_csv(tmp_path / "in.csv", HEADER, rows)
    summary = batch(inp, tmp_path / "out.csv", profile="arts-therapist")
    out = read_csv(tmp_path / "out.csv")
    target = target_of(SCHEME, LIBRARY.get("arts-therapist"))
    for row, given_texts in zip(out, (texts, decided_range), strict=True):
        result = match(SCHEME, target, parse_job(SCHEME, given_texts), RULES)
        assert {k: row[k] for k in COLUMNS[2:]} == expected_row(result)
    assert out[0]["verdict"] == UNDECIDED and out[1]["verdict"] == PROFILE_MATCH
    assert out[0]["total_min"] < out[0]["total_max"]
    assert summary.undecided == 1

    batch(inp, tmp_path / "near.csv")
    for row, given_texts in zip(
        read_csv(tmp_path / "near.csv"), (texts, decided_range), strict=True
    ):
        first = nearest(SCHEME, LIBRARY, parse_job(SCHEME, given_texts), RULES)[0].result
        assert {k: row[k] for k in COLUMNS[2:]} == expected_row(first)


def test_a_total_above_the_band_table_is_named_so(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["TOP", "", *MAX.tolist()]])
    batch(inp, tmp_path / "out.csv")
    (row,) = read_csv(tmp_path / "out.csv")
    assert row["total_min"] == "1000" and row["bands"] == ABOVE_TABLE


def test_a_missing_column_is_a_whole_file_error(tmp_path: Path) -> None:
    header = ["job_id", *(f"f{n}" for n in range(1, 17) if n not in (4, 9))]
    inp = write_csv(tmp_path / "in.csv", header, [["J1", *ARTS[:14]]])
    with pytest.raises(DocumentError, match=r"in\.csv: missing required columns f4, f9"):
        batch(inp, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "no header row"),
        ("in.xls", b"x", r"save it as \.xlsx"),
        ("broken.xlsx", b"not a zip", "not a readable XLSX workbook"),
        ("twice.csv", b"job_id,job_id," + ",".join(HEADER[2:]).encode(), "'job_id' twice"),
    ],
)
def test_an_unusable_input_is_a_whole_file_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        batch(tmp_path / name, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == [tmp_path / name]


def test_an_output_suffix_other_than_csv_or_xlsx_is_refused(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]])
    with pytest.raises(DocumentError, match=r"out\.json: cannot write \.json"):
        batch(inp, tmp_path / "out.json")


def test_an_unknown_profile_is_an_error(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]])
    with pytest.raises(UnknownProfileError):
        batch(inp, tmp_path / "out.csv", profile="no-such-profile")


def test_a_failed_write_leaves_no_output_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]] * 50)
    real = batch_io._write_csv

    def half_then_fail(tmp: Path, header: Any, rows: Any) -> None:
        real(tmp, header, list(rows)[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch_io, "_write_csv", half_then_fail)
    for name in ("out.csv", "kept.csv"):
        if name == "kept.csv":
            (tmp_path / name).write_text("earlier results\n", encoding="utf-8")
        with pytest.raises(DocumentError, match="No space left on device"):
            batch(inp, tmp_path / name)
    assert not (tmp_path / "out.csv").exists()
    assert (tmp_path / "kept.csv").read_text(encoding="utf-8") == "earlier results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "kept.csv"]


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_an_output_that_cannot_be_replaced_leaves_no_temporary_file(
    tmp_path: Path, name: str
) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]])
    (tmp_path / name).mkdir()  # a folder where the file should go
    with pytest.raises(DocumentError, match="cannot write"):
        batch(inp, tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", name]
    with pytest.raises(DocumentError, match="no such folder"):
        batch(inp, tmp_path / "missing" / name)


def test_a_file_with_only_a_header_gives_only_a_header(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [])
    summary = batch(inp, tmp_path / "out.csv")
    assert summary.rows == 0
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").strip() == ",".join(COLUMNS)


def test_the_summary_describes_the_run(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS], ["", "", *ARTS]])
    summary = run_batch(
        SCHEME, LIBRARY, RULES, inp, tmp_path / "out.csv", profile=None, progress=True
    )
    text = summary.describe()
    assert "Matched 2 rows of in.csv to its nearest profile" in text
    assert "1 profile-match" in text and "1 with errors" in text and "bandwise-default@1" in text
    assert summary.seconds >= 0


# -- the command line ------------------------------------------------------------------


def test_cli_match_batch_nearest_and_profile(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]])
    runner = CliRunner()
    near = runner.invoke(
        app, ["match-batch", str(inp), "--out", str(tmp_path / "a.csv"), "--nearest"]
    )
    assert near.exit_code == 0, near.output
    assert "1 profile-match" in near.output
    assert read_csv(tmp_path / "a.csv")[0]["profile_id"] == "arts-therapist"
    one = runner.invoke(
        app,
        ["match-batch", str(inp), "--out", str(tmp_path / "b.xlsx"), "--profile", "arts-therapist"],
    )
    assert one.exit_code == 0, one.output
    assert (tmp_path / "b.xlsx").is_file()


def _hostile_rows(tmp_path: Path) -> Path:
    good = [str(lv) for lv in ARTS]
    rows = [["J1", "good", *good]]
    for n, (column, text) in enumerate(
        [(0, "1" * 5000), (2, "٥"), (4, "3abc"), (0, "6(q)"), (5, "５")], start=2
    ):
        levels = list(good)
        levels[column] = text
        rows.append([f"J{n}", f"bad {n}", *levels])
    return write_csv(tmp_path / "in.csv", HEADER, [*rows, ["J9", "good too", *good]])


def test_a_huge_non_ascii_or_unknown_option_level_is_that_rows_error(tmp_path: Path) -> None:
    summary = batch(_hostile_rows(tmp_path), tmp_path / "out.csv", profile="arts-therapist")
    out = {r["job_id"]: r for r in read_csv(tmp_path / "out.csv")}
    assert summary.rows == 7 and summary.errors == 5 and summary.matched == 2
    assert out["J1"]["verdict"] == out["J9"]["verdict"] == PROFILE_MATCH
    assert "it has 5000 digits" in out["J2"]["error"] and len(out["J2"]["error"]) < 400
    assert "is not one of the digits 0-9" in out["J3"]["error"]
    assert "factor 5 (Physical skills) level 3 has no option (c)" in out["J4"]["error"]
    assert "level 6 has no option (q)" in out["J5"]["error"]
    assert out["J6"]["error"].startswith("row 7: factor 6 (")


def test_cli_match_batch_exits_1_when_some_rows_have_errors_and_still_writes_them(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["match-batch", str(_hostile_rows(tmp_path)), "--out", str(out), "--nearest"]
    )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "5 with" in result.output  # the summary line (wrapped at the terminal width)
    assert len(read_csv(out)) == 7


@pytest.mark.parametrize(
    "extra", [["--nearest", "--profile", "arts-therapist"], []], ids=["both", "neither"]
)
def test_cli_needs_exactly_one_of_profile_or_nearest(tmp_path: Path, extra: list[str]) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER, [["J1", "", *ARTS]])
    out = tmp_path / "out.csv"
    proc = _run_cli("match-batch", str(inp), "--out", str(out), *extra)
    assert proc.returncode == 2
    assert "give exactly one of --profile ID or --nearest" in proc.stderr
    assert not out.exists()


def test_cli_a_missing_column_exits_2(tmp_path: Path) -> None:
    inp = write_csv(tmp_path / "in.csv", HEADER[:-1], [["J1", "", *ARTS[:-1]]])
    proc = _run_cli("match-batch", str(inp), "--out", str(tmp_path / "out.csv"), "--nearest")
    assert proc.returncode == 2
    assert "missing required column f16" in proc.stderr
    assert "Traceback" not in proc.stderr


def _run_cli(*args: str) -> Ran:
    """``bandwise ARGS`` through ``main()`` in-process (exit 2 for a user mistake)."""
    return run_main(*args, env={**os.environ, "COLUMNS": "200"})


def test_csv_output_neutralises_spreadsheet_formulas(tmp_path: Path) -> None:
    """A title like '=HYPERLINK(...)' must not run as a formula when the CSV is opened."""
    from bandwise.batch.io import write_rows

    out = tmp_path / "out.csv"
    write_rows(out, ["job_id", "title", "total_min"], [["J1", "=1+1", 438], ["J2", "-x", 440]])
    text = out.read_text(encoding="utf-8")
    assert "'=1+1" in text and "'-x" in text and ",438" in text
