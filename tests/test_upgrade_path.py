"""Upgrading from the previous release: a database at its schema (revision 0004) with
records in it (an organisation, users, a job with its register entry, a case with a
panel and an outcome, audit events) is migrated by ``bandwise db upgrade`` (twice: the
second run changes nothing), on SQLite and PostgreSQL; every record survives and the
app reads them.

The old database is filled by copying, column by column, the rows that the services
write at head into a database migrated only to 0004 (the columns 0005 added are left
out), so the upgrade meets rows exactly as the previous release's schema holds them.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, func, select, text

from apikit import session_client, settings_for
from bandwise.services import cases, register
from bandwise.services.base import Database
from bandwise.services.register_import import import_register, read_table
from bandwise.store import tables as t
from bandwise.store.db import make_engine
from bandwise.store.maintenance import head
from bandwise.store.migrate import upgrade
from bandwise.web.app import create_app
from clikit import run_main
from dbfixtures import PG_URL, People, copy_of, make_people
from recordfixtures import add_job, add_outcome

PREVIOUS_RELEASE = "0004"
REGISTER = (
    "Reference,Title,Staff Group,Band,JD_Last_Reviewed,Headcount,WTE,Status\n"
    "AT-1,Arts therapist,AHP,7,2026-03-01,3,2.5,In use\n"
)


def _records(db: Database, tmp_path: Path) -> tuple[People, int]:
    """What a trust has after a while: people, a job on the register, a case with a
    panel and a recorded outcome, and the audit events of it all."""
    people = make_people(db)
    csv = tmp_path / "register.csv"
    csv.write_text(REGISTER, encoding="utf-8")
    assert import_register(db, people.lead, read_table(csv)).imported
    job = register.list_register(db, people.viewer)[0].job_id
    case = cases.open_case(db, people.lead, job, "match", "arts-therapist").case.id
    with db.transaction() as session:
        panel = t.Panel(
            organisation_id=people.organisation_id, case_id=case, sat_on=dt.date(2026, 5, 4)
        )
        session.add(panel)
        session.flush()
        for actor in (people.management, people.staff):
            session.add(t.PanelMember(panel_id=panel.id, user_id=actor.user_id, side=actor.side))
    add_outcome(db, people, job, case_id=case)
    add_job(db, people, "Ward clerk", "WC-1")
    return people, case


def _old_database(url: str) -> None:
    """An empty database at the previous release's schema."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url, PREVIOUS_RELEASE)


def _copy_rows(source: str, target: str) -> dict[str, int]:
    """Every row of ``source`` (at head) into ``target`` (at 0004), only the columns the
    old schema has, stored by the same column types; the number of rows per table."""
    source_engine, target_engine = make_engine(source), make_engine(target)
    old = MetaData()
    old.reflect(target_engine)
    counts: dict[str, int] = {}
    with source_engine.connect() as reading, target_engine.begin() as writing:
        for table in t.Base.metadata.sorted_tables:
            if table.name not in old.tables:
                continue
            columns = [c for c in table.columns if c.name in old.tables[table.name].columns]
            rows = [dict(r._mapping) for r in reading.execute(select(*columns))]
            counts[table.name] = len(rows)
            if rows:
                bare = Table(table.name, MetaData(), *(Column(c.name, c.type) for c in columns))
                writing.execute(bare.insert(), rows)
        if writing.dialect.name == "postgresql":  # ids given: move the sequences on
            for name in counts:
                if "id" in old.tables[name].columns:
                    writing.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                        )
                    )
    source_engine.dispose()
    target_engine.dispose()
    return counts


def _counts(url: str, names: list[str]) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {
            name: conn.execute(select(func.count()).select_from(text(name))).scalar_one()
            for name in names
        }
    engine.dispose()
    return found


@pytest.fixture(params=["sqlite", *(["postgresql"] if PG_URL else [])])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_template")  # rebuilt for the next test after this
        return PG_URL
    return f"sqlite:///{tmp_path / 'previous-release.db'}"


def test_a_database_of_the_previous_release_upgrades_with_every_record_kept(
    old_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    source_url = copy_of(sqlite_template, tmp_path / "records.db")
    source = Database.connect(source_url)
    people, case_id = _records(source, tmp_path)
    source.engine.dispose()
    _old_database(old_url)
    counts = _copy_rows(source_url, old_url)
    assert counts["audit_events"] >= 2 and counts["panel_members"] == 2
    assert counts["job_register"] == 1 and counts["outcomes"] == 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(
        BANDWISE_DATABASE_URL=old_url,
        BANDWISE_DATA_DIR=str(tmp_path),
        BANDWISE_SECRET_KEY=secrets.token_urlsafe(48),
    )

    first = run_main("db", "upgrade", env=env)
    second = run_main("db", "upgrade", env=env)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert _counts(old_url, list(counts)) == counts
    checked = run_main("db", "check", env=env)
    assert checked.returncode == 0, checked.stdout
    assert f"schema: at version {head()}" in checked.stdout
    db = Database.connect(old_url)
    try:
        case = cases.get_case(db, people.viewer, case_id)
        assert case.outcome is not None and case.outcome.band == "7"
        entry = next(e for e in register.list_register(db, people.viewer) if e.reference == "AT-1")
        assert (entry.band, entry.headcount) == ("7", 3)
        with db.reading() as session:
            members = session.scalars(select(t.PanelMember)).all()
            assert {m.guest_name for m in members} == {None}
            assert session.get(t.User, people.checker.user_id).consistency_checker is False  # type: ignore[union-attr]
            assert session.get(t.Outcome, case.outcome.id).rationale == ""  # type: ignore[union-attr]
        added = add_job(db, people, "Made after the upgrade", "NEW-1")  # ids carry on
        assert added > 0
        app = create_app(settings_for(old_url))
        with session_client(app, db, people.lead).client as browser:
            answer = browser.get(f"/api/cases/{case_id}")
            assert answer.status_code == 200, answer.text[:500]
            assert [o["band"] for o in answer.json()["outcomes"]] == ["7"]
            page = browser.get("/register")
            assert page.status_code == 200 and "Arts therapist" in page.text
            page = browser.get(f"/cases/{case_id}")
            assert page.status_code == 200 and "Arts therapist" in page.text
    finally:
        db.engine.dispose()


def test_upgrading_a_database_that_is_in_use_twice_changes_nothing(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    people = make_people(db)
    add_job(db, people, "Porter", "P-1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(BANDWISE_DATABASE_URL=db_url, BANDWISE_DATA_DIR=str(tmp_path))
    with db.reading() as session:  # a running server's reader
        session.execute(select(t.Job.title)).all()
        runs = [run_main("db", "upgrade", env=env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert all("Database up to date" in r.stdout for r in runs)
    with db.reading() as session:
        assert session.scalars(select(t.Job.title)).all() == ["Porter"]
