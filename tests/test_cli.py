"""The command-line contract: command names, exit codes and JSON keys.

Other tools script against ``bandwise``; a renamed or removed key, or a changed
exit code, must fail here. Most commands run in-process through typer's
``CliRunner``. Exit code 2 (a user mistake) comes from ``bandwise.cli.main``,
which wraps the app, so those cases run ``main()`` in-process too
(``tests/clikit.py``); one test runs the installed ``bandwise`` console script in a
real process, so the entry point itself stays covered.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bandwise.cli import app
from clikit import Ran, run_main

DATA = Path(__file__).resolve().parents[1] / "src" / "bandwise" / "profiles" / "data"
SEED = DATA / "national-profiles-arts-therapy.txt"
SHIPPED_YAML = DATA / "arts-therapies.yaml"

EXPECTED_TOTALS = {
    "arts-therapist-entry-level": (438, 448),
    "arts-therapist": (475, 516),
    "arts-therapist-principal": (544, 595),
    "head-of-arts-therapies": (647, 689),
    "arts-therapies-consultant": (632, 704),
}

PROFILE_KEYS = {
    "id",
    "title",
    "band_label",
    "bands",
    "job_statement",
    "stated_total",
    "computed_total",
    "factors",
}
FACTOR_KEYS = {
    "number",
    "name",
    "level_expression",
    "levels",
    "options",
    "score_expression",
    "stated_scores",
    "points",
    "descriptor",
    "example",
}
FINDING_KEYS = {"severity", "code", "profile", "factor", "stated", "expected", "line", "message"}

# Findings only a document reader can make (layout repairs); a stored YAML has none.
READER_ONLY_CODES = {
    "page-reversed",
    "continued-cell",
    "unplaced-text",
    "encoding",
    "malformed-row",
    "level-unreadable",
    "score-unreadable",
    "factor-order",
    "total-reversed",
}

GOOD_LEVELS = "5,7,3,2,3,5,1,2,1,1,1,3,2,2,4,2"  # Arts Therapist Entry Level, low end: 438

runner = CliRunner()


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def invoke_json(*args: str | Path) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def assert_one_line_error(proc: Ran | subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip()
    assert err and "\n" not in err, f"expected one line on stderr, got {proc.stderr!r}"
    assert err.startswith("bandwise: ")
    assert proc.stdout == ""
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def keys_of(items: list[dict[str, Any]]) -> set[str]:
    return set().union(*(set(i) for i in items))


@pytest.fixture(scope="module")
def scheme_json() -> dict[str, Any]:
    return invoke_json("scheme", "show")


@pytest.fixture(scope="module")
def chart(scheme_json: dict[str, Any]) -> dict[int, dict[int, int]]:
    """factor number -> level -> points, as ``scheme show --json`` gives them."""
    return {
        f["number"]: {lv["level"]: lv["points"] for lv in f["levels"]}
        for f in scheme_json["factors"]
    }


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    return invoke_json("profiles", "import", SEED)


def profile_of(data: dict[str, Any], pid: str) -> dict[str, Any]:
    matches = [p for p in data["profiles"] if p["id"] == pid]
    assert len(matches) == 1, [p["id"] for p in data["profiles"]]
    return matches[0]


def factor_of(profile: dict[str, Any], number: int) -> dict[str, Any]:
    matches = [f for f in profile["factors"] if f["number"] == number]
    assert len(matches) == 1
    return matches[0]


# -- bandwise --help ---------------------------------------------------------------


def test_help_lists_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("scheme", "profiles", "score"):
        assert command in result.stdout


# -- scheme show ---------------------------------------------------------------------


def test_scheme_show_json_shape(scheme_json: dict[str, Any]) -> None:
    assert {"factors", "bands", "min_total", "max_total"} <= set(scheme_json)
    factors = scheme_json["factors"]
    assert [f["number"] for f in factors] == list(range(1, 17))
    assert {"number", "name", "levels"} <= keys_of(factors)
    for f in factors:
        assert f["levels"], f["number"]
        assert {"level", "points"} <= keys_of(f["levels"])
        assert [lv["level"] for lv in f["levels"]] == list(range(1, len(f["levels"]) + 1))
        points = [lv["points"] for lv in f["levels"]]
        assert points == sorted(points) and len(set(points)) == len(points), f["number"]
    assert scheme_json["min_total"] == 86
    assert scheme_json["max_total"] == 1000


def test_scheme_show_totals_agree_with_points(scheme_json: dict[str, Any]) -> None:
    factors = scheme_json["factors"]
    assert sum(f["levels"][0]["points"] for f in factors) == scheme_json["min_total"]
    assert sum(f["levels"][-1]["points"] for f in factors) == scheme_json["max_total"]


def test_scheme_show_known_points(chart: dict[int, dict[int, int]]) -> None:
    assert chart[1] == {1: 5, 2: 12, 3: 21, 4: 32, 5: 45, 6: 60}
    assert chart[2][7] == 196 and chart[2][8] == 240
    assert chart[14][2] == 7 and chart[14][4] == 18


def test_scheme_show_bands(scheme_json: dict[str, Any]) -> None:
    bands = scheme_json["bands"]
    assert {"band", "min", "max"} <= keys_of(bands)
    labels = [b["band"] for b in bands]
    assert labels == ["1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"]
    assert bands[0]["min"] == 0
    for lower, upper in itertools.pairwise(bands):
        assert upper["min"] == lower["max"] + 1


def test_scheme_show_human_mentions_above_table() -> None:
    result = invoke("scheme", "show")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "above the published band table" in text
    assert "8a" in text and "8d" in text


# -- profiles list ---------------------------------------------------------------------


def test_profiles_list_json() -> None:
    rows = invoke_json("profiles", "list")
    assert isinstance(rows, list)
    for row in rows:
        assert {"id", "title", "band_label", "bands", "total"} <= set(row)
        assert set(row["total"]) >= {"min", "max"}
    totals = {r["id"]: (r["total"]["min"], r["total"]["max"]) for r in rows}
    assert totals == EXPECTED_TOTALS
    by_id = {r["id"]: r for r in rows}
    assert by_id["arts-therapist-principal"]["band_label"] == "8a-b"
    assert by_id["arts-therapist-principal"]["bands"] == ["8a", "8b"]
    assert by_id["arts-therapist-entry-level"]["bands"] == ["6"]


def test_profiles_list_human() -> None:
    result = invoke("profiles", "list")
    assert result.exit_code == 0
    assert "arts-therapist-principal" in result.stdout


# -- profiles show ---------------------------------------------------------------------


def test_profiles_show_json() -> None:
    data = invoke_json("profiles", "show", "arts-therapist-principal")
    assert {"id", "title", "band_label", "bands", "factors", "findings"} <= set(data)
    assert data["id"] == "arts-therapist-principal"
    assert [f["number"] for f in data["factors"]] == list(range(1, 17))
    assert keys_of(data["factors"]) >= FACTOR_KEYS
    for f in data["factors"]:
        assert f["descriptor"].strip(), f["number"]
        assert f["example"].strip(), f["number"]
    assert keys_of(data["findings"]) >= FINDING_KEYS
    mismatch = [f for f in data["findings"] if f["code"] == "score-mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0]["severity"] == "error"
    assert mismatch[0]["factor"] == 2
    assert (mismatch[0]["stated"], mismatch[0]["expected"]) == ("156", "196")


def test_profiles_show_human() -> None:
    result = invoke("profiles", "show", "arts-therapist-principal")
    assert result.exit_code == 0
    assert "score-mismatch" in result.stdout


def test_profiles_show_unknown_id_exits_2() -> None:
    assert_one_line_error(run_main("profiles", "show", "no-such-profile"), "no-such-profile")


def test_the_installed_console_script_runs_main_with_its_error_handling() -> None:
    """The one test that starts a real process: the ``bandwise`` script that pip installed
    (``[project.scripts]``) reaches ``main()``: a result on stdout, and a user mistake as
    exit 2 with one line on stderr."""
    script = Path(sys.executable).with_name("bandwise")
    assert script.is_file(), f"no console script at {script}: pip install -e ."
    good = subprocess.run(
        [script, "score", "--levels", GOOD_LEVELS, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["total"] == 438
    assert_one_line_error(
        subprocess.run(
            [script, "profiles", "show", "no-such-profile"],
            capture_output=True,
            text=True,
            timeout=60,
        ),
        "no-such-profile",
    )


# -- profiles import ---------------------------------------------------------------------


def test_import_top_level_keys(imported: dict[str, Any]) -> None:
    assert {"profiles", "findings", "unplaced_lines"} <= set(imported)
    assert isinstance(imported["unplaced_lines"], list)


def test_import_profile_keys(imported: dict[str, Any]) -> None:
    profiles = imported["profiles"]
    assert [p["id"] for p in profiles] == list(EXPECTED_TOTALS)
    for p in profiles:
        assert set(p) >= PROFILE_KEYS, p["id"]
        assert set(p["stated_total"]) >= {"min", "max"}
        assert set(p["computed_total"]) >= {"min", "max"}
        assert keys_of(p["factors"]) >= FACTOR_KEYS, p["id"]
        assert [f["number"] for f in p["factors"]] == list(range(1, 17))
        assert p["job_statement"] and all(isinstance(s, str) for s in p["job_statement"])


def test_import_totals(imported: dict[str, Any]) -> None:
    for p in imported["profiles"]:
        expected = EXPECTED_TOTALS[p["id"]]
        assert (p["computed_total"]["min"], p["computed_total"]["max"]) == expected
        assert (p["stated_total"]["min"], p["stated_total"]["max"]) == expected


def test_import_levels_ascending_with_chart_points(
    imported: dict[str, Any], chart: dict[int, dict[int, int]]
) -> None:
    for p in imported["profiles"]:
        for f in p["factors"]:
            levels = f["levels"]
            assert levels and levels == sorted(set(levels)), (p["id"], f["number"], levels)
            assert f["points"] == [chart[f["number"]][lv] for lv in levels], (p["id"], f)


def test_import_factor_detail(imported: dict[str, Any]) -> None:
    f14 = factor_of(profile_of(imported, "arts-therapist"), 14)
    assert f14["level_expression"] == "2(a), 4(b)"
    assert f14["levels"] == [2, 4]
    assert f14["points"] == [7, 18]
    assert f14["options"] == {"2": ["a"], "4": ["b"]}
    assert f14["score_expression"] == "7-18"
    assert f14["stated_scores"] == [7, 18]
    assert f14["descriptor"] and f14["example"]


def test_import_findings(imported: dict[str, Any]) -> None:
    findings = imported["findings"]
    assert keys_of(findings) >= FINDING_KEYS
    assert {f["severity"] for f in findings} <= {"error", "warning", "info"}
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["code"], f["profile"], f["factor"]) for f in errors] == [
        ("score-mismatch", "arts-therapist-principal", 2)
    ]
    assert isinstance(errors[0]["line"], int) and errors[0]["message"]


def test_import_exits_0_despite_error_findings() -> None:
    result = invoke("profiles", "import", SEED)
    assert result.exit_code == 0, result.output
    assert "score-mismatch" in result.stdout


def test_import_out_yaml_validates_and_matches_shipped(tmp_path: Path) -> None:
    # A copy under another name: the stored YAML names its source file, nothing else differs.
    copy = tmp_path / "seed-copy.txt"
    shutil.copyfile(SEED, copy)
    out = tmp_path / "x.yaml"
    result = invoke(
        "profiles", "import", copy, "--suite-id", "arts-therapies", "--out", out, "--json"
    )
    assert result.exit_code == 0, result.output
    imported = json.loads(result.stdout)
    assert out.is_file()

    text = out.read_text(encoding="utf-8")
    shipped = SHIPPED_YAML.read_text(encoding="utf-8")
    written_data, shipped_data = yaml.safe_load(text), yaml.safe_load(shipped)
    assert written_data["suite"].pop("source") == copy.name
    assert shipped_data["suite"].pop("source") == SEED.name
    assert written_data == shipped_data
    assert text.replace(copy.name, SEED.name) == shipped

    validated = invoke("profiles", "validate", out, "--json")
    assert validated.exception is None or isinstance(validated.exception, SystemExit)
    assert validated.exit_code == 1  # the misprinted score is still an error
    stored = json.loads(validated.stdout)

    def key(f: dict[str, Any]) -> tuple[Any, ...]:
        return (f["severity"], f["code"], f["profile"], f["factor"], f["stated"], f["expected"])

    from_document = {key(f) for f in imported["findings"] if f["code"] not in READER_ONLY_CODES}
    assert {key(f) for f in stored} == from_document
    assert not {f["code"] for f in stored} & READER_ONLY_CODES


def test_import_default_suite_id_differs_only_in_id(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    assert invoke("profiles", "import", SEED, "--out", out).exit_code == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    shipped = yaml.safe_load(SHIPPED_YAML.read_text(encoding="utf-8"))
    written["suite"].pop("id")
    shipped["suite"].pop("id")
    assert written == shipped


def _unreadable(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "missing.txt"
    if kind == "empty":
        path = tmp_path / "empty.txt"
        path.write_bytes(b"")
    elif kind == "binary":
        path = tmp_path / "binary.txt"
        path.write_bytes(b"\x00\x01\x02\xff" * 256)
    else:
        path = tmp_path / "profiles.pdf"
        path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    return path


@pytest.mark.parametrize("kind", ["missing", "empty", "binary", "pdf"])
def test_import_unreadable_file_exits_2_and_writes_nothing(tmp_path: Path, kind: str) -> None:
    path = _unreadable(tmp_path, kind)
    out = tmp_path / "out.yaml"
    proc = run_main("profiles", "import", path, "--out", out)
    assert_one_line_error(proc, path.name)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [] if kind == "missing" else [path.name]
    ), "no file (or temporary file) may be left behind"


# -- profiles validate ---------------------------------------------------------------------


def test_validate_seed_exits_1() -> None:
    result = invoke("profiles", "validate", SEED)
    assert result.exit_code == 1, result.output
    assert "score-mismatch" in result.stdout


def test_validate_clean_document_exits_0(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    wrong = "master's level equivalent plus experience\t7\t156\n"
    assert text.count(wrong) == 1, "the seed's misprint moved; update this test"
    clean = tmp_path / "clean.txt"
    clean.write_text(text.replace(wrong, wrong.replace("\t156", "\t196")), encoding="utf-8")
    result = invoke("profiles", "validate", clean, "--json")
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert keys_of(findings) >= FINDING_KEYS
    assert not [f for f in findings if f["severity"] == "error"]
    assert "score-mismatch" not in {f["code"] for f in findings}


# -- score ---------------------------------------------------------------------


def test_score_json() -> None:
    data = invoke_json("score", "--levels", GOOD_LEVELS)
    assert {"total", "band", "factors"} <= set(data)
    assert data["total"] == 438
    assert data["band"] == "6"
    factors = data["factors"]
    assert [f["number"] for f in factors] == list(range(1, 17))
    assert {"number", "level", "points"} <= keys_of(factors)
    assert sum(f["points"] for f in factors) == 438
    assert factors[1]["points"] == 196


def test_score_accepts_options() -> None:
    data = invoke_json("score", "--levels", GOOD_LEVELS.replace("5,7,3,2,3", "5c,7,3,2,3(a)", 1))
    assert data["total"] == 438
    assert data["band"] == "6"
    assert [f["points"] for f in data["factors"][:3]] == [45, 196, 27]


def test_score_all_ones_is_band_1_closed() -> None:
    data = invoke_json("score", "--levels", ",".join(["1"] * 16))
    assert data["total"] == 86
    assert data["band"] == "1"
    notes = " ".join(data.get("notes", []))
    assert "closed to new entrants" in notes


def test_score_all_max_is_above_table(chart: dict[int, dict[int, int]]) -> None:
    top = ",".join(str(max(chart[n])) for n in range(1, 17))
    data = invoke_json("score", "--levels", top)
    assert data["total"] == 1000
    assert data["band"] == "above the published band table"


def test_score_human() -> None:
    result = invoke("score", "--levels", GOOD_LEVELS)
    assert result.exit_code == 0
    assert "438" in result.stdout


@pytest.mark.parametrize(
    ("levels", "needles"),
    [
        pytest.param("5,7,3", ("16 levels", "got 3"), id="wrong-count"),
        pytest.param("x" + GOOD_LEVELS[1:], ("factor 1", "'x'", "1 to 6"), id="not-a-number"),
        pytest.param(GOOD_LEVELS.replace("5,7", "5,9", 1), ("factor 2", "1 to 8"), id="too-high"),
    ],
)
def test_score_bad_levels_exit_2(levels: str, needles: tuple[str, ...]) -> None:
    assert_one_line_error(run_main("score", "--levels", levels, "--json"), *needles)
