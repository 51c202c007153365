"""Database fixtures for store, service and API tests, on SQLite and on PostgreSQL.

``db`` is parametrised: ``sqlite`` always; ``postgresql`` when
``BANDWISE_TEST_POSTGRES_URL`` is set (``.ci/run`` starts a server and sets it; locally
run ``scripts/pg-test-server``). Each test gets a freshly migrated, empty database, and
``org`` / ``users`` give it an organisation with one user per role and side.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from bandwise.services.base import Actor, Database
from bandwise.store import tables as t
from bandwise.store.migrate import upgrade

PG_URL = os.environ.get("BANDWISE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def _fresh_postgres(url: str) -> None:
    db = Database.connect(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        _fresh_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path / 'bandwise.db'}"
    upgrade(url)
    return url


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
