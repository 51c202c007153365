"""The release's version lives in one place (``bandwise.__version__``, which the package
metadata reads) and the CHANGELOG records each release under its version."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import bandwise

ROOT = Path(__file__).resolve().parents[1]
RELEASE_HEADING = re.compile(r"^## (\d+\.\d+\.\d+) — (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def test_the_package_metadata_takes_its_version_from_bandwise_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" in project["dynamic"] and "version" not in project
    assert version("bandwise") == bandwise.__version__


def test_the_changelog_has_a_section_for_the_version_being_released() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = RELEASE_HEADING.findall(changelog)
    assert releases, "no '## X.Y.Z — YYYY-MM-DD' section in CHANGELOG.md"
    assert releases[0][0] == bandwise.__version__, (
        f"CHANGELOG.md's newest release is {releases[0][0]}, the package is "
        f"{bandwise.__version__}: add its section (or bump __version__)"
    )
    assert changelog.index("## Unreleased") < changelog.index(f"## {releases[0][0]} ")


def test_each_release_in_the_changelog_is_newer_than_the_one_below_it() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    found = [
        (tuple(int(n) for n in v.split(".")), day) for v, day in RELEASE_HEADING.findall(changelog)
    ]
    assert found == sorted(found, reverse=True)
