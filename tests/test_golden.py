"""Golden-file tests for the profile document reader.

Every ``tests/golden/<name>.txt`` is read with ``read_profile_text`` (source ``<name>.txt``)
and its suite validated with ``validate_suite``; the reader's findings and validation's,
sorted by line, profile, factor, code and message, go through ``read_result_to_json`` and
must equal ``tests/golden/<name>.expected.json``.

The inputs: ``seed.txt`` is a copy of the shipped seed document
(src/bandwise/profiles/data/national-profiles-arts-therapy.txt; a test keeps the copy
identical); the others are small hand-made documents:

* ``plain.txt``: contents, version history and one profile with every row in order;
* ``reversed-page.txt``: a profile whose second page was extracted bottom to top;
* ``continuation.txt``: a numbered job statement, a page header that cannot be placed,
  and a factor cell continued on a row after a page break;
* ``band-labels.txt``: four profiles whose total lines split the band label
  (``Ban<TAB>d 6``, ``Band<TAB>d 7``, ``Band 8<TAB>a-b``) or give it in a cell of its own
  (``8c-d``).

When a change to the reader or to validation changes the output on purpose, rewrite the
expected files, then review the diff before committing it:

    BANDWISE_UPDATE_GOLDEN=1 PYTHONPATH=src python -m pytest tests/test_golden.py

This module also checks that the built-in suite YAML is exactly what the reader makes of
the seed document.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bandwise.documents.text_reader import read_profile_text
from bandwise.profiles.library import DATA_DIR, SEED_DOCUMENT, load_builtin_suite
from bandwise.profiles.model import Finding
from bandwise.profiles.serialize import dump_suite_yaml, read_result_to_json
from bandwise.profiles.validate import validate_suite
from bandwise.scheme.loader import load_scheme

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BANDWISE_UPDATE_GOLDEN") == "1"
NAMES = sorted(p.stem for p in GOLDEN.glob("*.txt"))
EXPECTED_NAMES = ["band-labels", "continuation", "plain", "reversed-page", "seed"]
SHIPPED_YAML = DATA_DIR / "arts-therapies.yaml"
REGENERATE = (
    "bandwise profiles import src/bandwise/profiles/data/national-profiles-arts-therapy.txt "
    "--suite-id arts-therapies --out src/bandwise/profiles/data/arts-therapies.yaml"
)


def _finding_key(f: Finding) -> tuple[Any, ...]:
    return (
        f.line is None,
        f.line or 0,
        f.profile or "",
        f.factor or 0,
        f.code,
        f.message,
        f.stated or "",
        f.expected or "",
    )


def golden_output(path: Path) -> dict[str, Any]:
    scheme = load_scheme()
    result = read_profile_text(path.read_bytes(), path.name)
    findings = sorted([*result.findings, *validate_suite(scheme, result.suite)], key=_finding_key)
    return read_result_to_json(scheme, result, findings)


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_golden(name: str) -> None:
    expected_path = GOLDEN / f"{name}.expected.json"
    actual = golden_output(GOLDEN / f"{name}.txt")
    if UPDATE:
        expected_path.write_text(render(actual), encoding="utf-8", newline="\n")
    assert expected_path.exists(), f"no {expected_path.name}; run with BANDWISE_UPDATE_GOLDEN=1"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected, (
        f"the reader's output for golden/{name}.txt changed; if on purpose, rerun with "
        "BANDWISE_UPDATE_GOLDEN=1 and review the diff"
    )
    # the file is exactly what the update writes, so an update never churns it
    assert expected_path.read_text(encoding="utf-8") == render(expected)


def test_golden_inputs() -> None:
    """Runs after the golden tests, so an update run writes the files first."""
    assert NAMES == EXPECTED_NAMES
    expected = sorted(p.name.removesuffix(".expected.json") for p in GOLDEN.glob("*.json"))
    assert expected == NAMES, "every golden input needs its .expected.json, and no stray ones"


def test_golden_output_is_deterministic() -> None:
    path = GOLDEN / "seed.txt"
    assert render(golden_output(path)) == render(golden_output(path))


def test_seed_copy_is_the_shipped_seed() -> None:
    assert (GOLDEN / "seed.txt").read_bytes() == SEED_DOCUMENT.read_bytes(), (
        f"tests/golden/seed.txt must be a copy of {SEED_DOCUMENT.name}; copy it again and "
        "rerun with BANDWISE_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize(
    ("name", "profiles", "codes"),
    [
        ("plain", 1, []),
        ("reversed-page", 1, ["page-reversed"]),
        ("continuation", 1, ["continued-cell", "unplaced-text"]),
        ("band-labels", 4, []),
    ],
)
def test_hand_made_golden_documents_say_what_they_test(
    name: str, profiles: int, codes: list[str]
) -> None:
    """Guards against accepting a wrong golden file: the gist, independently of the JSON."""
    data = golden_output(GOLDEN / f"{name}.txt")
    assert len(data["profiles"]) == profiles
    assert sorted(f["code"] for f in data["findings"]) == codes
    for p in data["profiles"]:
        assert p["stated_total"] == p["computed_total"]
        assert p["bands"] == p["computed_bands"]
        assert [f["number"] for f in p["factors"]] == list(range(1, 17))


def test_band_labels_golden_reads_every_split_label() -> None:
    data = golden_output(GOLDEN / "band-labels.txt")
    got = [(p["band_label"], p["stated_total"]) for p in data["profiles"]]
    assert got == [
        ("6", {"min": 397, "max": 402}),
        ("7", {"min": 471, "max": 476}),
        ("8a-b", {"min": 548, "max": 597}),
        ("8c-d", {"min": 661, "max": 699}),
    ]
    assert data["unplaced_lines"] == []


def test_continuation_golden() -> None:
    data = golden_output(GOLDEN / "continuation.txt")
    (profile,) = data["profiles"]
    assert profile["job_statement"] == [
        "Leads the test therapy team",
        "Provides specialist treatment sessions",
        "Supervises junior staff",
    ]
    assert data["unplaced_lines"] == [{"line": 18, "text": "Page 3 of 4"}]
    factor6 = profile["factors"][5]
    assert (factor6["descriptor"], factor6["example"]) == (
        "Develops programmes of care",
        "Assesses and implements individual treatment plans",
    )
    assert factor6["split"] == {"method": "page-break", "confidence": "high"}


def test_shipped_suite_yaml_is_the_seed_read() -> None:
    """The built-in suite is generated from the seed; they must never drift apart."""
    result = read_profile_text(SEED_DOCUMENT.read_bytes(), SEED_DOCUMENT.name, "arts-therapies")
    dumped = dump_suite_yaml(result.suite).encode("utf-8")
    assert dumped == SHIPPED_YAML.read_bytes(), (
        f"{SHIPPED_YAML.name} is not what the reader makes of {SEED_DOCUMENT.name}. "
        f"If the reader changed on purpose, regenerate it with `{REGENERATE}` "
        "and review the diff."
    )


def test_shipped_suite_loads_back_to_the_seed_read() -> None:
    result = read_profile_text(SEED_DOCUMENT.read_bytes(), SEED_DOCUMENT.name, "arts-therapies")
    assert load_builtin_suite("arts-therapies") == result.suite
