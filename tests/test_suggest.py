"""Suggestions from a job description: the JSON contract, ranking on the evaluation set,
levels within each factor's scale, evidence quoted word for word, the implied total,
determinism, no network, the command line and the semantic fallback."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.scoring import bands_for, score_range
from bandwise.suggest import NOT_ENOUGH, Suggestions, clear_cache, suggest
from bandwise.suggest import engine as engine_module
from clikit import Ran, run_main

EVAL_DIR = Path(__file__).parent / "suggest_eval"
SCHEME = load_scheme()
LIBRARY = builtin_library()
runner = CliRunner()


def _cases() -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EVAL_DIR.glob("*.yaml"))]


CASES = _cases()
IN_PROFILE = [c for c in CASES if c["kind"] == "in-profile"]
_RESULTS: dict[str, Suggestions] = {}


def result_for(case: dict[str, Any]) -> Suggestions:
    if case["id"] not in _RESULTS:
        _RESULTS[case["id"]] = suggest(case["text"], LIBRARY, SCHEME)
    return _RESULTS[case["id"]]


def _flat(text: str) -> str:
    return " ".join(text.split())


# -- the evaluation set itself ------------------------------------------------------------


def test_evaluation_set_is_well_formed() -> None:
    ids = {p.id for p in LIBRARY.profiles}
    assert len(CASES) >= 14
    for profile_id in ids:
        assert sum(c["profile"] == profile_id and c["kind"] == "in-profile" for c in CASES) >= 2
    assert sum(c["kind"] == "near-miss" for c in CASES) >= 4
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert case["id"] == path.stem
        assert case["profile"] is None or case["profile"] in ids
        assert len(case["levels"]) == 16
        for number, value in enumerate(case["levels"], start=1):
            low, _, high = str(value).partition("-")
            for level in (int(low), int(high or low)):
                assert SCHEME.factor(number).has_level(level), (case["id"], number, value)


def test_in_profile_levels_are_ones_the_profile_admits() -> None:
    for case in IN_PROFILE:
        profile = LIBRARY.get(case["profile"])
        for entry, value in zip(profile.factors, case["levels"], strict=True):
            low, _, high = str(value).partition("-")
            wanted = set(range(int(low), int(high or low) + 1))
            assert wanted & set(entry.levels), (case["id"], entry.number, value, entry.levels)


# -- the JSON contract --------------------------------------------------------------------


def test_json_has_the_contract_keys() -> None:
    data = result_for(CASES[0]).to_json()
    assert {"profiles", "factors", "total", "bands"} <= set(data)
    assert data["profiles"]
    for p in data["profiles"]:
        assert {"id", "title", "score", "evidence"} <= set(p)
        assert isinstance(p["score"], float)
        assert all(isinstance(e["text"], str) for e in p["evidence"])
    assert [f["number"] for f in data["factors"]] == list(range(1, 17))
    for f in data["factors"]:
        assert {"number", "levels", "confidence", "evidence"} <= set(f)
        assert f["confidence"] in ("high", "medium", "low", NOT_ENOUGH)
    assert set(data["total"]) >= {"min", "max"}
    assert all(isinstance(b, str) for b in data["bands"])
    json.dumps(data)  # plain JSON types only


def test_profiles_come_best_first_and_top_limits_them() -> None:
    result = suggest(CASES[0]["text"], LIBRARY, SCHEME, top=3)
    assert len(result.profiles) == 3
    scores = [p.score for p in result.profiles]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


# -- ranking on the evaluation set ----------------------------------------------------------


def test_top3_contains_the_panel_profile_for_most_in_profile_descriptions() -> None:
    hits = [c["profile"] in [p.id for p in result_for(c).profiles[:3]] for c in IN_PROFILE]
    assert sum(hits) / len(hits) >= 0.8, hits


def test_top1_is_the_panel_profile_for_most_in_profile_descriptions() -> None:
    hits = [result_for(c).profiles[0].id == c["profile"] for c in IN_PROFILE]
    assert sum(hits) / len(hits) >= 0.7, hits


def test_factor_levels_are_mostly_within_one_of_the_panel_level() -> None:
    near = total = 0
    for case in IN_PROFILE:
        for f, value in zip(result_for(case).factors, case["levels"], strict=True):
            if f.level is None:
                continue
            low, _, high = str(value).partition("-")
            total += 1
            near += min(abs(f.level - int(low)), abs(f.level - int(high or low))) <= 1
    assert near / total >= 0.75


# -- what every suggestion must satisfy -------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_levels_are_on_the_factor_scale_or_not_enough_evidence(case: dict[str, Any]) -> None:
    for f in result_for(case).factors:
        factor = SCHEME.factor(f.number)
        if f.confidence == NOT_ENOUGH:
            assert f.levels == () and f.level is None and f.evidence == ()
            continue
        assert f.levels, f
        assert all(factor.has_level(lv) for lv in f.levels)
        assert f.level in f.levels
        assert f.evidence
        assert abs(sum(share for _, share in f.votes) - 1.0) < 0.02


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_evidence_is_verbatim_from_the_job_description(case: dict[str, Any]) -> None:
    text = case["text"]
    flat = _flat(text)
    result = result_for(case)
    evidence = [e for p in result.profiles for e in p.evidence]
    evidence += [e for f in result.factors for e in f.evidence]
    assert evidence
    for e in evidence:
        assert e.text in flat
        assert _flat(text[e.start : e.end]) == e.text
        assert 0.0 <= e.score <= 1.0


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_total_and_bands_follow_from_the_suggested_levels(case: dict[str, Any]) -> None:
    result = result_for(case)
    assumed = dict(result.assumed)
    level_sets = [f.levels or assumed[f.number] for f in result.factors]
    assert set(assumed) == {f.number for f in result.factors if not f.levels}
    low, high = score_range(SCHEME, level_sets)
    assert (result.total_min, result.total_max) == (low, high)
    assert result.bands == tuple(b.label for b in bands_for(SCHEME, low, high))
    if assumed and result.profiles[0].fit == "weak":  # no profile fits: none lends levels
        assert result.assumed_from is None
        for number, levels in assumed.items():
            assert levels == SCHEME.factor(number).level_numbers
    elif assumed:
        assert result.assumed_from == result.profiles[0].id
        closest = LIBRARY.get(result.profiles[0].id)
        for number, levels in assumed.items():
            entry = closest.factor(number)
            assert entry is not None and levels == entry.levels


def test_output_is_deterministic() -> None:
    text = CASES[1]["text"]
    first = json.dumps(suggest(text, LIBRARY, SCHEME).to_json(), sort_keys=True)
    clear_cache()
    again = json.dumps(suggest(text, LIBRARY, SCHEME).to_json(), sort_keys=True)
    assert first == again


def test_wording_is_a_suggestion() -> None:
    data = result_for(CASES[0]).to_json()
    assert "panel decides" in data["disclaimer"]


def test_text_with_no_bearing_on_any_factor_has_not_enough_evidence() -> None:
    result = suggest("Lorem ipsum dolor amet. Consectetur adipiscing elit sed.", LIBRARY, SCHEME)
    assert all(f.confidence == NOT_ENOUGH for f in result.factors)
    assert len(result.assumed) == 16
    assert any("Not enough evidence" in n for n in result.notes)


# -- the index is built once per library --------------------------------------------------


def test_index_is_built_once_per_library(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cache()
    calls: list[int] = []
    original = engine_module._prepare

    def counting(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(engine_module, "_prepare", counting)
    suggest(CASES[0]["text"], LIBRARY, SCHEME)
    suggest(CASES[1]["text"], LIBRARY, SCHEME)
    assert len(calls) == 1
    # an equal library built anew (as load_library() does per call) reuses the index
    suggest(CASES[0]["text"], replace(LIBRARY), SCHEME)
    assert len(calls) == 1
    # a library with other profiles gets its own
    fewer = replace(LIBRARY, suites=(replace(LIBRARY.suites[0], profiles=LIBRARY.profiles[:2]),))
    assert len(suggest(CASES[0]["text"], fewer, SCHEME).profiles) == 2
    assert len(calls) == 2


def test_an_empty_library_still_suggests_levels() -> None:
    empty = replace(LIBRARY, suites=(), versions=())
    result = suggest(CASES[0]["text"], empty, SCHEME)
    assert result.profiles == ()
    assert any(f.levels for f in result.factors)
    assert result.assumed_from is None


# -- no network -----------------------------------------------------------------------------


def test_no_network_access_is_attempted(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("suggest tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    clear_cache()
    backends = ["bm25"]
    from bandwise.suggest import semantic_available

    if semantic_available():
        backends.append("semantic")
    for backend in backends:
        result = suggest(CASES[0]["text"], LIBRARY, SCHEME, backend=backend)
        assert result.backend == backend
    clear_cache()


# -- backends ---------------------------------------------------------------------------------


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        suggest("text", LIBRARY, SCHEME, backend="magic")


def test_semantic_falls_back_to_bm25_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "semantic_available", lambda: False)
    result = suggest(CASES[0]["text"], LIBRARY, SCHEME, backend="semantic")
    assert result.backend == "bm25"
    assert any("semantic backend is not installed" in n for n in result.notes)


def test_semantic_backend_when_installed() -> None:
    from bandwise.suggest import semantic_available

    if not semantic_available():
        pytest.skip("the [semantic] extra is not installed")
    result = suggest(CASES[0]["text"], LIBRARY, SCHEME, backend="semantic")
    assert result.backend == "semantic"
    assert {"profiles", "factors", "total", "bands"} <= set(result.to_json())
    flat = _flat(CASES[0]["text"])
    assert all(e.text in flat for f in result.factors for e in f.evidence)


# -- command line -----------------------------------------------------------------------------


def _jd(tmp_path: Path, case: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "jd.txt"
    path.write_text((case or CASES[0])["text"], encoding="utf-8")
    return path


def test_cli_json(tmp_path: Path) -> None:
    out = runner.invoke(app, ["suggest", str(_jd(tmp_path)), "--json", "--top", "2"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert len(data["profiles"]) == 2
    assert len(data["factors"]) == 16
    assert data["total"]["min"] <= data["total"]["max"]


def test_cli_human_output_words_everything_as_a_suggestion(tmp_path: Path) -> None:
    out = runner.invoke(app, ["suggest", str(_jd(tmp_path))], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "Profiles to try" in out.output
    assert "Factor levels (suggested" in out.output
    assert "Suggested levels imply a total of" in out.output
    assert "a panel decides" in out.output


def test_cli_reads_standard_input() -> None:
    out = runner.invoke(app, ["suggest", "-", "--json"], input=CASES[0]["text"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["sentences"] > 10


def _run(*args: str | Path) -> Ran:
    """``bandwise ARGS`` through ``main()`` in-process (exit 2 for a user mistake)."""
    return run_main(*args)


def test_cli_exit_codes(tmp_path: Path) -> None:
    ok = _run("suggest", _jd(tmp_path), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["profiles"]
    for args, needle in (
        (("suggest", tmp_path / "missing.txt"), "no such file"),
        (("suggest", _jd(tmp_path), "--backend", "magic"), "--backend must be one of"),
        (("suggest", tmp_path), "is a folder"),
    ):
        proc = _run(*args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("bandwise: ") and needle in lines[0]
