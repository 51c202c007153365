"""The evaluation set written apart from the engine (bench/suggest_eval) stays well formed:
its shape only; its accuracy figures are printed by bench/suggest_eval.py, never asserted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme

ROOT = Path(__file__).resolve().parents[1] / "bench" / "suggest_eval"
FILES = sorted(ROOT.glob("*/*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_the_set_has_a_tuning_part_and_a_held_out_part_of_30_or_more_in_all() -> None:
    parts = {p.parent.name for p in FILES}
    assert parts == {"tune", "heldout"}
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_job_description_is_labelled_with_a_profile_and_levels_the_scheme_has(
    path: Path,
) -> None:
    data = _load(path)
    assert data["id"] == path.stem
    assert data["text"].strip() and data["levels_reason"].strip()
    if data["profile"] is None:
        assert data["levels"] is None
        return
    builtin_library().get(data["profile"])  # raises for an unknown profile
    scheme = load_scheme()
    assert len(data["levels"]) == len(scheme.factors)
    for factor, value in zip(scheme.factors, data["levels"], strict=True):
        if isinstance(value, int):
            wanted = [value]
        elif isinstance(value, list):
            wanted = value
        else:
            low, _, high = str(value).partition("-")
            wanted = list(range(int(low), int(high) + 1))
        assert set(wanted) <= set(factor.level_numbers), (factor.number, value)


def test_about_half_state_no_band_and_some_are_other_professions() -> None:
    data = [_load(p) for p in FILES]
    no_band = sum(d["band_stated"] is None for d in data)
    assert abs(no_band - len(data) / 2) <= len(data) / 5
    assert sum(d["profile"] is None for d in data) >= 5
