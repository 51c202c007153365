"""The matching rule set as data: the shipped defaults, their provenance, and strict loading.

Each file under ``tests/invalid/rules/`` is ``_base.yaml`` (a valid local rule set) with one
small change that breaks one load rule; loading it must fail with a
:class:`SchemeDataError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shutil
from pathlib import Path

import pytest

from bandwise.errors import SchemeDataError
from bandwise.scheme.rules import (
    DEFAULT_RULES,
    RULE_IDS,
    RuleSet,
    default_rule_set,
    load_rule_set_from,
)

INVALID = Path(__file__).parent / "invalid" / "rules"
BASE = INVALID / "_base.yaml"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "matching-rules.md"

DEFAULTS = {
    "max_levels_per_variation": 1,
    "max_varied_factors": 5,
    "protected_factors": frozenset({2, 12}),
    "total_within_profile_bands": True,
    "hybrid_max_failed_factors": 2,
    "boundary_margin": 10,
}

# fixture -> (key named in the error, fragment of the message)
EXPECTED = {
    "unknown-key": ("settings.strictness", "unknown key"),
    "missing-setting": ("settings.boundary_margin", "Field required"),
    "missing-provenance": ("settings.hybrid_max_failed_factors.provenance", "Field required"),
    "bad-reliability": ("settings.max_varied_factors.reliability", "[VCU]"),
    "protected-factor-17": ("settings.protected_factors.value", "no factor 17"),
    "negative-value": ("settings.max_levels_per_variation.value", "greater than or equal to 0"),
    "max-varied-over-16": ("settings.max_varied_factors.value", "at most 16 factors can vary"),
    "not-a-boolean": ("settings.total_within_profile_bands.value", "valid boolean"),
    "version-zero": ("version", "greater than or equal to 1"),
    "boolean-as-number": ("settings.max_varied_factors.value", "valid integer"),
    "duplicate-key": ("line 5", "duplicate key 'version'"),
    "not-yaml": ("line 22", "not valid YAML"),
}
FIXTURES = sorted(p for p in INVALID.glob("*.yaml") if p != BASE)


# ---------------------------------------------------------------- the shipped rule set


def test_the_default_rule_set_has_the_documented_defaults() -> None:
    rules = default_rule_set()
    assert (rules.id, rules.version, rules.source) == ("bandwise-default", 1, "matching_rules.yaml")
    assert {name: getattr(rules, name) for name in DEFAULTS} == DEFAULTS


def test_every_setting_is_recorded_with_its_value() -> None:
    rules = default_rule_set()
    assert [s.name for s in rules.settings] == list(DEFAULTS)
    for s in rules.settings:
        value = frozenset(s.value) if s.name == "protected_factors" else s.value
        assert value == getattr(rules, s.name), s.name
        assert rules.setting(s.name) is s
    with pytest.raises(KeyError):
        rules.setting("no_such_setting")


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_every_setting_has_provenance_and_a_reliability_tag(name: str) -> None:
    s = default_rule_set().setting(name)
    assert s.reliability in {"V", "C", "U"}
    assert len(s.provenance.split()) >= 5, f"{name}: provenance too thin: {s.provenance!r}"
    assert "\n" not in s.provenance


def test_the_rule_set_cites_its_source() -> None:
    ref = default_rule_set().reference
    assert ref.source and ref.reliability in {"V", "C", "U"}
    assert ref.url.startswith("https://")


def test_the_default_rule_set_is_loaded_once() -> None:
    assert default_rule_set() is default_rule_set()


def test_a_copy_of_the_default_loads_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "local.yaml"
    shutil.copy(DEFAULT_RULES, copy)
    loaded = load_rule_set_from(copy)
    assert dataclasses.replace(loaded, source="") == dataclasses.replace(
        default_rule_set(), source=""
    )
    assert loaded.source == "local.yaml"


def test_the_docs_give_every_setting_with_its_default() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^\| `([a-z_]+)` \| ([^|]+) \|", text, flags=re.M)
    }
    shown = {
        "max_levels_per_variation": "1",
        "max_varied_factors": "5",
        "protected_factors": "2, 12",
        "total_within_profile_bands": "true",
        "hybrid_max_failed_factors": "2",
        "boundary_margin": "10",
    }
    assert {k: rows.get(k) for k in shown} == shown
    for name in DEFAULTS:
        reliability = default_rule_set().setting(name).reliability
        assert re.search(rf"^\| `{name}` \| [^|]+ \| {reliability} \|", text, flags=re.M), name


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_id_is_documented(rule: str) -> None:
    assert f"`{rule}`" in DOCS.read_text(encoding="utf-8")


# ---------------------------------------------------------------- strict loading


def test_the_base_fixture_loads() -> None:
    rules = load_rule_set_from(BASE)
    assert isinstance(rules, RuleSet)
    assert (rules.id, rules.version, rules.source) == ("trust-local", 2, "_base.yaml")
    assert {name: getattr(rules, name) for name in DEFAULTS} == DEFAULTS


def test_every_fixture_has_an_expectation() -> None:
    assert {p.stem for p in FIXTURES} == set(EXPECTED)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_each_fixture_makes_one_small_change_to_the_base(fixture: Path) -> None:
    base = BASE.read_text(encoding="utf-8").splitlines()
    changed = [
        line
        for line in difflib.unified_diff(
            base, fixture.read_text(encoding="utf-8").splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert 1 <= len(changed) <= 6, changed


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_an_invalid_rule_set_is_refused_naming_the_file_and_key(fixture: Path) -> None:
    key, fragment = EXPECTED[fixture.stem]
    with pytest.raises(SchemeDataError) as info:
        load_rule_set_from(fixture)
    err = info.value
    assert (err.file, err.key) == (fixture.name, key), str(err)
    assert str(err).startswith(f"{fixture.name}: {key}: "), str(err)
    assert fragment in err.message, str(err)


def test_a_missing_rule_set_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemeDataError, match="file not found"):
        load_rule_set_from(tmp_path / "nowhere.yaml")
