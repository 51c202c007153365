"""National profile suites an organisation imports, stored in the database with versions.

Each import that changes a suite adds a row (``profile_suites``) holding the suite
YAML; nothing is overwritten, so an outcome recorded against version N can be
re-explained after version N+1 arrives. An organisation's library is the built-in
suites plus the latest stored version of each of its suites (a stored version of a
built-in suite id replaces it: the built-in suite is version 1, so the first import
of it is version 2). Re-importing an unchanged suite stores nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import as_utc as _utc
from ..errors import ProfileDataError
from ..profiles.diff import SuiteDiff
from ..profiles.library import Library, builtin_library
from ..profiles.model import Finding, ReadResult, Suite
from ..profiles.serialize import dump_suite_yaml, load_suite_yaml
from ..profiles.validate import validate_suite
from ..scheme.loader import load_scheme
from ..store import tables as t
from .base import Actor, Conflict, Database, InvalidInput, NotFound, audit
from .profile_import import align_suite_id, compare


@dataclass(frozen=True, slots=True)
class SuiteSummary:
    """One suite of an organisation's library, at its current version."""

    suite_id: str
    title: str
    version: int
    builtin: bool  # True when the built-in suite is in use (nothing stored replaces it)
    profiles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SuiteVersionView:
    id: int
    suite_id: str
    version: int
    title: str
    source: str
    imported_by: int
    imported_at: dt.datetime | None

    @classmethod
    def of(cls, row: t.StoredSuite) -> SuiteVersionView:
        return cls(
            row.id,
            row.suite_id,
            row.version,
            row.title,
            row.source,
            row.imported_by,
            _utc(row.imported_at),
        )


@dataclass(frozen=True, slots=True)
class SuiteImport:
    """What an import did: ``created`` is False when the suite was unchanged (nothing stored).

    ``diff`` is None for a suite new to the organisation's library; ``base_version``
    is the library's version before the import (0 when new)."""

    suite_id: str
    title: str
    version: int  # the version now current
    base_version: int
    created: bool
    diff: SuiteDiff | None
    findings: tuple[Finding, ...]
    profiles: tuple[str, ...]


@functools.lru_cache(maxsize=128)
def _parse(content: str, label: str) -> Suite:
    return load_suite_yaml(load_scheme(), content, label)


def _label(row: t.StoredSuite) -> str:
    return f"profile suite {row.suite_id} version {row.version}"


def _latest_rows(session: Session, organisation_id: int) -> list[t.StoredSuite]:
    latest = (
        select(t.StoredSuite.suite_id, func.max(t.StoredSuite.version).label("version"))
        .where(t.StoredSuite.organisation_id == organisation_id)
        .group_by(t.StoredSuite.suite_id)
        .subquery()
    )
    query = (
        select(t.StoredSuite)
        .join(
            latest,
            (t.StoredSuite.suite_id == latest.c.suite_id)
            & (t.StoredSuite.version == latest.c.version),
        )
        .where(t.StoredSuite.organisation_id == organisation_id)
        .order_by(t.StoredSuite.suite_id)
    )
    return list(session.scalars(query))


def library_in(session: Session, organisation_id: int) -> Library:
    """The organisation's library, read within an open transaction."""
    base = builtin_library()
    suites: dict[str, tuple[Suite, int]] = {
        s.id: (s, v) for s, v in zip(base.suites, base.versions, strict=True)
    }
    for row in _latest_rows(session, organisation_id):
        suites[row.suite_id] = (_parse(row.content, _label(row)), row.version)
    return Library(tuple(s for s, _ in suites.values()), tuple(v for _, v in suites.values()))


def organisation_library(source: Database | Session, organisation_id: int) -> Library:
    """Built-in suites plus the organisation's latest stored version of each suite."""
    if isinstance(source, Session):
        return library_in(source, organisation_id)
    with source.reading() as session:
        return library_in(session, organisation_id)


def suite_at_version(
    session: Session, organisation_id: int, suite_id: str, version: int
) -> Suite | None:
    """A suite as it was at ``version`` (version 1 of a built-in suite is the built-in one
    unless the organisation stored its own version 1); None when there is no such version.

    The one reader of a stored suite version: cases, re-matching, consistency and the
    library all go through it (parsed once per stored text)."""
    row = session.scalar(
        select(t.StoredSuite).where(
            t.StoredSuite.organisation_id == organisation_id,
            t.StoredSuite.suite_id == suite_id,
            t.StoredSuite.version == version,
        )
    )
    if row is not None:
        return _parse(row.content, _label(row))
    builtin = builtin_library()
    if version == builtin.version_of(suite_id):
        return builtin.suite(suite_id)
    return None


def list_suites(db: Database, actor: Actor) -> tuple[SuiteSummary, ...]:
    actor.require("read")
    with db.reading() as session:
        library = library_in(session, actor.organisation_id)
    builtin = builtin_library()
    return tuple(
        SuiteSummary(s.id, s.title, v, builtin.suite(s.id) is s, tuple(p.id for p in s.profiles))
        for s, v in zip(library.suites, library.versions, strict=True)
    )


