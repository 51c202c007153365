"""The profile library the command line reads: the organisation's, as the server has it.

Commands that read profiles (``profiles list/show/import``, ``match``, ``nearest``,
``match-batch``, ``suggest``) use the database of the data folder (or
``BANDWISE_DATABASE_URL``) and its organisation (``--organisation SLUG`` when it holds
several): the built-in suites plus the versions imported into it, through the same
service as the pages and the API (:func:`bandwise.services.suites.library_in`). With no
database yet, or one without an organisation, they use the built-in suites. ``--suite
FILE`` adds a suite YAML for one run (its version is 0: it is in no library).

Nothing here creates a database or a folder, except :func:`open_for_import`, which
``profiles import --save`` uses to store a version.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from .cli_common import database_error, printable
from .errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .profiles.library import Library
    from .profiles.model import Suite
    from .scheme.rules import RuleSet
    from .services.base import Actor, Database

T = TypeVar("T")

OrganisationOpt = typer.Option(
    None,
    "--organisation",
    metavar="SLUG",
    help="The organisation whose library to use (needed when the database holds several).",
)
SuiteFilesOpt = typer.Option(
    None,
    "--suite",
    metavar="FILE",
    help="A profile suite YAML to use as well, for this run only (a suite with the id of a "
    "library suite replaces it); repeatable.",
)


def _existing_url() -> str | None:
    """The database URL when there is a database to read, else None (creates nothing)."""
    from .profiles.store import data_dir
    from .settings import load
    from .store.db import sqlite_path

    if load().database:
        from .store.db import database_url

        url = database_url()
        path = sqlite_path(url)
        return None if path is not None and not path.is_file() else url
    path = data_dir() / "bandwise.db"
    return f"sqlite:///{path}" if path.is_file() else None


def _organisation_id(session: Session, slug: str | None) -> int | None:
    """The organisation's id (None when the database holds none and none was named)."""
    from sqlalchemy import select

    from .store import tables as t

    orgs = list(session.scalars(select(t.Organisation).order_by(t.Organisation.id)))
    if slug is not None:
        for org in orgs:
            if org.slug == slug:
                return org.id
        known = ", ".join(o.slug for o in orgs) or "none"
        raise UsageError(f"no organisation {slug!r} in the database (known: {known})")
    if len(orgs) > 1:
        raise UsageError(
            "the database holds several organisations "
            f"({', '.join(o.slug for o in orgs)}): name one with --organisation SLUG"
        )
    return orgs[0].id if orgs else None


def _read_organisation(
    organisation: str | None,
    table: str,
    builtin: Callable[[], T],
    read: Callable[[Session, int], T],
) -> T:
    """What ``read`` finds for the organisation in the database (``table`` is the one it
    needs); ``builtin()`` when there is no database yet, no such table (the database is
    behind) or no organisation in it. A named organisation must exist."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DBAPIError

    from .services.base import Database

    url = _existing_url()
    if url is None:
        if organisation is not None:
            raise UsageError(
                f"--organisation {organisation}: there is no database yet "
                "(`bandwise users create-admin` creates one with its organisation)"
            )
        return builtin()
    db = Database.connect(url)
    try:
        with db.reading() as session:
            if not inspect(session.connection()).has_table(table):
                _refuse_named(organisation)
                return builtin()
            org_id = _organisation_id(session, organisation)
            return builtin() if org_id is None else read(session, org_id)
    except DBAPIError as exc:
        raise database_error(exc) from exc
    finally:
        db.engine.dispose()


def database_library(organisation: str | None = None) -> Library:
    """The organisation's library from the database; the built-in suites when there is
    no database yet (or no organisation in it)."""
    from .profiles.library import builtin_library
    from .services.suites import library_in

    return _read_organisation(organisation, "organisations", builtin_library, library_in)


def database_rule_set(organisation: str | None = None) -> RuleSet:
    """The organisation's matching rule set in force (its local rule set, set by an
    administrator in the web app), from the database as :func:`database_library` finds
    it; the built-in default when there is no database or organisation yet."""
    from .scheme.rules import default_rule_set
    from .services.case_records import rule_set_for

    return _read_organisation(organisation, "local_rule_sets", default_rule_set, rule_set_for)


def cli_rule_set(rules_file: Path | None, organisation: str | None = None) -> RuleSet:
    """The rule set a command applies: ``--rules FILE`` when given, else the
    organisation's rule set in force (:func:`database_rule_set`)."""
    from .scheme.rules import load_rule_set_from

    return load_rule_set_from(rules_file) if rules_file else database_rule_set(organisation)


