"""The user's data folder, and the suite files older versions of bandwise kept there.

The data folder is ``BANDWISE_DATA_DIR``, or ``$XDG_DATA_HOME/bandwise``
(``~/.local/share/bandwise``); it holds the default SQLite database, whose
``profile_suites`` table is the library ``bandwise profiles import --save`` writes to.

Before, ``--save`` wrote ``<data>/suites/<suite-id>/v<N>.yaml`` files that only the
command line read. They are no longer read (the server never did): :class:`SuiteStore`
finds them so the command line can say how to import them into the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProfileDataError
from ..scheme.model import Scheme
from ..settings import load
from .model import Suite
from .serialize import load_suite_yaml

_VERSION = re.compile(r"^v(\d+)\.yaml$")


def data_dir() -> Path:
    """``BANDWISE_DATA_DIR``, or ``$XDG_DATA_HOME/bandwise`` (:mod:`bandwise.settings`)."""
    return load().data_folder


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

    def latest_files(self) -> list[Path]:
        """The newest version file of each suite kept here, by suite id."""
        return [self.root / sid / f"v{self.versions(sid)[-1]}.yaml" for sid in self.suite_ids()]
