"""Levels -> points -> total -> band, checked against the reference tables written out here.

The chart and band table below are copied by hand from the project's scheme-facts reference
(je-scheme-facts.md §3 and §4), not read from the data files, so a changed number in
``weighting_chart.yaml`` or ``bands.yaml`` fails these tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bandwise.errors import InvalidLevelsError
from bandwise.scheme import (
    ABOVE_TABLE,
    band_for,
    bands_for,
    load_scheme,
    points_for,
    score,
    score_range,
)

SCHEME = load_scheme()

# je-scheme-facts.md §3: points for levels 1..n of factors 1..16.
CHART: dict[int, list[int]] = {
    1: [5, 12, 21, 32, 45, 60],
    2: [16, 36, 60, 88, 120, 156, 196, 240],
    3: [6, 15, 27, 42, 60],
    4: [6, 15, 27, 42, 60],
    5: [6, 15, 27, 42, 60],
    6: [4, 9, 15, 22, 30, 39, 49, 60],
    7: [5, 12, 21, 32, 45, 60],
    8: [5, 12, 21, 32, 45, 60],
    9: [5, 12, 21, 32, 45, 60],
    10: [4, 9, 16, 24, 34, 46, 60],
    11: [5, 12, 21, 32, 45, 60],
    12: [5, 12, 21, 32, 45, 60],
    13: [3, 7, 12, 18, 25],
    14: [3, 7, 12, 18, 25],
    15: [5, 11, 18, 25],
    16: [3, 7, 12, 18, 25],
}
MAX_LEVELS = [len(CHART[n]) for n in range(1, 17)]

# je-scheme-facts.md §4: band, min, max (inclusive).
BANDS: list[tuple[str, int, int]] = [
    ("1", 0, 160),
    ("2", 161, 215),
    ("3", 216, 270),
    ("4", 271, 325),
    ("5", 326, 395),
    ("6", 396, 465),
    ("7", 466, 539),
    ("8a", 540, 584),
    ("8b", 585, 629),
    ("8c", 630, 674),
    ("8d", 675, 720),
    ("9", 721, 765),
]
LABELS = [label for label, _, _ in BANDS]


# ---------------------------------------------------------------- the chart


def test_chart_has_sixteen_factors() -> None:
    assert len(SCHEME.factors) == 16
    assert [f.max_level for f in SCHEME.factors] == MAX_LEVELS


@pytest.mark.parametrize("number", range(1, 17))
def test_chart_row(number: int) -> None:
    factor = SCHEME.factor(number)
    assert [lv.points for lv in factor.levels] == CHART[number]
    assert [points_for(SCHEME, number, lv) for lv in range(1, len(CHART[number]) + 1)] == CHART[
        number
    ]


# Independent spot checks quoted in je-scheme-facts.md §3 (RCNi, TEL, RS).
SPOT_CHECKS = [
    (2, 7, 196),
    (1, 4, 32),
    (2, 5, 120),
    (3, 3, 27),
    (4, 2, 15),
    (5, 3, 27),
    (6, 5, 30),
    (7, 1, 5),
    (8, 2, 12),
    (9, 2, 12),
    (10, 1, 4),
    (11, 2, 12),
    (12, 3, 21),
    (13, 4, 18),
    (14, 3, 12),
    (15, 4, 25),
    (16, 4, 18),
    (10, 5, 34),
]


@pytest.mark.parametrize(("factor", "level", "points"), SPOT_CHECKS)
def test_published_spot_checks(factor: int, level: int, points: int) -> None:
    assert points_for(SCHEME, factor, level) == points


def test_minimum_and_maximum_totals() -> None:
    assert SCHEME.min_total == 86
    assert SCHEME.max_total == 1000
    assert score(SCHEME, [1] * 16).total == 86
    assert score(SCHEME, MAX_LEVELS).total == 1000


def test_score_lists_points_per_factor() -> None:
    levels = [5, 7, 3, 2, 3, 5, 1, 2, 1, 1, 1, 3, 2, 2, 4, 2]  # Arts Therapist Entry Level
    result = score(SCHEME, levels)
    assert [fp.number for fp in result.factors] == list(range(1, 17))
    assert [fp.level for fp in result.factors] == levels
    assert [fp.points for fp in result.factors] == [
        45, 196, 27, 15, 27, 30, 5, 12, 5, 4, 5, 21, 7, 7, 25, 7
    ]  # fmt: skip
    assert result.total == 438
    assert result.band.label == "6"


def test_score_accepts_a_tuple() -> None:
    assert score(SCHEME, tuple([1] * 16)).total == 86


# ---------------------------------------------------------------- invalid levels


@pytest.mark.parametrize("count", [0, 15, 17])
def test_score_needs_one_level_per_factor(count: int) -> None:
    with pytest.raises(
        InvalidLevelsError, match=f"expected 16 levels, one per factor, got {count}"
    ):
        score(SCHEME, [1] * count)


INVALID = [(n, 0) for n in range(1, 17)] + [(n, MAX_LEVELS[n - 1] + 1) for n in range(1, 17)]


@pytest.mark.parametrize(("factor", "level"), INVALID, ids=[f"F{f}-L{lv}" for f, lv in INVALID])
def test_score_refuses_a_level_the_factor_does_not_have(factor: int, level: int) -> None:
    levels = [1] * 16
    levels[factor - 1] = level
    with pytest.raises(InvalidLevelsError) as info:
        score(SCHEME, levels)
    err = info.value
    assert err.factor == factor
    name = SCHEME.factor(factor).name
    assert str(err) == (
        f"factor {factor} ({name}) has no level {level}; "
        f"valid levels are 1 to {MAX_LEVELS[factor - 1]}"
    )


def test_points_for_an_unknown_factor() -> None:
    with pytest.raises(
        InvalidLevelsError, match="there is no factor 17; factors are 1 to 16"
    ) as info:
        points_for(SCHEME, 17, 1)
    assert info.value.factor == 17


def test_band_for_a_negative_total() -> None:
    with pytest.raises(InvalidLevelsError, match="cannot be negative"):
        band_for(SCHEME, -1)


# ---------------------------------------------------------------- bands


def test_band_table() -> None:
    assert [(b.label, b.min, b.max) for b in SCHEME.bands.bands] == BANDS
    assert SCHEME.bands.top == 765


BOUNDARIES = [
    (i, edge)
    for i in range(len(BANDS))
    for edge in ("min-1", "min", "max", "max+1")
    if (i, edge) != (0, "min-1")  # no total below 0
]


@pytest.mark.parametrize(
    ("index", "edge"), BOUNDARIES, ids=[f"{BANDS[i][0]}:{e}" for i, e in BOUNDARIES]
)
def test_band_for_at_every_boundary(index: int, edge: str) -> None:
    label, low, high = BANDS[index]
    total = {"min-1": low - 1, "min": low, "max": high, "max+1": high + 1}[edge]
    if edge == "min-1":
        expected: str | None = LABELS[index - 1]
    elif edge == "max+1":
        expected = LABELS[index + 1] if index + 1 < len(LABELS) else None
    else:
        expected = label
    result = band_for(SCHEME, total)
    assert result.total == total
    if expected is None:
        assert result.band is None
        assert result.above_table
    else:
        assert result.band is not None
        assert result.band.label == expected
        assert result.label == expected
        assert not result.above_table


def test_765_is_band_9() -> None:
    result = band_for(SCHEME, 765)
    assert result.label == "9"
    assert not result.above_table
    assert result.notes == ()


@pytest.mark.parametrize("total", [766, 800, 1000])
def test_above_the_table_is_never_band_9(total: int) -> None:
    result = band_for(SCHEME, total)
    assert result.band is None
    assert result.above_table
    assert result.label == ABOVE_TABLE == "above the published band table"
    assert len(result.notes) == 1
    assert f"A total of {total} is above the published band table" in result.notes[0]


@pytest.mark.parametrize("total", [0, 86, 160])
def test_band_1_carries_the_closure_note(total: int) -> None:
    result = band_for(SCHEME, total)
    assert result.band is not None
    assert result.band.label == "1"
    assert result.band.closed_to_new_entrants_from == date(2018, 12, 1)
    assert "1 December 2018" in result.band.note
    assert len(result.notes) == 1
    assert "closed to new entrants" in result.notes[0]
    assert "December 2018" in result.notes[0]


@pytest.mark.parametrize("label", LABELS[1:])
def test_other_bands_carry_no_notes(label: str) -> None:
    band = SCHEME.bands.get(label)
    assert band is not None
    assert band.closed_to_new_entrants_from is None
    assert band_for(SCHEME, band.min).notes == ()


# ---------------------------------------------------------------- ranges


def test_score_range_of_a_profile() -> None:
    # Arts Therapist Entry Level: 2(a)(d)- 3(c) on factor 13, 2(a)– 3(a) on factor 16
    sets = [[lv] for lv in [5, 7, 3, 2, 3, 5, 1, 2, 1, 1, 1, 3, 2, 2, 4, 2]]
    sets[12] = [2, 3]
    sets[15] = [2, 3]
    assert score_range(SCHEME, sets) == (438, 448)


def test_score_range_with_alternatives() -> None:
    sets: list[list[int]] = [[1]] * 16
    sets = [*sets[:13], [2, 4], *sets[14:]]  # factor 14 "2(a), 4(b)"
    low, high = score_range(SCHEME, sets)
    assert (low, high) == (86 - 3 + 7, 86 - 3 + 18)


def test_score_range_of_everything_is_86_to_1000() -> None:
    assert score_range(SCHEME, [range(1, m + 1) for m in MAX_LEVELS]) == (86, 1000)


def test_score_range_errors() -> None:
    with pytest.raises(InvalidLevelsError, match="expected 16 factors, got 15"):
        score_range(SCHEME, [[1]] * 15)
    with pytest.raises(InvalidLevelsError, match="factor 3 has no level") as info:
        score_range(SCHEME, [[1], [1], [], *[[1]] * 13])
    assert info.value.factor == 3
    with pytest.raises(InvalidLevelsError, match=r"factor 15 \(.*\) has no level 5") as info:
        score_range(SCHEME, [*[[1]] * 14, [4, 5], [1]])
    assert info.value.factor == 15


SPANS = [
    ((438, 448), [("6", 438)]),
    ((395, 396), [("5", 395), ("6", 396)]),
    ((530, 600), [("7", 530), ("8a", 540), ("8b", 585)]),
    ((632, 704), [("8c", 632), ("8d", 675)]),
    ((700, 800), [("8d", 700), ("9", 721), (ABOVE_TABLE, 766)]),
    ((765, 765), [("9", 765)]),
    ((766, 1000), [(ABOVE_TABLE, 766)]),
    ((86, 1000), [(label, max(86, low)) for label, low, _ in BANDS] + [(ABOVE_TABLE, 766)]),
]


@pytest.mark.parametrize(("span", "expected"), SPANS, ids=[f"{a}-{b}" for (a, b), _ in SPANS])
def test_bands_for_a_span(span: tuple[int, int], expected: list[tuple[str, int]]) -> None:
    low, high = span
    got = [(b.label, b.total) for b in bands_for(SCHEME, low, high)]
    assert got == expected
    assert [(b.label, b.total) for b in bands_for(SCHEME, high, low)] == expected  # either order
    above = [b for b in bands_for(SCHEME, low, high) if b.above_table]
    assert all(b.band is None for b in above)


# ---------------------------------------------------------------- properties

level_vectors = st.tuples(*(st.integers(1, m) for m in MAX_LEVELS)).map(list)


def band_rank(total: int) -> int:
    """Position of a total's band in the literal table; above the table ranks last."""
    for i, (_, low, high) in enumerate(BANDS):
        if low <= total <= high:
            return i
    return len(BANDS)


