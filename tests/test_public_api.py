"""Guard the public API: the names in ``bandwise.__all__`` and a light import.

Adding or removing a public name is a decision; this test makes it a visible one.
Importing ``bandwise`` must stay cheap (names load on first use) so the command
line starts fast: no pydantic, no YAML parser, no rich, until a name is used.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import bandwise

EXPECTED_ALL = [
    "Band",
    "BandwiseError",
    "DocumentError",
    "Factor",
    "FactorEntry",
    "Finding",
    "InvalidLevelsError",
    "Level",
    "LevelExpressionError",
    "Library",
    "Option",
    "Profile",
    "ProfileDataError",
    "ReadResult",
    "Scheme",
    "SchemeDataError",
    "Suite",
    "UnknownProfileError",
    "band_for",
    "bands_for",
    "builtin_library",
    "compute",
    "load_scheme",
    "parse_band_label",
    "parse_level_expression",
    "parse_score_expression",
    "points_for",
    "read_document",
    "read_profile_text",
    "score",
    "score_range",
    "validate_profile",
    "validate_suite",
]

HEAVY = ("pydantic", "yaml", "rich")


def test_all_is_the_expected_list() -> None:
    assert list(bandwise.__all__) == EXPECTED_ALL


def test_all_has_no_duplicates() -> None:
    assert len(set(bandwise.__all__)) == len(bandwise.__all__)


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(bandwise, name)
    assert callable(value), name
    assert value.__module__.startswith("bandwise."), (name, value.__module__)


def test_errors_share_one_base() -> None:
    for name in EXPECTED_ALL:
        if name.endswith("Error"):
            assert issubclass(getattr(bandwise, name), bandwise.BandwiseError), name


def test_unknown_name_is_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = bandwise.no_such_name  # type: ignore[attr-defined]


def test_dir_lists_public_names() -> None:
    assert set(EXPECTED_ALL) <= set(dir(bandwise))


def test_version() -> None:
    assert isinstance(bandwise.__version__, str) and bandwise.__version__


def _modules_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return {m.split(".")[0] for m in json.loads(proc.stdout)}


def test_import_bandwise_is_light() -> None:
    loaded = _modules_after("import bandwise")
    assert "bandwise" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_import_cli_is_light() -> None:
    """``bandwise --help`` imports only the CLI module; heavy imports wait for a command."""
    loaded = _modules_after("import bandwise.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_lazy_name_loads_on_use() -> None:
    """The check above can fail: using a name does load the heavy modules."""
    loaded = _modules_after("import bandwise\nbandwise.load_scheme()")
    assert "yaml" in loaded or "pydantic" in loaded
