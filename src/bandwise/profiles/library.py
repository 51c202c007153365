"""The profile library: the built-in suites; an organisation adds its imported versions
(kept in the database, ``bandwise.services.suites``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
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
    versions: tuple[int, ...] = ()  # version of each suite (built-in suites are version 1)

    def version_of(self, suite_id: str) -> int:
        for suite, version in zip(
            self.suites, self.versions or (1,) * len(self.suites), strict=True
        ):
            if suite.id == suite_id:
                return version
        return 0

    def suite(self, suite_id: str) -> Suite | None:
        for suite in self.suites:
            if suite.id == suite_id:
                return suite
        return None

    @property
    def profiles(self) -> tuple[Profile, ...]:
        """Every profile, archived ones included (old cases still name them)."""
        return tuple(p for s in self.suites for p in s.profiles)

    def offered(self, include_archived: bool = False) -> Library:
        """The library to offer for a new job: matching, nearest profiles, suggestions and
        pickers. An archived profile is withdrawn by its suite, so it is left out unless
        asked for; ``get`` still finds it for the cases already opened on it."""
        if include_archived or not any(p.archived for p in self.profiles):
            return self
        return Library(
            tuple(
                replace(s, profiles=tuple(p for p in s.profiles if not p.archived))
                for s in self.suites
            ),
            self.versions,
        )

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
    suites = tuple(load_builtin_suite(sid) for sid in BUILTIN_SUITES)
    return Library(suites, (1,) * len(suites))


def with_suites(library: Library, suites: tuple[Suite, ...] | list[Suite]) -> Library:
    """``library`` with ``suites`` added (one with the id of a library suite replaces it).
    Suites given this way (``--suite FILE``) are in no library: their version is 0."""
    merged = dict(
        zip(
            (s.id for s in library.suites),
            zip(library.suites, library.versions or (1,) * len(library.suites), strict=True),
            strict=True,
        )
    )
    for suite in suites:
        merged[suite.id] = (suite, 0)
    return Library(tuple(s for s, _ in merged.values()), tuple(v for _, v in merged.values()))


def load_library() -> Library:
    """The built-in suites. An organisation's imported versions live in its database
    (``bandwise.services.suites.organisation_library``); the command line and the server
    both read them there."""
    return builtin_library()
