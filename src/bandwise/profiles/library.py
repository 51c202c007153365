"""The profile library: the built-in suites plus any the user imports."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownProfileError
from ..scheme.loader import load_scheme
from ..scheme.model import Scheme
from .model import Profile, Suite
from .serialize import load_suite_yaml

DATA_DIR = Path(__file__).with_name("data")
BUILTIN_SUITES = ("arts-therapies",)
SEED_DOCUMENT = DATA_DIR / "national-profiles-arts-therapy.txt"


@dataclass(frozen=True, slots=True)
class Library:
    suites: tuple[Suite, ...]

    @property
    def profiles(self) -> tuple[Profile, ...]:
        return tuple(p for s in self.suites for p in s.profiles)

    def get(self, profile_id: str) -> Profile:
        """Find a profile by id (``arts-therapist``) or suite-qualified (``arts-therapies/...``)."""
        suite_id, _, pid = profile_id.rpartition("/")
        for suite in self.suites:
            if suite_id and suite.id != suite_id:
                continue
            found = suite.profile(pid)
            if found:
                return found
        known = ", ".join(p.id for p in self.profiles)
        raise UnknownProfileError(f"no profile {profile_id!r} in the library; known: {known}")

    def suite_of(self, profile: Profile) -> Suite:
        for suite in self.suites:
            if profile in suite.profiles:
                return suite
        raise UnknownProfileError(profile.id)


def load_builtin_suite(suite_id: str, scheme: Scheme | None = None) -> Suite:
    path = DATA_DIR / f"{suite_id}.yaml"
    return load_suite_yaml(scheme or load_scheme(), path.read_text(encoding="utf-8"), path.name)


@functools.cache
def builtin_library() -> Library:
    """The suites shipped with bandwise, loaded once per process."""
    return Library(tuple(load_builtin_suite(sid) for sid in BUILTIN_SUITES))
