"""The docs stay honest: every finding code, CLI command and scheme file is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bandwise.cli import app
from bandwise.profiles.model import FINDING_CODES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_every_finding_code_is_documented(code: str) -> None:
    assert f"`{code}`" in (DOCS / "data-formats.md").read_text(encoding="utf-8")


def test_every_finding_code_used_in_the_source_is_registered() -> None:
    used: set[str] = set()
    for path in (ROOT / "src" / "bandwise").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r'"(?:error|warning|info)",\s*"([a-z0-9-]+)"', text))
    used -= {"error", "warning", "info"}  # the SEVERITIES tuple matches the pattern too
    assert len(used) > 10, "the pattern found few finding codes: the test itself is broken"
    assert used <= FINDING_CODES, used - FINDING_CODES


def _commands() -> list[str]:
    import typer.main

    root = typer.main.get_command(app)
    names: list[str] = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        names.extend(f"{name} {sub}" for sub in subs) if subs else names.append(name)
    return names


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"bandwise {command}" in (DOCS / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name", ["scheme.yaml", "factor_plan.yaml", "weighting_chart.yaml", "bands.yaml"]
)
def test_every_scheme_file_is_documented(name: str) -> None:
    assert (ROOT / "src" / "bandwise" / "scheme" / "data" / name).is_file()
    assert f"`{name}`" in (DOCS / "data-formats.md").read_text(encoding="utf-8")


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:10]
    assert "make run" in "\n".join(first_screen)
    assert "make test" in "\n".join(first_screen)
