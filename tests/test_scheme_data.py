"""The built-in scheme data, and one negative fixture per load rule.

Each folder under ``tests/invalid/scheme/<rule>/`` holds only the file(s) that differ
from the real data in ``src/bandwise/scheme/data`` plus ``expected.txt``::

    # what is wrong (comment)
    remove: weighting_chart.yaml     (optional: a real file to delete)
    file: bands.yaml                 (the file the error must name)
    message: gap between band 2      (a substring of the error message)

The test copies the real data to a temporary folder, overlays the fixture and loads it.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from bandwise.errors import SchemeDataError
from bandwise.scheme import load_scheme, load_scheme_from
from bandwise.scheme.loader import DATA_DIR

INVALID = Path(__file__).parent / "invalid" / "scheme"
FIXTURES = sorted(p for p in INVALID.iterdir() if p.is_dir())
EXPECTED_KEYS = {"file", "message", "remove"}

# Every load rule must have its fixture; a rule without one is untested.
RULES = {
    "unknown-key-scheme",
    "unknown-key-factor-plan",
    "unknown-key-weighting-chart",
    "unknown-key-bands",
    "duplicate-key",
    "not-yaml",
    "missing-file",
    "band-gap",
    "band-overlap",
    "band-min-above-max",
    "first-band-not-zero",
    "duplicate-band-label",
    "points-not-increasing",
    "points-count-mismatch",
    "chart-missing-factor",
    "factors-not-numbered",
    "levels-not-numbered",
    "duplicate-slug",
    "option-letters-out-of-order",
    "option-letters-duplicated",
    "bad-reliability-tag",
}


def read_expected(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        assert sep, f"{folder.name}/expected.txt: line without 'key: value': {line!r}"
        key = key.strip()
        assert key in EXPECTED_KEYS, f"{folder.name}/expected.txt: unknown key {key!r}"
        assert key not in out, f"{folder.name}/expected.txt: {key!r} given twice"
        out[key] = value.strip()
    assert "file" in out and out.get("message"), f"{folder.name}/expected.txt needs file + message"
    return out


def overlay(tmp_path: Path, folder: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    expected = read_expected(folder)
    for src in folder.iterdir():
        if src.name != "expected.txt":
            assert (data / src.name).exists(), f"{folder.name}: {src.name} is not a real data file"
            shutil.copyfile(src, data / src.name)
    if "remove" in expected:
        (data / expected["remove"]).unlink()
    return data


def test_every_rule_has_exactly_one_fixture() -> None:
    assert {p.name for p in FIXTURES} == RULES


def data_lines(path: Path) -> list[str]:
    """The lines of a data file that are data, not comments or blank lines."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize("folder", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_differs_from_real_data_only_where_it_says(folder: Path) -> None:
    """Each fixture file is the real file with one small change, so it breaks one rule only.

    If the real data changes, this fails for the fixtures that copy the changed file:
    copy the real file again and re-apply the change described in ``expected.txt``.
    """
    files = [p for p in folder.iterdir() if p.name != "expected.txt"]
    expected = read_expected(folder)
    assert files or "remove" in expected, f"{folder.name}: fixture changes nothing"
    for f in files:
        real, fixture = data_lines(DATA_DIR / f.name), data_lines(f)
        changed = [
            line
            for line in difflib.unified_diff(real, fixture, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        assert changed, f"{folder.name}/{f.name} is identical to the real data"
        assert len(changed) <= 4, (
            f"{folder.name}/{f.name} differs from the real {f.name} in more than one small "
            f"change (stale copy?); re-copy the real file and re-apply: {changed}"
        )


@pytest.mark.parametrize("folder", FIXTURES, ids=[p.name for p in FIXTURES])
def test_invalid_scheme_data_is_refused(folder: Path, tmp_path: Path) -> None:
    expected = read_expected(folder)
    data = overlay(tmp_path, folder)
    with pytest.raises(SchemeDataError) as info:
        load_scheme_from(data)
    err = info.value
    assert err.file == expected["file"], str(err)
    assert str(err).startswith(f"{expected['file']}: "), str(err)
    assert expected["message"] in str(err), f"expected {expected['message']!r} in {str(err)!r}"


def test_copied_real_data_loads(tmp_path: Path) -> None:
    """The overlay test starts from data that loads, so each failure is the fixture's doing."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    scheme = load_scheme_from(data)
    assert scheme == load_scheme()


def test_real_data_structure() -> None:
    scheme = load_scheme()
    assert scheme.edition.id == "afc-je-7-2024"
    assert scheme.files == ("scheme.yaml", "factor_plan.yaml", "weighting_chart.yaml", "bands.yaml")
    assert [f.number for f in scheme.factors] == list(range(1, 17))
    assert [f.max_level for f in scheme.factors] == [6, 8, 5, 5, 5, 8, 6, 6, 6, 7, 6, 6, 5, 5, 4, 5]
    for f in scheme.factors:
        assert f.level_numbers == tuple(range(1, f.max_level + 1))
    slugs = [f.slug for f in scheme.factors]
    assert len(set(slugs)) == 16


@pytest.mark.parametrize("number", range(1, 17))
def test_every_factor_has_a_reference(number: int) -> None:
    factor = load_scheme().factor(number)
    ref = factor.reference
    assert ref.source.strip(), f"factor {number} has no reference source"
    assert ref.reliability in {"V", "C", "U"}
    assert ref.cite().startswith(ref.source)
    assert factor.name.strip() and factor.profile_name.strip()


def test_scheme_level_references() -> None:
    scheme = load_scheme()
    for ref in (scheme.edition.reference, scheme.bands.reference, scheme.weighting_reference):
        assert ref.source.strip()
        assert ref.reliability in {"V", "C", "U"}


# Option letters the built-in Arts Therapies profiles use, factor -> level -> letters.
PROFILE_OPTIONS: dict[int, dict[int, str]] = {
    1: {5: "c"},
    5: {3: "a"},
    6: {5: "a", 6: "acd"},
    8: {2: "bcd", 3: "abd", 4: "a"},
    9: {2: "abc", 3: "ac", 4: "a"},
    11: {2: "a"},
    13: {2: "ad", 3: "c"},
    14: {2: "a", 3: "a", 4: "b"},
    15: {3: "b", 4: "b"},
    16: {2: "a", 3: "a", 4: "a"},
}
PROFILE_OPTION_CASES = [
    (factor, level, letter)
    for factor, levels in PROFILE_OPTIONS.items()
    for level, letters in levels.items()
    for letter in letters
]


@pytest.mark.parametrize(
    ("factor", "level", "letter"),
    PROFILE_OPTION_CASES,
    ids=[f"F{f}-{lv}{le}" for f, lv, le in PROFILE_OPTION_CASES],
)
def test_option_letters_used_by_profiles_exist(factor: int, level: int, letter: str) -> None:
    lv = load_scheme().factor(factor).level(level)
    opt = lv.option(letter)
    assert opt is not None, f"factor {factor} level {level} has no option ({letter}): {lv.letters}"
    assert opt.letter == letter
    assert opt.descriptor.strip()


def test_option_letter_lookup_refuses_missing_letters() -> None:
    """Guards the test above: a letter that does not exist is reported as missing."""
    scheme = load_scheme()
    assert scheme.factor(1).level(5).option("z") is None
    assert scheme.factor(2).level(1).letters == ()