def _refuse_named(organisation: str | None) -> None:
    if organisation is not None:
        raise UsageError(f"no organisation {organisation!r}: the database is not set up yet")


def suite_file(path: Path) -> Suite:
    """A suite read from a ``--suite`` YAML file, as ``profiles import`` reads one (its
    findings are not refused: national documents carry known misprints)."""
    from .scheme.loader import load_scheme
    from .services.profile_import import read_and_validate

    if path.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(
            f"--suite {printable(str(path))}: expected a suite YAML (.yaml); "
            "`bandwise profiles import DOCUMENT --out suite.yaml` writes one from a document"
        )
    result, _findings = read_and_validate(load_scheme(), path)
    return result.suite


def cli_library(organisation: str | None = None, suite_files: list[Path] | None = None) -> Library:
    """The library a command reads: the database's (see :func:`database_library`) plus any
    ``--suite`` files."""
    from .profiles.library import with_suites

    library = database_library(organisation)
    legacy_notice()
    if suite_files:
        library = with_suites(library, [suite_file(p) for p in suite_files])
    return library


def legacy_notice() -> None:
    """One line on standard error when the data folder still holds suite files saved by an
    older bandwise: they are no longer read; this says how to import them."""
    from .profiles.store import SuiteStore

    try:
        files = SuiteStore().latest_files()
    except OSError:
        return
    if files:
        names = " ".join(printable(str(f)) for f in files)
        sys.stderr.write(
            "bandwise: note: suite files from an older bandwise are no longer read; import "
            f"them into the database with `bandwise profiles import FILE --save`: {names}\n"
        )


def open_for_import(organisation: str | None) -> tuple[Database, Actor, str]:
    """The database ``profiles import --save`` stores into (created and migrated when
    needed), the actor (the organisation's first active admin, as the records commands
    act) and the organisation's slug."""
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    from .cli_server import migrate_once
    from .services.base import Database
    from .store import tables as t
    from .store.db import database_url

    url = database_url()
    migrate_once(url)
    db = Database.connect(url)
    try:
        with db.reading() as session:
            org_id = _organisation_id(session, organisation)
            if org_id is None:
                raise UsageError(
                    "the database holds no organisation yet: create one with "
                    "`bandwise users create-admin`, then save the suite"
                )
            slug = session.scalar(select(t.Organisation.slug).where(t.Organisation.id == org_id))
            actor = first_admin(session, org_id, slug or "", "a saved suite is imported")
            return db, actor, slug or ""
    except DBAPIError as exc:
        db.engine.dispose()
        raise database_error(exc) from exc
    except BaseException:
        db.engine.dispose()
        raise


def first_admin(session: Session, org_id: int, slug: str, doing: str) -> Actor:
    """The organisation's first active administrator, as whom the command line acts (the
    audit trail then names a person); a one-line error when there is none."""
    from sqlalchemy import select

    from .services.base import Actor
    from .store import tables as t

    admin = session.scalar(
        select(t.User)
        .where(t.User.organisation_id == org_id, t.User.role == "admin")
        .where(t.User.active.is_(True))
        .order_by(t.User.id)
        .limit(1)
    )
    if admin is None:
        raise UsageError(
            f"organisation {slug!r} has no active admin user; {doing} as the "
            "organisation's first admin, so create one first"
        )
    return Actor(admin.id, org_id, admin.role, admin.side, admin.name)
