"""Database fixtures for store, service and API tests, on SQLite and on PostgreSQL.

``db`` is parametrised: ``sqlite`` always; ``postgresql`` when
``BANDWISE_TEST_POSTGRES_URL`` is set (``.ci/run`` starts a server and sets it; locally
run ``scripts/pg-test-server``). Each test gets a freshly migrated, empty database, and
``org`` / ``users`` give it an organisation with one user per role and side.

The Alembic migrations run **once per test session**, not once per test (a full upgrade
costs tens of milliseconds; hundreds of tests paid it):

* SQLite: :func:`sqlite_template` migrates one file; each test gets a byte copy of it in
  its own ``tmp_path`` (a fraction of a millisecond).
* PostgreSQL: :func:`postgres_template` runs the migrations once on the test database and
  records the statements they sent; before each test it empties every table (or, when a
  test changed the schema, rebuilds it from the recording): see ``tests/pgtemplate.py``.
  Each test still has a real database of its own (several connections, the audit
  trail's triggers, real commits), so the concurrency tests and the tests that the
  triggers refuse rewrites stay real. A template database (``CREATE DATABASE …
  TEMPLATE``) would need the CREATEDB right; a rolled-back transaction per test would
  hide concurrency.

``tests/test_test_databases.py`` checks that both give the schema a real upgrade gives.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bandwise.services.base import Actor, Database
from bandwise.store import tables as t
from bandwise.store.db import make_engine
from bandwise.store.migrate import upgrade
from pgtemplate import PostgresTemplate

PG_URL = os.environ.get("BANDWISE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, for every test to copy."""
    path = tmp_path_factory.mktemp("template") / "bandwise.db"
    upgrade(f"sqlite:///{path}")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file: one file to copy
    return path


def copy_of(template: Path, path: Path) -> str:
    """A migrated SQLite database at ``path``, copied from ``template``; its URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    """The migrations recorded once on the test database, to give each test a fresh one."""
    template = PostgresTemplate(make_engine(PG_URL))
    yield template
    template.engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_template").fresh()
        return PG_URL
    return copy_of(request.getfixturevalue("sqlite_template"), tmp_path / "bandwise.db")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.connect(db_url)
    yield database
    database.engine.dispose()


@dataclass
class People:
    """One organisation's users by role (and side), as actors."""

    admin: Actor
    lead: Actor
    management: Actor  # practitioner, management side
    management2: Actor
    staff: Actor  # practitioner, staff side
    staff2: Actor
    checker: Actor  # practitioner (management) who sits on no panel
    viewer: Actor
    organisation_id: int


def make_people(db: Database, slug: str = "trust-a") -> People:
    with db.transaction() as session:
        org = t.Organisation(slug=slug, name=slug.replace("-", " ").title())
        session.add(org)
        session.flush()
        specs = [
            ("admin", "admin", None),
            ("lead", "je-lead", None),
            ("management", "practitioner", "management"),
            ("management2", "practitioner", "management"),
            ("staff", "practitioner", "staff-side"),
            ("staff2", "practitioner", "staff-side"),
            ("checker", "practitioner", "management"),
            ("viewer", "viewer", None),
        ]
        actors = {}
        for name, role, side in specs:
            user = t.User(
                organisation_id=org.id,
                email=f"{name}@{slug}.nhs.example",
                name=name.title(),
                role=role,
                side=side,
                consistency_checker=role != "viewer",  # the independence rules still apply
                password_hash="!",
                active=True,
                version=1,
            )
            session.add(user)
            session.flush()
            actors[name] = Actor(user.id, org.id, role, side, user.name)
        return People(**actors, organisation_id=org.id)


@pytest.fixture
def people(db: Database) -> People:
    return make_people(db)


@pytest.fixture
def other_people(db: Database) -> People:
    """A second organisation, for tenant-isolation tests."""
    return make_people(db, "trust-b")
