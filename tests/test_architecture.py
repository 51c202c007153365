"""The rings point inward: scheme/ imports only errors of bandwise; profiles/ only scheme/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "bandwise"
ALLOWED = {
    "scheme": {"scheme", "errors", "clock"},
    "profiles": {"scheme", "profiles", "errors", "settings"},
}
FRAMEWORKS = {"typer", "rich", "fastapi", "sqlalchemy"}


def _imports(path: Path) -> set[str]:
    """Top-level bandwise subpackages and third-party roots that a module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(SRC).parts[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                out.add(package)
            elif node.level == 2 and node.module:
                out.add(node.module.split(".")[0])
            elif node.level == 0 and node.module:
                out.add("ext:" + node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out.update("ext:" + a.name.split(".")[0] for a in node.names)
    return out


@pytest.mark.parametrize("ring", sorted(ALLOWED))
def test_ring_imports_only_inward(ring: str) -> None:
    files = sorted((SRC / ring).glob("*.py"))
    assert files
    for path in files:
        imported = _imports(path)
        inner = {i for i in imported if not i.startswith("ext:")}
        assert inner <= ALLOWED[ring], f"{path.name} imports {inner - ALLOWED[ring]}"
        frameworks = {i[4:] for i in imported if i.startswith("ext:")} & FRAMEWORKS
        assert not frameworks, f"{path.name} imports {frameworks}"