@given(level_vectors)
def test_totals_stay_within_86_and_1000(levels: list[int]) -> None:
    result = score(SCHEME, levels)
    assert 86 <= result.total <= 1000
    assert result.total == sum(CHART[n][lv - 1] for n, lv in enumerate(levels, start=1))
    assert result.band.above_table == (result.total > 765)


@given(level_vectors, st.integers(0, 15))
def test_raising_a_factor_never_lowers_the_total(levels: list[int], index: int) -> None:
    if levels[index] == MAX_LEVELS[index]:
        levels[index] -= 1
    before = score(SCHEME, levels).total
    levels[index] += 1
    after = score(SCHEME, levels).total
    assert after > before


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_band_order_follows_total(a: int, b: int) -> None:
    low, high = sorted((a, b))
    lo_band, hi_band = band_for(SCHEME, low), band_for(SCHEME, high)
    rank = {label: i for i, label in enumerate(LABELS)}
    lo_rank = len(LABELS) if lo_band.above_table else rank[lo_band.label]
    hi_rank = len(LABELS) if hi_band.above_table else rank[hi_band.label]
    assert lo_rank <= hi_rank
    assert lo_rank == band_rank(low) and hi_rank == band_rank(high)


@given(level_vectors, level_vectors)
def test_band_order_follows_total_for_scored_jobs(a: list[int], b: list[int]) -> None:
    sa, sb = score(SCHEME, a), score(SCHEME, b)
    if sa.total <= sb.total:
        assert band_rank(sa.total) <= band_rank(sb.total)
    ranks = {label: i for i, label in enumerate(LABELS)}
    for s in (sa, sb):
        assert (len(LABELS) if s.band.above_table else ranks[s.band.label]) == band_rank(s.total)