def list_suite_versions(db: Database, actor: Actor, suite_id: str) -> tuple[SuiteVersionView, ...]:
    """The stored versions of one suite, oldest first (built-in versions are not rows)."""
    actor.require("read")
    with db.reading() as session:
        rows = session.scalars(
            select(t.StoredSuite)
            .where(
                t.StoredSuite.organisation_id == actor.organisation_id,
                t.StoredSuite.suite_id == suite_id,
            )
            .order_by(t.StoredSuite.version)
        )
        return tuple(SuiteVersionView.of(r) for r in rows)


def get_suite_yaml(db: Database, actor: Actor, suite_id: str, version: int) -> str:
    """The stored YAML of one version (what was imported, as stored)."""
    actor.require("read")
    with db.reading() as session:
        row = session.scalar(
            select(t.StoredSuite).where(
                t.StoredSuite.organisation_id == actor.organisation_id,
                t.StoredSuite.suite_id == suite_id,
                t.StoredSuite.version == version,
            )
        )
        if row is not None:
            return row.content
        suite = suite_at_version(session, actor.organisation_id, suite_id, version)
        if suite is None:
            raise NotFound(f"no version {version} of profile suite {suite_id}")
        return dump_suite_yaml(suite)


def _prepared(
    session: Session, actor: Actor, result: ReadResult, suite_id: str | None
) -> tuple[ReadResult, Library]:
    library = library_in(session, actor.organisation_id)
    if suite_id:
        result = dataclasses.replace(result, suite=dataclasses.replace(result.suite, id=suite_id))
    else:
        result = align_suite_id(result, library)
    if not result.suite.profiles:
        raise InvalidInput("the document has no national profiles to import", "suite")
    return result, library


def preview_import(
    db: Database, actor: Actor, result: ReadResult, suite_id: str | None = None
) -> SuiteImport:
    """What :func:`import_suite` would do, without storing anything (``created`` is whether
    it would store a new version, ``version`` the version it would be)."""
    actor.require("import")
    with db.transaction() as session:
        result, library = _prepared(session, actor, result, suite_id)
    comparison = compare(library, result)
    unchanged = comparison.diff is not None and comparison.diff.is_empty
    return _summary(
        result,
        comparison.base_version,
        comparison.base_version + (0 if unchanged else 1),
        not unchanged,
        comparison.diff,
    )


def _summary(
    result: ReadResult, base: int, version: int, created: bool, diff: SuiteDiff | None
) -> SuiteImport:
    findings = tuple(result.findings) + tuple(validate_suite(load_scheme(), result.suite))
    return SuiteImport(
        result.suite.id,
        result.suite.title,
        version,
        base,
        created,
        diff,
        findings,
        tuple(p.id for p in result.suite.profiles),
    )


def import_suite(
    db: Database,
    actor: Actor,
    result: ReadResult,
    suite_id: str | None = None,
    expected_version: int | None = None,
) -> SuiteImport:
    """Store the suite read from a document as the organisation's next version of it.

    The suite id is ``suite_id`` when given, else that of the library suite with the same
    title, else the reader's. ``expected_version`` (the library version the caller's
    preview was made against) guards against an import made meanwhile: Conflict."""
    actor.require("import")
    with db.transaction() as session:
        result, library = _prepared(session, actor, result, suite_id)
        content = dump_suite_yaml(result.suite)
        try:  # what is stored must load again, exactly as the cases will read it
            load_suite_yaml(load_scheme(), content, result.suite.id)
        except ProfileDataError as exc:
            raise InvalidInput(f"the suite cannot be stored: {exc}", "suite") from exc
        comparison = compare(library, result)
        base = comparison.base_version
        if expected_version is not None and expected_version != base:
            raise Conflict(
                f"profile suite {result.suite.id} is now at version {base}, not "
                f"{expected_version}; review the changes again before importing",
                "version",
            )
        if comparison.diff is not None and comparison.diff.is_empty:
            return _summary(result, base, base, False, comparison.diff)
        stored_max = (
            session.scalar(
                select(func.max(t.StoredSuite.version)).where(
                    t.StoredSuite.organisation_id == actor.organisation_id,
                    t.StoredSuite.suite_id == result.suite.id,
                )
            )
            or 0
        )
        version = max(base, stored_max) + 1
        row = t.StoredSuite(
            organisation_id=actor.organisation_id,
            suite_id=result.suite.id,
            version=version,
            title=result.suite.title[:300],
            source=result.suite.source[:300],
            content=content,
            imported_by=actor.user_id,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"version {version} of profile suite {result.suite.id} was imported "
                "meanwhile; review the changes again",
                "version",
            ) from exc
        audit(
            session,
            actor,
            "suite.imported",
            "profile_suite",
            row.id,
            None if comparison.diff is None else {"suite_id": row.suite_id, "version": base},
            {
                "suite_id": row.suite_id,
                "version": version,
                "title": row.title,
                "source": row.source,
                "profiles": [p.id for p in result.suite.profiles],
                "changes": comparison.diff.to_json() if comparison.diff else None,
            },
        )
        return _summary(result, base, version, True, comparison.diff)
