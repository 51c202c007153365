"""The rings point inward, checked by import-linter's contracts in ``pyproject.toml``:
scheme <- profiles <- documents <- suggest/batch <- services <- web/cli, the pages never
import the API's routers, and the inner rings use no web, CLI or database framework.

``make lint`` runs ``lint-imports`` too; this test keeps a plain ``pytest`` run honest.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
CONTRACTS = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"][
    "contracts"
]


@pytest.mark.parametrize("contract", [c["id"] for c in CONTRACTS])
def test_the_import_contract_is_kept(contract: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(
        config_filename=str(PYPROJECT), limit_to_contracts=(contract,), no_cache=True
    )
    assert code == 0, capsys.readouterr().out


def test_the_contracts_cover_every_ring_named_in_the_design() -> None:
    layers = next(c for c in CONTRACTS if c["id"] == "rings")["layers"]
    named = {part.strip() for layer in layers for part in layer.replace(":", "|").split("|")}
    for ring in ("web", "services", "store", "suggest", "batch", "documents", "profiles"):
        assert f"bandwise.{ring}" in named
    assert {"bandwise.scheme", "bandwise.errors", "bandwise.cli"} <= named