# ---------------------------------------------------------------- the YAML case plugin

CONFTEST = Path(__file__).with_name("conftest.py")

PLUGIN_CASES = """
- name: The lowest job scores 86
  levels: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  expect: {total: 86, band: "1"}
- name: A wrong total fails with what was expected and what came out
  levels: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  expect: {total: 87, band: "2"}
- name: A misspelt expectation fails
  levels: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  expect: {totl: 86}
- name: A misspelt case key fails
  level: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  expect: {total: 86}
- name: An unknown kind fails
  kind: no-such-kind
  levels: [1]
  expect: {total: 86}
- name: A missing note fails
  levels: [6, 8, 5, 5, 5, 8, 6, 6, 6, 7, 6, 6, 5, 5, 4, 5]
  expect: {above_table: true, notes_contain: [band 10]}
"""


def test_case_plugin_reports_sentences_and_clear_failures(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "scoring.yaml").write_text(PLUGIN_CASES, encoding="utf-8")
    result = pytester.runpytest_inprocess("-rA", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=5)
    out = result.stdout.str()
    assert "PASSED cases/scoring.yaml::The lowest job scores 86" in out
    result.stdout.fnmatch_lines(
        [
            "*A wrong total fails with what was expected and what came out*",
            "total: expected 87, got 86",
            "band: expected '2', got '1'",
        ]
    )
    assert "unknown key(s) totl in expect" in out
    assert "unknown key(s) level in the case" in out
    assert "unknown kind 'no-such-kind'; known kinds: evaluate, match, score" in out
    assert "notes: expected one containing 'band 10'" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- levels: [1]\n", "case 1 has no 'name' sentence"),
        ("- name: Twice\n- name: Twice\n", "two cases are named 'Twice'"),
        ("- name: A\n  name: B\n", "duplicate key 'name'"),
        ("name: not a list\n", "expected a list of cases"),
    ],
    ids=["no-name", "duplicate-name", "duplicate-key", "not-a-list"],
)
def test_case_plugin_refuses_bad_case_files(
    pytester: pytest.Pytester, text: str, message: str
) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "bad.yaml").write_text(text, encoding="utf-8")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert message in result.stdout.str()
