"""Imported profile suites kept as versioned files in the user's data folder.

``<data>/suites/<suite-id>/v<N>.yaml``: each import that changes a suite adds a
version; nothing is overwritten, so an outcome recorded against version N can be
re-explained after version N+1 arrives. The data folder is ``BANDWISE_DATA_DIR``,
or ``$XDG_DATA_HOME/bandwise`` (``~/.local/share/bandwise``).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProfileDataError
from ..scheme.model import Scheme
from .model import Suite
from .serialize import dump_suite_yaml, load_suite_yaml

_VERSION = re.compile(r"^v(\d+)\.yaml$")


def data_dir() -> Path:
    explicit = os.environ.get("BANDWISE_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "bandwise"


@dataclass(frozen=True, slots=True)
class StoredSuite:
    suite: Suite
    version: int
    path: Path


class SuiteStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or data_dir()) / "suites"

    def suite_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.versions(p.name))

    def versions(self, suite_id: str) -> list[int]:
        folder = self.root / suite_id
        if not folder.is_dir():
            return []
        found = (_VERSION.match(p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def load(self, scheme: Scheme, suite_id: str, version: int | None = None) -> StoredSuite | None:
        versions = self.versions(suite_id)
        if not versions:
            return None
        v = version if version is not None else versions[-1]
        if v not in versions:
            raise ProfileDataError(suite_id, "version", f"no version {v}; have {versions}")
        path = self.root / suite_id / f"v{v}.yaml"
        return StoredSuite(
            load_suite_yaml(scheme, path.read_text(encoding="utf-8"), str(path)), v, path
        )

    def save(self, suite: Suite, base_version: int = 0) -> StoredSuite:
        """Store ``suite`` as the next version; all or nothing."""
        folder = self.root / suite.id
        folder.mkdir(parents=True, exist_ok=True)
        version = max([base_version, *self.versions(suite.id)]) + 1
        path = folder / f"v{version}.yaml"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".import-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(dump_suite_yaml(suite))
            if path.exists():  # another import won the race: never overwrite a version
                raise ProfileDataError(str(path), "", "this version was saved meanwhile; retry")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredSuite(suite, version, path)
